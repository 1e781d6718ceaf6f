/**
 * The purchase on the Partner Center backend (services/partner-center/backend.ts) against the
 * local fake Partner Center (test/fakes/partner-center.ts) with PC_LATENCY_MS (default 150) added
 * to every call (a script that answers only a delay: the route's own answer, late), and a
 * stand-in catalog whose availability read also waits PC_LATENCY_MS (it stands for one Partner
 * Center round trip), as test/partner-center/backend.spec.ts builds it; real Postgres (the
 * bench's schema).
 *
 * At 1 and 50 concurrent conversations, for BENCH_PC_SECONDS (default 10) or BENCH_PC_PURCHASES
 * purchases per row, whichever comes first: each conversation is a customer of its own (fresh
 * in the fake, not cached) that buys BENCH_PC_PER_CUSTOMER (default 5) times in a row, each with
 * a fresh idempotency key, then the next customer. createOrder's latency and the Partner Center
 * round trips per purchase (fake calls with the customer's id in the path, plus availability
 * reads), split into the customer's first purchase (customer not cached) and later ones. Then the
 * customer-offers step (customerOffers) on a cached customer, at the same concurrency.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Db } from '../services/db/pool.js';
import type { SkuRef } from '../services/commerce/types.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { importFile } from '../services/import.js';
import { PartnerCenterCommerceBackend, type PartnerCenterCatalogReads } from '../services/partner-center/backend.js';
import { PartnerCenterHttp } from '../services/partner-center/http.js';
import { startFakePartnerCenter } from '../test/fakes/partner-center.js';
import { sleep, stat, type Stat } from './harness.js';

const LATENCY = Number(process.env.PC_LATENCY_MS ?? 150);
const SECONDS = Number(process.env.BENCH_PC_SECONDS ?? 10);
const MAX_PURCHASES = Number(process.env.BENCH_PC_PURCHASES ?? Infinity);
const PER_CUSTOMER = Number(process.env.BENCH_PC_PER_CUSTOMER ?? 5);
const OFFERS_SECONDS = Number(process.env.BENCH_PC_OFFERS_SECONDS ?? 3);

interface Kind { n: number; latency: Stat; calls: number; availability: number; byKind: Record<string, number> }
interface PcRow { concurrency: number; purchases: number; seconds: number; all: Stat; first: Kind; later: Kind; review: Kind; confirm: Kind; offers: Kind }
export interface PartnerCenterReport { latencyMs: number; rows: PcRow[] }

interface Sample { ms: number; calls: number; availability: number; kinds: string[] }

function summarize(samples: Sample[]): Kind {
  const byKind: Record<string, number> = {};
  for (const s of samples) for (const k of s.kinds) byKind[k] = (byKind[k] ?? 0) + 1 / samples.length;
  const avg = (f: (s: Sample) => number) => (samples.length === 0 ? NaN : samples.reduce((a, s) => a + f(s), 0) / samples.length);
  return { n: samples.length, latency: stat(samples.map((s) => s.ms)), calls: avg((s) => s.calls), availability: avg((s) => s.availability), byKind };
}

export async function benchPartnerCenter(db: Db, opts: { concurrencies?: number[] } = {}): Promise<PartnerCenterReport> {
  const fake = await startFakePartnerCenter();
  // Partner Center calls per customer (the tenant id in the path), and their route names.
  const callsOf = new Map<string, string[]>();
  const availabilityOf = new Map<string, number>();
  fake.script((call) => {
    const id = /\/customers\/([0-9a-f-]{36})/i.exec(call.path)?.[1]?.toLowerCase();
    if (id) {
      const list = callsOf.get(id) ?? [];
      list.push(call.kind);
      callsOf.set(id, list);
    }
    return { delayMs: LATENCY };
  });

  const ref = `slack:T${randomBytes(5).toString('hex').toUpperCase()}`;
  await importFile(db, { partners: [{ name: 'Bench Partner Center', channels: [ref] }] });
  const partnerId = Number((await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = $1", [ref.slice(6)])).rows[0]!.partner_id);
  const userId = Number((await db.query<{ id: string }>("INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, 'slack', $2, 'Bench') RETURNING id", [partnerId, `U${randomBytes(5).toString('hex').toUpperCase()}`])).rows[0]!.id);
  const productId = `PC${randomBytes(5).toString('hex').toUpperCase()}`;
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Windows Server bench ${productId}`, description: 'bench/partner-center.ts' }],
    skus: [{ productId, id: '0001', title: '1 year', term: 'P1Y', billing: 'annual', minQuantity: 1, maxQuantity: 10 }],
    prices: [{ productId, skuId: '0001', market: 'DE', currency: 'EUR', unitPriceMinor: 36_500, effectiveFrom: '2020-01-01' }],
  });
  const sku: SkuRef = { productId, skuId: '0001' };

  const catalog: PartnerCenterCatalogReads = {
    readAvailability: async (customer, r) => {
      availabilityOf.set(customer.toLowerCase(), (availabilityOf.get(customer.toLowerCase()) ?? 0) + 1);
      await sleep(LATENCY);
      return { catalogItemId: `${r.productId}:${r.skuId}:DZH318XZXVNF`, isPurchasable: true };
    },
    prerequisitesOf: () => Promise.resolve([]),
  };
  const http = new PartnerCenterHttp({ baseUrl: fake.url, tokens: { accessToken: () => Promise.resolve('bench-access-token') }, timeoutMs: 30_000 });
  const backend = new PartnerCenterCommerceBackend({ http, db, partnerId, tables: new EmbeddedCommerceBackend(db), catalog });

  /** Run `fn` on the customer and return what it cost. */
  async function measured(customerId: string, fn: () => Promise<unknown>): Promise<Sample> {
    const c0 = callsOf.get(customerId)?.length ?? 0;
    const a0 = availabilityOf.get(customerId) ?? 0;
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    const kinds = (callsOf.get(customerId) ?? []).slice(c0);
    return { ms, calls: kinds.length, availability: (availabilityOf.get(customerId) ?? 0) - a0, kinds };
  }

  const newCustomer = () => fake.addCustomer({ companyName: `Bench ${randomUUID().slice(0, 8)} GmbH`, country: 'DE' }).id.toLowerCase();

  async function row(concurrency: number, seconds: number, maxPurchases: number): Promise<PcRow> {
    const first: Sample[] = [];
    const later: Sample[] = [];
    // As the buy dialog does it: the review turn prepares (availability + cart), the confirm turn checks out.
    const review: Sample[] = [];
    const confirm: Sample[] = [];
    const customers: string[] = [];
    let started = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && started < maxPurchases) {
        const customerId = newCustomer();
        customers.push(customerId);
        for (let i = 0; i < PER_CUSTOMER && performance.now() < deadline && started < maxPurchases; i++) {
          started++;
          const req = { customerId, createdBy: userId, lines: [{ ...sku, quantity: 2 }], idempotencyKey: `bench-${randomUUID()}` };
          if (i % 2 === 1) {
            review.push(await measured(customerId, () => backend.prepareOrder(partnerId, req)));
          }
          const s = await measured(customerId, async () => {
            const r = await backend.createOrder(partnerId, req);
            if (!r.created) throw new Error('not created');
          });
          (i === 0 ? first : i % 2 === 1 ? confirm : later).push(s);
        }
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    // The customer-offers step on cached customers (each conversation's last), same concurrency.
    const offers: Sample[] = [];
    const offersDeadline = performance.now() + OFFERS_SECONDS * 1000;
    await Promise.all(customers.slice(-concurrency).map(async (customerId) => {
      while (performance.now() < offersDeadline) {
        offers.push(await measured(customerId, async () => {
          const o = await backend.customerOffers(partnerId, customerId, { productId });
          if (!o?.offers.length) throw new Error('no offers');
        }));
      }
    }));
    return {
      concurrency, purchases: first.length + later.length + confirm.length, seconds: elapsed, all: stat([...first, ...later, ...confirm].map((s) => s.ms)),
      first: summarize(first), later: summarize(later), review: summarize(review), confirm: summarize(confirm), offers: summarize(offers),
    };
  }

  const rows: PcRow[] = [];
  try {
    await row(10, 2, Infinity); // warm-up (JIT, pool connections, keep-alive sockets), not recorded
    for (const c of opts.concurrencies ?? [1, 50]) rows.push(await row(c, SECONDS, MAX_PURCHASES));
  } finally {
    fake.script(undefined);
    await fake.close();
  }
  return { latencyMs: LATENCY, rows };
}

export function printPartnerCenter(report: PartnerCenterReport): void {
  console.log(`\nPartner Center backend purchase (createOrder) against the fake Partner Center, +${report.latencyMs} ms per call (availability read too), real Postgres; `
    + `a conversation = a fresh customer buying ${PER_CUSTOMER} times in a row (fresh idempotency keys); ${SECONDS} s per row. PC calls = fake calls + availability reads, per purchase.\n`);
  console.log('| what | concurrency | n | purchases/s | p50 ms | p99 ms | PC calls per op | of which |\n|---|---:|---:|---:|---:|---:|---:|---|');
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
  for (const r of report.rows) {
    const line = (what: string, k: Kind, rate: string) => {
      const kinds = Object.entries(k.byKind).map(([n, v]) => `${n} ${v.toFixed(2)}`).concat([`availability ${k.availability.toFixed(2)}`]).join(', ');
      console.log(`| ${what} | ${r.concurrency} | ${k.n} | ${rate} | ${f(k.latency.p50)} | ${f(k.latency.p99)} | ${(k.calls + k.availability).toFixed(2)} | ${kinds} |`);
    };
    console.log(`| createOrder, all | ${r.concurrency} | ${r.purchases} | ${(r.purchases / r.seconds).toFixed(1)} | ${f(r.all.p50)} | ${f(r.all.p99)} | | |`);
    line('createOrder, first of customer (not cached)', r.first, '');
    line('createOrder, later (customer cached)', r.later, '');
    line('review turn: prepareOrder (availability + cart)', r.review, '');
    line('confirm turn after the review: createOrder (checkout)', r.confirm, '');
    line('customerOffers (customer cached)', r.offers, '');
  }
}
