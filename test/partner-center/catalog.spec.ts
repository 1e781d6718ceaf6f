import { strict as assert } from 'node:assert';
import { randomInt, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import yazl from 'yazl';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import type { Offer } from '../../services/commerce/types.js';
import type { Db } from '../../services/db/pool.js';
import { createLogger } from '../../services/logger.js';
import { RefreshTokenAccessTokens } from '../../services/partner-center/auth.js';
import {
  CATALOG_VIEWS,
  PARTNER_API_RESOURCE,
  PartnerCenterCatalog,
  PriceSheetClient,
  csvRows,
  parseSheetDate,
  priceToMinor,
  readZipCsv,
  type PartnerCenterCatalogOptions,
} from '../../services/partner-center/catalog.js';
import { PartnerCenterError } from '../../services/partner-center/errors.js';
import { PartnerCenterHttp } from '../../services/partner-center/http.js';
import type { RefreshTokenStore } from '../../services/partner-center/token-store.js';
import { FAKE_APP_ID, FAKE_APP_SECRET, FAKE_PARTNER_TENANT_ID, startFakeEntra, type FakeEntra } from '../fakes/entra-token.js';
import type { FakeProductSeed, FakeSkuSeed } from '../fakes/partner-center-catalog.js';
import { partnerCenterReplies as replies, startFakePartnerCenter, type FakePartnerCenter, fakePartnerCenterClient } from '../fakes/partner-center.js';
import { testDb } from '../support/db.js';

const PC_TOKEN = 'partner-center-access-token';
const PRICE_SHEET_TOKEN = 'partner-api-access-token';
const COUNTRIES = ['DE', 'US', 'JP', 'AU'];

/** A Partner Center-like product id, new for each test (the catalog tables are shared by the whole run). */
function productId(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]).join('');
}

describe('services/partner-center/catalog', () => {
  let fake: FakePartnerCenter;
  let db: Db;
  let clock: Date;
  let logLines: string[];
  /** Requests under way at once at the clients' fetch, now and at most (counted there: no timing). */
  let inFlight: { now: number; max: number };
  /** The product ids this test made, deleted afterwards (with their SKUs, prices and Partner Center facts). */
  let made: string[];

  before(async () => {
    fake = await startFakePartnerCenter();
    db = testDb();
    // As services/seed/markets.json has them; left as they are when a spec seeded them already.
    await db.query(
      `INSERT INTO markets (country_code, name, currency, tax_included)
       VALUES ('DE', 'Germany', 'EUR', false), ('US', 'United States', 'USD', false), ('JP', 'Japan', 'JPY', false), ('AU', 'Australia', 'AUD', true)
       ON CONFLICT (country_code) DO NOTHING`,
    );
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    clock = new Date('2026-03-02T10:00:00Z');
    logLines = [];
    inFlight = { now: 0, max: 0 };
    made = [];
  });
  afterEach(async () => {
    await db.query('DELETE FROM products WHERE id = ANY($1::text[])', [made]);
    await db.query('DELETE FROM partner_center_catalog_refreshes WHERE country = ANY($1::text[])', [COUNTRIES]);
  });

  function countingFetch(): typeof fetch {
    return async (input, init) => {
      inFlight.max = Math.max(inFlight.max, ++inFlight.now);
      try {
        return await fetch(input, init);
      } finally {
        inFlight.now--;
      }
    };
  }

  function service(overrides: Partial<PartnerCenterCatalogOptions> = {}): PartnerCenterCatalog {
    const http = fakePartnerCenterClient(fake, { tokens: { accessToken: () => Promise.resolve(PC_TOKEN) }, fetch: countingFetch() });
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    return new PartnerCenterCatalog({
      http,
      db,
      priceSheet: { baseUrl: fake.url, tokens: { accessToken: () => Promise.resolve(PRICE_SHEET_TOKEN) }, fetch: countingFetch() },
      now: () => clock,
      logger: createLogger({ level: 'warn' }, sink),
      ...overrides,
    });
  }

  const backend = () => new EmbeddedCommerceBackend(db, { now: () => clock });

  /** A product in the fake, its id new unless given. */
  function product(seed: Omit<FakeProductSeed, 'id'> & { id?: string }) {
    const id = seed.id ?? productId();
    made.push(id);
    return fake.catalog.addProduct({ ...seed, id });
  }

  /** The market's offers of the products this test made, as the embedded backend answers them. */
  async function offers(market: string): Promise<Offer[]> {
    const mine = new Set(made);
    return (await backend().listProducts({ market })).filter((o) => mine.has(o.id));
  }

  const skusOffered = async (market: string) => (await offers(market)).flatMap((o) => o.skus.map((s) => `${o.id}:${s.skuId}`)).sort();
  const warnings = () => logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
  const eur = (unitPrice: string): FakeSkuSeed['prices'] => ({ DE: { currency: 'EUR', unitPrice } });

  describe('refreshMarket', () => {
    it('fills products, SKUs and prices that the embedded backend offers: kind, term, billing, quantities, minor units, R5', async () => {
      const datacenter = product({
        title: 'Windows Server Datacenter',
        targetView: 'SoftwareSubscriptions',
        countries: ['DE'],
        skus: [{ id: '0001', title: '2 Core License Pack – 1 year', terms: ['P1Y'], supportedBillingCycles: ['annual'], minimumQuantity: 8, maximumQuantity: 1000, prices: eur('298.45') }],
      });
      const sqlServer = product({
        title: 'SQL Server 2022 Standard',
        description: 'Perpetual licence, per core',
        targetView: 'SoftwarePerpetual',
        countries: ['DE'],
        skus: [{ id: '0002', title: 'Server License', prices: eur('3945') }],
      });
      const suse = product({
        title: 'SUSE Linux Enterprise Server Standard',
        publisherName: 'SUSE',
        targetView: 'SoftwareSUSELinux',
        countries: ['DE'],
        skus: [{ id: '0001', title: '1–2 vCPU VM – 3 years', terms: ['P3Y'], supportedBillingCycles: ['one_time', 'monthly'], maximumQuantity: 100, prices: eur('270.5') }],
      });
      const reservation = product({
        title: 'Reserved VM Instance, Dsv5 Series',
        targetView: 'AzureReservations',
        countries: ['DE'],
        skus: [{ id: '000C', title: 'Standard_D2s_v5 – 1 year', terms: ['P1Y'], supportedBillingCycles: ['monthly'], purchasePrerequisites: ['InventoryCheck', 'AzureSubscriptionRegistration'], prices: eur('530.00') }],
      });

      const summary = await service().refreshMarket('de');

      assert.deepEqual(summary, { country: 'DE', refreshedAt: clock, products: 4, skus: 4, prices: 4, withdrawn: 0, unpriced: 0, skipped: 0, refusedViews: [] });
      const found = await offers('DE');
      const byId = new Map(found.map((o) => [o.id, o]));
      assert.deepEqual(
        [datacenter, sqlServer, suse, reservation].map((p) => {
          const o = byId.get(p.id)!;
          const [s] = o.skus;
          return [o.kind, o.title, o.publisher, o.azureHybridBenefit, s!.skuId, s!.term, s!.billing, s!.minQuantity, s!.maxQuantity, s!.price];
        }),
        [
          ['server_subscription', 'Windows Server Datacenter', 'Microsoft Corporation', true, '0001', 'P1Y', 'annual', 8, 1000,
            { currency: 'EUR', unitPriceMinor: 29845, taxIncluded: false, effectiveFrom: new Date('2026-01-01T00:00:00Z') }],
          ['perpetual_software', 'SQL Server 2022 Standard', 'Microsoft Corporation', false, '0002', 'one_time', 'one_time', 1, 1000,
            { currency: 'EUR', unitPriceMinor: 394500, taxIncluded: false, effectiveFrom: new Date('2026-01-01T00:00:00Z') }],
          ['software_plan', 'SUSE Linux Enterprise Server Standard', 'SUSE', false, '0001', 'P3Y', 'one_time', 1, 100,
            { currency: 'EUR', unitPriceMinor: 27050, taxIncluded: false, effectiveFrom: new Date('2026-01-01T00:00:00Z') }],
          ['azure_reservation', 'Reserved VM Instance, Dsv5 Series', 'Microsoft Corporation', false, '000C', 'P1Y', 'monthly', 1, 1000,
            { currency: 'EUR', unitPriceMinor: 53000, taxIncluded: false, effectiveFrom: new Date('2026-01-01T00:00:00Z') }],
        ],
      );
      assert.equal(byId.get(sqlServer.id)!.description, 'Perpetual licence, per core');

      const inMarket = await backend().getSkuInMarket({ productId: reservation.id, skuId: '000C' }, 'DE');
      assert.equal(inMarket?.product.kind, 'azure_reservation');
      assert.equal(inMarket?.price?.unitPriceMinor, 53000);
      assert.equal(inMarket?.sku?.term, 'P1Y');

      // Every target view was asked for the market, and both price sheets.
      assert.deepEqual(fake.callsTo('catalog.products').map((c) => [c.query.country, c.query.targetView]).sort(), Object.keys(CATALOG_VIEWS).map((v) => ['DE', v]).sort());
      assert.deepEqual(fake.callsTo('catalog.priceSheet').map((c) => c.path).sort(), [
        "/v1.0/sales/pricesheets(Market='de',PricesheetView='azure_reservations')/$value",
        "/v1.0/sales/pricesheets(Market='de',PricesheetView='software')/$value",
      ]);
      assert.deepEqual(await service().refreshedAt('DE'), clock);
    });

    it('never stores an availability id or catalogItemId', async () => {
      const p = product({ title: 'Windows Server Standard', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], provisioningVariables: ['Scope'], prices: eur('59') }] });
      await service().refreshMarket('DE');

      const availabilityId = fake.catalog.sku(p.id, '0001').availabilityIds.get('DE');
      assert.ok(availabilityId, 'the refresh read the availability');
      const { rows } = await db.query<{ stored: string }>(
        `SELECT concat_ws(' ', (SELECT json_agg(x)::text FROM products x WHERE x.id = $1), (SELECT json_agg(x)::text FROM skus x WHERE x.product_id = $1),
                (SELECT json_agg(x)::text FROM prices x WHERE x.product_id = $1), (SELECT json_agg(x)::text FROM partner_center_skus x WHERE x.product_id = $1),
                (SELECT json_agg(x)::text FROM partner_center_catalog_refreshes x)) AS stored`,
        [p.id],
      );
      assert.match(rows[0]!.stored, /Windows Server Standard/, 'the query did read what was written');
      assert.doesNotMatch(rows[0]!.stored, new RegExp(availabilityId));
    });

    it('converts prices to the currency’s minor units from the decimal text (JPY 0 digits), tax as the market says', async () => {
      const p = product({
        title: 'Windows Server Standard',
        targetView: 'SoftwareSubscriptions',
        countries: ['DE', 'JP', 'AU'],
        skus: [
          { id: '0001', terms: ['P1Y'], prices: { DE: { currency: 'EUR', unitPrice: '0.1' }, JP: { currency: 'JPY', unitPrice: '150000' }, AU: { currency: 'AUD', unitPrice: '99.995' } } },
          { id: '0002', terms: ['P3Y'], prices: { DE: { currency: 'EUR', unitPrice: '1234.567' }, JP: { currency: 'JPY', unitPrice: '8999.5' }, AU: { currency: 'AUD', unitPrice: '12' } } },
        ],
      });
      for (const cc of ['DE', 'JP', 'AU']) await service().refreshMarket(cc);

      const prices = async (cc: string) => (await offers(cc)).flatMap((o) => o.skus.map((s) => [s.skuId, s.price.currency, s.price.unitPriceMinor, s.price.taxIncluded]));
      assert.deepEqual(await prices('DE'), [['0001', 'EUR', 10, false], ['0002', 'EUR', 123457, false]]);
      assert.deepEqual(await prices('JP'), [['0001', 'JPY', 150000, false], ['0002', 'JPY', 9000, false]]);
      assert.deepEqual(await prices('AU'), [['0001', 'AUD', 10000, true], ['0002', 'AUD', 1200, true]]);
      assert.equal((await backend().getSkuInMarket({ productId: p.id, skuId: '0002' }, 'JP'))?.price?.unitPriceMinor, 9000);
    });

    it('a SKU dropped from the market or no longer purchasable stops being offered there and stays in another', async () => {
      const p = product({
        title: 'SQL Server Standard',
        targetView: 'SoftwareSubscriptions',
        countries: ['DE', 'US'],
        skus: ['0001', '0002', '0003'].map((id) => ({ id, terms: ['P1Y'], prices: { DE: { currency: 'EUR', unitPrice: '10' }, US: { currency: 'USD', unitPrice: '11' } } })),
      });
      await service().refreshMarket('DE');
      await service().refreshMarket('US');
      const all = ['0001', '0002', '0003'].map((s) => `${p.id}:${s}`);
      assert.deepEqual(await skusOffered('DE'), all);
      assert.deepEqual(await skusOffered('US'), all);

      fake.catalog.removeSku(p.id, '0001', 'DE');
      fake.catalog.sku(p.id, '0002').isPurchasable = false;
      clock = new Date(clock.getTime() + 3_600_000);
      const summary = await service().refreshMarket('DE');

      assert.equal(summary.withdrawn, 2);
      assert.deepEqual(await skusOffered('DE'), [`${p.id}:0003`]);
      assert.deepEqual(await skusOffered('US'), all, 'the other market is not refreshed: it still offers them');
      assert.equal((await backend().getSkuInMarket({ productId: p.id, skuId: '0001' }, 'DE'))?.price, null);

      await service().refreshMarket('US');
      assert.deepEqual(await skusOffered('US'), [`${p.id}:0001`, `${p.id}:0003`], 'dropped in DE only; not purchasable anywhere');
    });

    it('without a price sheet client, keeps the prices of SKUs still on sale and removes the others’', async () => {
      const p = product({ title: 'SQL Server Standard', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('10') }, { id: '0002', terms: ['P1Y'], prices: eur('20') }] });
      await service().refreshMarket('DE');
      fake.catalog.removeSku(p.id, '0002');
      fake.catalog.sku(p.id, '0001').prices.DE = { currency: 'EUR', unitPrice: '99' };

      const summary = await service({ priceSheet: undefined }).refreshMarket('DE');

      assert.equal(fake.callsTo('catalog.priceSheet').length, 2, 'only the first refresh read price sheets');
      assert.deepEqual((await offers('DE')).flatMap((o) => o.skus.map((s) => [s.skuId, s.price.unitPriceMinor])), [['0001', 1000]]);
      assert.equal(summary.withdrawn, 1);
    });

    it('stores the Partner Center facts of a SKU: purchase prerequisites, provisioning variables, target view', async () => {
      const reservation = product({
        title: 'Reserved VM Instance, Dsv5 Series',
        targetView: 'AzureReservations',
        countries: ['DE'],
        skus: [
          { id: '0001', terms: ['P1Y'], purchasePrerequisites: ['InventoryCheck', 'AzureSubscriptionRegistration'], provisioningVariables: ['Scope', 'SubscriptionId', 'Duration'], prices: eur('530') },
          { id: '0002', terms: ['P3Y'], prices: eur('1020') },
        ],
      });
      const catalog = service();
      await catalog.refreshMarket('DE');

      assert.deepEqual(await catalog.prerequisitesOf({ productId: reservation.id, skuId: '0001' }), ['InventoryCheck', 'AzureSubscriptionRegistration']);
      assert.deepEqual(await catalog.prerequisitesOf({ productId: reservation.id.toLowerCase(), skuId: '0001' }), ['InventoryCheck', 'AzureSubscriptionRegistration']);
      assert.deepEqual(await catalog.prerequisitesOf({ productId: reservation.id, skuId: '0002' }), []);
      assert.deepEqual(await catalog.prerequisitesOf({ productId: productId(), skuId: '0001' }), []);
      const { rows } = await db.query('SELECT sku_id, target_view, provisioning_variables FROM partner_center_skus WHERE product_id = $1 ORDER BY sku_id', [reservation.id]);
      assert.deepEqual(rows, [
        { sku_id: '0001', target_view: 'AzureReservations', provisioning_variables: ['Scope', 'SubscriptionId', 'Duration'] },
        { sku_id: '0002', target_view: 'AzureReservations', provisioning_variables: [] },
      ]);
    });

    it('skips products and SKUs whose ids are not of the tables’ shape, with a warning, and calls nothing for them', async () => {
      const good = product({ title: 'Good', targetView: 'SoftwarePerpetual', countries: ['DE'], skus: [{ id: '0001', prices: eur('1') }, { id: '01', prices: eur('1') }, { id: '0001A', prices: eur('1') }, { id: 'ab12', prices: eur('1') }] });
      const lower = product({ id: productId().toLowerCase(), title: 'Lower case', targetView: 'SoftwarePerpetual', countries: ['DE'], skus: [{ id: '0001', prices: eur('1') }] });
      const short = product({ id: productId().slice(0, 11), title: 'Too short', targetView: 'SoftwarePerpetual', countries: ['DE'], skus: [{ id: '0001', prices: eur('1') }] });

      const summary = await service().refreshMarket('DE');

      assert.equal(summary.skipped, 5);
      assert.deepEqual(await skusOffered('DE'), [`${good.id}:0001`]);
      const { rows } = await db.query('SELECT id FROM products WHERE id = ANY($1::text[])', [[lower.id, short.id, lower.id.toUpperCase()]]);
      assert.deepEqual(rows, []);
      assert.deepEqual(fake.callsTo('catalog.skus').map((c) => c.path), [`/v1/products/${good.id}/skus`]);
      assert.deepEqual(fake.callsTo('catalog.availabilities').map((c) => c.path), [`/v1/products/${good.id}/skus/0001/availabilities`]);
      assert.equal(warnings().length, 5);
    });

    it('skips a SKU sold only for a term the tables cannot say (P1M), with a warning', async () => {
      const p = product({ title: 'Monthly', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1M'], prices: eur('5') }, { id: '0002', terms: ['P1Y'], prices: eur('50') }] });

      const summary = await service().refreshMarket('DE');

      assert.deepEqual(await skusOffered('DE'), [`${p.id}:0002`]);
      assert.equal(summary.skipped, 1);
      assert.match(warnings().map((w) => w.msg).join('\n'), /term this product cannot sell/);
    });

    it('follows the pages of every collection, sending the continuation token', async () => {
      const ids = Array.from({ length: 3 }, () => product({ title: 'Paged', targetView: 'SoftwareSUSELinux', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('1') }, { id: '0002', terms: ['P3Y'], prices: eur('2') }] }).id);
      fake.catalog.maxPageSize(1);

      await service().refreshMarket('DE');

      assert.deepEqual(await skusOffered('DE'), ids.flatMap((id) => [`${id}:0001`, `${id}:0002`]).sort());
      const suse = fake.callsTo('catalog.products').filter((c) => c.query.targetView === 'SoftwareSUSELinux');
      assert.equal(suse.length, 3, 'three pages of one product');
      assert.equal(suse[0]!.headers['ms-continuationtoken'], undefined);
      assert.ok(suse.slice(1).every((c) => c.query.seekOperation === 'Next' && typeof c.headers['ms-continuationtoken'] === 'string'));
      assert.equal(fake.callsTo('catalog.skus').length, 6, 'two pages of SKUs per product');
    });

    it('a 503 midway fails the refresh and leaves the earlier cache untouched', async () => {
      const first = product({ title: 'First', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('10') }, { id: '0002', terms: ['P1Y'], prices: eur('20') }] });
      const second = product({ title: 'Second', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('30') }] });
      await service().refreshMarket('DE');
      const refreshedAt = clock;
      const before = await offers('DE');

      fake.catalog.removeSku(first.id, '0002');
      fake.catalog.sku(first.id, '0001').prices.DE = { currency: 'EUR', unitPrice: '99' };
      fake.script((call) => (call.path === `/v1/products/${second.id}/skus/0001/availabilities` ? replies.unavailable(503) : undefined));
      clock = new Date(clock.getTime() + 3_600_000);

      await assert.rejects(service().refreshMarket('DE'), (err: unknown) => err instanceof PartnerCenterError && err.kind === 'unavailable' && err.status === 503);

      assert.deepEqual(await offers('DE'), before);
      assert.deepEqual(await service().refreshedAt('DE'), refreshedAt);
      const { rows } = await db.query<{ last_error: string; attempted_at: Date }>('SELECT last_error, attempted_at FROM partner_center_catalog_refreshes WHERE country = $1', ['DE']);
      assert.match(rows[0]!.last_error, /503/);
      assert.deepEqual(rows[0]!.attempted_at, clock);
    });

    it('a failed price sheet fails the refresh before any catalog call', async () => {
      product({ title: 'Priced', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('10') }] });
      fake.script((call) => (call.kind === 'catalog.priceSheet' ? replies.classicError(403, 0, 'The user is not in a role that may read price sheets') : undefined));

      await assert.rejects(service().refreshMarket('DE'), (err: unknown) => err instanceof PartnerCenterError && err.kind === 'forbidden' && /not in a role/.test(err.message));
      assert.equal(fake.calls.filter((c) => c.kind !== 'catalog.priceSheet').length, 0);
    });

    it('reads a target view Partner Center refuses (400036) as empty, and refreshes the others', async () => {
      const perpetual = product({ title: 'Perpetual', targetView: 'SoftwarePerpetual', countries: ['DE'], skus: [{ id: '0001', prices: eur('10') }] });
      const subscription = product({ title: 'Subscription', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('10') }] });
      await service().refreshMarket('DE');
      fake.script((call) =>
        call.kind === 'catalog.products' && call.query.targetView === 'SoftwarePerpetual' ? replies.classicError(403, 400036, 'Access to the requested targetView is not allowed') : undefined,
      );

      const summary = await service().refreshMarket('DE');

      assert.deepEqual(summary.refusedViews, ['SoftwarePerpetual']);
      assert.deepEqual(await skusOffered('DE'), [`${subscription.id}:0001`]);
      assert.ok(!(await skusOffered('DE')).includes(`${perpetual.id}:0001`));
    });

    it('keeps at most `concurrency` calls in flight', async () => {
      for (let i = 0; i < 6; i++) {
        product({ title: `Product ${i}`, targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('1') }, { id: '0002', terms: ['P3Y'], prices: eur('2') }] });
      }

      await service({ concurrency: 2 }).refreshMarket('DE');
      assert.equal(inFlight.max, 2, 'two at once, never more');
      assert.equal((await skusOffered('DE')).length, 12);

      inFlight = { now: 0, max: 0 };
      await service({ concurrency: 5 }).refreshMarket('DE');
      assert.equal(inFlight.max, 5);
    });

    it('reads the price sheet by column name: skips other currencies and markets, other terms’ and ended rows, keeps future ones for later', async () => {
      const p = product({
        title: 'Windows Server Standard, "2025"',
        targetView: 'SoftwareSubscriptions',
        countries: ['DE'],
        skus: [
          {
            id: '0001',
            terms: ['P1Y'],
            prices: {
              DE: [
                { currency: 'EUR', unitPrice: '100', effectiveStartDate: '1/1/2026 12:00:00 AM', erpPrice: '125' },
                { currency: 'EUR', unitPrice: '110', effectiveStartDate: '4/1/2026 12:00:00 AM' },
                { currency: 'EUR', unitPrice: '300', termDuration: 'P3Y' },
                { currency: 'EUR', unitPrice: '50', effectiveStartDate: '1/1/2025 12:00:00 AM', effectiveEndDate: '12/31/2025 11:59:59 PM' },
              ],
            },
          },
          { id: '0002', terms: ['P1Y'], prices: { DE: { currency: 'USD', unitPrice: '7' } } },
        ],
      });
      fake.catalog.addPriceSheetRows('DE', 'software', [
        { ProductId: p.id, SkuId: '0002', Market: 'US', Currency: 'EUR', UnitPrice: '8' },
        { ProductId: productId(), SkuId: '0001', Market: 'DE', Currency: 'EUR', UnitPrice: '9', ProductTitle: 'Not listed, "anywhere"' },
      ]);

      const summary = await service().refreshMarket('DE');

      assert.deepEqual({ skus: summary.skus, prices: summary.prices, unpriced: summary.unpriced, skipped: summary.skipped }, { skus: 2, prices: 2, unpriced: 1, skipped: 1 });
      assert.deepEqual((await offers('DE')).flatMap((o) => o.skus.map((s) => [o.title, s.skuId, s.price.unitPriceMinor])), [['Windows Server Standard, "2025"', '0001', 10000]]);
      clock = new Date('2026-04-01T00:00:00Z');
      assert.equal((await offers('DE'))[0]!.skus[0]!.price.unitPriceMinor, 11000, 'the April price applies from April');
    });

    it('refuses a country that is not a market code, and fails for one without a market', async () => {
      await assert.rejects(service().refreshMarket('Germany'), RangeError);
      await assert.rejects(service().refreshMarket('QZ'), /QZ is not among the markets/);
      assert.equal(fake.calls.length, 0);
    });
  });

  describe('readAvailability', () => {
    const customer = randomUUID();

    it('reads the purchasable availability for the customer, fresh on every call', async () => {
      const p = product({ title: 'Reservation', targetView: 'AzureReservations', countries: ['DE'], skus: [{ id: '0001', terms: ['P3Y'] }] });
      fake.catalog.setCustomerCountry(customer, 'DE');
      const catalog = service();
      const correlationId = randomUUID();

      const first = await catalog.readAvailability(customer.toUpperCase(), { productId: p.id, skuId: '0001' }, correlationId);
      const availability = fake.catalog.sku(p.id, '0001').availabilityIds.get('DE')!;
      assert.deepEqual(first, { catalogItemId: `${p.id}:0001:${availability}`, term: 'P3Y', isPurchasable: true });

      fake.catalog.renewAvailability(p.id, '0001');
      const second = await catalog.readAvailability(customer, { productId: p.id, skuId: '0001' }, correlationId);
      const renewed = fake.catalog.sku(p.id, '0001').availabilityIds.get('DE')!;
      assert.notEqual(renewed, availability);
      assert.equal(second?.catalogItemId, `${p.id}:0001:${renewed}`);

      const calls = fake.callsTo('catalog.customerAvailabilities');
      assert.deepEqual(calls.map((c) => c.path), Array(2).fill(`/v1/customers/${customer}/products/${p.id}/skus/0001/availabilities`));
      assert.ok(calls.every((c) => c.headers['ms-correlationid'] === correlationId));
    });

    it('says when the availability is not purchasable, and null when there is none', async () => {
      const p = product({ title: 'Perpetual', targetView: 'SoftwarePerpetual', countries: ['DE'], skus: [{ id: '0001', isPurchasable: false }, { id: '0002', countries: ['US'] }] });
      fake.catalog.setCustomerCountry(customer, 'DE');
      const catalog = service();

      assert.deepEqual(await catalog.readAvailability(customer, { productId: p.id, skuId: '0001' }, randomUUID()), {
        catalogItemId: `${p.id}:0001:${fake.catalog.sku(p.id, '0001').availabilityIds.get('DE')}`,
        term: 'one_time',
        isPurchasable: false,
      });
      assert.equal(await catalog.readAvailability(customer, { productId: p.id, skuId: '0002' }, randomUUID()), null, 'not sold in the customer’s country');
      assert.equal(await catalog.readAvailability(customer, { productId: p.id, skuId: '0009' }, randomUUID()), null, '404');
      assert.equal(await catalog.readAvailability(randomUUID(), { productId: p.id, skuId: '0001' }, randomUUID()), null, '404 for a customer the fake does not know');
      const calls = fake.calls.length;
      assert.equal(await catalog.readAvailability('not-a-guid', { productId: p.id, skuId: '0001' }, randomUUID()), null);
      assert.equal(await catalog.readAvailability(customer, { productId: '../x', skuId: '0001' }, randomUUID()), null);
      assert.equal(fake.calls.length, calls, 'no call for ids of a wrong shape');
    });

    it('lets other errors through', async () => {
      fake.catalog.setCustomerCountry(customer, 'DE');
      fake.failNext(1, replies.classicError(403, 0, 'forbidden'));
      await assert.rejects(service().readAvailability(customer, { productId: productId(), skuId: '0001' }, randomUUID()), (err: unknown) => err instanceof PartnerCenterError && err.kind === 'forbidden');
    });
  });

  describe('the price sheet client', () => {
    let entra: FakeEntra;
    before(async () => {
      entra = await startFakeEntra();
    });
    after(async () => {
      await entra.close();
    });
    beforeEach(() => entra.reset());

    it('sends the price sheet request with a token of its own audience (api.partner.microsoft.com), the catalog calls with Partner Center’s', async () => {
      const refreshToken = entra.issueRefreshToken();
      const store: RefreshTokenStore = {
        load: (tenant) => Promise.resolve({ partnerTenantId: tenant, refreshToken, account: null, consentedAt: new Date(), rotatedAt: null, lastError: null, lastErrorAt: null }),
        save: () => Promise.resolve(true),
        recordFailure: () => Promise.resolve(),
      };
      // The fake Entra ID knows Partner Center's resource only; the Partner API's is answered here.
      entra.script((call) =>
        call.form.resource === PARTNER_API_RESOURCE ? { body: { token_type: 'Bearer', expires_in: '3599', resource: PARTNER_API_RESOURCE, access_token: PRICE_SHEET_TOKEN } } : undefined,
      );
      const tokenSource = (resource?: string) =>
        new RefreshTokenAccessTokens({ partnerTenantId: FAKE_PARTNER_TENANT_ID, appId: FAKE_APP_ID, credential: { kind: 'secret', secret: FAKE_APP_SECRET }, loginUrl: entra.url, store, resource });
      product({ title: 'Priced', targetView: 'SoftwareSubscriptions', countries: ['DE'], skus: [{ id: '0001', terms: ['P1Y'], prices: eur('10') }] });

      const catalog = new PartnerCenterCatalog({
        http: new PartnerCenterHttp({ baseUrl: fake.url, tokens: tokenSource() }),
        db,
        priceSheet: { baseUrl: fake.url, tokens: tokenSource(PARTNER_API_RESOURCE) },
        now: () => clock,
      });
      await catalog.refreshMarket('DE');

      assert.deepEqual(entra.calls.map((c) => c.form.resource).sort(), ['https://api.partner.microsoft.com', 'https://api.partnercenter.microsoft.com']);
      const partnerCenterToken = entra.accessTokens[0]!;
      const sheets = fake.callsTo('catalog.priceSheet');
      assert.equal(sheets.length, 2);
      assert.ok(sheets.every((c) => c.headers.authorization === `Bearer ${PRICE_SHEET_TOKEN}`));
      const catalogCalls = fake.calls.filter((c) => c.kind !== 'catalog.priceSheet');
      assert.ok(catalogCalls.length > 0 && catalogCalls.every((c) => c.headers.authorization === `Bearer ${partnerCenterToken}`));
      assert.equal(sheets[0]!.headers['accept-encoding'], 'deflate');
    });

    it('reads a price sheet that comes as a zip file (stored or deflated), and repeats a 401 once with a fresh token', async () => {
      const csv = '"ProductId","SkuId","Currency","UnitPrice"\r\n"DG7GMGF0DWTL","0001","EUR","12.5"\r\n';
      for (const compress of [true, false]) {
        const zip = await zipOf([['readme.txt', 'not this one'], ['pricesheet.csv', csv]], compress);
        const fresh: boolean[] = [];
        let answers = 0;
        const client = new PriceSheetClient({
          baseUrl: 'https://api.partner.example',
          tokens: {
            accessToken: (o) => {
              fresh.push(Boolean(o?.fresh));
              return Promise.resolve('t');
            },
          },
          fetch: () => Promise.resolve(answers++ === 0 ? new Response('', { status: 401 }) : new Response(new Uint8Array(zip), { headers: { 'content-type': 'application/octet-stream' } })),
        });
        assert.equal(await client.download('DE', 'software', randomUUID()), csv);
        assert.deepEqual(fresh, [false, true]);
      }
      assert.throws(() => readZipCsv(Buffer.from('PK\u0003\u0004 broken')), /zip file that cannot be read/);
    });
  });

  describe('reading CSV, prices and dates', () => {
    const rows = (csv: string) => [...csvRows(csv)];

    it('parses quotes, commas, doubled quotes, line breaks in quotes, CRLF/LF/CR, a BOM and blank lines', () => {
      assert.deepEqual(rows('\uFEFFa,b,c\r\n"x, y","say ""hi""",\r\n\r\n"multi\r\nline",plain"quote,"" \nlast,row\rcr,end'), [
        ['a', 'b', 'c'],
        ['x, y', 'say "hi"', ''],
        // Lenient: what follows a closing quote joins the field.
        ['multi\r\nline', 'plain"quote', ' '],
        ['last', 'row'],
        ['cr', 'end'],
      ]);
      assert.deepEqual(rows(''), []);
      assert.deepEqual(rows('"",""\n'), [['', '']]);
      assert.throws(() => rows('a,b\n"open,\nnever closed'), /opened on line 2 is never closed/);
    });

    it('reads back whatever csv-stringify writes', () => {
      fc.assert(
        fc.property(fc.array(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (table) => {
          const written = stringify(table, { quoted: true, record_delimiter: 'windows' });
          assert.deepEqual(rows(written), table);
        }),
      );
    });

    it('turns decimal text into minor units without floats, rounding half up, and refuses anything else', () => {
      assert.equal(priceToMinor('115.2', 'USD'), 11520);
      assert.equal(priceToMinor('15', 'EUR'), 1500);
      assert.equal(priceToMinor('0.005', 'EUR'), 1);
      assert.equal(priceToMinor('0.004999', 'EUR'), 0);
      assert.equal(priceToMinor('1234.5', 'JPY'), 1235);
      assert.equal(priceToMinor('1.2345', 'BHD'), 1235);
      assert.equal(priceToMinor('0.29', 'EUR'), 29, '0.29 * 100 is 28.999… in floats');
      assert.equal(priceToMinor('90071992547409.91', 'USD'), 9007199254740991);
      for (const bad of ['', '-1', '1e3', '1,000.00', '12.', '.5', 'NaN', '90071992547409.92']) assert.equal(priceToMinor(bad, 'USD'), null, bad);
    });

    it('reads the documented dates (M/D/YYYY h:mm:ss AM/PM) and ISO 8601, as UTC', () => {
      assert.deepEqual(parseSheetDate('3/1/2018 12:00:00 AM'), new Date('2018-03-01T00:00:00Z'));
      assert.deepEqual(parseSheetDate('11/30/9999 11:59:59 PM'), new Date('9999-11-30T23:59:59Z'));
      assert.deepEqual(parseSheetDate('2/4/2021 12:35:31 PM'), new Date('2021-02-04T12:35:31Z'));
      assert.deepEqual(parseSheetDate('2024-03-01'), new Date('2024-03-01T00:00:00Z'));
      assert.deepEqual(parseSheetDate('2024-03-01T10:00:00'), new Date('2024-03-01T10:00:00Z'));
      assert.deepEqual(parseSheetDate('2024-03-01T10:00:00+02:00'), new Date('2024-03-01T08:00:00Z'));
      for (const bad of ['', '13/1/2020', '2/30/2020', '1/1/2020 13:00:00 PM', 'soon']) assert.equal(parseSheetDate(bad), undefined, bad);
    });
  });
});

/** A zip archive of these files, as yazl writes one (deflated or stored). */
function zipOf(files: Array<[string, string]>, compress: boolean): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of files) zip.addBuffer(Buffer.from(content), name, { compress });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
