/**
 * The one place that reads process.env. Every variable is listed in `.env.example`
 * and in the README's configuration table. `loadConfig()` validates everything at
 * start-up and throws a ConfigError naming the first bad variable.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseGuid } from './commerce/rules.js';

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = z.string().url();

/** A GUID, as the commerce rules read one (lower-cased, braces or none). */
const guid = (message: string) => z.string().refine((v) => parseGuid(v) !== null, message).transform((v) => parseGuid(v)!);

/** `channel:partnerExternalId:userExternalId`, e.g. `msteams:<tenant-guid>:<aad-object-id>` */
const bootstrapAdmin = z
  .string()
  .regex(/^(msteams|slack):[^:\s]+:[^:\s]+$/, 'must look like msteams:<tenantId>:<aadObjectId> or slack:<teamId>:<userId>')
  .transform((s) => {
    const [channel, partnerExternalId, userExternalId] = s.split(':') as ['msteams' | 'slack', string, string];
    return { channel, partnerExternalId, userExternalId };
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  DATA_DIR: z.string().min(1).default('.data'),

  DATABASE_URL: url.optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').default('public'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),

  COMMERCE_BACKEND: z.enum(['embedded', 'partner-center']).default('embedded'),
  PARTNER_CENTER_TENANT_ID: guid('must be the partner\'s Entra tenant id (a GUID)').optional(),
  PARTNER_CENTER_APP_ID: guid('must be the application (client) id of the app registration (a GUID)').optional(),
  PARTNER_CENTER_APP_SECRET: z.string().min(1).optional(),
  PARTNER_CENTER_CERTIFICATE_PATH: z.string().min(1).optional(),
  PARTNER_CENTER_API_URL: url.default('https://api.partnercenter.microsoft.com'),
  PARTNER_CENTER_LOGIN_URL: url.default('https://login.microsoftonline.com'),
  PARTNER_CENTER_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(30_000),
  PARTNER_CENTER_PRICESHEET_URL: url.default('https://api.partner.microsoft.com'),
  PARTNER_CENTER_CATALOG_MARKETS: z
    .string()
    .default('')
    .transform((v) => [...new Set(v.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== ''))])
    .refine((list) => list.every((m) => /^[A-Z]{2}$/.test(m)), 'must be a comma-separated list of ISO 3166-1 alpha-2 country codes (e.g. DE,AT,CH)'),
  PARTNER_CENTER_CATALOG_REFRESH_HOURS: z.coerce.number().min(1).max(168).default(24),
  EMBEDDED_CANCELLATION_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(8000),
  EMBEDDED_CANCELLATION_OUTCOME: z.enum(['completes', 'fails', 'needs_information']).default('completes'),
  CANCELLATION_DEADLINE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  ACTIVITY_RETENTION_MONTHS: z.coerce.number().int().min(3).max(120).default(13),
  ACTIVITY_EXPORT_LINK_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  SUPPORT_DESK: z.enum(['embedded', 'zendesk']).default('embedded'),
  ZENDESK_URL: url.optional(),
  ZENDESK_EMAIL: z.string().email('must be the email address of the Zendesk agent the API token belongs to').optional(),
  ZENDESK_API_TOKEN: z.string().min(20, 'must be a Zendesk API token').optional(),
  SUPPORT_DESK_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),
  SUPPORT_MAX_FILE_MB: z.coerce.number().int().min(1).max(50).default(10),
  SUPPORT_MAX_FILES: z.coerce.number().int().min(0).max(10).default(5),

  REDIS_URL: url.optional(),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_{}:-]{1,64}$/, 'may only hold letters, digits, _ - : { }').default('csp'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),

  MicrosoftAppId: z.string().optional(),
  MicrosoftAppPassword: z.string().optional(),
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: z.string().optional(),
  ToBotFromChannelOpenIdMetadataUrl: url.optional(),

  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-…)').optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token (xapp-…)').optional(),
  SLACK_API_URL: url.optional(),

  PUBLIC_URL: url.optional(),
  KEY_ENCRYPTION_KEY: z.string().min(1).optional(),
  KEY_ENCRYPTION_KEY_PREVIOUS: z.string().default('').transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean)),
  DOWNLOADS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[0-9A-Za-z.:/,\s]+)$/, 'must be true, false, a hop count, or addresses/subnets (loopback, 10.0.0.0/8, …)')
    .default('loopback')
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  ARTIFACT_STORE_URL: url.optional(),
  ARTIFACT_STORE_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),

  BOOTSTRAP_GLOBAL_ADMINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(bootstrapAdmin)),
  SEED_DEMO_DATA: bool.optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  OUTBOX_RELAY_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  OUTBOX_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(300_000),
  PLAYGROUND_PORT: z.coerce.number().int().min(1024).max(65535).default(56150),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  http: { host: string; port: number };
  dataDir: string;
  database: { url: string | undefined; schema: string; poolMax: number; embeddedPort: number };
  /** Which commerce backend the bot buys through: 'embedded' (its own Postgres tables, the demo catalog) or 'partner-center' (the partner's Partner Center account, `partnerCenter`). */
  commerce: {
    backend: Env['COMMERCE_BACKEND'];
    /** The embedded backend's cancellations: they finish `delayMs` after the request, with `outcome` unless the product sets its own. */
    embeddedCancellation: { delayMs: number; outcome: Env['EMBEDDED_CANCELLATION_OUTCOME'] };
  };
  /**
   * The partner's Partner Center account (COMMERCE_BACKEND=partner-center, the consent script): the partner's tenant, the app registration of the
   * Secure Application Model and its credential, and where the API and Entra ID's token endpoint are
   * (a local stand-in in tests). Undefined when PARTNER_CENTER_TENANT_ID is not set.
   */
  partnerCenter: PartnerCenterConfig | undefined;
  /** How long after the backend took a cancellation the requester is told that it takes longer (it is followed on). */
  cancellation: { deadlineMinutes: number };
  /** How long the activity log (R12, R13) keeps events: calendar months (Partner Center keeps 90 days). */
  activityRetentionMonths: number;
  /** Teams: how long the link to an export of the activity log works (Slack uploads the file instead). */
  activityExportLinkMinutes: number;
  /** Where support requests become tickets (R21): the bot's own desk, or Zendesk's Tickets API; and the files a request may carry. */
  support: {
    desk: { kind: 'embedded' } | { kind: 'zendesk'; url: string; email: string; apiToken: string; timeoutMs: number };
    maxFiles: number;
    maxFileBytes: number;
  };
  queue: { redisUrl: string | undefined; prefix: string; concurrency: number; outboxRelayIntervalMs: number; outboxSweepIntervalMs: number; jobLockMs: number };
  teams: {
    appId: string | undefined;
    appPassword: string | undefined;
    appType: Env['MicrosoftAppType'];
    appTenantId: string | undefined;
    /** Where the Bot Framework channel's signing keys are found (ToBotFromChannelOpenIdMetadataUrl); unset: botbuilder's, the public cloud's. */
    openIdMetadataUrl?: string | undefined;
  };
  slack: { signingSecret: string | undefined; botToken: string | undefined; appToken: string | undefined; apiUrl: string | undefined };
  /** Base URL of this server as customers reach it: download links are `<publicUrl>/downloads/<token>`. Unset: the address the bot listens on. */
  publicUrl: string | undefined;
  /** Activation keys at rest: KEY_ENCRYPTION_KEY (base64/hex, 32 bytes); unset → a local key under DATA_DIR (not in production). */
  keyEncryptionKey: string | undefined;
  /** Earlier KEY_ENCRYPTION_KEYs (KEY_ENCRYPTION_KEY_PREVIOUS): keys sealed with them still open (rotation). */
  previousKeyEncryptionKeys: string[];
  /** Download requests per client address and minute, per process (then 429). */
  downloadsPerMinute: number;
  /** Express 'trust proxy': whose X-Forwarded-For gives the client address of a download. */
  trustProxy: boolean | number | string;
  /** Unset → embedded (generated) artifacts; set → redirect to a signed, short-lived URL of the store. */
  artifactStore: { url: string; signingKey: string } | undefined;
  bootstrapGlobalAdmins: Array<{ channel: 'msteams' | 'slack'; partnerExternalId: string; userExternalId: string }>;
  /** Demo customers, catalog and a demo partner are seeded (default: only when Postgres is embedded). */
  seedDemoData: boolean;
  shutdownTimeoutMs: number;
  playgroundPort: number;
}

export interface PartnerCenterConfig {
  tenantId: string;
  appId: string;
  credential: { kind: 'secret'; secret: string } | { kind: 'certificate'; path: string };
  apiUrl: string;
  loginUrl: string;
  timeoutMs: number;
  /** The price sheet API (api.partner.microsoft.com: another host and token audience than the REST API). */
  priceSheetUrl: string;
  /** Markets whose catalog is kept cached whether or not a customer is billed there yet (the customers' own markets always are). */
  catalogMarkets: string[];
  /** How old a market's cached catalog may grow before the refresh job reads it again (the staleness bound). */
  catalogRefreshMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `— ${issue.message}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.MicrosoftAppId) {
    // Without an app id no request to /api/messages is authenticated: anyone who reaches
    // the port could speak as any tenant and user.
    throw new ConfigError('MicrosoftAppId', '— required when NODE_ENV=production (without it Teams requests are not authenticated)');
  }
  if (e.MicrosoftAppId && !e.MicrosoftAppPassword && e.MicrosoftAppType !== 'UserAssignedMSI') {
    throw new ConfigError('MicrosoftAppPassword', '— required when MicrosoftAppId is set');
  }
  if (e.MicrosoftAppType === 'SingleTenant' && e.MicrosoftAppId && !e.MicrosoftAppTenantId) {
    throw new ConfigError('MicrosoftAppTenantId', '— required for a SingleTenant bot');
  }
  if (e.NODE_ENV === 'production' && !e.KEY_ENCRYPTION_KEY) {
    throw new ConfigError('KEY_ENCRYPTION_KEY', '— required when NODE_ENV=production (activation keys are encrypted with it; a key generated on local disk is for development only)');
  }
  if (e.NODE_ENV === 'production' && !e.PUBLIC_URL) {
    throw new ConfigError('PUBLIC_URL', '— required when NODE_ENV=production (download links point to it)');
  }
  if (e.ARTIFACT_STORE_URL && !e.ARTIFACT_STORE_SIGNING_KEY) {
    throw new ConfigError('ARTIFACT_STORE_SIGNING_KEY', '— required when ARTIFACT_STORE_URL is set');
  }
  if ((e.SLACK_BOT_TOKEN || e.SLACK_APP_TOKEN) && !e.SLACK_SIGNING_SECRET) {
    throw new ConfigError('SLACK_SIGNING_SECRET', '— required when a Slack token is set');
  }
  if ((e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET) && !e.SLACK_BOT_TOKEN) {
    throw new ConfigError('SLACK_BOT_TOKEN', '— required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set');
  }
  if (e.SUPPORT_DESK === 'zendesk') {
    for (const name of ['ZENDESK_URL', 'ZENDESK_EMAIL', 'ZENDESK_API_TOKEN'] as const) {
      if (!e[name]) throw new ConfigError(name, '— required when SUPPORT_DESK=zendesk');
    }
  }
  // The API token travels in every request's Authorization header: never in clear text (but to a local stand-in).
  if (e.ZENDESK_URL && !isHttpsOrLoopback(e.ZENDESK_URL)) {
    throw new ConfigError('ZENDESK_URL', '— must be https:// (http only for a local stand-in on 127.0.0.1 or localhost)');
  }
  if (e.COMMERCE_BACKEND === 'partner-center' && !e.PARTNER_CENTER_TENANT_ID) {
    throw new ConfigError('PARTNER_CENTER_TENANT_ID', '— required when COMMERCE_BACKEND=partner-center (with PARTNER_CENTER_APP_ID and its secret or certificate)');
  }
  if (e.PARTNER_CENTER_TENANT_ID || e.PARTNER_CENTER_APP_ID || e.PARTNER_CENTER_APP_SECRET || e.PARTNER_CENTER_CERTIFICATE_PATH) {
    for (const name of ['PARTNER_CENTER_TENANT_ID', 'PARTNER_CENTER_APP_ID'] as const) {
      if (!e[name]) throw new ConfigError(name, '— required when any PARTNER_CENTER_* credential is set');
    }
    if (!e.PARTNER_CENTER_APP_SECRET === !e.PARTNER_CENTER_CERTIFICATE_PATH) {
      throw new ConfigError('PARTNER_CENTER_APP_SECRET', '— set either it or PARTNER_CENTER_CERTIFICATE_PATH (the app registration\'s credential), not both');
    }
  }
  // Bearer tokens, refresh tokens and the app's credential travel to these: never in clear text (but to a local stand-in).
  for (const name of ['PARTNER_CENTER_API_URL', 'PARTNER_CENTER_LOGIN_URL', 'PARTNER_CENTER_PRICESHEET_URL'] as const) {
    if (!isHttpsOrLoopback(e[name])) throw new ConfigError(name, '— must be https:// (http only for a local stand-in on 127.0.0.1 or localhost)');
  }
  // Tokens are checked with the keys this names: fetched in clear text, anyone on the path could let themselves in.
  if (e.ToBotFromChannelOpenIdMetadataUrl && !isHttpsOrLoopback(e.ToBotFromChannelOpenIdMetadataUrl)) {
    throw new ConfigError('ToBotFromChannelOpenIdMetadataUrl', '— must be https:// (http only for a local stand-in on 127.0.0.1 or localhost)');
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT },
    dataDir: path.resolve(e.DATA_DIR),
    database: { url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA, poolMax: e.DATABASE_POOL_MAX, embeddedPort: e.EMBEDDED_POSTGRES_PORT },
    commerce: { backend: e.COMMERCE_BACKEND, embeddedCancellation: { delayMs: e.EMBEDDED_CANCELLATION_DELAY_MS, outcome: e.EMBEDDED_CANCELLATION_OUTCOME } },
    partnerCenter: e.PARTNER_CENTER_TENANT_ID
      ? {
          tenantId: e.PARTNER_CENTER_TENANT_ID,
          appId: e.PARTNER_CENTER_APP_ID!,
          credential: e.PARTNER_CENTER_APP_SECRET ? { kind: 'secret', secret: e.PARTNER_CENTER_APP_SECRET } : { kind: 'certificate', path: path.resolve(e.PARTNER_CENTER_CERTIFICATE_PATH!) },
          apiUrl: e.PARTNER_CENTER_API_URL.replace(/\/+$/, ''),
          loginUrl: e.PARTNER_CENTER_LOGIN_URL.replace(/\/+$/, ''),
          timeoutMs: e.PARTNER_CENTER_TIMEOUT_MS,
          priceSheetUrl: e.PARTNER_CENTER_PRICESHEET_URL.replace(/\/+$/, ''),
          catalogMarkets: e.PARTNER_CENTER_CATALOG_MARKETS,
          catalogRefreshMs: e.PARTNER_CENTER_CATALOG_REFRESH_HOURS * 3_600_000,
        }
      : undefined,
    cancellation: { deadlineMinutes: e.CANCELLATION_DEADLINE_MINUTES },
    activityRetentionMonths: e.ACTIVITY_RETENTION_MONTHS,
    activityExportLinkMinutes: e.ACTIVITY_EXPORT_LINK_MINUTES,
    support: {
      desk: e.SUPPORT_DESK === 'zendesk'
        ? { kind: 'zendesk', url: e.ZENDESK_URL!.replace(/\/+$/, ''), email: e.ZENDESK_EMAIL!, apiToken: e.ZENDESK_API_TOKEN!, timeoutMs: e.SUPPORT_DESK_TIMEOUT_MS }
        : { kind: 'embedded' },
      maxFiles: e.SUPPORT_MAX_FILES,
      maxFileBytes: e.SUPPORT_MAX_FILE_MB * 1024 * 1024,
    },
    queue: { redisUrl: e.REDIS_URL, prefix: e.QUEUE_PREFIX, concurrency: e.WORKER_CONCURRENCY, outboxRelayIntervalMs: e.OUTBOX_RELAY_INTERVAL_MS, outboxSweepIntervalMs: e.OUTBOX_SWEEP_INTERVAL_MS, jobLockMs: e.JOB_LOCK_MS },
    teams: { appId: e.MicrosoftAppId, appPassword: e.MicrosoftAppPassword, appType: e.MicrosoftAppType, appTenantId: e.MicrosoftAppTenantId, openIdMetadataUrl: e.ToBotFromChannelOpenIdMetadataUrl },
    slack: { signingSecret: e.SLACK_SIGNING_SECRET, botToken: e.SLACK_BOT_TOKEN, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL },
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    keyEncryptionKey: e.KEY_ENCRYPTION_KEY,
    previousKeyEncryptionKeys: e.KEY_ENCRYPTION_KEY_PREVIOUS,
    trustProxy: e.TRUST_PROXY,
    downloadsPerMinute: e.DOWNLOADS_PER_MINUTE,
    artifactStore: e.ARTIFACT_STORE_URL ? { url: e.ARTIFACT_STORE_URL, signingKey: e.ARTIFACT_STORE_SIGNING_KEY! } : undefined,
    bootstrapGlobalAdmins: e.BOOTSTRAP_GLOBAL_ADMINS,
    seedDemoData: e.SEED_DEMO_DATA ?? e.DATABASE_URL === undefined,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    playgroundPort: e.PLAYGROUND_PORT,
  };
}

/** https://, or http:// to a local stand-in (127.0.0.1, localhost, [::1]). */
function isHttpsOrLoopback(value: string): boolean {
  return /^https:\/\//i.test(value) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(value);
}

/** The names loadConfig reads — used by the test that keeps `.env.example` complete. */
export const configVariables: readonly string[] = Object.keys(schema.shape);
