/**
 * The commerce port contract (./contract.ts) run against PartnerCenterCommerceBackend
 * (services/partner-center/backend.ts) on the local fake Partner Center (test/fakes/partner-center.ts),
 * so that both backends keep one behaviour. The world:
 * - partner A is the backend's partner (the Partner Center account its tokens open); its customers
 *   are the fake's. Partner B is another partner of the bot: this instance answers it as if
 *   nothing existed, and B's customer is a tenant the fake answers 403 for (another partner's).
 * - The catalog tables are Partner Center's cached catalog (as services/partner-center/catalog.ts
 *   leaves them): the demo catalog plus products of this spec's own, imported. At purchase time
 *   the backend reads availabilities with the real PartnerCenterCatalog from `fake.catalog`,
 *   seeded with the SKUs the tables price, per market — rather than a stand-in as in
 *   test/partner-center/backend.spec.ts — so that the contract's purchases go through the same
 *   code as in production: the customer-scoped availability read, its term, the catalogItemId
 *   in the cart.
 * - Partner Center's side of the orders a checkout made (their currency, cancelling them) runs on
 *   the world's clock, the backend's `now`: `partnerCenterOrders` below.
 * What Partner Center does otherwise by design is named in PARTNER_CENTER_DIFFERENCES.
 */
import { randomBytes } from 'node:crypto';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import type { ProductKind, SkuRef } from '../../services/commerce/types.js';
import type { Db } from '../../services/db/pool.js';
import { importFile } from '../../services/import.js';
import { PartnerCenterCommerceBackend } from '../../services/partner-center/backend.js';
import { PartnerCenterCatalog } from '../../services/partner-center/catalog.js';
import { DEMO_PRODUCTS } from '../../services/seed/demo-catalog.js';
import {
  cancellationRefusals,
  partnerCenterReplies,
  startFakePartnerCenter,
  type FakeCancellationMode,
  type FakeOrderCancellation,
  type FakePartnerCenter,
  fakePartnerCenterClient,
} from '../fakes/partner-center.js';
import { R3_LIST_VERSION, SUSE_PLAN_1Y, VM_RESERVATION_1Y, WS_DATACENTER_1Y } from '../purchase/fixtures.js';
import { testDb } from '../support/db.js';
import { describeCommerceBackendContract, type ContractCountry, type ContractCustomer, type ContractDifferences, type ContractWorld } from './contract.js';
import { createPartner, ensureDemoData } from './factories.js';

const DAY_MS = 86_400_000;
const MARKETS: readonly ContractCountry[] = ['DE', 'GB', 'AD', 'AU'];

/** Where Partner Center behaves otherwise by design; each is documented where the backend does it. */
const PARTNER_CENTER_DIFFERENCES: ContractDifferences = {
  // services/partner-center/customers.ts: Partner Center's filter is starts_with, on companyProfile.domain only.
  nameSearch: 'prefix',
  domainSearch: 'primary',
  // services/partner-center/customers.ts (`cached`): a customer answered from the cache has only its primary domain.
  domains: 'primary_when_cached',
  // services/partner-center/cancellations.ts: order ids are Partner Center's, case-sensitive.
  orderIdCase: 'sensitive',
  // checkout-a-cart.md (test/fakes/partner-center.ts): a checkout answers its order pending; it reads completed later.
  orderStatus: 'moves_on',
  // services/partner-center/backend.ts: one instance serves the one partner whose account its tokens open.
  otherPartners: 'nothing',
  // services/partner-center/cancellations.ts: Partner Center refuses when asked (the PATCH's 4xx); needs_information never comes.
  cancellationFailure: 'at_request',
  needsInformation: false,
};

/** The targetView that lists a product of this kind (services/partner-center/catalog.ts, CATALOG_VIEWS). */
const TARGET_VIEW: Record<ProductKind, string> = {
  perpetual_software: 'SoftwarePerpetual',
  server_subscription: 'SoftwareSubscriptions',
  software_plan: 'SoftwareSUSELinux',
  azure_reservation: 'AzureReservations',
};

/** A demo SKU with the quantity limits the demo catalog gives it. */
function demoSkuWithLimits(ref: SkuRef): SkuRef & { minQuantity: number; maxQuantity: number } {
  const sku = DEMO_PRODUCTS.find((p) => p.id === ref.productId)?.skus.find((s) => s.id === ref.skuId);
  if (!sku) throw new Error(`no demo SKU ${ref.productId}/${ref.skuId}`);
  return { ...ref, minQuantity: sku.min, maxQuantity: sku.max };
}

/** A product of its own: SKU 0001 priced in DE and GB, SKU 0002 in DE only. */
async function createPartlySoldProduct(db: Db): Promise<ContractWorld['catalog']['partlySold']> {
  const productId = `ZP${randomBytes(5).toString('hex').toUpperCase()}`;
  const sku = (id: string, title: string) => ({ productId, id, title, term: 'P1Y' as const, billing: 'annual' as const, minQuantity: 1, maxQuantity: 100 });
  const price = (skuId: string, market: string, currency: string, unitPriceMinor: number) => ({ productId, skuId, market, currency, unitPriceMinor, effectiveFrom: '2020-01-01' });
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Contract test server ${productId}`, description: 'for the commerce port contract on Partner Center' }],
    skus: [sku('0001', 'Sold in GB – 1 year'), sku('0002', 'Not sold in GB – 1 year')],
    prices: [price('0001', 'DE', 'EUR', 10_000), price('0001', 'GB', 'GBP', 9_000), price('0002', 'DE', 'EUR', 20_000)],
  });
  return { soldInGb: { productId, skuId: '0001' }, notSoldInGb: { productId, skuId: '0002' } };
}

/** A server subscription product of its own, priced in Germany (its cancellations are refused: `partnerCenterOrders`). */
async function createServerProduct(db: Db, what: string): Promise<SkuRef> {
  const productId = `ZQ${randomBytes(5).toString('hex').toUpperCase()}`;
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Contract test server (${what}) ${productId}`, description: 'for the commerce port contract on Partner Center' }],
    skus: [{ productId, id: '0001', title: '1 year', term: 'P1Y', billing: 'annual', minQuantity: 1, maxQuantity: 100 }],
    prices: [{ productId, skuId: '0001', market: 'DE', currency: 'EUR', unitPriceMinor: 36_500, effectiveFrom: '2020-01-01' }],
  });
  return { productId, skuId: '0001' };
}

/**
 * Lists the products in `fake.catalog` as the cached catalog has them: each SKU sold (purchasable)
 * in the contract's markets where the tables price it, for the term and billing the tables say —
 * what a refresh of those markets would have read from Partner Center.
 */
async function listInFakeCatalog(fake: FakePartnerCenter, tables: EmbeddedCommerceBackend, productIds: string[]): Promise<void> {
  for (const productId of new Set(productIds)) {
    const product = await tables.getProduct(productId);
    if (!product) throw new Error(`no product ${productId} in the catalog tables`);
    const skus = [];
    for (const s of product.skus) {
      const priced = await Promise.all(MARKETS.map(async (cc) => ((await tables.getSkuInMarket(s, cc))?.price ? [cc] : [])));
      skus.push({
        id: s.skuId, title: s.title, minimumQuantity: s.minQuantity, maximumQuantity: s.maxQuantity,
        supportedBillingCycles: [s.billing], terms: s.term === 'one_time' ? [] : [s.term], countries: priced.flat(),
      });
    }
    fake.catalog.addProduct({ id: product.id, title: product.title, description: product.description, publisherName: product.publisher, targetView: TARGET_VIEW[product.kind], countries: [...MARKETS], skus });
  }
}

/**
 * Partner Center's side of the orders a checkout made, on the world's clock. The fake answers
 * every order in USD, decides a PATCH by the order's mode (fake.cancellationMode) and finishes a
 * pending cancellation after a number of reads, not after a time; so this, run before every
 * request the fake answers and whenever the clock moves:
 * - gives every order a checkout made the currency of its customer's market (as Partner Center
 *   does) and its mode: a software plan's PATCH is refused 800019 (Partner Center cancels only
 *   software subscriptions and perpetual software); a `failing` product's first PATCH is refused
 *   with a code the backend has no refusal for, later ones accepted; any other is accepted and
 *   left pending (its reads never finish it);
 * - refuses a PATCH 900117 once `windowDays` have passed on the world's clock since the order was
 *   made (Partner Center decides the window, with its own clock);
 * - finishes an accepted cancellation (its lines at quantity 0, as the fake would) `delayMs` after
 *   it was accepted, whether anybody reads the order or not. (The fake still counts it pending, so
 *   a PATCH of its other lines would be 409 800014; the contract always cancels every line.)
 * The fake stamps orders with the real time; the world's time of an order is that plus the
 * clock's offset when it was made.
 */
function partnerCenterOrders(
  fake: FakePartnerCenter,
  opts: { currencyOf: (customerId: string) => string; delayMs: number; windowDays: number; notCancellable: SkuRef; failing: SkuRef },
) {
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  const madeAt = new Map<string, number>();
  const acceptedAt = new Map<FakeOrderCancellation, number>();
  const refusedOnce = new Set<string>();
  const failingOrders = new Set<string>();
  const pending: FakeCancellationMode = { mode: 'pending', reads: Number.MAX_SAFE_INTEGER };
  const productsOf = (offerIds: string[]) => offerIds.map((id) => id.split(':')[0]!.toUpperCase());

  function notice(): void {
    for (const order of fake.orders) {
      if (madeAt.has(order.id)) continue;
      madeAt.set(order.id, Date.parse(order.creationDate) + offsetMs);
      order.currencyCode = opts.currencyOf(order.referenceCustomerId);
      order.currencySymbol = order.currencyCode;
      const products = productsOf(order.lineItems.map((l) => l.offerId));
      if (products.includes(opts.notCancellable.productId)) {
        fake.cancellationMode(order.id, { mode: 'refuse', reply: cancellationRefusals.sandboxOnly() });
      } else if (products.includes(opts.failing.productId)) {
        failingOrders.add(order.id);
        fake.cancellationMode(order.id, { mode: 'refuse', reply: partnerCenterReplies.classicError(400, 0, 'The order could not be cancelled') });
      } else {
        fake.cancellationMode(order.id, pending);
      }
    }
    for (const c of fake.cancellations) if (c.state === 'pending' && !acceptedAt.has(c)) acceptedAt.set(c, now());
  }

  function finishDue(): void {
    for (const [c, at] of acceptedAt) {
      if (c.state !== 'pending' || now() < at + opts.delayMs) continue;
      const order = fake.orders.find((o) => o.id === c.orderId);
      if (!order) continue;
      for (const line of order.lineItems) if (c.lineItemNumbers.includes(line.lineItemNumber)) line.quantity = 0;
      if (order.lineItems.every((l) => l.quantity === 0)) order.status = 'cancelled';
      c.state = 'done';
    }
  }

  fake.script((call) => {
    notice();
    finishDue();
    if (call.kind === 'orders.patch') {
      const orderId = decodeURIComponent(call.path.split('/').pop() ?? '');
      const made = madeAt.get(orderId);
      if (made !== undefined && now() >= made + opts.windowDays * DAY_MS) {
        fake.cancellationMode(orderId, { mode: 'refuse', reply: cancellationRefusals.windowPassed(opts.windowDays) });
      } else if (failingOrders.has(orderId)) {
        if (refusedOnce.has(orderId)) fake.cancellationMode(orderId, pending);
        refusedOnce.add(orderId);
      }
    }
    return undefined;
  });

  return {
    now: () => new Date(now()),
    advanceClock: (ms: number): void => {
      notice();
      offsetMs += ms;
      finishDue();
    },
  };
}

describe('commerce port contract on the fake Partner Center', () => {
  let fake: FakePartnerCenter | undefined;
  after(async () => {
    await fake?.close();
  });

  describeCommerceBackendContract('partner center (fake)', async () => {
    const pc = await startFakePartnerCenter();
    fake = pc;
    const db = testDb();
    await ensureDemoData(db);
    const a = await createPartner(db, 'Contract partner A (Partner Center)');
    const b = await createPartner(db, 'Contract partner B');
    const tables = new EmbeddedCommerceBackend(db);
    const hex = () => randomBytes(4).toString('hex');
    /** Partner A's customers' billing countries, by id. */
    const countries = new Map<string, ContractCountry>();

    function customerOfA(companyName: string, country: ContractCountry, customDomains: string[] = []): ContractCustomer {
      const primaryDomain = `${companyName.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 20)}${hex()}.onmicrosoft.com`;
      const c = pc.addCustomer({ companyName, country, domain: primaryDomain, customDomains });
      pc.catalog.setCustomerCountry(c.id, country);
      countries.set(c.id, country);
      return { id: c.id, tenantId: c.id, companyName, primaryDomain };
    }

    const catalog: ContractWorld['catalog'] = {
      serverSku: demoSkuWithLimits(WS_DATACENTER_1Y),
      reservationSku: VM_RESERVATION_1Y,
      softwarePlanSku: SUSE_PLAN_1Y,
      partlySold: await createPartlySoldProduct(db),
    };
    const failingSku = await createServerProduct(db, 'cancellation refused');
    await listInFakeCatalog(pc, tables, [
      catalog.serverSku.productId, catalog.reservationSku.productId, catalog.softwarePlanSku.productId, catalog.partlySold.soldInGb.productId, failingSku.productId,
    ]);

    const delayMs = 5 * 60_000;
    const serverWindowDays = 60;
    const { rows: markets } = await db.query<{ country_code: string; currency: string }>('SELECT country_code, currency FROM markets WHERE country_code = ANY($1::text[])', [MARKETS]);
    const currencies = new Map(markets.map((m) => [m.country_code, m.currency]));
    const clock = partnerCenterOrders(pc, {
      currencyOf: (customerId) => currencies.get(countries.get(customerId) ?? '') ?? 'USD',
      delayMs, windowDays: serverWindowDays, notCancellable: catalog.softwarePlanSku, failing: failingSku,
    });

    const secondDomain = `contoso-${hex()}.de`;
    let made = 0;
    const world: ContractWorld = {
      partnerA: { partnerId: a.partnerId, userId: a.userId },
      partnerB: { partnerId: b.partnerId, userId: b.userId },
      customersOfA: {
        de: { ...customerOfA('Contoso GmbH', 'DE', [secondDomain]), secondDomain },
        gb: customerOfA('Contoso Pharmaceuticals Ltd', 'GB'),
        ad: customerOfA('Alpine Ski House SLU', 'AD'),
        au: customerOfA('Wingtip Toys Pty Ltd', 'AU'),
      },
      // Partner Center finds a name by its beginning only: both names begin with it.
      sharedName: 'Contoso',
      customerOfB: (() => {
        const id = pc.addOtherPartnersTenant();
        return { id, tenantId: id, companyName: 'Woodgrove Contoso AG', primaryDomain: `woodgrove${hex()}.onmicrosoft.com` };
      })(),
      newCustomerOfA(country: ContractCountry, companyName?: string) {
        made += 1;
        return Promise.resolve(customerOfA(companyName ?? `Fresh customer ${made} ${country}`, country).id);
      },
      catalog,
      r3ListVersion: R3_LIST_VERSION,
      cancellation: { delayMs, advanceClock: clock.advanceClock, failingSku, serverWindowDays },
    };

    const http = fakePartnerCenterClient(pc);
    const backend = new PartnerCenterCommerceBackend({
      http, db, partnerId: a.partnerId, tables, catalog: new PartnerCenterCatalog({ http, db, now: clock.now }), now: clock.now,
    });
    return { backend, world };
  }, { differences: PARTNER_CENTER_DIFFERENCES });
});
