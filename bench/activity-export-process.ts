/**
 * The activity export (R13, issue 11) measured in a process of its own — bench/activity.ts
 * starts one per range, so each peak RSS is that export's alone and not the load generator's:
 * ActivityExport, on a pg pool of its own, exports one partner's range as CSV (zone
 * Europe/Berlin) into a sink that discards the chunks and counts their bytes and records.
 *
 * Reports on stdout, as `RESULT <json>` (ExportMeasurement), then exits: rows, bytes, seconds,
 * the CPU seconds of this process and of its Postgres backends; its RSS and heap at the start — after the imports, building
 * the services and opening the pool's connection, before the export — and at their peak during
 * it (sampled every 50 ms); and its max RSS from getrusage (`process.resourceUsage().maxRSS`, in
 * kB) at the start and at the end: the kernel's high-water mark, which also covers the imports
 * and any peak between two samples. No --expose-gc: the garbage collector runs as in the bot.
 *
 * argv: <databaseUrl> <schema> <partnerId> <userId> <from ISO> <to ISO>
 */
import { performance } from 'node:perf_hooks';
import type { Actor } from '../services/access/roles.js';
import { AccessPolicy } from '../services/access/policy.js';
import { ActivityLog } from '../services/activity/activity-log.js';
import { ActivityExport } from '../services/activity/activity-export.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { CustomerDirectory } from '../services/customers/directory.js';
import { createPool } from '../services/db/pool.js';
import { processesCpuMs } from './cpu.js';

export interface ExportMeasurement {
  rows: number;
  bytes: number;
  seconds: number;
  /** CPU seconds (user + system) during the export of this process, and of its pool's Postgres backends: the cursor's and the customer look-ups' (null without /proc). */
  cpuSeconds: number;
  backendCpuSeconds: number | null;
  rssStartMb: number;
  heapStartMb: number;
  /** getrusage's max RSS before the export: the imports' peak. */
  maxRssStartMb: number;
  /** The highest sample (every 50 ms) during the export. */
  rssPeakMb: number;
  heapPeakMb: number;
  /** getrusage's max RSS at the end: the process's peak, the export's included. */
  maxRssEndMb: number;
}

const mb = (bytes: number) => bytes / 2 ** 20;
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

async function main(): Promise<ExportMeasurement> {
  const [databaseUrl = '', schema = 'public', partnerId = '0', userId = '0', from = '', to = ''] = process.argv.slice(2);
  // As the bot's pool (DATABASE_POOL_MAX's default): the cursor holds one connection for the whole export, the customer look-ups take another.
  const db = createPool({ url: databaseUrl, schema, max: 10, applicationName: 'csp-desk-bench-export' });
  const backends = new Set<number>();
  db.on('connect', (client) => {
    const pid = (client as unknown as { processID: number | null }).processID;
    if (pid !== null) backends.add(pid);
  });
  try {
    const activity = new ActivityLog(db);
    const access = new AccessPolicy({ activity });
    const customers = new CustomerDirectory({ commerce: new EmbeddedCommerceBackend(db), access });
    const exporter = new ActivityExport({ db, access, customers });
    const actor: Actor = { userId: Number(userId), partnerId: Number(partnerId), channel: 'slack', externalId: 'UBENCH', displayName: 'Bench', roles: ['account_admin'], locale: 'en' };
    await db.query('SELECT 1'); // a connection opened

    const start = process.memoryUsage();
    const maxRssStartMb = maxRssMb();
    let rssPeak = start.rss;
    let heapPeak = start.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }, 50);
    let bytes = 0;
    let records = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const backend0 = processesCpuMs(backends);
    try {
      for await (const chunk of await exporter.exportCsv(actor, { range: { from: new Date(from), to: new Date(to) }, zone: 'Europe/Berlin' })) {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const backend1 = processesCpuMs(backends);
    const end = process.memoryUsage();
    return {
      rows: records - 1, bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6,
      backendCpuSeconds: backend0 === null || backend1 === null ? null : (backend1 - backend0) / 1000,
      rssStartMb: mb(start.rss), heapStartMb: mb(start.heapUsed), maxRssStartMb,
      rssPeakMb: mb(Math.max(rssPeak, end.rss)), heapPeakMb: mb(Math.max(heapPeak, end.heapUsed)), maxRssEndMb: maxRssMb(),
    };
  } finally {
    await db.end();
  }
}

main().then(
  (m) => {
    console.log(`RESULT ${JSON.stringify(m)}`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
