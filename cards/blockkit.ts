/**
 * Typed builders for the Block Kit this bot sends to Slack. Builders clamp text to
 * Slack's limits (with an ellipsis) so an unusually long name can never make Slack
 * reject a whole message; `slackMessage` makes every action_id unique.
 */
import type { SubmitData } from './screens.js';
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
  value: string;
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

export function actions(elements: ButtonElement[]): ActionsBlock {
  return { type: 'actions', elements };
}

/**
 * A button: `action_id` is `<action>:<suffix>` (e.g. `command:buy`), so a listener can
 * match on the action prefix; `value` is the JSON submit data.
 */
export function button(label: string, data: SubmitData, suffix: string, style?: 'primary' | 'danger'): ButtonElement {
  return {
    type: 'button',
    text: plain(label, SLACK_LIMITS.buttonText),
    action_id: clamp(`${data.action}:${suffix}`, SLACK_LIMITS.actionId),
    value: encodeSubmitData(data),
    ...(style ? { style } : {}),
  };
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
