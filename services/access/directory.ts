/**
 * Partners and their chat users. A partner is recognised by its Teams tenant id or
 * Slack team id (partner_channels); users and roles live in Postgres. Every inbound
 * turn resolves its partner here and refreshes the user row.
 */
import type { Db, Queryable } from '../db/pool.js';
import { inTransaction } from '../db/pool.js';
import { LIVENESS_LOCK_CLASS } from '../db/liveness.js';
import { isRole, type Actor, type Channel } from './roles.js';

export interface Partner {
  id: number;
  name: string;
}

/** Who is speaking in a turn and where, as the channel adapter saw it. */
export interface TurnEntry {
  channel: Channel;
  /** Teams tenant id or Slack team id. */
  partnerExternalId: string;
  userExternalId: string;
  displayName: string | null;
  locale: string;
  /** Key of the conversation to reach the user in later (conversation_refs.conversation_id). */
  conversationId: string;
  conversationType: string;
  /** Teams ConversationReference / Slack ids, for proactive messages. */
  reference: object;
  /** Stable id of the inbound request (activity id, Slack trigger id); undefined = none. */
  requestKey: string | undefined;
  /** The turn's dialog-state key (bot_state.key): its document is read in the same round trip. */
  stateKey?: string;
  /**
   * The liveness lock id of the process running the turn (services/db/liveness.ts). With it, a
   * redelivery of a turn that never finished (`finishTurn`) and whose owner is gone runs again.
   */
  owner?: number;
}

export interface EnteredTurn {
  partner: Partner;
  actor: Actor;
  /**
   * False when this request was handled before (a resend or a retry): repeat no effect. True for
   * a redelivery of a turn cut off mid-way (its process died before `finishTurn`): it runs again.
   */
  firstDelivery: boolean;
  /**
   * On a resend (`firstDelivery` false): what the first delivery answered, when its answer travels
   * in the response to the request (finishTurn); null when it stored none or has not finished.
   */
  priorReply: unknown[] | null;
  /** The stored dialog state under `stateKey` (null: none yet, or no key asked for). */
  state: { document: Record<string, unknown>; etag: string } | null;
}

export class PartnerDirectory {
  constructor(private readonly db: Db) {}

  /**
   * The start of every turn, in one round trip: recognise the partner, upsert the user
   * (returned with their roles as the Actor), remember how to reach them proactively, and
   * record the request id so a resend is recognised. Null — and nothing stored — when the
   * tenant or team is not an onboarded partner.
   */
  async enterTurn(entry: TurnEntry): Promise<EnteredTurn | null> {
    // Read first; UPDATE only what changed (or was last touched over a minute ago) and INSERT
    // only what is missing: the common turn — the same user in the same conversation — writes
    // just its request id, no new row versions and no sequence value. (Data-modifying CTEs
    // all run, referenced or not; every CTE sees the same snapshot.)
    const { rows } = await this.db.query<{
      partner_id: string; partner_name: string; user_id: string; display_name: string | null; roles: string[] | null; first_delivery: boolean;
      preferred_locale: string | null; prior_reply: unknown[] | null;
      state_document: Record<string, unknown> | null; state_etag: string | null;
    }>({
      // Named: every turn runs it, so each connection plans it once.
      name: 'access.enterTurn',
      text: `WITH p AS (
         SELECT pc.partner_id, pa.name FROM partner_channels pc JOIN partners pa ON pa.id = pc.partner_id
          WHERE pc.channel = $1 AND pc.external_id = $2),
       cur AS (
         SELECT u.id, u.display_name, u.locale, u.preferred_locale, u.last_seen_at FROM users u JOIN p ON u.partner_id = p.partner_id
          WHERE u.channel = $1 AND u.external_id = $3),
       upd AS (
         UPDATE users u SET display_name = COALESCE($4, u.display_name), locale = $5, last_seen_at = now()
           FROM cur
          WHERE u.id = cur.id
            AND (cur.display_name IS DISTINCT FROM COALESCE($4, cur.display_name) OR cur.locale IS DISTINCT FROM $5
                 OR cur.last_seen_at < now() - interval '1 minute')
         RETURNING u.id),
       ins AS (
         INSERT INTO users (partner_id, channel, external_id, display_name, locale)
         SELECT p.partner_id, $1, $3, $4, $5 FROM p WHERE NOT EXISTS (SELECT 1 FROM cur)
         ON CONFLICT (partner_id, channel, external_id) DO UPDATE SET last_seen_at = now()
         RETURNING id, display_name),
       usr AS (SELECT id, COALESCE($4, display_name) AS display_name FROM cur UNION ALL SELECT id, display_name FROM ins),
       ref_upd AS (
         UPDATE conversation_refs c
            SET reference = $8::jsonb, user_id = usr.id, conversation_type = $7, active = true, inactive_reason = NULL, updated_at = now()
           FROM p, usr
          WHERE c.channel = $1 AND c.conversation_id = $6 AND c.partner_id = p.partner_id
            AND (c.reference IS DISTINCT FROM $8::jsonb OR c.user_id IS DISTINCT FROM usr.id OR c.conversation_type IS DISTINCT FROM $7
                 OR NOT c.active OR c.updated_at < now() - interval '1 minute')
         RETURNING c.id),
       ref_ins AS (
         INSERT INTO conversation_refs (partner_id, channel, conversation_id, user_id, conversation_type, reference)
         SELECT p.partner_id, $1, $6, usr.id, $7, $8::jsonb FROM p, usr
          WHERE NOT EXISTS (SELECT 1 FROM conversation_refs WHERE channel = $1 AND conversation_id = $6)
         ON CONFLICT (channel, conversation_id) DO NOTHING
         RETURNING id),
       seen AS (
         INSERT INTO processed_inbound AS pi (channel, request_key, owner)
         SELECT $1, $9, $11 FROM p WHERE $9::text IS NOT NULL
         -- Taken over only when the turn never finished and its owner is gone: the try-lock
         -- succeeds only when no live process holds the owner's liveness lock.
         ON CONFLICT (channel, request_key) DO UPDATE SET owner = EXCLUDED.owner, received_at = now()
          WHERE pi.finished_at IS NULL AND pi.owner IS NOT NULL AND EXCLUDED.owner IS NOT NULL AND pi.owner <> EXCLUDED.owner
            AND pg_try_advisory_xact_lock_shared(${LIVENESS_LOCK_CLASS}, pi.owner)
         RETURNING 1)
       SELECT p.partner_id, p.name AS partner_name, usr.id AS user_id, usr.display_name,
              (SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = usr.id) AS roles,
              (SELECT preferred_locale FROM cur) AS preferred_locale,
              ($9::text IS NULL OR EXISTS (SELECT 1 FROM seen)) AS first_delivery,
              (SELECT pi.reply FROM processed_inbound pi WHERE pi.channel = $1 AND pi.request_key = $9) AS prior_reply,
              st.document AS state_document, st.etag AS state_etag
         FROM p CROSS JOIN usr LEFT JOIN bot_state st ON st.key = $10::text`,
      values: [
        entry.channel, entry.partnerExternalId, entry.userExternalId, entry.displayName, entry.locale,
        entry.conversationId, entry.conversationType, JSON.stringify(entry.reference), entry.requestKey ?? null, entry.stateKey ?? null,
        entry.owner ?? null,
      ],
    });
    const row = rows[0];
    if (!row) return null;
    const partnerId = Number(row.partner_id);
    return {
      partner: { id: partnerId, name: row.partner_name },
      actor: {
        userId: Number(row.user_id),
        partnerId,
        channel: entry.channel,
        externalId: entry.userExternalId,
        displayName: row.display_name,
        roles: (row.roles ?? []).filter(isRole),
        // The language chosen in chat (`language de`) over the client's.
        locale: row.preferred_locale ?? entry.locale,
        preferredLocale: row.preferred_locale,
      },
      firstDelivery: row.first_delivery,
      priorReply: row.first_delivery ? null : row.prior_reply,
      state: row.state_document && row.state_etag !== null ? { document: row.state_document, etag: String(row.state_etag) } : null,
    };
  }

  /**
   * The turn of a request is done: a redelivery from here on is a resend, never run again. `reply`:
   * what it answered, where the answer travels in the response to the request, kept so a resend
   * whose first response was lost is answered the same. The caller leaves secrets out.
   */
  async finishTurn(channel: Channel, requestKey: string, reply: readonly unknown[] | null): Promise<void> {
    await this.db.query({
      name: 'access.finishTurn',
      text: 'UPDATE processed_inbound SET finished_at = now(), reply = COALESCE($3::jsonb, reply) WHERE channel = $1 AND request_key = $2',
      values: [channel, requestKey, reply ? JSON.stringify(reply) : null],
    });
  }

  /**
   * The turn of a request failed (its error was answered): a redelivery may run it again. Only
   * this owner's claim is dropped — never one another process took over meanwhile.
   */
  async releaseTurn(channel: Channel, requestKey: string, owner: number | undefined): Promise<void> {
    await this.db.query('DELETE FROM processed_inbound WHERE channel = $1 AND request_key = $2 AND finished_at IS NULL AND owner IS NOT DISTINCT FROM $3', [channel, requestKey, owner ?? null]);
  }

  /** What the first delivery of a request answered (finishTurn), or null: none kept, or not finished. */
  async replyOf(channel: Channel, requestKey: string): Promise<unknown[] | null> {
    const { rows } = await this.db.query<{ reply: unknown[] | null }>('SELECT reply FROM processed_inbound WHERE channel = $1 AND request_key = $2', [channel, requestKey]);
    return rows[0]?.reply ?? null;
  }

  /**
   * The language the user chose in chat (`language de`), which wins over their client's from the
   * next turn on, in every answer and notification; null goes back to the client's. Their own only:
   * the actor is the user whose preference changes.
   */
  async setPreferredLocale(actor: Actor, locale: 'en' | 'de' | null): Promise<void> {
    await this.db.query('UPDATE users SET preferred_locale = $3 WHERE id = $1 AND partner_id = $2', [actor.userId, actor.partnerId, locale]);
  }

  /**
   * Start-up: make sure every configured bootstrap Global admin exists. A tenant or
   * team named there that is not a partner yet is onboarded as one.
   */
  async bootstrapGlobalAdmins(admins: ReadonlyArray<{ channel: Channel; partnerExternalId: string; userExternalId: string }>): Promise<void> {
    for (const admin of admins) {
      await inTransaction(this.db, async (tx) => {
        const partnerId = await ensurePartner(tx, admin.channel, admin.partnerExternalId);
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO users (partner_id, channel, external_id) VALUES ($1, $2, $3)
           ON CONFLICT (partner_id, channel, external_id) DO UPDATE SET external_id = EXCLUDED.external_id
           RETURNING id`,
          [partnerId, admin.channel, admin.userExternalId],
        );
        await tx.query(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'global_admin') ON CONFLICT DO NOTHING`, [rows[0]!.id]);
      });
    }
  }
}

async function ensurePartner(tx: Queryable, channel: Channel, externalId: string): Promise<number> {
  const existing = await tx.query<{ partner_id: string }>(
    'SELECT partner_id FROM partner_channels WHERE channel = $1 AND external_id = $2',
    [channel, externalId],
  );
  if (existing.rows[0]) return Number(existing.rows[0].partner_id);
  const created = await tx.query<{ id: string }>('INSERT INTO partners (name) VALUES ($1) RETURNING id', [`${channel} ${externalId}`]);
  const partnerId = Number(created.rows[0]!.id);
  await tx.query('INSERT INTO partner_channels (channel, external_id, partner_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [channel, externalId, partnerId]);
  return partnerId;
}
