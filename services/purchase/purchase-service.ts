/**
 * Buying software on behalf of a customer (R1–R7) and the customer's order history —
 * the service the purchase and orders dialogs call, on Teams and Slack alike.
 *
 * Every method takes the acting user first, checks the role itself (R6: Admin agent or
 * Global admin, else ForbiddenError naming them) before any I/O, and acts only within
 * `actor.partnerId`: a customer or order of another partner is "not found". Answers are
 * plain, view-ready data (no channel formatting); refusals are RefusalErrors
 * (./errors.ts) whose `refusal.code` the dialog turns into a message.
 *
 * The flow, step by step (the customer found with the customer directory,
 * services/customers/directory.ts):
 *   offersFor → skuDetails → quote (review card) → confirm
 *
 * Prices: integer minor units + ISO currency. Nothing priced ever comes from the caller:
 * quote prices from the catalog; at confirm the backend prices the order and buys it only
 * if the service accepts that draft as the reviewed one (same fingerprint).
 *
 * How a dialog uses confirm (R7):
 * - Keep the purchase in dialog state (customer, product, SKU, quantity, and the quote's
 *   `priceFingerprint`); a confirm card's submit data only says "confirm review n". Never
 *   take ids, quantities or fingerprints for confirm from card data.
 * - Derive the idempotency key with `purchaseIdempotencyKey(flowId, review)`: `flowId` a
 *   random id made once when the purchase dialog starts (kept in its state), `review` a
 *   counter raised every time a new review card is shown. A double press, a Teams resend
 *   or a Slack retry of the same card sends the same key → the same order ('existing').
 *   A new review (after a price change or an edited quantity) gets a new key.
 * - `priceChanged`: nothing was bought. Show `quote` as a new review card (review + 1,
 *   hence a new key) and keep its fingerprint; the user confirms again.
 * - After 'created' / 'existing', keep the order id in dialog state: a stale confirm card
 *   pressed after the flow ended is answered from there, without calling confirm again
 *   (confirm would answer 'existing' too, at the cost of a catalog read).
 */
import { createHash } from 'node:crypto';
import { requireCapability } from '../access/capabilities.js';
import type { Actor } from '../access/roles.js';
import { isCommerceError } from '../commerce/errors.js';
import type { CommerceBackend } from '../commerce/port.js';
import { cancellationWindow, lineTotal, taxNote, validateQuantity, type TaxNote } from '../commerce/rules.js';
import { customerView, type CustomerDirectory, type CustomerView } from '../customers/directory.js';
import { orderStatusOf, type PurchaseLedger } from '../ledger/purchase-ledger.js';
import type { Logger } from '../logger.js';
import {
  PRODUCT_KINDS,
  type CreateOrderRequest,
  type CreateOrderResult,
  type CreditPolicy,
  type Order,
  type OrderDraft,
  type OrderStatus,
  type Product,
  type ProductKind,
  type Sku,
  type Term,
} from '../commerce/types.js';
import { refuse } from '../refusal.js';


export const ORDERS_PAGE_SIZE = 10;
export const MAX_ORDERS_PAGE_SIZE = 50;
const MAX_ID_LENGTH = 100;
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** How often confirm tries to record a bought order in the ledger before it logs the failure. */
const LEDGER_ATTEMPTS = 3;

// --- views -----------------------------------------------------------------------

/** What the buyer is told about cancelling before buying (R15, R16). */
export type CancellationTerms =
  | { cancellable: true; windowDays: number; credit: CreditPolicy }
  /** software_plan: SUSE / Red Hat plans (R16); not_cancellable: the catalog says so otherwise. */
  | { cancellable: false; reason: 'software_plan' | 'not_cancellable' };

/** A product as the buyer sees it; `azureHybridBenefit` (R5): mention the Azure Hybrid Benefit. */
export interface ProductView extends Omit<Product, 'cancellation'> {
  cancellation: CancellationTerms;
}

/** Term, billing and quantity bounds of a SKU (R2). */
export type SkuView = Sku;

export interface PricedSkuView extends SkuView {
  unitPriceMinor: number;
  currency: string;
}

export interface OfferView extends ProductView {
  /** Only the SKUs priced in the customer's market. */
  skus: PricedSkuView[];
}

export interface OffersView {
  customer: CustomerView;
  /** What was asked for (null: every kind / no search text). */
  kind: ProductKind | null;
  search: string | null;
  /** Non-empty groups, in the catalog's order of kinds. Empty: nothing matches in this market. */
  groups: Array<{ kind: ProductKind; offers: OfferView[] }>;
  /** R3: the customer's market cannot buy Azure reservations, so none are offered. */
  azureReservationsUnavailable: boolean;
  /** The unavailable-markets list that says so, when known (null otherwise). */
  reservationListVersion: string | null;
  /** R3 kept out Azure reservations that match the kind or search asked for (e.g. one named directly). */
  reservationsHidden: boolean;
}

export interface SkuDetails {
  customer: CustomerView;
  product: ProductView;
  sku: SkuView;
  unitPriceMinor: number;
  currency: string;
  taxNote: TaxNote;
}

export interface Quote extends SkuDetails {
  quantity: number;
  totalMinor: number;
  /**
   * Opaque; binds what the review card showed (customer and market, product, SKU, term,
   * quantity, unit price, total, currency, tax note, cancellation terms). Confirm
   * recomputes it from the catalog and buys only if it is unchanged.
   */
  priceFingerprint: string;
}

/** Where an order stands with respect to cancelling it (R15, R16), as of the service's clock. */
export type CancellationState =
  /** `closesAt`: the instant the window closes (ISO, UTC) — see commerce/rules.ts cancellationWindow. */
  | { state: 'open'; daysLeft: number; closesAt: string }
  | { state: 'passed'; closedAt: string }
  | { state: 'notCancellable'; reason: 'software_plan' | 'not_cancellable' }
  | { state: 'cancelling' }
  | { state: 'cancelled' };

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  /** Title of the first line ("Product – SKU", as at purchase time). */
  productTitle: string;
  quantity: number;
  term: Term;
  /** Further lines in the order (orders made by this bot have one line: 0). */
  otherLines: number;
  totalMinor: number;
  currency: string;
  taxNote: TaxNote;
  purchasedAt: Date;
  /** UTC calendar day, YYYY-MM-DD — the day the cancellation window counts from. */
  purchaseDate: string;
  cancellation: CancellationState;
  /** When the status last changed, as the bot's ledger has it (cancelled on, cancelling since). */
  statusAt?: Date;
  /** What a finished cancellation credited (R17, R19). */
  credit?: { amountMinor: number; currency: string };
}

export interface SkuChoice {
  customerId: string;
  productId: string;
  skuId: string;
}

export interface QuoteRequest extends SkuChoice {
  /** A number, or the text the user typed ("12"). */
  quantity: number | string;
}

export interface ConfirmRequest extends SkuChoice {
  quantity: number;
  /** From the quote the user reviewed. */
  priceFingerprint: string;
  /** See `purchaseIdempotencyKey`. */
  idempotencyKey: string;
}

export type ConfirmResult =
  /** Nothing was bought: the price or terms changed since the review. Show `quote` for a new review. */
  | { status: 'priceChanged'; quote: Quote }
  /** 'created' now, or 'existing': this key had bought it already (double press, resend, retry). */
  | { status: 'created' | 'existing'; customer: CustomerView; order: OrderView };

export interface OrderHistoryPage {
  customer: CustomerView;
  /** Newest first. */
  orders: OrderView[];
  /** 1-based. */
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

/**
 * The idempotency key of one review card of one purchase flow (R7). `flowId`: made once
 * per purchase dialog (e.g. randomUUID()) and kept in its state; `review`: raised each
 * time a new review card is shown.
 */
export function purchaseIdempotencyKey(flowId: string, review: number): string {
  if (!/^[A-Za-z0-9_.:-]{1,120}$/.test(flowId)) throw new RangeError('flowId must be 1–120 characters of [A-Za-z0-9_.:-]');
  if (!Number.isSafeInteger(review) || review < 1) throw new RangeError(`review must be a positive integer, got ${review}`);
  return `purchase:${flowId}:${review}`;
}

// --- pure helpers ----------------------------------------------------------------

/** The one-line order a review confirms (or prepares): bought only if the backend's draft is the reviewed one; `seen` sees the draft first. */
function orderRequest(actor: Actor, req: ConfirmRequest, idempotencyKey: string, seen: (draft: OrderDraft) => void): CreateOrderRequest {
  return {
    customerId: req.customerId,
    createdBy: actor.userId,
    lines: [{ productId: req.productId, skuId: plausibleId(req.skuId) ? req.skuId : '', quantity: req.quantity }],
    idempotencyKey,
    accept: (draft) => {
      seen(draft);
      return draftFingerprint(draft) === req.priceFingerprint;
    },
  };
}

const DAY_MS = 86_400_000;

function utcDay(d: Date): string {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

function cancellationTerms(p: Pick<Product, 'kind' | 'cancellation'>): CancellationTerms {
  const c = p.cancellation;
  if (c.cancellable && c.windowDays > 0) return { cancellable: true, windowDays: c.windowDays, credit: c.creditPolicy };
  return { cancellable: false, reason: p.kind === 'software_plan' ? 'software_plan' : 'not_cancellable' };
}

function productView(p: Product): ProductView {
  return {
    id: p.id,
    kind: p.kind,
    title: p.title,
    publisher: p.publisher,
    description: p.description,
    azureHybridBenefit: p.azureHybridBenefit,
    cancellation: cancellationTerms(p),
  };
}

function skuView(s: Sku): SkuView {
  return {
    productId: s.productId,
    skuId: s.skuId,
    title: s.title,
    description: s.description,
    term: s.term,
    billing: s.billing,
    minQuantity: s.minQuantity,
    maxQuantity: s.maxQuantity,
  };
}

/**
 * Cancellation as of `now`, from the policies the order's lines were bought under. An
 * order with several lines is as cancellable as its shortest window (never promise
 * more than every line allows); lines that cannot be cancelled do not count.
 */
export function cancellationStateOf(order: Pick<Order, 'status' | 'purchasedAt' | 'lines'>, now: Date): CancellationState {
  if (order.status === 'cancelled') return { state: 'cancelled' };
  if (order.status === 'cancel_pending') return { state: 'cancelling' };
  const windows = order.lines.filter((l) => l.cancellation.cancellable && l.cancellation.windowDays > 0).map((l) => l.cancellation.windowDays);
  if (windows.length === 0) {
    const plans = order.lines.length > 0 && order.lines.every((l) => l.productKind === 'software_plan');
    return { state: 'notCancellable', reason: plans ? 'software_plan' : 'not_cancellable' };
  }
  const w = cancellationWindow({ purchasedAt: order.purchasedAt, windowDays: Math.min(...windows), now });
  const at = w.closesAt.toISOString();
  return w.open ? { state: 'open', daysLeft: w.daysLeft, closesAt: at } : { state: 'passed', closedAt: at };
}

const STATUS_ORDER: readonly OrderStatus[] = ['pending', 'completed', 'cancel_pending', 'cancelled'];

/** The status further along the way bought → cancelling → cancelled. */
function furtherAlong(a: OrderStatus, b: OrderStatus): OrderStatus {
  return STATUS_ORDER.indexOf(a) >= STATUS_ORDER.indexOf(b) ? a : b;
}

function orderView(order: Order, now: Date): OrderView {
  const first = order.lines[0];
  return {
    orderId: order.id,
    status: order.status,
    productTitle: first?.title ?? '',
    quantity: first?.quantity ?? 0,
    term: first?.term ?? 'one_time',
    otherLines: Math.max(0, order.lines.length - 1),
    totalMinor: order.totalMinor,
    currency: order.currency,
    taxNote: taxNote(order),
    purchasedAt: order.purchasedAt,
    purchaseDate: utcDay(order.purchasedAt),
    cancellation: cancellationStateOf(order, now),
  };
}

/** What a review card binds (see Quote.priceFingerprint), from a quote or from a backend's order draft alike. */
interface ReviewedTerms {
  customerId: string;
  market: string;
  productId: string;
  kind: ProductKind;
  skuId: string;
  term: Term;
  billing: string;
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
  currency: string;
  taxNote: TaxNote;
  cancellation: CancellationTerms;
}

function fingerprintOf(r: ReviewedTerms): string {
  const bound = [
    'pf1', r.customerId, r.market, r.productId, r.kind, r.skuId, r.term, r.billing, r.quantity,
    r.unitPriceMinor, r.totalMinor, r.currency, r.taxNote, r.cancellation,
  ];
  return `pf1.${createHash('sha256').update(JSON.stringify(bound)).digest('base64url')}`;
}

function fingerprint(q: Omit<Quote, 'priceFingerprint'>): string {
  return fingerprintOf({
    customerId: q.customer.id, market: q.customer.market.countryCode, productId: q.product.id, kind: q.product.kind,
    skuId: q.sku.skuId, term: q.sku.term, billing: q.sku.billing, quantity: q.quantity, unitPriceMinor: q.unitPriceMinor,
    totalMinor: q.totalMinor, currency: q.currency, taxNote: q.taxNote, cancellation: q.product.cancellation,
  });
}

/** The fingerprint of a one-line draft as the backend priced it; null for any other shape. */
function draftFingerprint(d: OrderDraft): string | null {
  const [line] = d.lines;
  if (!line || d.lines.length !== 1) return null;
  return fingerprintOf({
    customerId: d.customerId, market: d.market, productId: line.productId, kind: line.productKind, skuId: line.skuId,
    term: line.term, billing: line.billing, quantity: line.quantity, unitPriceMinor: line.unitPriceMinor, totalMinor: d.totalMinor,
    currency: d.currency, taxNote: taxNote(d), cancellation: cancellationTerms({ kind: line.productKind, cancellation: line.cancellation }),
  });
}

/** Ids arrive from card data and typed text: anything that is not a plausible id finds nothing. */
function plausibleId(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_ID_LENGTH;
}

function short(value: unknown): string {
  return typeof value === 'string' ? value.trim().slice(0, MAX_ID_LENGTH) : '';
}

// --- the service -----------------------------------------------------------------

export class PurchaseService {
  private readonly commerce: CommerceBackend;
  private readonly customers: CustomerDirectory;
  private readonly ledger: PurchaseLedger;
  private readonly logger: Logger | undefined;
  private readonly now: () => Date;

  constructor(deps: { commerce: CommerceBackend; customers: CustomerDirectory; ledger: PurchaseLedger; logger?: Logger; now?: () => Date }) {
    this.commerce = deps.commerce;
    this.customers = deps.customers;
    this.ledger = deps.ledger;
    this.logger = deps.logger;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * R2/R3: what this customer's market may buy, grouped by kind; optionally one kind and/or
   * a search in title, description and publisher. Azure reservations are never offered
   * where they are unavailable; `azureReservationsUnavailable` says so.
   */
  async offersFor(actor: Actor, customerId: string, filter: { kind?: ProductKind; search?: string; productId?: string } = {}): Promise<OffersView> {
    requireCapability(actor, 'buy');
    // Card data may say null or '' for "every kind".
    const kind = (filter.kind as unknown) === null || (filter.kind as unknown) === '' ? undefined : filter.kind;
    if (kind !== undefined && !(PRODUCT_KINDS as readonly unknown[]).includes(kind)) {
      throw refuse({ code: 'invalid_request', field: 'kind' });
    }
    const search = typeof filter.search === 'string' && filter.search.trim() !== '' ? filter.search.trim() : null;
    // The customer (of the actor's partner), its market's offers and R3 in one call.
    const found = plausibleId(customerId)
      ? await this.commerce.customerOffers(actor.partnerId, customerId, { ...(kind ? { kind } : {}), ...(search ? { search } : {}), ...(filter.productId ? { productId: filter.productId } : {}) })
      : null;
    if (!found) throw refuse({ code: 'customer_not_found' });
    const { customer, offers, reservationBlockedBy: reservationListVersion, reservationsHidden } = found;
    const reservationsAvailable = reservationListVersion === null;
    const groups: OffersView['groups'] = [];
    for (const offer of offers) {
      // R3 holds here even if a backend forgot it.
      if (offer.kind === 'azure_reservation' && !reservationsAvailable) continue;
      let group = groups.find((g) => g.kind === offer.kind);
      if (!group) groups.push((group = { kind: offer.kind, offers: [] }));
      group.offers.push({
        ...productView(offer),
        skus: offer.skus.map((s) => ({ ...skuView(s), unitPriceMinor: s.price.unitPriceMinor, currency: s.price.currency })),
      });
    }
    return {
      customer: customerView(customer),
      kind: kind ?? null,
      search,
      groups,
      azureReservationsUnavailable: !reservationsAvailable,
      reservationListVersion,
      // Only a filter can be "matched" by reservations alone (without one, the whole market is shown).
      reservationsHidden: !reservationsAvailable && reservationsHidden && (kind !== undefined || search !== null || Boolean(filter.productId)),
    };
  }

  /**
   * One product with its SKUs priced in the customer's market (step 3 of the flow). The
   * same refusals as `skuDetails` when the product was named directly or a card is stale:
   * unknown product, an Azure reservation in an unavailable market (R3), not sold there.
   */
  async offer(actor: Actor, customerId: string, productId: string): Promise<{ customer: CustomerView; offer: OfferView }> {
    requireCapability(actor, 'buy');
    // Only this product is read from the catalog (productId is a filter, not the whole market's list).
    const offers = await this.offersFor(actor, customerId, plausibleId(productId) ? { productId } : {});
    const offer = offers.groups.flatMap((g) => g.offers).find((o) => o.id === productId);
    if (offer) return { customer: offers.customer, offer };
    const product = plausibleId(productId) ? await this.commerce.getProduct(productId) : null;
    if (!product) throw refuse({ code: 'product_not_found', productId: short(productId) });
    const market = offers.customer.market;
    if (product.kind === 'azure_reservation' && offers.azureReservationsUnavailable) {
      throw refuse({
        code: 'azure_reservation_unavailable',
        productId: product.id,
        market: market.countryCode,
        marketName: market.name,
        listVersion: offers.reservationListVersion,
      });
    }
    throw refuse({ code: 'not_sold_in_market', productId: product.id, skuId: '', market: market.countryCode, marketName: market.name });
  }

  /**
   * R2–R5: one SKU as this customer would buy it. Refuses an unknown
   * customer, product or SKU, an Azure reservation in an unavailable market (R3) and a SKU
   * not sold in the customer's market — also when the ids come from typed text or a
   * stale card rather than from `offersFor`.
   */
  async skuDetails(actor: Actor, choice: SkuChoice): Promise<SkuDetails> {
    requireCapability(actor, 'buy');
    return this.resolve(actor, choice);
  }

  /** The review (step 5): quantity checked against the SKU (R2), total computed here from the catalog. */
  async quote(actor: Actor, req: QuoteRequest): Promise<Quote> {
    requireCapability(actor, 'buy');
    return this.priced(actor, req);
  }

  /**
   * While the review card is shown: let the backend do ahead what it can of the purchase a
   * confirm of this review would make (Partner Center: read the availability and make the cart,
   * so the confirm turn makes one round trip). Never throws and buys nothing: whatever it could
   * not do, the confirm does (and refuses) itself. Same request as `confirm`.
   */
  async prepare(actor: Actor, req: ConfirmRequest): Promise<void> {
    requireCapability(actor, 'buy');
    if (!this.commerce.prepareOrder || !plausibleId(req.customerId) || !plausibleId(req.productId) || !plausibleId(req.skuId)) return;
    try {
      await this.commerce.prepareOrder(actor.partnerId, orderRequest(actor, req, req.idempotencyKey, () => undefined));
    } catch (err) {
      this.logger?.info({ err, partnerId: actor.partnerId }, 'purchase not prepared ahead; the confirm does it');
    }
  }

  /**
   * R6/R7: buy what the user reviewed, exactly once per idempotency key.
   *
   * The backend prices the order from the catalog and, before writing anything, hands the
   * draft to this service, which buys only if the draft's fingerprint is the reviewed one:
   * what is charged is what the review card showed, with no gap between a check and the
   * purchase. A changed price or terms → 'priceChanged' with a new quote; nothing is bought.
   * A repeat of a key that bought already — sequential or concurrent, before or after the
   * catalog changed — answers 'existing' with that order.
   */
  async confirm(actor: Actor, req: ConfirmRequest): Promise<ConfirmResult> {
    requireCapability(actor, 'buy');
    const key = typeof req.idempotencyKey === 'string' ? req.idempotencyKey.trim() : '';
    if (key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw refuse({ code: 'invalid_request', field: 'idempotencyKey' });
    if (!plausibleId(req.customerId)) throw refuse({ code: 'customer_not_found' });
    if (!plausibleId(req.productId)) throw refuse({ code: 'product_not_found', productId: short(req.productId) });
    let customer: CustomerView | undefined;
    let bought: CreateOrderResult;
    try {
      bought = await this.commerce.createOrder(actor.partnerId, orderRequest(actor, req, key, (draft) => {
        customer = customerView(draft.customer);
      }));
    } catch (err) {
      if (!isCommerceError(err)) throw err;
      // Not bought. The quote says why, in the service's terms (a refusal of its own, or a new price).
      const quote = await this.priced(actor, req);
      if (err.code === 'draft_not_accepted' || quote.priceFingerprint !== req.priceFingerprint) return { status: 'priceChanged', quote };
      throw this.translate(err, quote);
    }
    const { order, created, reference, partial } = bought;
    // The bot's own record of the purchase, for every backend (keys, links and cancellations
    // stand on it); a repeat records it again, changing nothing. A repeat answered from the key
    // alone (its draft was never made) reads the customer meanwhile.
    [customer] = await Promise.all([
      customer ?? this.customers.get(actor, 'buy', order.customerId),
      this.recordBought(order, reference),
      // A checkout that made several orders (Partner Center: several order groups): each is the bot's purchase too.
      ...(partial?.otherOrders ?? []).map((other) => this.recordBought(other, { ...reference, orderId: other.id })),
    ]);
    if (partial && partial.notBought.length > 0) {
      // The purchase flow buys one SKU at a time, so a checkout buys it or refuses it whole; only a multi-line order can get here.
      this.logger?.warn({ orderId: order.id, partnerId: order.partnerId, notBought: partial.notBought }, 'purchase made in part: the backend did not buy some lines');
    }
    return { status: created ? 'created' : 'existing', customer, order: orderView(order, this.now()) };
  }

  /**
   * The order is bought: whatever happens to its record, the user is told so (an error now
   * would have them buy again). A write that still fails after a few tries is logged; the
   * record is filled in when the order is next listed (`orders`) or confirmed again.
   */
  private async recordBought(order: Order, reference: Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ledger.record({ order, backend: this.commerce.name, backendRef: reference });
        return;
      } catch (err) {
        if (attempt >= LEDGER_ATTEMPTS) {
          this.logger?.error({ err, orderId: order.id, partnerId: order.partnerId }, 'purchase bought but not recorded in the ledger; it is recorded when its orders are listed or it is confirmed again');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** A customer's orders, newest first, with where each stands in its cancellation window (R15). */
  async orders(actor: Actor, customerId: string, opts: { page?: number; pageSize?: number } = {}): Promise<OrderHistoryPage> {
    requireCapability(actor, 'orders');
    const pageSize = Number.isSafeInteger(opts.pageSize) ? Math.min(Math.max(opts.pageSize!, 1), MAX_ORDERS_PAGE_SIZE) : ORDERS_PAGE_SIZE;
    const page = Number.isSafeInteger(opts.page) && opts.page! >= 1 ? opts.page! : 1;
    // One round trip: the list is read alongside the customer and discarded if the customer is not the actor's partner's.
    const [customer, { orders, total }] = await Promise.all([
      this.customers.get(actor, 'orders', customerId),
      plausibleId(customerId)
        ? this.commerce.listOrders(actor.partnerId, customerId, { limit: pageSize, offset: (page - 1) * pageSize })
        : { orders: [], total: 0 },
    ]);
    // Where each stands: the further along of the bot's ledger (a cancellation it submitted, under
    // way or finished, with its credit) and the backend (e.g. one cancelled in Partner Center itself).
    // What the backend sold that the ledger misses (a crash, a failed write) is recorded now.
    const standing = await this.ledger.standing(orders, this.commerce.name);
    const now = this.now();
    return {
      customer,
      orders: orders.map((o) => {
        const s = standing.get(o.id);
        if (!s) return orderView(o, now);
        const status = furtherAlong(o.status, orderStatusOf(s.status));
        return { ...orderView({ ...o, status }, now), statusAt: s.statusAt, ...(s.credit ? { credit: s.credit } : {}) };
      }),
      page,
      pageSize,
      total,
      totalPages: Math.ceil(total / pageSize),
    };
  }

  // --- internals -------------------------------------------------------------------

  private async resolve(actor: Actor, choice: SkuChoice): Promise<SkuDetails> {
    const { productId, skuId } = choice;
    // The customer (of the actor's partner) and the SKU as bought in its market, in one call.
    const read = plausibleId(choice.customerId)
      ? await this.commerce.customerSku(actor.partnerId, choice.customerId, { productId: plausibleId(productId) ? productId : '', skuId: plausibleId(skuId) ? skuId : '' })
      : null;
    if (!read) throw refuse({ code: 'customer_not_found' });
    const { customer, found } = read;
    const market = customer.market;
    if (!found) throw refuse({ code: 'product_not_found', productId: short(productId) });
    const { product, sku, price } = found;
    if (!sku) throw refuse({ code: 'sku_not_found', productId: product.id, skuId: short(skuId) });
    if (product.kind === 'azure_reservation' && found.reservationBlockedBy !== null) {
      throw refuse({
        code: 'azure_reservation_unavailable',
        productId: product.id,
        market: market.countryCode,
        marketName: market.name,
        listVersion: found.reservationBlockedBy,
      });
    }
    if (!price) {
      throw refuse({ code: 'not_sold_in_market', productId: product.id, skuId: sku.skuId, market: market.countryCode, marketName: market.name });
    }
    return {
      customer: customerView(customer),
      product: productView(product),
      sku: skuView(sku),
      unitPriceMinor: price.unitPriceMinor,
      currency: price.currency,
      taxNote: taxNote(price),
    };
  }

  private async priced(actor: Actor, req: QuoteRequest): Promise<Quote> {
    const details = await this.resolve(actor, req);
    const check = validateQuantity(details.sku, req.quantity);
    if (!check.ok) throw refuse({ code: 'invalid_quantity', reason: check.reason, min: check.min, max: check.max });
    let totalMinor: number;
    try {
      totalMinor = lineTotal(details.unitPriceMinor, check.quantity);
    } catch (err) {
      throw this.translate(err, details);
    }
    const quote = { ...details, quantity: check.quantity, totalMinor };
    return { ...quote, priceFingerprint: fingerprint(quote) };
  }

  /** A backend refusal in the service's terms (the catalog may change between two calls). */
  private translate(err: unknown, at: SkuDetails): unknown {
    if (!isCommerceError(err)) return err;
    const r = err.refusal;
    const market = { market: at.customer.market.countryCode, marketName: at.customer.market.name };
    switch (r.code) {
      case 'customer_not_found':
        return refuse({ code: 'customer_not_found' });
      case 'product_not_found':
        return refuse({ code: 'product_not_found', productId: at.product.id });
      case 'sku_not_found':
        return refuse({ code: 'sku_not_found', productId: at.product.id, skuId: at.sku.skuId });
      case 'price_unavailable':
        return refuse({ code: 'not_sold_in_market', productId: at.product.id, skuId: at.sku.skuId, ...market });
      case 'azure_reservation_unavailable':
        return refuse({ code: 'azure_reservation_unavailable', productId: at.product.id, ...market, listVersion: r.listVersion });
      case 'not_purchasable':
        return refuse({ code: 'not_purchasable', productId: at.product.id, skuId: at.sku.skuId });
      case 'purchase_prerequisite':
        return refuse({ code: 'purchase_prerequisite', productId: at.product.id, prerequisite: r.prerequisite });
      case 'purchase_refused':
        return refuse({ code: 'purchase_refused', backendCode: r.partnerCenterCode, description: r.description });
      case 'invalid_quantity':
        return refuse({ code: 'invalid_quantity', reason: r.reason, min: r.min, max: r.max });
      case 'amount_overflow':
        return refuse({ code: 'amount_too_large' });
      case 'idempotency_conflict':
        return refuse({ code: 'idempotency_conflict', orderId: r.orderId });
      case 'invalid_idempotency_key':
        return refuse({ code: 'invalid_request', field: 'idempotencyKey' });
      // One line of a one-line order, never empty: a backend answering these has a bug (the fault path).
      case 'empty_order':
      case 'duplicate_line':
      case 'too_many_lines':
      case 'draft_not_accepted':
        return err;
    }
  }
}
