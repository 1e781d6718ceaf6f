/**
 * A local stand-in for the Partner Center REST API (https://api.partnercenter.microsoft.com/v1),
 * answering with the shapes documented in shared/research/partner-center-api.md. Point the client
 * at it with `new PartnerCenterHttp({ baseUrl: fake.url, tokens })`.
 *
 * Routes (ROUTES below; later slices add catalog and carts there):
 *   GET /v1/customers?size=N[&filter={"Field":"CompanyName"|"Domain","Value":…,"Operator":"starts_with"}]
 *       200 { totalCount, items: [{ id, companyProfile: { tenantId, domain, companyName }, relationshipToPartner }],
 *             links: { self, next? }, attributes: { objectType: "Collection" } } (§2.4, §3.1), in the
 *       order the customers were added. Filters are case-insensitive; only `starts_with` is
 *       supported (as documented). While more customers follow, `links.next` is
 *       `{ uri: "/v1/customers?size=N&seekOperation=Next", headers: [{ key: "MS-ContinuationToken", value }] }`
 *       (`/customers?…` after `linksWithoutVersion(true)`: answers' links come both ways).
 *       A page holds `size` customers, or fewer after `maxPageSize(n)` (the service decides).
 *   GET /v1/customers?size=N&seekOperation=Next with header MS-ContinuationToken
 *       the next page of the query the token was issued for; 400 without a known token.
 *   GET /v1/customers/{id}
 *       200 the customer as get-a-customer-by-id.md shows it (companyProfile, billingProfile
 *       with defaultAddress.country, customDomains, links.self); 404 for an unknown id; 403 for a
 *       tenant added with `addOtherPartnersTenant` (a customer of another partner).
 *   GET /v1/customers/{id}/profiles/billing
 *       200 the billing profile; 404 for an unknown id and for a customer added
 *       `withoutBillingProfile`; 403 for another partner's tenant.
 *   GET /v1/customers/{id}/orders/{orderId}
 *       200 the order as order-resources.md / cancel-software-purchases.md show it (id, alternateId,
 *       referenceCustomerId, billingCycle "one_time", transactionType, lineItems, currencyCode,
 *       creationDate, status, links, client, attributes), seeded with `addOrder`; 404 code 20000
 *       ("Order Id not found", error-codes.md) for an unknown order or another customer's; 403
 *       for another partner's tenant, as for GET /v1/customers/{id}.
 *   PATCH /v1/customers/{id}/orders/{orderId}  (cancel-software-purchases.md, research notes §3.5)
 *       body `{ id?, status: "cancelled", lineItems: [{ lineItemNumber, offerId }] }`: 400 (code 0,
 *       as for `status: "none"` in the documented example) for another status, no or empty
 *       lineItems, a line the order does not have, an offerId that is not the line's, or an `id`
 *       that is not the path's. A PATCH with an MS-RequestId the fake has answered before gets
 *       that answer again, with no second effect (headers.md: the request id is for
 *       idempotency). Otherwise the order's cancellation mode (`addOrder({ cancellation })`,
 *       `cancellationMode(orderId, mode)`) decides:
 *       - immediate (the default): the lines are at quantity 0 in the 200 answer; the order's
 *         status becomes "cancelled" when all its lines are, else stays "completed";
 *       - pending (`{ mode: 'pending', reads: n }`): 200 with the order unchanged; the n-th GET of
 *         the order after it is the first that shows the lines at quantity 0 (a cancellation
 *         that stays pending, then completes). Until then another PATCH of the order (another
 *         request id) is 409 800014 "There is a pending adjustment requested for this order";
 *       - refuse (`{ mode: 'refuse', reply }`): that reply, no effect — `cancellationRefusals`
 *         has the documented codes in the classic envelope (900117, 800061, 800063, 800019,
 *         800077, 800014, 800060).
 *       Every cancellation carried out or accepted is in `cancellations` (order, MS-RequestId, lines).
 *   GET /v1/customers/{id}/orders[?include_price=true]
 *       200 the customer's orders as a collection (get-all-of-a-customer-s-orders.md), oldest first;
 *       with include_price each line has `pricing { listPrice, price, extendedPrice }` (the SDK's
 *       OrderLineItem.pricing; `offerPrice` sets a unit price, else 100.00); 403 for another
 *       partner's tenant, 404 for an unknown customer.
 *   POST /v1/customers/{id}/carts  (create-a-cart.md, cart-resources.md)
 *       body `{ lineItems: [{ id, catalogItemId, quantity, billingCycle, termDuration? }] }`: 201 the
 *       cart (id, timestamps, expirationTimestamp a week on, lineItems with orderGroup "0",
 *       status "Active"); a line whose catalogItemId is not `product:sku:availability` or whose
 *       offer `cartLineError` names gets that `error { errorCode, errorDescription }` (201 still);
 *       400 for a body without lines; 403/404 as for the customer. Once per MS-RequestId.
 *   POST /v1/customers/{id}/carts/{cartId}/checkout  (checkout-a-cart.md)
 *       201 `{ orders, orderErrors }`: by `checkoutMode` — orders (default): one order (status
 *       "pending", lines numbered from 0 in cart order, offerId = catalogItemId) added to `orders`
 *       (it reads "completed" afterwards); partial: the lines of the named offers are left out and
 *       reported in `orderErrors` `{ orderGroupId: "1", code, description }` (an order only for the
 *       rest, if any); refuse: that reply, no effect. 404 for an unknown cart, 400 (800xxx-like code
 *       0) for a cart checked out already. Once per MS-RequestId: a repeat gets the first answer and
 *       makes nothing. Every checkout that made orders is in `checkouts`.
 *   anything else
 *       404 in the classic envelope.
 * Every route first checks `Authorization: Bearer …`: none → 401 with code 800001 ("Partner Token
 * missing in request context", error-codes.md); a token given to `revokeToken` → 401 with an
 * empty body (an expired token; the body is the fake's choice, nothing documents it).
 * The 400/404 `code`s are the fake's own (0, as in the classic envelope's documented example):
 * the docs list no code for an unknown customer or a bad filter.
 *
 * Faults: `enqueue(...replies)` / `failNext(n, reply)` answer the next requests before any route
 * runs, then `script(fn)` may answer per request (`undefined` → the route). `partnerCenterReplies`
 * has the documented 429 (Retry-After, body `{ statusCode, message }`), 503, both error envelopes,
 * an expired token's 401, a body that is not JSON, a late answer (a client timeout) and a dropped
 * connection (the request reaches the fake, the socket is destroyed without an answer).
 *
 * Every request is recorded in `calls` at arrival — method, path, query, headers (lower-case
 * names: `ms-requestid`, `ms-correlationid`, `authorization`, `ms-continuationtoken`…), parsed
 * body — with the status it was answered with (0: dropped). `reset()` forgets calls, customers,
 * other partners' tenants, continuation tokens, revoked tokens, queued replies, the script and
 * the page size cap, and orders, their cancellation modes, the cancellations and the answered
 * request ids.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PartnerCenterHttp, type PartnerCenterHttpOptions } from '../../services/partner-center/http.js';
import { createFakeCatalog, type FakeCatalog } from './partner-center-catalog.js';
import { parseJsonBody, type FakeReply, type FakeScript, type RawRequest } from './harness.js';

/** A request the fake received: as the harness reads one, with its route and answer. */
export interface PartnerCenterCall extends RawRequest {
  /** The route's name (`customers.list`, `customers.get`, `customers.billingProfile`, `orders.get`, `orders.patch`), else 'unknown'. */
  kind: string;
  /** The JSON body parsed; undefined when there is none. */
  body: any;
  /** The status it was answered with; 0 when the connection was dropped. */
  status: number;
}

export interface PartnerCenterReply extends FakeReply {
  /** A body sent as it is (with `headers['content-type']`), instead of `body` as JSON. */
  raw?: string;
  /** Destroy the connection without answering. */
  drop?: boolean;
}

export type PartnerCenterSeen = Omit<PartnerCenterCall, 'status'>;
export type PartnerCenterScript = FakeScript<PartnerCenterSeen, PartnerCenterReply>;

/** A customer to add; what is left out is made up. */
export interface FakeCustomerSeed {
  /** The customer's tenant id; a new UUID when left out. */
  id?: string;
  companyName: string;
  /** `<company name as letters>.onmicrosoft.com` when left out. */
  domain?: string;
  /** ISO-2; 'US' when left out. */
  country?: string;
  relationshipToPartner?: string;
  email?: string;
  /** Further domains of the customer (`customDomains` after the primary one). */
  customDomains?: string[];
  /** Its billing profile answers 404 (e.g. it is being removed). */
  withoutBillingProfile?: boolean;
}

/** A customer as GET /v1/customers/{id} answers it (get-a-customer-by-id.md). */
export interface PartnerCenterCustomerJson {
  id: string;
  commerceId: string;
  companyProfile: {
    tenantId: string;
    domain: string;
    companyName: string;
    address: { country: string; region: string; city: string; addressLine1: string; postalCode: string; phoneNumber: string };
    email: string;
    attributes: { objectType: 'CustomerCompanyProfile' };
  };
  billingProfile: PartnerCenterBillingProfileJson;
  relationshipToPartner: string;
  allowDelegatedAccess: boolean;
  customDomains: string[];
  links: { self: { uri: string; method: 'GET'; headers: [] } };
  attributes: { objectType: 'Customer' };
}

export interface PartnerCenterBillingProfileJson {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  culture: string;
  language: string;
  companyName: string;
  defaultAddress: { country: string; city: string; state: string; addressLine1: string; postalCode: string; firstName: string; lastName: string; phoneNumber: string };
  links: { self: { uri: string; method: 'GET'; headers: [] } };
  attributes: { etag: string; objectType: 'CustomerBillingProfile' };
}

/** A line of an order to add. */
export interface FakeOrderLineSeed {
  lineItemNumber: number;
  offerId: string;
  /** `Software <offerId>` when left out. */
  friendlyName?: string;
  quantity: number;
  /** 'P3Y' when left out (the documented example's software subscription). */
  termDuration?: string;
}

/** How the fake answers a PATCH that cancels lines of an order (see the module comment). */
export type FakeCancellationMode =
  | { mode: 'immediate' }
  /** The `reads`-th GET of the order after the PATCH (≥ 1) is the first that shows the lines at quantity 0. */
  | { mode: 'pending'; reads: number }
  /** This answer (e.g. one of `cancellationRefusals`), and no effect. */
  | { mode: 'refuse'; reply: PartnerCenterReply };

/** An order to add; what is left out is made up. */
export interface FakeOrderSeed {
  /** The customer's tenant id; it need not have been added with `addCustomer`. */
  customerId: string;
  /** A Partner Center-like id (32 characters of base64url) when left out. */
  id?: string;
  /** Now when left out. */
  creationDate?: Date | string;
  lineItems: FakeOrderLineSeed[];
  /** 'immediate' when left out. */
  cancellation?: FakeCancellationMode;
}

/** A link of an answer's `links` (utility-resources.md). */
interface PartnerCenterLinkJson {
  uri: string;
  method: string;
  headers: [];
}

/** An order line as cancel-software-purchases.md shows it. */
export interface PartnerCenterOrderLineJson {
  lineItemNumber: number;
  offerId: string;
  termDuration: string;
  transactionType: 'New';
  friendlyName: string;
  quantity: number;
}

/** An order as GET /v1/customers/{id}/orders/{orderId} answers it (order-resources.md, cancel-software-purchases.md). */
export interface PartnerCenterOrderJson {
  id: string;
  alternateId: string;
  referenceCustomerId: string;
  billingCycle: 'one_time';
  transactionType: 'UserPurchase';
  lineItems: PartnerCenterOrderLineJson[];
  currencyCode: string;
  currencySymbol: string;
  creationDate: string;
  /** 'cancelled' once every line is at quantity 0, else 'completed'. */
  status: 'completed' | 'cancelled';
  links: { self: PartnerCenterLinkJson; provisioningStatus: PartnerCenterLinkJson; patchOperation: PartnerCenterLinkJson };
  client: { marketplaceCountry: string; deviceFamily: string; name: string };
  attributes: { objectType: 'Order' };
}

/** How the fake answers a checkout (see the module comment). */
export type FakeCheckoutMode =
  | { mode: 'orders' }
  /** The lines of these offers (`product:sku` or a full catalogItemId) are not bought: orderErrors `{ code, description }`. */
  | { mode: 'partial'; failOffers: string[]; code: number; description: string }
  | { mode: 'refuse'; reply: PartnerCenterReply };

/** A cart as create-a-cart.md answers it. */
export interface PartnerCenterCartJson {
  id: string;
  creationTimestamp: string;
  lastModifiedTimestamp: string;
  expirationTimestamp: string;
  lastModifiedUser: string;
  lineItems: Array<{
    id: number;
    catalogItemId: string;
    friendlyName: string;
    quantity: number;
    currencyCode: string;
    billingCycle: string;
    termDuration?: string;
    participants: [];
    provisioningContext: Record<string, string>;
    orderGroup: string;
    error?: { errorCode: number; errorDescription: string };
  }>;
  status: 'Active' | 'Ordered';
  links: { self: PartnerCenterLinkJson };
  attributes: { objectType: 'Cart' };
}

/** A checkout the fake carried out. */
export interface FakeCheckout {
  customerId: string;
  cartId: string;
  requestId: string | undefined;
  orderIds: string[];
}

/** A cancellation the fake carried out (immediate) or accepted (pending): one per effect. */
export interface FakeOrderCancellation {
  customerId: string;
  orderId: string;
  /** The PATCH's MS-RequestId (undefined: it had none). */
  requestId: string | undefined;
  lineItemNumbers: number[];
  /** pending until the order's lines drop to quantity 0. */
  state: 'done' | 'pending';
}

export interface FakePartnerCenter {
  /** The fake's origin: PartnerCenterHttp's `baseUrl`. */
  url: string;
  /** Every request, in order (the same array across `reset()`). */
  calls: PartnerCenterCall[];
  callsTo(kind: string): PartnerCenterCall[];
  /** The customers, in the order they were added. */
  customers: PartnerCenterCustomerJson[];
  addCustomer(seed: FakeCustomerSeed): PartnerCenterCustomerJson;
  /** A tenant that is another partner's customer: GET by id and its billing profile answer 403; not listed. Returns its id. */
  addOtherPartnersTenant(id?: string): string;
  /** Pages of the customer list hold at most `n` customers, whatever `size` asks; undefined: as asked. */
  maxPageSize(n: number | undefined): void;
  /** The orders, in the order they were added, as they stand now (a cancellation changes them in place). */
  orders: PartnerCenterOrderJson[];
  addOrder(seed: FakeOrderSeed): PartnerCenterOrderJson;
  /** How later PATCHes that cancel lines of the order are answered. */
  cancellationMode(orderId: string, mode: FakeCancellationMode): void;
  /** Every cancellation carried out or accepted, in order (a PATCH answered from its MS-RequestId adds none). */
  cancellations: FakeOrderCancellation[];
  /** Carts made, by id. */
  carts: Map<string, PartnerCenterCartJson & { customerId: string }>;
  /** The answer a cart line for this offer (`product:sku`) gets from now on: `error { errorCode, errorDescription }`. */
  cartLineError(offer: string, error: { errorCode: number; errorDescription: string } | undefined): void;
  /** How checkouts are answered from now on (default: orders). */
  checkoutMode(mode: FakeCheckoutMode): void;
  /** Every checkout that made orders (a repeat answered from its MS-RequestId adds none). */
  checkouts: FakeCheckout[];
  /** The unit price (decimal, in the order's currency) listed with include_price for this offer (`product:sku`); 100.00 when unset. */
  offerPrice(offer: string, price: number): void;
  /** Products, SKUs, availabilities and price sheets (./partner-center-catalog.ts). */
  catalog: FakeCatalog;
  /** Answer the next requests with these replies, in order, before any route or script. */
  enqueue(...replies: PartnerCenterReply[]): void;
  /** The next `n` requests get `reply`. */
  failNext(n: number, reply: PartnerCenterReply): void;
  /** Decide per request; `undefined` → the route's answer. */
  script(fn: PartnerCenterScript | undefined): void;
  /** From now on this bearer token is answered 401 (it expired). */
  revokeToken(token: string): void;
  /** `links.next.uri` without the `/v1` prefix (`/customers?…`), as some answers have it. */
  linksWithoutVersion(on: boolean): void;
  reset(): void;
  close(): Promise<void>;
}

/** Partner Center's answers for faults, to `enqueue`, `failNext` or return from a script. */
export const partnerCenterReplies = {
  /** 429 as api-throttling-guidance.md shows it; `retryAfter` in seconds, or an HTTP date. */
  throttled: (retryAfter: number | string = 57): PartnerCenterReply => ({
    status: 429,
    headers: { 'retry-after': String(retryAfter) },
    body: { statusCode: 429, message: `Rate limit is exceeded. Try again in ${typeof retryAfter === 'number' ? retryAfter : 'a few'} seconds.` },
  }),
  /** A 5xx without a body (the docs show none); Retry-After when given. */
  unavailable: (status = 503, retryAfterSeconds?: number): PartnerCenterReply => ({
    status,
    ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
  }),
  /** The classic envelope (error-codes.md); `code` as the service sends it, a number or a string. */
  classicError: (status: number, code: number | string, description: string, source = 'PartnerFD'): PartnerCenterReply => ({
    status,
    body: { code, description, data: [], source },
  }),
  /** The extended envelope (confirm-customer-consent-customer-agreement.md). */
  extendedError: (status: number, e: { code: number | string; message: string; errorName: string; isRetryable?: boolean }): PartnerCenterReply => ({
    status,
    body: {
      code: e.code,
      message: e.message,
      description: e.message,
      errorName: e.errorName,
      isRetryable: e.isRetryable ?? false,
      parameters: {},
      errorMessageExtended: `InternalErrorCode=${e.code}`,
    },
  }),
  /** An expired or revoked token. */
  expiredToken: (): PartnerCenterReply => ({ status: 401 }),
  /** A body that is not JSON, e.g. a gateway's HTML page. */
  notJson: (status = 502, raw = '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType = 'text/html'): PartnerCenterReply => ({
    status,
    headers: { 'content-type': contentType },
    raw,
  }),
  /** `reply` only after `delayMs`; without `reply`, the route's own answer, late (a client timeout). */
  slow: (delayMs: number, reply: PartnerCenterReply = {}): PartnerCenterReply => ({ ...reply, delayMs }),
  /** The connection cut without an answer (the request did arrive). */
  dropConnection: (): PartnerCenterReply => ({ drop: true }),
};

/** Partner Center's refusals of an order PATCH that cancels (error-codes.md, research notes §2.5), in the classic envelope. */
export const cancellationRefusals = {
  /** 400 900117. */
  windowPassed: (days = 30): PartnerCenterReply =>
    partnerCenterReplies.classicError(400, 900117, `You have passed your ${days}-day cancellation window. We are unable to cancel your purchase`),
  /** 400 800061. */
  orderNotCancellable: (): PartnerCenterReply => partnerCenterReplies.classicError(400, 800061, 'Order cannot be cancelled'),
  /** 400 800063. */
  useSubscriptionPatch: (orderId: string, customerId: string): PartnerCenterReply =>
    partnerCenterReplies.classicError(400, 800063, `This order ${orderId} cannot be cancelled. Use PATCH /customers/${customerId}/subscriptions/<subscriptionId> to suspend subscriptions`),
  /** 403 800019. */
  sandboxOnly: (): PartnerCenterReply =>
    partnerCenterReplies.classicError(403, 800019, 'Non-Sandbox tenants are not allowed to cancel purchases other than software subscriptions and perpetual software'),
  /** 403 800077. */
  seatBasedSaas: (): PartnerCenterReply =>
    partnerCenterReplies.classicError(403, 800077, 'Cancelling of seat-based SaaS is not supported via patch order. Use patch subscription instead.'),
  /** 409 800014. */
  pendingAdjustment: (): PartnerCenterReply => partnerCenterReplies.classicError(409, 800014, 'There is a pending adjustment requested for this order'),
  /** 409 800060. */
  orderInProgress: (): PartnerCenterReply =>
    partnerCenterReplies.classicError(409, 800060, 'Your order is in progress. Please check your order history for recent orders in few minutes'),
};

/** A route of the fake: `kind` names it in `calls`; `pattern`'s groups are handed to `answer`. */
/** A route of the fake: the first whose method and pattern match the path answers. */
export interface FakePartnerCenterRoute {
  kind: string;
  method: string;
  pattern: RegExp;
  answer(call: PartnerCenterSeen, params: string[]): PartnerCenterReply;
}
type Route = FakePartnerCenterRoute;

/**
 * A part of the fake kept in its own module (the catalog: ./partner-center-catalog.ts): its
 * routes are matched after the fake's own, `reset` runs with the fake's.
 */
export interface FakePartnerCenterPart {
  routes: FakePartnerCenterRoute[];
  reset(): void;
}

interface CustomerQuery {
  size: number;
  filter: { field: 'CompanyName' | 'Domain'; value: string } | undefined;
}

/** Page size when the request gives none, and the largest accepted (pages hold at most about 500, §2.4). */
const MAX_PAGE_SIZE = 500;

const notFound = (description: string): PartnerCenterReply => partnerCenterReplies.classicError(404, 0, description);
const badRequest = (description: string): PartnerCenterReply => partnerCenterReplies.classicError(400, 0, description);
const forbidden = (description: string): PartnerCenterReply => partnerCenterReplies.classicError(403, 0, description);

/** A reply that says nothing of its own but a delay: the route's answer, late. */
function onlyDelays(reply: PartnerCenterReply): boolean {
  return reply.status === undefined && reply.body === undefined && reply.raw === undefined && !reply.drop;
}

/**
 * The REST client pointed at the fake, as the specs use it: a fixed access token (the fake takes
 * any), 5 s per attempt, and retries that wait for nothing — the tests are about what is repeated,
 * not when. `overrides` change any of it.
 */
export function fakePartnerCenterClient(fake: Pick<FakePartnerCenter, 'url'>, overrides: Partial<PartnerCenterHttpOptions> = {}): PartnerCenterHttp {
  return new PartnerCenterHttp({
    baseUrl: fake.url,
    tokens: { accessToken: () => Promise.resolve('test-access-token') },
    timeoutMs: 5_000,
    sleep: () => Promise.resolve(),
    ...overrides,
  });
}

export async function startFakePartnerCenter(opts: { customers?: FakeCustomerSeed[] } = {}): Promise<FakePartnerCenter> {
  const customers: PartnerCenterCustomerJson[] = [];
  const otherPartnersTenants = new Set<string>();
  const withoutBillingProfile = new Set<string>();
  let pageSizeCap: number | undefined;
  const calls: PartnerCenterCall[] = [];
  const continuations = new Map<string, CustomerQuery & { offset: number }>();
  const revoked = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let queued: PartnerCenterReply[] = [];
  let scriptFn: PartnerCenterScript | undefined;
  let versionInLinks = true;
  const orders: PartnerCenterOrderJson[] = [];
  const cancellationModes = new Map<string, FakeCancellationMode>();
  /** Accepted, not yet done: per order id, the lines and how many GETs are left until they drop to 0. */
  const pendingCancellations = new Map<string, { cancellation: FakeOrderCancellation; readsLeft: number }>();
  const cancellations: FakeOrderCancellation[] = [];
  /** MS-RequestId → the answer a PATCH with it was given. */
  const answeredPatches = new Map<string, PartnerCenterReply>();
  const catalog = createFakeCatalog();
  const carts = new Map<string, PartnerCenterCartJson & { customerId: string }>();
  const cartLineErrors = new Map<string, { errorCode: number; errorDescription: string }>();
  let checkoutModeNow: FakeCheckoutMode = { mode: 'orders' };
  const checkouts: FakeCheckout[] = [];
  const offerPrices = new Map<string, number>();
  /** `POST path` + MS-RequestId → the answer it was given. */
  const answeredWrites = new Map<string, PartnerCenterReply>();

  function addCustomer(seed: FakeCustomerSeed): PartnerCenterCustomerJson {
    const id = seed.id ?? randomUUID();
    const domain = seed.domain ?? `${seed.companyName.toLowerCase().replace(/[^a-z0-9]/g, '') || 'customer'}.onmicrosoft.com`;
    const country = seed.country ?? 'US';
    const email = seed.email ?? `admin@${domain}`;
    const customer: PartnerCenterCustomerJson = {
      id,
      commerceId: randomUUID(),
      companyProfile: {
        tenantId: id,
        domain,
        companyName: seed.companyName,
        address: { country, region: 'wa', city: 'redmond', addressLine1: '1 ms way', postalCode: '98052', phoneNumber: '4255550101' },
        email,
        attributes: { objectType: 'CustomerCompanyProfile' },
      },
      billingProfile: {
        id: randomUUID(),
        firstName: 'Alex',
        lastName: 'Admin',
        email,
        culture: 'en-US',
        language: 'en',
        companyName: seed.companyName,
        defaultAddress: { country, city: 'redmond', state: 'WA', addressLine1: '1 ms way', postalCode: '98052', firstName: 'Alex', lastName: 'Admin', phoneNumber: '4255550101' },
        links: { self: { uri: `/customers/${id}/profiles/billing`, method: 'GET', headers: [] } },
        attributes: { etag: String(-Math.floor(Math.random() * 1e18)), objectType: 'CustomerBillingProfile' },
      },
      relationshipToPartner: seed.relationshipToPartner ?? 'reseller',
      allowDelegatedAccess: true,
      customDomains: [...new Set([domain, ...(seed.customDomains ?? [])])],
      links: { self: { uri: `/customers/${id}`, method: 'GET', headers: [] } },
      attributes: { objectType: 'Customer' },
    };
    customers.push(customer);
    if (seed.withoutBillingProfile) withoutBillingProfile.add(id.toLowerCase());
    return customer;
  }

  /** The route's answer for a customer by id: 403 for another partner's tenant, 404 for an unknown one. */
  function customerAnswer(id: string, reply: (customer: PartnerCenterCustomerJson) => PartnerCenterReply): PartnerCenterReply {
    if (otherPartnersTenants.has(decodeURIComponent(id).toLowerCase())) return forbidden(`Customer ${id} is not associated with this partner`);
    const customer = customerById(id);
    return customer ? reply(customer) : notFound(`Customer ${id} was not found`);
  }

  function customerById(id: string): PartnerCenterCustomerJson | undefined {
    const wanted = decodeURIComponent(id).toLowerCase();
    return customers.find((c) => c.id.toLowerCase() === wanted);
  }

  function addOrder(seed: FakeOrderSeed): PartnerCenterOrderJson {
    const id = seed.id ?? randomBytes(24).toString('base64url');
    const customerId = seed.customerId.toLowerCase();
    const self = `/customers/${customerId}/orders/${id}`;
    const order: PartnerCenterOrderJson = {
      id,
      alternateId: randomBytes(6).toString('hex'),
      referenceCustomerId: customerId,
      billingCycle: 'one_time',
      transactionType: 'UserPurchase',
      lineItems: seed.lineItems.map((l) => ({
        lineItemNumber: l.lineItemNumber,
        offerId: l.offerId,
        termDuration: l.termDuration ?? 'P3Y',
        transactionType: 'New',
        friendlyName: l.friendlyName ?? `Software ${l.offerId}`,
        quantity: l.quantity,
      })),
      currencyCode: 'USD',
      currencySymbol: '$',
      creationDate: new Date(seed.creationDate ?? Date.now()).toISOString(),
      status: 'completed',
      links: {
        self: { uri: self, method: 'GET', headers: [] },
        provisioningStatus: { uri: `${self}/provisioningstatus`, method: 'GET', headers: [] },
        patchOperation: { uri: self, method: 'PATCH', headers: [] },
      },
      client: { marketplaceCountry: 'US', deviceFamily: 'UniversalStore-PartnerCenter', name: 'Partner Center API' },
      attributes: { objectType: 'Order' },
    };
    settleStatus(order);
    orders.push(order);
    if (seed.cancellation) cancellationModes.set(id, seed.cancellation);
    return order;
  }

  /** cancel-software-purchases.md: the order is cancelled when all its lines are, else completed. */
  function settleStatus(order: PartnerCenterOrderJson): void {
    order.status = order.lineItems.length > 0 && order.lineItems.every((l) => l.quantity === 0) ? 'cancelled' : 'completed';
  }

  function cancelLines(order: PartnerCenterOrderJson, lineItemNumbers: number[]): void {
    for (const line of order.lineItems) if (lineItemNumbers.includes(line.lineItemNumber)) line.quantity = 0;
    settleStatus(order);
  }

  /** The route's answer for an order of a customer: 403 for another partner's tenant, 404 (20000) for an unknown order or another customer's. */
  function orderAnswer(customerId: string, orderId: string, reply: (order: PartnerCenterOrderJson) => PartnerCenterReply): PartnerCenterReply {
    const customer = decodeURIComponent(customerId).toLowerCase();
    if (otherPartnersTenants.has(customer)) return forbidden(`Customer ${customerId} is not associated with this partner`);
    const wanted = decodeURIComponent(orderId);
    const order = orders.find((o) => o.id === wanted && o.referenceCustomerId === customer);
    return order ? reply(order) : partnerCenterReplies.classicError(404, 20000, 'Order Id not found');
  }

  /** A GET of the order: a pending cancellation comes one read closer to done. */
  function getOrder(order: PartnerCenterOrderJson): PartnerCenterReply {
    const pending = pendingCancellations.get(order.id);
    if (pending && --pending.readsLeft <= 0) {
      pendingCancellations.delete(order.id);
      cancelLines(order, pending.cancellation.lineItemNumbers);
      pending.cancellation.state = 'done';
    }
    return { body: structuredClone(order) };
  }

  /** A PATCH of the order (cancel-software-purchases.md): answered once per MS-RequestId. */
  function patchOrder(call: PartnerCenterSeen, order: PartnerCenterOrderJson): PartnerCenterReply {
    const requestId = typeof call.headers['ms-requestid'] === 'string' ? call.headers['ms-requestid'] : undefined;
    const earlier = requestId === undefined ? undefined : answeredPatches.get(requestId);
    if (earlier) return structuredClone(earlier);
    const reply = cancelOrder(call, order, requestId);
    if (requestId !== undefined) answeredPatches.set(requestId, structuredClone(reply));
    return reply;
  }

  function cancelOrder(call: PartnerCenterSeen, order: PartnerCenterOrderJson, requestId: string | undefined): PartnerCenterReply {
    const body = call.body as { id?: unknown; status?: unknown; lineItems?: unknown } | undefined;
    if (!body || typeof body !== 'object') return badRequest('The request body is not a valid order');
    if (body.id !== undefined && body.id !== order.id) return badRequest(`The order id ${JSON.stringify(body.id)} does not match the order ${order.id}`);
    if (typeof body.status !== 'string' || body.status.toLowerCase() !== 'cancelled') return badRequest(`The provided value '${String(body.status)}' is not a valid OrderStatus.`);
    if (!Array.isArray(body.lineItems) || body.lineItems.length === 0) return badRequest('The order update names no line items');
    const lineItemNumbers: number[] = [];
    for (const item of body.lineItems as Array<{ lineItemNumber?: unknown; offerId?: unknown } | null>) {
      const line = order.lineItems.find((l) => l.lineItemNumber === item?.lineItemNumber);
      if (!line) return badRequest(`The order has no line item ${String(item?.lineItemNumber)}`);
      if (item?.offerId !== line.offerId) return badRequest(`The offer id ${String(item?.offerId)} is not the offer of line item ${line.lineItemNumber}`);
      lineItemNumbers.push(line.lineItemNumber);
    }

    const mode = cancellationModes.get(order.id) ?? { mode: 'immediate' };
    if (mode.mode === 'refuse') return structuredClone(mode.reply);
    if (pendingCancellations.has(order.id)) return cancellationRefusals.pendingAdjustment();
    const cancellation: FakeOrderCancellation = { customerId: order.referenceCustomerId, orderId: order.id, requestId, lineItemNumbers, state: 'done' };
    cancellations.push(cancellation);
    if (mode.mode === 'pending') {
      cancellation.state = 'pending';
      pendingCancellations.set(order.id, { cancellation, readsLeft: Math.max(1, mode.reads) });
    } else {
      cancelLines(order, lineItemNumbers);
    }
    return { body: structuredClone(order) };
  }

  /** A write answered once per MS-RequestId (headers.md): a repeat gets the first answer and has no effect. */
  function once(call: PartnerCenterSeen, write: () => PartnerCenterReply): PartnerCenterReply {
    const requestId = typeof call.headers['ms-requestid'] === 'string' ? call.headers['ms-requestid'] : undefined;
    const key = requestId === undefined ? undefined : `${call.method} ${call.path} ${requestId}`;
    const earlier = key === undefined ? undefined : answeredWrites.get(key);
    if (earlier) return structuredClone(earlier);
    const reply = write();
    if (key !== undefined) answeredWrites.set(key, structuredClone(reply));
    return reply;
  }

  /** 403 for another partner's tenant, 404 for an unknown customer, else the reply. */
  function ofCustomer(id: string, reply: (customerId: string) => PartnerCenterReply): PartnerCenterReply {
    return customerAnswer(id, (customer) => reply(customer.id.toLowerCase()));
  }

  function offerOf(catalogItemId: string): string {
    return catalogItemId.split(':').slice(0, 2).join(':').toUpperCase();
  }

  function createCart(call: PartnerCenterSeen, customerId: string): PartnerCenterReply {
    const body = call.body as { lineItems?: unknown } | undefined;
    if (!body || !Array.isArray(body.lineItems) || body.lineItems.length === 0) return badRequest('The cart has no line items');
    const now = new Date();
    const id = randomUUID();
    const lineItems: PartnerCenterCartJson['lineItems'] = [];
    for (const [i, raw] of (body.lineItems as Array<Record<string, unknown> | null>).entries()) {
      const catalogItemId = typeof raw?.catalogItemId === 'string' ? raw.catalogItemId : '';
      const quantity = typeof raw?.quantity === 'number' ? raw.quantity : 0;
      if (!Number.isInteger(quantity) || quantity < 1) return badRequest(`The quantity of line item ${i} is not valid`);
      const shaped = /^[A-Z0-9]{12}:[A-Z0-9]{4}:[A-Z0-9]{12}$/i.test(catalogItemId);
      const error = shaped ? cartLineErrors.get(offerOf(catalogItemId)) : { errorCode: 400, errorDescription: `The catalog item ${catalogItemId} is not valid` };
      lineItems.push({
        id: typeof raw?.id === 'number' ? raw.id : i,
        catalogItemId,
        friendlyName: `Software ${catalogItemId}`,
        quantity,
        currencyCode: 'USD',
        billingCycle: typeof raw?.billingCycle === 'string' ? raw.billingCycle : 'one_time',
        ...(typeof raw?.termDuration === 'string' ? { termDuration: raw.termDuration } : {}),
        participants: [],
        provisioningContext: {},
        orderGroup: '0',
        ...(error ? { error: { ...error } } : {}),
      });
    }
    const cart: PartnerCenterCartJson & { customerId: string } = {
      id,
      creationTimestamp: now.toISOString(),
      lastModifiedTimestamp: now.toISOString(),
      expirationTimestamp: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
      lastModifiedUser: 'admin@partner.onmicrosoft.com',
      lineItems,
      status: 'Active',
      links: { self: { uri: `/customers/${customerId}/carts/${id}`, method: 'GET', headers: [] } },
      attributes: { objectType: 'Cart' },
      customerId,
    };
    carts.set(id, cart);
    const { customerId: _owner, ...json } = cart;
    return { status: 201, body: structuredClone(json) };
  }

  function checkout(call: PartnerCenterSeen, customerId: string, cartId: string): PartnerCenterReply {
    const cart = carts.get(decodeURIComponent(cartId));
    if (!cart || cart.customerId !== customerId) return notFound(`Cart ${cartId} was not found`);
    if (cart.status === 'Ordered') return badRequest(`Cart ${cartId} has been checked out already`);
    const mode = checkoutModeNow;
    if (mode.mode === 'refuse') return structuredClone(mode.reply);
    const failing = (offer: string) => mode.mode === 'partial' && mode.failOffers.some((f) => offer.toUpperCase().startsWith(f.toUpperCase()));
    const buying = cart.lineItems.filter((l) => !l.error && !failing(l.catalogItemId));
    const orderErrors: Array<{ orderGroupId: string; code: number; description: string }> = [];
    if (mode.mode === 'partial' && buying.length < cart.lineItems.length) orderErrors.push({ orderGroupId: '1', code: mode.code, description: mode.description });
    const made: PartnerCenterOrderJson[] = [];
    if (buying.length > 0) {
      const order = addOrder({
        customerId,
        lineItems: buying.map((l, n) => ({ lineItemNumber: n, offerId: l.catalogItemId, friendlyName: l.friendlyName, quantity: l.quantity, termDuration: l.termDuration ?? '' })),
      });
      made.push(order);
    }
    cart.status = 'Ordered';
    checkouts.push({ customerId, cartId: cart.id, requestId: typeof call.headers['ms-requestid'] === 'string' ? call.headers['ms-requestid'] : undefined, orderIds: made.map((o) => o.id) });
    // Software orders start pending (checkout-a-cart.md); the stored order reads "completed" afterwards.
    return { status: 201, body: { orders: made.map((o) => ({ ...structuredClone(o), status: 'pending' })), orderErrors } };
  }

  function listOrders(call: PartnerCenterSeen, customerId: string): PartnerCenterReply {
    const items = orders.filter((o) => o.referenceCustomerId === customerId).map((o) => {
      const json = structuredClone(o) as PartnerCenterOrderJson & { lineItems: Array<PartnerCenterOrderLineJson & { pricing?: unknown }> };
      if (call.query.include_price === 'true') {
        for (const line of json.lineItems) {
          const price = offerPrices.get(offerOf(line.offerId)) ?? 100;
          line.pricing = { listPrice: price, price, extendedPrice: Math.round(price * line.quantity * 100) / 100 };
        }
      }
      return json;
    });
    return { body: { totalCount: items.length, items, links: {}, attributes: { objectType: 'Collection' } } };
  }

  /** The filter query parameter (get-a-customer-by-name.md); a string is a refusal. */
  function readFilter(raw: string | undefined): CustomerQuery['filter'] | string {
    if (raw === undefined) return undefined;
    const parsed = parseJsonBody(raw, undefined) as { Field?: unknown; Value?: unknown; Operator?: unknown } | undefined;
    if (!parsed || typeof parsed !== 'object') return 'The filter is not valid JSON';
    if (parsed.Field !== 'CompanyName' && parsed.Field !== 'Domain') return `The filter field ${String(parsed.Field)} is not supported`;
    if (parsed.Operator !== 'starts_with') return `The operator ${String(parsed.Operator)} is not supported; use starts_with`;
    if (typeof parsed.Value !== 'string') return 'The filter value must be a string';
    return { field: parsed.Field, value: parsed.Value };
  }

  function listCustomers(call: PartnerCenterSeen): PartnerCenterReply {
    let query: CustomerQuery & { offset: number };
    if (call.query.seekOperation === 'Next') {
      const token = call.headers['ms-continuationtoken'];
      const found = typeof token === 'string' ? continuations.get(token) : undefined;
      if (!found) return badRequest('The continuation token is missing or not valid');
      query = found;
    } else {
      const size = call.query.size === undefined ? MAX_PAGE_SIZE : Number(call.query.size);
      if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) return badRequest(`The size ${call.query.size} is not valid`);
      const filter = readFilter(call.query.filter);
      if (typeof filter === 'string') return badRequest(filter);
      query = { size, filter, offset: 0 };
    }

    const { filter } = query;
    const matching = customers.filter((c) => {
      if (!filter) return true;
      const value = filter.field === 'CompanyName' ? c.companyProfile.companyName : c.companyProfile.domain;
      return value.toLowerCase().startsWith(filter.value.toLowerCase());
    });
    const size = Math.min(query.size, pageSizeCap ?? query.size);
    const page = matching.slice(query.offset, query.offset + size);
    const prefix = versionInLinks ? '/v1' : '';
    const links: Record<string, unknown> = { self: { uri: `${prefix}/customers?size=${query.size}`, method: 'GET', headers: [] } };
    if (query.offset + size < matching.length) {
      const token = randomBytes(12).toString('base64url');
      continuations.set(token, { ...query, offset: query.offset + size });
      links.next = { uri: `${prefix}/customers?size=${query.size}&seekOperation=Next`, method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: token }] };
    }
    return {
      body: {
        totalCount: page.length,
        items: page.map((c) => ({
          id: c.id,
          companyProfile: { tenantId: c.companyProfile.tenantId, domain: c.companyProfile.domain, companyName: c.companyProfile.companyName },
          relationshipToPartner: c.relationshipToPartner,
          attributes: { objectType: 'Customer' },
        })),
        links,
        attributes: { objectType: 'Collection' },
      },
    };
  }

  const ROUTES: Route[] = [
    { kind: 'customers.list', method: 'GET', pattern: /^\/v1\/customers\/?$/, answer: listCustomers },
    {
      kind: 'customers.get',
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)$/,
      answer: (_call, [id]) => customerAnswer(id!, (customer) => ({ body: customer })),
    },
    {
      kind: 'customers.billingProfile',
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/profiles\/billing$/,
      answer: (_call, [id]) =>
        customerAnswer(id!, (customer) =>
          withoutBillingProfile.has(customer.id.toLowerCase()) ? notFound(`The billing profile of customer ${id} was not found`) : { body: customer.billingProfile },
        ),
    },
    {
      kind: 'orders.list',
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/orders\/?$/,
      answer: (call, [id]) => ofCustomer(id!, (customerId) => listOrders(call, customerId)),
    },
    {
      kind: 'carts.create',
      method: 'POST',
      pattern: /^\/v1\/customers\/([^/]+)\/carts\/?$/,
      answer: (call, [id]) => once(call, () => ofCustomer(id!, (customerId) => createCart(call, customerId))),
    },
    {
      kind: 'carts.checkout',
      method: 'POST',
      pattern: /^\/v1\/customers\/([^/]+)\/carts\/([^/]+)\/checkout$/,
      answer: (call, [id, cartId]) => once(call, () => ofCustomer(id!, (customerId) => checkout(call, customerId, cartId!))),
    },
    {
      kind: 'orders.get',
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/orders\/([^/]+)$/,
      answer: (_call, [customerId, orderId]) => orderAnswer(customerId!, orderId!, getOrder),
    },
    {
      kind: 'orders.patch',
      method: 'PATCH',
      pattern: /^\/v1\/customers\/([^/]+)\/orders\/([^/]+)$/,
      answer: (call, [customerId, orderId]) => orderAnswer(customerId!, orderId!, (order) => patchOrder(call, order)),
    },
  ];

  function match(method: string, path: string): { route: Route; params: string[] } | undefined {
    for (const route of [...ROUTES, ...catalog.routes]) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m) return { route, params: m.slice(1) };
    }
    return undefined;
  }

  function routeAnswer(call: PartnerCenterSeen): PartnerCenterReply {
    const authorization = call.headers.authorization;
    const token = typeof authorization === 'string' && /^Bearer\s+\S/i.test(authorization) ? authorization.replace(/^Bearer\s+/i, '') : undefined;
    if (!token) return partnerCenterReplies.classicError(401, 800001, 'Partner Token missing in request context');
    if (revoked.has(token)) return partnerCenterReplies.expiredToken();
    const found = match(call.method, call.path);
    return found ? found.route.answer(call, found.params) : notFound(`No resource at ${call.method} ${call.path}`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path, queryString] = (req.url ?? '/').split('?') as [string, string | undefined];
      const method = req.method ?? 'GET';
      const raw = Buffer.concat(chunks).toString('utf8');
      const seen: PartnerCenterSeen = {
        index: calls.length,
        kind: match(method, path)?.route.kind ?? 'unknown',
        method,
        path,
        query: Object.fromEntries(new URLSearchParams(queryString ?? '')),
        headers: req.headers,
        body: parseJsonBody(raw, undefined),
        raw,
      };
      let reply = queued.shift() ?? scriptFn?.(seen) ?? routeAnswer(seen);
      if (onlyDelays(reply)) reply = { ...routeAnswer(seen), delayMs: reply.delayMs };
      // Recorded at arrival, so a test sees a slow or dropped request too.
      calls.push({ ...seen, status: reply.drop ? 0 : (reply.status ?? 200) });

      const answer = () => {
        if (res.destroyed || req.socket.destroyed) return;
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        const body = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8', 'ms-requestid': String(req.headers['ms-requestid'] ?? ''), 'ms-correlationid': String(req.headers['ms-correlationid'] ?? ''), ...reply.headers });
        res.end(body);
      };
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, reply.delayMs);
        timers.add(timer);
      } else {
        answer();
      }
    });
  });
  // A client that gave up (timeout) leaves a late answer nowhere to go: nothing to report.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  for (const seed of opts.customers ?? []) addCustomer(seed);

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (kind) => calls.filter((c) => c.kind === kind),
    customers,
    addCustomer,
    addOtherPartnersTenant: (id = randomUUID()) => {
      otherPartnersTenants.add(id.toLowerCase());
      return id;
    },
    maxPageSize: (n) => {
      pageSizeCap = n;
    },
    enqueue: (...replies) => {
      queued.push(...replies);
    },
    failNext: (n, reply) => {
      for (let i = 0; i < n; i++) queued.push({ ...reply });
    },
    script: (fn) => {
      scriptFn = fn;
    },
    revokeToken: (token) => {
      revoked.add(token);
    },
    linksWithoutVersion: (on) => {
      versionInLinks = !on;
    },
    orders,
    addOrder,
    cancellationMode: (orderId, mode) => {
      cancellationModes.set(orderId, mode);
    },
    cancellations,
    carts,
    cartLineError: (offer, error) => {
      if (error) cartLineErrors.set(offer.toUpperCase(), error);
      else cartLineErrors.delete(offer.toUpperCase());
    },
    checkoutMode: (mode) => {
      checkoutModeNow = mode;
    },
    checkouts,
    offerPrice: (offer, price) => {
      offerPrices.set(offer.toUpperCase(), price);
    },
    catalog,
    reset: () => {
      calls.length = 0;
      customers.length = 0;
      otherPartnersTenants.clear();
      withoutBillingProfile.clear();
      pageSizeCap = undefined;
      continuations.clear();
      revoked.clear();
      queued = [];
      scriptFn = undefined;
      versionInLinks = true;
      orders.length = 0;
      cancellationModes.clear();
      pendingCancellations.clear();
      cancellations.length = 0;
      answeredPatches.clear();
      catalog.reset();
      carts.clear();
      cartLineErrors.clear();
      checkoutModeNow = { mode: 'orders' };
      checkouts.length = 0;
      offerPrices.clear();
      answeredWrites.clear();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
