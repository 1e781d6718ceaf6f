/**
 * Plain domain types of the commerce backend (customers, catalog, orders), named after
 * Partner Center's resources. Money is always integer minor units plus an ISO 4217
 * currency code; dates are `Date` (instants) or `YYYY-MM-DD` strings (calendar days).
 */

export const PRODUCT_KINDS = ['azure_reservation', 'server_subscription', 'perpetual_software', 'software_plan'] as const;
/** R2 */
export type ProductKind = (typeof PRODUCT_KINDS)[number];

export const TERMS = ['one_time', 'P1Y', 'P3Y'] as const;
/** One-time purchase, 1 year, 3 years (Partner Center `termDuration`). */
export type Term = (typeof TERMS)[number];

export const BILLING_CYCLES = ['one_time', 'monthly', 'annual'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];

export const ORDER_STATUSES = ['pending', 'completed', 'cancel_pending', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What a cancellation credits (R19): 100 %, unused days / term days, or nothing (not cancellable). */
export type CreditPolicy = 'full' | 'prorated' | 'none';

/** A billing country (R1) with its currency and tax treatment (R4). */
export interface Market {
  /** ISO 3166-1 alpha-2, upper case. */
  countryCode: string;
  name: string;
  /** ISO 4217, upper case. */
  currency: string;
  /** R4: prices shown include tax (Australia, Brazil) — otherwise they exclude it. */
  taxIncluded: boolean;
}

export interface Customer {
  id: string;
  partnerId: number;
  companyName: string;
  /** Entra ID tenant GUID, lower case. */
  tenantId: string;
  primaryDomain: string;
  /** Every domain of the customer, the primary one first. */
  domains: string[];
  /** The market = the billing address's country (R1). */
  market: Market;
  createdAt: Date;
}

/** What the user typed to find a customer, classified (R1). */
export type CustomerQuery =
  | { type: 'guid'; value: string }
  | { type: 'domain'; value: string }
  | { type: 'name'; value: string }
  /** Looks like an attempt at a tenant GUID but is not one (typo, wrong length). */
  | { type: 'invalidGuid'; value: string };

export interface CustomerSearchResult {
  query: CustomerQuery;
  customers: Customer[];
  /** More customers matched than `limit`; ask the user to be more specific. */
  hasMore: boolean;
}

/** Cancellation policy in force for a product (its own override, else its kind's). */
export interface CancellationPolicy {
  cancellable: boolean;
  windowDays: number;
  creditPolicy: CreditPolicy;
}

export interface Product {
  id: string;
  kind: ProductKind;
  title: string;
  publisher: string;
  description: string;
  /** R5: Windows Server Datacenter/Standard with Software Assurance. */
  azureHybridBenefit: boolean;
  cancellation: CancellationPolicy;
}

/** Identifies a SKU: SKU ids are only unique within their product (Partner Center). */
export interface SkuRef {
  productId: string;
  skuId: string;
}

export interface Sku extends SkuRef {
  title: string;
  description: string;
  term: Term;
  billing: BillingCycle;
  minQuantity: number;
  maxQuantity: number;
}

export interface Price {
  currency: string;
  unitPriceMinor: number;
  /** R4, from the market: every price shown says whether tax is included. */
  taxIncluded: boolean;
  effectiveFrom: Date;
}

export interface ProductDetail extends Product {
  skus: Sku[];
}

/**
 * One SKU as a customer in a market would buy it, read in one go: the product, the SKU
 * (null when the product has no such SKU), its current price there (null when not sold
 * there) and, for an Azure reservation, the version of the unavailable-markets list that
 * names the market (R3; null when it may be bought).
 */
export interface SkuInMarket {
  product: Product;
  sku: Sku | null;
  price: Price | null;
  reservationBlockedBy: string | null;
}

/** A product as offered in one market: only SKUs priced there. */
export interface Offer extends Product {
  market: string;
  skus: Array<Sku & { price: Price }>;
}

/**
 * A customer and what its market may buy (as `listProducts` for its billing country), with
 * the R3 list version that blocks Azure reservations there (null: they may be bought).
 */
export interface CustomerOffers {
  customer: Customer;
  offers: Offer[];
  reservationBlockedBy: string | null;
  /** R3 kept out at least one Azure reservation that matches the filter (e.g. one searched for by name). */
  reservationsHidden: boolean;
}

/** A customer and one SKU as that customer would buy it (`found` null: no such product). */
export interface CustomerSku {
  customer: Customer;
  found: SkuInMarket | null;
}

export interface OrderLineRequest extends SkuRef {
  quantity: number;
}

export interface CreateOrderRequest {
  customerId: string;
  /** users.id of the acting user. */
  createdBy: number;
  lines: OrderLineRequest[];
  /**
   * Chosen by the caller once per purchase intent (e.g. when the confirm card is
   * rendered) and sent again on every retry or repeated click: the same key returns the
   * order already created (R7).
   */
  idempotencyKey: string;
  /**
   * Called with the order as priced from the catalog, before anything is written: false →
   * nothing is bought and createOrder throws `draft_not_accepted` (unless the key bought
   * already: then that order is the answer, as for any repeat). How a caller buys only what
   * the user reviewed without reading the catalog a second time.
   */
  accept?: (draft: OrderDraft) => boolean;
}

/** An order as createOrder would write it, priced, before it is written; with its customer. */
export interface OrderDraft extends Omit<Order, 'id' | 'status' | 'purchasedAt'> {
  customer: Customer;
}

export interface OrderLine extends SkuRef {
  lineNumber: number;
  productKind: ProductKind;
  /** Product and SKU title at purchase time. */
  title: string;
  quantity: number;
  term: Term;
  billing: BillingCycle;
  unitPriceMinor: number;
  lineTotalMinor: number;
  /** Cancellation policy that applied at purchase time. */
  cancellation: CancellationPolicy;
}

export interface Order {
  id: string;
  partnerId: number;
  customerId: string;
  createdBy: number | null;
  status: OrderStatus;
  purchasedAt: Date;
  market: string;
  currency: string;
  taxIncluded: boolean;
  totalMinor: number;
  lines: OrderLine[];
}

export interface CreateOrderResult {
  order: Order;
  /** false: the idempotency key had been used already and this is that earlier order. */
  created: boolean;
  /** The backend's own reference to the order (opaque JSON; the bot's ledger keeps it for the backend). */
  reference: Record<string, unknown>;
  /**
   * The purchase went through only in part (Partner Center: a checkout answering `orders` and
   * `orderErrors`, or several orders for several order groups): the further orders made, and
   * the lines (indexes into the request) that were not bought, with the backend's reason.
   */
  partial?: { otherOrders: Order[]; notBought: Array<{ lineIndexes: number[]; code: string; message: string }> };
}

export interface OrderPage {
  orders: Order[];
  total: number;
}

/** R14: cancel these lines of the partner's customer's order (Partner Center: PATCH the order, status cancelled, lineItems). */
export interface CancellationRequest {
  customerId: string;
  orderId: string;
  lineNumbers: number[];
  /**
   * A UUID the caller chooses once per cancellation and sends again on every retry (Partner
   * Center's MS-RequestId): the same id never starts a second cancellation.
   */
  requestId: string;
}

/** Where a cancellation stands at the backend (R18, R20). `reference` is the backend's own, opaque to the caller. */
export type CancellationProgress =
  | { state: 'pending'; reference: Record<string, unknown> }
  | { state: 'finished'; reference: Record<string, unknown>; finishedAt: Date }
  /** The backend could not cancel (`code` its own, e.g. Partner Center's error code; `message` for the record). */
  | { state: 'failed'; reference: Record<string, unknown>; code: string; message: string }
  /** R20: the backend needs more information before it can cancel (a support request is the way on). */
  | { state: 'needs_information'; reference: Record<string, unknown>; message: string };
