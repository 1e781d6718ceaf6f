/**
 * Creating notifications. `notify` runs inside the caller's transaction: it writes the
 * notification row and the outbox intent that will deliver it, so the notification
 * exists exactly when the change that caused it committed. The same `dedupeKey` never
 * creates a second notification (e.g. a cancellation-tracking job that runs twice).
 * A notification stores what it says as data (./messages.ts); the worker renders it at
 * delivery time in the recipient's channel and language.
 *
 * The worker's outbox relay enqueues it as soon as the transaction commits (it listens for
 * the commit's NOTIFY, ../jobs/outbox-wakeup.ts), and within OUTBOX_RELAY_INTERVAL_MS
 * when that notification was missed.
 */
import type { Queryable } from '../db/pool.js';
import { enqueueInTx } from '../jobs/outbox.js';
import { JOB_NAMES, QUEUES } from '../jobs/queues.js';
import type { NotificationChannel, NotificationPayload } from './channel-sender.js';
import { MAX_MESSAGE_BYTES, type NotificationMessage } from './messages.js';

/** Teams' practical message-size ceiling (see DESIGN §4). */
export const MAX_PAYLOAD_BYTES = 28 * 1024;

export type NotificationStatus = 'queued' | 'sent' | 'failed' | 'undeliverable';

export class NotificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationError';
  }
}

export interface NotifyRequest {
  partnerId: string;
  conversationRefId: string;
  message: NotificationMessage;
  /** Identifies the logical notification, e.g. `cancellation-done:<cancellationId>`. */
  dedupeKey: string;
}

export interface NotifyResult {
  notificationId: string;
  /** false when a notification with this dedupeKey already existed. */
  created: boolean;
}

export function notificationJobId(notificationId: string): string {
  return `notify-${notificationId}`;
}

/** What a rendered payload must hold for a channel: Teams text or card; Slack text (+ blocks). */
export function validatePayload(channel: NotificationChannel, payload: NotificationPayload, maxBytes = MAX_PAYLOAD_BYTES): void {
  const size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
  if (size > maxBytes) throw new NotificationError(`notification payload is ${size} bytes; the limit is ${maxBytes}`);
  if (payload.text !== undefined && typeof payload.text !== 'string') throw new NotificationError('payload.text must be a string');
  if (payload.blocks !== undefined && !Array.isArray(payload.blocks)) throw new NotificationError('payload.blocks must be an array');
  if (channel === 'msteams' && !payload.text && !payload.card) throw new NotificationError('a Teams notification needs text or a card');
  if (channel === 'slack' && !payload.text) throw new NotificationError('a Slack notification needs text (the fallback for blocks)');
  if (payload.blocks && payload.blocks.length > 50) throw new NotificationError('Slack allows at most 50 blocks per message');
}

export class NotificationService {

  async notify(client: Queryable, req: NotifyRequest): Promise<NotifyResult> {
    if (!req.dedupeKey || req.dedupeKey.length > 300) throw new NotificationError('dedupeKey must be 1–300 characters');
    const ref = await client.query<{ channel: NotificationChannel }>(
      'SELECT channel FROM conversation_refs WHERE id = $1 AND partner_id = $2',
      [req.conversationRefId, req.partnerId],
    );
    const channel = ref.rows[0]?.channel;
    if (!channel) throw new NotificationError(`conversation reference ${req.conversationRefId} not found for partner ${req.partnerId}`);
    const message = JSON.stringify(req.message);
    if (typeof req.message?.kind !== 'string') throw new NotificationError('a notification needs a message kind');
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) throw new NotificationError(`a notification message may hold at most ${MAX_MESSAGE_BYTES} bytes`);

    const inserted = await client.query<{ id: string }>(
      `INSERT INTO notifications (partner_id, conversation_ref_id, message, dedupe_key)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [req.partnerId, req.conversationRefId, message, req.dedupeKey],
    );
    const id = inserted.rows[0]?.id;
    if (id === undefined) {
      const existing = await client.query<{ id: string; partner_id: string }>('SELECT id, partner_id FROM notifications WHERE dedupe_key = $1', [req.dedupeKey]);
      const row = existing.rows[0];
      if (!row || row.partner_id !== String(req.partnerId)) throw new NotificationError(`dedupeKey ${req.dedupeKey} is already used`);
      return { notificationId: row.id, created: false };
    }
    await enqueueInTx(client, {
      queue: QUEUES.notifications,
      name: JOB_NAMES.notifications,
      jobId: notificationJobId(id),
      data: { notificationId: id },
    });
    return { notificationId: id, created: true };
  }

  /**
   * Notify a user in their personal chat with the bot (Teams) or their DM (Slack) — never
   * in a group chat or channel, where others would read it. Resolves to null when the
   * user has no active personal conversation.
   */
  async notifyUser(client: Queryable, req: Omit<NotifyRequest, 'conversationRefId'> & { userId: string }): Promise<NotifyResult | null> {
    const conversation = await personalConversation(client, req.userId, req.partnerId);
    if (!conversation) return null;
    return this.notify(client, { partnerId: req.partnerId, conversationRefId: conversation.id, message: req.message, dedupeKey: req.dedupeKey });
  }

  /**
   * Tell the user who asked for something (a cancellation, a support request) how it ended: in
   * their personal chat (Teams) or DM (Slack); when they have none, in the conversation they
   * asked from (`askedFrom`) — never another shared conversation they happened to write in last.
   * Resolves to null when there is nowhere to tell them (the outcome stays on the record).
   */
  async notifyRequester(
    client: Queryable,
    req: Omit<NotifyRequest, 'conversationRefId'> & { userId: string | number; askedFrom: string | number | null },
  ): Promise<NotifyResult | null> {
    const personal = await personalConversation(client, req.userId, req.partnerId);
    const conversationRefId = personal?.id ?? (req.askedFrom === null ? undefined : (await client.query<{ id: string }>(
      'SELECT id FROM conversation_refs WHERE id = $1 AND partner_id = $2 AND active',
      [req.askedFrom, req.partnerId],
    )).rows[0]?.id);
    if (!conversationRefId) return null;
    return this.notify(client, { partnerId: req.partnerId, conversationRefId, message: req.message, dedupeKey: req.dedupeKey });
  }

  /** A notification's delivery state (for status pages and tests). */
  async status(client: Queryable, notificationId: string): Promise<{ status: NotificationStatus; attempts: number; lastError: string | null; sentAt: Date | null } | null> {
    const { rows } = await client.query<{ status: NotificationStatus; attempts: number; last_error: string | null; sent_at: Date | null }>(
      'SELECT status, attempts, last_error, sent_at FROM notifications WHERE id = $1',
      [notificationId],
    );
    const row = rows[0];
    return row ? { status: row.status, attempts: row.attempts, lastError: row.last_error, sentAt: row.sent_at } : null;
  }
}

/**
 * The user's personal chat with the bot (Teams) or DM (Slack) — the one they wrote from
 * last — or null when they have none that is active. (A user row belongs to one channel.)
 */
export async function personalConversation(q: Queryable, userId: number | string, partnerId: number | string): Promise<{ id: string; reference: Record<string, unknown> } | null> {
  const { rows } = await q.query<{ id: string; reference: Record<string, unknown> }>(
    `SELECT id, reference FROM conversation_refs
      WHERE user_id = $1 AND partner_id = $2 AND active AND conversation_type = 'personal'
      ORDER BY updated_at DESC
      LIMIT 1`,
    [userId, partnerId],
  );
  return rows[0] ?? null;
}
