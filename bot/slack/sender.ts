/**
 * Slack delivery: `chat.postMessage` through @slack/web-api's WebClient, with the
 * client's own retries switched off (`retries: 0`, `rejectRateLimitedCalls: true`) so a
 * 429 comes back to the job, which retries after Slack's Retry-After.
 *
 * One bot token (config SLACK_BOT_TOKEN): a single-workspace install. Per-workspace
 * tokens (OAuth installs) would need a token lookup by teamId here.
 */
import { WebClient, ErrorCode } from '@slack/web-api';
import { slackLogger } from './logger.js';
import type { Logger } from '../../services/logger.js';
import { DeliveryError, isRetryableStatus, type ChannelSender, type NotificationPayload, type StoredReference } from '../../services/notifications/channel-sender.js';

/** Slack errors meaning this channel / user can no longer be reached by the app. */
export const SLACK_GONE_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'account_inactive',
  'user_not_found',
]);

/** Slack errors that are worth another try later. */
const SLACK_TRANSIENT_ERRORS: ReadonlySet<string> = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export interface SlackReference {
  teamId?: string;
  channelId?: string;
  userId?: string;
  threadTs?: string;
}

export class SlackSender implements ChannelSender {
  readonly channel = 'slack' as const;
  private readonly client: WebClient;

  constructor(deps: { botToken: string; apiUrl?: string; logger: Logger; timeoutMs?: number }) {
    this.client = new WebClient(deps.botToken, {
      ...(deps.apiUrl ? { slackApiUrl: deps.apiUrl.endsWith('/') ? deps.apiUrl : `${deps.apiUrl}/` } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: deps.timeoutMs ?? 10_000,
      logger: slackLogger(deps.logger, 'slack-web-api'),
    });
  }

  async send(target: StoredReference, payload: NotificationPayload): Promise<{ messageId: string | undefined }> {
    const ref = target.reference as SlackReference;
    // A DM can be addressed by the user id; Slack opens the app's DM with that user.
    const channel = ref.channelId ?? ref.userId ?? target.conversationId;
    try {
      const result = await this.client.chat.postMessage({
        channel,
        text: payload.text ?? '',
        ...(payload.blocks ? { blocks: payload.blocks as never } : {}),
        ...(ref.threadTs ? { thread_ts: ref.threadTs } : {}),
      });
      return { messageId: result.ts };
    } catch (err) {
      throw classifySlackError(err);
    }
  }
}

interface SlackErrorLike {
  code?: string;
  message?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
}

export function classifySlackError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as SlackErrorLike;
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return new DeliveryError('retryable', `Slack: rate limited, retry after ${e.retryAfter}s`, {
        status: 429,
        code: 'ratelimited',
        retryAfterMs: typeof e.retryAfter === 'number' ? e.retryAfter * 1000 : undefined,
        cause: err,
      });
    case ErrorCode.PlatformError: {
      const error = e.data?.error ?? 'unknown_error';
      const kind = SLACK_GONE_ERRORS.has(error) ? 'gone' : SLACK_TRANSIENT_ERRORS.has(error) ? 'retryable' : 'rejected';
      return new DeliveryError(kind, `Slack: ${error}`, { code: error, cause: err });
    }
    case ErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      return new DeliveryError(isRetryableStatus(status) ? 'retryable' : 'rejected', `Slack: HTTP ${status}`, { status, cause: err });
    }
    case ErrorCode.RequestError:
    default:
      return new DeliveryError('retryable', `Slack: ${e.message ?? String(err)}`, { code: e.code, cause: err });
  }
}
