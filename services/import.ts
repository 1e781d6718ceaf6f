/**
 * Loading an operator's data (`npm run import -- file.json`, and the demo seed): into the
 * embedded commerce backend — markets, catalog (product kinds, products, SKUs, prices),
 * the Azure reservations unavailable-markets list, partners with their channels, and
 * customers — and into the software module the downloadable variants of each product
 * (services/software/variants.ts). The file format is `ImportDocument`; see
 * examples/import-sample.json.
 *
 * All or nothing: the file is validated as a whole — its shape (zod), duplicates inside
 * it, and references to what is in the file or already in the database — and written in
 * one transaction. Any problem throws an ImportError listing every issue with its path
 * (`customers[3].tenantId: not a GUID`), and nothing is written.
 * Writes are upserts, so importing the same file twice changes nothing.
 */
import { z } from 'zod';
import { inTransaction, type Db, type DbClient } from './db/pool.js';
import { isDomainName, isKnownCurrency, parseGuid } from './commerce/rules.js';
import { BILLING_CYCLES, PRODUCT_KINDS, TERMS } from './commerce/types.js';
import { upsertVariants } from './software/variants.js';

export interface ImportIssue {
  /** Where in the file, e.g. `prices[12].currency`; `(file)` for the whole document. */
  path: string;
  message: string;
}

export class ImportError extends Error {
  constructor(readonly issues: readonly ImportIssue[]) {
    const shown = issues.slice(0, 50).map((i) => `  ${i.path}: ${i.message}`);
    if (issues.length > shown.length) shown.push(`  … and ${issues.length - shown.length} more`);
    super(`Import rejected, nothing was written (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${shown.join('\n')}`);
    this.name = 'ImportError';
  }
}

// --- the file format -------------------------------------------------------------

const countryCode = z.string().regex(/^[A-Z]{2}$/, 'not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. DE)');
const currencyCode = z.string().refine(isKnownCurrency, { error: 'not an ISO 4217 currency code (three upper-case letters, e.g. EUR)' });
const text = z.string().trim().min(1, 'must not be empty');
const guid = z
  .string()
  .refine((s) => parseGuid(s) !== null, { error: 'not a GUID (like 4f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b)' })
  .transform((s) => parseGuid(s)!);
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .refine(isDomainName, { error: 'not a domain name (like contoso.onmicrosoft.com)' });
const productId = z.string().regex(/^[A-Z0-9]{12}$/, 'not a product id (12 upper-case letters or digits, e.g. DG7GMGF0DVT0)');
const skuId = z.string().regex(/^[A-Z0-9]{4}$/, 'not a SKU id (4 upper-case letters or digits, e.g. 0001)');
/** How a partner is recognised: its Teams tenant id or its Slack team id. */
const channelRef = z
  .string()
  .regex(/^(msteams|slack):[^\s:]+$/, 'must be msteams:<Teams tenant id> or slack:<Slack team id>');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, 'not a date (YYYY-MM-DD or an ISO 8601 instant)')
  .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'not a valid date' });
const windowDays = z.int().min(0).max(3650);

const marketSchema = z.strictObject({
  code: countryCode,
  name: text,
  currency: currencyCode,
  taxIncluded: z.boolean().default(false),
});

const productKindSchema = z.strictObject({
  kind: z.enum(PRODUCT_KINDS),
  cancellable: z.boolean().optional(),
  cancellationWindowDays: windowDays.optional(),
  creditPolicy: z.enum(['full', 'prorated', 'none']).optional(),
});

const productSchema = z.strictObject({
  id: productId,
  kind: z.enum(PRODUCT_KINDS),
  title: text,
  publisher: text.default('Microsoft Corporation'),
  description: z.string().default(''),
  azureHybridBenefit: z.boolean().default(false),
  /** Overrides of the kind's cancellation policy; omit to use the kind's. */
  cancellable: z.boolean().nullable().default(null),
  cancellationWindowDays: windowDays.nullable().default(null),
});

const skuSchema = z
  .strictObject({
    productId,
    id: skuId,
    title: text,
    description: z.string().default(''),
    term: z.enum(TERMS),
    billing: z.enum(BILLING_CYCLES),
    minQuantity: z.int().min(1).default(1),
    maxQuantity: z.int().min(1).max(1_000_000),
  })
  .superRefine((s, ctx) => {
    if (s.maxQuantity < s.minQuantity) ctx.addIssue({ code: 'custom', path: ['maxQuantity'], message: `must be at least minQuantity (${s.minQuantity})` });
    if (s.term === 'one_time' && s.billing !== 'one_time') ctx.addIssue({ code: 'custom', path: ['billing'], message: 'a one-time term is billed one_time' });
  });

const priceSchema = z.strictObject({
  productId,
  skuId,
  market: countryCode,
  currency: currencyCode,
  /** Price of one unit in minor units of the currency (cents), an integer. */
  unitPriceMinor: z.int().min(0),
  effectiveFrom: isoDate.default('2000-01-01'),
});

const variantSchema = z.strictObject({
  productId,
  version: text,
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'not a language tag (like en-US)'),
  fileType: text,
  fileName: text.optional(),
});

const unavailableListSchema = z.strictObject({
  version: text,
  asOf: isoDate,
  source: text,
  markets: z.array(z.strictObject({ name: text, code: countryCode })),
});

const partnerSchema = z.strictObject({
  name: text,
  channels: z.array(channelRef).min(1, 'a partner needs at least one channel (msteams:<tenant id> or slack:<team id>)'),
});

const customerSchema = z.strictObject({
  /** The partner the customer belongs to, by one of its channels. */
  partner: channelRef,
  companyName: text,
  tenantId: guid,
  primaryDomain: domain,
  domains: z.array(domain).default([]),
  billingCountry: countryCode,
});

const importSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  markets: z.array(marketSchema).default([]),
  productKinds: z.array(productKindSchema).default([]),
  products: z.array(productSchema).default([]),
  skus: z.array(skuSchema).default([]),
  prices: z.array(priceSchema).default([]),
  variants: z.array(variantSchema).default([]),
  azureReservationUnavailableMarkets: unavailableListSchema.optional(),
  partners: z.array(partnerSchema).default([]),
  customers: z.array(customerSchema).default([]),
});

/** An import file as written (defaults may be omitted). */
export type ImportDocumentInput = z.input<typeof importSchema>;
/** An import file after validation of its shape. */
export type ImportDocument = z.output<typeof importSchema>;

export interface ImportCounts {
  markets: number;
  productKinds: number;
  products: number;
  skus: number;
  prices: number;
  variants: number;
  unavailableMarkets: number;
  partners: number;
  customers: number;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(file)' : out;
}

function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'is required';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

const skuKey = (productIdValue: string, skuIdValue: string): string => `${productIdValue}:${skuIdValue}`;

/** Issues for entries of `items` whose key repeats an earlier entry's. */
function duplicates<T>(items: readonly T[], section: string, keyOf: (item: T) => string, what: string): ImportIssue[] {
  const first = new Map<string, number>();
  const issues: ImportIssue[] = [];
  items.forEach((item, i) => {
    const key = keyOf(item);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else issues.push({ path: `${section}[${i}]`, message: `duplicate ${what} ${key} (also ${section}[${earlier}])` });
  });
  return issues;
}

/** Validate the shape and the file's own consistency (no database needed). Throws ImportError. */
export function parseImportDocument(json: unknown): ImportDocument {
  const parsed = importSchema.safeParse(json);
  if (!parsed.success) {
    throw new ImportError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: friendly(i) })));
  }
  const doc = parsed.data;
  const issues: ImportIssue[] = [
    ...duplicates(doc.markets, 'markets', (m) => m.code, 'market'),
    ...duplicates(doc.productKinds, 'productKinds', (k) => k.kind, 'product kind'),
    ...duplicates(doc.products, 'products', (p) => p.id, 'product id'),
    ...duplicates(doc.skus, 'skus', (s) => skuKey(s.productId, s.id), 'SKU'),
    ...duplicates(doc.prices, 'prices', (p) => `${skuKey(p.productId, p.skuId)} in ${p.market} from ${new Date(p.effectiveFrom).toISOString()}`, 'price of'),
    ...duplicates(doc.variants, 'variants', (v) => `${v.productId} ${v.version} / ${v.language} / ${v.fileType}`, 'variant'),
    ...duplicates(doc.azureReservationUnavailableMarkets?.markets ?? [], 'azureReservationUnavailableMarkets.markets', (m) => m.name, 'market name'),
    ...duplicates(doc.customers, 'customers', (c) => `${c.partner} ${c.tenantId}`, 'customer tenant'),
  ];
  const channelOwner = new Map<string, number>();
  doc.partners.forEach((p, i) =>
    p.channels.forEach((ch, j) => {
      const owner = channelOwner.get(ch);
      if (owner !== undefined) issues.push({ path: `partners[${i}].channels[${j}]`, message: `${ch} is also a channel of partners[${owner}]` });
      else channelOwner.set(ch, i);
    }),
  );
  // A domain belongs to one customer of a partner (primary or additional).
  const domainOwner = new Map<string, number>();
  doc.customers.forEach((c, i) => {
    const own = [c.primaryDomain, ...c.domains];
    own.forEach((d, j) => {
      const where = j === 0 ? `customers[${i}].primaryDomain` : `customers[${i}].domains[${j - 1}]`;
      const key = `${c.partner} ${d}`;
      const owner = domainOwner.get(key);
      if (owner !== undefined && owner !== i) issues.push({ path: where, message: `${d} is also a domain of customers[${owner}]` });
      else domainOwner.set(key, i);
    });
  });
  if (issues.length > 0) throw new ImportError(issues);
  return doc;
}

// --- checks against the database ---------------------------------------------------

interface DbState {
  products: Set<string>;
  skus: Set<string>;
  marketCurrency: Map<string, string>;
  /** market → currencies its stored prices use */
  priceCurrencies: Map<string, Set<string>>;
  partnerOfChannel: Map<string, number>;
}

async function loadState(client: DbClient, doc: ImportDocument): Promise<DbState> {
  // One client runs one query at a time.
  const products = await client.query<{ id: string }>('SELECT id FROM products');
  const skus = await client.query<{ product_id: string; id: string }>('SELECT product_id, id FROM skus');
  const markets = await client.query<{ country_code: string; currency: string }>('SELECT country_code, currency FROM markets');
  const priceCurrencies = await client.query<{ market: string; currency: string }>(
    'SELECT DISTINCT market, currency FROM prices WHERE market = ANY($1)',
    [doc.markets.map((m) => m.code)],
  );
  const channels = await client.query<{ ref: string; partner_id: string }>(
    "SELECT channel || ':' || external_id AS ref, partner_id FROM partner_channels",
  );
  const byMarket = new Map<string, Set<string>>();
  for (const r of priceCurrencies.rows) byMarket.set(r.market, (byMarket.get(r.market) ?? new Set()).add(r.currency));
  return {
    products: new Set(products.rows.map((r) => r.id)),
    skus: new Set(skus.rows.map((r) => skuKey(r.product_id, r.id))),
    marketCurrency: new Map(markets.rows.map((r) => [r.country_code, r.currency])),
    priceCurrencies: byMarket,
    partnerOfChannel: new Map(channels.rows.map((r) => [r.ref, Number(r.partner_id)])),
  };
}

async function checkReferences(client: DbClient, doc: ImportDocument, db: DbState): Promise<ImportIssue[]> {
  const issues: ImportIssue[] = [];
  const productIds = new Set([...db.products, ...doc.products.map((p) => p.id)]);
  const skuKeys = new Set([...db.skus, ...doc.skus.map((s) => skuKey(s.productId, s.id))]);
  const currencyOf = new Map([...db.marketCurrency, ...doc.markets.map((m) => [m.code, m.currency] as const)]);

  doc.markets.forEach((m, i) => {
    const stored = db.marketCurrency.get(m.code);
    const used = [...(db.priceCurrencies.get(m.code) ?? [])].filter((c) => c !== m.currency);
    if (stored !== undefined && stored !== m.currency && used.length > 0) {
      issues.push({ path: `markets[${i}].currency`, message: `${m.code} already has prices in ${used.join(', ')}; changing its currency to ${m.currency} would mislabel them` });
    }
  });
  doc.skus.forEach((s, i) => {
    if (!productIds.has(s.productId)) issues.push({ path: `skus[${i}].productId`, message: `unknown product ${s.productId} (not in this file's products nor in the database)` });
  });
  doc.prices.forEach((p, i) => {
    if (!productIds.has(p.productId)) issues.push({ path: `prices[${i}].productId`, message: `unknown product ${p.productId}` });
    else if (!skuKeys.has(skuKey(p.productId, p.skuId))) issues.push({ path: `prices[${i}].skuId`, message: `product ${p.productId} has no SKU ${p.skuId}` });
    const marketCurrency = currencyOf.get(p.market);
    if (marketCurrency === undefined) issues.push({ path: `prices[${i}].market`, message: `unknown market ${p.market} (add it to markets)` });
    else if (marketCurrency !== p.currency) {
      issues.push({ path: `prices[${i}].currency`, message: `${p.currency} does not match market ${p.market}, whose currency is ${marketCurrency}` });
    }
  });
  doc.variants.forEach((v, i) => {
    if (!productIds.has(v.productId)) issues.push({ path: `variants[${i}].productId`, message: `unknown product ${v.productId}` });
  });

  const fileChannels = new Set(doc.partners.flatMap((p) => p.channels));
  doc.partners.forEach((p, i) => {
    const owners = new Set(p.channels.map((ch) => db.partnerOfChannel.get(ch)).filter((id) => id !== undefined));
    if (owners.size > 1) issues.push({ path: `partners[${i}].channels`, message: `these channels already belong to different partners (ids ${[...owners].join(', ')})` });
  });
  doc.customers.forEach((c, i) => {
    if (!fileChannels.has(c.partner) && !db.partnerOfChannel.has(c.partner)) {
      issues.push({ path: `customers[${i}].partner`, message: `no partner is recognised by ${c.partner} (add it to partners)` });
    }
    if (!currencyOf.has(c.billingCountry)) issues.push({ path: `customers[${i}].billingCountry`, message: `unknown market ${c.billingCountry} (add it to markets)` });
  });

  // Domains already held by ANOTHER tenant of the same partner.
  const known = doc.customers
    .map((c, i) => ({ c, i, partnerId: db.partnerOfChannel.get(c.partner) }))
    .filter((x): x is { c: ImportDocument['customers'][number]; i: number; partnerId: number } => x.partnerId !== undefined);
  if (known.length > 0) {
    const { rows } = await client.query<{ partner_id: string; tenant_id: string; domain: string }>(
      `SELECT c.partner_id, c.tenant_id, x.domain
         FROM customers c
         CROSS JOIN LATERAL (SELECT c.primary_domain AS domain
                             UNION ALL SELECT d.domain FROM customer_domains d WHERE d.customer_id = c.id) x
        WHERE c.partner_id = ANY($1::bigint[]) AND x.domain = ANY($2::text[])`,
      [[...new Set(known.map((k) => k.partnerId))], [...new Set(known.flatMap((k) => [k.c.primaryDomain, ...k.c.domains]))]],
    );
    const holder = new Map(rows.map((r) => [`${r.partner_id} ${r.domain}`, r.tenant_id]));
    for (const { c, i, partnerId } of known) {
      [c.primaryDomain, ...c.domains].forEach((d, j) => {
        const tenant = holder.get(`${partnerId} ${d}`);
        if (tenant !== undefined && tenant !== c.tenantId) {
          issues.push({
            path: j === 0 ? `customers[${i}].primaryDomain` : `customers[${i}].domains[${j - 1}]`,
            message: `${d} already belongs to another customer of this partner (tenant ${tenant})`,
          });
        }
      });
    }
  }
  return issues;
}

// --- writing -----------------------------------------------------------------------

async function writeCatalog(client: DbClient, doc: ImportDocument): Promise<void> {
  const { markets, products, skus, prices, variants } = doc;
  await client.query(
    `INSERT INTO markets (country_code, name, currency, tax_included)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[])
     ON CONFLICT (country_code) DO UPDATE
       SET name = EXCLUDED.name, currency = EXCLUDED.currency, tax_included = EXCLUDED.tax_included`,
    [markets.map((m) => m.code), markets.map((m) => m.name), markets.map((m) => m.currency), markets.map((m) => m.taxIncluded)],
  );
  for (const k of doc.productKinds) {
    await client.query(
      `UPDATE product_kinds
          SET cancellable = COALESCE($2, cancellable),
              cancellation_window_days = COALESCE($3, cancellation_window_days),
              credit_policy = COALESCE($4, credit_policy)
        WHERE kind = $1`,
      [k.kind, k.cancellable ?? null, k.cancellationWindowDays ?? null, k.creditPolicy ?? null],
    );
  }
  await client.query(
    `INSERT INTO products (id, kind, title, publisher, description, azure_hybrid_benefit, cancellable, cancellation_window_days)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[], $8::int[])
     ON CONFLICT (id) DO UPDATE
       SET kind = EXCLUDED.kind, title = EXCLUDED.title, publisher = EXCLUDED.publisher, description = EXCLUDED.description,
           azure_hybrid_benefit = EXCLUDED.azure_hybrid_benefit, cancellable = EXCLUDED.cancellable,
           cancellation_window_days = EXCLUDED.cancellation_window_days, updated_at = now()`,
    [
      products.map((p) => p.id), products.map((p) => p.kind), products.map((p) => p.title), products.map((p) => p.publisher),
      products.map((p) => p.description), products.map((p) => p.azureHybridBenefit), products.map((p) => p.cancellable),
      products.map((p) => p.cancellationWindowDays),
    ],
  );
  await client.query(
    `INSERT INTO skus (product_id, id, title, description, term, billing, min_quantity, max_quantity)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[])
     ON CONFLICT (product_id, id) DO UPDATE
       SET title = EXCLUDED.title, description = EXCLUDED.description, term = EXCLUDED.term, billing = EXCLUDED.billing,
           min_quantity = EXCLUDED.min_quantity, max_quantity = EXCLUDED.max_quantity`,
    [
      skus.map((s) => s.productId), skus.map((s) => s.id), skus.map((s) => s.title), skus.map((s) => s.description),
      skus.map((s) => s.term), skus.map((s) => s.billing), skus.map((s) => s.minQuantity), skus.map((s) => s.maxQuantity),
    ],
  );
  await client.query(
    `INSERT INTO prices (product_id, sku_id, market, currency, unit_price_minor, effective_from)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[])
     ON CONFLICT (product_id, sku_id, market, effective_from) DO UPDATE
       SET currency = EXCLUDED.currency, unit_price_minor = EXCLUDED.unit_price_minor`,
    [
      prices.map((p) => p.productId), prices.map((p) => p.skuId), prices.map((p) => p.market), prices.map((p) => p.currency),
      prices.map((p) => p.unitPriceMinor), prices.map((p) => new Date(p.effectiveFrom)),
    ],
  );
  await upsertVariants(client, variants);
  const list = doc.azureReservationUnavailableMarkets;
  if (list) {
    // A version is replaced as a whole: it is one published list.
    await client.query(
      `INSERT INTO azure_reservation_unavailable_lists (version, as_of, source) VALUES ($1, $2, $3)
       ON CONFLICT (version) DO UPDATE SET as_of = EXCLUDED.as_of, source = EXCLUDED.source, imported_at = now()`,
      [list.version, list.asOf.slice(0, 10), list.source],
    );
    await client.query('DELETE FROM azure_reservation_unavailable_markets WHERE list_version = $1', [list.version]);
    await client.query(
      `INSERT INTO azure_reservation_unavailable_markets (list_version, name, country_code)
       SELECT $1, * FROM unnest($2::text[], $3::text[])`,
      [list.version, list.markets.map((m) => m.name), list.markets.map((m) => m.code)],
    );
  }
}

/** Creates or updates partners; returns channel ref → partner id for every channel in the file. */
async function writePartners(client: DbClient, doc: ImportDocument, state: DbState): Promise<Map<string, number>> {
  const partnerOf = new Map(state.partnerOfChannel);
  for (const p of doc.partners) {
    let id = p.channels.map((ch) => state.partnerOfChannel.get(ch)).find((x) => x !== undefined);
    if (id === undefined) {
      const { rows } = await client.query<{ id: string }>('INSERT INTO partners (name) VALUES ($1) RETURNING id', [p.name]);
      id = Number(rows[0]!.id);
    } else {
      await client.query('UPDATE partners SET name = $2 WHERE id = $1', [id, p.name]);
    }
    for (const ch of p.channels) {
      const [channel, externalId] = ch.split(':') as [string, string];
      await client.query(
        'INSERT INTO partner_channels (channel, external_id, partner_id) VALUES ($1, $2, $3) ON CONFLICT (channel, external_id) DO NOTHING',
        [channel, externalId, id],
      );
      partnerOf.set(ch, id);
    }
  }
  return partnerOf;
}

async function writeCustomers(client: DbClient, doc: ImportDocument, partnerOf: Map<string, number>): Promise<void> {
  const customers = doc.customers.map((c) => ({ ...c, partnerId: partnerOf.get(c.partner)! }));
  if (customers.length === 0) return;
  const { rows } = await client.query<{ id: string; partner_id: string; tenant_id: string }>(
    `INSERT INTO customers (partner_id, company_name, tenant_id, primary_domain, billing_country)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::uuid[], $4::text[], $5::text[])
     ON CONFLICT (partner_id, tenant_id) DO UPDATE
       SET company_name = EXCLUDED.company_name, primary_domain = EXCLUDED.primary_domain,
           billing_country = EXCLUDED.billing_country, updated_at = now()
     RETURNING id, partner_id, tenant_id`,
    [
      customers.map((c) => c.partnerId), customers.map((c) => c.companyName), customers.map((c) => c.tenantId),
      customers.map((c) => c.primaryDomain), customers.map((c) => c.billingCountry),
    ],
  );
  const idOf = new Map(rows.map((r) => [`${r.partner_id} ${r.tenant_id}`, r.id]));
  const ids = customers.map((c) => idOf.get(`${c.partnerId} ${c.tenantId}`)!);
  await client.query('DELETE FROM customer_domains WHERE customer_id = ANY($1::uuid[])', [ids]);
  const extra = customers.flatMap((c, i) => [...new Set(c.domains)].filter((d) => d !== c.primaryDomain).map((d) => ({ id: ids[i]!, partnerId: c.partnerId, d })));
  await client.query(
    `INSERT INTO customer_domains (customer_id, partner_id, domain)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[])`,
    [extra.map((x) => x.id), extra.map((x) => x.partnerId), extra.map((x) => x.d)],
  );
}

function isPgError(err: unknown): err is Error & { code: string; detail?: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

/**
 * Validate `doc` against the database and write it, inside the caller's transaction
 * (`client` must be in one). Serialised with other imports and seeds by an advisory lock.
 */
export async function applyImport(client: DbClient, doc: ImportDocument): Promise<ImportCounts> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':commerce-import'))");
  const state = await loadState(client, doc);
  const issues = await checkReferences(client, doc, state);
  if (issues.length > 0) throw new ImportError(issues);
  try {
    await writeCatalog(client, doc);
    const partnerOf = await writePartners(client, doc, state);
    await writeCustomers(client, doc, partnerOf);
  } catch (err) {
    // A constraint the checks above did not foresee: still a clear refusal, not a crash.
    if (isPgError(err) && err.code.startsWith('23')) throw new ImportError([{ path: '(database)', message: err.detail ?? err.message }]);
    throw err;
  }
  return {
    markets: doc.markets.length,
    productKinds: doc.productKinds.length,
    products: doc.products.length,
    skus: doc.skus.length,
    prices: doc.prices.length,
    variants: doc.variants.length,
    unavailableMarkets: doc.azureReservationUnavailableMarkets?.markets.length ?? 0,
    partners: doc.partners.length,
    customers: doc.customers.length,
  };
}

/** Validate and import a parsed JSON document in one transaction. Throws ImportError; writes nothing then. */
export async function importFile(db: Db, json: unknown): Promise<{ counts: ImportCounts }> {
  const doc = parseImportDocument(json);
  const counts = await inTransaction(db, (client) => applyImport(client, doc));
  return { counts };
}
