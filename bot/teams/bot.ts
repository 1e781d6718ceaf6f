/**
 * Teams activities → a turn of the shared dialog runner. Thin: it reads who is speaking from the
 * activity, answers a card click's invoke with the card the turn put in the clicked one's place, and
 * updates the messages the turn asks to change (the clicked card in a personal chat, a task's older
 * card retired) — Teams' side of dialogs/ui.ts.
 */
import { TeamsActivityHandler, TurnContext, type Activity, type InvokeResponse } from 'botbuilder';
import { renderTeams } from '../../cards/index.js';
import { ADAPTIVE_CARD_CONTENT_TYPE } from '../../cards/adaptive.js';
import type { DialogRunner, TurnIdentity } from '../../dialogs/runner.js';
import { answerInPlace, cardToRetire, conversationIsPrivate, invokeAnswer, localeOf } from '../../dialogs/ui.js';
import { turnErrorNotice } from '../turn-error.js';
import type { Logger } from '../../services/logger.js';

export function teamsIdentity(activity: Activity): TurnIdentity {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  // Only Teams vouches for the tenant and the user's AAD object id. Other Bot Framework
  // channels on the same Azure Bot (Web Chat, Direct Line) let the client choose them,
  // so they never identify a partner.
  const tenantId = activity.channelId === 'msteams' ? (activity.conversation?.tenantId ?? channelData.tenant?.id) : undefined;
  // For proactive messages, which start a message of their own rather than answer this
  // one: without this activity's id the reference stays the same from turn to turn, and
  // is rewritten only when something in it changes.
  const { activityId: _thisActivity, ...reference } = TurnContext.getConversationReference(activity);
  return {
    channel: 'msteams',
    partnerExternalId: tenantId,
    userExternalId: activity.from.aadObjectId ?? activity.from.id,
    displayName: activity.from.name ?? null,
    locale: activity.locale ?? 'en-US',
    conversationId: activity.conversation.id,
    conversationType: activity.conversation.conversationType ?? 'personal',
    reference,
    // Per tenant too: a request claiming another tenant never marks this one's activity as handled.
    requestKey: activity.id ? `${tenantId ?? ''}|${activity.conversation.id}|${activity.id}` : undefined,
  };
}

export class TeamsBot extends TeamsActivityHandler {
  constructor(
    private readonly runner: DialogRunner,
    private readonly logger: Logger,
  ) {
    super();
    this.onMessage(async (ctx, next) => {
      // botbuilder reads activity.text unguarded: a card submit can carry a mention and no text.
      if (typeof ctx.activity.text === 'string') TurnContext.removeRecipientMention(ctx.activity);
      await this.runner.run(ctx, teamsIdentity(ctx.activity));
      await this.retireOldCard(ctx);
      await next();
    });
    this.onMembersAdded(async (ctx, next) => {
      const botId = ctx.activity.recipient.id;
      for (const member of ctx.activity.membersAdded ?? []) {
        if (member.id !== botId) await this.runner.welcome(ctx, member.name ?? null);
      }
      await next();
    });
  }

  /** A task's older card, turned into a record of it (the runner's `retire`); a failure leaves it as it was, its buttons refused when clicked. */
  private async retireOldCard(ctx: TurnContext): Promise<void> {
    const old = cardToRetire(ctx);
    if (old) await this.updateCard(ctx, old.id, old.activity, 'retiring an older card of a task failed; its buttons stay, refused as stale');
  }

  /** Updates one of the bot's messages; a failure is logged (`failed` says what it leaves), never the turn's. */
  private async updateCard(ctx: TurnContext, id: string, activity: Partial<Activity>, failed: string): Promise<void> {
    try {
      await ctx.updateActivity({ ...activity, id });
    } catch (err) {
      this.logger.warn({ err, activityId: id }, `teams: ${failed}`);
    }
  }

  /**
   * A click on an Action.Execute button (a step of the card's task): the turn runs as any other,
   * and its first screen answers the invoke, which Teams shows in the clicked card's place — for
   * the user who clicked (issue 13). In a personal chat, where that user is everyone who sees the
   * card, the message is updated too, so the card stays changed on their other devices and after a
   * reload. In a group chat or channel the others keep the card as it was: the task is the acting
   * user's own (each user has their own flow), and a key is never in a shared view (R11).
   */
  protected override async onInvokeActivity(ctx: TurnContext): Promise<InvokeResponse> {
    if (ctx.activity.name !== CARD_ACTION_INVOKE) return super.onInvokeActivity(ctx);
    // The flows read a click's data as a message's value: Action.Execute carries it in action.data.
    // An invoke without it is malformed (answered as an invalid submit), never typed text.
    ctx.activity.value = cardActionData(ctx.activity.value) ?? 'malformed';
    answerInPlace(ctx);
    try {
      await this.runner.run(ctx, teamsIdentity(ctx.activity));
    } catch (err) {
      // Answered in the clicked card's place with what went wrong (the message itself keeps the
      // card, to be tried again); an unanswered invoke would be a 501 and an error on the card.
      return invokeCard(renderTeams(turnErrorNotice(ctx, err, this.logger), localeOf(ctx)).content);
    }
    await this.retireOldCard(ctx);
    const { activity, inPlace } = invokeAnswer(ctx);
    const replyToId = ctx.activity.replyToId;
    if (inPlace && replyToId && conversationIsPrivate(ctx)) {
      // The invoke's answer shows the new card anyway; only its copy on other devices would be stale.
      await this.updateCard(ctx, replyToId, activity, 'updating the clicked card failed; the invoke answer shows it');
    }
    return invokeCard(activity.attachments?.[0]?.content);
  }
}

/** A Teams card button the card keeps its place for (`Action.Execute`) arrives as this invoke. */
export const CARD_ACTION_INVOKE = 'adaptiveCard/action';

/** The data of an Action.Execute invoke (`value.action.data`), or undefined when it carries none. */
function cardActionData(value: unknown): unknown {
  const action: unknown = (value as { action?: unknown } | null | undefined)?.action;
  return action && typeof action === 'object' ? ((action as { data?: unknown }).data ?? undefined) : undefined;
}

/** The typed invoke response of a card click: the card Teams shows in the clicked one's place. */
function invokeCard(card: unknown): InvokeResponse {
  return { status: 200, body: { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card } };
}
