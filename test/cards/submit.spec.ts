import { strict as assert } from 'node:assert';
import { encodeSubmitData, parseSubmitData } from '../../cards/index.js';

describe('cards/submit', () => {
  it('reads Teams data (an object) and Slack values (JSON strings)', () => {
    assert.deepEqual(parseSubmitData({ action: 'command', command: 'buy' }), { action: 'command', command: 'buy' });
    assert.deepEqual(parseSubmitData('{"action":"purchase.confirm","orderDraft":12,"ack":true}'), { action: 'purchase.confirm', orderDraft: 12, ack: true });
    assert.deepEqual(parseSubmitData(encodeSubmitData({ action: 'command', command: 'help' })), { action: 'command', command: 'help' });
  });

  it('rejects stale or tampered data instead of throwing', () => {
    for (const raw of [undefined, null, '', 'not json', '[]', 42, [], {}, { action: '' }, { action: 7 }, { action: 'x', nested: { a: 1 } },
      { action: 'x', list: [1] }, { action: 'x', n: Infinity }, { action: 'DROP TABLE' }, `{"action":"x","pad":"${'p'.repeat(2100)}"}`]) {
      assert.equal(parseSubmitData(raw), null, JSON.stringify(raw));
    }
  });

  it('takes a form of typed text (a support description) as an object, but nothing larger than a form of ours', () => {
    const description = 'd'.repeat(5000);
    assert.equal(parseSubmitData({ action: 'support.review', draftId: 'x', description })?.description, description);
    assert.equal(parseSubmitData({ action: 'support.review', draftId: 'x', description: 'd'.repeat(16_001) }), null);
    // A button value (a JSON string) stays within Slack's 2000 characters.
    assert.equal(parseSubmitData(JSON.stringify({ action: 'support.review', draftId: 'x', description })), null);
  });

  it('refuses to encode data Slack could not carry', () => {
    assert.throws(() => encodeSubmitData({ action: 'x', pad: 'p'.repeat(2000) }), RangeError);
  });
});
