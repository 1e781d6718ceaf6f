/**
 * Where the bot can reach a user later (proactive notifications): the Teams
 * ConversationReference or the Slack team/channel/user, upserted on every inbound
 * activity so a changed serviceUrl or a restart never loses it.
 */
import type { Queryable } from './db/pool.js';
import type { Channel } from './access/roles.js';

export interface ConversationRefInput {
  partnerId: number;
  channel: Channel;
  conversationId: string;
  userId: number;
  conversationType: string;
  reference: object;
}

export async function upsertConversationRef(db: Queryable, ref: ConversationRefInput): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conversation_refs (partner_id, channel, conversation_id, user_id, conversation_type, reference)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (channel, conversation_id) DO UPDATE
       SET reference = EXCLUDED.reference, user_id = EXCLUDED.user_id, conversation_type = EXCLUDED.conversation_type,
           active = true, inactive_reason = NULL, updated_at = now()
       WHERE conversation_refs.partner_id = EXCLUDED.partner_id
     RETURNING id`,
    [ref.partnerId, ref.channel, ref.conversationId, ref.userId, ref.conversationType, JSON.stringify(ref.reference)],
  );
  return Number(rows[0]?.id ?? 0);
}

/** Record an inbound request id; false when it was seen before (a resend or a retry). */
export async function firstDelivery(db: Queryable, channel: Channel, requestKey: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO processed_inbound (channel, request_key) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [channel, requestKey],
  );
  return rowCount === 1;
}
