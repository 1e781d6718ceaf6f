/**
 * The delivery port: one implementation per channel, in the channel layer (Teams:
 * bot/teams/sender.ts, Slack: bot/slack/sender.ts). A sender sends one message and classifies failures into a
 * DeliveryError, so the processor can decide: retry (with the server's Retry-After),
 * give up on this conversation for good, or refuse this one message.
 */

/** What a notification carries. Never secret: no keys, no download links. */
export interface NotificationPayload {
  text?: string;
  /** Teams: an Adaptive Card attachment `{ contentType, content }` (or the bare card). */
  card?: Record<string, unknown>;
  /** Slack: Block Kit blocks (`text` is the fallback and is required for Slack). */
  blocks?: Array<Record<string, unknown>>;
}

export type NotificationChannel = 'msteams' | 'slack';

/** A stored conversation reference (conversation_refs.reference). */
export interface StoredReference {
  channel: NotificationChannel;
  conversationId: string;
  /** Teams: a botbuilder ConversationReference; Slack: `{ teamId, channelId, userId, threadTs? }`. */
  reference: Record<string, unknown>;
}

export interface ChannelSender {
  readonly channel: NotificationChannel;
  /** Send once (no retries inside); resolve with the provider's message id, or throw DeliveryError. */
  send(target: StoredReference, payload: NotificationPayload): Promise<{ messageId: string | undefined }>;
}

/**
 * - `retryable`: try again later (throttled, 412/5xx, network); `retryAfterMs` from Retry-After.
 * - `gone`: the conversation can no longer be reached (bot blocked or removed, channel
 *   archived…): the reference is deactivated, nothing more is sent to it.
 * - `rejected`: this message was refused (other 4xx); retrying would not help.
 */
export type DeliveryFailure = 'retryable' | 'gone' | 'rejected';

export class DeliveryError extends Error {
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(
    readonly kind: DeliveryFailure,
    message: string,
    details: { status?: number; code?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'DeliveryError';
    this.status = details.status;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** HTTP Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** HTTP statuses Teams documents as "retry with backoff", plus the other transient ones. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 412 || status === 408 || status >= 500;
}
