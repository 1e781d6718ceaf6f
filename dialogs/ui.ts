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
 * `adaptiveCard/action` invoke response (`invokeAnswer`).
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

/**
 * Teams: the answer for a card click's invoke — the one held to take the clicked card's place; when
 * the turn had none (its answers went below, or it was a resend with nothing kept), a notice saying
 * so, since an invoke must be answered with a card and an empty one would blank the clicked card.
 */
export function invokeAnswer(ctx: TurnContext): { activity: Partial<Activity>; inPlace: boolean } {
  const held = ctx.turnState.get<InPlaceSlot | undefined>(IN_PLACE)?.held;
  if (held) return { activity: held, inPlace: true };
  return { activity: messageOf(ctx, notice('info', 'notice.answeredBelow'), localeOf(ctx), {}), inPlace: false };
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
    stampForTask(ctx, modal);
    await ctx.sendActivity({ type: 'message', channelData: { slackModal: modal } });
    return;
  }
  const { activity, steps } = rendered(ctx, screen, locale, opts);
  const { inPlace, id } = await send(ctx, activity);
  if (!isSlack(ctx)) noteCards(ctx, inPlace, screen.kind !== 'notice' && steps > 0, id);
  // Kept for a resend only what travels in the response: all of an expectReplies turn's answers,
  // a click's in-place one (its other answers were posted, and are not posted twice).
  if (answersTravelWithRequest(ctx) && (inPlace || ctx.activity.type !== 'invoke')) {
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

/**
 * Sends one answer: in the clicked card's place when it is the first of an in-place turn, else as a
 * new message; with the id of the message that holds it (the clicked one, or the one posted) when
 * the channel says.
 */
async function send(ctx: TurnContext, activity: Partial<Activity>): Promise<{ inPlace: boolean; id: string | undefined }> {
  const slot = ctx.turnState.get<InPlaceSlot | undefined>(IN_PLACE);
  if (!slot || slot.answered) {
    const sent = await ctx.sendActivity(activity);
    return { inPlace: false, id: sent?.id || undefined };
  }
  slot.answered = true;
  if (isSlack(ctx)) await ctx.sendActivity({ ...activity, channelData: { ...(activity.channelData as object), replacesClicked: true } });
  else slot.held = activity;
  return { inPlace: true, id: ctx.activity.replyToId };
}

/**
 * Teams: which messages this turn's cards are in, for the runner to retire a task's older card when
 * the task moves to a new message, ends or is replaced (`retire`). A step card — a screen whose
 * buttons carry the task — is the task's card; the clicked card, answered in place, is consumed
 * whatever it became.
 */
interface TurnCards {
  stepCard?: string;
  clicked?: string;
}

const CARDS = Symbol('csp.cards');

function noteCards(ctx: TurnContext, inPlace: boolean, stepCard: boolean, id: string | undefined): void {
  if (!id) return;
  const cards = cardsOf(ctx);
  if (inPlace) cards.clicked = id;
  if (stepCard) cards.stepCard = id;
}

export function cardsOf(ctx: TurnContext): TurnCards {
  let cards = ctx.turnState.get<TurnCards | undefined>(CARDS);
  if (!cards) ctx.turnState.set(CARDS, (cards = {}));
  return cards;
}

const RETIRE = Symbol('csp.retire');

/** Asks the channel to replace an older card of a task with a record of it, without buttons (done by the Teams bot after the turn). */
export function retire(ctx: TurnContext, messageId: string, record: Screen): void {
  ctx.turnState.set(RETIRE, { id: messageId, activity: messageOf(ctx, record, localeOf(ctx), {}) });
}

/** The card to retire after this turn, if any (`retire`). */
export function cardToRetire(ctx: TurnContext): { id: string; activity: Partial<Activity> } | undefined {
  return ctx.turnState.get<{ id: string; activity: Partial<Activity> } | undefined>(RETIRE);
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

/** The answers this turn gave that a resend gets again (see `show`; secrets replaced by a notice). */
export function repliesOf(ctx: TurnContext): TurnReply[] {
  let replies = ctx.turnState.get<TurnReply[] | undefined>(REPLIES);
  if (!replies) ctx.turnState.set(REPLIES, (replies = []));
  return replies;
}

/** A resent request: the answers its first delivery kept, again, each where it went then. */
export async function replay(ctx: TurnContext, replies: readonly TurnReply[]): Promise<void> {
  const locale = localeOf(ctx);
  for (const reply of replies) {
    setTask(ctx, reply.task);
    const activity = messageOf(ctx, reply.screen, locale, reply.keep ? { keep: true } : {});
    if (reply.inPlace) await send(ctx, activity);
    else await ctx.sendActivity(activity);
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

/** Adds `task` to a step button's submit data (a command's runs a task of its own, or none). */
function stamped(data: unknown, task: string): Record<string, unknown> | null {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.action !== 'string' || d.action === 'command') return null;
  return { ...d, task };
}

/**
 * The same, for submit data as JSON text (a Slack button's value, a modal's private_metadata). Our
 * data is always an object with an action; within Slack's limit (`max`), which the renderers leave
 * ample room under (cards/submit.ts) — a value at the limit stays as it was, its stale check off.
 */
function stampedJson(json: string, task: string, max: number): string {
  if (!json.startsWith('{')) return json;
  try {
    const data = stamped(JSON.parse(json), task);
    const out = data ? JSON.stringify(data) : json;
    return out.length <= max ? out : json;
  } catch {
    return json;
  }
}

/** Stamps every step button of a rendered card, message or modal with the turn's task, if it has one; how many it stamped. */
function stampForTask(ctx: TurnContext, rendered: unknown): number {
  const task = ctx.turnState.get<string | undefined>(TASK);
  return task ? stampAll(rendered, task) : 0;
}

function stampAll(node: unknown, task: string): number {
  if (Array.isArray(node)) return node.reduce((n: number, item) => n + stampAll(item, task), 0);
  if (!node || typeof node !== 'object') return 0;
  const o = node as Record<string, unknown>;
  let n = 0;
  // Teams: an Action.Execute's data. Slack: a button's value (2000 characters at most), a modal's private_metadata (3000).
  if (o.type === 'Action.Execute') {
    const data = stamped(o.data, task);
    if (data) [o.data, n] = [data, n + 1];
  }
  const [field, max] = o.type === 'button' ? (['value', 2000] as const) : o.type === 'modal' ? (['private_metadata', 3000] as const) : [null, 0];
  const json = field ? o[field] : undefined;
  if (field && typeof json === 'string') {
    const out = stampedJson(json, task, max);
    if (out !== json) [o[field], n] = [out, n + 1];
  }
  for (const value of Object.values(o)) if (value && typeof value === 'object') n += stampAll(value, task);
  return n;
}

function messageOf(ctx: TurnContext, screen: Screen, locale: Locale, opts: { keep?: boolean }): Partial<Activity> {
  return rendered(ctx, screen, locale, opts).activity;
}

/** The screen as the channel's message, its task's buttons stamped; `steps`: how many it has (a step card has some). */
function rendered(ctx: TurnContext, screen: Screen, locale: Locale, opts: { keep?: boolean }): { activity: Partial<Activity>; steps: number } {
  if (isSlack(ctx)) {
    const message = renderSlack(screen, locale);
    const steps = stampForTask(ctx, message.blocks);
    return { activity: { type: 'message', text: message.text, channelData: { slack: message, ...(opts.keep ? { keep: true } : {}) } }, steps };
  }
  const card = renderTeams(screen, locale);
  const steps = stampForTask(ctx, card);
  // The card carries the screen's text as its fallbackText already: the summary (previews,
  // notifications) reuses it instead of rendering the text a second time.
  return { activity: { type: 'message', attachments: [card], summary: card.content.fallbackText ?? fallbackText(screen, locale) }, steps };
}

/**
 * R11: whether a secret may be shown in this turn's own conversation — a Teams personal chat,
 * or Slack (answers there are ephemeral, through response_url, or in the user's DM with the bot).
 */
export function conversationIsPrivate(ctx: TurnContext): boolean {
  return isSlack(ctx) || (ctx.activity.conversation.conversationType ?? 'personal') === 'personal';
}
