// These tests break card JSON on purpose, at arbitrary paths: `any` is the honest type.
 
import { strict as assert } from 'node:assert';
import { renderSlack, renderTeams } from '../../cards/index.js';
import { assertValidAdaptiveCard, assertValidBlockKit, assertValidSlackModal } from './validate.js';

const goodCard = () => structuredClone(renderTeams({ kind: 'welcome', displayName: 'Ada' }, 'en'));
const goodMessage = () => structuredClone(renderSlack({ kind: 'welcome', displayName: 'Ada' }, 'en'));

describe('test/cards/validate: the checks can fail', () => {
  it('accepts a good card and a good message', () => {
    assertValidAdaptiveCard(goodCard());
    assertValidAdaptiveCard(goodCard().content);
    assertValidBlockKit(goodMessage());
  });

  const brokenCards: Array<[string, (c: any) => void, RegExp]> = [
    ['an unknown element type', (c) => { c.content.body.push({ type: 'Bogus' }); }, /Unknown element type "Bogus"/],
    ['an unknown action type', (c) => { c.content.body.push({ type: 'ActionSet', actions: [{ type: 'Action.Teleport', title: 'x' }] }); }, /Unknown action type/],
    ['a version above 1.5', (c) => { c.content.version = '1.6'; }, /version 1\.6 is above 1\.5/],
    ['a property newer than 1.5', (c) => { c.content.body[3].actions[0].role = 'Button'; }, /supported in version 1\.6/],
    ['a bad property value', (c) => { c.content.body.push({ type: 'TextBlock', text: 'x', size: 'Huge' }); }, /Invalid value "Huge"/],
    ['text in the faint "Good" colour', (c) => { c.content.body.push({ type: 'TextBlock', text: 'Active', color: 'Good' }); }, /too faint to read/],
    ['a text run in the faint "Good" colour', (c) => { c.content.body.push({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'Filed', color: 'good' }] }); }, /too faint to read/],
    ['duplicate input ids', (c) => { c.content.body.push({ type: 'Input.Text', id: 'a' }, { type: 'Input.Text', id: 'a' }); }, /Duplicate Id/],
    ['submit data without an action', (c) => { c.content.body[3].actions[0].data = { command: 'help' }; }, /must be an object with a string "action"/],
    ['more than 28 KB', (c) => { c.content.body.push({ type: 'TextBlock', text: 'x'.repeat(29 * 1024) }); }, /bytes, above 28672/],
    ['a wrong content type', (c) => { c.contentType = 'application/json'; }, /contentType/],
  ];
  for (const [what, breakIt, message] of brokenCards) {
    it(`rejects an Adaptive Card with ${what}`, () => {
      const card = goodCard();
      breakIt(card);
      assert.throws(() => assertValidAdaptiveCard(card), message);
    });
  }

  const button = (id: string) => ({ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: id, value: '{"action":"x"}' });
  const brokenMessages: Array<[string, (m: any) => void, RegExp]> = [
    ['more than 50 blocks', (m) => { m.blocks = Array.from({ length: 51 }, () => ({ type: 'divider' })); }, /51 blocks, above 50/],
    ['a section text over 3000 chars', (m) => { m.blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }); }, /3001 chars, above 3000/],
    ['a header over 150 chars', (m) => { m.blocks[0].text.text = 'x'.repeat(151); }, /above 150/],
    ['a mrkdwn header', (m) => { m.blocks[0].text.type = 'mrkdwn'; }, /must be plain_text/],
    ['a button label over 75 chars', (m) => { m.blocks[2].elements[0].text.text = 'x'.repeat(76); }, /above 75/],
    ['a duplicate action_id', (m) => { m.blocks.push({ type: 'actions', elements: [button('command:help')] }); }, /duplicate action_id/],
    ['an action_id over 255 chars', (m) => { m.blocks[2].elements[0].action_id = 'a'.repeat(256); }, /action_id must be 1–255/],
    ['a button value over 2000 chars', (m) => { m.blocks[2].elements[0].value = 'v'.repeat(2001); }, /at most 2000/],
    ['26 elements in one actions block', (m) => { m.blocks.push({ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`b${i}`)) }); }, /26 elements, above 25/],
    ['a context text over 3000 chars', (m) => { m.blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'x'.repeat(3001) }] }); }, /above 3000/],
    ['an unknown block type', (m) => { m.blocks.push({ type: 'carousel' }); }, /unknown block type carousel/],
    ['no fallback text', (m) => { m.text = ''; }, /text \(the notification fallback\) is missing/],
    ['more than 28 KB', (m) => {
      for (let i = 0; i < 12; i++) m.blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(2900) } });
    }, /bytes, above 28672/],
  ];
  for (const [what, breakIt, message] of brokenMessages) {
    it(`rejects a Block Kit message with ${what}`, () => {
      const m = goodMessage();
      breakIt(m);
      assert.throws(() => assertValidBlockKit(m), message);
    });
  }

  it('checks modals: title length and block count', () => {
    const modal = { type: 'modal', title: { type: 'plain_text', text: 'Buy' }, blocks: goodMessage().blocks };
    assertValidSlackModal(modal);
    assert.throws(() => assertValidSlackModal({ ...modal, title: { type: 'plain_text', text: 'x'.repeat(25) } }), /above 24/);
    assert.throws(() => assertValidSlackModal({ ...modal, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }), /101 blocks/);
  });

  const label = { type: 'plain_text', text: 'Field' };
  const textInput = (over: Record<string, unknown>) => ({ type: 'input', block_id: 'f', label, element: { type: 'plain_text_input', action_id: 'f', ...over } });
  const brokenInputs: Array<[string, unknown, RegExp]> = [
    ['a text input longer than Slack takes', textInput({ max_length: 3001 }), /max_length must be 1–3000/],
    ['an initial value longer than its input', textInput({ max_length: 10, initial_value: 'x'.repeat(11) }), /initial_value longer than 10 chars/],
    ['a hint over 2000 chars', { ...textInput({}), hint: { type: 'plain_text', text: 'x'.repeat(2001) } }, /hint: text is 2001 chars/],
    ['an option text over 75 chars', { type: 'input', label, element: { type: 'static_select', action_id: 's', options: [{ text: { type: 'plain_text', text: 'x'.repeat(76) }, value: 'a' }] } }, /above 75/],
    ['an initial option that is not an option', {
      type: 'input', label, element: { type: 'static_select', action_id: 's', options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }], initial_option: { text: { type: 'plain_text', text: 'B' }, value: 'b' } },
    }, /initial_option is not one of the options/],
    ['a file input of more than 10 files', { type: 'input', label, element: { type: 'file_input', action_id: 'files', max_files: 11 } }, /max_files must be 1–10/],
    ['file types with a dot', { type: 'input', label, element: { type: 'file_input', action_id: 'files', filetypes: ['.pdf'] } }, /extensions without the dot/],
  ];
  for (const [what, block, message] of brokenInputs) {
    it(`rejects a modal with ${what}`, () => {
      const modal = { type: 'modal', title: { type: 'plain_text', text: 'Form' }, blocks: [block] };
      assert.throws(() => assertValidSlackModal(modal), message);
    });
  }

  it('accepts a file input in a modal, and rejects one in a message', () => {
    const files = { type: 'input', block_id: 'files', label, element: { type: 'file_input', action_id: 'files', max_files: 5, filetypes: ['pdf', 'png'] }, optional: true };
    assertValidSlackModal({ type: 'modal', title: { type: 'plain_text', text: 'Form' }, blocks: [files] });
    const m = goodMessage();
    m.blocks.push(files as never);
    assert.throws(() => assertValidBlockKit(m), /file_input exists only in a modal/);
  });
});
