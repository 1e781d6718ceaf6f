/**
 * Fixtures for the keys-and-downloads tests (services/software): a software service and
 * an embedded commerce backend sharing one settable clock, purchases made through the
 * backend, and read-backs of what the service stored.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../../services/access/roles.js';
import { AccessPolicy } from '../../services/access/policy.js';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { CustomerDirectory } from '../../services/customers/directory.js';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import type { OrderLineRequest } from '../../services/commerce/types.js';
import type { Db } from '../../services/db/pool.js';
import { createKeyCipher, type KeyCipher } from '../../services/software/key-crypto.js';
import { SoftwareService } from '../../services/software/software-service.js';
import type { KeysAndDownload } from '../../services/software/types.js';
import type { TestCustomer, TestPartner } from '../commerce/factories.js';
import { actorOf } from '../purchase/fixtures.js';
import { testDb } from '../support/db.js';
import { placeOrder, setPurchaseStatus } from '../support/purchases.js';

export { actorOf, createWorld, SQL_2022_PERPETUAL, SUSE_PLAN_1Y, WS_DATACENTER_1Y, type World } from '../purchase/fixtures.js';

/** Windows Server CAL: a server subscription without downloads (no software_variants). */
export const WS_CAL_USER_1Y = { productId: 'DG7GMGF0DVT7', skuId: '0001' };

export const PUBLIC_URL = 'http://127.0.0.1:9';
export const DAY_MS = 24 * 60 * 60 * 1000;
export const TWO_WEEKS_MS = 14 * DAY_MS;

/** A product-key-shaped string: 5 groups of 5 from the service's alphabet. */
export const PRODUCT_KEY = /^[BCDFGHJKMPQRTVWXY2346789]{5}(-[BCDFGHJKMPQRTVWXY2346789]{5}){4}$/;
export const DOWNLOAD_URL = /^http:\/\/127\.0\.0\.1:9\/downloads\/([A-Za-z0-9_-]{43})$/;

export const ADMIN_AGENT: Role[] = ['admin_agent'];

export interface SoftwareHarness {
  clock: { now: Date };
  commerce: EmbeddedCommerceBackend;
  customers: CustomerDirectory;
  cipher: KeyCipher;
  service: SoftwareService;
}

/** A software service and an embedded backend on one settable clock (`clock.now`). */
export function createSoftwareService(db: Db, start: Date): SoftwareHarness {
  const clock = { now: start };
  const now = () => clock.now;
  const commerce = new EmbeddedCommerceBackend(db, { now });
  const customers = new CustomerDirectory({ commerce, access: new AccessPolicy({ activity: new ActivityLog(db), now }) });
  const cipher = createKeyCipher(randomBytes(32));
  const service = new SoftwareService({ db, customers, cipher, publicUrl: PUBLIC_URL, now });
  return { clock, commerce, customers, cipher, service };
}

/** Buys `lines` for `customer` through the backend, at the harness clock; returns the order id. */
export async function buy(h: SoftwareHarness, partner: TestPartner, customer: TestCustomer, lines: OrderLineRequest[]): Promise<string> {
  const r = await placeOrder(testDb(), partner.partnerId, { customerId: customer.id, createdBy: partner.userId, lines, idempotencyKey: randomUUID() }, h.commerce);
  return r.order.id;
}

/** The purchase's status in the ledger, in the order statuses' words (completed = active). */
export async function setOrderStatus(db: Db, orderId: string, status: 'completed' | 'cancel_pending' | 'cancelled'): Promise<void> {
  await setPurchaseStatus(db, orderId, status === 'completed' ? 'active' : status === 'cancel_pending' ? 'cancelling' : 'cancelled');
}

/** The token at the end of a download URL. */
export function tokenOf(r: Pick<KeysAndDownload, 'downloadUrl'>): string {
  const m = DOWNLOAD_URL.exec(r.downloadUrl);
  if (!m) throw new Error(`not a download URL: ${r.downloadUrl}`);
  return m[1]!;
}

/** Keys and a link for an Admin agent of `partner`, for the variant given by its three choices. */
export function getKeys(
  h: SoftwareHarness,
  partner: TestPartner,
  customer: TestCustomer,
  orderId: string,
  choice: { version: string; language: string; fileType: string } | { variantId: number },
  lineNumber = 0,
): Promise<KeysAndDownload> {
  return h.service.getKeysAndDownload(actorOf(partner, ADMIN_AGENT), { customerId: customer.id, orderId, lineNumber, ...choice });
}

export const WS2025_DE_ISO = { version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' };
export const WS2022_EN_VHD = { version: 'Windows Server 2022', language: 'en-US', fileType: 'VHD' };
export const SQL2022_EN_ISO = { version: 'SQL Server 2022', language: 'en-US', fileType: 'ISO' };

export interface ActivityRecord {
  id: string;
  at: Date;
  partner_id: string | null;
  event: string;
  outcome: string;
  user_id: string | null;
  customer_id: string | null;
  order_id: string | null;
  line_number: number | null;
  product_id: string | null;
  variant_id: string | null;
  link_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

const ACTIVITY_COLUMNS = `id, at, partner_id, event, outcome, user_id, customer_id, order_id, line_number, product_id, variant_id, link_id,
  host(ip) AS ip, user_agent, detail`;

/** The activity rows whose `column` is `value`, in the order they were written. */
async function activityWhere(db: Db, column: 'partner_id' | 'order_id' | 'link_id' | 'user_agent', value: string | number): Promise<ActivityRecord[]> {
  const { rows } = await db.query<ActivityRecord>(`SELECT ${ACTIVITY_COLUMNS} FROM activity_log WHERE ${column} = $1 ORDER BY id`, [value]);
  return rows;
}

export const activityOfPartner = (db: Db, partnerId: number) => activityWhere(db, 'partner_id', partnerId);
export const activityOfOrder = (db: Db, orderId: string) => activityWhere(db, 'order_id', orderId);
export const activityOfLink = (db: Db, linkId: string) => activityWhere(db, 'link_id', linkId);
export const activityByUserAgent = (db: Db, userAgent: string) => activityWhere(db, 'user_agent', userAgent);

export interface LinkRecord {
  id: string;
  token_hash: Buffer;
  partner_id: string;
  order_id: string;
  line_number: number;
  variant_id: string;
  created_at: Date;
  expires_at: Date;
  max_downloads: number;
  download_count: number;
  expired_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export async function linkRow(db: Db, linkId: string): Promise<LinkRecord> {
  const { rows } = await db.query<LinkRecord>('SELECT * FROM download_links WHERE id = $1', [linkId]);
  if (!rows[0]) throw new Error(`no download link ${linkId}`);
  return rows[0];
}

/** How many rows each table holds in all (the run's schema is shared by every spec, so compare before/after). */
export interface TableCounts {
  links: number;
  keys: number;
  activity: number;
  outbox: number;
}

export async function tableCounts(db: Db): Promise<TableCounts> {
  const { rows } = await db.query<{ links: string; keys: string; activity: string; outbox: string }>(
    `SELECT (SELECT count(*) FROM download_links) AS links, (SELECT count(*) FROM software_keys) AS keys,
            (SELECT count(*) FROM activity_log) AS activity, (SELECT count(*) FROM job_outbox) AS outbox`,
  );
  const r = rows[0]!;
  return { links: Number(r.links), keys: Number(r.keys), activity: Number(r.activity), outbox: Number(r.outbox) };
}

/** Every row of the tables a key or token could leak into, as JSON text (bytea as \x-hex). */
export async function storedText(db: Db): Promise<string[]> {
  const out: string[] = [];
  for (const table of ['download_links', 'software_keys', 'activity_log', 'job_outbox']) {
    const { rows } = await db.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM ${table} t`);
    out.push(...rows.map((r) => r.j));
  }
  return out;
}
