/**
 * The activity log view and export (R13, issue 11), in this process against the real Postgres:
 * 1,000,000 key and download events for one partner and as many for another over ~13 months
 * (one INSERT … SELECT … FROM generate_series each, then ANALYZE); then
 * - ActivityQuery.page (25 rows): the first page of the whole range, and a page deep in it
 *   (its cursor taken after walking half the range, 100 rows a page), p50/p99 at 1 and 20
 *   concurrent callers;
 * - ActivityQuery.summary of a 30-day range;
 * - ActivityExport.exportCsv of the whole range into a sink that counts bytes and records:
 *   seconds, and this process's RSS before and at its peak (sampled every 50 ms).
 * Goal (issue 11): page p99 ≤ 20 ms at 20 callers; export ≤ 15 s with peak RSS ≤ 150 MB.
 *
 * Env: BENCH_ACTIVITY_ROWS (default 1,000,000 per partner), BENCH_ACTIVITY_CALLS (default 200 per caller).
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../services/db/pool.js';
import type { Actor } from '../services/access/roles.js';
import { AccessPolicy } from '../services/access/policy.js';
import { ActivityLog } from '../services/activity/activity-log.js';
import { ActivityQuery, type ActivityRange } from '../services/activity/activity-query.js';
import { ActivityExport } from '../services/activity/activity-export.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { CustomerDirectory } from '../services/customers/directory.js';
import { createCustomer, createPartner, type TestPartner } from '../test/commerce/factories.js';
import { actorOf } from '../test/purchase/fixtures.js';
import { pooled, stat, type Stat } from './harness.js';

const ROWS = Number(process.env.BENCH_ACTIVITY_ROWS ?? 1_000_000);
const CALLS = Number(process.env.BENCH_ACTIVITY_CALLS ?? 200);
const SPAN_DAYS = 395;
const USERS_PER_PARTNER = 20;
const CUSTOMERS_PER_PARTNER = 8;

export interface PageRow { name: string; concurrency: number; calls: number; perSecond: number; latency: Stat }

export interface ActivityReport {
  rowsPerPartner: number;
  seedSeconds: number;
  /** Rows walked (100 a page) to reach the deep page's cursor, and how long that took. */
  deepOffset: number;
  walkSeconds: number;
  pages: PageRow[];
  summary30d: Stat;
  export: { rows: number; bytes: number; seconds: number; rssBeforeMb: number; rssPeakMb: number; heapPeakMb: number };
}

const mb = (bytes: number) => bytes / 2 ** 20;

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

async function latencies(concurrency: number, calls: number, call: () => Promise<unknown>): Promise<{ seconds: number; latency: Stat }> {
  const times: number[] = [];
  const t0 = performance.now();
  await pooled(Array.from({ length: concurrency * calls }, (_, i) => i), concurrency, async () => {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  });
  return { seconds: (performance.now() - t0) / 1000, latency: stat(times) };
}

export async function benchActivity(db: Db): Promise<ActivityReport> {
  const end = new Date();
  const t0 = performance.now();
  const partner = await seedPartner(db, 'Activity bench partner', ROWS, end);
  await seedPartner(db, 'Activity bench other partner', ROWS, end);
  await db.query('ANALYZE activity_log');
  await db.query('ANALYZE users');
  const seedSeconds = (performance.now() - t0) / 1000;

  const activity = new ActivityLog(db);
  const access = new AccessPolicy({ activity });
  const customers = new CustomerDirectory({ commerce: new EmbeddedCommerceBackend(db), access });
  const query = new ActivityQuery({ db, access, customers });
  const exporter = new ActivityExport({ db, access, customers });
  const actor: Actor = actorOf(partner, ['account_admin']);
  const range: ActivityRange = { from: new Date(end.getTime() - (SPAN_DAYS + 1) * 86_400_000), to: new Date(end.getTime() + 1000) };

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
  if (check.entries.length !== 25 || (await deep()).entries.length !== 25) throw new Error('a page of fewer than 25 rows');

  await latencies(20, 20, first); // warm-up: JIT, pool connections, buffers
  await latencies(20, 20, deep);
  const pages: PageRow[] = [];
  for (const concurrency of [1, 20]) {
    for (const [name, call] of [['first page', first], ['deep page (row ' + deepOffset.toLocaleString('en') + ')', deep]] as const) {
      const r = await latencies(concurrency, CALLS, call);
      pages.push({ name, concurrency, calls: concurrency * CALLS, perSecond: (concurrency * CALLS) / r.seconds, latency: r.latency });
    }
  }

  const last30: ActivityRange = { from: new Date(end.getTime() - 30 * 86_400_000), to: range.to };
  const summary30d = (await latencies(1, 20, () => query.summary(actor, { range: last30 }))).latency;

  // The export of the whole range into a counting sink; RSS sampled every 50 ms.
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 50);
  let bytes = 0;
  let records = 0;
  const e0 = performance.now();
  try {
    for await (const chunk of await exporter.exportCsv(actor, { range, zone: 'Europe/Berlin' })) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
    }
  } finally {
    clearInterval(sampler);
  }
  const exportSeconds = (performance.now() - e0) / 1000;
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);

  return {
    rowsPerPartner: ROWS, seedSeconds, deepOffset, walkSeconds, pages, summary30d,
    export: { rows: records - 1, bytes, seconds: exportSeconds, rssBeforeMb: mb(rssBefore), rssPeakMb: mb(rssPeak), heapPeakMb: mb(heapPeak) },
  };
}

export function printActivity(r: ActivityReport): void {
  console.log(`\nActivity log view and export (R13), in-process, real Postgres (pool of 20): ${r.rowsPerPartner.toLocaleString('en')} rows for the partner and as many for another over ${SPAN_DAYS} days (seeded and analysed in ${r.seedSeconds.toFixed(1)} s); ActivityQuery.page, 25 rows\n`);
  console.log('| what | concurrent callers | calls | per s | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|');
  for (const p of r.pages) {
    console.log(`| ${p.name} | ${p.concurrency} | ${p.calls} | ${p.perSecond.toFixed(0)} | ${p.latency.p50.toFixed(2)} | ${p.latency.p99.toFixed(2)} | ${p.latency.max.toFixed(2)} |`);
  }
  console.log(`| summary, last 30 days | 1 | 20 | — | ${r.summary30d.p50.toFixed(2)} | ${r.summary30d.p99.toFixed(2)} | ${r.summary30d.max.toFixed(2)} |`);
  console.log(`\ndeep page's cursor: ${r.deepOffset.toLocaleString('en')} rows walked, 100 a page, in ${r.walkSeconds.toFixed(1)} s`);
  const e = r.export;
  console.log('\n| export (CSV, whole range) | rows | MB | seconds | rows/s | RSS before MB | peak RSS MB | peak heap MB |\n|---|---:|---:|---:|---:|---:|---:|---:|');
  console.log(`| ActivityExport.exportCsv → counting sink | ${e.rows} | ${mb(e.bytes).toFixed(0)} | ${e.seconds.toFixed(2)} | ${(e.rows / e.seconds).toFixed(0)} | ${e.rssBeforeMb.toFixed(0)} | ${e.rssPeakMb.toFixed(0)} | ${e.heapPeakMb.toFixed(0)} |`);
}
