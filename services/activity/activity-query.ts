/**
 * Reading the activity log (R13): a partner's key and download events for a date range —
 * who (the chat user, or for a download the address and user agent), what (key viewed, link
 * issued, download, expired, revoked, and every refusal with its reason), customer, product,
 * order — newest first, a page at a time, with a summary of the range.
 *
 * - Who may: Global admin, Account admin, Referral admin, Marketing content admin (capability
 *   `audit`), checked here through the access policy, which records a refusal in the log itself.
 *   The partner comes from the actor, never from input: one partner's log is never another's.
 * - Paging is keyset paging on (at, id), the log's index: the next page continues exactly after
 *   the last row shown, also while new events arrive (they are newer: they never shift a page).
 *   The cursor is opaque to the user but not trusted: it is checked for shape and for the range
 *   and filters it was made for; anything else is refused as `invalid_cursor`.
 * - A filter naming a customer is checked against the partner's customers (another partner's
 *   reads as unknown).
 *
 * The chat side is dialogs/activity.ts; the CSV export activity-export.ts, Teams' links to it
 * export-links.ts.
 */
import { createHash } from 'node:crypto';
import type { AccessPolicy } from '../access/policy.js';
import type { Actor } from '../access/roles.js';
import type { CustomerDirectory } from '../customers/directory.js';
import type { Db } from '../db/pool.js';
import { isRefusal, refuse } from '../refusal.js';
import type { ActivityEvent, ActivityOutcome } from './activity-log.js';

/** The events R13 is about: keys and downloads (cancellations and support requests are in the log too, not in this view). */
export const KEY_AND_DOWNLOAD_EVENTS: readonly ActivityEvent[] = ['key_view', 'link_issued', 'download', 'link_expired', 'revoked'];

/**
 * What the view lists: keys and downloads, and the log's own use — who exported it (a Slack upload,
 * a Teams link issued or opened) and who was refused it — for an auditor must see who read the audit trail.
 */
export const VIEW_EVENTS: readonly ActivityEvent[] = [...KEY_AND_DOWNLOAD_EVENTS, 'log_viewed', 'log_exported'];

/** What the kind filter selects: key access (keys viewed, links issued), downloads, or refusals of either. */
export type ActivityKind = 'keys' | 'downloads' | 'refusals';

export interface ActivityFilter {
  customerId?: string;
  userId?: number;
  kind?: ActivityKind;
}

export interface ActivityRange {
  /** Inclusive instant. */
  from: Date;
  /** Exclusive instant. */
  to: Date;
}

export interface ActivityEntryView {
  id: string;
  /** ISO instant. */
  at: string;
  event: ActivityEvent;
  outcome: ActivityOutcome;
  /** The chat user (key views, links issued, refusals in chat), when there was one. */
  user: { id: number; displayName: string | null } | null;
  /** Downloads: the client as recorded. */
  ip: string | null;
  userAgent: string | null;
  customerId: string | null;
  orderId: string | null;
  lineNumber: number | null;
  productId: string | null;
  /** The product's title as bought, when the order is the bot's. */
  productTitle: string | null;
  detail: string | null;
}

export interface ActivitySummary {
  keyViews: number;
  linksIssued: number;
  downloads: number;
  /** Refused key, link and download attempts, and refused looks at the log itself. */
  refusals: number;
  /** Exports of the log (Slack uploads, Teams links issued). */
  exports: number;
  /** Distinct chat users, and distinct download clients (addresses). */
  users: number;
  clients: number;
}

export interface ActivityPage {
  entries: ActivityEntryView[];
  /** The cursor of the next page, or null at the end of the range. */
  next: string | null;
}

const MAX_PAGE = 100;
const MAX_CURSOR = 400;

interface Cursor {
  at: string;
  id: string;
  /** Which range and filters it belongs to. */
  scope: string;
}

function scopeOf(partnerId: number, range: ActivityRange, filter: ActivityFilter): string {
  const key = JSON.stringify([partnerId, range.from.toISOString(), range.to.toISOString(), filter.customerId ?? null, filter.userId ?? null, filter.kind ?? null]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id, c.scope]), 'utf8').toString('base64url');
}

/** The cursor, or null when it is not one of ours for this range and these filters. */
function decodeCursor(text: unknown, scope: string): { at: Date; id: string } | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return null;
  const [at, id, s] = parsed as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || s !== scope || !/^\d{1,18}$/.test(id)) return null;
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== at) return null;
  return { at: instant, id };
}

export class ActivityQuery {
  constructor(private readonly deps: { db: Db; access: AccessPolicy; customers: CustomerDirectory }) {}

  /** One page of the range, newest first; `cursor`: the previous page's `next`. */
  async page(actor: Actor, req: { range: ActivityRange; filter?: ActivityFilter; cursor?: string | null; limit?: number }): Promise<ActivityPage> {
    const filter = await this.checked(actor, req.range, req.filter ?? {});
    const scope = scopeOf(actor.partnerId, req.range, filter);
    let after: { at: Date; id: string } | null = null;
    if (req.cursor !== undefined && req.cursor !== null) {
      after = decodeCursor(req.cursor, scope);
      if (!after) throw refuse({ code: 'invalid_cursor' });
    }
    const limit = Math.min(Math.max(1, Math.trunc(req.limit ?? 25)), MAX_PAGE);
    const { where, params } = conditions(actor.partnerId, req.range, filter);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(a.at, a.id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit + 1);
    const { rows } = await this.deps.db.query<EntryRow>(`${entriesSql(where)} LIMIT $${params.length}`, params);
    const entries = rows.slice(0, limit).map((r) => ({
      id: r.id, at: r.at.toISOString(), event: r.event, outcome: r.outcome,
      user: r.user_id === null ? null : { id: Number(r.user_id), displayName: r.display_name },
      ip: r.ip, userAgent: r.user_agent, customerId: r.customer_id, orderId: r.order_id, lineNumber: r.line_number, productId: r.product_id,
      productTitle: r.title, detail: r.detail,
    }));
    const last = entries[entries.length - 1];
    return { entries, next: rows.length > limit && last ? encodeCursor({ at: last.at, id: last.id, scope }) : null };
  }

  /** The range's summary line: key views, links issued, downloads, refusals, distinct users and clients. */
  async summary(actor: Actor, req: { range: ActivityRange; filter?: ActivityFilter }): Promise<ActivitySummary> {
    const filter = await this.checked(actor, req.range, req.filter ?? {});
    const { where, params } = conditions(actor.partnerId, req.range, filter);
    const { rows } = await this.deps.db.query<{ key_views: string; links: string; downloads: string; refusals: string; exports: string; users: string; clients: string }>(
      `SELECT count(*) FILTER (WHERE a.event = 'key_view' AND a.outcome = 'ok') AS key_views,
              count(*) FILTER (WHERE a.event = 'link_issued' AND a.outcome = 'ok') AS links,
              count(*) FILTER (WHERE a.event = 'download' AND a.outcome = 'ok') AS downloads,
              count(*) FILTER (WHERE a.outcome <> 'ok' AND a.event IN ('key_view', 'link_issued', 'download', 'log_viewed', 'log_exported')) AS refusals,
              count(*) FILTER (WHERE a.event = 'log_exported' AND a.outcome = 'ok' AND a.detail NOT LIKE 'teams link opened%') AS exports,
              count(DISTINCT a.user_id) AS users,
              count(DISTINCT a.ip) FILTER (WHERE a.event = 'download') AS clients
         FROM activity_log a
        WHERE ${where.join(' AND ')}`,
      params,
    );
    const r = rows[0]!;
    return {
      keyViews: Number(r.key_views), linksIssued: Number(r.links), downloads: Number(r.downloads), refusals: Number(r.refusals), exports: Number(r.exports),
      users: Number(r.users), clients: Number(r.clients),
    };
  }

  /**
   * What the filter form offers for the range: the customers and users that appear in it, the
   * most recently seen first, at most `limit` of each (the kind filter and the others left out:
   * the choices must not shrink to the filter in force).
   */
  async choices(actor: Actor, req: { range: ActivityRange; limit?: number }): Promise<{ customerIds: string[]; users: Array<{ id: number; displayName: string | null }> }> {
    await this.checked(actor, req.range, {});
    const limit = Math.min(Math.max(1, Math.trunc(req.limit ?? 50)), MAX_PAGE);
    const { where, params } = conditions(actor.partnerId, req.range, {});
    params.push(limit);
    const [customers, users] = await Promise.all([
      this.deps.db.query<{ customer_id: string }>(
        `SELECT a.customer_id FROM activity_log a WHERE ${where.join(' AND ')} AND a.customer_id IS NOT NULL
          GROUP BY a.customer_id ORDER BY max(a.at) DESC LIMIT $${params.length}`,
        params,
      ),
      this.deps.db.query<{ id: string; display_name: string | null }>(
        `SELECT u.id, u.display_name FROM (SELECT a.user_id, max(a.at) AS last FROM activity_log a WHERE ${where.join(' AND ')} AND a.user_id IS NOT NULL
            GROUP BY a.user_id ORDER BY last DESC LIMIT $${params.length}) s
           JOIN users u ON u.id = s.user_id AND u.partner_id = $1 ORDER BY s.last DESC`,
        params,
      ),
    ]);
    return {
      customerIds: customers.rows.map((r) => r.customer_id),
      users: users.rows.map((r) => ({ id: Number(r.id), displayName: r.display_name })),
    };
  }

  /** The display name of one of the partner's users (the user filter as the card names it); null when none. */
  async userName(actor: Actor, userId: number): Promise<string | null> {
    if (!Number.isSafeInteger(userId)) return null;
    const { rows } = await this.deps.db.query<{ display_name: string | null }>('SELECT display_name FROM users WHERE id = $1 AND partner_id = $2', [userId, actor.partnerId]);
    return rows[0]?.display_name ?? null;
  }

  private checked(actor: Actor, range: ActivityRange, filter: ActivityFilter): Promise<ActivityFilter> {
    return checkRequest(this.deps, actor, range, filter);
  }
}

/**
 * The role check (a refusal is recorded), a sane range, and the filter's customer and user
 * the partner's: the filter to query with. Shared by the view and the export (activity-export.ts).
 */
export async function checkRequest(
  deps: { db: Db; access: AccessPolicy; customers: CustomerDirectory }, actor: Actor, range: ActivityRange, filter: ActivityFilter,
): Promise<ActivityFilter> {
  await deps.access.require(actor, 'audit');
  if (!(range.from instanceof Date) || !(range.to instanceof Date) || Number.isNaN(range.from.getTime()) || Number.isNaN(range.to.getTime()) || range.from >= range.to) {
    throw refuse({ code: 'invalid_range' });
  }
  const out: ActivityFilter = {};
  if (filter.customerId !== undefined) out.customerId = (await deps.customers.get(actor, 'audit', filter.customerId)).id;
  if (filter.userId !== undefined) {
    if (!Number.isSafeInteger(filter.userId)) throw refuse({ code: 'user_not_found' });
    const { rows } = await deps.db.query('SELECT 1 FROM users WHERE id = $1 AND partner_id = $2', [filter.userId, actor.partnerId]);
    if (rows.length === 0) throw refuse({ code: 'user_not_found' });
    out.userId = filter.userId;
  }
  if (filter.kind !== undefined) {
    if (!['keys', 'downloads', 'refusals'].includes(filter.kind)) throw refuse({ code: 'invalid_range' });
    out.kind = filter.kind;
  }
  return out;
}

/**
 * The names and tenant ids of the customers `ids` name, one directory look-up each (the view's
 * page and form, the export). A customer the directory no longer knows (a refusal) has none —
 * callers show its id; any other failure is thrown.
 */
export async function customersNamed(
  customers: Pick<CustomerDirectory, 'get'>, actor: Actor, ids: Iterable<string | null>,
): Promise<Map<string, { name: string; tenantId: string } | null>> {
  const known = new Map<string, { name: string; tenantId: string } | null>();
  for (const id of new Set(ids)) {
    if (id === null || known.has(id)) continue;
    try {
      const c = await customers.get(actor, 'audit', id);
      known.set(id, { name: c.companyName, tenantId: c.tenantId });
    } catch (err) {
      if (!isRefusal(err)) throw err;
      known.set(id, null);
    }
  }
  return known;
}

/** A row of `entriesSql`. */
export interface EntryRow {
  id: string; at: Date; event: ActivityEvent; outcome: ActivityOutcome; user_id: string | null; display_name: string | null; user_channel: string | null; user_external_id: string | null; ip: string | null;
  user_agent: string | null; customer_id: string | null; order_id: string | null; line_number: number | null; product_id: string | null; title: string | null; link_id: string | null; detail: string | null;
}

/** The entries matching `where` (from `conditions`), newest first — the view's pages, the export's whole range. */
export function entriesSql(where: readonly string[]): string {
  return `SELECT a.id, a.at, a.event, a.outcome, a.user_id, u.display_name, u.channel AS user_channel, u.external_id AS user_external_id, host(a.ip) AS ip,
                 a.user_agent, a.customer_id, a.order_id, a.line_number, a.product_id, l.title, a.link_id::text AS link_id, a.detail
            FROM activity_log a
            LEFT JOIN users u ON u.id = a.user_id
            LEFT JOIN purchase_lines l ON l.partner_id = a.partner_id AND l.order_id = a.order_id AND l.line_number = a.line_number
           WHERE ${where.join(' AND ')}
           ORDER BY a.at DESC, a.id DESC`;
}

/** The WHERE of a partner's key and download events in the range, filtered (the filter checked by `checkRequest`). */
export function conditions(partnerId: number, range: ActivityRange, filter: ActivityFilter): { where: string[]; params: unknown[] } {
  const params: unknown[] = [partnerId, range.from, range.to, VIEW_EVENTS];
  const where = ['a.partner_id = $1', 'a.at >= $2', 'a.at < $3', 'a.event = ANY($4::text[])'];
  if (filter.customerId !== undefined) {
    params.push(filter.customerId);
    where.push(`a.customer_id = $${params.length}`);
  }
  if (filter.userId !== undefined) {
    params.push(filter.userId);
    where.push(`a.user_id = $${params.length}`);
  }
  switch (filter.kind) {
    case 'keys':
      where.push("a.event IN ('key_view', 'link_issued')");
      break;
    case 'downloads':
      where.push("a.event = 'download'");
      break;
    case 'refusals':
      where.push("a.outcome <> 'ok'");
      break;
    case undefined:
      break;
  }
  return { where, params };
}
