/**
 * Customers R1 on Partner Center (issue 12): `findCustomers` and `getCustomer` of the commerce
 * port (services/commerce/port.ts), as EmbeddedCommerceBackend answers them, read from Partner
 * Center's REST API through PartnerCenterHttp (research notes §3.1).
 *
 * One instance serves one partner of the bot: the one whose Partner Center account the client's
 * tokens open (`partnerId`). Asked for any other partner, it finds nothing and calls nobody
 * (partner isolation, as the port demands).
 *
 * The query is classified with `classifyCustomerQuery`, as in the embedded backend:
 * - guid: `GET /customers/{id}`, one call (the answer carries companyProfile, billingProfile and
 *   customDomains). 404 is not found, and so is 403, taken as the answer for a tenant that is
 *   not this partner's customer (the docs name no code for it; a 403 is logged as a warning,
 *   since a missing role of the integration account would look the same).
 * - domain: the list with filter `{"Field":"Domain","Operator":"starts_with"}` — Partner Center
 *   supports no other operator for customers — keeping only customers whose companyProfile.domain
 *   IS the domain (case-insensitive). Pages are read until `limit` + 1 exact matches or the end,
 *   so neighbours (`contoso.com.au` for `contoso.com`) cannot crowd the exact one out. Difference
 *   from the embedded backend: Partner Center searches only the primary domain
 *   (companyProfile.domain, usually the *.onmicrosoft.com one), so a customer is NOT found by
 *   one of its other (custom) domains.
 * - name: the list with filter `{"Field":"CompanyName","Operator":"starts_with"}`. Difference
 *   from the embedded backend, which matches a part of the name anywhere ("soft" finds
 *   "Microsoft"): Partner Center cannot search inside a name, only its beginning ("Micro" finds
 *   it, "soft" does not). Results are in the embedded backend's order, the exact name first,
 *   then by name: ordering by name alone gives it, since every match starts with the query and
 *   so sorts after an exact one. Only `limit` + 1 customers are read, in Partner Center's order,
 *   and ordered afterwards: when more match (`hasMore`), the exact name is shown only if it was
 *   among them.
 * - an empty name or a malformed GUID (invalidGuid): nothing found, no call.
 * `limit` is 10 when left out, and kept within 1..100, as in the embedded backend.
 *
 * The market (Customer.market) is the billing address's country, which the list does not give.
 * It comes from the `partner_center_customers` table (migration 0020) while fresh (`countryTtlMs`,
 * 24 h by default), else from `GET /customers/{id}/profiles/billing` — one call per customer
 * missing it, at most BILLING_PROFILE_CONCURRENCY (8) at once — and is written back there. The country's name, currency and tax
 * treatment are the `markets` table's; a country missing there is an unknown market
 * `{ name: <code>, currency: 'XXX' }` (ISO 4217's "no currency": the catalog will offer nothing
 * there), warned about once per country. A customer whose billing profile is refused (404, 403)
 * or has no country is left out of the answer; anything else that fails (unavailable, timeout,
 * throttled — after the client's own retries) is thrown as the client's PartnerCenterError.
 *
 * Partner Center gives no creation time: `createdAt` is when this product first read the
 * customer (partner_center_customers.first_fetched_at).
 *
 * Every call of one findCustomers/getCustomer carries the same MS-CorrelationId
 * (./correlation.ts): the turn's, when there is one.
 */
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { classifyCustomerQuery, parseGuid } from '../commerce/rules.js';
import type { Customer, CustomerSearchResult, Market } from '../commerce/types.js';
import { partnerCenterCorrelationId } from './correlation.js';
import { isPartnerCenterAbsent } from './errors.js';
import type { PartnerCenterHttp } from './http.js';

const DEFAULT_COUNTRY_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_CUSTOMER_TTL_MS = 15 * 60 * 1000;
/** Billing profiles read at once for one search (a search may show 100 customers none of whose countries is cached). */
export const BILLING_PROFILE_CONCURRENCY = 8;
/** The most customers one list page may hold (§2.4: about 500). */
const MAX_PAGE_SIZE = 500;
/** ISO 4217's code for "no currency": a market this product does not know. */
export const UNKNOWN_MARKET_CURRENCY = 'XXX';

export interface PartnerCenterCustomersOptions {
  http: PartnerCenterHttp;
  db: Db;
  /** The bot's partners.id whose Partner Center account this is. */
  partnerId: number;
  /** How long a billing country read from Partner Center is used without asking again; 24 h when left out. */
  countryTtlMs?: number;
  /**
   * How long `getCustomer` answers a customer read from Partner Center (by a search or by id)
   * from the cache, with no call; 15 min when left out, 0: always ask. The purchase flow's
   * turns read the customer again and again: within this bound they cost no round trip.
   */
  customerTtlMs?: number;
  now?: () => Date;
  logger?: Logger;
}

/** A customer as the list (id, companyProfile) or GET by id (also billingProfile, customDomains) answers it. */
interface CustomerJson {
  id?: unknown;
  companyProfile?: { tenantId?: unknown; domain?: unknown; companyName?: unknown };
  billingProfile?: BillingProfileJson;
  customDomains?: unknown;
}

interface BillingProfileJson {
  defaultAddress?: { country?: unknown };
}

/** What Partner Center said of a customer; `country` when the answer had a billing profile. */
interface PartnerCenterCustomer {
  tenantId: string;
  companyName: string;
  domain: string;
  domains: string[];
  country?: string;
}

type WithCountry = PartnerCenterCustomer & { country: string };

interface CacheRow {
  customer_id: string;
  country: string;
  first_fetched_at: Date;
  fresh: boolean;
}

interface MarketRow {
  country_code: string;
  name: string;
  currency: string;
  tax_included: boolean;
}

type SearchField = 'CompanyName' | 'Domain';

export class PartnerCenterCustomers {
  private readonly http: PartnerCenterHttp;
  private readonly db: Db;
  private readonly partnerId: number;
  private readonly countryTtlMs: number;
  private readonly customerTtlMs: number;
  private readonly now: () => Date;
  private readonly logger: Logger | undefined;
  /** Countries missing from `markets` already warned about. */
  private readonly warnedCountries = new Set<string>();

  constructor(opts: PartnerCenterCustomersOptions) {
    this.http = opts.http;
    this.db = opts.db;
    this.partnerId = opts.partnerId;
    this.countryTtlMs = opts.countryTtlMs ?? DEFAULT_COUNTRY_TTL_MS;
    this.customerTtlMs = opts.customerTtlMs ?? DEFAULT_CUSTOMER_TTL_MS;
    this.now = opts.now ?? (() => new Date());
    this.logger = opts.logger;
  }

  async findCustomers(partnerId: number, query: string, opts: { limit?: number } = {}): Promise<CustomerSearchResult> {
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 10), 1), 100);
    const q = classifyCustomerQuery(query);
    if (partnerId !== this.partnerId) return { query: q, customers: [], hasMore: false };
    const correlationId = partnerCenterCorrelationId();

    let matches: PartnerCenterCustomer[] = [];
    if (q.type === 'guid') {
      const found = await this.byId(q.value, correlationId);
      matches = found ? [found] : [];
    } else if (q.type === 'domain') {
      matches = (await this.search('Domain', q.value, (c) => c.domain === q.value, limit + 1, correlationId)).sort(byName);
    } else if (q.type === 'name' && q.value !== '') {
      // Exact match first, then by name: as every match starts with the query, ordering by name does both.
      matches = (await this.search('CompanyName', q.value, () => true, limit + 1, correlationId)).sort(byName);
    }
    const customers = await this.withMarkets(matches.slice(0, limit), correlationId);
    return { query: q, customers, hasMore: matches.length > limit };
  }

  async getCustomer(partnerId: number, customerId: string): Promise<Customer | null> {
    const id = parseGuid(customerId);
    if (partnerId !== this.partnerId || !id) return null;
    const cached = await this.cached(id);
    if (cached) return cached;
    const correlationId = partnerCenterCorrelationId();
    const found = await this.byId(id, correlationId);
    if (!found) return null;
    const [customer] = await this.withMarkets([found], correlationId);
    return customer ?? null;
  }

  /**
   * The customer as Partner Center answered it within `customerTtlMs` (a search or a read by id
   * of this partner's account wrote the row), else null. Its `domains` is the primary domain
   * only (the list does not give the others). A customer the partner lost since is answered
   * until the bound passes; Partner Center refuses any write for it (403/404 → not found).
   */
  private async cached(tenantId: string): Promise<Customer | null> {
    if (this.customerTtlMs <= 0) return null;
    const { rows } = await this.db.query<{ customer_id: string; company_name: string; domain: string; country: string; first_fetched_at: Date }>({
      name: 'partnerCenter.customerCached',
      text: `SELECT customer_id, company_name, domain, country, first_fetched_at FROM partner_center_customers
              WHERE partner_id = $1 AND customer_id = $2 AND fetched_at > $3`,
      values: [this.partnerId, tenantId, new Date(this.now().getTime() - Math.min(this.customerTtlMs, this.countryTtlMs))],
    });
    const row = rows[0];
    if (!row) return null;
    const market = (await this.markets([row.country])).get(row.country)!;
    return {
      id: row.customer_id, partnerId: this.partnerId, companyName: row.company_name, tenantId: row.customer_id, primaryDomain: row.domain,
      domains: [row.domain], market, createdAt: row.first_fetched_at,
    };
  }

  /** GET /customers/{id}; null when Partner Center says there is no such customer of ours (404, 403). */
  private async byId(tenantId: string, correlationId: string): Promise<PartnerCenterCustomer | null> {
    let json: CustomerJson | undefined;
    try {
      json = await this.http.request<CustomerJson | undefined>({ method: 'GET', path: `/customers/${tenantId}`, correlationId });
    } catch (err) {
      if (this.isAbsent(err, tenantId)) return null;
      throw err;
    }
    return this.read(json);
  }

  /**
   * Up to `max` customers whose `field` starts with `value` and that pass `keep`, page by page,
   * fetching no page beyond the one that reaches `max`.
   */
  private async search(field: SearchField, value: string, keep: (c: PartnerCenterCustomer) => boolean, max: number, correlationId: string): Promise<PartnerCenterCustomer[]> {
    const out = new Map<string, PartnerCenterCustomer>();
    const filter = JSON.stringify({ Field: field, Value: value, Operator: 'starts_with' });
    for await (const items of this.http.pages<CustomerJson>({ method: 'GET', path: '/customers', query: { size: Math.min(max, MAX_PAGE_SIZE), filter }, correlationId })) {
      for (const item of items) {
        const customer = this.read(item);
        if (customer && keep(customer)) out.set(customer.tenantId, customer);
        if (out.size >= max) return [...out.values()];
      }
    }
    return [...out.values()];
  }

  /**
   * The customers with their markets: countries from the answer (GET by id), else from the
   * cache while fresh, else from their billing profiles, all asked at once. What was read from
   * Partner Center is written to the cache — also when another billing profile failed, before
   * that failure is thrown.
   */
  private async withMarkets(found: PartnerCenterCustomer[], correlationId: string): Promise<Customer[]> {
    if (found.length === 0) return [];
    const now = this.now();
    const { rows: cached } = await this.db.query<CacheRow>({
      name: 'partnerCenter.customersCached',
      text: `SELECT customer_id, country, first_fetched_at, fetched_at > $3 AS fresh
               FROM partner_center_customers WHERE partner_id = $1 AND customer_id = ANY($2::uuid[])`,
      values: [this.partnerId, found.map((c) => c.tenantId), new Date(now.getTime() - this.countryTtlMs)],
    });
    const cache = new Map(cached.map((r) => [r.customer_id, r]));

    const country = new Map<string, string>();
    const toFetch: PartnerCenterCustomer[] = [];
    const fetched: WithCountry[] = [];
    for (const c of found) {
      const row = cache.get(c.tenantId);
      if (c.country) fetched.push({ ...c, country: c.country });
      else if (row?.fresh) country.set(c.tenantId, row.country);
      else toFetch.push(c);
    }
    const answers = await settledWithLimit(toFetch, BILLING_PROFILE_CONCURRENCY, (c) => this.billingCountry(c.tenantId, correlationId));
    let failure: Error | undefined;
    for (const [i, answer] of answers.entries()) {
      // The client throws PartnerCenterError, the token source PartnerCenterAuthError.
      if (answer.status === 'rejected') failure ??= answer.reason as Error;
      else if (answer.value) fetched.push({ ...toFetch[i]!, country: answer.value });
    }
    for (const c of fetched) country.set(c.tenantId, c.country);
    const firstFetched = await this.remember(fetched, now);
    if (failure !== undefined) throw failure;

    const markets = await this.markets([...new Set(country.values())]);
    return found.flatMap((c) => {
      const code = country.get(c.tenantId);
      if (!code) return [];
      const customer: Customer = {
        id: c.tenantId,
        partnerId: this.partnerId,
        companyName: c.companyName,
        tenantId: c.tenantId,
        primaryDomain: c.domain,
        domains: c.domains,
        market: markets.get(code)!,
        createdAt: firstFetched.get(c.tenantId) ?? cache.get(c.tenantId)?.first_fetched_at ?? now,
      };
      return [customer];
    });
  }

  /** The billing address's country; null when the profile is refused (404, 403) or has no country. */
  private async billingCountry(tenantId: string, correlationId: string): Promise<string | null> {
    let profile: BillingProfileJson | undefined;
    try {
      profile = await this.http.request<BillingProfileJson | undefined>({ method: 'GET', path: `/customers/${tenantId}/profiles/billing`, correlationId });
    } catch (err) {
      if (this.isAbsent(err, tenantId)) return null;
      throw err;
    }
    const code = countryOf(profile);
    if (!code) this.logger?.warn({ partnerId: this.partnerId, customerId: tenantId }, 'partner center: billing profile without a country; customer left out');
    return code;
  }

  /** Writes what was read; answers each customer's first_fetched_at. */
  private async remember(customers: WithCountry[], now: Date): Promise<Map<string, Date>> {
    if (customers.length === 0) return new Map();
    const { rows } = await this.db.query<{ customer_id: string; first_fetched_at: Date }>({
      name: 'partnerCenter.rememberCustomers',
      text: `INSERT INTO partner_center_customers (partner_id, customer_id, company_name, domain, country, first_fetched_at, fetched_at)
             SELECT $1, u.customer_id, u.company_name, u.domain, u.country, $6, $6
               FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS u (customer_id, company_name, domain, country)
             ON CONFLICT (partner_id, customer_id) DO UPDATE
               SET company_name = EXCLUDED.company_name, domain = EXCLUDED.domain, country = EXCLUDED.country, fetched_at = EXCLUDED.fetched_at
             RETURNING customer_id, first_fetched_at`,
      values: [
        this.partnerId,
        customers.map((c) => c.tenantId),
        customers.map((c) => c.companyName),
        customers.map((c) => c.domain),
        customers.map((c) => c.country),
        now,
      ],
    });
    return new Map(rows.map((r) => [r.customer_id, r.first_fetched_at]));
  }

  /** The markets of these countries; one this product does not know is an unknown market (currency XXX). */
  private async markets(codes: string[]): Promise<Map<string, Market>> {
    const { rows } = await this.db.query<MarketRow>({
      name: 'partnerCenter.markets',
      text: 'SELECT country_code, name, currency, tax_included FROM markets WHERE country_code = ANY($1::text[])',
      values: [codes],
    });
    const markets = new Map<string, Market>(rows.map((r) => [r.country_code, { countryCode: r.country_code, name: r.name, currency: r.currency, taxIncluded: r.tax_included }]));
    for (const code of codes) {
      if (markets.has(code)) continue;
      markets.set(code, { countryCode: code, name: code, currency: UNKNOWN_MARKET_CURRENCY, taxIncluded: false });
      if (!this.warnedCountries.has(code)) {
        this.warnedCountries.add(code);
        this.logger?.warn({ partnerId: this.partnerId, country: code }, 'partner center: a customer’s billing country is not among the markets; nothing can be bought there');
      }
    }
    return markets;
  }

  /** A customer as Partner Center answered it; null (and a warning) for an answer without a tenant id, a name or a domain. */
  private read(json: CustomerJson | undefined): PartnerCenterCustomer | null {
    const profile = json?.companyProfile;
    const tenantId = parseGuid(stringOr(json?.id) ?? stringOr(profile?.tenantId) ?? '');
    const companyName = stringOr(profile?.companyName);
    const domain = stringOr(profile?.domain)?.toLowerCase();
    if (!tenantId || !companyName || !domain) {
      this.logger?.warn({ partnerId: this.partnerId, customerId: tenantId ?? undefined }, 'partner center: a customer without a tenant id, company name or domain was left out');
      return null;
    }
    const custom = Array.isArray(json?.customDomains) ? json.customDomains.flatMap((d) => stringOr(d)?.toLowerCase() ?? []) : [];
    const country = countryOf(json?.billingProfile);
    return { tenantId, companyName, domain, domains: [...new Set([domain, ...custom])], ...(country ? { country } : {}) };
  }

  /** 404, or 403 (another partner's tenant): the customer is not ours. */
  private isAbsent(err: unknown, tenantId: string): boolean {
    if (!isPartnerCenterAbsent(err)) return false;
    // A 403 may also be a missing role of the integration account: say so where an operator looks.
    this.logger?.[err.kind === 'forbidden' ? 'warn' : 'debug']({ partnerId: this.partnerId, customerId: tenantId, status: err.status, code: err.code }, 'partner center: customer not found (or not this partner’s)');
    return true;
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** ISO 3166-1 alpha-2 of a billing profile's default address, upper case; null when it has none. */
function countryOf(profile: BillingProfileJson | undefined): string | null {
  const code = stringOr(profile?.defaultAddress?.country);
  return code && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
}

const collator = new Intl.Collator('en');

function byName(a: PartnerCenterCustomer, b: PartnerCenterCustomer): number {
  return collator.compare(a.companyName, b.companyName) || a.tenantId.localeCompare(b.tenantId);
}

/** `fn` over `items`, at most `limit` at a time, every outcome kept in order (Promise.allSettled's). */
async function settledWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
  const results: Array<PromiseSettledResult<R>> = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
