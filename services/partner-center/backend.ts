/**
 * The Partner Center commerce backend (issue 12): the commerce port (services/commerce/port.ts)
 * on a CSP partner's real Partner Center account, selected with COMMERCE_BACKEND=partner-center
 * (services/domain.ts). Composed of:
 * - customers (R1): ./customers.ts — Partner Center's customers, read back from a short cache in
 *   the purchase flow's later turns;
 * - catalog (R2–R5): the catalog tables (migration 0002) as a cache of Partner Center's catalog,
 *   filled per market by the refresh job (./catalog.ts), read with the embedded backend's SQL —
 *   so offers, R3 (the unavailable-markets list, data) and R4 (the markets' tax treatment) are
 *   the same code in both backends and a catalog step costs no Partner Center round trip;
 * - purchase and orders (R6, R7): ./orders.ts — cart → checkout, exactly once per idempotency key;
 * - cancellation (R14–R18): ./cancellations.ts.
 *
 * One instance serves one partner of the bot: the one whose Partner Center account the tokens
 * open (`partnerId`). Asked for another partner, it answers as if there were nothing.
 *
 * What Partner Center has no API for — activation keys, download links, the activity log,
 * support requests — stays the bot's own records (the ledger the purchase service writes), the
 * same whichever backend sold the purchase.
 *
 * Round trips to Partner Center per purchase-flow turn (the issue's budget: at most two):
 * customer search 1 (+1 per customer whose billing country is not cached); the catalog steps 0
 * (the customer within `customerTtlMs`: else 1); the review: 2 (`prepareOrder`: the availability
 * read fresh, the cart); confirm: 1 (the checkout) — 3 when the review's cart could not be made.
 */
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { checkOrderRequest, priceLine, type EmbeddedCommerceBackend } from '../commerce/embedded.js';
import { CommerceError } from '../commerce/errors.js';
import type { CommerceBackend } from '../commerce/port.js';
import { parseGuid, sumMinor } from '../commerce/rules.js';
import type {
  CancellationProgress,
  CancellationRequest,
  CreateOrderRequest,
  CreateOrderResult,
  Customer,
  CustomerOffers,
  CustomerSearchResult,
  CustomerSku,
  Order,
  OrderDraft,
  OrderPage,
  ProductDetail,
  ProductKind,
  SkuRef,
} from '../commerce/types.js';
import { PartnerCenterCancellations } from './cancellations.js';
import { PartnerCenterCustomers } from './customers.js';
import type { PartnerCenterHttp } from './http.js';
import { PartnerCenterOrders, type AvailabilityReader, type PlacedPurchase, type PurchaseDraft, type PurchaseRecord } from './orders.js';

/** The SKU's purchase prerequisites (Partner Center's purchasePrerequisites) the bot cannot meet; such a SKU is refused with the reason. */
export const UNSUPPORTED_PREREQUISITES = new Set(['InventoryCheck', 'AzureSubscriptionRegistration']);

/** What the backend needs of the Partner Center catalog beyond the cached tables (./catalog.ts). */
export interface PartnerCenterCatalogReads extends AvailabilityReader {
  /** The SKU's purchase prerequisites as the last refresh read them ([] when none or unknown). */
  prerequisitesOf(ref: SkuRef): Promise<string[]>;
}

export interface PartnerCenterCommerceBackendOptions {
  http: PartnerCenterHttp;
  db: Db;
  /** The bot's partners.id whose Partner Center account this is. */
  partnerId: number;
  /** The catalog tables, read with the embedded backend's SQL (an EmbeddedCommerceBackend on the same database). */
  tables: Pick<EmbeddedCommerceBackend, 'marketOffers' | 'getSkuInMarket' | 'getProduct'>;
  catalog: PartnerCenterCatalogReads;
  /** How long a customer read from Partner Center answers the purchase flow's later turns (./customers.ts); 15 min when left out. */
  customerTtlMs?: number;
  now?: () => Date;
  logger?: Logger;
}

export class PartnerCenterCommerceBackend implements CommerceBackend {
  readonly name = 'partner_center';
  private readonly partnerId: number;
  private readonly customers: PartnerCenterCustomers;
  private readonly tables: PartnerCenterCommerceBackendOptions['tables'];
  private readonly catalog: PartnerCenterCatalogReads;
  private readonly orders: PartnerCenterOrders;
  private readonly cancellations: PartnerCenterCancellations;

  constructor(opts: PartnerCenterCommerceBackendOptions) {
    const { http, db, partnerId, logger } = opts;
    const now = opts.now;
    this.partnerId = partnerId;
    this.tables = opts.tables;
    this.catalog = opts.catalog;
    const log = logger?.child({ component: 'partner-center' });
    this.customers = new PartnerCenterCustomers({ http, db, partnerId, ...(opts.customerTtlMs === undefined ? {} : { customerTtlMs: opts.customerTtlMs }), ...(now ? { now } : {}), ...(log ? { logger: log } : {}) });
    this.orders = new PartnerCenterOrders({ http, db, partnerId, availability: opts.catalog, products: opts.tables, ...(now ? { now } : {}), ...(log ? { logger: log } : {}) });
    this.cancellations = new PartnerCenterCancellations({ http, db, partnerId, ...(now ? { now } : {}), ...(log ? { logger: log } : {}) });
  }

  findCustomers(partnerId: number, query: string, opts?: { limit?: number }): Promise<CustomerSearchResult> {
    return this.customers.findCustomers(partnerId, query, opts);
  }

  getCustomer(partnerId: number, customerId: string): Promise<Customer | null> {
    return this.customers.getCustomer(partnerId, customerId);
  }

  async customerOffers(partnerId: number, customerId: string, filter: { kind?: ProductKind; search?: string; productId?: string } = {}): Promise<CustomerOffers | null> {
    const customer = await this.customers.getCustomer(partnerId, customerId);
    if (!customer) return null;
    return { customer, ...(await this.tables.marketOffers(customer.market.countryCode, filter)) };
  }

  async customerSku(partnerId: number, customerId: string, ref: SkuRef): Promise<CustomerSku | null> {
    const customer = await this.customers.getCustomer(partnerId, customerId);
    if (!customer) return null;
    return { customer, found: await this.tables.getSkuInMarket(ref, customer.market.countryCode) };
  }

  getProduct(productId: string): Promise<ProductDetail | null> {
    return this.tables.getProduct(productId);
  }

  /**
   * R6/R7 on Partner Center (./orders.ts has the exactly-once mechanics). A repeat of a key that
   * was recorded is answered from its record — the order, the same refusal, or the interrupted
   * purchase carried on with its request ids — before anything is read. Otherwise: the customer,
   * each line priced from the cached catalog with the same refusals as the embedded backend, the
   * caller's `accept`, the SKUs' prerequisites (an inventory check or an Azure subscription
   * registration: refused as purchase_prerequisite), then the availability read fresh, the cart
   * and the checkout: 3 Partner Center round trips — or 1, the checkout, when `prepareOrder` made
   * the cart with this key when the review card was shown (its availability read and cart then
   * are that turn's 2). A checkout that made some orders and not others answers the first order
   * and `partial`.
   */
  async createOrder(partnerId: number, req: CreateOrderRequest): Promise<CreateOrderResult> {
    const priced = await this.priced(partnerId, req);
    return resultOf('earlier' in priced ? await this.orders.resume(priced.earlier) : await this.orders.place(priced.draft));
  }

  /**
   * The purchase about to be confirmed, done ahead as far as nothing is bought: priced and checked
   * as `createOrder` would (refusals thrown the same), the availability read, the purchase recorded
   * and its cart made. `createOrder` with the same key then sends the checkout alone — one Partner
   * Center round trip on the confirm turn. A key recorded already: nothing.
   */
  async prepareOrder(partnerId: number, req: CreateOrderRequest): Promise<void> {
    const priced = await this.priced(partnerId, req);
    if ('draft' in priced) await this.orders.prepare(priced.draft);
  }

  /** The purchase priced and checked, or the record of an earlier request with its key (the same purchase, else idempotency_conflict). */
  private async priced(partnerId: number, req: CreateOrderRequest): Promise<{ earlier: PurchaseRecord } | { draft: PurchaseDraft }> {
    const { key, lines } = checkOrderRequest(req);
    const customerId = typeof req.customerId === 'string' ? parseGuid(req.customerId) : null;
    if (partnerId !== this.partnerId || !customerId) throw new CommerceError({ code: 'customer_not_found' }, 'The customer was not found.');

    const earlier = await this.orders.earlier(key);
    if (earlier) {
      const row = earlier.row;
      const same = row.customer_id === customerId && row.lines.length === lines.length &&
        row.lines.every((l, i) => l.productId === lines[i]!.productId && l.skuId === lines[i]!.skuId && l.quantity === lines[i]!.quantity);
      if (!same) throw new CommerceError({ code: 'idempotency_conflict', orderId: row.orders?.[0]?.id ?? '' }, 'This purchase key was already used for a different order.');
      // Made ahead at the review and not checked out yet: bought only if the caller still accepts it as priced now
      // (the catalog may have been refreshed since), as the embedded backend's confirm does.
      if (row.state === 'pending' && !row.checkout_sent_at && req.accept) await this.draftOf(partnerId, customerId, key, lines, req);
      return { earlier: row };
    }
    return { draft: await this.draftOf(partnerId, customerId, key, lines, req) };
  }

  /** The purchase priced from the cached catalog, accepted by the caller and free of prerequisites the bot cannot meet; refusals thrown. */
  private async draftOf(partnerId: number, customerId: string, key: string, lines: Array<SkuRef & { quantity: number }>, req: CreateOrderRequest): Promise<PurchaseDraft> {
    const customer = await this.customers.getCustomer(partnerId, customerId);
    if (!customer) throw new CommerceError({ code: 'customer_not_found' }, 'The customer was not found.');
    const market = customer.market.countryCode;
    const found = await Promise.all(lines.map((l) => this.tables.getSkuInMarket(l, market)));
    const priced = lines.map((line, i) => priceLine(found[i] ?? null, line, i, market));
    const totalMinor = sumMinor(priced.map((l) => l.lineTotalMinor));
    if (req.accept) {
      const draft: OrderDraft = {
        partnerId, customerId, createdBy: req.createdBy, market, currency: customer.market.currency, taxIncluded: customer.market.taxIncluded,
        totalMinor, lines: priced.map((l, lineNumber) => ({ ...l, lineNumber })), customer,
      };
      if (!req.accept(draft)) throw new CommerceError({ code: 'draft_not_accepted' }, 'The order as priced now was not accepted; nothing was bought.');
    }
    const prerequisites = await Promise.all(lines.map((l) => this.catalog.prerequisitesOf(l)));
    prerequisites.forEach((list, lineIndex) => {
      const blocking = list.find((p) => UNSUPPORTED_PREREQUISITES.has(p));
      if (blocking) {
        const line = lines[lineIndex]!;
        throw new CommerceError(
          { code: 'purchase_prerequisite', lineIndex, productId: line.productId, skuId: line.skuId, prerequisite: blocking },
          `${line.productId}:${line.skuId} needs ${blocking} before it can be bought; the bot does not do that.`,
        );
      }
    });
    return {
      idempotencyKey: key, customerId, createdBy: req.createdBy, market, currency: customer.market.currency, taxIncluded: customer.market.taxIncluded,
      totalMinor, lines: priced,
    };
  }

  getOrder(partnerId: number, orderId: string): Promise<Order | null> {
    return this.orders.getOrder(partnerId, orderId);
  }

  listOrders(partnerId: number, customerId: string, page?: { limit?: number; offset?: number }): Promise<OrderPage> {
    return this.orders.listOrders(partnerId, customerId, page);
  }

  requestCancellation(partnerId: number, request: CancellationRequest): Promise<CancellationProgress> {
    return this.cancellations.requestCancellation(partnerId, request);
  }

  cancellationStatus(partnerId: number, request: { orderId: string; requestId: string }): Promise<CancellationProgress> {
    return this.cancellations.cancellationStatus(partnerId, request);
  }
}

function resultOf(placed: PlacedPurchase): CreateOrderResult {
  const [order, ...otherOrders] = placed.orders;
  const partial = otherOrders.length > 0 || placed.notBought.length > 0 ? { partial: { otherOrders, notBought: placed.notBought } } : {};
  return { order: order!, created: placed.created, reference: placed.reference, ...partial };
}
