/**
 * The embedded commerce backend: customers, catalog and orders in this product's own
 * Postgres tables (migration 0002_commerce.sql). Orders are fulfilled at once (status
 * 'completed'); there is no Partner Center behind it.
 */
import { randomInt } from 'node:crypto';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { CommerceError } from './errors.js';
import type { CommerceBackend } from './port.js';
import { cancellationWindow, classifyCustomerQuery, isOrderId, lineTotal, parseGuid, sumMinor, validateQuantity } from './rules.js';
import type {
  BillingCycle,
  CancellationPolicy,
  CancellationProgress,
  CancellationRequest,
  CreateOrderRequest,
  CreateOrderResult,
  CreditPolicy,
  Customer,
  CustomerOffers,
  CustomerSearchResult,
  CustomerSku,
  Market,
  Offer,
  Order,
  OrderDraft,
  OrderLine,
  OrderPage,
  OrderStatus,
  Price,
  Product,
  ProductDetail,
  ProductKind,
  Sku,
  SkuInMarket,
  SkuRef,
  Term,
} from './types.js';

export const MAX_ORDER_LINES = 50;
/** Crockford's base-32 digits: no I, L, O or U, so an id read aloud or typed into a support request is not misread (0/O, 1/I/L). */
const ORDER_ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 12 upper-case alphanumerics from a CSPRNG (60 bits), like Partner Center's alternate order ids. */
export function generateOrderId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += ORDER_ID_ALPHABET[randomInt(ORDER_ID_ALPHABET.length)];
  return id;
}

/** bigint columns arrive as strings; money and ids must stay exact. */
function toSafeInt(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new CommerceError({ code: 'amount_overflow' }, `value ${value} is not a safe integer`);
  return n;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

function normaliseId(id: string): string {
  return id.trim().toUpperCase();
}

// --- markets and customers -------------------------------------------------------

interface MarketRow {
  country_code: string;
  market_name: string;
  currency: string;
  tax_included: boolean;
}

function toMarket(r: MarketRow): Market {
  return { countryCode: r.country_code, name: r.market_name, currency: r.currency, taxIncluded: r.tax_included };
}

interface CustomerRow extends MarketRow {
  id: string;
  partner_id: string;
  company_name: string;
  tenant_id: string;
  primary_domain: string;
  other_domains: string[];
  created_at: Date;
}

const CUSTOMER_SELECT = `
  SELECT c.id, c.partner_id, c.company_name, c.tenant_id, c.primary_domain, c.created_at,
         m.country_code, m.name AS market_name, m.currency, m.tax_included,
         ARRAY(SELECT d.domain FROM customer_domains d WHERE d.customer_id = c.id ORDER BY d.domain) AS other_domains
    FROM customers c
    JOIN markets m ON m.country_code = c.billing_country`;

function toCustomer(r: CustomerRow): Customer {
  return {
    id: r.id,
    partnerId: Number(r.partner_id),
    companyName: r.company_name,
    tenantId: r.tenant_id,
    primaryDomain: r.primary_domain,
    domains: [r.primary_domain, ...r.other_domains],
    market: toMarket(r),
    createdAt: r.created_at,
  };
}

// --- catalog ---------------------------------------------------------------------

interface ProductRow {
  product_id: string;
  kind: ProductKind;
  product_title: string;
  publisher: string;
  product_description: string;
  azure_hybrid_benefit: boolean;
  cancellable: boolean;
  cancellation_window_days: number;
  kind_credit_policy: CreditPolicy;
}

const PRODUCT_COLUMNS = `
  pr.id AS product_id, pr.kind, pr.title AS product_title, pr.publisher, pr.description AS product_description,
  pr.azure_hybrid_benefit,
  COALESCE(pr.cancellable, k.cancellable) AS cancellable,
  COALESCE(pr.cancellation_window_days, k.cancellation_window_days) AS cancellation_window_days,
  k.credit_policy AS kind_credit_policy`;

/** A product's own override wins over its kind; "not cancellable" always means no credit. */
function policyOf(r: Pick<ProductRow, 'cancellable' | 'cancellation_window_days' | 'kind_credit_policy' | 'kind'>): CancellationPolicy {
  let creditPolicy: CreditPolicy = r.kind_credit_policy;
  if (!r.cancellable) creditPolicy = 'none';
  else if (creditPolicy === 'none') creditPolicy = r.kind === 'perpetual_software' ? 'full' : 'prorated';
  return { cancellable: r.cancellable, windowDays: r.cancellation_window_days, creditPolicy };
}

function toProduct(r: ProductRow): Product {
  return {
    id: r.product_id,
    kind: r.kind,
    title: r.product_title,
    publisher: r.publisher,
    description: r.product_description,
    azureHybridBenefit: r.azure_hybrid_benefit,
    cancellation: policyOf(r),
  };
}

interface SkuRow {
  product_id: string;
  sku_id: string;
  sku_title: string;
  sku_description: string;
  term: Term;
  billing: BillingCycle;
  min_quantity: number;
  max_quantity: number;
}

const SKU_COLUMNS = `
  s.id AS sku_id, s.title AS sku_title, s.description AS sku_description, s.term, s.billing, s.min_quantity, s.max_quantity`;

function toSku(r: SkuRow): Sku {
  return {
    productId: r.product_id,
    skuId: r.sku_id,
    title: r.sku_title,
    description: r.sku_description,
    term: r.term,
    billing: r.billing,
    minQuantity: r.min_quantity,
    maxQuantity: r.max_quantity,
  };
}

/** Price columns are prefixed where they would clash with a customer's market columns. */
interface PriceRow {
  price_currency: string;
  unit_price_minor: string;
  price_tax_included: boolean;
  effective_from: Date;
}

function toPrice(r: PriceRow): Price {
  return { currency: r.price_currency, unitPriceMinor: toSafeInt(r.unit_price_minor), taxIncluded: r.price_tax_included, effectiveFrom: r.effective_from };
}

/*
 * The catalog SQL below is written once and anchored two ways: on a market given as a
 * parameter (listProducts, getSkuInMarket) or on a customer's billing country
 * (customerOffers, customerSku, createOrder), so that a purchase step reads the customer and
 * the catalog in one round trip. The fragments take SQL expressions for the market and the
 * instant ("$1", "mk.country_code").
 */

/** The current price of SKU `s` in `market` at instant `at` (for a LATERAL join). */
const priceOfSku = (market: string, at: string) => `
  SELECT p.currency AS price_currency, p.unit_price_minor, p.effective_from, m.tax_included AS price_tax_included
    FROM prices p JOIN markets m ON m.country_code = p.market
   WHERE p.market = ${market} AND p.effective_from <= ${at} AND p.product_id = s.product_id AND p.sku_id = s.id
   ORDER BY p.effective_from DESC LIMIT 1`;

const CURRENT_UNAVAILABLE_LIST = `
  SELECT version FROM azure_reservation_unavailable_lists ORDER BY as_of DESC, version DESC LIMIT 1`;

/** R3: the version of the current unavailable-markets list that names `market`, or NULL. */
const reservationBlockedByIn = (market: string) => `(
  SELECT u.list_version FROM azure_reservation_unavailable_markets u
   WHERE u.list_version = (${CURRENT_UNAVAILABLE_LIST}) AND u.country_code = ${market} LIMIT 1)`;

/** `mk`: a market given as parameter $1 (one column, country_code). */
const MARKET_ANCHOR = 'SELECT $1::text AS country_code';
/** `mk`: the partner's ($1) customer $2 — every customer column, and country_code its billing country. */
const CUSTOMER_ANCHOR = `${CUSTOMER_SELECT} WHERE c.partner_id = $1 AND c.id = $2`;

/** Product `pr` passes the filters: kind `$p`, search pattern `$p+1`, product id `$p+2` (each NULL: no filter). */
const productFilter = (p: number) => `
  ($${p}::text IS NULL OR pr.kind = $${p})
  AND ($${p + 1}::text IS NULL OR pr.title ILIKE $${p + 1} OR pr.description ILIKE $${p + 1} OR pr.publisher ILIKE $${p + 1})
  AND ($${p + 2}::text IS NULL OR pr.id = $${p + 2})`;

/**
 * What market `mk` may buy — every SKU priced there at instant `$p`, no Azure reservation
 * where R3 blocks them — filtered by kind `$p+1`, search pattern `$p+2` and product id
 * `$p+3` (each NULL: no filter), one row per SKU in the catalog's order. Every row also
 * carries `mk`'s columns, `reservation_blocked_by` (R3 for the market) and
 * `reservations_hidden` (R3 kept out an Azure reservation that passes the filters); a
 * market with nothing to offer gives one row whose product columns are NULL.
 */
const offersSql = (anchor: string, p: number) => `
  WITH mk AS MATERIALIZED (
    SELECT b.*, (b.reservation_blocked_by IS NOT NULL
                 AND EXISTS (SELECT 1 FROM products pr WHERE pr.kind = 'azure_reservation' AND ${productFilter(p + 1)})) AS reservations_hidden
      FROM (SELECT a.*, ${reservationBlockedByIn('a.country_code')} AS reservation_blocked_by FROM (${anchor}) a) b)
  SELECT mk.*, o.*
    FROM mk
    LEFT JOIN LATERAL (
      SELECT ${PRODUCT_COLUMNS}, ${SKU_COLUMNS}, cp.*,
             array_position(ARRAY['server_subscription', 'perpetual_software', 'azure_reservation', 'software_plan'], pr.kind) AS kind_rank,
             array_position(ARRAY['one_time', 'P1Y', 'P3Y'], s.term) AS term_rank
        FROM products pr
        JOIN product_kinds k ON k.kind = pr.kind
        JOIN skus s ON s.product_id = pr.id
        JOIN LATERAL (${priceOfSku('mk.country_code', `$${p}`)}) cp ON true
       WHERE ${productFilter(p + 1)}
         AND (pr.kind <> 'azure_reservation' OR mk.reservation_blocked_by IS NULL)
    ) o ON true
   ORDER BY o.kind_rank, o.product_title, o.product_id, o.term_rank, o.sku_id`;

type OfferRow = { reservation_blocked_by: string | null; reservations_hidden: boolean } & (({ product_id: string } & ProductRow & SkuRow & PriceRow) | { product_id: null });

function toOffers(rows: OfferRow[], market: string): Offer[] {
  const offers: Offer[] = [];
  for (const r of rows) {
    if (r.product_id === null) continue;
    let offer = offers[offers.length - 1];
    if (offer?.id !== r.product_id) {
      offer = { ...toProduct(r), market, skus: [] };
      offers.push(offer);
    }
    offer.skus.push({ ...toSku(r), price: toPrice(r) });
  }
  return offers;
}

function offerFilter(opts: { kind?: ProductKind; search?: string; productId?: string }): [string | null, string | null, string | null] {
  const search = opts.search?.trim() ? `%${escapeLike(opts.search.trim())}%` : null;
  return [opts.kind ?? null, search, opts.productId ? normaliseId(opts.productId) : null];
}

/**
 * Product `productId` of the catalog, its SKU `skuId` (NULL columns when it has no such
 * SKU), that SKU's price in `market` at `at` (NULL when not sold there) and, for an Azure
 * reservation, R3 (`reservation_blocked_by`). No row: no such product.
 */
const skuInMarketSql = (market: string, at: string, productId: string, skuId: string) => `
  SELECT ${PRODUCT_COLUMNS}, ${SKU_COLUMNS}, cp.*,
         CASE WHEN pr.kind = 'azure_reservation' THEN ${reservationBlockedByIn(market)} END AS reservation_blocked_by
    FROM products pr
    JOIN product_kinds k ON k.kind = pr.kind
    LEFT JOIN skus s ON s.product_id = pr.id AND s.id = ${skuId}
    LEFT JOIN LATERAL (${priceOfSku(market, at)}) cp ON true
   WHERE pr.id = ${productId}`;

type SkuInMarketRow = ProductRow &
  Omit<SkuRow, 'sku_id'> & { sku_id: string | null } & Omit<PriceRow, 'unit_price_minor'> & { unit_price_minor: string | null; reservation_blocked_by: string | null };

function toSkuInMarket(r: SkuInMarketRow): SkuInMarket {
  const sku = r.sku_id === null ? null : toSku({ ...r, sku_id: r.sku_id });
  const price = sku && r.unit_price_minor !== null ? toPrice(r as PriceRow) : null;
  return { product: toProduct(r), sku, price, reservationBlockedBy: r.reservation_blocked_by };
}

/** The lines of an order to be, each priced in the billing country of the partner's customer, with the customer (see createOrder). */
const ORDER_PRICING_SQL = `
  WITH mk AS (${CUSTOMER_ANCHOR})
  SELECT mk.*, req.line_index, r.*
    FROM mk
   CROSS JOIN unnest($4::text[], $5::text[]) WITH ORDINALITY AS req(product_ref, sku_ref, line_index)
    LEFT JOIN LATERAL (${skuInMarketSql('mk.country_code', '$3', 'req.product_ref', 'req.sku_ref')}) r ON true
   ORDER BY req.line_index`;

/** Version of the unavailable-markets list that excludes `market`, or null when reservations are available there. */
async function reservationBlockedBy(db: Queryable, market: string): Promise<string | null> {
  const { rows } = await db.query<{ list_version: string | null }>(`SELECT ${reservationBlockedByIn('$1')} AS list_version`, [market]);
  return rows[0]?.list_version ?? null;
}

// --- orders ----------------------------------------------------------------------

interface OrderRow {
  id: string;
  partner_id: string;
  customer_id: string;
  created_by: string | null;
  status: OrderStatus;
  purchased_at: Date;
  market: string;
  currency: string;
  tax_included: boolean;
  total_minor: string;
  lines: Array<{
    line_number: number;
    product_id: string;
    sku_id: string;
    product_kind: ProductKind;
    title: string;
    quantity: number;
    term: Term;
    billing: BillingCycle;
    unit_price_minor: number;
    line_total_minor: number;
    cancellable: boolean;
    cancellation_window_days: number;
    credit_policy: CreditPolicy;
  }>;
}

const ORDER_SELECT = `
  SELECT o.id, o.partner_id, o.customer_id, o.created_by, o.status, o.purchased_at, o.market, o.currency,
         o.tax_included, o.total_minor,
         COALESCE((SELECT json_agg(l ORDER BY l.line_number) FROM order_lines l WHERE l.order_id = o.id), '[]') AS lines
    FROM orders o`;

function toOrder(r: OrderRow): Order {
  const lines: OrderLine[] = r.lines.map((l) => ({
    lineNumber: l.line_number,
    productId: l.product_id,
    skuId: l.sku_id,
    productKind: l.product_kind,
    title: l.title,
    quantity: l.quantity,
    term: l.term,
    billing: l.billing,
    unitPriceMinor: toSafeInt(l.unit_price_minor),
    lineTotalMinor: toSafeInt(l.line_total_minor),
    cancellation: { cancellable: l.cancellable, windowDays: l.cancellation_window_days, creditPolicy: l.credit_policy },
  }));
  return {
    id: r.id,
    partnerId: Number(r.partner_id),
    customerId: r.customer_id,
    createdBy: r.created_by === null ? null : Number(r.created_by),
    status: r.status,
    purchasedAt: r.purchased_at,
    market: r.market,
    currency: r.currency,
    taxIncluded: r.tax_included,
    totalMinor: toSafeInt(r.total_minor),
    lines,
  };
}

async function orderByKey(db: Queryable, partnerId: number, key: string): Promise<Order | null> {
  const { rows } = await db.query<OrderRow>({ name: 'commerce.orderByKey', text: `${ORDER_SELECT} WHERE o.partner_id = $1 AND o.idempotency_key = $2`, values: [partnerId, key] });
  return rows[0] ? toOrder(rows[0]) : null;
}

/**
 * The checks every backend makes of a purchase before reading anything: an idempotency key of
 * 1–200 characters, 1–MAX_ORDER_LINES lines, no SKU twice. The key trimmed, the ids upper case.
 */
export function checkOrderRequest(req: CreateOrderRequest): { key: string; lines: Array<SkuRef & { quantity: number }> } {
  const key = typeof req.idempotencyKey === 'string' ? req.idempotencyKey.trim() : '';
  if (key.length === 0 || key.length > 200) {
    throw new CommerceError({ code: 'invalid_idempotency_key' }, 'A purchase needs an idempotency key of 1–200 characters.');
  }
  if (!Array.isArray(req.lines) || req.lines.length === 0) throw new CommerceError({ code: 'empty_order' }, 'The order has no products.');
  if (req.lines.length > MAX_ORDER_LINES) {
    throw new CommerceError({ code: 'too_many_lines', max: MAX_ORDER_LINES }, `An order can hold at most ${MAX_ORDER_LINES} products.`);
  }
  const lines = req.lines.map((l) => ({ productId: normaliseId(String(l.productId ?? '')), skuId: normaliseId(String(l.skuId ?? '')), quantity: l.quantity }));
  const seen = new Set<string>();
  lines.forEach((l, lineIndex) => {
    const id = `${l.productId}:${l.skuId}`;
    if (seen.has(id)) throw new CommerceError({ code: 'duplicate_line', lineIndex }, `${id} is in the order twice; change its quantity instead.`);
    seen.add(id);
  });
  return { key, lines };
}

/**
 * A line priced from the catalog's answer for its SKU in the customer's market, or the
 * CommerceError that says why it cannot be bought there (the same refusals in every backend).
 */
export function priceLine(found: SkuInMarket | null, line: SkuRef & { quantity: number }, lineIndex: number, market: string): PricedLine {
  const where = { lineIndex, productId: line.productId, skuId: line.skuId };
  if (!found) throw new CommerceError({ code: 'product_not_found', ...where }, `Product ${line.productId} does not exist.`);
  const { product, sku, price } = found;
  if (!sku) throw new CommerceError({ code: 'sku_not_found', ...where }, `Product ${line.productId} has no SKU ${line.skuId}.`);
  const check = validateQuantity(sku, line.quantity);
  if (!check.ok) {
    throw new CommerceError(
      { code: 'invalid_quantity', ...where, reason: check.reason, min: check.min, max: check.max },
      `Quantity for ${product.title} must be a whole number from ${check.min} to ${check.max}.`,
    );
  }
  if (product.kind === 'azure_reservation' && found.reservationBlockedBy !== null) {
    throw new CommerceError(
      { code: 'azure_reservation_unavailable', ...where, market, listVersion: found.reservationBlockedBy },
      `Azure reservations are not available in the customer's market (${market}).`,
    );
  }
  if (!price) throw new CommerceError({ code: 'price_unavailable', ...where, market }, `${product.title} is not sold in the customer's market (${market}).`);
  return {
    productId: product.id,
    skuId: sku.skuId,
    productKind: product.kind,
    title: `${product.title} – ${sku.title}`,
    quantity: check.quantity,
    term: sku.term,
    billing: sku.billing,
    unitPriceMinor: price.unitPriceMinor,
    lineTotalMinor: lineTotal(price.unitPriceMinor, check.quantity),
    cancellation: product.cancellation,
  };
}

/** The same key must mean the same purchase; anything else is a caller bug worth refusing. */
export function assertSamePurchase(existing: Order, req: CreateOrderRequest, lines: Array<SkuRef & { quantity: number }>): void {
  const same =
    existing.customerId === parseGuid(req.customerId) &&
    existing.lines.length === lines.length &&
    existing.lines.every((l, i) => l.productId === lines[i]!.productId && l.skuId === lines[i]!.skuId && l.quantity === lines[i]!.quantity);
  if (!same) {
    throw new CommerceError({ code: 'idempotency_conflict', orderId: existing.id }, 'This purchase key was already used for a different order.');
  }
}

/** What the ledger keeps of an embedded order: its id is all this backend needs to find it again. */
function referenceOf(order: Order): Record<string, unknown> {
  return { orderId: order.id };
}

/** A line priced from the catalog, before it is numbered and stored. */
export type PricedLine = Omit<OrderLine, 'lineNumber'>;

/** How the embedded backend's cancellations end (config EMBEDDED_CANCELLATION_OUTCOME; per product products.demo_cancellation_outcome). */
export const CANCELLATION_OUTCOMES = ['completes', 'fails', 'needs_information'] as const;
export type CancellationOutcome = (typeof CANCELLATION_OUTCOMES)[number];

export interface EmbeddedCancellationOptions {
  /** How long after the request a cancellation finishes (Partner Center: up to 15 minutes). */
  delayMs: number;
  /** The outcome for products that do not set their own. */
  outcome: CancellationOutcome;
}

interface CancellationRow {
  request_id: string;
  order_id: string;
  line_numbers: number[];
  completes_at: Date;
  outcome: CancellationOutcome;
  completed_at: Date | null;
}

/** What the embedded backend says when a cancellation it was told to fail ends (Partner Center-like codes). */
const OUTCOME_FAILURE = {
  fails: { code: '800061', message: 'The order could not be cancelled (embedded backend: the product is set to fail cancellations).' },
  needs_information: { message: 'More information is needed before this order can be cancelled (embedded backend: the product is set to ask for it).' },
} as const;

function progressOf(r: CancellationRow): CancellationProgress {
  const reference = { orderId: r.order_id, requestId: r.request_id };
  if (r.completed_at === null) return { state: 'pending', reference };
  switch (r.outcome) {
    case 'completes':
      return { state: 'finished', reference, finishedAt: r.completed_at };
    case 'fails':
      return { state: 'failed', reference, ...OUTCOME_FAILURE.fails };
    case 'needs_information':
      return { state: 'needs_information', reference, ...OUTCOME_FAILURE.needs_information };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class EmbeddedCommerceBackend implements CommerceBackend {
  readonly name = 'embedded';
  private readonly now: () => Date;
  private readonly newOrderId: () => string;
  private readonly cancellation: EmbeddedCancellationOptions;

  /** `orderIds`: where new order ids come from (default generateOrderId; tests pass ids of a given shape). */
  constructor(
    private readonly db: Db,
    opts: { now?: () => Date; cancellation?: Partial<EmbeddedCancellationOptions>; orderIds?: () => string } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.newOrderId = opts.orderIds ?? generateOrderId;
    this.cancellation = { delayMs: opts.cancellation?.delayMs ?? 0, outcome: opts.cancellation?.outcome ?? 'completes' };
  }

  async findCustomers(partnerId: number, query: string, opts: { limit?: number } = {}): Promise<CustomerSearchResult> {
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 10), 1), 100);
    const q = classifyCustomerQuery(query);
    let rows: CustomerRow[] = [];
    if (q.type === 'guid') {
      ({ rows } = await this.db.query<CustomerRow>({
        name: 'commerce.customersByTenant',
        text: `${CUSTOMER_SELECT} WHERE c.partner_id = $1 AND c.tenant_id = $2::uuid ORDER BY c.company_name LIMIT $3`,
        values: [partnerId, q.value, limit + 1],
      }));
    } else if (q.type === 'domain') {
      ({ rows } = await this.db.query<CustomerRow>({
        name: 'commerce.customersByDomain',
        text: `${CUSTOMER_SELECT}
          WHERE c.partner_id = $1
            AND (c.primary_domain = $2 OR EXISTS (
                  SELECT 1 FROM customer_domains d WHERE d.partner_id = c.partner_id AND d.customer_id = c.id AND d.domain = $2))
          ORDER BY c.company_name LIMIT $3`,
        values: [partnerId, q.value, limit + 1],
      }));
    } else if (q.type === 'name' && q.value !== '') {
      const like = escapeLike(q.value);
      ({ rows } = await this.db.query<CustomerRow>({
        name: 'commerce.customersByName',
        text: `${CUSTOMER_SELECT}
          WHERE c.partner_id = $1 AND c.company_name ILIKE $2
          ORDER BY lower(c.company_name) = lower($3) DESC, c.company_name ILIKE $4 DESC, c.company_name, c.id
          LIMIT $5`,
        values: [partnerId, `%${like}%`, q.value, `${like}%`, limit + 1],
      }));
    }
    return { query: q, customers: rows.slice(0, limit).map(toCustomer), hasMore: rows.length > limit };
  }

  async getCustomer(partnerId: number, customerId: string): Promise<Customer | null> {
    const id = parseGuid(customerId);
    if (!id) return null;
    const { rows } = await this.db.query<CustomerRow>({ name: 'commerce.customer', text: `${CUSTOMER_SELECT} WHERE c.partner_id = $1 AND c.id = $2`, values: [partnerId, id] });
    return rows[0] ? toCustomer(rows[0]) : null;
  }

  async customerOffers(partnerId: number, customerId: string, filter: { kind?: ProductKind; search?: string; productId?: string } = {}): Promise<CustomerOffers | null> {
    const id = parseGuid(customerId);
    if (!id) return null;
    const { rows } = await this.db.query<CustomerRow & OfferRow>({
      name: 'commerce.customerOffers',
      text: offersSql(CUSTOMER_ANCHOR, 3),
      values: [partnerId, id, this.now(), ...offerFilter(filter)],
    });
    if (!rows[0]) return null;
    const r = rows[0];
    return { customer: toCustomer(r), offers: toOffers(rows, r.country_code), reservationBlockedBy: r.reservation_blocked_by, reservationsHidden: r.reservations_hidden };
  }

  async customerSku(partnerId: number, customerId: string, ref: SkuRef): Promise<CustomerSku | null> {
    const id = parseGuid(customerId);
    if (!id) return null;
    const { rows } = await this.db.query<CustomerRow & (SkuInMarketRow | { product_id: null })>({
      name: 'commerce.customerSku',
      text: `WITH mk AS (${CUSTOMER_ANCHOR})
             SELECT mk.*, r.* FROM mk LEFT JOIN LATERAL (${skuInMarketSql('mk.country_code', '$3', '$4', '$5')}) r ON true`,
      values: [partnerId, id, this.now(), normaliseId(ref.productId), normaliseId(ref.skuId)],
    });
    const r = rows[0];
    if (!r) return null;
    return { customer: toCustomer(r), found: r.product_id === null ? null : toSkuInMarket(r) };
  }

  async getProduct(productId: string): Promise<ProductDetail | null> {
    const id = normaliseId(productId);
    const { rows } = await this.db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products pr JOIN product_kinds k ON k.kind = pr.kind WHERE pr.id = $1`,
      [id],
    );
    if (!rows[0]) return null;
    const skus = await this.db.query<SkuRow>(
      `SELECT s.product_id, ${SKU_COLUMNS} FROM skus s WHERE s.product_id = $1
        ORDER BY array_position(ARRAY['one_time', 'P1Y', 'P3Y'], s.term), s.id`,
      [id],
    );
    return { ...toProduct(rows[0]), skus: skus.rows.map(toSku) };
  }

  // --- reads by market, outside the port: the purchase flow reads through customerOffers and
  // customerSku (anchored on the customer). These serve the tests, which check the two
  // against each other, and anyone inspecting the embedded catalog.

  async getMarket(countryCode: string): Promise<Market | null> {
    const { rows } = await this.db.query<MarketRow>(
      'SELECT country_code, name AS market_name, currency, tax_included FROM markets WHERE country_code = $1',
      [normaliseId(countryCode)],
    );
    return rows[0] ? toMarket(rows[0]) : null;
  }

  async listProducts(opts: { market: string; kind?: ProductKind; search?: string; productId?: string }): Promise<Offer[]> {
    return (await this.marketOffers(opts.market, opts)).offers;
  }

  /**
   * What `market` may buy, as `customerOffers` answers it for a customer billed there (one
   * round trip): the Partner Center backend, whose customers live in Partner Center, reads its
   * cached catalog (these tables) through it.
   */
  async marketOffers(
    marketCode: string,
    filter: { kind?: ProductKind; search?: string; productId?: string } = {},
  ): Promise<Pick<CustomerOffers, 'offers' | 'reservationBlockedBy' | 'reservationsHidden'>> {
    const market = normaliseId(marketCode);
    const { rows } = await this.db.query<OfferRow>({
      name: 'commerce.marketOffers',
      text: offersSql(MARKET_ANCHOR, 2),
      values: [market, this.now(), ...offerFilter(filter)],
    });
    return { offers: toOffers(rows, market), reservationBlockedBy: rows[0]?.reservation_blocked_by ?? null, reservationsHidden: rows[0]?.reservations_hidden ?? false };
  }

  async getSkuInMarket(ref: SkuRef, market: string): Promise<SkuInMarket | null> {
    const { rows } = await this.db.query<SkuInMarketRow>({
      name: 'commerce.skuInMarket',
      text: skuInMarketSql('$1', '$2', '$3', '$4'),
      values: [normaliseId(market), this.now(), normaliseId(ref.productId), normaliseId(ref.skuId)],
    });
    return rows[0] ? toSkuInMarket(rows[0]) : null;
  }

  async getPrice(ref: SkuRef, market: string): Promise<Price | null> {
    const { rows } = await this.db.query<PriceRow>(
      `SELECT cp.* FROM skus s CROSS JOIN LATERAL (${priceOfSku('$1', '$2')}) cp WHERE s.product_id = $3 AND s.id = $4`,
      [normaliseId(market), this.now(), normaliseId(ref.productId), normaliseId(ref.skuId)],
    );
    return rows[0] ? toPrice(rows[0]) : null;
  }

  azureReservationBlockedBy(market: string): Promise<string | null> {
    return reservationBlockedBy(this.db, normaliseId(market));
  }

  async isAzureReservationAvailable(market: string): Promise<boolean> {
    return (await reservationBlockedBy(this.db, normaliseId(market))) === null;
  }

  async createOrder(partnerId: number, req: CreateOrderRequest): Promise<CreateOrderResult> {
    const { key, lines } = checkOrderRequest(req);

    // No transaction: one read prices the order, and the one statement that writes it (order
    // and lines together) is atomic. The idempotency key is checked by that write (a unique
    // index): concurrent submits with one key — the first insert wins, the others wait for it
    // to commit, insert nothing and read the winner; a retry (or the second click) likewise
    // finds the order of the first one. A repeat the catalog would refuse now, or whose draft
    // the caller no longer accepts (a price changed since), still gets its order: a refusal
    // looks the key up before it is thrown. Known window: two submits of one key that price
    // either side of a catalog change, milliseconds apart, while the first has not committed
    // yet — the second is refused (or its draft turned down) instead of answered with the
    // first's order. Exactly one order is made either way; a lock per key would close it at
    // the cost of a transaction per purchase.
    const now = this.now();
    let customer: CustomerRow;
    let priced: PricedLine[];
    let totalMinor: number;
    try {
      ({ customer, priced } = await this.priceLines(partnerId, req.customerId, lines, now));
      totalMinor = sumMinor(priced.map((l) => l.lineTotalMinor));
      if (req.accept) {
        const draft: OrderDraft = {
          partnerId, customerId: customer.id, createdBy: req.createdBy, market: customer.country_code, currency: customer.currency,
          taxIncluded: customer.tax_included, totalMinor, lines: priced.map((l, lineNumber) => ({ ...l, lineNumber })), customer: toCustomer(customer),
        };
        if (!req.accept(draft)) throw new CommerceError({ code: 'draft_not_accepted' }, 'The order as priced now was not accepted; nothing was bought.');
      }
    } catch (err) {
      const earlier = err instanceof CommerceError ? await orderByKey(this.db, partnerId, key) : null;
      if (!earlier) throw err;
      assertSamePurchase(earlier, req, lines);
      return { order: earlier, created: false, reference: referenceOf(earlier) };
    }
    const market = customer.country_code;

    for (let attempt = 0; ; attempt++) {
      const orderId = this.newOrderId();
      // The order and its lines in one statement: no line is written when the order is not.
      const inserted = await this.db.query({
        name: 'commerce.insertOrder',
        text: `WITH o AS (
                 INSERT INTO orders (id, partner_id, customer_id, created_by, status, purchased_at, market, currency, tax_included, total_minor, idempotency_key)
                 VALUES ($1, $2, $3, $4, 'completed', $5, $6, $7, $8, $9, $10)
                 ON CONFLICT DO NOTHING
                 RETURNING id)
               INSERT INTO order_lines (order_id, line_number, product_id, sku_id, product_kind, title, quantity, term, billing,
                                        unit_price_minor, line_total_minor, cancellable, cancellation_window_days, credit_policy)
               SELECT o.id, l.* FROM o, unnest($11::int[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int[], $17::text[], $18::text[],
                                               $19::bigint[], $20::bigint[], $21::boolean[], $22::int[], $23::text[]) AS l`,
        values: [
          orderId, partnerId, customer.id, req.createdBy, now, market, customer.currency, customer.tax_included, totalMinor, key,
          priced.map((_, i) => i), priced.map((l) => l.productId), priced.map((l) => l.skuId), priced.map((l) => l.productKind),
          priced.map((l) => l.title), priced.map((l) => l.quantity), priced.map((l) => l.term), priced.map((l) => l.billing),
          priced.map((l) => l.unitPriceMinor), priced.map((l) => l.lineTotalMinor), priced.map((l) => l.cancellation.cancellable),
          priced.map((l) => l.cancellation.windowDays), priced.map((l) => l.cancellation.creditPolicy),
        ],
      });
      if ((inserted.rowCount ?? 0) > 0) {
        // What was just written (no read back).
        const order: Order = {
          id: orderId, partnerId, customerId: customer.id, createdBy: req.createdBy, status: 'completed', purchasedAt: now,
          market, currency: customer.currency, taxIncluded: customer.tax_included, totalMinor,
          lines: priced.map((l, lineNumber) => ({ ...l, lineNumber })),
        };
        return { order, created: true, reference: referenceOf(order) };
      }
      const winner = await orderByKey(this.db, partnerId, key);
      if (winner) {
        assertSamePurchase(winner, req, lines);
        return { order: winner, created: false, reference: referenceOf(winner) };
      }
      // The random order id collided with an existing one (≈ never): draw another.
      if (attempt >= 3) throw new Error('could not allocate a unique order id');
    }
  }

  /** The partner's customer and each line priced from the catalog in its billing country, in one read; CommerceError for what cannot be bought. */
  private async priceLines(partnerId: number, customerRef: string, lines: Array<SkuRef & { quantity: number }>, now: Date): Promise<{ customer: CustomerRow; priced: PricedLine[] }> {
    const customerId = parseGuid(customerRef);
    const { rows } = customerId
      ? await this.db.query<CustomerRow & { line_index: string } & (SkuInMarketRow | { [K in keyof SkuInMarketRow]: null })>({
          name: 'commerce.priceOrder',
          text: ORDER_PRICING_SQL,
          values: [partnerId, customerId, now, lines.map((l) => l.productId), lines.map((l) => l.skuId)],
        })
      : { rows: [] };
    const customer = rows[0];
    if (!customer) throw new CommerceError({ code: 'customer_not_found' }, 'The customer was not found.');
    const market = customer.country_code;
    const priced = lines.map((line, lineIndex): PricedLine => {
      const row = rows[lineIndex]!;
      return priceLine(row.product_id === null ? null : toSkuInMarket(row), line, lineIndex, market);
    });
    return { customer, priced };
  }

  async getOrder(partnerId: number, orderId: string): Promise<Order | null> {
    const id = normaliseId(orderId);
    if (!isOrderId(id)) return null;
    const { rows } = await this.db.query<OrderRow>(`${ORDER_SELECT} WHERE o.partner_id = $1 AND o.id = $2`, [partnerId, id]);
    return rows[0] ? toOrder(rows[0]) : null;
  }

  async listOrders(partnerId: number, customerId: string, page: { limit?: number; offset?: number } = {}): Promise<OrderPage> {
    const id = parseGuid(customerId);
    if (!id) return { orders: [], total: 0 };
    const limit = Math.min(Math.max(Math.trunc(page.limit ?? 20), 1), 100);
    const offset = Math.max(Math.trunc(page.offset ?? 0), 0);
    // As in Partner Center, a cancellation ends by itself: one due by now shows as ended, asked about or not.
    const due = await this.db.query<{ order_id: string }>(
      `SELECT DISTINCT c.order_id FROM order_cancellations c JOIN orders o ON o.id = c.order_id
        WHERE o.partner_id = $1 AND o.customer_id = $2 AND c.completed_at IS NULL AND c.completes_at <= $3`,
      [partnerId, id, this.now()],
    );
    for (const { order_id } of due.rows) {
      await inTransaction(this.db, async (tx) => {
        await tx.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [order_id]);
        await this.settleDue(tx, order_id);
      });
    }
    const [list, count] = await Promise.all([
      this.db.query<OrderRow>(
        `${ORDER_SELECT} WHERE o.partner_id = $1 AND o.customer_id = $2 ORDER BY o.purchased_at DESC, o.id DESC LIMIT $3 OFFSET $4`,
        [partnerId, id, limit, offset],
      ),
      this.db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE partner_id = $1 AND customer_id = $2', [partnerId, id]),
    ]);
    return { orders: list.rows.map(toOrder), total: Number(count.rows[0]?.n ?? 0) };
  }

  // --- cancelling, as Partner Center does it: accepted at once, finished later ----------

  async requestCancellation(partnerId: number, req: CancellationRequest): Promise<CancellationProgress> {
    const orderId = normaliseId(req.orderId);
    const customerId = parseGuid(req.customerId);
    if (typeof req.requestId !== 'string' || !UUID.test(req.requestId)) {
      throw new CommerceError({ code: 'invalid_cancellation', reason: 'request_id' }, 'A cancellation needs a request id (a UUID).');
    }
    const lineNumbers = Array.isArray(req.lineNumbers) ? [...new Set(req.lineNumbers)].sort((a, b) => a - b) : [];
    if (lineNumbers.length === 0) throw new CommerceError({ code: 'invalid_cancellation', reason: 'no_lines' }, 'The cancellation names no line.');
    if (!isOrderId(orderId) || !customerId) throw new CommerceError({ code: 'order_not_found' }, 'The order was not found.');
    return inTransaction(this.db, async (tx) => {
      // The order row is the lock: concurrent requests for one order are taken one at a time.
      const { rows } = await tx.query<OrderRow>(
        `${ORDER_SELECT} WHERE o.partner_id = $1 AND o.id = $2 AND o.customer_id = $3 FOR UPDATE OF o`,
        [partnerId, orderId, customerId],
      );
      const row = rows[0];
      if (!row) throw new CommerceError({ code: 'order_not_found' }, 'The order was not found.');
      const earlier = await tx.query<CancellationRow>('SELECT * FROM order_cancellations WHERE request_id = $1', [req.requestId]);
      if (earlier.rows[0]) {
        if (earlier.rows[0].order_id !== orderId) {
          throw new CommerceError({ code: 'invalid_cancellation', reason: 'request_id' }, 'This request id was used to cancel another order.');
        }
        return progressOf(await this.settle(tx, earlier.rows[0]));
      }
      // An earlier cancellation of the order (another request, e.g. from Partner Center's own UI) that is due by
      // now has ended, whether or not anybody asked about it: the order's status says how.
      const order = (await this.settleDue(tx, orderId)) ? toOrder((await tx.query<OrderRow>(`${ORDER_SELECT} WHERE o.id = $1`, [orderId])).rows[0]!) : toOrder(row);
      if (order.status === 'cancelled') throw new CommerceError({ code: 'already_cancelled' }, 'The order is already cancelled.');
      if (order.status === 'cancel_pending') throw new CommerceError({ code: 'cancellation_in_progress' }, 'A cancellation of this order is under way.');
      const lines = lineNumbers.map((n) => order.lines.find((l) => l.lineNumber === n));
      const missing = lines.findIndex((l) => l === undefined);
      if (missing >= 0) throw new CommerceError({ code: 'invalid_cancellation', reason: 'unknown_line' }, `The order has no line ${lineNumbers[missing]}.`);
      const now = this.now();
      for (const line of lines as OrderLine[]) {
        if (!line.cancellation.cancellable) throw new CommerceError({ code: 'not_cancellable', lineNumber: line.lineNumber }, `Line ${line.lineNumber} cannot be cancelled.`);
        const w = cancellationWindow({ purchasedAt: order.purchasedAt, windowDays: line.cancellation.windowDays, now });
        if (!w.open) {
          throw new CommerceError({ code: 'cancellation_window_passed', closedAt: w.closesAt.toISOString() }, 'The cancellation window has passed (900117).');
        }
      }
      // The outcome: the first product of the lines that sets one, else the configured default.
      const outcome = await tx.query<{ outcome: CancellationOutcome | null }>(
        'SELECT demo_cancellation_outcome AS outcome FROM products WHERE id = ANY($1::text[]) AND demo_cancellation_outcome IS NOT NULL ORDER BY id LIMIT 1',
        [(lines as OrderLine[]).map((l) => l.productId)],
      );
      const inserted = await tx.query<CancellationRow>(
        `INSERT INTO order_cancellations (request_id, order_id, line_numbers, requested_at, completes_at, outcome)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [req.requestId, orderId, lineNumbers, now, new Date(now.getTime() + this.cancellation.delayMs), outcome.rows[0]?.outcome ?? this.cancellation.outcome],
      );
      await tx.query("UPDATE orders SET status = 'cancel_pending' WHERE id = $1", [orderId]);
      return progressOf(await this.settle(tx, inserted.rows[0]!));
    });
  }

  async cancellationStatus(partnerId: number, req: { orderId: string; requestId: string }): Promise<CancellationProgress> {
    const orderId = normaliseId(req.orderId);
    const notFound = () => new CommerceError({ code: 'cancellation_not_found' }, 'No such cancellation.');
    if (!isOrderId(orderId) || typeof req.requestId !== 'string' || !UUID.test(req.requestId)) throw notFound();
    const read = () => this.db.query<CancellationRow>(
      `SELECT c.* FROM order_cancellations c JOIN orders o ON o.id = c.order_id
        WHERE c.request_id = $1 AND c.order_id = $2 AND o.partner_id = $3`,
      [req.requestId, orderId, partnerId],
    );
    const row = (await read()).rows[0];
    if (!row) throw notFound();
    if (row.completed_at !== null || this.now() < row.completes_at) return progressOf(row);
    // Due: finish it (once, under the order's lock).
    return inTransaction(this.db, async (tx) => {
      await tx.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
      const { rows } = await tx.query<CancellationRow>('SELECT * FROM order_cancellations WHERE request_id = $1', [req.requestId]);
      return progressOf(await this.settle(tx, rows[0]!));
    });
  }

  /** Completes every due, unfinished cancellation of the order (in `tx`, the order locked); whether there was one. */
  private async settleDue(tx: Queryable, orderId: string): Promise<boolean> {
    const { rows } = await tx.query<CancellationRow>(
      'SELECT * FROM order_cancellations WHERE order_id = $1 AND completed_at IS NULL AND completes_at <= $2 ORDER BY requested_at',
      [orderId, this.now()],
    );
    for (const row of rows) await this.settle(tx, row);
    return rows.length > 0;
  }

  /** Completes a due cancellation (in `tx`, the order locked): the order is cancelled, or back to completed when it failed. */
  private async settle(tx: Queryable, row: CancellationRow): Promise<CancellationRow> {
    const now = this.now();
    if (row.completed_at !== null || now < row.completes_at) return row;
    const { rows } = await tx.query<CancellationRow>('UPDATE order_cancellations SET completed_at = $2 WHERE request_id = $1 RETURNING *', [row.request_id, now]);
    // As Partner Center: the order is cancelled when all its lines are; a failed cancellation leaves it as it was.
    await tx.query(
      `UPDATE orders SET status = CASE WHEN $2 AND NOT EXISTS (
                SELECT 1 FROM order_lines l WHERE l.order_id = orders.id AND NOT (l.line_number = ANY($3::int[])))
              THEN 'cancelled' ELSE 'completed' END
        WHERE id = $1`,
      [row.order_id, row.outcome === 'completes', row.line_numbers],
    );
    return rows[0]!;
  }
}
