/**
 * The activity log (R12, and R13 reads it): every key view, link issued, download, expiry
 * and revocation, and every failed attempt (expired, used up, revoked, unknown link, wrong
 * role, cancelled purchase, undelivered), with who — a chat user, or for downloads the
 * client address and user agent —, when, partner, customer, product, order and link.
 * Never a key or a token.
 *
 * This module is the log's one writer: keys, downloads, link expiry, and later
 * cancellations and support requests record through it.
 * - `ActivityLog.record` writes one entry (in the caller's transaction when given one).
 * - `insertActivityFrom` is the same write for statements that log the rows they change in
 *   the same statement — a burst of downloads, a revocation — where a second round trip per
 *   burst would double the cost of every download.
 * Values from outside (addresses, user agents, ids typed by a user) are made storable here:
 * a malformed one is stored as NULL or cut, and never fails what is being recorded.
 */
import { isIP } from 'node:net';
import type { Queryable } from '../db/pool.js';
import { isOrderIdShaped } from '../ledger/purchase-ledger.js';

export type ActivityEvent =
  | 'key_view' | 'link_issued' | 'download' | 'link_expired' | 'revoked'
  | 'cancellation_requested' | 'cancellation_finished' | 'cancellation_failed'
  | 'support_requested' | 'support_filed' | 'support_failed'
  /** R13: the log itself was read (or refused: outcome 'forbidden'). */
  | 'log_viewed'
  /** R13: the log was exported (a Slack upload; a Teams link issued or opened), or an export link refused. */
  | 'log_exported';

export type ActivityOutcome =
  | 'ok' | 'expired' | 'used_up' | 'revoked' | 'unknown' | 'forbidden' | 'not_available' | 'undelivered'
  | 'failed' | 'needs_information' | 'timed_out';

export interface ActivityEntry {
  at: Date;
  /** null: a download with a token of no link (it names no partner). */
  partnerId: number | null;
  event: ActivityEvent;
  outcome: ActivityOutcome;
  userId?: number | null;
  customerId?: string | null;
  orderId?: string | null;
  lineNumber?: number | null;
  productId?: string | null;
  variantId?: number | string | null;
  linkId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: string | null;
}

/** The log's columns, in the order `insertActivityFrom` and `record` write them. */
export const ACTIVITY_COLUMNS = [
  'at', 'partner_id', 'event', 'outcome', 'user_id', 'customer_id', 'order_id', 'line_number', 'product_id', 'variant_id', 'link_id',
  'ip', 'user_agent', 'detail',
] as const;
export type ActivityColumn = (typeof ACTIVITY_COLUMNS)[number];

export const MAX_USER_AGENT_LENGTH = 512;
export const MAX_DETAIL_LENGTH = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An inet value or null: anything else (e.g. a forged X-Forwarded-For) must not fail the
 * download. An IPv6 zone id (`fe80::1%eth0`) is dropped: inet does not take one.
 */
export function normaliseIp(ip: string | null | undefined): string | null {
  const address = ip?.split('%')[0];
  return address && isIP(address) !== 0 ? address : null;
}

export function clampUserAgent(userAgent: string | null | undefined): string | null {
  return userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null;
}

/** A customer id as typed or sent by a card: kept when it is a customer id (a UUID), else NULL. */
function customerIdOrNull(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const lower = id.trim().toLowerCase();
  return UUID.test(lower) ? lower : null;
}

/** An order id as typed or sent by a card: kept when it has an order id's shape, else NULL. */
function orderIdOrNull(id: unknown): string | null {
  return isOrderIdShaped(id) ? id : null;
}

/**
 * `INSERT INTO activity_log … SELECT … FROM <from>`: one entry per row of `from` (a CTE or
 * a subquery of the caller's statement), each column given as an SQL expression over it;
 * columns left out are NULL. For the caller to embed in its own statement, e.g.
 * `WITH r AS (UPDATE … RETURNING …), logged AS (${insertActivityFrom('r', {…})}) SELECT …`.
 * Expressions are trusted SQL written by the caller, never user input.
 */
export function insertActivityFrom(from: string, values: Partial<Record<ActivityColumn, string>> & Record<'at' | 'event' | 'outcome', string>): string {
  const columns = ACTIVITY_COLUMNS.filter((c) => values[c] !== undefined);
  return `INSERT INTO activity_log (${columns.join(', ')}) SELECT ${columns.map((c) => values[c]).join(', ')} FROM ${from}`;
}

const RECORD_SQL = `INSERT INTO activity_log (${ACTIVITY_COLUMNS.join(', ')})
  VALUES (${ACTIVITY_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;

export class ActivityLog {
  constructor(private readonly db: Queryable) {}

  /**
   * A download with a well-formed token of no link: counted per client address and 10-minute
   * window (unknown_token_attempts), not one row each — guesses must not flood the log (issue 14).
   */
  async recordUnknownToken(attempt: { at: Date; ip: string | null | undefined; userAgent: string | null | undefined }): Promise<void> {
    await this.db.query({
      name: 'activity.unknownToken',
      text: `INSERT INTO unknown_token_attempts (ip, window_start, attempts, first_at, last_at, last_user_agent)
             VALUES ($1, date_bin('10 minutes', $2::timestamptz, TIMESTAMPTZ '2000-01-01 00:00+00'), 1, $2, $2, $3)
             ON CONFLICT (ip, window_start) DO UPDATE
               SET attempts = unknown_token_attempts.attempts + 1,
                   last_at = GREATEST(unknown_token_attempts.last_at, EXCLUDED.last_at),
                   last_user_agent = EXCLUDED.last_user_agent`,
      values: [guesserOf(attempt.ip), attempt.at, clampUserAgent(attempt.userAgent)],
    });
  }

  /** Writes one entry — in `q` (a transaction's client) when given, so it commits or rolls back with it. */
  async record(entry: ActivityEntry, q: Queryable = this.db): Promise<void> {
    const orderId = orderIdOrNull(entry.orderId);
    await q.query(RECORD_SQL, [
      entry.at, entry.partnerId, entry.event, entry.outcome, entry.userId ?? null, customerIdOrNull(entry.customerId), orderId,
      orderId !== null && Number.isSafeInteger(entry.lineNumber) ? entry.lineNumber : null, entry.productId ?? null, entry.variantId ?? null,
      entry.linkId ?? null, normaliseIp(entry.ip), clampUserAgent(entry.userAgent), entry.detail?.slice(0, MAX_DETAIL_LENGTH) ?? null,
    ]);
  }
}

/**
 * Whom guesses are counted for: an IPv4 address (an IPv4-mapped IPv6 one unmapped), or an IPv6
 * client's /64 — it can take a new address of its network for every guess; 'unknown' without one.
 */
export function guesserOf(ip: string | null | undefined): string {
  const address = normaliseIp(ip);
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head, tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
