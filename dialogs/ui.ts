/**
 * Sends a channel-neutral Screen to the user in the channel's own format: an
 * Adaptive Card on Teams, Block Kit on Slack (the Slack adapter posts
 * `channelData.slack`), a form as a Slack modal or a Teams card. Dialogs never build
 * channel payloads themselves, and never ask which channel they are on.
 */
import type { TurnContext } from 'botbuilder';
import { fallbackText, isForm, renderSlack, renderSlackModal, renderTeams, type Screen } from '../cards/index.js';
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
 * `keep`: a result the user must find later (an order confirmation). On Slack it goes to
 * the user's DM with the bot instead of an ephemeral answer, which disappears.
 */
export async function show(ctx: TurnContext, screen: Screen, opts: { keep?: boolean } = {}): Promise<void> {
  const locale = localeOf(ctx);
  if (isSlack(ctx) && isForm(screen)) {
    // A Slack message cannot take typed input: the form is a modal, opened by this turn's click.
    await ctx.sendActivity({ type: 'message', channelData: { slackModal: renderSlackModal(screen, locale) } });
    return;
  }
  if (isSlack(ctx)) {
    const message = renderSlack(screen, locale);
    await ctx.sendActivity({ type: 'message', text: message.text, channelData: { slack: message, ...(opts.keep ? { keep: true } : {}) } });
    return;
  }
  const card = renderTeams(screen, locale);
  // The card carries the screen's text as its fallbackText already: the summary (previews,
  // notifications) reuses it instead of rendering the text a second time.
  await ctx.sendActivity({ type: 'message', attachments: [card], summary: card.content.fallbackText ?? fallbackText(screen, locale) });
}

/**
 * R11: whether a secret may be shown in this turn's own conversation — a Teams personal chat,
 * or Slack (answers there are ephemeral, through response_url, or in the user's DM with the bot).
 */
export function conversationIsPrivate(ctx: TurnContext): boolean {
  return isSlack(ctx) || (ctx.activity.conversation.conversationType ?? 'personal') === 'personal';
}
