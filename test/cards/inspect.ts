/** Looking into rendered cards and messages, for "the user sees / the button sends" assertions. */
import { strict as assert } from 'node:assert';
import { fallbackText, isForm, renderSlack, renderSlackModal, renderTeams, type Screen } from '../../cards/index.js';

/** A card's lines as a reader sees them: a RichTextBlock's runs joined into one line. */
export function lines(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(lines);
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (o.type === 'RichTextBlock' && Array.isArray(o.inlines)) return [(o.inlines as Array<{ text: string }>).map((r) => r.text).join('')];
    return Object.values(o).flatMap(lines);
  }
  return typeof value === 'string' ? [value] : [];
}

/** Every string value anywhere in a JSON value. */
export function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(texts);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(texts);
  return [];
}

/** Every object anywhere in a JSON value (depth first, in document order). */
export function objects(value: unknown): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) {
      out.push(v as Record<string, unknown>);
      Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return out;
}

/** The data of every button that posts back (Action.Execute or Action.Submit) in a card, in document order. */
export function teamsSubmits(card: unknown): unknown[] {
  return objects(card).filter((o) => o.type === 'Action.Execute' || o.type === 'Action.Submit').map((o) => o.data);
}

export interface SlackButton {
  action_id: string;
  value: string;
  text: { text: string };
  style?: string;
}

/** All buttons of a Slack message (actions blocks and section accessories). */
export function slackButtons(message: { blocks: unknown[] }): SlackButton[] {
  const out: SlackButton[] = [];
  for (const b of message.blocks as Array<{ type: string; elements?: SlackButton[]; accessory?: SlackButton }>) {
    if (b.type === 'actions') out.push(...b.elements!);
    if (b.type === 'section' && b.accessory) out.push(b.accessory);
  }
  return out;
}

/** Every screen reads differently in German than in English, on every channel (the German catalog is used). */
export function assertGermanDiffers(screens: ReadonlyArray<{ name: string; screen: Screen }>): void {
  for (const { name, screen } of screens) {
    assert.notEqual(JSON.stringify(renderTeams(screen, 'de')), JSON.stringify(renderTeams(screen, 'en')), `Teams ${name}`);
    assert.notEqual(fallbackText(screen, 'de'), fallbackText(screen, 'en'), `text ${name}`);
    if (isForm(screen)) assert.notEqual(JSON.stringify(renderSlackModal(screen, 'de')), JSON.stringify(renderSlackModal(screen, 'en')), `modal ${name}`);
    else assert.notEqual(JSON.stringify(renderSlack(screen, 'de')), JSON.stringify(renderSlack(screen, 'en')), `Slack ${name}`);
  }
}
