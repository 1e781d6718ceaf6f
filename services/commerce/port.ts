/**
 * The commerce port: everything the bot needs from "Partner Center" — customers,
 * the catalog of a market, and orders — behind one interface (after
 * Partner-Center-Bot's IPartnerOperations).
 *
 * Implementations:
 * - EmbeddedCommerceBackend (./embedded.ts) — its own Postgres tables, seeded with demo
 *   data; the default.
 * - PartnerCenterCommerceBackend — NOT IMPLEMENTED YET; a later issue. It will be a
 *   Partner Center REST client (customers + billing profile, products/SKUs/
 *   availabilities per country, carts + checkout with a reused MS-RequestId for
 *   exactly-once, orders, PATCH-cancel); see shared/research/partner-center-api.md §7.
 *
 * Partner isolation: every customer/order method takes `partnerId`. The service layer
 * above passes the acting user's partner (Actor.partnerId) and never one taken from
 * user input; an implementation never returns another partner's customer or order —
 * it answers as if the row did not exist.
 *
 * Roles are checked by the service layer above (this port knows no actors). The port knows
 * nothing of keys, downloads or the bot's own purchase ledger: those are this product's
 * records, kept the same whichever backend sold the purchase.
 */
import type {
  CancellationProgress,
  CancellationRequest,
  CreateOrderRequest,
  CreateOrderResult,
  Customer,
  CustomerOffers,
  CustomerSku,
  CustomerSearchResult,
  Order,
  OrderPage,
  ProductDetail,
  ProductKind,
  SkuRef,
} from './types.js';

export { classifyCustomerQuery } from './rules.js';

export interface CommerceBackend {
  /** Names the backend in the bot's purchase ledger: 'embedded' (later 'partner_center'). */
  readonly name: string;

  /**
   * R1: find the partner's customers by company name (case-insensitive, partial), tenant
   * GUID (exact) or domain (exact, case-insensitive). The query is classified with
   * `classifyCustomerQuery`; a malformed GUID finds nothing and comes back as
   * `query.type === 'invalidGuid'` so the dialog can say so. Name matches are ordered
   * exact match, then prefix, then the rest, by name; at most `limit` (default 10).
   */
  findCustomers(partnerId: number, query: string, opts?: { limit?: number }): Promise<CustomerSearchResult>;

  /** null when the customer does not exist or belongs to another partner. */
  getCustomer(partnerId: number, customerId: string): Promise<Customer | null>;

  /**
   * The purchase flow's catalog steps, each one call (one round trip in the embedded
   * backend), null when the customer does not exist or belongs to another partner:
   * - `customerOffers`: the partner's customer and what its billing country may buy —
   *   products with at least one SKU priced there (only those SKUs), no Azure reservations
   *   where they are unavailable (R3, with the version of the list that says so, and whether
   *   it kept out reservations the filter matched); `search` matches title, description or
   *   publisher (case-insensitive, partial);
   * - `customerSku`: the customer and one SKU as it would buy it: the product (found null
   *   when there is none), the SKU, its price there, and R3 for it.
   */
  customerOffers(partnerId: number, customerId: string, filter?: { kind?: ProductKind; search?: string; productId?: string }): Promise<CustomerOffers | null>;
  customerSku(partnerId: number, customerId: string, ref: SkuRef): Promise<CustomerSku | null>;

  /** A product with all its SKUs, priced or not. (What can be downloaded is the software module's: services/software/variants.ts.) */
  getProduct(productId: string): Promise<ProductDetail | null>;

  /**
   * R6/R7: buy on behalf of the customer, exactly once per `idempotencyKey` (per partner):
   * a repeated call — sequential or concurrent — returns the order created first, with
   * `created: false`. Prices are computed here from the catalog for the customer's
   * market; callers never pass prices.
   * Throws CommerceError: customer_not_found, empty_order, too_many_lines, duplicate_line,
   * product_not_found, sku_not_found, invalid_quantity (details.reason, min, max,
   * lineIndex), azure_reservation_unavailable (details.market, listVersion),
   * price_unavailable, idempotency_conflict (key reused for a different purchase),
   * invalid_idempotency_key, amount_overflow.
   */
  createOrder(partnerId: number, request: CreateOrderRequest): Promise<CreateOrderResult>;

  /**
   * Optional: the purchase `createOrder` will be asked for with this key, done ahead as far as
   * nothing is bought, while the user looks at what they are about to buy (Partner Center: the
   * availability read and the cart, leaving the checkout alone for the confirm). Throws what
   * createOrder would refuse; a key used already is left alone. Backends without it buy in one step.
   */
  prepareOrder?(partnerId: number, request: CreateOrderRequest): Promise<void>;

  /** null when unknown or another partner's. Order ids are matched case-insensitively. */
  getOrder(partnerId: number, orderId: string): Promise<Order | null>;

  /** The customer's orders, newest first (limit default 20, at most 100). */
  listOrders(partnerId: number, customerId: string, page?: { limit?: number; offset?: number }): Promise<OrderPage>;
  /**
   * R14–R18: ask for lines of an order to be cancelled. The backend accepts (`pending`) and
   * finishes later — Partner Center takes up to 15 minutes — so the caller polls
   * `cancellationStatus`. Exactly once per `requestId`: a repeat with the same id (a retry
   * after a timeout, a 429 or a 5xx) answers the cancellation the first one began, as it
   * stands now. The backend checks the window (R15) and the lines' policy (R16) itself.
   * Throws CommerceError: order_not_found (unknown, another partner's or another
   * customer's), cancellation_window_passed, not_cancellable, already_cancelled,
   * cancellation_in_progress (another request id), invalid_cancellation. Anything else it
   * throws is transient: retry with the same `requestId`.
   */
  requestCancellation(partnerId: number, request: CancellationRequest): Promise<CancellationProgress>;
  /**
   * Where the cancellation begun with `requestId` stands (Partner Center: the order read
   * back, its cancelled lines at quantity 0). Throws CommerceError cancellation_not_found
   * for a request id the partner's order never had; anything else is transient.
   */
  cancellationStatus(partnerId: number, request: { orderId: string; requestId: string }): Promise<CancellationProgress>;
}
