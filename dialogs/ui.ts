/**
 * Sends a channel-neutral Screen to the user in the channel's own format: an
 * Adaptive Card on Teams, Block Kit on Slack (the Slack adapter posts
 * `channelData.slack`), a form as a Slack modal or a Teams card. Dialogs never build
 * channel payloads themselves, and never ask which channel they are on.
 */
import type { Activity, TurnContext } from 'botbuilder';
import { fallbackText, holdsSecret, isForm, notice, renderSlack, renderSlackModal, renderTeams, type Screen } from '../cards/index.js';
import { resolveLocale, type Locale } from '../cards/i18n/index.js';
import type { Actor } from '../services/access/roles.js';

export const ACTOR_KEY = Symbol('csp.actor');

export function actorOf(ctx: TurnContext): Actor | undefined {
  return ctx.turnState.get<Actor | undefined>(ACTOR_KEY);
}

/** The acting user of a dialog turn; the runner sets it before any dialog runs, so missing is a bug. */
export function requireActor(ctx: TurnContext): Actor {
  const actor = actorOf(ctx);
  if (!actor) throw new Error('a dialog turn without an actor');
  return actor;
}

export function localeOf(ctx: TurnContext): Locale {
  return resolveLocale(actorOf(ctx)?.locale ?? ctx.activity.locale);
}

export function isSlack(ctx: TurnContext): boolean {
  return ctx.activity.channelId === 'slack';
}

/**
 * A turn that answers a click on one of the bot's own cards (a step of the task the card shows):
 * its first answer takes that card's place instead of adding a card below it, so a task keeps one
 * card that moves through its steps (issue 13), and the answer is where the user clicked. The
 * channel marks such a turn (`answerInPlace`): Slack sends that answer through the click's
 * response_url with `replace_original` (channelData `replacesClicked`); Teams holds it for the
 * `adaptiveCard/action` invoke response (`takeAnswerInPlace`).
 *
 * Any later screen of the turn is a new message, as in any other turn (the list a refusal sends
 * the user back to, a "sent to your personal chat" after the keys went there). A turn that starts
 * a command is not in place: the card clicked stays, and the new task gets a card of its own.
 */
const IN_PLACE = Symbol('csp.inPlace');

interface InPlaceSlot {
  answered: boolean;
  /** Teams: the answer for the invoke response. */
  held: Partial<Activity> | undefined;
}

export function answerInPlace(ctx: TurnContext): void {
  ctx.turnState.set(IN_PLACE, { answered: false, held: undefined } satisfies InPlaceSlot);
}

/** The turn starts a new task after all (a command), or failed: its answers are new messages. */
export function answerAsNewMessages(ctx: TurnContext): void {
  ctx.turnState.delete(IN_PLACE);
}

/** Teams: the answer that takes the clicked card's place (undefined when the turn had none for it). */
export function takeAnswerInPlace(ctx: TurnContext): Partial<Activity> | undefined {
  const slot = ctx.turnState.get<InPlaceSlot | undefined>(IN_PLACE);
  const held = slot?.held;
  if (slot) slot.held = undefined;
  return held;
}

/**
 * `keep`: a result the user must find later (an order confirmation). On Slack it goes to
 * the user's DM with the bot instead of an ephemeral answer, which disappears.
 */
export async function show(ctx: TurnContext, screen: Screen, opts: { keep?: boolean } = {}): Promise<void> {
  const locale = localeOf(ctx);
  if (isSlack(ctx) && isForm(screen)) {
    // A Slack message cannot take typed input: the form is a modal, opened by this turn's click.
    const modal = renderSlackModal(screen, locale);
    const task = ctx.turnState.get<string | undefined>(TASK);
    if (task) stampAll(modal, task);
    await ctx.sendActivity({ type: 'message', channelData: { slackModal: modal } });
    return;
  }
  const activity = messageOf(ctx, screen, locale, opts);
  const inPlace = await send(ctx, activity);
  if (answersTravelWithRequest(ctx)) {
    // The screen, not its rendering (a tenth of the size): a resend renders it again.
    const task = ctx.turnState.get<string | undefined>(TASK);
    repliesOf(ctx).push({
      inPlace,
      screen: holdsSecret(screen) ? notice('info', 'notice.secretNotRepeated') : screen,
      ...(opts.keep ? { keep: true } : {}),
      ...(task ? { task } : {}),
    });
  }
}

/** Sends one answer: in the clicked card's place when it is the first of an in-place turn (true), else as a new message. */
async function send(ctx: TurnContext, activity: Partial<Activity>): Promise<boolean> {
  const slot = ctx.turnState.get<InPlaceSlot | undefined>(IN_PLACE);
  if (!slot || slot.answered) {
    await ctx.sendActivity(activity);
    return false;
  }
  slot.answered = true;
  if (isSlack(ctx)) await ctx.sendActivity({ ...activity, channelData: { ...(activity.channelData as object), replacesClicked: true } });
  else slot.held = activity;
  return true;
}

/** One answer of a turn, as a resend of its request gets it again: the screen and where it went. */
export interface TurnReply {
  inPlace: boolean;
  screen: Screen;
  keep?: true;
  /** The task its buttons were stamped with. */
  task?: string;
}

const REPLIES = Symbol('csp.replies');

/**
 * Whether this turn's answers travel in the response to the request itself — a Teams card click's
 * invoke response, the body of an expectReplies turn (the Playground, Direct Line clients) — so
 * that a resend of the request, whose first response was lost, needs them again. Answers posted to
 * the conversation (Teams' normal delivery, Slack) have reached it already: a resend gets nothing,
 * as a second copy would only repeat them.
 */
export function answersTravelWithRequest(ctx: TurnContext): boolean {
  return !isSlack(ctx) && (ctx.activity.type === 'invoke' || ctx.activity.deliveryMode === 'expectReplies');
}

/** The answers this turn gave (kept only where `answersTravelWithRequest`; secrets replaced by a notice). */
export function repliesOf(ctx: TurnContext): TurnReply[] {
  let replies = ctx.turnState.get<TurnReply[] | undefined>(REPLIES);
  if (!replies) ctx.turnState.set(REPLIES, (replies = []));
  return replies;
}

/** A resent request: the answers its first delivery gave, again, each where it went then. */
export async function replay(ctx: TurnContext, replies: readonly TurnReply[]): Promise<void> {
  const locale = localeOf(ctx);
  for (const reply of replies) {
    setTask(ctx, reply.task);
    const activity = messageOf(ctx, reply.screen, locale, reply.keep ? { keep: true } : {});
    const slot = ctx.turnState.get<InPlaceSlot | undefined>(IN_PLACE);
    if (reply.inPlace && slot && !slot.answered) {
      slot.answered = true;
      slot.held = activity;
    } else {
      await ctx.sendActivity(activity);
    }
  }
}

const TASK = Symbol('csp.task');

/**
 * The task (a running flow, by the id the runner gave it when it started) this turn's screens
 * belong to: every step button they carry is stamped with it, so a click on a card of an ended or
 * replaced task — or of another user's task in a group chat — is told apart from one on the
 * task's own card, and never drives the task running now (issue 13).
 */
export function setTask(ctx: TurnContext, task: string | undefined): void {
  if (task) ctx.turnState.set(TASK, task);
  else ctx.turnState.delete(TASK);
}

/** Adds `task` to a button's submit data (never a command's: it starts a task of its own). */
function stamped(data: unknown, task: string): Record<string, unknown> | null {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.action !== 'string' || d.action === 'command') return null;
  return { ...d, task };
}

/** The same, for submit data as JSON text (Slack button values, a modal's private_metadata), kept within `max` characters. */
function stampedJson(json: string, task: string, max: number): string | null {
  if (!json.startsWith('{')) return null;
  try {
    const data = stamped(JSON.parse(json), task);
    const out = data ? JSON.stringify(data) : null;
    return out && out.length <= max ? out : null;
  } catch {
    return null;
  }
}

/** Walks a rendered card or Block Kit message and stamps every step button in it. */
function stampAll(node: unknown, task: string): void {
  if (Array.isArray(node)) {
    for (const item of node) stampAll(item, task);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'Action.Execute') {
    const data = stamped(o.data, task);
    if (data) o.data = data;
  }
  // Slack: a button's or an option's value (SLACK's limit: 2000 characters); a modal's private_metadata (3000).
  if (typeof o.value === 'string') o.value = stampedJson(o.value, task, 2000) ?? o.value;
  if (typeof o.private_metadata === 'string') o.private_metadata = stampedJson(o.private_metadata, task, 3000) ?? o.private_metadata;
  for (const value of Object.values(o)) if (value && typeof value === 'object') stampAll(value, task);
}

function messageOf(ctx: TurnContext, screen: Screen, locale: Locale, opts: { keep?: boolean }): Partial<Activity> {
  const task = ctx.turnState.get<string | undefined>(TASK);
  if (isSlack(ctx)) {
    const message = renderSlack(screen, locale);
    if (task) stampAll(message.blocks, task);
    return { type: 'message', text: message.text, channelData: { slack: message, ...(opts.keep ? { keep: true } : {}) } };
  }
  const card = renderTeams(screen, locale);
  if (task) stampAll(card.content, task);
  // The card carries the screen's text as its fallbackText already: the summary (previews,
  // notifications) reuses it instead of rendering the text a second time.
  return { type: 'message', attachments: [card], summary: card.content.fallbackText ?? fallbackText(screen, locale) };
}

/**
 * R11: whether a secret may be shown in this turn's own conversation — a Teams personal chat,
 * or Slack (answers there are ephemeral, through response_url, or in the user's DM with the bot).
 */
export function conversationIsPrivate(ctx: TurnContext): boolean {
  return isSlack(ctx) || (ctx.activity.conversation.conversationType ?? 'personal') === 'personal';
}
