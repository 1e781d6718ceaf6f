/**
 * Teams' way to hand over an export of the activity log (R13): a short-lived link in the
 * user's personal chat, served by the bot (bot/http/exports.ts), which streams the CSV from
 * Postgres when the link is opened (activity-export.ts). Teams bots cannot post a file into a
 * chat without the user first accepting a consent card and a OneDrive upload; a link that
 * works for minutes, for this user only while they keep the role, does the same job.
 *
 * - `issue` checks what the view checks (the role — a refusal is recorded —, the range, the
 *   filter's customer and user), stores the request with the SHA-256 of a 256-bit token, and
 *   records the export in the log. The token is returned once, for the card; never logged.
 * - `redeem` (the link opened) finds the request by the token's hash. An unknown token is
 *   `unknown`; a link past its time is `expired` (recorded, with the client); then the user's
 *   roles *now* are checked (a revoked admin's link stops working: `forbidden`, recorded by
 *   the access policy); else the opening is counted and recorded with the client's address and
 *   user agent, and the request comes back for the export to stream.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DateTime, IANAZone } from 'luxon';
import type { AccessPolicy } from '../access/policy.js';
import { isRole, type Actor, type Channel } from '../access/roles.js';
import type { CustomerDirectory } from '../customers/directory.js';
import { inTransaction, type Db } from '../db/pool.js';
import { ActivityLog } from './activity-log.js';
import type { ActivityExportRequest } from './activity-export.js';
import { checkRequest, type ActivityFilter, type ActivityKind, type ActivityRange } from './activity-query.js';

/** How long an export link works (config ACTIVITY_EXPORT_LINK_MINUTES). */
export const DEFAULT_EXPORT_LINK_MINUTES = 15;

/** 32 bytes from the CSPRNG, base64url: 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function isExportTokenShaped(token: unknown): token is string {
  return typeof token === 'string' && TOKEN.test(token);
}

function hashOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export interface ExportClient {
  ip: string | null;
  userAgent: string | null;
}

export type ExportRedemption =
  | { status: 'ok'; actor: Actor; request: ActivityExportRequest; fileName: string }
  | { status: 'unknown' | 'expired' | 'forbidden' };

/** The file's name: the first and last day of the range in the user's zone. */
export function exportFileName(range: ActivityRange, zone: string): string {
  const z = IANAZone.isValidZone(zone) ? zone : 'UTC';
  const first = DateTime.fromJSDate(range.from, { zone: z }).toISODate();
  const last = DateTime.fromJSDate(new Date(range.to.getTime() - 1), { zone: z }).toISODate();
  return `activity-log_${first}_${last}.csv`;
}

/** What the log's `detail` says of an export: how it went out, the range and the filters (no names, no secrets). */
export function exportDetail(how: string, range: ActivityRange, filter: ActivityFilter): string {
  const parts = [how, `${range.from.toISOString()}..${range.to.toISOString()}`];
  if (filter.kind) parts.push(`kind=${filter.kind}`);
  if (filter.customerId) parts.push(`customer=${filter.customerId}`);
  if (filter.userId !== undefined) parts.push(`user=${filter.userId}`);
  return parts.join('; ');
}

export class ActivityExportLinks {
  private readonly log: ActivityLog;
  private readonly linkMinutes: number;
  private readonly now: () => Date;

  constructor(private readonly deps: { db: Db; access: AccessPolicy; customers: CustomerDirectory; linkMinutes?: number; now?: () => Date }) {
    this.log = new ActivityLog(deps.db);
    this.linkMinutes = deps.linkMinutes ?? DEFAULT_EXPORT_LINK_MINUTES;
    this.now = deps.now ?? (() => new Date());
  }

  /** A link for this user to download the range's CSV for `linkMinutes`. Throws the view's refusals. */
  async issue(actor: Actor, req: ActivityExportRequest): Promise<{ token: string; expiresAt: Date; fileName: string }> {
    const filter = await checkRequest(this.deps, actor, req.range, req.filter ?? {});
    if (!IANAZone.isValidZone(req.zone)) throw new RangeError(`not an IANA time zone: ${req.zone}`);
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.linkMinutes * 60_000);
    await inTransaction(this.deps.db, async (tx) => {
      await tx.query(
        `INSERT INTO activity_exports (partner_id, user_id, token_hash, range_from, range_to, filter, zone, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [actor.partnerId, actor.userId, hashOf(token), req.range.from, req.range.to, JSON.stringify(filter), req.zone, now, expiresAt],
      );
      await this.log.record({ at: now, partnerId: actor.partnerId, event: 'log_exported', outcome: 'ok', userId: actor.userId, detail: exportDetail('teams link issued', req.range, filter) }, tx);
    });
    return { token, expiresAt, fileName: exportFileName(req.range, req.zone) };
  }

  /** Slack: the file was uploaded into the user's DM — recorded like a link's opening (R13: the export is itself in the log). */
  async recordUpload(actor: Actor, req: ActivityExportRequest, rows: number): Promise<void> {
    await this.log.record({
      at: this.now(), partnerId: actor.partnerId, event: 'log_exported', outcome: 'ok', userId: actor.userId,
      detail: `${exportDetail('slack upload', req.range, req.filter ?? {})}; rows=${rows}`,
    });
  }

  /** The link opened: the request to stream, or why not. Never throws for a bad token. */
  async redeem(token: string, client: ExportClient): Promise<ExportRedemption> {
    if (!isExportTokenShaped(token)) return { status: 'unknown' };
    const { rows } = await this.deps.db.query<ExportRow>(
      `SELECT e.id, e.partner_id, e.user_id, e.range_from, e.range_to, e.filter, e.zone, e.expires_at,
              u.channel, u.external_id, u.display_name, u.locale,
              (SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id) AS roles
         FROM activity_exports e JOIN users u ON u.id = e.user_id
        WHERE e.token_hash = $1`,
      [hashOf(token)],
    );
    const row = rows[0];
    if (!row) return { status: 'unknown' };
    const range = { from: row.range_from, to: row.range_to };
    const filter = filterOf(row.filter);
    const now = this.now();
    const actor: Actor = {
      userId: Number(row.user_id), partnerId: Number(row.partner_id), channel: row.channel, externalId: row.external_id, displayName: row.display_name,
      roles: (row.roles ?? []).filter(isRole), locale: row.locale ?? 'en-US',
    };
    const recorded = { at: now, partnerId: actor.partnerId, event: 'log_exported' as const, userId: actor.userId, ip: client.ip, userAgent: client.userAgent };
    if (row.expires_at <= now) {
      await this.log.record({ ...recorded, outcome: 'expired', detail: exportDetail('teams link opened after it expired', range, filter) });
      return { status: 'expired' };
    }
    try {
      // The roles now, not when the link was issued (the policy records a refusal).
      await this.deps.access.require(actor, 'audit');
    } catch {
      return { status: 'forbidden' };
    }
    await inTransaction(this.deps.db, async (tx) => {
      await tx.query('UPDATE activity_exports SET downloads = downloads + 1, last_downloaded_at = $2 WHERE id = $1', [row.id, now]);
      await this.log.record({ ...recorded, outcome: 'ok', detail: exportDetail('teams link opened', range, filter) }, tx);
    });
    return { status: 'ok', actor, request: { range, filter, zone: row.zone }, fileName: exportFileName(range, row.zone) };
  }
}

interface ExportRow {
  id: string;
  partner_id: string;
  user_id: string;
  range_from: Date;
  range_to: Date;
  filter: unknown;
  zone: string;
  expires_at: Date;
  channel: Channel;
  external_id: string;
  display_name: string | null;
  locale: string | null;
  roles: string[] | null;
}

/** The stored filter (written by `issue` from a checked filter), read back field by field. */
function filterOf(stored: unknown): ActivityFilter {
  const f = (stored ?? {}) as Record<string, unknown>;
  const out: ActivityFilter = {};
  if (typeof f.customerId === 'string') out.customerId = f.customerId;
  if (typeof f.userId === 'number') out.userId = f.userId;
  if (f.kind === 'keys' || f.kind === 'downloads' || f.kind === 'refusals') out.kind = f.kind satisfies ActivityKind;
  return out;
}

