/**
 * A local stand-in for the Partner Center REST API (https://api.partnercenter.microsoft.com/v1),
 * answering with the shapes documented in shared/research/partner-center-api.md. Point the client
 * at it with `new PartnerCenterHttp({ baseUrl: fake.url, tokens })`.
 *
 * Routes (ROUTES below; later slices add catalog, carts, orders and the cancelling PATCH there):
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
 * the page size cap.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJsonBody, type FakeReply, type FakeScript, type RawRequest } from './harness.js';

/** A request the fake received: as the harness reads one, with its route and answer. */
export interface PartnerCenterCall extends RawRequest {
  /** The route's name (`customers.list`, `customers.get`, `customers.billingProfile`), else 'unknown'. */
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

/** A route of the fake: `kind` names it in `calls`; `pattern`'s groups are handed to `answer`. */
interface Route {
  kind: string;
  method: string;
  pattern: RegExp;
  answer(call: PartnerCenterSeen, params: string[]): PartnerCenterReply;
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
  ];

  function match(method: string, path: string): { route: Route; params: string[] } | undefined {
    for (const route of ROUTES) {
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
