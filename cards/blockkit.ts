/**
 * Typed builders for the Block Kit this bot sends to Slack. Builders clamp text to
 * Slack's limits (with an ellipsis) so an unusually long name can never make Slack
 * reject a whole message; `slackMessage` makes every action_id unique.
 */
import { submitDataOf, type CardAction } from './actions.js';
import { isIsoDay } from './format.js';
import { encodeSubmitData } from './submit.js';

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
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
  actionsElements: 25,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  checkboxOptions: 10,
  /** A plain_text_input's max_length. */
  textInput: 3000,
  /** A file_input's max_files. */
  filesPerInput: 10,
  buttonUrl: 3000,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}

export type TextObject = PlainText | Mrkdwn;

export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  /** The JSON submit data; a link button (`url`) has none. */
  value?: string;
  /** A link button: Slack opens it in the browser (and still reports the click, which the listener ignores). */
  url?: string;
  style?: 'primary' | 'danger';
}

export interface SectionBlock {
  type: 'section';
  text?: TextObject;
  fields?: TextObject[];
  accessory?: ButtonElement;
  block_id?: string;
}

export interface ActionsBlock {
  type: 'actions';
  elements: ButtonElement[];
  block_id?: string;
}

export interface ContextBlock {
  type: 'context';
  elements: TextObject[];
  block_id?: string;
}

export interface HeaderBlock {
  type: 'header';
  text: PlainText;
  block_id?: string;
}

export interface DividerBlock {
  type: 'divider';
  block_id?: string;
}

export type SlackBlock = SectionBlock | ActionsBlock | ContextBlock | HeaderBlock | DividerBlock;

export interface PlainTextInputElement {
  type: 'plain_text_input';
  action_id: string;
  placeholder?: PlainText;
  initial_value?: string;
  max_length?: number;
  /** A text area (several lines) instead of a one-line box. */
  multiline?: boolean;
}

/** Slack sends the value as a string; min/max/initial are strings too. */
export interface NumberInputElement {
  type: 'number_input';
  action_id: string;
  is_decimal_allowed: boolean;
  min_value?: string;
  max_value?: string;
  initial_value?: string;
  placeholder?: PlainText;
}

/** One choice of a select menu or a checkbox group; `value` is what the submission carries. */
export interface OptionObject {
  text: PlainText;
  value: string;
}

/** A single choice; its selected option's value is merged into the submission under `action_id`. */
export interface StaticSelectElement {
  type: 'static_select';
  action_id: string;
  options: OptionObject[];
  initial_option?: OptionObject;
  placeholder?: PlainText;
}

/** A checkbox group; the values of the ticked options are merged into the submission under `action_id`. */
export interface CheckboxesElement {
  type: 'checkboxes';
  action_id: string;
  options: OptionObject[];
  initial_options?: OptionObject[];
}

/**
 * Files uploaded with the modal (Slack keeps them; the submission carries their ids, which the
 * view_submission listener joins by commas). Modal only; needs the files:read scope.
 * `filetypes` and `max_files` are Slack's convenience checks: the bot checks again.
 */
export interface FileInputElement {
  type: 'file_input';
  action_id: string;
  /** File name extensions without the dot ("pdf", "png"). */
  filetypes?: string[];
  /** 1–10. */
  max_files?: number;
}

/** A day picker; the submission carries the chosen day as `selected_date` (`YYYY-MM-DD`). Slack offers no min or max day. */
export interface DatepickerElement {
  type: 'datepicker';
  action_id: string;
  /** `YYYY-MM-DD`. */
  initial_date?: string;
  placeholder?: PlainText;
}

export type InputElement = PlainTextInputElement | NumberInputElement | StaticSelectElement | CheckboxesElement | FileInputElement | DatepickerElement;

/** Modal only here: a message with input blocks would need `dispatch_action` handling. */
export interface InputBlock {
  type: 'input';
  label: PlainText;
  element: InputElement;
  hint?: PlainText;
  optional?: boolean;
  block_id?: string;
}

export type ModalBlock = SlackBlock | InputBlock;

/** A `views.open` / `views.update` view. */
export interface SlackModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit?: PlainText;
  close?: PlainText;
  /** The submit data (JSON) the view_submission listener starts from; the inputs are merged into it by action_id. */
  private_metadata: string;
  blocks: ModalBlock[];
}

export interface SlackMessage {
  /** Plain-text summary: notifications, screen readers, clients without blocks. */
  text: string;
  blocks: SlackBlock[];
}

export function clamp(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

/** Escape the three characters Slack's mrkdwn treats as control (links, mentions). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function plain(text: string, max: number = SLACK_LIMITS.sectionText): PlainText {
  return { type: 'plain_text', text: clamp(text, max), emoji: true };
}

/** Already-escaped mrkdwn (build it from `escapeMrkdwn`ed pieces). */
export function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): Mrkdwn {
  return { type: 'mrkdwn', text: clamp(text, max) };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, SLACK_LIMITS.headerText) };
}

export function section(text: TextObject, accessory?: ButtonElement): SectionBlock {
  return { type: 'section', text, ...(accessory ? { accessory } : {}) };
}

export function fieldsSection(fields: TextObject[]): SectionBlock {
  return {
    type: 'section',
    fields: fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => ({ ...f, text: clamp(f.text, SLACK_LIMITS.sectionFieldText) })),
  };
}

export function context(elements: TextObject[]): ContextBlock {
  return { type: 'context', elements: elements.slice(0, SLACK_LIMITS.contextElements) };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

/**
 * Facts as label/value pairs in a section's two columns: the label bold (our own text),
 * the value plain_text (may come from outside: no mrkdwn, so no formatting, links or
 * mentions). Five pairs per section (Slack's 10 fields).
 */
export function labelledFields(pairs: ReadonlyArray<readonly [label: string, value: string]>): SectionBlock[] {
  const sections: SectionBlock[] = [];
  const perSection = SLACK_LIMITS.sectionFields / 2;
  for (let i = 0; i < pairs.length; i += perSection) {
    const fields = pairs.slice(i, i + perSection).flatMap(([label, value]) => [mrkdwn(`*${escapeMrkdwn(label)}*`), plain(value || '—')]);
    sections.push(fieldsSection(fields));
  }
  return sections;
}

export function actions(elements: ButtonElement[]): ActionsBlock {
  return { type: 'actions', elements };
}

/**
 * A button: `action_id` is `<action>:<suffix>` (e.g. `command:buy`), so a listener can
 * match on the action prefix; `value` is the JSON submit data.
 */
export function button(label: string, data: CardAction, suffix: string, style?: 'primary' | 'danger'): ButtonElement {
  return {
    type: 'button',
    text: plain(label, SLACK_LIMITS.buttonText),
    action_id: clamp(`${data.action}:${suffix}`, SLACK_LIMITS.actionId),
    value: encodeSubmitData(submitDataOf(data)),
    ...(style ? { style } : {}),
  };
}

/**
 * A link button: Slack opens `url` in the browser. It carries no submit data; Slack still
 * reports the click (action_id `link:<suffix>`), which the block-action listener ignores.
 * A URL longer than Slack takes cannot be shortened: null, and the caller shows none.
 */
export function linkButton(label: string, url: string, suffix: string): ButtonElement | null {
  if (url.length === 0 || url.length > SLACK_LIMITS.buttonUrl) return null;
  return { type: 'button', text: plain(label, SLACK_LIMITS.buttonText), action_id: clamp(`link:${suffix}`, SLACK_LIMITS.actionId), url };
}

function buttonsOf(block: SlackBlock): ButtonElement[] {
  if (block.type === 'actions') return block.elements;
  if (block.type === 'section' && block.accessory) return [block.accessory];
  return [];
}

/** The message, with duplicate action_ids made unique (`command:buy`, `command:buy:2`). */
export function slackMessage(text: string, blocks: SlackBlock[]): SlackMessage {
  const used = new Set<string>();
  const uniqueId = (id: string): string => {
    let candidate = id;
    for (let n = 2; used.has(candidate); n++) candidate = `${id.slice(0, SLACK_LIMITS.actionId - 8)}:${n}`;
    used.add(candidate);
    return candidate;
  };
  const unique = blocks.map((block): SlackBlock => {
    const buttons = buttonsOf(block);
    if (buttons.length === 0) return block;
    const renamed = buttons.map((b) => {
      const id = uniqueId(b.action_id);
      return id === b.action_id ? b : { ...b, action_id: id };
    });
    if (block.type === 'actions') return { ...block, elements: renamed };
    return { ...block, accessory: renamed[0] } as SectionBlock;
  });
  return { text, blocks: unique };
}

/**
 * A text input. `maxLength` is held to Slack's 3000 characters, and an initial value to the
 * input's length (Slack refuses a view whose initial value is longer than its max_length).
 */
export function plainTextInput(
  actionId: string,
  options: { placeholder?: string; initialValue?: string; maxLength?: number; multiline?: boolean } = {},
): PlainTextInputElement {
  const max = Math.min(options.maxLength ?? SLACK_LIMITS.textInput, SLACK_LIMITS.textInput);
  return {
    type: 'plain_text_input',
    action_id: actionId,
    ...(options.placeholder ? { placeholder: plain(options.placeholder, SLACK_LIMITS.placeholder) } : {}),
    ...(options.initialValue ? { initial_value: options.initialValue.slice(0, max) } : {}),
    ...(options.maxLength ? { max_length: max } : {}),
    ...(options.multiline ? { multiline: true } : {}),
  };
}

/** A file input (modal only): at most `maxFiles` (Slack: 1–10) of the given extensions. */
export function fileInput(actionId: string, options: { fileTypes?: readonly string[]; maxFiles?: number } = {}): FileInputElement {
  const max = options.maxFiles === undefined ? undefined : Math.max(1, Math.min(options.maxFiles, SLACK_LIMITS.filesPerInput));
  return {
    type: 'file_input',
    action_id: actionId,
    ...(options.fileTypes && options.fileTypes.length > 0 ? { filetypes: [...options.fileTypes] } : {}),
    ...(max !== undefined ? { max_files: max } : {}),
  };
}

/** A whole-number input (`is_decimal_allowed: false`); Slack checks min/max before submitting. */
export function integerInput(actionId: string, options: { min?: number; max?: number; initial?: number | null; placeholder?: string } = {}): NumberInputElement {
  return {
    type: 'number_input',
    action_id: actionId,
    is_decimal_allowed: false,
    ...(options.min !== undefined ? { min_value: String(options.min) } : {}),
    ...(options.max !== undefined ? { max_value: String(options.max) } : {}),
    ...(options.initial !== undefined && options.initial !== null ? { initial_value: String(options.initial) } : {}),
    ...(options.placeholder ? { placeholder: plain(options.placeholder, SLACK_LIMITS.placeholder) } : {}),
  };
}

/**
 * A day picker. Slack refuses a view whose initial_date is not `YYYY-MM-DD`: an initial day of
 * any other shape (e.g. what a user typed) is left out, and the picker starts empty.
 */
export function datepicker(actionId: string, options: { initialDate?: string | null; placeholder?: string } = {}): DatepickerElement {
  const initial = options.initialDate;
  return {
    type: 'datepicker',
    action_id: actionId,
    ...(initial && isIsoDay(initial) ? { initial_date: initial } : {}),
    ...(options.placeholder ? { placeholder: plain(options.placeholder, SLACK_LIMITS.placeholder) } : {}),
  };
}

/** A choice: the text clamped to Slack's 75 characters; a value Slack cannot carry is a bug upstream and throws. */
export function option(text: string, value: string): OptionObject {
  if (value.length === 0 || value.length > SLACK_LIMITS.optionValue) throw new RangeError(`option value must be 1–${SLACK_LIMITS.optionValue} chars, got ${value.length}`);
  return { text: plain(text, SLACK_LIMITS.optionText), value };
}

/** A select menu of at most 100 options; `initial` is preselected when it is one of them. */
export function staticSelect(actionId: string, options: OptionObject[], opts: { initial?: string; placeholder?: string } = {}): StaticSelectElement {
  const shown = options.slice(0, SLACK_LIMITS.selectOptions);
  const initial = shown.find((o) => o.value === opts.initial);
  return {
    type: 'static_select',
    action_id: actionId,
    options: shown,
    ...(initial ? { initial_option: initial } : {}),
    ...(opts.placeholder ? { placeholder: plain(opts.placeholder, SLACK_LIMITS.placeholder) } : {}),
  };
}

/** A checkbox group of at most 10 options. */
export function checkboxes(actionId: string, options: OptionObject[]): CheckboxesElement {
  return { type: 'checkboxes', action_id: actionId, options: options.slice(0, SLACK_LIMITS.checkboxOptions) };
}

/** An input block; its block_id is the element's action_id (one input per field). */
export function input(label: string, element: InputElement, options: { hint?: string; optional?: boolean } = {}): InputBlock {
  return {
    type: 'input',
    block_id: element.action_id,
    label: plain(label, SLACK_LIMITS.inputLabel),
    element,
    ...(options.hint ? { hint: plain(options.hint, SLACK_LIMITS.inputHint) } : {}),
    ...(options.optional ? { optional: true } : {}),
  };
}

/**
 * A modal. `data` becomes `private_metadata`: the submit data the view_submission
 * listener starts from (bot/slack/listeners/views/view-submission.ts), so a modal's
 * submission reaches the dialog exactly like a Teams card submit with the same inputs.
 * Titles and button texts are clamped to Slack's 24 characters.
 */
export function slackModal(args: { title: string; submit?: string; close: string; data: CardAction; blocks: ModalBlock[] }): SlackModalView {
  return {
    type: 'modal',
    callback_id: clamp(`csp:${args.data.action}`, SLACK_LIMITS.actionId),
    title: plain(args.title, SLACK_LIMITS.modalTitle),
    ...(args.submit ? { submit: plain(args.submit, SLACK_LIMITS.modalButton) } : {}),
    close: plain(args.close, SLACK_LIMITS.modalButton),
    private_metadata: encodeSubmitData(submitDataOf(args.data)),
    blocks: args.blocks,
  };
}
