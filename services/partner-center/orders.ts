/**
 * Buying on Partner Center and reading its orders (issue 12, R6/R7): the order half of
 * PartnerCenterCommerceBackend (./backend.ts), which prices the purchase from the cached catalog
 * and hands it here as a draft (research notes §3.3, §3.4).
 *
 * One instance serves one partner of the bot (`partnerId`).
 *
 * A purchase, exactly once per idempotency key (`place`):
 * 1. The catalog item is read fresh (`GET /customers/{c}/products/{p}/skus/{s}/availabilities`,
 *    through the catalog: Microsoft asks that availability ids are used only at purchase time).
 *    None purchasable → not_purchasable; nothing recorded, nothing bought.
 * 2. The purchase is recorded (table partner_center_purchases, migration 0023) with the
 *    MS-RequestIds of both writes, BEFORE the first is sent.
 * 3. `POST /customers/{c}/carts` (MS-RequestId = cart_request_id; a cart buys nothing, so a lost
 *    answer is simply asked again) → the cart id, recorded. A cart line with an `error` (the item
 *    cannot be bought) → failed, thrown as not_purchasable.
 * 4. `POST /customers/{c}/carts/{cart}/checkout` (MS-RequestId = checkout_request_id on every
 *    attempt: the client repeats a 5xx, a timeout or a dropped connection with it, and so does
 *    any later repeat of the purchase) → `{ orders, orderErrors }`, recorded: at least one order →
 *    ordered (the port's answer is the first order; `partial` carries the rest and the errors);
 *    no order → failed, thrown as purchase_refused with Partner Center's code. A 4xx answer to
 *    the checkout (the item withdrawn meanwhile, the cart expired) → failed likewise.
 * Transient failures (unavailable, timeout, throttled — after the client's own retries — and
 * the token source's errors) are thrown as they are and leave the row pending: a repeat of the
 * purchase (the same idempotency key: the user presses Confirm again, Teams redelivers) carries
 * on from the step the row reached, with the same request ids. A repeat of a purchase that
 * ended is answered from the row, with no call: the order(s), or the same refusal.
 * Two repeats at the same moment: the one that claims the row (attempt_at older than
 * ATTEMPT_LEASE_MS) sends the writes; the other waits for the row to end (at most
 * WAIT_FOR_OTHER_MS), else throws PurchaseInProgressError (transient: ask again).
 *
 * Orders:
 * - `listOrders`: `GET /customers/{c}/orders?include_price=true`, newest first, paged here
 *   (Partner Center gives the customer's orders at once). An order the bot placed that Partner
 *   Center does not list yet (it takes up to 15 minutes) is added from the bot's own record.
 * - `getOrder`: Partner Center reads an order only under its customer: the customer is found in
 *   the bot's own records (the ledger, this table); an order the bot never saw is null.
 * Lines are described from what the bot priced when it placed the order, else from the cached
 * catalog (kind, title, term, cancellation policy) and the order's own pricing.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { CommerceError } from '../commerce/errors.js';
import type { PricedLine } from '../commerce/embedded.js';
import { lineTotal, parseGuid, sumMinor } from '../commerce/rules.js';
import type { CancellationPolicy, Order, OrderLine, OrderPage, OrderStatus, ProductDetail, ProductKind, SkuRef, Term } from '../commerce/types.js';
import { priceToMinor } from './catalog.js';
import { isOrderIdShaped } from '../ledger/purchase-ledger.js';
import { partnerCenterCorrelationId } from './correlation.js';
import { isPartnerCenterAbsent, isPartnerCenterRefusal, PartnerCenterError, PurchaseInProgressError } from './errors.js';

export { PurchaseInProgressError };
import type { PartnerCenterHttp } from './http.js';

/** How long a process that began a purchase's writes owns them before another may take over. */
export const ATTEMPT_LEASE_MS = 150_000;
/** A cart made ahead is made again when it expires within this much of the checkout. */
export const CART_MARGIN_MS = 60_000;
/** How long a repeat waits for the process that owns the purchase before it says "in progress". */
export const WAIT_FOR_OTHER_MS = 10_000;


/** What the catalog must read fresh at purchase time (./catalog.ts). */
export interface AvailabilityReader {
  readAvailability(customerId: string, ref: SkuRef & { term?: Term }, correlationId: string): Promise<{ catalogItemId: string; isPurchasable: boolean } | null>;
}

/** What the cached catalog says of a product (the embedded backend's getProduct over the same tables). */
export interface ProductReader {
  getProduct(productId: string): Promise<ProductDetail | null>;
}

export interface PartnerCenterOrdersOptions {
  http: PartnerCenterHttp;
  db: Db;
  partnerId: number;
  availability: AvailabilityReader;
  products: ProductReader;
  now?: () => Date;
  logger?: Logger;
  /** How a wait for another process is spent (tests record it). */
  sleep?: (ms: number) => Promise<void>;
}

/** A priced purchase, as ./backend.ts hands it over (after the caller accepted the draft). */
export interface PurchaseDraft {
  idempotencyKey: string;
  customerId: string;
  createdBy: number;
  market: string;
  currency: string;
  taxIncluded: boolean;
  totalMinor: number;
  lines: PricedLine[];
}

/** What a checkout made: the orders, and what it could not buy (orderErrors, with the lines they concern). */
export interface PlacedPurchase {
  orders: Order[];
  notBought: NotBought[];
  /** false: an earlier request with this key placed it. */
  created: boolean;
  reference: Record<string, unknown>;
}

export interface NotBought {
  lineIndexes: number[];
  code: string;
  message: string;
}

/** A purchase as recorded (partner_center_purchases). */
export interface PurchaseRecord {
  partner_id: string;
  idempotency_key: string;
  customer_id: string;
  created_by: string | null;
  lines: PricedLine[];
  market: string;
  currency: string;
  tax_included: boolean;
  total_minor: string;
  cart_request_id: string;
  checkout_request_id: string;
  cart_id: string | null;
  cart_expires_at: Date | null;
  checkout_sent_at: Date | null;
  state: 'pending' | 'ordered' | 'failed';
  orders: PlacedOrderJson[] | null;
  order_errors: OrderErrorJson[] | null;
  failure_code: string | null;
  failure_message: string | null;
  requested_at: Date;
  attempt_at: Date;
}

/** What the bot keeps of a checkout's order. */
interface PlacedOrderJson {
  id: string;
  alternateId?: string;
  status: string;
  creationDate: string | null;
  lineItems: Array<{ lineItemNumber: number; offerId: string; quantity: number }>;
}

interface OrderErrorJson {
  orderGroupId?: string;
  code?: unknown;
  description?: unknown;
}

interface CartJson {
  id?: unknown;
  expirationTimestamp?: unknown;
  lineItems?: Array<{ id?: unknown; catalogItemId?: unknown; orderGroup?: unknown; error?: { errorCode?: unknown; errorDescription?: unknown } }>;
}

interface CheckoutJson {
  orders?: Array<{ id?: unknown; alternateId?: unknown; status?: unknown; creationDate?: unknown; lineItems?: Array<{ lineItemNumber?: unknown; offerId?: unknown; quantity?: unknown }> }>;
  orderErrors?: OrderErrorJson[];
}

/** An order as `GET /customers/{c}/orders` lists it (order-resources.md; pricing with include_price). */
interface OrderJson {
  id?: unknown;
  status?: unknown;
  creationDate?: unknown;
  currencyCode?: unknown;
  lineItems?: Array<{
    lineItemNumber?: unknown;
    offerId?: unknown;
    friendlyName?: unknown;
    quantity?: unknown;
    termDuration?: unknown;
    pricing?: { price?: unknown; listPrice?: unknown; extendedPrice?: unknown };
  }>;
}

/** The most orders of a customer read (Partner Center lists them at once). */
const MAX_ORDERS = 1000;
/**
 * A checkout answered with these: the cart is being processed (800064), an order of it is under way
 * (800060) or the cart was ordered already (800065) — the purchase may have been made.
 */
const CHECKOUT_UNDER_WAY = new Set(['800060', '800064', '800065']);
/** failure_code of a purchase whose cart refused a line: `not_purchasable:<line index>:<Partner Center's code>`. */
const NOT_PURCHASABLE = 'not_purchasable';

export class PartnerCenterOrders {
  private readonly http: PartnerCenterHttp;
  private readonly db: Db;
  private readonly partnerId: number;
  private readonly availability: AvailabilityReader;
  private readonly products: ProductReader;
  private readonly now: () => Date;
  private readonly logger: Logger | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: PartnerCenterOrdersOptions) {
    this.http = opts.http;
    this.db = opts.db;
    this.partnerId = opts.partnerId;
    this.availability = opts.availability;
    this.products = opts.products;
    this.now = opts.now ?? (() => new Date());
    this.logger = opts.logger;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The purchase recorded under this key, as the port answers a repeat; null when there is none. */
  async earlier(idempotencyKey: string): Promise<{ row: PurchaseRecord } | null> {
    const row = await this.find(idempotencyKey);
    return row ? { row } : null;
  }

  /**
   * A repeat of a recorded purchase: its orders (ended), its refusal thrown again (failed), or
   * its writes carried on with the recorded request ids (pending).
   */
  async resume(row: PurchaseRecord): Promise<PlacedPurchase> {
    if (row.state === 'ordered') return this.answer(row, false);
    if (row.state === 'failed') throw refusalOf(row);
    return this.takeOver(row);
  }

  /** Steps 1–4 for a priced purchase the caller accepted. */
  async place(draft: PurchaseDraft): Promise<PlacedPurchase> {
    const recorded = await this.record(draft);
    if ('earlier' in recorded) return this.resume(recorded.earlier);
    return this.carryOn(recorded.row, recorded.correlationId, 'checkout', recorded.catalogItemIds);
  }

  /**
   * Steps 1–3 ahead of the purchase, when the user is shown what they are about to buy: the
   * availability read, the purchase recorded and its cart made — so that `place`/`resume` with
   * the same key has only the checkout left (one round trip on the confirm turn). Nothing is
   * bought. A key recorded already is left as it is. Refusals are recorded as for `place` (the
   * purchase's later answer); transient failures leave what was done, `place` carries on.
   */
  async prepare(draft: PurchaseDraft): Promise<void> {
    const recorded = await this.record(draft);
    if ('earlier' in recorded) return;
    await this.carryOn(recorded.row, recorded.correlationId, 'cart', recorded.catalogItemIds);
  }

  /** Steps 1 and 2: the fresh availabilities and the row (claimed); or the row another request recorded first. */
  private async record(draft: PurchaseDraft): Promise<{ earlier: PurchaseRecord } | { row: PurchaseRecord; correlationId: string; catalogItemIds: string[] }> {
    const correlationId = partnerCenterCorrelationId();
    // 1. Fresh availabilities: nothing is recorded for what Partner Center would not sell.
    const items = await Promise.all(draft.lines.map((l) => this.availability.readAvailability(draft.customerId, l, correlationId)));
    items.forEach((item, lineIndex) => {
      if (!item?.isPurchasable) throw notPurchasable(draft.lines[lineIndex]!, lineIndex);
    });
    // 2. Recorded before anything is sent.
    const now = this.now();
    const { rows } = await this.db.query<PurchaseRecord>(
      `INSERT INTO partner_center_purchases (partner_id, idempotency_key, customer_id, created_by, lines, market, currency, tax_included, total_minor,
                                             cart_request_id, checkout_request_id, requested_at, attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
       ON CONFLICT DO NOTHING RETURNING *`,
      [this.partnerId, draft.idempotencyKey, draft.customerId, draft.createdBy, JSON.stringify(draft.lines), draft.market, draft.currency,
        draft.taxIncluded, draft.totalMinor, randomUUID(), randomUUID(), now],
    );
    const row = rows[0];
    if (!row) {
      // Another request with this key recorded it first: that one's purchase is the answer.
      const other = await this.find(draft.idempotencyKey);
      if (!other) throw new Error('partner center purchase row vanished');
      return { earlier: other };
    }
    return { row, correlationId, catalogItemIds: items.map((i) => i!.catalogItemId) };
  }

  /**
   * Carries a pending purchase on (claiming it first), from the step its row reached. A
   * transient failure releases the claim, so that the user's next try carries on at once; a
   * process that dies holding it leaves it to expire (ATTEMPT_LEASE_MS).
   */
  private async carryOn(row: PurchaseRecord, correlationId: string, upTo: 'cart', catalogItemIds?: string[]): Promise<void>;
  private async carryOn(row: PurchaseRecord, correlationId: string, upTo: 'checkout', catalogItemIds?: string[]): Promise<PlacedPurchase>;
  private async carryOn(row: PurchaseRecord, correlationId: string, upTo: 'cart' | 'checkout', catalogItemIds?: string[]): Promise<PlacedPurchase | void> {
    try {
      if (upTo === 'cart') {
        await this.cart(row, correlationId, catalogItemIds);
      } else {
        return await this.checkout(row, correlationId, catalogItemIds);
      }
    } catch (err) {
      if (err instanceof CommerceError) throw err;
      await this.release(row).catch((releaseError: unknown) => this.logger?.warn({ err: releaseError }, 'partner center: could not release a purchase claim; it expires by itself'));
      throw err;
    }
    // A cart made ahead: the purchase is left for the confirm to take.
    await this.release(row);
  }

  /** Lets the next request with the key take the row at once. */
  private async release(row: PurchaseRecord): Promise<void> {
    await this.db.query(
      `UPDATE partner_center_purchases SET attempt_at = requested_at - make_interval(secs => $4)
        WHERE partner_id = $1 AND idempotency_key = $2 AND state = 'pending' AND attempt_at = $3`,
      [this.partnerId, row.idempotency_key, row.attempt_at, ATTEMPT_LEASE_MS / 1000],
    );
  }

  /** A repeat of a pending purchase: claimed, then its writes carried on; or another process's outcome. */
  private async takeOver(row: PurchaseRecord): Promise<PlacedPurchase> {
    const mine = await this.claim(row);
    if (!mine) return this.waitForOther(row.idempotency_key);
    return this.carryOn(mine, partnerCenterCorrelationId(), 'checkout');
  }

  /**
   * Step 3 for a claimed row: its cart, made now unless it has one still good (a checkout never
   * sent and a cart expiring within CART_MARGIN_MS is made again, with new request ids).
   */
  private async cart(row: PurchaseRecord, correlationId: string, catalogItemIds?: string[]): Promise<string> {
    const path = `/customers/${encodeURIComponent(row.customer_id)}/carts`;
    let cartId = row.cart_id;
    if (cartId && !row.checkout_sent_at && row.cart_expires_at && row.cart_expires_at.getTime() - CART_MARGIN_MS <= this.now().getTime()) {
      this.logger?.info({ partnerId: this.partnerId, customerId: row.customer_id }, 'partner center: the purchase’s cart expired before its checkout; making it again');
      const { rows } = await this.db.query<PurchaseRecord>(
        `UPDATE partner_center_purchases SET cart_id = NULL, cart_expires_at = NULL, cart_request_id = $3, checkout_request_id = $4, attempt_at = $6
          WHERE partner_id = $1 AND idempotency_key = $2 AND checkout_sent_at IS NULL AND state = 'pending' AND attempt_at = $5 RETURNING *`,
        [this.partnerId, row.idempotency_key, randomUUID(), randomUUID(), row.attempt_at, this.now()],
      );
      if (!rows[0]) throw new PurchaseInProgressError(); // another process took the purchase over meanwhile
      Object.assign(row, rows[0]);
      cartId = row.cart_id;
    }
    if (!cartId) {
      const ids = catalogItemIds ?? (await this.freshItems(row, correlationId));
      const cart = await this.write<CartJson>(row, {
        method: 'POST', path, correlationId, requestId: row.cart_request_id,
        body: {
          lineItems: row.lines.map((l, i) => ({
            id: i, catalogItemId: ids[i], quantity: l.quantity, billingCycle: l.billing,
            ...(l.term === 'one_time' ? {} : { termDuration: l.term }),
          })),
        },
      });
      const cartLines = Array.isArray(cart?.lineItems) ? cart.lineItems : [];
      const failedLine = cartLines.findIndex((li) => li?.error);
      const failed = cartLines[failedLine];
      if (failed?.error) {
        const e = failed.error;
        const index = typeof failed.id === 'number' ? failed.id : failedLine;
        const line = row.lines[index] ? index : 0;
        await this.fail(row, `${NOT_PURCHASABLE}:${line}:${textOf(e.errorCode)}`, textOf(e.errorDescription) || 'Partner Center cannot sell this item.');
        throw refusalOf((await this.find(row.idempotency_key))!);
      }
      if (typeof cart?.id !== 'string' || cart.id === '') throw new Error('partner center: the cart answer has no id');
      cartId = cart.id;
      const expires = typeof cart.expirationTimestamp === 'string' ? new Date(cart.expirationTimestamp) : null;
      const { rows } = await this.db.query<PurchaseRecord>(
        'UPDATE partner_center_purchases SET cart_id = $3, cart_expires_at = $4 WHERE partner_id = $1 AND idempotency_key = $2 RETURNING *',
        [this.partnerId, row.idempotency_key, cartId, expires && !Number.isNaN(expires.getTime()) ? expires : null],
      );
      if (rows[0]) Object.assign(row, rows[0]);
    }
    return cartId;
  }

  /** Steps 3 and 4 for a claimed row. */
  private async checkout(row: PurchaseRecord, correlationId: string, catalogItemIds?: string[]): Promise<PlacedPurchase> {
    const cartId = await this.cart(row, correlationId, catalogItemIds);
    const path = `/customers/${encodeURIComponent(row.customer_id)}/carts`;
    // Still ours? (The claim is renewed here: a takeover after a slow cart cannot send a second checkout alongside.)
    const { rows: held } = await this.db.query<PurchaseRecord>(
      `UPDATE partner_center_purchases SET checkout_sent_at = COALESCE(checkout_sent_at, $4), attempt_at = $4
        WHERE partner_id = $1 AND idempotency_key = $2 AND state = 'pending' AND attempt_at = $3 RETURNING *`,
      [this.partnerId, row.idempotency_key, row.attempt_at, this.now()],
    );
    if (!held[0]) throw new PurchaseInProgressError();
    Object.assign(row, held[0]);
    const result = await this.write<CheckoutJson>(row, {
      method: 'POST', path: `${path}/${encodeURIComponent(cartId)}/checkout`, correlationId, requestId: row.checkout_request_id,
    });
    const orders = (Array.isArray(result?.orders) ? result.orders : []).flatMap((o): PlacedOrderJson[] => {
      if (typeof o?.id !== 'string' || !isOrderIdShaped(o.id)) return [];
      const lineItems = (Array.isArray(o.lineItems) ? o.lineItems : []).flatMap((li) =>
        Number.isInteger(li?.lineItemNumber) && typeof li?.offerId === 'string'
          ? [{ lineItemNumber: li.lineItemNumber as number, offerId: li.offerId, quantity: typeof li.quantity === 'number' ? li.quantity : 0 }]
          : [],
      );
      return [{ id: o.id, ...(typeof o.alternateId === 'string' ? { alternateId: o.alternateId } : {}), status: typeof o.status === 'string' ? o.status : 'pending', creationDate: typeof o.creationDate === 'string' ? o.creationDate : null, lineItems }];
    });
    const errors = Array.isArray(result?.orderErrors) ? result.orderErrors : [];
    if (orders.length === 0) {
      const first = errors[0];
      await this.fail(row, textOf(first?.code) || 'no_order', textOf(first?.description) || 'The checkout made no order.');
      throw refusalOf((await this.find(row.idempotency_key))!);
    }
    // Partner Center made the orders: that is the purchase's outcome, whatever the row said meanwhile.
    const { rows } = await this.db.query<PurchaseRecord>(
      `UPDATE partner_center_purchases SET state = 'ordered', orders = $3, order_errors = $4, finished_at = COALESCE(finished_at, $5),
              failure_code = NULL, failure_message = NULL
        WHERE partner_id = $1 AND idempotency_key = $2 AND state <> 'ordered' RETURNING *`,
      [this.partnerId, row.idempotency_key, JSON.stringify(orders), JSON.stringify(errors), this.now()],
    );
    if (rows[0]) return this.answer(rows[0], true);
    return this.answer((await this.find(row.idempotency_key))!, false);
  }

  /** A write of the purchase: its 4xx ends the purchase (failed, thrown as purchase_refused); anything else is thrown as it is. */
  private async write<T>(row: PurchaseRecord, req: { method: 'POST'; path: string; correlationId: string; requestId: string; body?: unknown }): Promise<T | undefined> {
    try {
      return await this.http.request<T | undefined>({ ...req, safeToRepeat: true });
    } catch (err) {
      if (err instanceof PartnerCenterError && req.path.endsWith('/checkout') && (err.kind === 'conflict' || CHECKOUT_UNDER_WAY.has(err.code ?? ''))) {
        // The checkout may have gone through (a repeat after a lost answer meets the cart being processed, or ordered
        // already): never recorded as refused. The purchase stays pending; a repeat sends the same MS-RequestId again.
        this.logger?.warn({ partnerId: this.partnerId, customerId: row.customer_id, status: err.status, code: err.code, requestId: req.requestId }, 'partner center: the checkout is under way or done already; the purchase stays pending');
        throw new PurchaseInProgressError();
      }
      if (isPartnerCenterRefusal(err)) {
        this.logger?.warn({ partnerId: this.partnerId, customerId: row.customer_id, status: err.status, code: err.code, requestId: req.requestId }, 'partner center: purchase refused');
        if (err.kind === 'forbidden' || (err.kind === 'not_found' && req.path.endsWith('/carts'))) {
          await this.fail(row, 'customer_not_found', err.description ?? err.message);
        } else {
          await this.fail(row, err.code ?? `http_${err.status}`, err.description ?? err.message);
        }
        throw refusalOf((await this.find(row.idempotency_key))!);
      }
      throw err;
    }
  }

  /** The catalog item ids of a recorded purchase whose cart was never made (a repeat after a crash): read fresh again. */
  private async freshItems(row: PurchaseRecord, correlationId: string): Promise<string[]> {
    const items = await Promise.all(row.lines.map((l) => this.availability.readAvailability(row.customer_id, l, correlationId)));
    const missing = items.findIndex((item) => !item?.isPurchasable);
    if (missing >= 0) {
      // Recorded, as a cart's refusal is: every repeat of the purchase answers the same.
      await this.fail(row, `${NOT_PURCHASABLE}:${missing}:`, 'Partner Center offers no purchasable availability of the item now.');
      throw refusalOf((await this.find(row.idempotency_key))!);
    }
    return items.map((item) => item!.catalogItemId);
  }

  private async fail(row: PurchaseRecord, code: string, message: string): Promise<void> {
    await this.db.query(
      `UPDATE partner_center_purchases SET state = 'failed', failure_code = $3, failure_message = $4, finished_at = $5
        WHERE partner_id = $1 AND idempotency_key = $2 AND state = 'pending'`,
      [this.partnerId, row.idempotency_key, code.slice(0, 64), message.slice(0, 1024), this.now()],
    );
  }

  /** Takes the row over when no other process has touched it within the lease; null when one has. */
  private async claim(row: PurchaseRecord): Promise<PurchaseRecord | null> {
    const now = this.now();
    const { rows } = await this.db.query<PurchaseRecord>(
      `UPDATE partner_center_purchases SET attempt_at = $3
        WHERE partner_id = $1 AND idempotency_key = $2 AND state = 'pending' AND attempt_at <= $4 RETURNING *`,
      [this.partnerId, row.idempotency_key, now, new Date(now.getTime() - ATTEMPT_LEASE_MS)],
    );
    return rows[0] ?? null;
  }

  /**
   * Another process holds the purchase: its outcome, once the row ends — or the row itself, once
   * that process lets go of it without ending it (a cart made ahead, a transient failure). Polled, bounded.
   */
  private async waitForOther(key: string): Promise<PlacedPurchase> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    for (;;) {
      await this.sleep(100);
      const row = await this.find(key);
      if (!row) throw new Error('partner center purchase row vanished');
      if (row.state !== 'pending') return this.resume(row);
      const mine = await this.claim(row);
      if (mine) return this.carryOn(mine, partnerCenterCorrelationId(), 'checkout');
      if (Date.now() >= deadline) throw new PurchaseInProgressError();
    }
  }

  private async find(key: string): Promise<PurchaseRecord | null> {
    const { rows } = await this.db.query<PurchaseRecord>('SELECT * FROM partner_center_purchases WHERE partner_id = $1 AND idempotency_key = $2', [this.partnerId, key]);
    return rows[0] ?? null;
  }

  /** The port's answer for an ordered row. */
  private answer(row: PurchaseRecord, created: boolean): PlacedPurchase {
    const orders = (row.orders ?? []).map((o) => this.placedOrder(row, o));
    const notBought = (row.order_errors ?? []).map((e) => ({
      lineIndexes: row.lines.flatMap((_, i) => (orders.some((o) => o.lines.some((l) => l.productId === row.lines[i]!.productId && l.skuId === row.lines[i]!.skuId)) ? [] : [i])),
      code: textOf(e.code),
      message: textOf(e.description),
    }));
    const first = row.orders![0]!;
    return {
      orders, notBought, created,
      reference: { orderId: first.id, customerId: row.customer_id, cartId: row.cart_id, requestId: row.checkout_request_id, ...(first.alternateId ? { alternateId: first.alternateId } : {}) },
    };
  }

  /** A checkout's order as the port's Order: its lines as the bot priced them, numbered as Partner Center numbered them. */
  private placedOrder(row: PurchaseRecord, o: PlacedOrderJson): Order {
    const lines: OrderLine[] = o.lineItems.flatMap((li) => {
      const [productId, skuId] = li.offerId.toUpperCase().split(':');
      const priced = row.lines.find((l) => l.productId === productId && l.skuId === skuId);
      return priced ? [{ ...priced, lineNumber: li.lineItemNumber }] : [];
    });
    return {
      id: o.id,
      partnerId: this.partnerId,
      customerId: row.customer_id,
      createdBy: row.created_by === null ? null : Number(row.created_by),
      status: statusOf(o.status),
      purchasedAt: dateOr(o.creationDate, row.requested_at),
      market: row.market,
      currency: row.currency,
      taxIncluded: row.tax_included,
      totalMinor: sumMinor(lines.map((l) => l.lineTotalMinor)),
      lines,
    };
  }

  // --- reading orders ----------------------------------------------------------------

  async listOrders(partnerId: number, customerRef: string, page: { limit?: number; offset?: number } = {}): Promise<OrderPage> {
    const customerId = parseGuid(customerRef);
    if (partnerId !== this.partnerId || !customerId) return { orders: [], total: 0 };
    const limit = Math.min(Math.max(Math.trunc(page.limit ?? 20), 1), 100);
    const offset = Math.max(Math.trunc(page.offset ?? 0), 0);
    // The bot's own records of the customer are read while Partner Center answers.
    const records = this.recordsOf(customerId);
    let listed: OrderJson[];
    try {
      listed = await this.http.collect<OrderJson>({ method: 'GET', path: `/customers/${customerId}/orders`, query: { include_price: true }, correlationId: partnerCenterCorrelationId() }, { max: MAX_ORDERS });
    } catch (err) {
      records.catch(() => undefined);
      if (isPartnerCenterAbsent(err)) return { orders: [], total: 0 };
      throw err;
    }
    const { placed, market, cancelling } = await records;
    const orders: Order[] = [];
    const seen = new Set<string>();
    for (const json of listed) {
      if (typeof json?.id !== 'string' || !isOrderIdShaped(json.id) || seen.has(json.id)) continue;
      seen.add(json.id);
      orders.push(await this.listedOrder(customerId, json, placed, market));
    }
    // Bought through the bot, not listed by Partner Center yet (up to 15 minutes).
    for (const [id, { row, order }] of placed) if (!seen.has(id)) orders.push(this.placedOrder(row, order));
    for (const order of orders) withCancellation(order, cancelling);
    orders.sort((a, b) => b.purchasedAt.getTime() - a.purchasedAt.getTime() || (a.id < b.id ? 1 : -1));
    return { orders: orders.slice(offset, offset + limit), total: orders.length };
  }

  async getOrder(partnerId: number, orderRef: string): Promise<Order | null> {
    const orderId = typeof orderRef === 'string' && isOrderIdShaped(orderRef.trim()) ? orderRef.trim() : null;
    if (partnerId !== this.partnerId || !orderId) return null;
    const { rows } = await this.db.query<{ customer_id: string }>(
      `SELECT customer_id::text FROM purchases WHERE partner_id = $1 AND order_id = $2
       UNION SELECT customer_id::text FROM partner_center_purchases WHERE partner_id = $1 AND orders @> $3::jsonb`,
      [this.partnerId, orderId, JSON.stringify([{ id: orderId }])],
    );
    const customerId = rows[0]?.customer_id;
    if (!customerId) return null;
    const records = this.recordsOf(customerId);
    let json: OrderJson | undefined;
    try {
      json = await this.http.request<OrderJson | undefined>({
        method: 'GET', path: `/customers/${customerId}/orders/${encodeURIComponent(orderId)}`, query: { include_price: true }, correlationId: partnerCenterCorrelationId(),
      });
    } catch (err) {
      if (!isPartnerCenterAbsent(err)) {
        records.catch(() => undefined);
        throw err;
      }
    }
    const { placed, market, cancelling } = await records;
    if (json) return withCancellation(await this.listedOrder(customerId, json, placed, market), cancelling);
    // Placed by the bot and not visible at Partner Center yet: the bot's own record.
    const mine = placed.get(orderId);
    return mine ? withCancellation(this.placedOrder(mine.row, mine.order), cancelling) : null;
  }

  /** What the bot itself knows of the customer's orders: the ones it placed, the customer's market, the orders with a cancellation under way. */
  private async recordsOf(customerId: string): Promise<{
    placed: Map<string, { row: PurchaseRecord; order: PlacedOrderJson }>;
    market: { code: string; taxIncluded: boolean } | null;
    cancelling: Set<string>;
  }> {
    const [placed, market, cancelling] = await Promise.all([this.placedFor(customerId), this.customerMarket(customerId), this.cancelling(customerId)]);
    return { placed, market, cancelling };
  }

  /** The customer's orders with a cancellation the bot asked for that has not ended (./cancellations.ts's table). */
  private async cancelling(customerId: string): Promise<Set<string>> {
    const { rows } = await this.db.query<{ order_id: string }>(
      "SELECT order_id FROM partner_center_cancellations WHERE partner_id = $1 AND customer_id = $2 AND state = 'pending'",
      [this.partnerId, customerId],
    );
    return new Set(rows.map((r) => r.order_id));
  }

  /** The orders the bot placed for the customer, by Partner Center order id. */
  private async placedFor(customerId: string): Promise<Map<string, { row: PurchaseRecord; order: PlacedOrderJson }>> {
    const { rows } = await this.db.query<PurchaseRecord>(
      "SELECT * FROM partner_center_purchases WHERE partner_id = $1 AND customer_id = $2 AND state = 'ordered' ORDER BY requested_at DESC LIMIT 500",
      [this.partnerId, customerId],
    );
    const placed = new Map<string, { row: PurchaseRecord; order: PlacedOrderJson }>();
    for (const row of rows) for (const order of row.orders ?? []) placed.set(order.id, { row, order });
    return placed;
  }

  /** The customer's market as the bot last read it (the customers cache), for currency and tax of orders it did not place. */
  private async customerMarket(customerId: string): Promise<{ code: string; taxIncluded: boolean } | null> {
    const { rows } = await this.db.query<{ country: string; tax_included: boolean | null }>(
      `SELECT c.country, m.tax_included FROM partner_center_customers c LEFT JOIN markets m ON m.country_code = c.country
        WHERE c.partner_id = $1 AND c.customer_id = $2`,
      [this.partnerId, customerId],
    );
    return rows[0] ? { code: rows[0].country, taxIncluded: rows[0].tax_included ?? false } : null;
  }

  /** An order Partner Center listed, as the port's Order. */
  private async listedOrder(customerId: string, json: OrderJson, placed: Map<string, { row: PurchaseRecord; order: PlacedOrderJson }>, market: { code: string; taxIncluded: boolean } | null): Promise<Order> {
    const id = json.id as string;
    const mine = placed.get(id);
    // The bot's own orders in the currency it priced them in (their lines are its record's).
    const listedCurrency = typeof json.currencyCode === 'string' && /^[A-Z]{3}$/.test(json.currencyCode.toUpperCase()) ? json.currencyCode.toUpperCase() : null;
    const currency = mine?.row.currency ?? listedCurrency ?? 'XXX';
    const products = new Map<string, ProductDetail | null>();
    const lines: OrderLine[] = [];
    for (const li of Array.isArray(json.lineItems) ? json.lineItems : []) {
      if (!Number.isInteger(li?.lineItemNumber) || typeof li?.offerId !== 'string') continue;
      const [productId = '', skuId = ''] = li.offerId.toUpperCase().split(':');
      const quantity = typeof li.quantity === 'number' && Number.isSafeInteger(li.quantity) && li.quantity >= 0 ? li.quantity : 0;
      const priced = mine?.row.lines.find((l) => l.productId === productId && l.skuId === skuId);
      if (priced) {
        // As the bot priced it; the quantity as it stands now (a cancelled line reads 0).
        lines.push({ ...priced, lineNumber: li.lineItemNumber as number, quantity, lineTotalMinor: lineTotal(priced.unitPriceMinor, quantity) });
        continue;
      }
      if (!products.has(productId)) products.set(productId, await this.products.getProduct(productId));
      const product = products.get(productId) ?? null;
      const sku = product?.skus.find((s) => s.skuId === skuId);
      const unitPriceMinor = toMinor(li.pricing?.price ?? li.pricing?.listPrice, currency) ?? 0;
      lines.push({
        lineNumber: li.lineItemNumber as number,
        productId, skuId,
        productKind: product?.kind ?? kindOfUnknown(li.termDuration),
        title: product ? `${product.title}${sku ? ` – ${sku.title}` : ''}` : typeof li.friendlyName === 'string' ? li.friendlyName : li.offerId,
        quantity,
        term: sku?.term ?? termOf(li.termDuration),
        billing: sku?.billing ?? 'one_time',
        unitPriceMinor,
        lineTotalMinor: toMinor(li.pricing?.extendedPrice, currency) ?? lineTotal(unitPriceMinor, quantity),
        cancellation: product?.cancellation ?? UNKNOWN_PRODUCT_POLICY,
      });
    }
    return {
      id,
      partnerId: this.partnerId,
      customerId,
      createdBy: mine?.row.created_by ? Number(mine.row.created_by) : null,
      status: statusOf(json.status, lines),
      purchasedAt: dateOr(json.creationDate, mine?.row.requested_at ?? this.now()),
      market: mine?.row.market ?? market?.code ?? 'ZZ',
      currency,
      taxIncluded: mine?.row.tax_included ?? market?.taxIncluded ?? false,
      totalMinor: sumMinor(lines.map((l) => l.lineTotalMinor)),
      lines,
    };
  }
}

/** As the embedded backend: an order with a cancellation under way reads cancel_pending until it ends. */
function withCancellation(order: Order, cancelling: Set<string>): Order {
  if (cancelling.has(order.id) && order.status !== 'cancelled') order.status = 'cancel_pending';
  return order;
}

/** A product the cached catalog does not know (bought outside the bot, or withdrawn since): the bot does not offer to cancel it. */
const UNKNOWN_PRODUCT_POLICY: CancellationPolicy = { cancellable: false, windowDays: 0, creditPolicy: 'none' };

function kindOfUnknown(termDuration: unknown): ProductKind {
  return termDuration === 'P1Y' || termDuration === 'P3Y' ? 'server_subscription' : 'perpetual_software';
}

function termOf(termDuration: unknown): Term {
  return termDuration === 'P1Y' || termDuration === 'P3Y' ? termDuration : 'one_time';
}

/** Partner Center's order status as the port's; an order whose lines are all at quantity 0 is cancelled. */
function statusOf(status: unknown, lines?: OrderLine[]): OrderStatus {
  if (lines && lines.length > 0 && lines.every((l) => l.quantity === 0)) return 'cancelled';
  const s = typeof status === 'string' ? status.toLowerCase() : '';
  return s === 'completed' ? 'completed' : s === 'cancelled' ? 'cancelled' : 'pending';
}

function dateOr(text: unknown, fallback: Date): Date {
  const d = typeof text === 'string' ? new Date(text) : null;
  return d && !Number.isNaN(d.getTime()) ? d : fallback;
}

/** A JSON amount (a number or a decimal string) in minor units of `currency`, rounded half up as the price sheet's; null when it is none. */
function toMinor(amount: unknown, currency: string): number | null {
  const text = typeof amount === 'number' && Number.isFinite(amount) && amount >= 0 ? String(amount) : typeof amount === 'string' ? amount : '';
  return /e/i.test(text) ? null : priceToMinor(text, currency);
}

/** A code or description Partner Center gave as a string or a number (CartErrorCode is an int); '' otherwise. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

function notPurchasable(line: SkuRef, lineIndex: number, partnerCenterCode = ''): CommerceError {
  return new CommerceError(
    { code: 'not_purchasable', lineIndex, productId: line.productId, skuId: line.skuId, partnerCenterCode },
    `Partner Center does not sell ${line.productId}:${line.skuId} to this customer now.`,
  );
}

/** The refusal a failed purchase row is answered with, on the first try and every repeat. */
function refusalOf(row: PurchaseRecord): CommerceError {
  const code = row.failure_code ?? '';
  if (code.startsWith(`${NOT_PURCHASABLE}:`)) {
    const [, index, partnerCenterCode] = code.split(':');
    const lineIndex = Number(index);
    return notPurchasable(row.lines[lineIndex] ?? row.lines[0]!, lineIndex, partnerCenterCode);
  }
  if (code === 'customer_not_found') return new CommerceError({ code: 'customer_not_found' }, 'The customer was not found.');
  return new CommerceError({ code: 'purchase_refused', partnerCenterCode: code, description: row.failure_message ?? '' }, `Partner Center refused the purchase (${code}).`);
}
