/**
 * The activity log view and export (R13, issue 11) against the real Postgres: 1,000,000 key and
 * download events for one partner and as many for another over ~13 months (one INSERT … SELECT
 * … FROM generate_series each, then VACUUM and ANALYZE); then
 * - the plans (EXPLAIN (ANALYZE, BUFFERS), the second of two runs) of the statements
 *   ActivityQuery sends — captured as it sends them — for the first page, a page deep in the
 *   range (its keyset condition), each filter (a customer, a user, each kind; a user and a
 *   customer with no events in the range), and the summary of 30 days and of the whole range;
 * - ActivityQuery.page (25 rows) in this process, BENCH_ACTIVITY_ROUNDS rounds: the first page
 *   and a page deep in the range (its cursor taken after walking half the range, 100 rows a
 *   page) at 1 and 20 back-to-back callers on the bench's pool of 20; the first page at 20
 *   callers on pools of 10 (DATABASE_POOL_MAX's default) and 4; the floors at 20 callers (the
 *   page's statement alone, replayed through pg; prepared; without its LEFT JOINs; `SELECT 1`);
 *   and 20 users who each ask for the first page every 100 ms. Each row: latency, the time a
 *   statement waited for a pool connection (part of what the caller waits for), CPU ms per call
 *   of this process, of its Postgres backends and of the rest of the machine (/proc: other
 *   processes, other backends), how many of the cores were busy, and the p99 of this process's
 *   event-loop delay;
 * - the summary of the last 30 days and of the whole range, a page with each filter that has no
 *   events in the range, and the activity card's turn as dialogs/activity.ts shows a page (the
 *   summary and the page at once), 30 days, at 1 and 20 callers;
 * - ActivityExport.exportCsv of a quarter, half and all of the partner's rows, each in a process
 *   of its own (./activity-export-process.ts): seconds, its CPU, and its RSS at the start and at
 *   its peak.
 * Goal (issue 11): page p99 ≤ 20 ms at 20 callers; export ≤ 15 s with peak RSS ≤ 150 MB, growing
 * no faster than the row count.
 *
 * Env: BENCH_ACTIVITY_ROWS (default 1,000,000 per partner), BENCH_ACTIVITY_CALLS (default 200
 * per caller and row), BENCH_ACTIVITY_ROUNDS (default 5).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createPool, type Db } from '../services/db/pool.js';
import type { Actor } from '../services/access/roles.js';
import { AccessPolicy } from '../services/access/policy.js';
import { ActivityLog } from '../services/activity/activity-log.js';
import { ActivityQuery, conditions, type ActivityFilter, type ActivityRange } from '../services/activity/activity-query.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { CustomerDirectory } from '../services/customers/directory.js';
import { createCustomer, createPartner, type TestPartner } from '../test/commerce/factories.js';
import { actorOf } from '../test/purchase/fixtures.js';
import type { ExportMeasurement } from './activity-export-process.js';
import { machineBusyMs, processesCpuMs } from './cpu.js';
import { pooled, runBenchProcess, sleep, stat, type Stat } from './harness.js';

const ROWS = Number(process.env.BENCH_ACTIVITY_ROWS ?? 1_000_000);
const CALLS = Number(process.env.BENCH_ACTIVITY_CALLS ?? 200);
const ROUNDS = Number(process.env.BENCH_ACTIVITY_ROUNDS ?? 5);
const SPAN_DAYS = 395;
const USERS_PER_PARTNER = 20;
const CUSTOMERS_PER_PARTNER = 8;
/** The bench's pool (as the other parts'), and the ones compared with it at 20 callers: DATABASE_POOL_MAX's default (services/config.ts), and 2 per core. */
const POOL = 20;
const OTHER_POOLS = [10, 4];
/** The paced row: 20 users, each asking for a page every 100 ms (200 a second), 50 times. */
const PACED = { users: 20, everyMs: 100, times: 50 };
/** The parts of the partner's range exported, each in a process of its own. */
const EXPORT_FRACTIONS = [0.25, 0.5, 1];

/** CPU ms per call: this process, its Postgres backends, the rest of the machine; and the cores busy on average (of all processes). */
export interface CpuPerCall { self: number; postgres: number; rest: number; busyCores: number }

export interface RowSample { calls: number; perSecond: number; latency: Stat; poolWait: Stat; cpu: CpuPerCall | null; loopDelayP99: number }

export interface PageRow { name: string; poolMax: number; callers: string; rounds: RowSample[] }

export interface PlanRow {
  name: string;
  /** The scans of activity_log: node type and index. */
  scans: string;
  sort: boolean;
  /** Rows the scans of activity_log read: returned plus removed by a filter, over all loops. */
  rowsRead: number;
  sharedHit: number;
  sharedRead: number;
  planningMs: number;
  executionMs: number;
}

export interface OnceRow { name: string; callers: number; calls: number; latency: Stat }

export interface ExportRow extends ExportMeasurement { fraction: number }

export interface ActivityReport {
  rowsPerPartner: number;
  seedSeconds: number;
  /** Rows walked (100 a page) to reach the deep page's cursor, and how long that took. */
  deepOffset: number;
  walkSeconds: number;
  plans: PlanRow[];
  pages: PageRow[];
  once: OnceRow[];
  exports: ExportRow[];
}

/** A partner with its users and customers; then `rows` of its key and download events, newest `end`, one about every SPAN_DAYS·86400/rows seconds. */
async function seedPartner(db: Db, name: string, rows: number, end: Date): Promise<TestPartner> {
  const partner = await createPartner(db, name);
  const users = await db.query<{ id: string }>(
    `INSERT INTO users (partner_id, channel, external_id, display_name)
     SELECT $1::bigint, 'slack', 'UBENCH' || $1::bigint || 'X' || g, 'Bench user ' || g FROM generate_series(1, $2) g RETURNING id`,
    [partner.partnerId, USERS_PER_PARTNER - 1],
  );
  const userIds = [partner.userId, ...users.rows.map((r) => Number(r.id))];
  const customerIds: string[] = [];
  for (let i = 0; i < CUSTOMERS_PER_PARTNER; i++) {
    customerIds.push((await createCustomer(db, partner, { companyName: `${name} customer ${i}`, billingCountry: 'DE' })).id);
  }
  const stepSeconds = (SPAN_DAYS * 86_400) / rows;
  // 40 % key views, 25 % links issued, 35 % downloads (address and user agent, no chat user);
  // about 3 % refused (forbidden in chat; expired, used up or unknown link for downloads).
  await db.query(
    `INSERT INTO activity_log (at, partner_id, event, outcome, user_id, customer_id, order_id, line_number, product_id, ip, user_agent, detail)
     SELECT $1::timestamptz - make_interval(secs => g * $2::float8 + (g % 13)),
            $3, e.ev,
            CASE WHEN NOT e.refused THEN 'ok'
                 WHEN e.ev = 'download' THEN (ARRAY['expired', 'used_up', 'unknown'])[1 + g % 3]
                 ELSE 'forbidden' END,
            CASE WHEN e.ev = 'download' THEN NULL ELSE ($4::bigint[])[1 + (g / 3) % cardinality($4::bigint[])] END,
            ($5::uuid[])[1 + (g / 11) % cardinality($5::uuid[])],
            'B' || lpad(((g / 5) % 100000)::text, 9, '0'),
            1 + g % 3,
            (ARRAY['DG7GMGF0D7FV', 'CFQ7TTC0LH18', 'DG7GMGF0DVSV', 'CFQ7TTC0LF8Q'])[1 + (g / 7) % 4],
            CASE WHEN e.ev = 'download' THEN ('198.51.' || (g / 250) % 200 || '.' || (g % 250))::inet END,
            CASE WHEN e.ev = 'download' THEN (ARRAY[
              'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
              'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
              'curl/8.5.0',
              'Microsoft BITS/7.8'])[1 + g % 4] END,
            CASE WHEN e.refused THEN 'bench: refused' END
       FROM generate_series(1, $6::int) g,
            LATERAL (SELECT CASE WHEN g % 20 < 8 THEN 'key_view' WHEN g % 20 < 13 THEN 'link_issued' ELSE 'download' END AS ev,
                            (g::bigint * 7919) % 100 < 3 AS refused) e`,
    [end, stepSeconds, partner.partnerId, userIds, customerIds, rows],
  );
  return partner;
}

/** A statement as sent: its text and values. */
interface Sent { text: string; values: unknown[] }

/**
 * The pool as the services get it, with the time each statement waited for a connection
 * recorded (`waits`, emptied by the caller) — pg's own `pool.query` does the same: connect, query,
 * release — the last statement sent, and the Postgres backends (process ids) its connections
 * talk to, added to `backends`. Everything else is the pool's.
 */
function instrumented(pool: Db, backends: Set<number>): { db: Db; waits: number[]; last: () => Sent | null } {
  const waits: number[] = [];
  let last: Sent | null = null;
  const query = async (...args: unknown[]) => {
    const t = performance.now();
    const client = await pool.connect();
    waits.push(performance.now() - t);
    const backend = (client as unknown as { processID: number | null }).processID;
    if (backend !== null) backends.add(backend);
    // (text, values) or a query config ({ name, text, values }), as pg takes them.
    const config = typeof args[0] === 'string' ? { text: args[0], values: args[1] } : (args[0] as { text: string; values?: unknown });
    last = { text: config.text, values: Array.isArray(config.values) ? (config.values as unknown[]) : [] };
    try {
      const result: unknown = await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
      client.release();
      return result;
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      throw err;
    }
  };
  const db = new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') return query;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db, waits, last: () => last };
}

/** The Postgres backends of the bench's own connections (of every pool it measures through). */
const BACKENDS = new Set<number>();

/** Snapshot now; call the result after the row for its CPU per call ("rest": other processes, other Postgres backends and the autovacuum included). */
function cpuMeter(): (calls: number, seconds: number) => CpuPerCall | null {
  const self0 = process.cpuUsage();
  const pg0 = processesCpuMs(BACKENDS);
  const all0 = machineBusyMs();
  return (calls, seconds) => {
    const s = process.cpuUsage(self0);
    const pg1 = processesCpuMs(BACKENDS);
    const all1 = machineBusyMs();
    if (pg0 === null || pg1 === null || all0 === null || all1 === null || calls === 0) return null;
    const self = (s.user + s.system) / 1000;
    const postgres = pg1 - pg0;
    const all = all1 - all0;
    return { self: self / calls, postgres: postgres / calls, rest: Math.max(0, all - self - postgres) / calls, busyCores: all / 1000 / seconds };
  };
}

/** Starts measuring this process's event-loop delay; the result stops and gives its p99 in ms. */
function loopDelay(): () => number {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return () => {
    h.disable();
    return h.percentile(99) / 1e6;
  };
}

/** `callers` callers, each making `calls` calls back to back. */
async function backToBack(callers: number, calls: number, call: () => Promise<unknown>, waits: number[]): Promise<RowSample> {
  const times: number[] = [];
  waits.length = 0;
  const cpu = cpuMeter();
  const delay = loopDelay();
  const t0 = performance.now();
  await pooled(Array.from({ length: callers * calls }, (_, i) => i), callers, async () => {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  });
  const seconds = (performance.now() - t0) / 1000;
  return { calls: times.length, perSecond: times.length / seconds, latency: stat(times), poolWait: stat(waits), cpu: cpu(times.length, seconds), loopDelayP99: delay() };
}

/** `users` users, each calling every `everyMs` (staggered; a late call starts at once), `times` times. */
async function paced(users: number, everyMs: number, times: number, call: () => Promise<unknown>, waits: number[]): Promise<RowSample> {
  const latencies: number[] = [];
  waits.length = 0;
  const cpu = cpuMeter();
  const delay = loopDelay();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: users }, async (_, u) => {
    for (let k = 0; k < times; k++) {
      const due = t0 + (u * everyMs) / users + k * everyMs;
      const now = performance.now();
      if (due > now) await sleep(due - now);
      const t = performance.now();
      await call();
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { calls: latencies.length, perSecond: latencies.length / seconds, latency: stat(latencies), poolWait: stat(waits), cpu: cpu(latencies.length, seconds), loopDelayP99: delay() };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** EXPLAIN (ANALYZE, BUFFERS) of `sent`, the second of two runs (the first warms the caches): what the scans of activity_log did. */
async function explain(db: Db, name: string, sent: Sent): Promise<PlanRow> {
  const sql = `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sent.text}`;
  await db.query(sql, sent.values);
  const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }> }>(sql, sent.values);
  const top = rows[0]!['QUERY PLAN'][0]!;
  const scans = new Set<string>();
  let sort = false;
  let rowsRead = 0;
  const walk = (n: PlanNode) => {
    if (n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort') sort = true;
    if (n['Relation Name'] === 'activity_log' || n['Index Name']?.startsWith('activity_log')) {
      scans.add(`${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);
      if (n['Relation Name'] === 'activity_log') rowsRead += ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1);
    }
    for (const child of n.Plans ?? []) walk(child);
  };
  walk(top.Plan);
  return {
    name, scans: [...scans].join(' + '), sort, rowsRead: Math.round(rowsRead),
    sharedHit: top.Plan['Shared Hit Blocks'] ?? 0, sharedRead: top.Plan['Shared Read Blocks'] ?? 0,
    planningMs: top['Planning Time'], executionMs: top['Execution Time'],
  };
}

function services(db: Db): ActivityQuery {
  const activity = new ActivityLog(db);
  const access = new AccessPolicy({ activity });
  const customers = new CustomerDirectory({ commerce: new EmbeddedCommerceBackend(db), access });
  return new ActivityQuery({ db, access, customers });
}

export async function benchActivity(db: Db, opts: { databaseUrl: string; schema: string }): Promise<ActivityReport> {
  const end = new Date();
  const t0 = performance.now();
  const partner = await seedPartner(db, 'Activity bench partner', ROWS, end);
  await seedPartner(db, 'Activity bench other partner', ROWS, end);
  // VACUUM too, as the autovacuum would soon (a table of 2M fresh rows is due): not in the middle of a row, and the visibility map set as in a log that has been written for months.
  await db.query('VACUUM (ANALYZE) activity_log');
  await db.query('ANALYZE users');
  const seedSeconds = (performance.now() - t0) / 1000;
  // A user and a customer of the partner with no events at all: a filter on them reads the whole range to find nothing.
  const quietUserId = Number((await db.query<{ id: string }>(
    "INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, 'slack', 'UBENCHQUIET', 'Quiet bench user') RETURNING id", [partner.partnerId],
  )).rows[0]!.id);
  const quietCustomerId = (await createCustomer(db, partner, { companyName: 'Activity bench quiet customer', billingCountry: 'DE' })).id;
  const someCustomerId = (await db.query<{ customer_id: string }>('SELECT customer_id FROM activity_log WHERE partner_id = $1 AND customer_id IS NOT NULL LIMIT 1', [partner.partnerId])).rows[0]!.customer_id;

  const main = instrumented(db, BACKENDS);
  const query = services(main.db);
  const actor: Actor = actorOf(partner, ['account_admin']);
  const range: ActivityRange = { from: new Date(end.getTime() - (SPAN_DAYS + 1) * 86_400_000), to: new Date(end.getTime() + 1000) };
  const last30: ActivityRange = { from: new Date(end.getTime() - 30 * 86_400_000), to: range.to };

  // The deep page: its cursor after walking half the range, 100 rows a page (as a user paging on would get it).
  const deepOffset = Math.floor(ROWS / 2);
  const w0 = performance.now();
  let cursor: string | null = null;
  for (let walked = 0; walked < deepOffset;) {
    const page = await query.page(actor, { range, cursor, limit: 100 });
    walked += page.entries.length;
    cursor = page.next;
    if (!cursor) throw new Error(`the range ended after ${walked} rows`);
  }
  const walkSeconds = (performance.now() - w0) / 1000;
  const deepCursor = cursor;

  const first = () => query.page(actor, { range, limit: 25 });
  const deep = () => query.page(actor, { range, cursor: deepCursor, limit: 25 });
  const check = await first();
  const firstSent = main.last()!;
  if (check.entries.length !== 25 || (await deep()).entries.length !== 25) throw new Error('a page of fewer than 25 rows');

  // The plans of what the service sends.
  const plans: PlanRow[] = [];
  const planOf = async (name: string, run: () => Promise<unknown>) => {
    await run();
    plans.push(await explain(db, name, main.last()!));
  };
  const filtered = (filter: ActivityFilter) => () => query.page(actor, { range, filter, limit: 25 });
  await planOf('first page', first);
  await planOf('deep page', deep);
  await planOf('first page, customer', filtered({ customerId: someCustomerId }));
  await planOf('first page, user', filtered({ userId: partner.userId }));
  await planOf('first page, kind keys', filtered({ kind: 'keys' }));
  await planOf('first page, kind downloads', filtered({ kind: 'downloads' }));
  await planOf('first page, kind refusals', filtered({ kind: 'refusals' }));
  await planOf('first page, a user with no events', filtered({ userId: quietUserId }));
  await planOf('first page, a customer with no events', filtered({ customerId: quietCustomerId }));
  await planOf('summary, last 30 days', () => query.summary(actor, { range: last30 }));
  await planOf('summary, whole range', () => query.summary(actor, { range }));

  // Pages, ROUNDS rounds of every row (the rows of one round one after the other, so that a slow stretch of the machine shows as a slow round).
  const others = OTHER_POOLS.map((max) => {
    const pool = createPool({ url: opts.databaseUrl, schema: opts.schema, max, applicationName: `csp-desk-bench-pool-${max}` });
    const ins = instrumented(pool, BACKENDS);
    const q = services(ins.db);
    return { max, pool, ins, first: () => q.page(actor, { range, limit: 25 }) };
  });
  const pages = new Map<string, PageRow>();
  const record = (name: string, poolMax: number, callers: string, sample: RowSample) => {
    const key = `${name}|${poolMax}|${callers}`;
    if (!pages.has(key)) pages.set(key, { name, poolMax, callers, rounds: [] });
    pages.get(key)!.rounds.push(sample);
  };
  const deepName = `deep page (row ${deepOffset.toLocaleString('en')})`;
  // The floors: the first page's statement alone through pg, as sent; prepared (a named statement: parsed and planned once per connection); without its LEFT JOINs (users, purchase_lines: no display name, no product title).
  const bare = () => main.db.query(firstSent.text, firstSent.values);
  const prepared = () => main.db.query({ name: 'bench-activity-first-page', text: firstSent.text, values: firstSent.values });
  const plain = conditions(partner.partnerId, range, {});
  plain.params.push(26);
  const withoutJoinsSql = `SELECT a.id, a.at, a.event, a.outcome, a.user_id, host(a.ip) AS ip, a.user_agent, a.customer_id, a.order_id, a.line_number, a.product_id, a.detail
                             FROM activity_log a WHERE ${plain.where.join(' AND ')} ORDER BY a.at DESC, a.id DESC LIMIT $${plain.params.length}`;
  const withoutJoins = () => main.db.query(withoutJoinsSql, plain.params);
  const select1 = () => main.db.query('SELECT 1');
  try {
    // Warm-up: JIT, every pool's connections, their catalog caches, the buffers.
    await backToBack(20, 20, first, main.waits);
    await backToBack(20, 20, deep, main.waits);
    for (const floor of [bare, prepared, withoutJoins]) await backToBack(20, 20, floor, main.waits);
    for (const o of others) await backToBack(20, 20, o.first, o.ins.waits);
    for (let round = 0; round < ROUNDS; round++) {
      record('first page', POOL, '1', await backToBack(1, CALLS, first, main.waits));
      record(deepName, POOL, '1', await backToBack(1, CALLS, deep, main.waits));
      record('first page', POOL, '20', await backToBack(20, CALLS, first, main.waits));
      record(deepName, POOL, '20', await backToBack(20, CALLS, deep, main.waits));
      for (const o of others) record('first page', o.max, '20', await backToBack(20, CALLS, o.first, o.ins.waits));
      record('floor: the first page\'s statement alone (pg)', POOL, '20', await backToBack(20, CALLS, bare, main.waits));
      record('the same, prepared (a named statement)', POOL, '20', await backToBack(20, CALLS, prepared, main.waits));
      record('the same without its two LEFT JOINs', POOL, '20', await backToBack(20, CALLS, withoutJoins, main.waits));
      record('floor: SELECT 1 (pg)', POOL, '20', await backToBack(20, CALLS, select1, main.waits));
      record('first page', POOL, `${PACED.users}, each every ${PACED.everyMs} ms`, await paced(PACED.users, PACED.everyMs, PACED.times, first, main.waits));
    }
  } finally {
    for (const o of others) await o.pool.end();
  }

  // Once: the summaries, the filters with nothing to find, the card's turn.
  const once: OnceRow[] = [];
  const onceRow = async (name: string, callers: number, calls: number, call: () => Promise<unknown>) => {
    const r = await backToBack(callers, calls, call, main.waits);
    once.push({ name, callers, calls: r.calls, latency: r.latency });
  };
  await onceRow('summary, last 30 days', 1, 20, () => query.summary(actor, { range: last30 }));
  await onceRow('summary, whole range', 1, 5, () => query.summary(actor, { range }));
  await onceRow('first page, a user with no events', 1, 5, filtered({ userId: quietUserId }));
  await onceRow('first page, a customer with no events', 1, 5, filtered({ customerId: quietCustomerId }));
  const cardTurn = () => Promise.all([query.summary(actor, { range: last30 }), query.page(actor, { range: last30, limit: 25 })]);
  await onceRow('card turn: summary ∥ first page, last 30 days', 1, 20, cardTurn);
  await onceRow('card turn: summary ∥ first page, last 30 days', 20, 5, cardTurn);

  // The export, each range in a process of its own.
  const exports: ExportRow[] = [];
  for (const fraction of EXPORT_FRACTIONS) {
    const from = fraction === 1 ? range.from : new Date(end.getTime() - fraction * SPAN_DAYS * 86_400_000);
    const m = await runBenchProcess<ExportMeasurement>('activity export process', 'bench/activity-export-process.ts', [
      opts.databaseUrl, opts.schema, String(partner.partnerId), String(partner.userId), from.toISOString(), range.to.toISOString(),
    ]);
    exports.push({ ...m, fraction });
  }

  return { rowsPerPartner: ROWS, seedSeconds, deepOffset, walkSeconds, plans, pages: [...pages.values()], once, exports };
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const mb = (bytes: number) => bytes / 2 ** 20;
/** `min–max` of the rounds (one value: itself). */
function spread(values: number[], fmt: (x: number) => string): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return fmt(lo) === fmt(hi) ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`;
}
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

export function printActivity(r: ActivityReport): void {
  console.log(`\nActivity log view and export (R13), real Postgres: ${r.rowsPerPartner.toLocaleString('en')} rows for the partner and as many for another over ${SPAN_DAYS} days (seeded, vacuumed and analysed in ${r.seedSeconds.toFixed(1)} s); deep page's cursor: ${r.deepOffset.toLocaleString('en')} rows walked, 100 a page, in ${r.walkSeconds.toFixed(1)} s`);

  console.log('\nPlans of the statements ActivityQuery sends (EXPLAIN (ANALYZE, BUFFERS), the second of two runs):\n');
  console.log('| statement | scans of activity_log | Sort | rows read | buffers hit / read | planning ms | execution ms |\n|---|---|---|---:|---|---:|---:|');
  for (const p of r.plans) {
    console.log(`| ${p.name} | ${p.scans} | ${p.sort ? 'yes' : 'no'} | ${p.rowsRead.toLocaleString('en')} | ${p.sharedHit} / ${p.sharedRead} | ${f2(p.planningMs)} | ${f2(p.executionMs)} |`);
  }

  const rounds = r.pages[0]?.rounds.length ?? 0;
  console.log(`\nActivityQuery.page, 25 rows, in this process — ${rounds} rounds of each row, in the order run (a spread is min–max over the rounds); CPU ms per call of this process and its Postgres backends, median of the rounds; the rest of the machine's CPU ms per call, each round (what else ran):\n`);
  console.log('| what | pool | callers | calls | per s | p50 ms | p99 ms, each round | max ms | connection wait p99 ms | event-loop delay p99 ms | CPU ms per call: this process / its Postgres backends | rest of the machine, each round | busy cores |\n|---|---:|---|---:|---:|---:|---|---:|---:|---:|---|---|---:|');
  for (const p of r.pages) {
    const cpus = p.rounds.map((s) => s.cpu).filter((c): c is CpuPerCall => c !== null);
    const cpu = cpus.length > 0 ? `${f2(median(cpus.map((c) => c.self)))} / ${f2(median(cpus.map((c) => c.postgres)))}` : 'n/a';
    const rest = cpus.length > 0 ? cpus.map((c) => f2(c.rest)).join(' / ') : 'n/a';
    console.log(`| ${p.name} | ${p.poolMax} | ${p.callers} | ${p.rounds[0]?.calls ?? 0} | ${spread(p.rounds.map((s) => s.perSecond), (x) => x.toFixed(0))} | ${spread(p.rounds.map((s) => s.latency.p50), f2)} | ${p.rounds.map((s) => f1(s.latency.p99)).join(' / ')} | ${f1(Math.max(...p.rounds.map((s) => s.latency.max)))} | ${spread(p.rounds.map((s) => s.poolWait.p99), f2)} | ${spread(p.rounds.map((s) => s.loopDelayP99), f1)} | ${cpu} | ${rest} | ${cpus.length > 0 ? spread(cpus.map((c) => c.busyCores), f2) : 'n/a'} |`);
  }

  console.log('\nOnce each:\n');
  console.log('| what | callers | calls | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|');
  for (const o of r.once) console.log(`| ${o.name} | ${o.callers} | ${o.calls} | ${f1(o.latency.p50)} | ${f1(o.latency.p99)} | ${f1(o.latency.max)} |`);

  console.log('\nActivityExport.exportCsv → a sink that discards (counts bytes), each range in a process of its own (tsx, no --expose-gc); RSS and heap in MB:\n');
  console.log('| range | rows | MB of CSV | seconds | rows/s | CPU s: export process / its Postgres backends | RSS at start | max RSS at start | peak RSS (sampled) | max RSS at end | peak − start | heap at start → peak |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|');
  for (const e of r.exports) {
    const part = e.fraction === 1 ? 'all' : e.fraction === 0.5 ? 'half' : e.fraction === 0.25 ? 'a quarter' : `${e.fraction}`;
    console.log(`| ${part} | ${e.rows.toLocaleString('en')} | ${mb(e.bytes).toFixed(0)} | ${f2(e.seconds)} | ${(e.rows / e.seconds).toFixed(0)} | ${f1(e.cpuSeconds)} / ${e.backendCpuSeconds === null ? 'n/a' : f1(e.backendCpuSeconds)} | ${e.rssStartMb.toFixed(0)} | ${e.maxRssStartMb.toFixed(0)} | ${e.rssPeakMb.toFixed(0)} | ${e.maxRssEndMb.toFixed(0)} | ${(e.maxRssEndMb - e.rssStartMb).toFixed(0)} | ${e.heapStartMb.toFixed(0)} → ${e.heapPeakMb.toFixed(0)} |`);
  }
}
