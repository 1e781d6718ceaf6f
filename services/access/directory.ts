/**
 * Partners and their chat users. A partner is recognised by its Teams tenant id or
 * Slack team id (partner_channels); users and roles live in Postgres. Every inbound
 * turn resolves its partner here and refreshes the user row.
 */
import type { Db, Queryable } from '../db/pool.js';
import { inTransaction } from '../db/pool.js';
import { isRole, type Actor, type Channel } from './roles.js';

export interface Partner {
  id: number;
  name: string;
}

export interface SeenUser {
  partnerId: number;
  channel: Channel;
  externalId: string;
  displayName: string | null;
  locale: string;
}

export class PartnerDirectory {
  constructor(private readonly db: Db) {}

  async resolvePartner(channel: Channel, externalId: string): Promise<Partner | null> {
    const { rows } = await this.db.query<{ id: string; name: string }>(
      `SELECT p.id, p.name FROM partner_channels pc JOIN partners p ON p.id = pc.partner_id
        WHERE pc.channel = $1 AND pc.external_id = $2`,
      [channel, externalId],
    );
    const row = rows[0];
    return row ? { id: Number(row.id), name: row.name } : null;
  }

  /** Upsert the user of an inbound turn and return them as an Actor with their roles. */
  async actorFor(user: SeenUser): Promise<Actor> {
    const { rows } = await this.db.query<{ id: string; display_name: string | null; roles: string[] | null }>(
      `WITH u AS (
         INSERT INTO users (partner_id, channel, external_id, display_name, locale)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (partner_id, channel, external_id) DO UPDATE
           SET display_name = COALESCE(EXCLUDED.display_name, users.display_name),
               locale = EXCLUDED.locale, last_seen_at = now()
         RETURNING id, display_name)
       SELECT u.id, u.display_name, (SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id) AS roles
         FROM u`,
      [user.partnerId, user.channel, user.externalId, user.displayName, user.locale],
    );
    const row = rows[0]!;
    return {
      userId: Number(row.id),
      partnerId: user.partnerId,
      channel: user.channel,
      externalId: user.externalId,
      displayName: row.display_name,
      roles: (row.roles ?? []).filter(isRole),
      locale: user.locale,
    };
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
