/**
 * Download-link redemptions (R10) at 200 concurrent clients against real Postgres:
 *
 * - `floor`: a bare loop of the same single-row `UPDATE download_links … RETURNING`
 *   through `pg` (what the database alone can do);
 * - `service`: SoftwareService.redeem — the one statement that checks every limit, counts
 *   the download and writes its activity row (R12), plus building the answer;
 * - `http`: GET /downloads/<token> on the bot server (its own process), file included.
 *
 * Every link allows 50 downloads (R10); the clients take redemptions round-robin over
 * enough links that every one succeeds. Memory: the service row redeems 100k times and
 * samples the heap every 10k (after a GC when --expose-gc is on).
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Db } from '../services/db/pool.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { ActivityLog } from '../services/activity/activity-log.js';
import { AccessPolicy } from '../services/access/policy.js';
import { CustomerDirectory } from '../services/customers/directory.js';
import { SoftwareService } from '../services/software/software-service.js';
import { createKeyCipher } from '../services/software/key-crypto.js';
import { LINK_MAX_DOWNLOADS } from '../services/software/types.js';

export interface DownloadResult {
  name: string;
  redemptions: number;
  seconds: number;
  p50: number;
  p99: number;
  heapMb: number[];
}

const CONCURRENCY = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** `count` fresh links (max 50 downloads, two weeks) on one purchase (the ledger) with downloads; their tokens. */
async function createLinks(db: Db, count: number): Promise<string[]> {
  const { rows } = await db.query<{ order_id: string; line_number: number; product_id: string; partner_id: string; customer_id: string; variant_id: string }>(
    `SELECT p.order_id, l.line_number, l.product_id, p.partner_id, p.customer_id, v.id AS variant_id
       FROM purchases p JOIN purchase_lines l ON l.partner_id = p.partner_id AND l.order_id = p.order_id
       JOIN software_variants v ON v.product_id = l.product_id
      LIMIT 1`,
  );
  const o = rows[0];
  if (!o) throw new Error('no order with downloads to attach links to');
  const tokens = Array.from({ length: count }, () => randomBytes(32).toString('base64url'));
  const now = new Date();
  for (let i = 0; i < tokens.length; i += 1000) {
    const chunk = tokens.slice(i, i + 1000);
    await db.query(
      `INSERT INTO download_links (token_hash, partner_id, customer_id, order_id, line_number, product_id, variant_id, created_at, expires_at, max_downloads)
       SELECT h, $2, $3, $4, $5, $6, $7, $8, $8::timestamptz + interval '14 days', $9 FROM unnest($1::bytea[]) AS h`,
      [chunk.map((t) => createHash('sha256').update(t).digest()), o.partner_id, o.customer_id, o.order_id, o.line_number, o.product_id, o.variant_id, now, LINK_MAX_DOWNLOADS],
    );
  }
  return tokens;
}

/** Run `total` operations from CONCURRENCY clients; op(i) gets the i-th redemption. */
async function drive(name: string, total: number, op: (i: number) => Promise<void>, sampleHeap = false): Promise<DownloadResult> {
  const latencies: number[] = new Array<number>(total);
  const heapMb: number[] = [];
  let next = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = process.hrtime.bigint();
        await op(i);
        latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
        if (sampleHeap && i % 10_000 === 0) {
          gc?.();
          heapMb.push(process.memoryUsage().heapUsed / 2 ** 20);
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latencies.slice().sort((a, b) => a - b);
  return { name, redemptions: total, seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), heapMb };
}

export async function benchDownloads(db: Db, opts: { botUrl: string; redemptions: number }): Promise<DownloadResult[]> {
  const perRun = opts.redemptions;
  const linksFor = (n: number) => Math.ceil(n / LINK_MAX_DOWNLOADS);
  const results: DownloadResult[] = [];

  // The floor: the same single-row UPDATE … RETURNING, nothing else.
  const floorTokens = await createLinks(db, linksFor(perRun));
  const floorHashes = floorTokens.map((t) => createHash('sha256').update(t).digest());
  results.push(await drive('bare UPDATE … RETURNING (floor)', perRun, async (i) => {
    // Named (planned once per connection), as the service's statement is: the fair floor.
    const { rowCount } = await db.query({
      name: 'bench.floor',
      text: `UPDATE download_links SET download_count = download_count + 1
              WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND download_count < max_downloads
              RETURNING id, download_count`,
      values: [floorHashes[i % floorHashes.length], new Date()],
    });
    if (rowCount !== 1) throw new Error('floor redemption failed');
  }));

  const activity = new ActivityLog(db);
  const customers = new CustomerDirectory({ commerce: new EmbeddedCommerceBackend(db), access: new AccessPolicy({ activity }) });
  const service = new SoftwareService({ db, customers, activity, cipher: createKeyCipher(randomBytes(32)), publicUrl: 'http://127.0.0.1' });
  const serviceTokens = await createLinks(db, linksFor(perRun));
  results.push(await drive('SoftwareService.redeem (count + activity row)', perRun, async (i) => {
    const r = await service.redeem(serviceTokens[i % serviceTokens.length]!, { ip: '127.0.0.1', userAgent: 'bench' });
    if (r.status !== 'ok') throw new Error(`redemption ${r.status}`);
  }, true));

  const httpTokens = await createLinks(db, linksFor(perRun / 4));
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const get = (token: string) =>
    new Promise<void>((resolve, reject) => {
      http.get(`${opts.botUrl}/downloads/${token}`, { agent, headers: { 'user-agent': 'bench' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      }).on('error', reject);
    });
  results.push(await drive('GET /downloads/<token> (bot server, file served)', Math.floor(perRun / 4), (i) => get(httpTokens[i % httpTokens.length]!)));
  agent.destroy();
  return results;
}
