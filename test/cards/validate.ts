/**
 * Card checks for every test that sees a card: the Adaptive Card is parsed with the
 * `adaptivecards` object model (as a host would), the Block Kit message is held to
 * Slack's published limits. Both throw an AssertionError listing every problem.
 *
 * adaptivecards' `lib/` build does not load in plain Node (extensionless ESM imports);
 * its UMD bundle in `dist/` does, without a DOM.
 */
import { AssertionError } from 'node:assert';
import { startsNewTask } from '../../cards/actions.js';
import { createRequire } from 'node:module';
import type * as ACTypes from 'adaptivecards';

const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof ACTypes;

export const MAX_MESSAGE_BYTES = 28 * 1024;
const MAX_CARD_VERSION = '1.5';

function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function fail(what: string, problems: string[], value: unknown): never {
  throw new AssertionError({
    message: `${what} is not valid:\n  - ${problems.join('\n  - ')}\n${JSON.stringify(value, null, 2).slice(0, 4000)}`,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function versionLessOrEqual(version: string, max: string): boolean {
  const [a = NaN, b = NaN] = version.split('.').map(Number);
  const [c = NaN, d = NaN] = max.split('.').map(Number);
  return Number.isInteger(a) && Number.isInteger(b) && (a < c || (a === c && b <= d));
}

/** Walks any JSON value, calling `visit` on every object. */
function walk(value: unknown, visit: (o: Record<string, unknown>, path: string) => void, path = '$'): void {
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, visit, `${path}[${i}]`));
  else if (isObject(value)) {
    visit(value, path);
    for (const [k, v] of Object.entries(value)) walk(v, visit, `${path}.${k}`);
  }
}

/**
 * Accepts a Teams attachment (`{contentType, content}`) or a bare card. Checks: parses
 * with no parse or validation event (unknown element/action types, bad property values,
 * properties newer than 1.5, duplicate ids…), `version` ≤ 1.5, JSON ≤ 28 KB, and every
 * Action.Execute / Action.Submit carries object data with a string `action` (the project's convention);
 * an Action.Execute's verb is that action, and only a `command` (a new task) is an Action.Submit.
 */
export function assertValidAdaptiveCard(cardOrAttachment: unknown): void {
  const problems: string[] = [];
  let card = cardOrAttachment;
  if (isObject(card) && 'contentType' in card) {
    if (card.contentType !== 'application/vnd.microsoft.card.adaptive') problems.push(`contentType is ${String(card.contentType)}`);
    card = card.content;
  }
  if (!isObject(card)) fail('Adaptive Card', ['not an object'], card);
  if (card.type !== 'AdaptiveCard') problems.push(`type is ${String(card.type)}, not AdaptiveCard`);
  if (typeof card.version !== 'string') problems.push('version is missing');
  else if (!versionLessOrEqual(card.version, MAX_CARD_VERSION)) problems.push(`version ${card.version} is above ${MAX_CARD_VERSION} (Teams)`);

  const size = byteSize(cardOrAttachment);
  if (size > MAX_MESSAGE_BYTES) problems.push(`JSON is ${size} bytes, above ${MAX_MESSAGE_BYTES}`);

  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    if (e.event !== AC.ValidationEvent.Hint) problems.push(`parse: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  for (const e of parsed.validateProperties().validationEvents) {
    if (e.event !== AC.ValidationEvent.Hint) problems.push(`validate: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  if (Array.isArray(card.body) && card.body.length === 0 && !Array.isArray(card.actions)) problems.push('the card is empty');

  // Teams renders the 'Good' text colour #92c353: about 2.1:1 on white, below WCAG AA (4.5:1).
  walk(card, (o, path) => {
    if ((o.type === 'TextBlock' || o.type === 'TextRun') && typeof o.color === 'string' && o.color.toLowerCase() === 'good') problems.push(`${path}: text in the "Good" colour is too faint to read (WCAG AA)`);
  });
  walk(card, (o, path) => {
    if (o.type !== 'Action.Submit' && o.type !== 'Action.Execute') return;
    if (!isObject(o.data) || typeof o.data.action !== 'string' || o.data.action === '') {
      problems.push(`${path}: ${o.type} data must be an object with a string "action"`);
    } else if (o.type === 'Action.Execute' && o.verb !== o.data.action) {
      problems.push(`${path}: Action.Execute verb ${String(o.verb)} is not its action ${o.data.action}`);
    } else if ((o.type === 'Action.Submit') !== startsNewTask(o.data as { action: string })) {
      problems.push(`${path}: ${o.data.action} must be ${o.data.action === 'command' ? 'an Action.Submit (a new task)' : 'an Action.Execute (a step of the card\'s task)'}`);
    }
    if (typeof o.title !== 'string' || o.title.trim() === '') problems.push(`${path}: ${o.type} without a title`);
  });

  if (problems.length > 0) fail('Adaptive Card', problems, card);
}

/** Slack's published limits, written out again on purpose: the check must not trust cards/blockkit.ts. */
const LIMITS = {
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  headerText: 150,
  buttonText: 75,
  actionId: 255,
  blockId: 255,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionsElements: 25,
  modalTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  textInputLength: 3000,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  maxFiles: 10,
};

function textObject(problems: string[], path: string, v: unknown, max: number, plainOnly = false): void {
  if (!isObject(v) || (v.type !== 'plain_text' && v.type !== 'mrkdwn')) {
    problems.push(`${path}: not a text object`);
    return;
  }
  if (plainOnly && v.type !== 'plain_text') problems.push(`${path}: must be plain_text`);
  if (typeof v.text !== 'string' || v.text.length === 0) problems.push(`${path}: empty text`);
  else if (v.text.length > max) problems.push(`${path}: text is ${v.text.length} chars, above ${max}`);
}

/** An input element's own limits: lengths, the initial value within them, options, files. `modal`: file inputs exist only in modals. */
function inputElement(problems: string[], path: string, el: Record<string, unknown>, modal: boolean): void {
  if (el.placeholder !== undefined) textObject(problems, `${path}.placeholder`, el.placeholder, LIMITS.placeholder, true);
  if (el.type === 'plain_text_input') {
    const max = el.max_length;
    if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > LIMITS.textInputLength)) {
      problems.push(`${path}: max_length must be 1–${LIMITS.textInputLength}`);
    }
    if (el.initial_value !== undefined) {
      const limit = typeof max === 'number' ? Math.min(max, LIMITS.textInputLength) : LIMITS.textInputLength;
      if (typeof el.initial_value !== 'string' || el.initial_value.length > limit) problems.push(`${path}: initial_value longer than ${limit} chars`);
    }
    if (el.multiline !== undefined && typeof el.multiline !== 'boolean') problems.push(`${path}: multiline must be a boolean`);
  }
  if (el.type === 'static_select' || el.type === 'checkboxes' || el.type === 'radio_buttons') {
    if (!Array.isArray(el.options) || el.options.length === 0 || el.options.length > LIMITS.selectOptions) problems.push(`${path}: needs 1–${LIMITS.selectOptions} options`);
    else {
      el.options.forEach((o: unknown, i) => {
        if (!isObject(o)) {
          problems.push(`${path}.options[${i}]: not an option`);
          return;
        }
        textObject(problems, `${path}.options[${i}].text`, o.text, LIMITS.optionText);
        if (typeof o.value !== 'string' || o.value.length === 0 || o.value.length > LIMITS.optionValue) problems.push(`${path}.options[${i}]: value must be 1–${LIMITS.optionValue} chars`);
      });
      const values = (el.options as Array<{ value?: unknown }>).map((o) => o.value);
      if (isObject(el.initial_option) && !values.includes(el.initial_option.value)) problems.push(`${path}: initial_option is not one of the options`);
    }
  }
  if (el.type === 'file_input') {
    if (!modal) problems.push(`${path}: a file_input exists only in a modal`);
    const max = el.max_files;
    if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > LIMITS.maxFiles)) problems.push(`${path}: max_files must be 1–${LIMITS.maxFiles}`);
    if (el.filetypes !== undefined && (!Array.isArray(el.filetypes) || !el.filetypes.every((f) => typeof f === 'string' && /^[a-z0-9]+$/i.test(f)))) {
      problems.push(`${path}: filetypes must be extensions without the dot`);
    }
  }
}

function interactiveElement(problems: string[], path: string, el: unknown, actionIds: Set<string>): void {
  if (!isObject(el) || typeof el.type !== 'string') {
    problems.push(`${path}: not an element`);
    return;
  }
  if ('action_id' in el) {
    const id = el.action_id;
    if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.actionId) problems.push(`${path}: action_id must be 1–${LIMITS.actionId} chars`);
    else if (actionIds.has(id)) problems.push(`${path}: duplicate action_id "${id}"`);
    else actionIds.add(id);
  }
  if (el.type === 'button') {
    textObject(problems, `${path}.text`, el.text, LIMITS.buttonText, true);
    if (typeof el.action_id !== 'string') problems.push(`${path}: button without action_id`);
    if (el.value !== undefined && (typeof el.value !== 'string' || el.value.length > LIMITS.buttonValue)) {
      problems.push(`${path}: value must be a string of at most ${LIMITS.buttonValue} chars`);
    }
    if (el.url !== undefined && (typeof el.url !== 'string' || el.url.length > LIMITS.buttonUrl)) problems.push(`${path}: url too long`);
    if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') problems.push(`${path}: style ${JSON.stringify(el.style)}`);
  } else if (el.type === 'image') {
    if (typeof el.image_url !== 'string' || typeof el.alt_text !== 'string') problems.push(`${path}: image needs image_url and alt_text`);
  } else if (!/^(static_select|external_select|users_select|conversations_select|channels_select|multi_static_select|overflow|datepicker|timepicker|checkboxes|radio_buttons|plain_text_input|number_input|email_text_input|url_text_input|file_input)$/.test(el.type)) {
    problems.push(`${path}: unknown element type ${el.type}`);
  }
}

function checkBlocks(problems: string[], blocks: unknown, maxBlocks: number, modal = false): void {
  if (!Array.isArray(blocks)) {
    problems.push('blocks is not an array');
    return;
  }
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks, above ${maxBlocks}`);
  const actionIds = new Set<string>();
  const blockIds = new Set<string>();
  blocks.forEach((block: unknown, i) => {
    const path = `blocks[${i}]`;
    if (!isObject(block)) {
      problems.push(`${path}: not an object`);
      return;
    }
    if (block.block_id !== undefined) {
      const id = block.block_id;
      if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.blockId) problems.push(`${path}: block_id must be 1–${LIMITS.blockId} chars`);
      else if (blockIds.has(id)) problems.push(`${path}: duplicate block_id "${id}"`);
      else blockIds.add(id);
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problems.push(`${path}: section needs text or fields`);
        if (block.text !== undefined) textObject(problems, `${path}.text`, block.text, LIMITS.sectionText);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > LIMITS.sectionFields) problems.push(`${path}: at most ${LIMITS.sectionFields} fields`);
          else block.fields.forEach((f: unknown, j) => textObject(problems, `${path}.fields[${j}]`, f, LIMITS.sectionFieldText));
        }
        if (block.accessory !== undefined) interactiveElement(problems, `${path}.accessory`, block.accessory, actionIds);
        break;
      }
      case 'actions': {
        if (!Array.isArray(block.elements) || block.elements.length === 0) problems.push(`${path}: actions needs elements`);
        else {
          if (block.elements.length > LIMITS.actionsElements) problems.push(`${path}: ${block.elements.length} elements, above ${LIMITS.actionsElements}`);
          block.elements.forEach((el: unknown, j) => interactiveElement(problems, `${path}.elements[${j}]`, el, actionIds));
        }
        break;
      }
      case 'context': {
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > LIMITS.contextElements) {
          problems.push(`${path}: context needs 1–${LIMITS.contextElements} elements`);
        } else {
          block.elements.forEach((el: unknown, j) => {
            if (isObject(el) && el.type === 'image') interactiveElement(problems, `${path}.elements[${j}]`, el, actionIds);
            else textObject(problems, `${path}.elements[${j}]`, el, LIMITS.contextText);
          });
        }
        break;
      }
      case 'header':
        textObject(problems, `${path}.text`, block.text, LIMITS.headerText, true);
        break;
      case 'divider':
        break;
      case 'input':
        textObject(problems, `${path}.label`, block.label, LIMITS.inputLabel, true);
        if (block.hint !== undefined) textObject(problems, `${path}.hint`, block.hint, LIMITS.inputHint, true);
        if (block.optional !== undefined && typeof block.optional !== 'boolean') problems.push(`${path}: optional must be a boolean`);
        interactiveElement(problems, `${path}.element`, block.element, actionIds);
        if (isObject(block.element)) inputElement(problems, `${path}.element`, block.element, modal);
        break;
      case 'image':
        if (typeof block.image_url !== 'string' || typeof block.alt_text !== 'string') problems.push(`${path}: image needs image_url and alt_text`);
        break;
      default:
        problems.push(`${path}: unknown block type ${String(block.type)}`);
    }
  });
}

/** A chat message (chat.postMessage / respond / ephemeral): `text` fallback, ≤ 50 blocks, ≤ 28 KB. */
export function assertValidBlockKit(message: unknown): void {
  const problems: string[] = [];
  if (!isObject(message)) fail('Block Kit message', ['not an object'], message);
  if (typeof message.text !== 'string' || message.text.trim() === '') problems.push('text (the notification fallback) is missing');
  checkBlocks(problems, message.blocks, 50);
  const size = byteSize(message);
  if (size > MAX_MESSAGE_BYTES) problems.push(`JSON is ${size} bytes, above ${MAX_MESSAGE_BYTES}`);
  if (problems.length > 0) fail('Block Kit message', problems, message);
}

/** A modal view (views.open / views.update): title ≤ 24, ≤ 100 blocks, private_metadata ≤ 3000. */
export function assertValidSlackModal(view: unknown): void {
  const problems: string[] = [];
  if (!isObject(view)) fail('Slack modal', ['not an object'], view);
  if (view.type !== 'modal') problems.push(`type is ${String(view.type)}, not modal`);
  textObject(problems, 'title', view.title, LIMITS.modalTitle, true);
  if (view.submit !== undefined) textObject(problems, 'submit', view.submit, LIMITS.modalTitle, true);
  if (view.close !== undefined) textObject(problems, 'close', view.close, LIMITS.modalTitle, true);
  if (view.private_metadata !== undefined && (typeof view.private_metadata !== 'string' || view.private_metadata.length > LIMITS.privateMetadata)) {
    problems.push(`private_metadata must be a string of at most ${LIMITS.privateMetadata} chars`);
  }
  if (view.callback_id !== undefined && (typeof view.callback_id !== 'string' || view.callback_id.length > LIMITS.callbackId)) {
    problems.push(`callback_id must be a string of at most ${LIMITS.callbackId} chars`);
  }
  checkBlocks(problems, view.blocks, 100, true);
  const size = byteSize(view);
  if (size > MAX_MESSAGE_BYTES) problems.push(`JSON is ${size} bytes, above ${MAX_MESSAGE_BYTES}`);
  if (problems.length > 0) fail('Slack modal', problems, view);
}
