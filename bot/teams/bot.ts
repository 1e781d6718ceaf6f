/**
 * Teams activities → a turn of the shared dialog runner. Thin: it only reads who is
 * speaking from the activity.
 */
import { TeamsActivityHandler, TurnContext, type Activity } from 'botbuilder';
import type { DialogRunner, TurnIdentity } from '../../dialogs/runner.js';

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
    requestKey: activity.id ? `${activity.conversation.id}|${activity.id}` : undefined,
  };
}

export class TeamsBot extends TeamsActivityHandler {
  constructor(private readonly runner: DialogRunner) {
    super();
    this.onMessage(async (ctx, next) => {
      // botbuilder reads activity.text unguarded: a card submit can carry a mention and no text.
      if (typeof ctx.activity.text === 'string') TurnContext.removeRecipientMention(ctx.activity);
      await this.runner.run(ctx, teamsIdentity(ctx.activity));
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
}
