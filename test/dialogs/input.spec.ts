import { strict as assert } from 'node:assert';
import { parseTurnInput, MAX_TEXT_LENGTH } from '../../dialogs/input.js';

describe('dialogs/input', () => {
  it('reads a typed command and its arguments, ignoring mentions, case and a leading slash', () => {
    assert.deepEqual(parseTurnInput({ text: '<at>CSP Desk</at>  BUY  contoso.onmicrosoft.com ' }), { kind: 'command', name: 'buy', args: 'contoso.onmicrosoft.com' });
    assert.deepEqual(parseTurnInput({ text: '/csp orders Contoso GmbH' }), { kind: 'command', name: 'orders', args: 'Contoso GmbH' });
    assert.deepEqual(parseTurnInput({ text: 'help' }), { kind: 'command', name: 'help', args: '' });
  });

  it('treats empty text as empty', () => {
    assert.deepEqual(parseTurnInput({ text: '   ' }), { kind: 'empty' });
    assert.deepEqual(parseTurnInput({}), { kind: 'empty' });
  });

  it('refuses text over the limit', () => {
    assert.deepEqual(parseTurnInput({ text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }), { kind: 'tooLong', limit: MAX_TEXT_LENGTH });
    assert.equal(parseTurnInput({ text: 'x'.repeat(MAX_TEXT_LENGTH) }).kind, 'command');
  });

  it('accepts a card submit without text', () => {
    assert.deepEqual(parseTurnInput({ value: { action: 'command', command: 'help' } }), { kind: 'command', name: 'help', args: '' });
    assert.deepEqual(parseTurnInput({ value: { action: 'pickCustomer', customerId: 'c-1', page: 2 } }), {
      kind: 'submit', action: 'pickCustomer', data: { customerId: 'c-1', page: 2 },
    });
  });

  it('turns missing or tampered submit data into badSubmit, never an exception', () => {
    for (const value of [
      { nothing: 'here' },
      { action: 42 },
      { action: '' },
      { action: 'x'.repeat(65) },
      { action: 'DROP TABLE' },
      { action: 'command', command: 'rm -rf' },
      { action: 'command' },
      { action: 'ok', nested: { deep: true } },
      { action: 'ok', huge: 'y'.repeat(16_100) },
      '{not json',
      'a string',
      [1, 2],
    ]) {
      assert.deepEqual(parseTurnInput({ value }), { kind: 'badSubmit' }, JSON.stringify(value));
    }
  });
});
