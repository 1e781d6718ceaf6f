/**
 * The fake Partner Center's catalog: products, SKUs, availabilities (research notes §3.2) and
 * price sheets (learn.microsoft.com/partner-center/developer/get-a-price-sheet). Mounted by
 * ./partner-center.ts (`fake.catalog`): its routes are matched after the fake's own, behind the
 * same `Authorization: Bearer …` check, with the same fault controls (enqueue, failNext, script)
 * and recorded in `fake.calls` under the kinds below.
 *
 * Routes (shapes as product-resources.md and the research notes show them: camelCase, collections
 * `{ totalCount, items, links: { self, next? }, attributes: { objectType: "Collection" } }`):
 *   GET /v1/products?country=CC&targetView=V                                  catalog.products
 *       the products of view V sold in CC (added with `addProduct`, in that order):
 *       { id, title, description, productType: { id, displayName }, isMicrosoftProduct,
 *         publisherName, links: { skus, self }, attributes: { objectType: "Product" } }.
 *       400 (code 0) without country or targetView (both are required).
 *   GET /v1/products/{p}/skus?country=CC                                      catalog.skus
 *       the product's SKUs sold in CC: { id, productId, title, description, minimumQuantity,
 *       maximumQuantity, isTrial, supportedBillingCycles, purchasePrerequisites,
 *       inventoryVariables, provisioningVariables, dynamicAttributes, links, attributes:
 *       { objectType: "Sku" } }; 404 code 400013 "The parent product was not found" for a product
 *       unknown or not sold in CC (get-a-list-of-skus-for-a-product.md); 400 without country.
 *   GET /v1/products/{p}/skus/{s}/availabilities?country=CC                   catalog.availabilities
 *       the SKU's one availability in CC, as get-a-list-of-availabilities-for-a-sku.md shows it:
 *       { id, productId, skuId, catalogItemId: "{p}:{s}:{id}", defaultCurrency: { code, symbol },
 *         segment, country, isPurchasable, isRenewable, terms: [{ duration, description }],
 *         links: { self }, attributes: { objectType: "Availability" } } — `terms` empty for a
 *       one-time purchase; an empty collection when the SKU is not sold in CC; 404 (code 0) for an
 *       unknown product or SKU.
 *   GET /v1/customers/{id}/products?targetView=V, …/products/{p}/skus,
 *       …/products/{p}/skus/{s}/availabilities              catalog.customerProducts / customerSkus / customerAvailabilities
 *       the same for the customer's country (`setCustomerCountry`); 404 (code 0) for a customer
 *       with none. Availability ids are the same as the global route's for that country.
 *   GET /v1.0/sales/pricesheets(Market='cc',PricesheetView='view')/$value    catalog.priceSheet
 *       (the Partner API's path: in production another host, https://api.partner.microsoft.com;
 *       here the same fake) 200 `content-type: application/octet-stream`, the CSV the docs show:
 *       every field quoted, CRLF, header
 *       "ProductTitle","ProductId","SkuId","SkuTitle","Publisher","SkuDescription","UnitOfMeasure",
 *       "TermDuration","BillingPlan","Market","Currency","UnitPrice","PricingTierRangeMin",
 *       "PricingTierRangeMax","EffectiveStartDate","EffectiveEndDate","Tags","ERP Price"
 *       then a row per SKU price seeded for the market (upper case in the Market column) whose
 *       product's view the sheet covers (`software`: SoftwarePerpetual, SoftwareSubscriptions,
 *       SoftwareSUSELinux; `azure_reservations`: AzureReservations), then `addPriceSheetRows`'
 *       rows. Dates as the docs write them ("1/1/2026 12:00:00 AM"). 400 (code 0) for a view the
 *       docs do not name (azure_consumption, azure_reservations, updatedlicensebased,
 *       marketplace, software).
 * While more items follow (`maxPageSize(n)`), `links.next` is `{ uri: "<self>&seekOperation=Next",
 * headers: [{ key: "MS-ContinuationToken", value }] }`; a next-page request without a known token
 * is 400.
 *
 * `reset()` (run by the fake's) forgets products, customers' countries, extra price sheet rows,
 * continuation tokens and the page size cap.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { FakePartnerCenterPart, FakePartnerCenterRoute, PartnerCenterReply, PartnerCenterSeen } from './partner-center.js';

export const PRICE_SHEET_COLUMNS = [
  'ProductTitle', 'ProductId', 'SkuId', 'SkuTitle', 'Publisher', 'SkuDescription', 'UnitOfMeasure', 'TermDuration', 'BillingPlan',
  'Market', 'Currency', 'UnitPrice', 'PricingTierRangeMin', 'PricingTierRangeMax', 'EffectiveStartDate', 'EffectiveEndDate', 'Tags', 'ERP Price',
] as const;
export type PriceSheetColumn = (typeof PRICE_SHEET_COLUMNS)[number];

const PRICE_SHEET_VIEWS = new Set(['azure_consumption', 'azure_reservations', 'updatedlicensebased', 'marketplace', 'software']);
const SHEET_OF_VIEW: Record<string, string> = {
  SoftwarePerpetual: 'software',
  SoftwareSubscriptions: 'software',
  SoftwareSUSELinux: 'software',
  AzureReservations: 'azure_reservations',
};
const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', JPY: '¥', GBP: '£', AUD: '$' };

/** A price of a SKU in one market, as the price sheet says it. */
export interface FakeSkuPrice {
  currency: string;
  /** The decimal text of the UnitPrice column ("1234.56"). */
  unitPrice: string;
  /** '1/1/2026 12:00:00 AM' when left out. */
  effectiveStartDate?: string;
  /** '12/31/9999 11:59:59 PM' when left out. */
  effectiveEndDate?: string;
  /** The TermDuration column; the SKU's first term when left out. */
  termDuration?: string;
  /** The ERP Price column; empty when left out. */
  erpPrice?: string;
}

export interface FakeSkuSeed {
  id: string;
  /** `SKU {id}` when left out. */
  title?: string;
  description?: string;
  /** 1 and 1000 when left out. */
  minimumQuantity?: number;
  maximumQuantity?: number;
  /** ['one_time'] when left out. */
  supportedBillingCycles?: string[];
  purchasePrerequisites?: string[];
  provisioningVariables?: string[];
  /** Durations of its availability's terms ('P1Y', 'P3Y', 'P1M'); none (the default): a one-time purchase. */
  terms?: string[];
  /** true when left out. */
  isPurchasable?: boolean;
  /** 'commercial' when left out. */
  segment?: string;
  /** Where it is sold; the product's countries when left out. */
  countries?: string[];
  /** Its price sheet rows per market (ISO-2, upper case): none → the sheet has no price for it there. */
  prices?: Record<string, FakeSkuPrice | FakeSkuPrice[]>;
}

export interface FakeProductSeed {
  id: string;
  title: string;
  description?: string;
  /** 'Microsoft Corporation' when left out. */
  publisherName?: string;
  /** The targetView that lists it: SoftwarePerpetual, SoftwareSubscriptions, SoftwareSUSELinux, AzureReservations… */
  targetView: string;
  /** Markets (ISO-2) where it is sold. */
  countries: string[];
  skus: FakeSkuSeed[];
}

/** A SKU as the fake keeps it: the seed with its defaults, changed in place by a test. */
export interface FakeCatalogSku extends Required<Omit<FakeSkuSeed, 'countries' | 'description'>> {
  description: string;
  countries: string[] | undefined;
  /** Its availability id per country; a new one after `renewAvailability`. */
  availabilityIds: Map<string, string>;
}

export interface FakeCatalogProduct extends Required<Omit<FakeProductSeed, 'skus'>> {
  skus: FakeCatalogSku[];
}

export interface FakeCatalog extends FakePartnerCenterPart {
  /** The products, in the order they were added; change them in place to change the catalog. */
  products: FakeCatalogProduct[];
  addProduct(seed: FakeProductSeed): FakeCatalogProduct;
  /** The SKU as kept (throws for an unknown one). */
  sku(productId: string, skuId: string): FakeCatalogSku;
  /** The SKU is no longer sold in `country` (in any country when left out). */
  removeSku(productId: string, skuId: string, country?: string): void;
  /** New availability ids for the SKU: its catalogItemId changes ("This ID can change over time"). */
  renewAvailability(productId: string, skuId: string): void;
  /** The country whose catalog the customer-scoped routes answer for this customer. */
  setCustomerCountry(customerId: string, country: string): void;
  /** Collections hold at most `n` items a page; undefined: all in one. */
  maxPageSize(n: number | undefined): void;
  /** Rows added to the price sheet of (market, view) after the seeded ones; columns left out are empty. */
  addPriceSheetRows(market: string, view: string, rows: Array<Partial<Record<PriceSheetColumn, string>>>): void;
  /** The CSV the price sheet route answers for (market, view). */
  priceSheetCsv(market: string, view: string): string;
}

const notFound = (code: number, description: string): PartnerCenterReply => ({ status: 404, body: { code, description, data: [], source: 'PartnerFD' } });
const badRequest = (description: string): PartnerCenterReply => ({ status: 400, body: { code: 0, description, data: [], source: 'PartnerFD' } });

/** A Partner Center-like id: upper-case alphanumerics. */
function catalogId(length: number): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTVWXZ';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[randomInt(alphabet.length)];
  return id;
}

function csvLine(fields: readonly string[]): string {
  return fields.map((f) => `"${f.replace(/"/g, '""')}"`).join(',');
}

export function createFakeCatalog(): FakeCatalog {
  const products: FakeCatalogProduct[] = [];
  const customerCountries = new Map<string, string>();
  const extraRows = new Map<string, Array<Partial<Record<PriceSheetColumn, string>>>>();
  const continuations = new Map<string, { items: unknown[]; self: string }>();
  let pageSizeCap: number | undefined;

  function addProduct(seed: FakeProductSeed): FakeCatalogProduct {
    const product: FakeCatalogProduct = {
      id: seed.id,
      title: seed.title,
      description: seed.description ?? '',
      publisherName: seed.publisherName ?? 'Microsoft Corporation',
      targetView: seed.targetView,
      countries: seed.countries.map((c) => c.toUpperCase()),
      skus: seed.skus.map((s) => ({
        id: s.id,
        title: s.title ?? `SKU ${s.id}`,
        description: s.description ?? '',
        minimumQuantity: s.minimumQuantity ?? 1,
        maximumQuantity: s.maximumQuantity ?? 1000,
        supportedBillingCycles: s.supportedBillingCycles ?? ['one_time'],
        purchasePrerequisites: s.purchasePrerequisites ?? [],
        provisioningVariables: s.provisioningVariables ?? [],
        terms: s.terms ?? [],
        isPurchasable: s.isPurchasable ?? true,
        segment: s.segment ?? 'commercial',
        countries: s.countries?.map((c) => c.toUpperCase()),
        prices: Object.fromEntries(Object.entries(s.prices ?? {}).map(([cc, p]) => [cc.toUpperCase(), p])),
        availabilityIds: new Map(),
      })),
    };
    products.push(product);
    return product;
  }

  function findProduct(id: string): FakeCatalogProduct | undefined {
    return products.find((p) => p.id === decodeURIComponent(id));
  }

  function sku(productId: string, skuId: string): FakeCatalogSku {
    const found = findProduct(productId)?.skus.find((s) => s.id === skuId);
    if (!found) throw new Error(`the fake catalog has no SKU ${productId}/${skuId}`);
    return found;
  }

  const soldIn = (product: FakeCatalogProduct, country: string) => product.countries.includes(country);
  const skuSoldIn = (product: FakeCatalogProduct, s: FakeCatalogSku, country: string) => (s.countries ?? product.countries).includes(country);

  function availabilityId(s: FakeCatalogSku, country: string): string {
    let id = s.availabilityIds.get(country);
    if (!id) {
      id = catalogId(12);
      s.availabilityIds.set(country, id);
    }
    return id;
  }

  /** A collection answer, paged when `maxPageSize` asks (§2.4). */
  function collection(call: PartnerCenterSeen, all: unknown[], self: string): PartnerCenterReply {
    let items = all;
    let selfUri = self;
    if (call.query.seekOperation === 'Next') {
      const token = call.headers['ms-continuationtoken'];
      const found = typeof token === 'string' ? continuations.get(token) : undefined;
      if (!found) return badRequest('The continuation token is missing or not valid');
      ({ items, self: selfUri } = found);
    }
    const size = pageSizeCap ?? items.length;
    const page = items.slice(0, Math.max(size, 0));
    const links: Record<string, unknown> = { self: { uri: selfUri, method: 'GET', headers: [] } };
    if (page.length < items.length) {
      const token = randomBytes(12).toString('base64url');
      continuations.set(token, { items: items.slice(page.length), self: selfUri });
      links.next = { uri: `${selfUri}&seekOperation=Next`, method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: token }] };
    }
    return { body: { totalCount: page.length, items: page, links, attributes: { objectType: 'Collection' } } };
  }

  function productJson(p: FakeCatalogProduct, country: string) {
    const reservation = p.targetView.startsWith('Azure');
    return {
      id: p.id,
      title: p.title,
      description: p.description,
      productType: reservation ? { id: 'Azure', displayName: 'Azure', subType: { id: 'VirtualMachines', displayName: 'VirtualMachines' } } : { id: 'Software', displayName: 'Software' },
      isMicrosoftProduct: p.publisherName === 'Microsoft Corporation',
      publisherName: p.publisherName,
      links: {
        skus: { uri: `/products/${p.id}/skus?country=${country}`, method: 'GET', headers: [] },
        self: { uri: `/products/${p.id}?country=${country}`, method: 'GET', headers: [] },
      },
      attributes: { objectType: 'Product' },
    };
  }

  function skuJson(p: FakeCatalogProduct, s: FakeCatalogSku, country: string) {
    return {
      id: s.id,
      productId: p.id,
      title: s.title,
      description: s.description,
      minimumQuantity: s.minimumQuantity,
      maximumQuantity: s.maximumQuantity,
      isTrial: false,
      supportedBillingCycles: s.supportedBillingCycles,
      purchasePrerequisites: s.purchasePrerequisites,
      inventoryVariables: [],
      provisioningVariables: s.provisioningVariables,
      dynamicAttributes: {},
      links: {
        availabilities: { uri: `/products/${p.id}/skus/${s.id}/availabilities?country=${country}`, method: 'GET', headers: [] },
        self: { uri: `/products/${p.id}/skus/${s.id}?country=${country}`, method: 'GET', headers: [] },
      },
      attributes: { objectType: 'Sku' },
    };
  }

  function availabilityJson(p: FakeCatalogProduct, s: FakeCatalogSku, country: string) {
    const id = availabilityId(s, country);
    const price = s.prices[country];
    const currency = (Array.isArray(price) ? price[0] : price)?.currency ?? 'USD';
    return {
      id,
      productId: p.id,
      skuId: s.id,
      catalogItemId: `${p.id}:${s.id}:${id}`,
      defaultCurrency: { code: currency, symbol: SYMBOLS[currency] ?? currency },
      segment: s.segment,
      country,
      isPurchasable: s.isPurchasable,
      isRenewable: false,
      terms: s.terms.map((duration) => ({ duration, description: describeTerm(duration) })),
      links: { self: { uri: `/products/${p.id}/skus/${s.id}/availabilities/${id}?country=${country}`, method: 'GET', headers: [] } },
      attributes: { objectType: 'Availability' },
    };
  }

  // --- the answers, by country (global routes) or by customer --------------------------

  function listProducts(call: PartnerCenterSeen, country: string | undefined, self: string): PartnerCenterReply {
    const view = call.query.targetView;
    if (!country || !view) return badRequest('country and targetView are required');
    const cc = country.toUpperCase();
    return collection(call, products.filter((p) => p.targetView.toLowerCase() === view.toLowerCase() && soldIn(p, cc)).map((p) => productJson(p, cc)), self);
  }

  function listSkus(call: PartnerCenterSeen, country: string | undefined, productId: string, self: string): PartnerCenterReply {
    if (!country) return badRequest('country is required');
    const cc = country.toUpperCase();
    const product = findProduct(productId);
    if (!product || !soldIn(product, cc)) return notFound(400013, 'The parent product was not found');
    return collection(call, product.skus.filter((s) => skuSoldIn(product, s, cc)).map((s) => skuJson(product, s, cc)), self);
  }

  function listAvailabilities(call: PartnerCenterSeen, country: string | undefined, productId: string, skuId: string, self: string): PartnerCenterReply {
    if (!country) return badRequest('country is required');
    const cc = country.toUpperCase();
    const product = findProduct(productId);
    const s = product?.skus.find((k) => k.id === decodeURIComponent(skuId));
    if (!product || !s) return notFound(0, `No SKU ${skuId} of product ${productId}`);
    return collection(call, soldIn(product, cc) && skuSoldIn(product, s, cc) ? [availabilityJson(product, s, cc)] : [], self);
  }

  function forCustomer(customerId: string, answer: (country: string) => PartnerCenterReply): PartnerCenterReply {
    const country = customerCountries.get(decodeURIComponent(customerId).toLowerCase());
    return country ? answer(country) : notFound(0, `Customer ${customerId} was not found`);
  }

  const withQuery = (path: string, query: Record<string, string>) => {
    const q = new URLSearchParams(Object.entries(query).filter(([k]) => k !== 'seekOperation')).toString();
    return q ? `${path}?${q}` : `${path}?`;
  };

  // --- the price sheet ------------------------------------------------------------------

  function priceSheetCsv(market: string, view: string): string {
    const cc = market.toUpperCase();
    const lines = [csvLine(PRICE_SHEET_COLUMNS)];
    for (const p of products) {
      if (SHEET_OF_VIEW[p.targetView] !== view) continue;
      for (const s of p.skus) {
        const seeded = s.prices[cc];
        for (const price of seeded === undefined ? [] : Array.isArray(seeded) ? seeded : [seeded]) {
          const row: Record<PriceSheetColumn, string> = {
            ProductTitle: p.title,
            ProductId: p.id,
            SkuId: s.id,
            SkuTitle: s.title,
            Publisher: p.publisherName,
            SkuDescription: s.description,
            UnitOfMeasure: '',
            TermDuration: price.termDuration ?? s.terms[0] ?? '',
            BillingPlan: s.terms.length ? 'Annual' : 'OneTime',
            Market: cc,
            Currency: price.currency,
            UnitPrice: price.unitPrice,
            PricingTierRangeMin: '',
            PricingTierRangeMax: '',
            EffectiveStartDate: price.effectiveStartDate ?? '1/1/2026 12:00:00 AM',
            EffectiveEndDate: price.effectiveEndDate ?? '12/31/9999 11:59:59 PM',
            Tags: view === 'software' ? 'Software' : 'Azure',
            'ERP Price': price.erpPrice ?? '',
          };
          lines.push(csvLine(PRICE_SHEET_COLUMNS.map((c) => row[c])));
        }
      }
    }
    for (const extra of extraRows.get(`${cc}:${view}`) ?? []) lines.push(csvLine(PRICE_SHEET_COLUMNS.map((c) => extra[c] ?? '')));
    return `${lines.join('\r\n')}\r\n`;
  }

  function priceSheet(market: string, view: string): PartnerCenterReply {
    if (!PRICE_SHEET_VIEWS.has(view)) return badRequest(`The price sheet view ${view} is not valid`);
    return {
      headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename=pricesheet' },
      raw: priceSheetCsv(decodeURIComponent(market), view),
    };
  }

  const routes: FakePartnerCenterRoute[] = [
    {
      kind: 'catalog.products',
      method: 'GET',
      pattern: /^\/v1\/products\/?$/,
      answer: (call) => listProducts(call, call.query.country, withQuery('/products', call.query)),
    },
    {
      kind: 'catalog.skus',
      method: 'GET',
      pattern: /^\/v1\/products\/([^/]+)\/skus\/?$/,
      answer: (call, [p]) => listSkus(call, call.query.country, p!, withQuery(`/products/${p}/skus`, call.query)),
    },
    {
      kind: 'catalog.availabilities',
      method: 'GET',
      pattern: /^\/v1\/products\/([^/]+)\/skus\/([^/]+)\/availabilities\/?$/,
      answer: (call, [p, s]) => listAvailabilities(call, call.query.country, p!, s!, withQuery(`/products/${p}/skus/${s}/availabilities`, call.query)),
    },
    {
      kind: 'catalog.customerProducts',
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/products\/?$/,
      answer: (call, [c]) => forCustomer(c!, (cc) => listProducts(call, cc, withQuery(`/customers/${c}/products`, call.query))),
    },
    {
      kind: 'catalog.customerSkus',
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/products\/([^/]+)\/skus\/?$/,
      answer: (call, [c, p]) => forCustomer(c!, (cc) => listSkus(call, cc, p!, withQuery(`/customers/${c}/products/${p}/skus`, call.query))),
    },
    {
      kind: 'catalog.customerAvailabilities',
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/products\/([^/]+)\/skus\/([^/]+)\/availabilities\/?$/,
      answer: (call, [c, p, s]) => forCustomer(c!, (cc) => listAvailabilities(call, cc, p!, s!, withQuery(`/customers/${c}/products/${p}/skus/${s}/availabilities`, call.query))),
    },
    {
      kind: 'catalog.priceSheet',
      method: 'GET',
      pattern: /^\/v1\.0\/sales\/pricesheets\(Market=(?:'|%27)([^'%]*)(?:'|%27),PricesheetView=(?:'|%27)([^'%]*)(?:'|%27)\)\/(?:\$|%24)value$/,
      answer: (_call, [market, view]) => priceSheet(market!, view!),
    },
  ];

  return {
    routes,
    products,
    addProduct,
    sku,
    removeSku: (productId, skuId, country) => {
      const product = findProduct(productId);
      const s = sku(productId, skuId);
      if (country === undefined) {
        s.countries = [];
        return;
      }
      s.countries = (s.countries ?? product!.countries).filter((c) => c !== country.toUpperCase());
    },
    renewAvailability: (productId, skuId) => {
      sku(productId, skuId).availabilityIds.clear();
    },
    setCustomerCountry: (customerId, country) => {
      customerCountries.set(customerId.toLowerCase(), country.toUpperCase());
    },
    maxPageSize: (n) => {
      pageSizeCap = n;
    },
    addPriceSheetRows: (market, view, rows) => {
      const key = `${market.toUpperCase()}:${view}`;
      extraRows.set(key, [...(extraRows.get(key) ?? []), ...rows]);
    },
    priceSheetCsv,
    reset: () => {
      products.length = 0;
      customerCountries.clear();
      extraRows.clear();
      continuations.clear();
      pageSizeCap = undefined;
    },
  };
}

function describeTerm(duration: string): string {
  const m = /^P(\d+)([YM])$/.exec(duration);
  if (!m) return duration;
  const n = Number(m[1]);
  return m[2] === 'Y' ? `${n} Year${n > 1 ? 's' : ''} Prepaid` : `${n} Month${n > 1 ? 's' : ''}`;
}
