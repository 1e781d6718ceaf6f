/**
 * Exporting the activity log (R13): the whole range of the view (activity-query.ts) as CSV,
 * streamed from Postgres — for the chat to upload into the user's DM (Slack) or personal
 * chat (Teams).
 *
 * - The same checks as the view, through `checkRequest`: the role (a refusal is recorded),
 *   the range, the filter's customer and user the partner's; the partner from the actor.
 *   They run before the first byte, so a refusal is thrown by `exportCsv`, never mid-file.
 * - Streamed: a server-side cursor (pg-cursor) reads `BATCH_ROWS` rows at a time on one
 *   pooled connection, and the next batch is read only when the consumer asks for more —
 *   never the whole range in memory. The cursor is closed and the connection released when
 *   the file ends, when the consumer stops early (`break`, a destroyed stream) or on error.
 * - The file: UTF-8 with a BOM (so Excel reads it as UTF-8), a header row, CRLF records,
 *   every cell quoted; times as ISO 8601 with the offset of the user's time zone; event and
 *   outcome as their codes (stable for whoever filters the file).
 * - CSV injection (OWASP): a cell starting with =, +, -, @, a tab or a carriage return gets
 *   a leading single quote, so a spreadsheet shows it as text instead of running it — the
 *   user agent and address of a download, and anything else, are whatever a client sent.
 */
import { IANAZone } from 'luxon';
import Cursor from 'pg-cursor';
import { stringify } from 'csv-stringify/sync';
import type { AccessPolicy } from '../access/policy.js';
import type { Actor } from '../access/roles.js';
import type { CustomerDirectory } from '../customers/directory.js';
import type { Db } from '../db/pool.js';
import { checkRequest, conditions, customersNamed, entriesSql, type ActivityFilter, type ActivityRange, type EntryRow } from './activity-query.js';

/**
 * Rows per cursor read. 1,000,000 rows (one partner, local Postgres 15, tsx): 500 → 5.6–8.0 s,
 * peak RSS 135–140 MB from ~110 MB at the start, heap ≤ 33 MB; 1000–2000 were no faster and
 * left the heap growing to 90 MB before a collection in some runs.
 */
export const BATCH_ROWS = 500;

/**
 * The columns. Who: the chat user's name and their id on the channel (`msteams:<AAD object id>`,
 * `slack:<user id>`), or a download's address and user agent. The customer by name and tenant
 * ID as the chat shows it (and the bot's own customer id); the order's line item number as Partner
 * Center counts it (from 0); the link an event concerns (a download ties to the link issued).
 * Event and outcome as codes, stable for filtering.
 */
export const CSV_HEADER = [
  'When', 'User', 'User ID', 'Client address', 'User agent', 'Event', 'Outcome', 'Customer', 'Customer tenant ID', 'Customer ID', 'Order ID', 'Line item number',
  'Product ID', 'Product', 'Link ID', 'Detail',
] as const;

export interface ActivityExportRequest {
  range: ActivityRange;
  filter?: ActivityFilter;
  /** The user's IANA time zone (e.g. 'Europe/Berlin'): the offset the times are written with. */
  zone: string;
}

/** A cell a spreadsheet would read as a formula (OWASP CSV injection), made text by a leading quote. */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * `at` as ISO 8601 in `zone` with its offset, to the second: 2026-11-10T13:00:00+01:00
 * (UTC too as +00:00, so the column has one shape). Returns a formatter that caches the
 * zone's offset per quarter hour (asking the zone for each of a million rows is the slow
 * part); a quarter hour with a transition in it is asked per row.
 */
export function isoInZone(zone: string): (at: Date) => string {
  const z = IANAZone.create(zone);
  const QUARTER = 900_000;
  const offsets = new Map<number, number | null>();
  return (at) => {
    const ms = at.getTime();
    const q = Math.floor(ms / QUARTER);
    let offset = offsets.get(q);
    if (offset === undefined) {
      const start = z.offset(q * QUARTER);
      offset = start === z.offset(q * QUARTER + QUARTER - 1) ? start : null;
      offsets.set(q, offset);
    }
    const minutes = offset ?? z.offset(ms);
    const local = new Date(Math.floor(ms / 1000) * 1000 + minutes * 60_000).toISOString().slice(0, 19);
    const abs = Math.abs(minutes);
    return `${local}${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  };
}

const CSV_OPTIONS = { quoted: true, quoted_empty: true, record_delimiter: 'windows' } as const;

export class ActivityExport {
  constructor(private readonly deps: { db: Db; access: AccessPolicy; customers: CustomerDirectory; batchRows?: number }) {}

  /**
   * The range as CSV, newest first, in chunks of about one cursor batch each. Checks first
   * (throws the view's refusals, ForbiddenError for a user without the role, RangeError for
   * a zone that is not an IANA zone); then the rows are read as the chunks are consumed.
   * For a Node stream: `Readable.from(await exportCsv(…))`. `progress.rows` counts the rows read so far.
   */
  async exportCsv(actor: Actor, req: ActivityExportRequest, progress: { rows: number } = { rows: 0 }): Promise<AsyncIterable<Buffer>> {
    const filter = await checkRequest(this.deps, actor, req.range, req.filter ?? {});
    if (!IANAZone.isValidZone(req.zone)) throw new RangeError(`not an IANA time zone: ${req.zone}`);
    const { where, params } = conditions(actor.partnerId, req.range, filter);
    // Before the cursor holds a connection: looking customers up while it does could wait for a
    // connection of the same pool (a full pool: every look-up timed out, every name blank).
    const customers = await this.customerNames(actor, where, params);
    return this.chunks(entriesSql(where), params, isoInZone(req.zone), progress, customers);
  }

  /**
   * The names and tenant ids of the customers the range names (a few hundred at most: one
   * look-up each, not one per row). A customer the directory no longer knows is left blank (its
   * id stays in its column); any other failure fails the export before its first byte.
   */
  private async customerNames(actor: Actor, where: readonly string[], params: readonly unknown[]): Promise<Map<string, { name: string; tenantId: string } | null>> {
    const { rows } = await this.deps.db.query<{ customer_id: string }>(
      `SELECT DISTINCT a.customer_id FROM activity_log a WHERE ${where.join(' AND ')} AND a.customer_id IS NOT NULL`,
      [...params],
    );
    return customersNamed(this.deps.customers, actor, rows.map((r) => r.customer_id));
  }

  private async *chunks(
    sql: string, params: unknown[], when: (at: Date) => string, progress: { rows: number },
    customers: Map<string, { name: string; tenantId: string } | null>,
  ): AsyncGenerator<Buffer> {
    yield Buffer.from(stringify([[...CSV_HEADER]], { ...CSV_OPTIONS, bom: true }), 'utf8');
    const client = await this.deps.db.connect();
    let failure: Error | undefined;
    // The connection may fail while the consumer holds a chunk and no read is under way (the server
    // ends it, the network drops): pg reports that as an 'error' event, which must not go unheard.
    const onError = (err: Error) => {
      failure ??= err;
    };
    client.on('error', onError);
    const cursor = client.query(new Cursor<EntryRow>(sql, params));
    try {
      for (;;) {
        if (failure) throw failure;
        const rows = await cursor.read(this.deps.batchRows ?? BATCH_ROWS);
        if (rows.length === 0) return;
        progress.rows += rows.length;
        yield Buffer.from(stringify(rows.map((r) => record(r, when, customers)), CSV_OPTIONS), 'utf8');
      }
    } catch (err) {
      failure ??= err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      // A discarded connection keeps its error listener: the broken socket may still report (EPIPE) while it is ended.
      if (failure) {
        // A connection that failed mid-read is discarded, not reused (and a failed cursor is not closed: it would wait forever).
        client.release(failure);
      } else {
        // The end, or an early stop that left the portal open: close it before the connection goes back to the pool.
        await cursor.close().then(
          () => {
            client.off('error', onError);
            client.release();
          },
          (err: unknown) => client.release(err instanceof Error ? err : true),
        );
      }
    }
  }
}

function record(r: EntryRow, when: (at: Date) => string, customers: Map<string, { name: string; tenantId: string } | null>): string[] {
  const user = r.user_id === null ? '' : (r.display_name ?? `user ${r.user_id}`);
  const userId = r.user_channel && r.user_external_id ? `${r.user_channel}:${r.user_external_id}` : '';
  const customer = r.customer_id ? customers.get(r.customer_id) : undefined;
  return [
    when(r.at), user, userId, r.ip ?? '', r.user_agent ?? '', r.event, r.outcome, customer?.name ?? '', customer?.tenantId ?? '', r.customer_id ?? '', r.order_id ?? '',
    r.line_number === null ? '' : String(r.line_number), r.product_id ?? '', r.title ?? '', r.link_id ?? '', r.detail ?? '',
  ].map(neutraliseFormula);
}
