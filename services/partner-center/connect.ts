/**
 * Connecting the bot to a partner's Partner Center account (COMMERCE_BACKEND=partner-center): the
 * parts built once per process from the configuration — the token sources over the stored,
 * encrypted refresh token (one per API audience), the REST client, the catalog and the commerce
 * backend — and the catalog refresh the worker runs.
 *
 * The partner of the bot whose account this is: the partner whose Teams channel is the Partner
 * Center tenant (partner_channels msteams = PARTNER_CENTER_TENANT_ID), else the only partner there
 * is; anything else stops the process with what to do.
 */
import { readFile } from 'node:fs/promises';
import type { Config, PartnerCenterConfig } from '../config.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { KeyCipher } from '../software/key-crypto.js';
import { EmbeddedCommerceBackend } from '../commerce/embedded.js';
import { readCertificateCredential, RefreshTokenAccessTokens, type PartnerCenterCredential } from './auth.js';
import { PartnerCenterCommerceBackend } from './backend.js';
import { PartnerCenterCatalog, PARTNER_API_RESOURCE, type CatalogRefreshSummary } from './catalog.js';
import { partnerCenterCorrelationId } from './correlation.js';
import { PartnerCenterHttp } from './http.js';
import { PartnerCenterTokenStore } from './token-store.js';

export interface PartnerCenterConnection {
  partnerId: number;
  backend: PartnerCenterCommerceBackend;
  catalog: PartnerCenterCatalog;
  /** Refreshes every market whose cached catalog is older than the bound (see `refreshDueMarkets`); `signal` stops it between markets. */
  refreshDueMarkets(signal?: AbortSignal): Promise<CatalogRefreshSummary[]>;
}

/** Stops the process: the configuration names a Partner Center account the bot cannot use as it stands. */
export class PartnerCenterSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartnerCenterSetupError';
  }
}

export async function connectPartnerCenter(opts: { config: Config; db: Db; logger: Logger; cipher: KeyCipher; fetch?: typeof fetch }): Promise<PartnerCenterConnection> {
  const settings = opts.config.partnerCenter;
  if (!settings) throw new PartnerCenterSetupError('COMMERCE_BACKEND=partner-center needs PARTNER_CENTER_TENANT_ID, PARTNER_CENTER_APP_ID and a secret or certificate');
  const { db } = opts;
  const logger = opts.logger.child({ component: 'partner-center' });
  const partnerId = await partnerOf(db, settings.tenantId);
  const { credential } = await readCredential(settings);
  const store = new PartnerCenterTokenStore(db, opts.cipher);
  const endpoint = {
    partnerTenantId: settings.tenantId, appId: settings.appId, credential, loginUrl: settings.loginUrl, timeoutMs: settings.timeoutMs, store, logger,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  const tokens = new RefreshTokenAccessTokens(endpoint);
  // The price sheets live on another host with another audience: a second source over the same refresh token.
  const priceSheetTokens = new RefreshTokenAccessTokens({ ...endpoint, resource: PARTNER_API_RESOURCE });
  const http = new PartnerCenterHttp({ baseUrl: settings.apiUrl, tokens, timeoutMs: settings.timeoutMs, logger, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const catalog = new PartnerCenterCatalog({
    http, db, logger, priceSheet: { baseUrl: settings.priceSheetUrl, tokens: priceSheetTokens, logger, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
  });
  const backend = new PartnerCenterCommerceBackend({ http, db, partnerId, tables: new EmbeddedCommerceBackend(db), catalog, logger });
  return {
    partnerId, backend, catalog,
    refreshDueMarkets: (signal) => refreshDueMarkets({ db, catalog, partnerId, markets: settings.catalogMarkets, maxAgeMs: settings.catalogRefreshMs, logger, ...(signal ? { signal } : {}) }),
  };
}

/**
 * The app registration's credential as auth.ts takes it: the secret, or the certificate read from
 * its file (with the PEM, which MSAL takes as it is: the consent script). A file that cannot be
 * read or holds no usable certificate stops with PartnerCenterSetupError naming the variable.
 */
export async function readCredential(settings: PartnerCenterConfig): Promise<{ credential: PartnerCenterCredential; certificatePem?: string }> {
  if (settings.credential.kind === 'secret') return { credential: settings.credential };
  let pem: string;
  try {
    pem = await readFile(settings.credential.path, 'utf8');
  } catch (err) {
    throw new PartnerCenterSetupError(`PARTNER_CENTER_CERTIFICATE_PATH: cannot read ${settings.credential.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return { credential: readCertificateCredential(pem), certificatePem: pem };
  } catch (err) {
    throw new PartnerCenterSetupError(`PARTNER_CENTER_CERTIFICATE_PATH: ${settings.credential.path} ${(err as Error).message}`);
  }
}

async function partnerOf(db: Db, tenantId: string): Promise<number> {
  const byTenant = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND lower(external_id) = $1", [tenantId]);
  if (byTenant.rows[0]) return Number(byTenant.rows[0].partner_id);
  const all = await db.query<{ id: string }>('SELECT id FROM partners ORDER BY id LIMIT 2');
  if (all.rows.length === 1) return Number(all.rows[0]!.id);
  throw new PartnerCenterSetupError(
    all.rows.length === 0
      ? 'No partner is set up: import one whose Teams channel is the Partner Center tenant (npm run import, channels ["msteams:<PARTNER_CENTER_TENANT_ID>"])'
      : `Several partners are set up and none has the Teams channel msteams:${tenantId}: add that channel to the partner whose Partner Center account this is (npm run import)`,
  );
}

/**
 * The catalog refresh (R2–R5): every market the partner's customers are billed in (as the bot has
 * read them) and every configured market (PARTNER_CENTER_CATALOG_MARKETS) whose cached catalog is
 * older than `maxAgeMs` — or was never read — is read again, one market after the other. Several
 * workers: one refreshes at a time (a Postgres advisory lock for this schema, held for the run), the others skip.
 * A market that fails is logged and kept as it was (./catalog.ts writes a market all or nothing);
 * the next run tries again. `signal` (the worker shutting down) stops the run before the next
 * market: the one under way finishes, the rest wait for the next run.
 */
export async function refreshDueMarkets(opts: {
  db: Db; catalog: PartnerCenterCatalog; partnerId: number; markets: string[]; maxAgeMs: number; logger?: Logger; now?: () => Date; signal?: AbortSignal;
}): Promise<CatalogRefreshSummary[]> {
  const client = await opts.db.connect();
  const done: CatalogRefreshSummary[] = [];
  try {
    const lock = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext(current_schema() || ':partner_center_catalog_refresh')) AS locked");
    if (!lock.rows[0]?.locked) return done;
    try {
      const now = opts.now?.() ?? new Date();
      const { rows } = await client.query<{ country: string }>(
        `SELECT m.country FROM (SELECT DISTINCT country FROM partner_center_customers WHERE partner_id = $1 UNION SELECT unnest($2::text[])) m (country)
           LEFT JOIN partner_center_catalog_refreshes r ON r.country = m.country
          WHERE r.refreshed_at IS NULL OR r.refreshed_at < $3
          ORDER BY r.refreshed_at NULLS FIRST, m.country`,
        [opts.partnerId, opts.markets, new Date(now.getTime() - opts.maxAgeMs)],
      );
      for (const { country } of rows) {
        if (opts.signal?.aborted) break;
        try {
          const summary = await opts.catalog.refreshMarket(country, { correlationId: partnerCenterCorrelationId() });
          opts.logger?.info({ country, products: summary.products, skus: summary.skus, prices: summary.prices, withdrawn: summary.withdrawn }, 'partner center: catalog refreshed');
          done.push(summary);
        } catch (err) {
          opts.logger?.warn({ err, country }, 'partner center: catalog refresh of a market failed; its cached catalog is kept, the next run tries again');
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext(current_schema() || ':partner_center_catalog_refresh'))");
    }
  } finally {
    client.release();
  }
  return done;
}
