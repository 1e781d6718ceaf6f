/**
 * The commerce port contract (./contract.ts) run against EmbeddedCommerceBackend on this
 * run's Postgres schema: the world is the demo catalog (services/seed/demo-catalog.ts) plus
 * two fresh partners, their customers, and one test product of its own that is priced in
 * Germany but only partly in the United Kingdom (the demo catalog prices every SKU in every
 * market it prices at all). Embedded-only behaviour stays in ./embedded.spec.ts.
 */
import { randomBytes } from 'node:crypto';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import type { SkuRef } from '../../services/commerce/types.js';
import type { Db } from '../../services/db/pool.js';
import { importFile } from '../../services/import.js';
import { DEMO_PRODUCTS } from '../../services/seed/demo-catalog.js';
import { R3_LIST_VERSION, SUSE_PLAN_1Y, VM_RESERVATION_1Y, WS_DATACENTER_1Y } from '../purchase/fixtures.js';
import { testDb } from '../support/db.js';
import { describeCommerceBackendContract, type ContractCountry, type ContractWorld } from './contract.js';
import { createCustomer, createPartner, ensureDemoData } from './factories.js';

/** A demo SKU with the quantity limits the demo catalog gives it. */
function demoSkuWithLimits(ref: SkuRef): SkuRef & { minQuantity: number; maxQuantity: number } {
  const sku = DEMO_PRODUCTS.find((p) => p.id === ref.productId)?.skus.find((s) => s.id === ref.skuId);
  if (!sku) throw new Error(`no demo SKU ${ref.productId}/${ref.skuId}`);
  return { ...ref, minQuantity: sku.min, maxQuantity: sku.max };
}

/** A product of its own (so no other test sees its prices move): SKU 0001 priced in DE and GB, SKU 0002 in DE only. */
async function createPartlySoldProduct(db: Db): Promise<ContractWorld['catalog']['partlySold']> {
  const productId = `ZC${randomBytes(5).toString('hex').toUpperCase()}`;
  const sku = (id: string, title: string) => ({ productId, id, title, term: 'P1Y' as const, billing: 'annual' as const, minQuantity: 1, maxQuantity: 100 });
  const price = (skuId: string, market: string, currency: string, unitPriceMinor: number) => ({ productId, skuId, market, currency, unitPriceMinor, effectiveFrom: '2020-01-01' });
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Contract test server ${productId}`, description: 'for the commerce port contract' }],
    skus: [sku('0001', 'Sold in GB – 1 year'), sku('0002', 'Not sold in GB – 1 year')],
    prices: [price('0001', 'DE', 'EUR', 10_000), price('0001', 'GB', 'GBP', 9_000), price('0002', 'DE', 'EUR', 20_000)],
  });
  return { soldInGb: { productId, skuId: '0001' }, notSoldInGb: { productId, skuId: '0002' } };
}

/** A server subscription product of its own whose cancellations end with `outcome` (products.demo_cancellation_outcome). */
async function createProductWhoseCancellations(db: Db, outcome: 'fails' | 'needs_information'): Promise<SkuRef> {
  const productId = `ZK${randomBytes(5).toString('hex').toUpperCase()}`;
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Contract test server (cancellation ${outcome}) ${productId}`, description: 'for the commerce port contract' }],
    skus: [{ productId, id: '0001', title: '1 year', term: 'P1Y', billing: 'annual', minQuantity: 1, maxQuantity: 100 }],
    prices: [{ productId, skuId: '0001', market: 'DE', currency: 'EUR', unitPriceMinor: 36_500, effectiveFrom: '2020-01-01' }],
  });
  await db.query('UPDATE products SET demo_cancellation_outcome = $2 WHERE id = $1', [productId, outcome]);
  return { productId, skuId: '0001' };
}

describeCommerceBackendContract('embedded (Postgres)', async () => {
  const db = testDb();
  let offsetMs = 0;
  const delayMs = 5 * 60_000;
  await ensureDemoData(db);
  const a = await createPartner(db, 'Contract partner A');
  const b = await createPartner(db, 'Contract partner B');
  const secondDomain = `contoso-${randomBytes(4).toString('hex')}.de`;
  let made = 0;
  const world: ContractWorld = {
    partnerA: { partnerId: a.partnerId, userId: a.userId },
    partnerB: { partnerId: b.partnerId, userId: b.userId },
    customersOfA: {
      de: { ...(await createCustomer(db, a, { companyName: 'Contoso GmbH', billingCountry: 'DE', domains: [secondDomain] })), secondDomain },
      gb: await createCustomer(db, a, { companyName: 'Contoso Pharmaceuticals Ltd', billingCountry: 'GB' }),
      ad: await createCustomer(db, a, { companyName: 'Alpine Ski House SLU', billingCountry: 'AD' }),
      au: await createCustomer(db, a, { companyName: 'Wingtip Toys Pty Ltd', billingCountry: 'AU' }),
    },
    sharedName: 'Contoso',
    customerOfB: await createCustomer(db, b, { companyName: 'Woodgrove Contoso AG', billingCountry: 'DE' }),
    async newCustomerOfA(country: ContractCountry, companyName?: string) {
      made += 1;
      return (await createCustomer(db, a, { companyName: companyName ?? `Fresh customer ${made} ${country}`, billingCountry: country })).id;
    },
    catalog: {
      serverSku: demoSkuWithLimits(WS_DATACENTER_1Y),
      reservationSku: VM_RESERVATION_1Y,
      softwarePlanSku: SUSE_PLAN_1Y,
      partlySold: await createPartlySoldProduct(db),
    },
    r3ListVersion: R3_LIST_VERSION,
    cancellation: {
      delayMs,
      advanceClock: (ms) => {
        offsetMs += ms;
      },
      failingSku: await createProductWhoseCancellations(db, 'fails'),
      needsInformationSku: await createProductWhoseCancellations(db, 'needs_information'),
      serverWindowDays: 60,
    },
  };
  const backend = new EmbeddedCommerceBackend(db, { now: () => new Date(Date.now() + offsetMs), cancellation: { delayMs, outcome: 'completes' } });
  return { backend, world };
});
