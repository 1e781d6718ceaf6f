import { strict as assert } from 'node:assert';
import { checkSlackRequest } from '../../bot/slack/edge.js';
import { cleanStrings, cleanStringsInPlace } from '../../services/db/storable.js';

describe('the edges: cleaning what Postgres cannot store (issue 14)', () => {
  it('a key named __proto__ stays a key of the copy: nothing sent is read through inheritance', () => {
    const sent = JSON.parse('{"action":"command","__proto__":{"command":"roles"}}') as unknown;
    const copy = cleanStrings(sent) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.equal(copy.command, undefined);
    assert.deepEqual(Object.keys(copy), ['action', '__proto__']);
  });

  it('in place: strings and keys of nested objects and lists, the objects themselves kept', () => {
    const inner = { text: 'a\u0000b', list: ['x\ud800', 'ok'] };
    const body: Record<string, unknown> = { inner, 'k\u0000ey': 1 };
    cleanStringsInPlace(body);
    assert.equal(body.inner, inner);
    assert.deepEqual(body, { inner: { text: 'ab', list: ['x\ufffd', 'ok'] }, key: 1 });
  });

  it("Slack: a button's JSON value is rewritten only when it holds what Postgres cannot store — otherwise byte for byte", () => {
    const click = (value: string) => ({ type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1' }, trigger_id: '1.2', actions: [{ action_id: 'a', value }] });
    const valueOf = (verdict: ReturnType<typeof checkSlackRequest>) => {
      assert.equal(verdict.kind, 'take');
      return ((verdict as unknown as { body: { actions: Array<{ value: string }> } }).body.actions[0]!).value;
    };
    for (const value of ['{"action":"orders.page","n":12345678901234567890}', '{ "n": 1.0, "action": "x" }', '{"__proto__":{"a":1},"action":"x"}', 'not json', '"a string"']) {
      assert.equal(valueOf(checkSlackRequest(click(value))), value);
    }
    assert.equal(valueOf(checkSlackRequest(click('{"action":"command","command":"who\\u0000ami"}'))), '{"action":"command","command":"whoami"}');
  });
});
