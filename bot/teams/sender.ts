/**
 * Teams delivery: botbuilder's CloudAdapter `continueConversationAsync` with the stored
 * ConversationReference (the adapter is built by the process's composition root; in
 * emulator mode there is no app id and `botAppId` is '').
 *
 * The Bot Connector client that botbuilder creates for the turn retries 429/5xx by
 * itself (@azure/core-rest-pipeline's defaultRetryPolicy, up to 3 times, sleeping
 * through Retry-After while holding a worker slot). We remove that policy from the
 * turn's client so each job attempt is one HTTP request and the queue does the retrying
 * (visible in notifications.attempts, Retry-After honoured through the delayed set).
 * This reaches into a private field of botbuilder's ServiceClientContext; if its shape
 * changes we log once and carry on with the SDK's own retries (still correct, only
 * less visible). test/notifications/deliver.spec.ts fails if the removal stops working.
 */
import type { Activity, Attachment, ConversationReference, TurnContext } from 'botbuilder';
import type { Logger } from '../../services/logger.js';
import { pipelineOf } from './client-cache.js';
import { DeliveryError, isRetryableStatus, parseRetryAfter, type ChannelSender, type NotificationPayload, type StoredReference } from '../../services/notifications/channel-sender.js';

/** The part of botbuilder's CloudAdapter this sender uses. */
export interface TeamsAdapter {
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  readonly ConnectorClientKey: symbol;
}

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export class TeamsSender implements ChannelSender {
  readonly channel = 'msteams' as const;
  private warnedAboutRetryPolicy = false;

  constructor(private readonly deps: { adapter: TeamsAdapter; botAppId: string; logger: Logger }) {}

  async send(target: StoredReference, payload: NotificationPayload): Promise<{ messageId: string | undefined }> {
    const activity: Partial<Activity> = { type: 'message' };
    if (payload.text) activity.text = payload.text;
    if (payload.card) activity.attachments = [toAttachment(payload.card)];
    let messageId: string | undefined;
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.botAppId, target.reference, async (context) => {
        this.disableSdkRetries(context);
        const response = await context.sendActivity(activity);
        messageId = response?.id;
      });
    } catch (err) {
      throw classifyTeamsError(err);
    }
    return { messageId };
  }

  private disableSdkRetries(context: TurnContext): void {
    const pipeline = pipelineOf(context.turnState.get(this.deps.adapter.ConnectorClientKey));
    if (pipeline) {
      pipeline.removePolicy({ name: 'defaultRetryPolicy' });
    } else if (!this.warnedAboutRetryPolicy) {
      this.warnedAboutRetryPolicy = true;
      this.deps.logger.warn('could not disable the Bot Connector client retry policy; the SDK retries on its own');
    }
  }
}

function toAttachment(card: Record<string, unknown>): Attachment {
  if (typeof card.contentType === 'string') return card as unknown as Attachment;
  return { contentType: ADAPTIVE_CARD, content: card };
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined | null } };
}

export function classifyTeamsError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as RestErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = `Teams: ${status ?? 'no response'}${code ? ` ${code}` : ''}: ${e.message ?? String(err)}`;
  if (status === undefined) {
    // No HTTP answer (connection refused, reset, DNS): transient.
    return new DeliveryError('retryable', message, { code, cause: err });
  }
  if (isRetryableStatus(status)) {
    const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after'));
    return new DeliveryError('retryable', message, { status, code, retryAfterMs, cause: err });
  }
  if (status === 403) {
    // The user blocked or removed the bot, or the bot was removed from the team/chat.
    return new DeliveryError('gone', message, { status, code: code ?? 'Forbidden', cause: err });
  }
  return new DeliveryError('rejected', message, { status, code, cause: err });
}
