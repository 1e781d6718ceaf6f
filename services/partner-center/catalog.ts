/**
 * The Partner Center catalog cache (issue 12, R2–R5). The purchase flow reads the catalog from
 * Postgres (products, skus, prices: migration 0002) in one round trip, as the embedded backend
 * does (services/commerce/embedded.ts); with the Partner Center backend those tables are a cache
 * of Partner Center's catalog that `refreshMarket` fills, one market at a time, from a job, so
 * that a purchase turn never waits on catalog calls. Sources: research notes §3.2, the price
 * sheet page (learn.microsoft.com/partner-center/developer/get-a-price-sheet).
 *
 * refreshMarket(country) reads, at most `concurrency` calls in flight (4 by default):
 * - the price sheets of the market, when a price sheet client is configured (below), first, so
 *   that a refused download fails the refresh before hundreds of catalog calls;
 * - for each target view of CATALOG_VIEWS, `GET /products?country&targetView` (every page), which
 *   decides the product's kind (SoftwarePerpetual → perpetual_software, SoftwareSubscriptions →
 *   server_subscription, SoftwareSUSELinux → software_plan, AzureReservations →
 *   azure_reservation). A product listed by two views keeps the first one's kind. A 403 with code
 *   400030/400036 ("Access to the requested targetSegment/targetView is not allowed", e.g. a
 *   partner not qualified for perpetual software) is taken as an empty view, with a warning;
 * - per product `GET /products/{p}/skus?country` (404: no SKUs), per SKU
 *   `GET /products/{p}/skus/{s}/availabilities?country` (404: none).
 * A SKU is on sale in the market when it has a purchasable availability (isPurchasable true,
 * segment commercial or unsaid) whose term this product can sell: `terms[0].duration` P1Y or
 * P3Y, none at all → one_time. Any other duration (P1M, P5Y…) cannot be said in `skus.term`, so
 * such an availability is passed over, with a warning, rather than sold as another term. Its
 * billing is the first of one_time, annual, monthly that `supportedBillingCycles` names (a
 * one-time term always bills one_time; none named → one_time). Product ids must be 12 and SKU
 * ids 4 upper-case alphanumerics (the tables' CHECKs): anything else is skipped with a warning,
 * and so is a product or SKU without a title, or with a maximum quantity below its minimum.
 * R5: azure_hybrid_benefit is true for a server subscription titled Windows Server
 * Datacenter/Standard (Software Assurance is part of a subscription; the perpetual licences come
 * without it), as the demo catalog has it (services/seed/demo-catalog.ts).
 *
 * Prices (R4): the catalog API has none; the price sheet API has them —
 * `GET https://api.partner.microsoft.com/v1.0/sales/pricesheets(Market='{cc}',PricesheetView='{view}')/$value`,
 * view `software` for the three software views and `azure_reservations`, a CSV file (or a zip
 * of one) with the columns ProductTitle, ProductId, SkuId, SkuTitle, Publisher, SkuDescription,
 * UnitOfMeasure, TermDuration, [BillingPlan,] Market, Currency, UnitPrice, PricingTierRangeMin,
 * PricingTierRangeMax, EffectiveStartDate, EffectiveEndDate, …, Tags[, ERP Price]. Columns are
 * found by name (case, spaces and punctuation ignored); ProductId, SkuId, Currency and UnitPrice
 * must be there, or the refresh fails (the cache stays as it was). Another host and another
 * token audience (https://api.partner.microsoft.com) than the catalog's: it has its own client
 * (PriceSheetClient: a base URL and an AccessTokens built for that resource, e.g.
 * RefreshTokenAccessTokens with `resource: PARTNER_API_RESOURCE`). Per SKU on sale the rows of
 * its product and SKU are read: of another market or currency than the market's → skipped
 * (warned); a TermDuration P… that is not the SKU's term → another term's price, passed over;
 * ended (EffectiveEndDate past) → passed over. UnitPrice (what the partner pays Microsoft; the
 * ERP Price column is ignored) becomes integer minor units of the currency (currencyMinorDigits,
 * from the decimal text, never through a float; more decimals than the currency has are rounded
 * half up) and is written with effective_from = EffectiveStartDate (M/D/YYYY h:mm:ss AM/PM or
 * ISO 8601, UTC; the refresh's time when it has none), so that the embedded SQL's "latest
 * effective_from ≤ now" picks it. Tiered rows (PricingTierRange…) keep the lowest tier, warned.
 * A SKU on sale with no price is not offered (a price cannot be shown); rows of products or SKUs
 * the catalog did not list are skipped. Whether prices include tax is the market's (`markets`).
 *
 * Writing: after all reads, in ONE transaction per market (a refresh that fails midway leaves
 * the cache as it was): products and SKUs on sale are upserted (they are global: what a market
 * sells is said by its `prices`), their Partner Center facts go to partner_center_skus
 * (migration 0022: prerequisites, provisioning variables, target view), and the market's prices
 * of every SKU Partner Center has ever listed (a partner_center_skus row) are replaced by the
 * fresh ones — so a SKU no longer listed there, not purchasable, or unpriced, stops being
 * offered there and stays wherever it is still sold. Without a price sheet client, prices of
 * SKUs still on sale are kept as they are (e.g. imported) and only the others' are removed.
 * Prices of SKUs that never came from Partner Center (an import, the demo seed) are not touched.
 * The market's state (partner_center_catalog_refreshes) is written with it; a failure is
 * recorded there too, and thrown: PartnerCenterError from the clients as they threw it.
 * Availability ids and catalogItemIds are never stored ("It should only be accessed and used at
 * the time of purchase"): `readAvailability` reads them fresh for the customer at purchase time.
 */
import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { inTransaction, type Db } from '../db/pool.js';
import { describeNetworkError, parseJsonText } from '../http/answers.js';
import type { Logger } from '../logger.js';
import { currencyMinorDigits, parseGuid } from '../commerce/rules.js';
import type { BillingCycle, ProductKind, Sku, SkuRef, Term } from '../commerce/types.js';
import type { AccessTokens } from './contracts.js';
import { partnerCenterCorrelationId } from './correlation.js';
import { PartnerCenterError, partnerCenterErrorKind, readPartnerCenterFault } from './errors.js';
import type { PartnerCenterHttp, PartnerCenterRequest } from './http.js';

/** The catalog's target views this product sells, and the kind each stands for (R2). */
export const CATALOG_VIEWS = {
  SoftwarePerpetual: 'perpetual_software',
  SoftwareSubscriptions: 'server_subscription',
  SoftwareSUSELinux: 'software_plan',
  AzureReservations: 'azure_reservation',
} as const satisfies Record<string, ProductKind>;
export type CatalogView = keyof typeof CATALOG_VIEWS;

/** The price sheet view that prices each kind. */
export const PRICE_SHEET_VIEW: Record<ProductKind, PriceSheetView> = {
  perpetual_software: 'software',
  server_subscription: 'software',
  software_plan: 'software',
  azure_reservation: 'azure_reservations',
};
export type PriceSheetView = 'software' | 'azure_reservations';

/** The Partner API's host (price sheets), another than Partner Center's REST API. */
export const PARTNER_API_BASE_URL = 'https://api.partner.microsoft.com';
/** The v1 `resource` its tokens are for (RefreshTokenAccessTokensOptions.resource). */
export const PARTNER_API_RESOURCE = 'https://api.partner.microsoft.com';

const DEFAULT_CONCURRENCY = 4;
/** A price sheet is large (tens of MB in the docs' example): per attempt. */
const DEFAULT_PRICE_SHEET_TIMEOUT_MS = 120_000;
const PRODUCT_ID = /^[A-Z0-9]{12}$/;
const SKU_ID = /^[A-Z0-9]{4}$/;
/** "Access to the requested targetSegment / targetView is not allowed" (get-a-list-of-products.md). */
const VIEW_REFUSED_CODES = new Set(['400030', '400036']);
const ERROR_MAX = 1024;
/** Customer-scoped availabilities read at most (one SKU has a handful). */
const MAX_AVAILABILITIES = 100;
/** R5: Windows Server Datacenter or Standard (not a CAL), optionally with a version. */
const HYBRID_BENEFIT_TITLE = /^Windows Server(?: \d{4}(?: R2)?)? (?:Datacenter|Standard)\b(?!.*\bCAL\b)/i;

export interface PriceSheetClientOptions {
  /** https://api.partner.microsoft.com when left out; a trailing slash is ignored. */
  baseUrl?: string;
  /** Tokens for the audience https://api.partner.microsoft.com (PARTNER_API_RESOURCE), not Partner Center's. */
  tokens: AccessTokens;
  /** Per attempt; 120 s when left out. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

export interface PartnerCenterCatalogOptions {
  http: PartnerCenterHttp;
  db: Db;
  /** Where prices come from; left out, prices of SKUs still on sale are kept as they are. */
  priceSheet?: PriceSheetClient | PriceSheetClientOptions;
  logger?: Logger;
  now?: () => Date;
  /** Catalog and price sheet calls in flight at once, at most; 4 when left out. */
  concurrency?: number;
}

export interface CatalogRefreshSummary {
  country: string;
  refreshedAt: Date;
  /** Products with at least one SKU on sale, written. */
  products: number;
  /** SKUs on sale in the market (purchasable, of a term this product sells), written; offered when priced. */
  skus: number;
  /** Price rows written. */
  prices: number;
  /** SKUs that had a price in the market before the refresh and have none after it. */
  withdrawn: number;
  /** Purchasable SKUs the price sheet has no usable price for (not offered). */
  unpriced: number;
  /** Products, SKUs and price rows skipped for their shape (ids, titles, quantities, terms, currency). */
  skipped: number;
  /** Target views Partner Center refused (400030/400036), read as empty. */
  refusedViews: CatalogView[];
}

/** What the purchase needs of a SKU's availability for a customer, read at purchase time. */
export interface CustomerAvailability {
  /** For the cart line; never stored. */
  catalogItemId: string;
  term: Term;
  isPurchasable: boolean;
}

// --- Partner Center's JSON (product-resources.md), every field optional -----------------

interface ProductJson {
  id?: unknown;
  title?: unknown;
  description?: unknown;
  publisherName?: unknown;
}

interface SkuJson {
  id?: unknown;
  title?: unknown;
  description?: unknown;
  minimumQuantity?: unknown;
  maximumQuantity?: unknown;
  supportedBillingCycles?: unknown;
  purchasePrerequisites?: unknown;
  provisioningVariables?: unknown;
}

interface AvailabilityJson {
  catalogItemId?: unknown;
  segment?: unknown;
  isPurchasable?: unknown;
  terms?: unknown;
}

/** A SKU on sale in the market, before its price, with what only Partner Center says of it. */
interface ListedSku extends Sku {
  purchasePrerequisites: string[];
  provisioningVariables: string[];
}

interface ListedProduct {
  id: string;
  view: CatalogView;
  kind: ProductKind;
  title: string;
  publisher: string;
  description: string;
  azureHybridBenefit: boolean;
}

interface PriceRow {
  productId: string;
  skuId: string;
  unitPriceMinor: number;
  effectiveFrom: Date;
}

/** A price sheet row of the market, as read. */
interface SheetRow {
  currency: string;
  unitPrice: string;
  term: string;
  tierMin: string;
  start: string;
  end: string;
}

/** Rows of one market's sheet by `${productId}:${skuId}`. */
type PriceSheet = Map<string, SheetRow[]>;

export class PartnerCenterCatalog {
  private readonly http: PartnerCenterHttp;
  private readonly db: Db;
  private readonly priceSheet: PriceSheetClient | undefined;
  private readonly logger: Logger | undefined;
  private readonly now: () => Date;
  private readonly concurrency: number;

  constructor(opts: PartnerCenterCatalogOptions) {
    this.http = opts.http;
    this.db = opts.db;
    this.priceSheet = opts.priceSheet === undefined || opts.priceSheet instanceof PriceSheetClient ? opts.priceSheet : new PriceSheetClient({ logger: opts.logger, ...opts.priceSheet });
    this.logger = opts.logger;
    this.now = opts.now ?? (() => new Date());
    this.concurrency = Math.max(1, Math.trunc(opts.concurrency ?? DEFAULT_CONCURRENCY));
  }

  /** Reads one market's catalog from Partner Center and replaces the market's cache with it (the module comment says how). */
  async refreshMarket(country: string, opts: { correlationId?: string } = {}): Promise<CatalogRefreshSummary> {
    const cc = country.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(cc)) throw new RangeError(`A market is an ISO 3166-1 alpha-2 country code, not ${JSON.stringify(country)}`);
    const correlationId = opts.correlationId ?? partnerCenterCorrelationId();
    const startedAt = this.now();
    try {
      const { rows: markets } = await this.db.query<{ currency: string }>('SELECT currency FROM markets WHERE country_code = $1', [cc]);
      const currency = markets[0]?.currency;
      if (!currency) throw new Error(`${cc} is not among the markets: a price there cannot be stored`);
      const run = new CallLimiter(this.concurrency);
      const sheets = this.priceSheet ? await this.readPriceSheets(cc, correlationId, run) : undefined;
      const listing = await this.readCatalog(cc, correlationId, run);
      const priced = sheets ? this.pricesOf(cc, currency, listing, sheets, startedAt) : undefined;
      const summary = await this.write(cc, listing, priced, startedAt);
      this.logger?.info({ correlationId, ...summary }, 'partner center: catalog refreshed');
      return summary;
    } catch (err) {
      await this.recordFailure(cc, startedAt, err);
      throw err;
    }
  }

  /**
   * The purchasable availability of a SKU for a customer, read now (`GET /customers/{id}/products/
   * {p}/skus/{s}/availabilities`; the customer's country is implied): the first purchasable one of
   * a term this product sells; when none is purchasable, the first such one (isPurchasable false);
   * null when there is none (or 404, or ids of a wrong shape: no call). Every call asks Partner
   * Center again: catalogItemIds can change and are never cached. Other errors propagate.
   */
  /** `ref.term` given: only an availability of that term (the one the purchase was priced and recorded with). */
  async readAvailability(customerId: string, ref: SkuRef & { term?: Term }, correlationId: string): Promise<CustomerAvailability | null> {
    const customer = parseGuid(customerId);
    const productId = ref.productId.trim().toUpperCase();
    const skuId = ref.skuId.trim().toUpperCase();
    if (!customer || !PRODUCT_ID.test(productId) || !SKU_ID.test(skuId)) return null;
    let items: AvailabilityJson[];
    try {
      items = await this.http.collect<AvailabilityJson>(
        { method: 'GET', path: `/customers/${customer}/products/${productId}/skus/${skuId}/availabilities`, correlationId },
        { max: MAX_AVAILABILITIES },
      );
    } catch (err) {
      if (err instanceof PartnerCenterError && err.kind === 'not_found') return null;
      throw err;
    }
    const usable = items.flatMap((a) => {
      const term = termOf(a);
      const catalogItemId = text(a.catalogItemId);
      if (!term.ok || !catalogItemId || !isCommercial(a) || (ref.term !== undefined && term.term !== ref.term)) return [];
      return [{ catalogItemId, term: term.term, isPurchasable: a.isPurchasable === true }];
    });
    return usable.find((a) => a.isPurchasable) ?? usable[0] ?? null;
  }

  /** The SKU's purchasePrerequisites as the last refresh read them; [] for a SKU not from Partner Center. */
  async prerequisitesOf(ref: SkuRef): Promise<string[]> {
    const { rows } = await this.db.query<{ purchase_prerequisites: string[] }>({
      name: 'partnerCenter.skuPrerequisites',
      text: 'SELECT purchase_prerequisites FROM partner_center_skus WHERE product_id = $1 AND sku_id = $2',
      values: [ref.productId.trim().toUpperCase(), ref.skuId.trim().toUpperCase()],
    });
    return rows[0]?.purchase_prerequisites ?? [];
  }

  /** When the market's cache was last refreshed successfully; null: never. */
  async refreshedAt(country: string): Promise<Date | null> {
    const { rows } = await this.db.query<{ refreshed_at: Date | null }>({
      name: 'partnerCenter.catalogRefreshedAt',
      text: 'SELECT refreshed_at FROM partner_center_catalog_refreshes WHERE country = $1',
      values: [country.trim().toUpperCase()],
    });
    return rows[0]?.refreshed_at ?? null;
  }

  // --- reading -----------------------------------------------------------------------

  private async readPriceSheets(cc: string, correlationId: string, run: CallLimiter): Promise<Map<PriceSheetView, PriceSheet>> {
    const views: PriceSheetView[] = ['software', 'azure_reservations'];
    const sheets = await run.all(views.map((view) => run.call(() => this.priceSheet!.download(cc, view, correlationId))));
    return new Map(views.map((view, i) => [view, this.readSheet(cc, view, sheets[i]!)]));
  }

  /** The products Partner Center lists in the market (valid ones), and their SKUs on sale there. */
  private async readCatalog(cc: string, correlationId: string, run: CallLimiter): Promise<{ products: Map<string, ListedProduct>; skus: ListedSku[]; skipped: number; refusedViews: CatalogView[] }> {
    const refusedViews: CatalogView[] = [];
    let skipped = 0;
    const lists = await run.all(
      (Object.keys(CATALOG_VIEWS) as CatalogView[]).map(async (view) => {
        const items = await run.collect<ProductJson>(this.http, { method: 'GET', path: '/products', query: { country: cc, targetView: view }, correlationId }, (err) => {
          if (!(err instanceof PartnerCenterError) || err.kind !== 'forbidden' || !VIEW_REFUSED_CODES.has(err.code ?? '')) return false;
          refusedViews.push(view);
          this.logger?.warn({ country: cc, targetView: view, code: err.code, correlationId }, 'partner center: a catalog view is not open to this partner; nothing of it is sold');
          return true;
        });
        return { view, items };
      }),
    );

    const products = new Map<string, ListedProduct>();
    for (const { view, items } of lists) {
      for (const item of items) {
        const product = this.readProduct(cc, view, item);
        if (!product) skipped++;
        else if (products.has(product.id)) this.logger?.warn({ country: cc, productId: product.id, targetView: view, kept: products.get(product.id)!.view }, 'partner center: a product listed by two views keeps the first one’s kind');
        else products.set(product.id, product);
      }
    }

    const perProduct = await run.all(
      [...products.values()].map(async (product) => {
        const skus = await run.collect<SkuJson>(this.http, { method: 'GET', path: `/products/${product.id}/skus`, query: { country: cc }, correlationId }, isNotFound);
        const found = await run.all(
          skus.map(async (json) => {
            const sku = this.readSku(cc, product.id, json);
            if (!sku) {
              skipped++;
              return null;
            }
            const availabilities = await run.collect<AvailabilityJson>(
              this.http,
              { method: 'GET', path: `/products/${product.id}/skus/${sku.skuId}/availabilities`, query: { country: cc }, correlationId },
              isNotFound,
            );
            const term = this.saleTerm(cc, sku.skuId, product.id, availabilities);
            if (term === 'unsellable') skipped++;
            if (term === 'unsellable' || term === null) return null;
            const billing = term === 'one_time' ? 'one_time' : sku.billing;
            return { ...sku, term, billing } satisfies ListedSku;
          }),
        );
        return found.filter((s): s is ListedSku => s !== null);
      }),
    );
    return { products, skus: perProduct.flat(), skipped, refusedViews };
  }

  private readProduct(cc: string, view: CatalogView, json: ProductJson): ListedProduct | null {
    const id = text(json.id);
    const title = text(json.title);
    if (!id || !PRODUCT_ID.test(id) || !title) {
      this.logger?.warn({ country: cc, targetView: view, productId: id }, 'partner center: a product with an id of another shape or without a title was skipped');
      return null;
    }
    const kind = CATALOG_VIEWS[view];
    return {
      id,
      view,
      kind,
      title,
      publisher: text(json.publisherName) ?? 'Microsoft Corporation',
      description: text(json.description) ?? '',
      azureHybridBenefit: kind === 'server_subscription' && HYBRID_BENEFIT_TITLE.test(title),
    };
  }

  /** A SKU's own facts (its term comes from its availabilities); null when its shape is not one the tables take. */
  private readSku(cc: string, productId: string, json: SkuJson): Omit<ListedSku, 'term'> | null {
    const skuId = text(json.id);
    const title = text(json.title);
    const min = json.minimumQuantity === undefined ? 1 : json.minimumQuantity;
    const max = json.maximumQuantity;
    const quantities = Number.isSafeInteger(min) && Number.isSafeInteger(max) && (min as number) >= 1 && (max as number) >= (min as number) && (max as number) <= 2_147_483_647;
    if (!skuId || !SKU_ID.test(skuId) || !title || !quantities) {
      this.logger?.warn({ country: cc, productId, skuId, minimumQuantity: min, maximumQuantity: max }, 'partner center: a SKU with an id of another shape, no title or unusable quantities was skipped');
      return null;
    }
    return {
      productId,
      skuId,
      title,
      description: text(json.description) ?? '',
      billing: billingOf(json.supportedBillingCycles),
      minQuantity: min as number,
      maxQuantity: max as number,
      purchasePrerequisites: strings(json.purchasePrerequisites),
      provisioningVariables: strings(json.provisioningVariables),
    };
  }

  /** The term of the SKU's first purchasable availability; null: none purchasable; 'unsellable': only of terms the tables cannot say. */
  private saleTerm(cc: string, skuId: string, productId: string, availabilities: AvailabilityJson[]): Term | null | 'unsellable' {
    const purchasable = availabilities.filter((a) => a.isPurchasable === true && isCommercial(a));
    for (const a of purchasable) {
      const term = termOf(a);
      if (term.ok) return term.term;
    }
    if (purchasable.length === 0) return null;
    this.logger?.warn({ country: cc, productId, skuId, terms: purchasable.map((a) => termOf(a)).map((t) => (t.ok ? t.term : t.duration)) }, 'partner center: a SKU sold only for a term this product cannot sell (not P1Y, P3Y or one-time) was skipped');
    return 'unsellable';
  }

  /** The market's rows of one price sheet, by product and SKU. */
  private readSheet(cc: string, view: PriceSheetView, csv: string): PriceSheet {
    const rows = csvRows(csv);
    const header = rows.next();
    if (header.done) return new Map();
    const column = new Map(header.value.map((name, i) => [name.toLowerCase().replace(/[^a-z0-9]/g, ''), i]));
    const missing = ['productid', 'skuid', 'currency', 'unitprice'].filter((c) => !column.has(c));
    if (missing.length) throw new Error(`The ${view} price sheet of ${cc} has no ${missing.join(', ')} column: its format is not the documented one`);
    const at = (row: string[], name: string) => {
      const i = column.get(name);
      return i === undefined ? '' : (row[i] ?? '').trim();
    };
    const sheet: PriceSheet = new Map();
    for (const row of rows) {
      const key = `${at(row, 'productid')}:${at(row, 'skuid')}`;
      const market = at(row, 'market').toUpperCase();
      // Rows of other markets are not ours to read (a sheet is per market, but the column says it).
      if (market && market !== cc) continue;
      const entry: SheetRow = {
        currency: at(row, 'currency').toUpperCase(),
        unitPrice: at(row, 'unitprice'),
        term: at(row, 'termduration').toUpperCase(),
        tierMin: at(row, 'pricingtierrangemin'),
        start: at(row, 'effectivestartdate'),
        end: at(row, 'effectiveenddate'),
      };
      const list = sheet.get(key);
      if (list) list.push(entry);
      else sheet.set(key, [entry]);
    }
    return sheet;
  }

  /** The price rows of the SKUs on sale, from the sheets; SKUs left without one are counted as unpriced. */
  private pricesOf(cc: string, currency: string, listing: { products: Map<string, ListedProduct>; skus: ListedSku[] }, sheets: Map<PriceSheetView, PriceSheet>, now: Date): { rows: PriceRow[]; unpriced: number; skipped: number } {
    const rows: PriceRow[] = [];
    let unpriced = 0;
    let skipped = 0;
    for (const sku of listing.skus) {
      const kind = listing.products.get(sku.productId)!.kind;
      const candidates = sheets.get(PRICE_SHEET_VIEW[kind])?.get(`${sku.productId}:${sku.skuId}`) ?? [];
      const byStart = new Map<number, { row: SheetRow; minor: number; tier: number }>();
      for (const row of candidates) {
        if (row.currency !== currency) {
          skipped++;
          this.logger?.warn({ country: cc, productId: sku.productId, skuId: sku.skuId, currency: row.currency, marketCurrency: currency }, 'partner center: a price in another currency than the market’s was skipped');
          continue;
        }
        if (/^P\d+[DWMY]$/.test(row.term) && sku.term !== 'one_time' && row.term !== sku.term) continue;
        const end = row.end ? parseSheetDate(row.end) : undefined;
        if (end && end.getTime() < now.getTime()) continue;
        const minor = priceToMinor(row.unitPrice, currency);
        if (minor === null) {
          skipped++;
          this.logger?.warn({ country: cc, productId: sku.productId, skuId: sku.skuId, unitPrice: row.unitPrice }, 'partner center: a price that is not a decimal number was skipped');
          continue;
        }
        const start = (row.start ? parseSheetDate(row.start) : undefined) ?? now;
        const tier = Number(row.tierMin || 0);
        const earlier = byStart.get(start.getTime());
        if (earlier && earlier.minor !== minor) {
          this.logger?.warn({ country: cc, productId: sku.productId, skuId: sku.skuId }, 'partner center: tiered prices are not supported; the lowest tier’s is kept');
        }
        if (!earlier || (Number.isFinite(tier) && tier < earlier.tier)) byStart.set(start.getTime(), { row, minor, tier: Number.isFinite(tier) ? tier : Infinity });
      }
      if (byStart.size === 0) {
        unpriced++;
        this.logger?.debug({ country: cc, productId: sku.productId, skuId: sku.skuId }, 'partner center: a SKU on sale has no price in the price sheet; not offered');
        continue;
      }
      for (const [start, { minor }] of byStart) rows.push({ productId: sku.productId, skuId: sku.skuId, unitPriceMinor: minor, effectiveFrom: new Date(start) });
    }
    if (unpriced) this.logger?.warn({ country: cc, unpriced }, 'partner center: SKUs on sale without a price in the price sheet are not offered');
    return { rows, unpriced, skipped };
  }

  // --- writing -----------------------------------------------------------------------

  private async write(
    cc: string,
    listing: { products: Map<string, ListedProduct>; skus: ListedSku[]; skipped: number; refusedViews: CatalogView[] },
    priced: { rows: PriceRow[]; unpriced: number; skipped: number } | undefined,
    now: Date,
  ): Promise<CatalogRefreshSummary> {
    const { skus } = listing;
    // A product without a SKU on sale in the market would be an empty row.
    const productIds = new Set(skus.map((s) => s.productId));
    const products = [...listing.products.values()].filter((p) => productIds.has(p.id));

    return inTransaction(this.db, async (client) => {
      // Two refreshes of one market (a job run twice) write one after the other.
      await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':partner_center_catalog'), hashtext($1))", [cc]);
      const { rows: before } = await client.query<{ product_id: string; sku_id: string }>(
        `SELECT DISTINCT p.product_id, p.sku_id FROM prices p
           JOIN partner_center_skus pc ON pc.product_id = p.product_id AND pc.sku_id = p.sku_id
          WHERE p.market = $1 AND p.effective_from <= $2`,
        [cc, now],
      );
      await client.query(
        `INSERT INTO products (id, kind, title, publisher, description, azure_hybrid_benefit, updated_at)
         SELECT x.id, x.kind, x.title, x.publisher, x.description, x.azure_hybrid_benefit, $2
           FROM jsonb_to_recordset($1::jsonb) AS x (id text, kind text, title text, publisher text, description text, azure_hybrid_benefit boolean)
         ON CONFLICT (id) DO UPDATE
           SET kind = EXCLUDED.kind, title = EXCLUDED.title, publisher = EXCLUDED.publisher, description = EXCLUDED.description,
               azure_hybrid_benefit = EXCLUDED.azure_hybrid_benefit, updated_at = EXCLUDED.updated_at`,
        [JSON.stringify(products.map((p) => ({ id: p.id, kind: p.kind, title: p.title, publisher: p.publisher, description: p.description, azure_hybrid_benefit: p.azureHybridBenefit }))), now],
      );
      const skuJson = JSON.stringify(
        skus.map((s) => ({
          product_id: s.productId,
          sku_id: s.skuId,
          title: s.title,
          description: s.description,
          term: s.term,
          billing: s.billing,
          min_quantity: s.minQuantity,
          max_quantity: s.maxQuantity,
          target_view: listing.products.get(s.productId)!.view,
          purchase_prerequisites: s.purchasePrerequisites,
          provisioning_variables: s.provisioningVariables,
        })),
      );
      await client.query(
        `INSERT INTO skus (product_id, id, title, description, term, billing, min_quantity, max_quantity)
         SELECT x.product_id, x.sku_id, x.title, x.description, x.term, x.billing, x.min_quantity, x.max_quantity
           FROM jsonb_to_recordset($1::jsonb) AS x (product_id text, sku_id text, title text, description text, term text, billing text, min_quantity int, max_quantity int)
         ON CONFLICT (product_id, id) DO UPDATE
           SET title = EXCLUDED.title, description = EXCLUDED.description, term = EXCLUDED.term, billing = EXCLUDED.billing,
               min_quantity = EXCLUDED.min_quantity, max_quantity = EXCLUDED.max_quantity`,
        [skuJson],
      );
      await client.query(
        `INSERT INTO partner_center_skus (product_id, sku_id, target_view, purchase_prerequisites, provisioning_variables, refreshed_at)
         SELECT x.product_id, x.sku_id, x.target_view, x.purchase_prerequisites, x.provisioning_variables, $2
           FROM jsonb_to_recordset($1::jsonb) AS x (product_id text, sku_id text, target_view text, purchase_prerequisites text[], provisioning_variables text[])
         ON CONFLICT (product_id, sku_id) DO UPDATE
           SET target_view = EXCLUDED.target_view, purchase_prerequisites = EXCLUDED.purchase_prerequisites,
               provisioning_variables = EXCLUDED.provisioning_variables, refreshed_at = EXCLUDED.refreshed_at`,
        [skuJson, now],
      );

      // The market's prices of SKUs Partner Center manages: all of them replaced by the sheet's, or — without
      // a price sheet — those of SKUs no longer on sale removed.
      await client.query(
        `DELETE FROM prices p USING partner_center_skus pc
          WHERE p.market = $1 AND pc.product_id = p.product_id AND pc.sku_id = p.sku_id
            AND ($2::boolean OR NOT EXISTS (
                  SELECT 1 FROM jsonb_to_recordset($3::jsonb) AS k (product_id text, sku_id text)
                   WHERE k.product_id = p.product_id AND k.sku_id = p.sku_id))`,
        [cc, priced !== undefined, skuJson],
      );
      if (priced) {
        await client.query(
          `INSERT INTO prices (product_id, sku_id, market, currency, unit_price_minor, effective_from)
           SELECT x.product_id, x.sku_id, m.country_code, m.currency, x.unit_price_minor, x.effective_from
             FROM jsonb_to_recordset($1::jsonb) AS x (product_id text, sku_id text, unit_price_minor bigint, effective_from timestamptz)
             JOIN markets m ON m.country_code = $2`,
          [JSON.stringify(priced.rows.map((r) => ({ product_id: r.productId, sku_id: r.skuId, unit_price_minor: r.unitPriceMinor, effective_from: r.effectiveFrom.toISOString() }))), cc],
        );
      }
      const { rows: after } = await client.query<{ product_id: string; sku_id: string }>(
        'SELECT DISTINCT product_id, sku_id FROM prices WHERE market = $1 AND effective_from <= $2',
        [cc, now],
      );
      const offered = new Set(after.map((r) => `${r.product_id}:${r.sku_id}`));
      const summary: CatalogRefreshSummary = {
        country: cc,
        refreshedAt: now,
        products: products.length,
        skus: skus.length,
        prices: priced?.rows.length ?? 0,
        withdrawn: before.filter((r) => !offered.has(`${r.product_id}:${r.sku_id}`)).length,
        unpriced: priced?.unpriced ?? 0,
        skipped: listing.skipped + (priced?.skipped ?? 0),
        refusedViews: listing.refusedViews,
      };
      await client.query(
        `INSERT INTO partner_center_catalog_refreshes (country, refreshed_at, products, skus, prices, attempted_at, last_error, last_error_at)
         VALUES ($1, $2, $3, $4, $5, $2, NULL, NULL)
         ON CONFLICT (country) DO UPDATE
           SET refreshed_at = EXCLUDED.refreshed_at, products = EXCLUDED.products, skus = EXCLUDED.skus, prices = EXCLUDED.prices,
               attempted_at = EXCLUDED.attempted_at, last_error = NULL, last_error_at = NULL`,
        [cc, now, summary.products, summary.skus, summary.prices],
      );
      return summary;
    });
  }

  /** Best effort: a failure to record the failure is logged, and the refresh's own error thrown. */
  private async recordFailure(cc: string, attemptedAt: Date, err: unknown): Promise<void> {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, ERROR_MAX);
    this.logger?.warn({ country: cc, kind: err instanceof PartnerCenterError ? err.kind : undefined, status: err instanceof PartnerCenterError ? err.status : undefined, error: message }, 'partner center: catalog refresh failed; the cache stays as it was');
    try {
      await this.db.query(
        `INSERT INTO partner_center_catalog_refreshes (country, attempted_at, last_error, last_error_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (country) DO UPDATE
           SET attempted_at = EXCLUDED.attempted_at, last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at`,
        [cc, attemptedAt, message, this.now()],
      );
    } catch (cause) {
      this.logger?.warn({ country: cc, cause: cause instanceof Error ? cause.message : String(cause) }, 'partner center: the failed catalog refresh could not be recorded');
    }
  }
}

// --- the price sheet API ----------------------------------------------------------------

/**
 * Downloads price sheets (get-a-price-sheet): `GET {baseUrl}/v1.0/sales/pricesheets(Market='{cc}',
 * PricesheetView='{view}')/$value` with `Accept-Encoding: deflate` (the documented opt-in to a
 * compressed file), MS-CorrelationId and MS-RequestId. The answer is CSV, or a zip holding one
 * (taken by its PK signature; its first .csv entry is read), or deflated per Content-Encoding
 * (fetch undoes that). A 401 is repeated once with a fresh token; any other failure throws
 * PartnerCenterError (kind by status; 0: network error or timeout) — the refresh job is what
 * repeats. Tokens are never logged.
 */
export class PriceSheetClient {
  private readonly baseUrl: string;
  private readonly tokens: AccessTokens;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly logger: Logger | undefined;

  constructor(opts: PriceSheetClientOptions) {
    this.baseUrl = (opts.baseUrl ?? PARTNER_API_BASE_URL).replace(/\/+$/, '');
    this.tokens = opts.tokens;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_PRICE_SHEET_TIMEOUT_MS;
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.logger = opts.logger;
  }

  /** The market's current price sheet of `view`, as CSV text. */
  async download(country: string, view: PriceSheetView, correlationId: string): Promise<string> {
    const cc = country.trim().toLowerCase();
    if (!/^[a-z]{2}$/.test(cc)) throw new RangeError(`A market is an ISO 3166-1 alpha-2 country code, not ${JSON.stringify(country)}`);
    const path = `/v1.0/sales/pricesheets(Market='${cc}',PricesheetView='${view}')/$value`;
    const requestId = randomUUID();
    const ids = { requestId, correlationId };
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.accessToken(attempt > 1 ? { fresh: true } : undefined);
      const started = Date.now();
      let res: Response;
      let body: Buffer;
      try {
        res = await this.fetchFn(`${this.baseUrl}${path}`, {
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'text/csv, application/octet-stream', 'accept-encoding': 'deflate', 'ms-correlationid': correlationId, 'ms-requestid': requestId },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        body = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        throw new PartnerCenterError(
          timedOut ? `The price sheet API did not answer GET ${path} within ${this.timeoutMs} ms` : `The price sheet API could not be reached for GET ${path}: ${describeNetworkError(err)}`,
          { status: 0, kind: timedOut ? 'timeout' : 'unavailable', ...ids },
        );
      }
      this.logger?.debug({ path, status: res.status, bytes: body.length, ms: Date.now() - started, attempt, ...ids }, 'partner center: price sheet');
      if (res.status === 401 && attempt === 1) continue;
      if (!res.ok) {
        const said = body.toString('utf8');
        const fault = readPartnerCenterFault(parseJsonText(said));
        const words = fault.description ? `: ${fault.description}` : '';
        throw new PartnerCenterError(`The price sheet API answered HTTP ${res.status} to GET ${path}${words}`, { ...fault, status: res.status, kind: partnerCenterErrorKind(res.status), ...ids });
      }
      const csv = isZip(body) ? readZipCsv(body) : body;
      return csv.toString('utf8');
    }
  }
}

// --- pure helpers (exported for the tests) ----------------------------------------------

/**
 * The rows of a CSV text (RFC 4180): fields split at commas, a field in double quotes may hold
 * commas, line breaks and doubled quotes (""); lines end with CRLF, LF or CR; a leading BOM and
 * blank lines are skipped. Lenient where RFC 4180 is not: text after a closing quote joins the
 * field. Throws on a quote that is never closed. One row at a time, so a large sheet is never
 * held twice.
 */
export function* csvRows(csv: string): Generator<string[], void, undefined> {
  const n = csv.length;
  let i = csv.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const row: string[] = [];
    for (;;) {
      let field = '';
      if (csv[i] === '"') {
        const opened = line;
        i++;
        for (;;) {
          const q = csv.indexOf('"', i);
          if (q < 0) throw new Error(`CSV: the quoted field opened on line ${opened} is never closed`);
          const part = csv.slice(i, q);
          field += part;
          line += countLineBreaks(part);
          if (csv[q + 1] === '"') {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      }
      let j = i;
      while (j < n) {
        const c = csv.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break; // , \n \r
        j++;
      }
      field += csv.slice(i, j);
      i = j;
      row.push(field);
      if (csv[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (csv[i] === '\r') i++;
    if (csv[i] === '\n') i++;
    line++;
    if (row.length > 1 || row[0] !== '') yield row;
  }
}

function countLineBreaks(text: string): number {
  return (text.match(/\r\n|\r|\n/g) ?? []).length;
}

/**
 * A decimal price ("115.2", "15", "0.005") in integer minor units of `currency` (EUR 2 digits,
 * JPY 0, BHD 3), from the text alone — never through a float. Decimals beyond the currency's are
 * rounded half up. null for anything else (signs, exponents, separators, empty) or past
 * Number.MAX_SAFE_INTEGER.
 */
export function priceToMinor(value: string, currency: string): number | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return null;
  const digits = currencyMinorDigits(currency);
  const fraction = m[2] ?? '';
  let minor = BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt(fraction.slice(0, digits).padEnd(digits, '0') || '0');
  if ((fraction[digits] ?? '0') >= '5') minor += 1n;
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null;
}

/** A price sheet date: "3/1/2018 12:00:00 AM" (M/D/YYYY, 12-hour clock, as the docs show) or ISO 8601; UTC unless it says otherwise; undefined when unreadable. */
export function parseSheetDate(value: string): Date | undefined {
  const t = value.trim();
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/.exec(t);
  if (us) {
    const [month, day, year, minute, second] = [us[1], us[2], us[3], us[5], us[6]].map((x) => Number(x ?? 0)) as [number, number, number, number, number];
    let hour = Number(us[4] ?? 0);
    const half = us[7]?.toUpperCase();
    if (half && (hour < 1 || hour > 12)) return undefined;
    if (half === 'PM' && hour < 12) hour += 12;
    if (half === 'AM' && hour === 12) hour = 0;
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const same = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && minute < 60 && second < 60;
    return same ? date : undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i.test(t)) {
    const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(t) || t.length === 10;
    const date = new Date(zoned ? t.replace(' ', 'T') : `${t.replace(' ', 'T')}Z`);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function isZip(body: Buffer): boolean {
  return body.length >= 4 && body.readUInt32LE(0) === 0x04034b50;
}

/**
 * The first .csv entry of a zip archive (else its first file), stored or deflated: what the
 * price sheet API answers a request with `Accept-Encoding: deflate`. Zip64 and other methods are
 * refused with an error that says so.
 */
export function readZipCsv(zip: Buffer): Buffer {
  try {
    let end = -1;
    for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
      if (zip.readUInt32LE(i) === 0x06054b50) {
        end = i;
        break;
      }
    }
    if (end < 0) throw new Error('no end of central directory');
    const count = zip.readUInt16LE(end + 10);
    let at = zip.readUInt32LE(end + 16);
    let chosen: { name: string; method: number; size: number; local: number } | undefined;
    for (let k = 0; k < count; k++) {
      if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('a broken central directory');
      const nameLength = zip.readUInt16LE(at + 28);
      const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
      const entry = { name, method: zip.readUInt16LE(at + 10), size: zip.readUInt32LE(at + 20), local: zip.readUInt32LE(at + 42) };
      if (!name.endsWith('/') && (!chosen || (!/\.csv$/i.test(chosen.name) && /\.csv$/i.test(name)))) chosen = entry;
      at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    }
    if (!chosen) throw new Error('no file in it');
    if (chosen.size === 0xffffffff || chosen.local === 0xffffffff) throw new Error('zip64 is not supported');
    if (zip.readUInt32LE(chosen.local) !== 0x04034b50) throw new Error('a broken local header');
    const start = chosen.local + 30 + zip.readUInt16LE(chosen.local + 26) + zip.readUInt16LE(chosen.local + 28);
    const data = zip.subarray(start, start + chosen.size);
    if (chosen.method === 0) return data;
    if (chosen.method === 8) return inflateRawSync(data);
    throw new Error(`compression method ${chosen.method} is not supported`);
  } catch (err) {
    throw new Error(`The price sheet came as a zip file that cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

// --- small readers -------------------------------------------------------------------------

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.flatMap((v) => text(v) ?? []) : [];
}

/** P1Y/P3Y, none → one_time; another duration is not a term this product sells. */
function termOf(a: AvailabilityJson): { ok: true; term: Term } | { ok: false; duration: string } {
  const first: unknown = Array.isArray(a.terms) ? a.terms[0] : undefined;
  const duration = first && typeof first === 'object' ? text((first as { duration?: unknown }).duration)?.toUpperCase() : undefined;
  if (!duration) return { ok: true, term: 'one_time' };
  if (duration === 'P1Y' || duration === 'P3Y') return { ok: true, term: duration };
  return { ok: false, duration };
}

/** The bot buys for commercial customers; an availability that names no segment is taken as theirs. */
function isCommercial(a: AvailabilityJson): boolean {
  const segment = text(a.segment);
  return segment === undefined || segment.toLowerCase() === 'commercial';
}

/** The first of one_time, annual, monthly the SKU supports (enum values are lower snake_case, §2.3); none → one_time. */
function billingOf(cycles: unknown): BillingCycle {
  const supported = new Set(strings(cycles).map((c) => c.toLowerCase()));
  return (['one_time', 'annual', 'monthly'] as const).find((c) => supported.has(c)) ?? 'one_time';
}

function isNotFound(err: unknown): boolean {
  return err instanceof PartnerCenterError && err.kind === 'not_found';
}

// --- at most N calls in flight ------------------------------------------------------------

const STOPPED = new Error('stopped: another call of the refresh failed');

/**
 * At most `max` calls in flight (a slot is handed from a finished call to the next waiting one).
 * After the first failure no further call starts; `all` waits for every task it is given to end
 * (none is left running once a refresh has failed) and throws that first failure.
 */
class CallLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private failure: { error: unknown } | undefined;

  constructor(private readonly max: number) {}

  async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.failure) throw STOPPED;
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      if (this.failure) throw STOPPED;
      return await fn();
    } catch (err) {
      if (err !== STOPPED) this.failure ??= { error: err };
      throw err;
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  async all<T>(tasks: Array<Promise<T>>): Promise<T[]> {
    const settled = await Promise.allSettled(tasks);
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw this.failure ? this.failure.error : rejected.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  /** Every item of a collection, each page one call; `absent(err)` true: the collection is empty (404…). */
  async collect<T>(http: PartnerCenterHttp, op: PartnerCenterRequest, absent: (err: unknown) => boolean): Promise<T[]> {
    const pages = http.pages<T>(op);
    const items: T[] = [];
    for (;;) {
      const page = await this.call(() =>
        pages.next().catch((err: unknown): IteratorResult<T[], void> => {
          if (absent(err)) return { done: true, value: undefined };
          throw err;
        }),
      );
      if (page.done) return items;
      items.push(...page.value);
    }
  }
}
