/**
 * The embedded commerce backend: customers, catalog and orders in this product's own
 * Postgres tables (migration 0002_commerce.sql). Orders are fulfilled at once (status
 * 'completed'); there is no Partner Center behind it.
 */
import { randomInt } from 'node:crypto';
import type { Db, Queryable } from '../db/pool.js';
import { CommerceError } from './errors.js';
import type { CommerceBackend } from './port.js';
import { classifyCustomerQuery, isOrderId, lineTotal, parseGuid, sumMinor, validateQuantity } from './rules.js';
import type {
  BillingCycle,
  CancellationPolicy,
  CreateOrderRequest,
  CreateOrderResult,
  CreditPolicy,
  Customer,
  CustomerSearchResult,
  Market,
  Offer,
  Order,
  OrderLine,
  OrderPage,
  OrderStatus,
  Price,
  Product,
  ProductDetail,
  ProductKind,
  ProductVariant,
  Sku,
  SkuInMarket,
  SkuRef,
  Term,
} from './types.js';

export const MAX_ORDER_LINES = 50;
const ORDER_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 12 upper-case alphanumerics from a CSPRNG (~62 bits), like Partner Center's alternate order ids. */
export function generateOrderId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += ORDER_ID_ALPHABET[randomInt(ORDER_ID_ALPHABET.length)];
  return id;
}

/** bigint columns arrive as strings; money and ids must stay exact. */
function toSafeInt(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new CommerceError('amount_overflow', `value ${value} is not a safe integer`);
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

interface PriceRow {
  currency: string;
  unit_price_minor: string;
  tax_included: boolean;
  effective_from: Date;
}

function toPrice(r: PriceRow): Price {
  return { currency: r.currency, unitPriceMinor: toSafeInt(r.unit_price_minor), taxIncluded: r.tax_included, effectiveFrom: r.effective_from };
}

/** The current price per SKU in market $1 at instant $2. */
const CURRENT_PRICES = `
  SELECT DISTINCT ON (p.product_id, p.sku_id)
         p.product_id, p.sku_id, p.currency, p.unit_price_minor, p.effective_from, m.tax_included
    FROM prices p
    JOIN markets m ON m.country_code = p.market
   WHERE p.market = $1 AND p.effective_from <= $2
   ORDER BY p.product_id, p.sku_id, p.effective_from DESC`;

/** The current price of SKU `s` in market $1 at instant $2 (for a LATERAL join). */
const PRICE_OF_SKU = `
  SELECT p.currency, p.unit_price_minor, p.effective_from, m.tax_included
    FROM prices p JOIN markets m ON m.country_code = p.market
   WHERE p.market = $1 AND p.effective_from <= $2 AND p.product_id = s.product_id AND p.sku_id = s.id
   ORDER BY p.effective_from DESC LIMIT 1`;

const CURRENT_UNAVAILABLE_LIST = `
  SELECT version FROM azure_reservation_unavailable_lists ORDER BY as_of DESC, version DESC LIMIT 1`;

/** Column `reservation_blocked_by` of product `pr` in market $1: the R3 list naming the market, for Azure reservations only. */
const RESERVATION_BLOCKED_BY = `
  CASE WHEN pr.kind = 'azure_reservation' THEN (
    SELECT u.list_version FROM azure_reservation_unavailable_markets u
     WHERE u.list_version = (${CURRENT_UNAVAILABLE_LIST}) AND u.country_code = $1 LIMIT 1
  ) END AS reservation_blocked_by`;

type SkuInMarketRow = ProductRow & Omit<SkuRow, 'sku_id'> & { sku_id: string | null } & Partial<PriceRow> & { unit_price_minor: string | null; reservation_blocked_by: string | null };

/**
 * A product, one of its SKUs (null columns when it has no such SKU), the SKU's price in the
 * market (null when not sold there) and R3, in one named statement (the SKU, review and
 * confirm steps of every purchase, and every order line, run it). Undefined: no such product.
 */
async function skuInMarketRow(q: Queryable, market: string, now: Date, productId: string, skuId: string): Promise<SkuInMarketRow | undefined> {
  const { rows } = await q.query<SkuInMarketRow>({
    name: 'commerce.skuInMarket',
    text: `SELECT ${PRODUCT_COLUMNS}, ${SKU_COLUMNS},
                  cp.currency, cp.unit_price_minor, cp.effective_from, cp.tax_included,
                  ${RESERVATION_BLOCKED_BY}
             FROM products pr
             JOIN product_kinds k ON k.kind = pr.kind
             LEFT JOIN skus s ON s.product_id = pr.id AND s.id = $4
             LEFT JOIN LATERAL (${PRICE_OF_SKU}) cp ON true
            WHERE pr.id = $3`,
    values: [market, now, productId, skuId],
  });
  return rows[0];
}

/** Version of the unavailable-markets list that excludes `market`, or null when reservations are available there. */
async function reservationBlockedBy(db: Queryable, market: string): Promise<string | null> {
  const { rows } = await db.query<{ list_version: string }>(
    `SELECT u.list_version FROM azure_reservation_unavailable_markets u
      WHERE u.list_version = (${CURRENT_UNAVAILABLE_LIST}) AND u.country_code = $1 LIMIT 1`,
    [market],
  );
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

/** The same key must mean the same purchase; anything else is a caller bug worth refusing. */
function assertSamePurchase(existing: Order, req: CreateOrderRequest, lines: Array<SkuRef & { quantity: number }>): void {
  const same =
    existing.customerId === parseGuid(req.customerId) &&
    existing.lines.length === lines.length &&
    existing.lines.every((l, i) => l.productId === lines[i]!.productId && l.skuId === lines[i]!.skuId && l.quantity === lines[i]!.quantity);
  if (!same) {
    throw new CommerceError('idempotency_conflict', 'This purchase key was already used for a different order.', { orderId: existing.id });
  }
}

/** A line priced from the catalog, before it is numbered and stored. */
type PricedLine = Omit<OrderLine, 'lineNumber'>;

export class EmbeddedCommerceBackend implements CommerceBackend {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    opts: { now?: () => Date } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  async findCustomers(partnerId: number, query: string, opts: { limit?: number } = {}): Promise<CustomerSearchResult> {
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 10), 1), 100);
    const q = classifyCustomerQuery(query);
    let rows: CustomerRow[] = [];
    if (q.type === 'guid') {
      ({ rows } = await this.db.query<CustomerRow>(
        `${CUSTOMER_SELECT} WHERE c.partner_id = $1 AND c.tenant_id = $2::uuid ORDER BY c.company_name LIMIT $3`,
        [partnerId, q.value, limit + 1],
      ));
    } else if (q.type === 'domain') {
      ({ rows } = await this.db.query<CustomerRow>(
        `${CUSTOMER_SELECT}
          WHERE c.partner_id = $1
            AND (c.primary_domain = $2 OR EXISTS (
                  SELECT 1 FROM customer_domains d WHERE d.partner_id = c.partner_id AND d.customer_id = c.id AND d.domain = $2))
          ORDER BY c.company_name LIMIT $3`,
        [partnerId, q.value, limit + 1],
      ));
    } else if (q.type === 'name' && q.value !== '') {
      const like = escapeLike(q.value);
      ({ rows } = await this.db.query<CustomerRow>(
        `${CUSTOMER_SELECT}
          WHERE c.partner_id = $1 AND c.company_name ILIKE $2
          ORDER BY lower(c.company_name) = lower($3) DESC, c.company_name ILIKE $4 DESC, c.company_name, c.id
          LIMIT $5`,
        [partnerId, `%${like}%`, q.value, `${like}%`, limit + 1],
      ));
    }
    return { query: q, customers: rows.slice(0, limit).map(toCustomer), hasMore: rows.length > limit };
  }

  async getCustomer(partnerId: number, customerId: string): Promise<Customer | null> {
    const id = parseGuid(customerId);
    if (!id) return null;
    const { rows } = await this.db.query<CustomerRow>({ name: 'commerce.customer', text: `${CUSTOMER_SELECT} WHERE c.partner_id = $1 AND c.id = $2`, values: [partnerId, id] });
    return rows[0] ? toCustomer(rows[0]) : null;
  }

  async getMarket(countryCode: string): Promise<Market | null> {
    const { rows } = await this.db.query<MarketRow>(
      'SELECT country_code, name AS market_name, currency, tax_included FROM markets WHERE country_code = $1',
      [normaliseId(countryCode)],
    );
    return rows[0] ? toMarket(rows[0]) : null;
  }

  async listProducts(opts: { market: string; kind?: ProductKind; search?: string; productId?: string }): Promise<Offer[]> {
    const market = normaliseId(opts.market);
    const search = opts.search?.trim() ? `%${escapeLike(opts.search.trim())}%` : null;
    const { rows } = await this.db.query<ProductRow & SkuRow & PriceRow>(
      `WITH current_prices AS (${CURRENT_PRICES}),
            blocked AS (SELECT 1 FROM azure_reservation_unavailable_markets u
                         WHERE u.list_version = (${CURRENT_UNAVAILABLE_LIST}) AND u.country_code = $1)
       SELECT ${PRODUCT_COLUMNS}, ${SKU_COLUMNS}, cp.currency, cp.unit_price_minor, cp.effective_from, cp.tax_included
         FROM products pr
         JOIN product_kinds k ON k.kind = pr.kind
         JOIN skus s ON s.product_id = pr.id
         JOIN current_prices cp ON cp.product_id = s.product_id AND cp.sku_id = s.id
        WHERE ($3::text IS NULL OR pr.kind = $3)
          AND ($4::text IS NULL OR pr.title ILIKE $4 OR pr.description ILIKE $4 OR pr.publisher ILIKE $4)
          AND (pr.kind <> 'azure_reservation' OR NOT EXISTS (SELECT 1 FROM blocked))
          AND ($5::text IS NULL OR pr.id = $5)
        ORDER BY array_position(ARRAY['server_subscription', 'perpetual_software', 'azure_reservation', 'software_plan'], pr.kind),
                 pr.title, pr.id, array_position(ARRAY['one_time', 'P1Y', 'P3Y'], s.term), s.id`,
      [market, this.now(), opts.kind ?? null, search, opts.productId ? normaliseId(opts.productId) : null],
    );
    const offers: Offer[] = [];
    for (const r of rows) {
      let offer = offers[offers.length - 1];
      if (offer?.id !== r.product_id) {
        offer = { ...toProduct(r), market, skus: [] };
        offers.push(offer);
      }
      offer.skus.push({ ...toSku(r), price: toPrice(r) });
    }
    return offers;
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
    const variants = await this.db.query<{ id: string; product_id: string; version: string; language: string; file_type: string; file_name: string | null }>(
      'SELECT id, product_id, version, language, file_type, file_name FROM product_variants WHERE product_id = $1 ORDER BY version DESC, language, file_type',
      [id],
    );
    return {
      ...toProduct(rows[0]),
      skus: skus.rows.map(toSku),
      variants: variants.rows.map(
        (v): ProductVariant => ({ id: Number(v.id), productId: v.product_id, version: v.version, language: v.language, fileType: v.file_type, fileName: v.file_name }),
      ),
    };
  }

  async getSkuInMarket(ref: SkuRef, market: string): Promise<SkuInMarket | null> {
    const r = await skuInMarketRow(this.db, normaliseId(market), this.now(), normaliseId(ref.productId), normaliseId(ref.skuId));
    if (!r) return null;
    const sku = r.sku_id === null ? null : toSku({ ...r, sku_id: r.sku_id });
    const price = sku && r.unit_price_minor !== null ? toPrice(r as PriceRow) : null;
    return { product: toProduct(r), sku, price, reservationBlockedBy: r.reservation_blocked_by };
  }

  async getPrice(ref: SkuRef, market: string): Promise<Price | null> {
    const { rows } = await this.db.query<PriceRow & { product_id: string; sku_id: string }>(
      `SELECT * FROM (${CURRENT_PRICES}) cp WHERE cp.product_id = $3 AND cp.sku_id = $4`,
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
    const key = typeof req.idempotencyKey === 'string' ? req.idempotencyKey.trim() : '';
    if (key.length === 0 || key.length > 200) {
      throw new CommerceError('invalid_idempotency_key', 'A purchase needs an idempotency key of 1–200 characters.');
    }
    if (!Array.isArray(req.lines) || req.lines.length === 0) throw new CommerceError('empty_order', 'The order has no products.');
    if (req.lines.length > MAX_ORDER_LINES) {
      throw new CommerceError('too_many_lines', `An order can hold at most ${MAX_ORDER_LINES} products.`, { max: MAX_ORDER_LINES });
    }
    const lines = req.lines.map((l) => ({ productId: normaliseId(l.productId), skuId: normaliseId(l.skuId), quantity: l.quantity }));
    const seen = new Set<string>();
    lines.forEach((l, lineIndex) => {
      const id = `${l.productId}:${l.skuId}`;
      if (seen.has(id)) throw new CommerceError('duplicate_line', `${id} is in the order twice; change its quantity instead.`, { lineIndex });
      seen.add(id);
    });

    // No transaction: the reads price the order, and the one statement that writes it (order
    // and lines together) is atomic. Concurrent submits with one key: the first insert wins;
    // the others wait for it to commit, insert nothing, and read the winner.
    // A retry (or the second click) finds the order made by the first one.
    const earlier = await orderByKey(this.db, partnerId, key);
    if (earlier) {
      assertSamePurchase(earlier, req, lines);
      return { order: earlier, created: false };
    }

    const customerId = parseGuid(req.customerId);
    const customer = customerId
      ? (await this.db.query<CustomerRow>({ name: 'commerce.customer', text: `${CUSTOMER_SELECT} WHERE c.partner_id = $1 AND c.id = $2`, values: [partnerId, customerId] })).rows[0]
      : undefined;
    if (!customer) throw new CommerceError('customer_not_found', 'The customer was not found.');
    const market = customer.country_code;
    const now = this.now();

    const priced: PricedLine[] = [];
    for (const [lineIndex, line] of lines.entries()) {
      const row = await skuInMarketRow(this.db, market, now, line.productId, line.skuId);
      const where = { lineIndex, productId: line.productId, skuId: line.skuId };
      if (!row) throw new CommerceError('product_not_found', `Product ${line.productId} does not exist.`, where);
      if (row.sku_id === null) throw new CommerceError('sku_not_found', `Product ${line.productId} has no SKU ${line.skuId}.`, where);
      const check = validateQuantity({ minQuantity: row.min_quantity, maxQuantity: row.max_quantity }, line.quantity);
      if (!check.ok) {
        throw new CommerceError('invalid_quantity', `Quantity for ${row.product_title} must be a whole number from ${check.min} to ${check.max}.`, {
          ...where, reason: check.reason, min: check.min, max: check.max,
        });
      }
      if (row.kind === 'azure_reservation' && row.reservation_blocked_by !== null) {
        throw new CommerceError('azure_reservation_unavailable', `Azure reservations are not available in the customer's market (${market}).`, {
          ...where, market, listVersion: row.reservation_blocked_by,
        });
      }
      if (row.unit_price_minor === null) {
        throw new CommerceError('price_unavailable', `${row.product_title} is not sold in the customer's market (${market}).`, { ...where, market });
      }
      const unitPriceMinor = toSafeInt(row.unit_price_minor);
      priced.push({
        productId: row.product_id,
        skuId: row.sku_id,
        productKind: row.kind,
        title: `${row.product_title} – ${row.sku_title}`,
        quantity: check.quantity,
        term: row.term,
        billing: row.billing,
        unitPriceMinor,
        lineTotalMinor: lineTotal(unitPriceMinor, check.quantity),
        cancellation: policyOf(row),
      });
    }
    const totalMinor = sumMinor(priced.map((l) => l.lineTotalMinor));

    for (let attempt = 0; ; attempt++) {
      const orderId = generateOrderId();
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
        return { order, created: true };
      }
      const winner = await orderByKey(this.db, partnerId, key);
      if (winner) {
        assertSamePurchase(winner, req, lines);
        return { order: winner, created: false };
      }
      // The random order id collided with an existing one (≈ never): draw another.
      if (attempt >= 3) throw new Error('could not allocate a unique order id');
    }
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
    const [list, count] = await Promise.all([
      this.db.query<OrderRow>(
        `${ORDER_SELECT} WHERE o.partner_id = $1 AND o.customer_id = $2 ORDER BY o.purchased_at DESC, o.id DESC LIMIT $3 OFFSET $4`,
        [partnerId, id, limit, offset],
      ),
      this.db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE partner_id = $1 AND customer_id = $2', [partnerId, id]),
    ]);
    return { orders: list.rows.map(toOrder), total: Number(count.rows[0]?.n ?? 0) };
  }
}
