/**
 * The domain, built once and the same for every process: the bot (bot/server.ts) and the
 * worker (bot/worker.ts) both call `createDomain`, so a job in the worker — tracking a
 * cancellation, filing a support ticket — uses the very services a turn in the bot does.
 * Each process's composition root stays one readable file; this is its domain part.
 *
 * The commerce backend is chosen from configuration here (COMMERCE_BACKEND), as the artifact
 * store and the job backend are: nothing above this file names an implementation.
 */
import { AccessPolicy } from './access/policy.js';
import { PartnerDirectory } from './access/directory.js';
import { RoleAdministration } from './access/role-admin.js';
import { ActivityExport } from './activity/activity-export.js';
import { ActivityLog } from './activity/activity-log.js';
import { ActivityQuery } from './activity/activity-query.js';
import { ActivityExportLinks } from './activity/export-links.js';
import { CancellationService } from './cancellation/cancellation-service.js';
import { EmbeddedCommerceBackend } from './commerce/embedded.js';
import type { CommerceBackend } from './commerce/port.js';
import type { Config } from './config.js';
import { CustomerDirectory } from './customers/directory.js';
import { connectPartnerCenter, type PartnerCenterConnection } from './partner-center/connect.js';
import type { Db } from './db/pool.js';
import type { Logger } from './logger.js';
import { PurchaseLedger } from './ledger/purchase-ledger.js';
import { NotificationService } from './notifications/notifications.js';
import { PurchaseService } from './purchase/purchase-service.js';
import { createKeyCipher, loadOrCreateLocalKey, parseEncryptionKey, type KeyCipher } from './software/key-crypto.js';
import { SoftwareService } from './software/software-service.js';
import type { SupportDesk } from './support/desk.js';
import { EmbeddedSupportDesk } from './support/embedded-desk.js';
import { SupportService } from './support/support-service.js';
import { ZendeskDesk } from './support/zendesk-desk.js';

export interface Domain {
  /** Partners and their chat users; every turn enters through it. */
  partners: PartnerDirectory;
  /** The activity log's one writer (R12). */
  activity: ActivityLog;
  /** Capability checks that record the refusals R12 requires. */
  access: AccessPolicy;
  commerce: CommerceBackend;
  customers: CustomerDirectory;
  /** The bot's own record of what it bought. */
  ledger: PurchaseLedger;
  purchases: PurchaseService;
  software: SoftwareService;
  /** Cancelling purchases (R14–R19): the requesting side; the worker's tracking job (./cancellation/tracking.ts) does the rest. */
  cancellations: CancellationService;
  notifications: NotificationService;
  roles: RoleAdministration;
  /** Support requests (R20, R21): the requesting side; the worker's filing job (./support/filing.ts) files them at `supportDesk`. */
  support: SupportService;
  supportDesk: SupportDesk;
  /** Reading the activity log (R13): pages and the summary, the CSV export, and Teams' export links. */
  activityView: { query: ActivityQuery; export: ActivityExport; links: ActivityExportLinks };
}

/**
 * The configured commerce backend when it needs nothing but the database (embedded). Partner
 * Center needs its stored consent and its partner read first: `openCommerce`.
 */
export function commerceBackendFor(config: Config, db: Db): CommerceBackend {
  switch (config.commerce.backend) {
    case 'embedded':
      return new EmbeddedCommerceBackend(db, { cancellation: config.commerce.embeddedCancellation });
    case 'partner-center':
      throw new Error('COMMERCE_BACKEND=partner-center: open the backend with openCommerce() and pass it to createDomain');
  }
}

/** The configured commerce backend, and — Partner Center — the connection the worker refreshes the catalog through. */
export async function openCommerce(opts: { config: Config; db: Db; logger: Logger }): Promise<{ commerce: CommerceBackend; partnerCenter?: PartnerCenterConnection }> {
  const { config, db, logger } = opts;
  if (config.commerce.backend !== 'partner-center') return { commerce: commerceBackendFor(config, db) };
  const partnerCenter = await connectPartnerCenter({ config, db, logger, cipher: await keyCipherFor(config) });
  logger.info({ partnerId: partnerCenter.partnerId }, 'commerce backend: Partner Center');
  return { commerce: partnerCenter.backend, partnerCenter };
}

/** The configured support desk (SUPPORT_DESK): the bot's own ticket records, or Zendesk. */
export function supportDeskFor(config: Config, db: Db, logger: Logger): SupportDesk {
  const desk = config.support.desk;
  switch (desk.kind) {
    case 'embedded':
      return new EmbeddedSupportDesk(db);
    case 'zendesk':
      return new ZendeskDesk({ baseUrl: desk.url, email: desk.email, apiToken: desk.apiToken, timeoutMs: desk.timeoutMs, logger: logger.child({ component: 'zendesk' }) });
  }
}

/** Activation keys at rest: the configured key, or (development) one kept under DATA_DIR. */
export async function keyCipherFor(config: Config): Promise<KeyCipher> {
  const key = config.keyEncryptionKey ? parseEncryptionKey(config.keyEncryptionKey) : await loadOrCreateLocalKey(config.dataDir);
  return createKeyCipher(key, config.previousKeyEncryptionKeys.map(parseEncryptionKey));
}

/**
 * Activation keys are sealed and opened only where keys are shown (the bot). A process given
 * no cipher — the worker: revoking keys needs none — holds no key-encryption key at all, and
 * using it for a key would be a bug, said so.
 */
const NO_KEYS_HERE: KeyCipher = {
  keyId: 'none',
  seal: () => {
    throw new Error('this process handles no activation keys (createDomain was given no cipher)');
  },
  open: () => {
    throw new Error('this process handles no activation keys (createDomain was given no cipher)');
  },
};

/**
 * `publicUrl`: where customers reach the bot's download links (a function: the bot learns
 * its port only once listening; the worker issues no links and leaves it to the config).
 * `cipher`: the activation-key cipher, for the process that shows keys (`keyCipherFor`).
 * `commerce`: the backend `openCommerce` opened (required for Partner Center).
 */
export function createDomain(opts: { config: Config; db: Db; logger: Logger; publicUrl?: () => string; cipher?: KeyCipher; commerce?: CommerceBackend }): Domain {
  const { config, db, logger } = opts;
  const activity = new ActivityLog(db);
  const access = new AccessPolicy({ activity });
  const commerce = opts.commerce ?? commerceBackendFor(config, db);
  const customers = new CustomerDirectory({ commerce, access });
  const ledger = new PurchaseLedger(db);
  const notifications = new NotificationService();
  const supportDesk = supportDeskFor(config, db, logger);
  const software = new SoftwareService({
    db, customers, activity, access, cipher: opts.cipher ?? NO_KEYS_HERE, publicUrl: opts.publicUrl ?? (() => config.publicUrl ?? ''),
  });
  return {
    partners: new PartnerDirectory(db),
    activity,
    access,
    commerce,
    customers,
    ledger,
    purchases: new PurchaseService({ commerce, customers, ledger, logger }),
    software,
    cancellations: new CancellationService({ db, customers, ledger, activity, deadlineMinutes: config.cancellation.deadlineMinutes }),
    notifications,
    roles: new RoleAdministration(db, notifications),
    support: new SupportService({
      db, ledger, customers, activity, desk: supportDesk, files: { maxFiles: config.support.maxFiles, maxFileBytes: config.support.maxFileBytes },
    }),
    supportDesk,
    activityView: {
      query: new ActivityQuery({ db, access, customers }),
      export: new ActivityExport({ db, access, customers }),
      links: new ActivityExportLinks({ db, access, customers, linkMinutes: config.activityExportLinkMinutes }),
    },
  };
}
