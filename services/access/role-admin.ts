/**
 * Who has which role in the bot (DESIGN §1: a Global admin manages roles). Every
 * method takes the acting user and checks the role itself; a Global admin only ever
 * sees and changes users of their own partner.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/pool.js';
import { inTransaction } from '../db/pool.js';
import type { NotificationService } from '../notifications/notifications.js';
import { RefusalError } from '../refusal.js';
import { requireCapability } from './capabilities.js';
import { isRole, ROLES, type Actor, type Role } from './roles.js';

export interface PartnerUser {
  id: number;
  displayName: string | null;
  channel: 'msteams' | 'slack';
  roles: Role[];
  lastSeenAt: Date;
}

/** Refused: no such user in the actor's organisation. */
export class UserNotFoundError extends RefusalError<{ code: 'user_not_found' }> {
  constructor() {
    super({ code: 'user_not_found' }, 'no such user in your organisation');
    this.name = 'UserNotFoundError';
  }
}

/** Refused: the change would leave the partner without any Global admin. */
export class LastGlobalAdminError extends RefusalError<{ code: 'last_global_admin' }> {
  constructor() {
    super({ code: 'last_global_admin' }, 'the last Global admin cannot lose the role');
    this.name = 'LastGlobalAdminError';
  }
}


export const USERS_PAGE_SIZE = 10;

export class RoleAdministration {
  constructor(
    private readonly db: Db,
    private readonly notifications?: NotificationService,
  ) {}

  /** Users of the actor's partner, most recently seen first; `search` filters by name. */
  async listUsers(actor: Actor, opts: { search?: string; offset?: number } = {}): Promise<{ users: PartnerUser[]; total: number }> {
    requireCapability(actor, 'roles');
    const search = opts.search?.trim() ? `%${opts.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const { rows } = await this.db.query<{ id: string; display_name: string | null; channel: 'msteams' | 'slack'; roles: string[] | null; last_seen_at: Date; total: string }>(
      `SELECT u.id, u.display_name, u.channel, u.last_seen_at,
              (SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id) AS roles,
              count(*) OVER () AS total
         FROM users u
        WHERE u.partner_id = $1 AND ($2::text IS NULL OR u.display_name ILIKE $2)
        ORDER BY u.last_seen_at DESC, u.id
        LIMIT $3 OFFSET $4`,
      [actor.partnerId, search, USERS_PAGE_SIZE, Math.max(0, opts.offset ?? 0)],
    );
    return {
      total: Number(rows[0]?.total ?? 0),
      users: rows.map((r) => ({ id: Number(r.id), displayName: r.display_name, channel: r.channel, roles: (r.roles ?? []).filter(isRole), lastSeenAt: r.last_seen_at })),
    };
  }

  async getUser(actor: Actor, userId: number): Promise<PartnerUser> {
    requireCapability(actor, 'roles');
    const { rows } = await this.db.query<{ id: string; display_name: string | null; channel: 'msteams' | 'slack'; roles: string[] | null; last_seen_at: Date }>(
      `SELECT u.id, u.display_name, u.channel, u.last_seen_at,
              (SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id) AS roles
         FROM users u WHERE u.id = $1 AND u.partner_id = $2`,
      [userId, actor.partnerId],
    );
    const r = rows[0];
    if (!r) throw new UserNotFoundError();
    return { id: Number(r.id), displayName: r.display_name, channel: r.channel, roles: (r.roles ?? []).filter(isRole), lastSeenAt: r.last_seen_at };
  }

  /**
   * Grant or revoke one role; idempotent. Returns the user's roles afterwards. When the
   * roles really changed, the user (if it is someone else) is notified — written in the same
   * transaction, delivered (and worded in their language) by the worker.
   */
  async setRole(actor: Actor, change: { userId: number; role: Role; grant: boolean }): Promise<Role[]> {
    requireCapability(actor, 'roles');
    if (!ROLES.includes(change.role)) throw new RangeError(`unknown role ${String(change.role)}`);
    return inTransaction(this.db, async (tx) => {
      // Lock the target user's row: concurrent changes of the same user run one after the other.
      const target = await tx.query(
        'SELECT 1 FROM users WHERE id = $1 AND partner_id = $2 FOR UPDATE',
        [change.userId, actor.partnerId],
      );
      if (target.rowCount !== 1) throw new UserNotFoundError();
      let changed: number;
      if (change.grant) {
        changed = (await tx.query('INSERT INTO user_roles (user_id, role, granted_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [change.userId, change.role, actor.userId])).rowCount ?? 0;
      } else {
        if (change.role === 'global_admin') {
          // Lock the partner: two admins revoking the last two Global admins at once
          // cannot both see "one other is left".
          await tx.query(`SELECT 1 FROM partners WHERE id = $1 FOR UPDATE`, [actor.partnerId]);
          const { rows } = await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM user_roles r JOIN users u ON u.id = r.user_id
              WHERE u.partner_id = $1 AND r.role = 'global_admin' AND r.user_id <> $2`,
            [actor.partnerId, change.userId],
          );
          if ((rows[0]?.n ?? 0) === 0) throw new LastGlobalAdminError();
        }
        changed = (await tx.query('DELETE FROM user_roles WHERE user_id = $1 AND role = $2', [change.userId, change.role])).rowCount ?? 0;
      }
      if (changed > 0 && this.notifications && change.userId !== actor.userId) {
        await this.notifications.notifyUser(tx, {
          partnerId: String(actor.partnerId),
          userId: String(change.userId),
          message: { kind: 'roleChanged', grant: change.grant, role: change.role, by: actor.displayName },
          dedupeKey: `role-change:${randomUUID()}`,
        });
      }
      const { rows } = await tx.query<{ role: string }>('SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role', [change.userId]);
      return rows.map((r) => r.role).filter(isRole);
    });
  }
}
