/**
 * Keys and downloads (R8–R12, R19): a customer's purchased software, its activation keys
 * (stored encrypted) and download links that work for two weeks or 50 downloads.
 *
 * - Only an Admin agent may list software, see keys or get links (R8); a refusal is a
 *   ForbiddenError naming the role and is recorded in the activity log.
 * - A link's token is 32 bytes from the CSPRNG; only its SHA-256 is stored. A redemption
 *   is one statement that checks every limit, counts and logs, so under any concurrency
 *   exactly `max_downloads` succeed and none after the deadline — the expiry job is
 *   bookkeeping, never the enforcement.
 * - "Get keys and downloads" again issues a fresh link (fresh two weeks / 50 downloads);
 *   earlier links keep their own limits until they run out.
 * - Every key view, link issued, download, expiry and revocation — and every failed
 *   attempt — is an entry of the activity log (services/activity/, R12). Never the key or
 *   the token.
 *
 * Purchases are the bot's own ledger (services/ledger/), what can be downloaded the
 * software module's variants (./variants.ts): never a commerce backend's tables, so keys
 * and links work alike whichever backend sold the purchase. Partner Center has no API for
 * keys or downloads, so these records are always this product's own. Keys are made up here
 * (`simulated`), as the embedded catalog's orders are.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { ActivityLog, clampUserAgent, insertActivityFrom, normaliseIp, type ActivityEntry } from '../activity/activity-log.js';
import { AccessPolicy, type RefusedRequest } from '../access/policy.js';
import type { Actor } from '../access/roles.js';
import type { ProductKind } from '../commerce/types.js';
import { isOrderIdShaped, orderStatusOf, type PurchaseStatus } from '../ledger/purchase-ledger.js';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { enqueueInTx } from '../jobs/outbox.js';
import { JOB_NAMES, QUEUES } from '../jobs/queues.js';
import type { CustomerDirectory, CustomerView } from '../customers/directory.js';
import { refuse } from '../refusal.js';
import type { KeyCipher } from './key-crypto.js';
import { variantsOf, type SoftwareVariant } from './variants.js';
import {
  LINK_LIFETIME_MS,
  LINK_MAX_DOWNLOADS,
  type DownloadClient,
  type KeysAndDownload,
  type LinkRevocation,
  type Redemption,
  type SoftwareChoices,
  type SoftwareItem,
  type SoftwareList,
  type VariantChoice,
} from './types.js';


/** 32 random bytes, base64url without padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function isTokenShaped(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_PATTERN.test(token);
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The download URL for a token; the token is its last path segment. */
export function downloadUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/downloads/${token}`;
}

const KEY_ALPHABET = 'BCDFGHJKMPQRTVWXY2346789';

/** A product-key-shaped string (5 × 5), made up for the embedded catalog. */
function simulatedProductKey(): string {
  const groups: string[] = [];
  for (let g = 0; g < 5; g++) {
    let s = '';
    for (let i = 0; i < 5; i++) s += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

/**
 * Binds a stored key's ciphertext to its order, line and version, so a ciphertext copied to
 * another purchase does not open. (Rows are per partner too; every read names the partner.)
 */
function keyAad(orderId: string, lineNumber: number, version: string): string {
  return `software_key:${orderId}:${lineNumber}:${version}`;
}


interface ItemRow {
  order_id: string;
  line_number: number;
  product_id: string;
  title: string;
  product_kind: ProductKind;
  quantity: number;
  purchased_at: Date;
  status: PurchaseStatus;
  customer_id: string;
  revoked: boolean;
}

function toItem(r: ItemRow): SoftwareItem {
  return {
    orderId: r.order_id,
    lineNumber: r.line_number,
    productId: r.product_id,
    title: r.title,
    productKind: r.product_kind,
    quantity: r.quantity,
    purchasedAt: r.purchased_at,
    orderStatus: orderStatusOf(r.status),
    // R19: gone once a cancellation is under way, and for good once its keys were revoked.
    keyAvailable: !r.revoked && r.status === 'active',
  };
}

/** Purchase lines (the ledger) of a partner's customer whose product has downloads. */
const ITEM_SELECT = `
  SELECT p.order_id, l.line_number, l.product_id, l.title, l.product_kind, l.quantity, p.purchased_at, p.status, p.customer_id,
         rp.order_id IS NOT NULL AS revoked
    FROM purchases p
    JOIN purchase_lines l ON l.partner_id = p.partner_id AND l.order_id = p.order_id
    LEFT JOIN revoked_purchases rp ON rp.partner_id = p.partner_id AND rp.order_id = p.order_id
   WHERE p.partner_id = $1 AND p.customer_id = $2
     AND EXISTS (SELECT 1 FROM software_variants v WHERE v.product_id = l.product_id)`;

function toVariant(v: SoftwareVariant): VariantChoice {
  return { id: v.id, version: v.version, language: v.language, fileType: v.fileType };
}

const KEY_COLUMNS = 'key_id, iv, tag, ciphertext, simulated, revoked_at';

interface KeyRow {
  key_id: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
  simulated: boolean;
  revoked_at: Date | null;
}

interface LinkRow {
  id: string;
  expires_at: Date;
  max_downloads: number;
  download_count: number;
  revoked_at: Date | null;
  revoked_reason: LinkRevocation | null;
}

/** A link as stored, with what it names and the file it serves. */
interface StoredLink extends LinkRow {
  partner_id: string;
  customer_id: string;
  order_id: string;
  line_number: number;
  product_id: string;
  variant_id: string;
  version: string;
  language: string;
  file_type: string;
  file_name: string | null;
}

/** Why a link that exists cannot be used now (null: it can). */
function verdict(link: LinkRow, now: Date): Exclude<Redemption, { status: 'ok' | 'unknown' }> | null {
  const base = { linkId: link.id, expiresAt: link.expires_at, maxDownloads: link.max_downloads };
  if (link.revoked_at) return { status: 'revoked', ...base, reason: link.revoked_reason ?? 'admin' };
  if (link.expires_at.getTime() <= now.getTime()) return { status: 'expired', ...base };
  if (link.download_count >= link.max_downloads) return { status: 'used_up', ...base };
  return null;
}

/** The log entries of links a revocation returned as `r` ($3 now, $4 the reason, $5 who). */
const REVOKED_LINKS_LOGGED = insertActivityFrom('r', {
  at: '$3', partner_id: 'partner_id', event: "'revoked'", outcome: "'ok'", user_id: '$5', customer_id: 'customer_id', order_id: 'order_id',
  line_number: 'line_number', product_id: 'product_id', variant_id: 'variant_id', link_id: 'id', detail: '$4',
});

/** The log entry of a link withdrawn as undelivered, returned as `r` ($3 who, $4 now). */
const WITHDRAWN_LINK_LOGGED = insertActivityFrom('r', {
  at: '$4', partner_id: 'partner_id', event: "'revoked'", outcome: "'undelivered'", user_id: '$3', customer_id: 'customer_id', order_id: 'order_id',
  line_number: 'line_number', product_id: 'product_id', variant_id: 'variant_id', link_id: 'id', detail: "'personal chat: delivery failed'",
});

/** Most downloads one redemption statement takes (a larger burst is split). */
const MAX_REDEMPTION_BATCH = 500;

/**
 * Redeem a burst of downloads ($1 token hashes, $2 client IPs, $3 user agents, in arrival
 * order; $4 now). `cur` locks the usable links in id order (no deadlock between two bursts)
 * and reads their count as of the lock; each link grants at most what it has left, to the
 * earliest requests; one activity row per granted download. Answers one row per granted
 * request: its 1-based position (ord) and download number.
 */
const REDEEM_BATCH = `
  WITH req AS (
    SELECT * FROM unnest($1::bytea[], $2::inet[], $3::text[]) WITH ORDINALITY AS r(h, ip, ua, ord)
  ), want AS (
    SELECT h, count(*)::int AS n FROM req GROUP BY h
  ), cur AS (
    SELECT d.id, d.download_count AS old, d.max_downloads, w.n
      FROM download_links d JOIN want w ON w.h = d.token_hash
     WHERE d.revoked_at IS NULL AND d.expires_at > $4 AND d.download_count < d.max_downloads
     ORDER BY d.id
       FOR UPDATE OF d
  ), upd AS (
    UPDATE download_links d SET download_count = cur.old + LEAST(cur.n, cur.max_downloads - cur.old)
      FROM cur WHERE d.id = cur.id
    RETURNING d.id, d.token_hash, cur.old, d.download_count AS new, d.max_downloads, d.expires_at,
              d.partner_id, d.customer_id, d.order_id, d.line_number, d.product_id, d.variant_id
  ), ranked AS (
    SELECT r.ord, r.ip, r.ua, u.*, u.old + row_number() OVER (PARTITION BY u.id ORDER BY r.ord) AS download_number
      FROM req r JOIN upd u ON u.token_hash = r.h
  ), ok AS (
    SELECT * FROM ranked WHERE download_number <= new
  ), logged AS (
    ${insertActivityFrom('ok', {
      at: '$4', partner_id: 'partner_id', event: "'download'", outcome: "'ok'", customer_id: 'customer_id', order_id: 'order_id',
      line_number: 'line_number', product_id: 'product_id', variant_id: 'variant_id', link_id: 'id', ip: 'ip', user_agent: 'ua',
    })}
  )
  SELECT ok.ord, ok.id, ok.download_number, ok.max_downloads, ok.expires_at, ok.product_id,
         v.version, v.language, v.file_type, v.file_name
    FROM ok JOIN software_variants v ON v.id = ok.variant_id`;

interface PendingRedemption {
  hash: Buffer;
  ip: string | null;
  userAgent: string | null;
  resolve: (r: Redemption) => void;
  reject: (err: unknown) => void;
}

export interface GetKeysRequest {
  customerId: string;
  orderId: string;
  lineNumber: number;
  /** Either a variant id… */
  variantId?: number;
  /** …or the three choices (R9). */
  version?: string;
  language?: string;
  fileType?: string;
}

export class SoftwareService {
  private readonly db: Db;
  private readonly customers: CustomerDirectory;
  private readonly cipher: KeyCipher;
  private readonly publicUrl: () => string;
  private readonly now: () => Date;
  private readonly activity: ActivityLog;
  private readonly access: AccessPolicy;
  /** Downloads waiting for the next redemption statement (see redeem). */
  private pending: PendingRedemption[] = [];
  private flushScheduled = false;

  /**
   * `publicUrl`: where customers reach this server (a function: the bot learns its port only
   * once listening). `activity` and `access` default to the log on `db` and a policy on it.
   */
  constructor(deps: {
    db: Db;
    customers: CustomerDirectory;
    cipher: KeyCipher;
    publicUrl: string | (() => string);
    now?: () => Date;
    activity?: ActivityLog;
    access?: AccessPolicy;
  }) {
    this.db = deps.db;
    this.customers = deps.customers;
    this.cipher = deps.cipher;
    const publicUrl = deps.publicUrl;
    this.publicUrl = typeof publicUrl === 'string' ? () => publicUrl : publicUrl;
    this.now = deps.now ?? (() => new Date());
    this.activity = deps.activity ?? new ActivityLog(deps.db);
    this.access = deps.access ?? new AccessPolicy({ activity: this.activity, now: this.now });
  }

  /** The customer's purchased software, newest first, cancelled purchases included (R19). */
  async list(actor: Actor, customerId: string): Promise<SoftwareList> {
    await this.requireAdminAgent(actor, { customerId });
    const customer = await this.loadCustomer(actor, customerId);
    const { rows } = await this.db.query<ItemRow>(`${ITEM_SELECT} ORDER BY p.purchased_at DESC, p.order_id DESC, l.line_number LIMIT 100`, [actor.partnerId, customer.id]);
    return { customer, items: rows.map(toItem) };
  }

  /** The versions, languages and file types the product of one purchase really has (R9). */
  async choices(actor: Actor, customerId: string, orderId: string, lineNumber: number): Promise<SoftwareChoices> {
    await this.requireAdminAgent(actor, { customerId, orderId, lineNumber });
    const customer = await this.loadCustomer(actor, customerId);
    const item = await this.loadItem(this.db, actor, customer.id, orderId, lineNumber);
    if (!item.keyAvailable) throw refuse({ code: 'key_not_available', title: item.title });
    const variants = (await variantsOf(this.db, item.productId)).map(toVariant);
    const distinct = (pick: (v: VariantChoice) => string) => [...new Set(variants.map(pick))];
    return {
      customer,
      item,
      versions: distinct((v) => v.version),
      languages: distinct((v) => v.language),
      fileTypes: distinct((v) => v.fileType),
      variants,
    };
  }

  /**
   * "Get keys and downloads" (R9–R11): the activation key and a fresh download link (two
   * weeks / 50 downloads) for one purchase and variant, recorded in the activity log, with
   * the link's expiry job written to the outbox in the same transaction. SECRET result.
   */
  async getKeysAndDownload(actor: Actor, req: GetKeysRequest): Promise<KeysAndDownload> {
    await this.requireAdminAgent(actor, { customerId: req.customerId, orderId: req.orderId, lineNumber: req.lineNumber });
    const customer = await this.loadCustomer(actor, req.customerId);
    const now = this.now();
    let failure: ActivityEntry | null = null;
    try {
      return await inTransaction(this.db, async (client) => {
        // FOR SHARE: a cancellation (revokePurchase) of this order waits for this link, or this waits for it.
        const item = await this.loadItem(client, actor, customer.id, req.orderId, req.lineNumber, true);
        const at = { partnerId: actor.partnerId, userId: actor.userId, customerId: customer.id, orderId: item.orderId, lineNumber: item.lineNumber, productId: item.productId };
        // R19, again in a statement of its own: if loadItem waited for a revocation's lock on the
        // order, its row came back as locked — with the revocation, committed meanwhile, unseen.
        const revokedMeanwhile = item.keyAvailable && (await client.query('SELECT 1 FROM revoked_purchases WHERE partner_id = $1 AND order_id = $2', [actor.partnerId, item.orderId])).rowCount !== 0;
        if (!item.keyAvailable || revokedMeanwhile) {
          failure = { at: now, event: 'key_view', outcome: 'not_available', ...at };
          throw refuse({ code: 'key_not_available', title: item.title });
        }
        const variant = await this.resolveVariant(client, item.productId, req);
        const key = await this.keyFor(client, actor.partnerId, item, variant.version);
        if (key === null) {
          failure = { at: now, event: 'key_view', outcome: 'not_available', ...at, variantId: variant.id };
          throw refuse({ code: 'key_not_available', title: item.title });
        }
        const token = randomBytes(32).toString('base64url');
        const expiresAt = new Date(now.getTime() + LINK_LIFETIME_MS);
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO download_links (token_hash, partner_id, customer_id, order_id, line_number, product_id, variant_id, created_by, created_at, expires_at, max_downloads)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
          [hashToken(token), actor.partnerId, customer.id, item.orderId, item.lineNumber, item.productId, variant.id, actor.userId, now, expiresAt, LINK_MAX_DOWNLOADS],
        );
        const linkId = rows[0]!.id;
        await enqueueInTx(client, {
          queue: QUEUES.linkExpiry,
          name: JOB_NAMES['link-expiry'],
          jobId: `link-expiry-${linkId}`,
          data: { downloadLinkId: linkId },
          delayUntil: expiresAt,
        });
        await this.activity.record({ at: now, event: 'key_view', outcome: 'ok', ...at, variantId: variant.id, linkId }, client);
        await this.activity.record({ at: now, event: 'link_issued', outcome: 'ok', ...at, variantId: variant.id, linkId }, client);
        return {
          customer,
          item,
          variant,
          activationKey: key.plaintext,
          simulated: key.simulated,
          downloadUrl: downloadUrl(this.publicUrl(), token),
          linkId,
          expiresAt,
          maxDownloads: LINK_MAX_DOWNLOADS,
        };
      });
    } catch (err) {
      // The transaction rolled back; the failed attempt is still recorded (R12).
      if (failure) await this.activity.record(failure);
      throw err;
    }
  }

  /**
   * One download (R10): counts it and logs it if the link is usable now; otherwise says why
   * (and logs the failed attempt). Never throws for a bad token.
   *
   * Downloads that arrive in the same event-loop turn are redeemed together by one
   * statement (micro-batching): it locks their links in id order, grants each link at most
   * what it has left — in arrival order — and writes one activity row per granted download.
   * So exactly `max_downloads` succeed however many arrive at once, none after the deadline,
   * and a burst costs one round trip and one commit instead of one per download.
   */
  redeem(token: string, client: DownloadClient): Promise<Redemption> {
    if (!isTokenShaped(token)) return Promise.resolve({ status: 'unknown' });
    return new Promise<Redemption>((resolve, reject) => {
      this.pending.push({ hash: hashToken(token), ip: normaliseIp(client.ip), userAgent: clampUserAgent(client.userAgent), resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushRedemptions());
      }
    });
  }

  private flushRedemptions(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_REDEMPTION_BATCH);
      void this.redeemBatch(batch);
    }
  }

  private async redeemBatch(batch: PendingRedemption[]): Promise<void> {
    const now = this.now();
    try {
      const { rows } = await this.db.query<{
        ord: string; id: string; download_number: string; max_downloads: number; expires_at: Date;
        product_id: string; version: string; language: string; file_type: string; file_name: string | null;
      }>({
        // Named: each connection plans this statement once (it runs for every burst of downloads).
        name: 'software.redeemBatch',
        text: REDEEM_BATCH,
        values: [batch.map((r) => r.hash), batch.map((r) => r.ip), batch.map((r) => r.userAgent), now],
      });
      const granted = new Map(rows.map((r) => [Number(r.ord), r]));
      await Promise.all(batch.map(async (req, i) => {
        const hit = granted.get(i + 1);
        if (!hit) {
          req.resolve(await this.refusal(req, now));
          return;
        }
        req.resolve({
          status: 'ok',
          linkId: hit.id,
          downloadNumber: Number(hit.download_number),
          maxDownloads: hit.max_downloads,
          expiresAt: hit.expires_at,
          file: { productId: hit.product_id, version: hit.version, language: hit.language, fileType: hit.file_type, fileName: hit.file_name },
        });
      }).map((p, i) => p.catch((err: unknown) => batch[i]!.reject(err))));
    } catch (err) {
      // One bad request (or a deadlock victim) must not fail the others: redo them one by one.
      if (batch.length > 1) {
        await Promise.all(batch.map((req) => this.redeemBatch([req])));
        return;
      }
      for (const req of batch) req.reject(err);
    }
  }

  /** Why a download was not granted, recorded as a failed attempt (R12). */
  private async refusal(req: PendingRedemption, now: Date): Promise<Redemption> {
    const link = await this.linkByHash(req.hash);
    const where = { ip: req.ip, userAgent: req.userAgent };
    if (!link) {
      await this.activity.recordUnknownToken({ at: now, ...where });
      return { status: 'unknown' };
    }
    // Not granted yet usable by this read: its last downloads went to requests ahead of it in the burst.
    const why = verdict(link, now) ?? { status: 'used_up' as const, linkId: link.id, expiresAt: link.expires_at, maxDownloads: link.max_downloads };
    await this.activity.record({
      at: now, partnerId: Number(link.partner_id), event: 'download', outcome: why.status,
      customerId: link.customer_id, orderId: link.order_id, lineNumber: link.line_number, productId: link.product_id, variantId: link.variant_id, linkId: link.id, ...where,
    });
    return why;
  }

  /** The verdict a download would get now, without counting or logging (HEAD, link previews). */
  async inspect(token: string): Promise<Redemption> {
    if (!isTokenShaped(token)) return { status: 'unknown' };
    const link = await this.linkByHash(hashToken(token));
    if (!link) return { status: 'unknown' };
    const why = verdict(link, this.now());
    if (why) return why;
    return {
      status: 'ok',
      linkId: link.id,
      downloadNumber: link.download_count,
      maxDownloads: link.max_downloads,
      expiresAt: link.expires_at,
      file: { productId: link.product_id, version: link.version, language: link.language, fileType: link.file_type, fileName: link.file_name },
    };
  }

  /**
   * R19: revoke every key and link of a purchase (for the cancellation flow), and issue
   * none for it any more. Runs in the caller's transaction when given one; locks the
   * purchase (the ledger's row), so a "Get keys and downloads" in flight (which holds it FOR
   * SHARE) finishes first and its link is revoked too. Idempotent; returns how many were
   * revoked now.
   */
  async revokePurchase(
    q: Queryable,
    req: { partnerId: number; orderId: string; reason: 'cancelled' | 'admin'; userId?: number | null },
  ): Promise<{ keys: number; links: number }> {
    const now = this.now();
    const order = await q.query('SELECT 1 FROM purchases WHERE partner_id = $1 AND order_id = $2 FOR UPDATE', [req.partnerId, req.orderId]);
    if (order.rowCount !== 1) return { keys: 0, links: 0 };
    // Lock the purchase's links in id order first — the order redemption bursts lock them in — so the two never deadlock.
    await q.query('SELECT id FROM download_links WHERE partner_id = $1 AND order_id = $2 ORDER BY id FOR UPDATE', [req.partnerId, req.orderId]);
    await q.query(
      `INSERT INTO revoked_purchases (order_id, partner_id, revoked_at, reason, revoked_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (partner_id, order_id) DO NOTHING`,
      [req.orderId, req.partnerId, now, req.reason, req.userId ?? null],
    );
    const keys = await q.query(
      'UPDATE software_keys SET revoked_at = $3 WHERE partner_id = $1 AND order_id = $2 AND revoked_at IS NULL',
      [req.partnerId, req.orderId, now],
    );
    const links = await q.query<{ id: string }>(
      `WITH r AS (
         UPDATE download_links SET revoked_at = $3, revoked_reason = $4
          WHERE partner_id = $1 AND order_id = $2 AND revoked_at IS NULL
          RETURNING id, partner_id, customer_id, order_id, line_number, product_id, variant_id
       ), logged AS (${REVOKED_LINKS_LOGGED})
       SELECT id FROM r`,
      [req.partnerId, req.orderId, now, req.reason, req.userId ?? null],
    );
    if ((keys.rowCount ?? 0) > 0) {
      await this.activity.record({ at: now, partnerId: req.partnerId, event: 'revoked', outcome: 'ok', userId: req.userId ?? null, orderId: req.orderId, detail: `${req.reason}: ${keys.rowCount} key(s)` }, q);
    }
    return { keys: keys.rowCount ?? 0, links: links.rows.length };
  }

  /**
   * R11/R12: the key and link just issued to `actor` could not be delivered to them (their
   * personal chat refused or failed the message): the link is withdrawn (revoked, 'undelivered') and the
   * activity log says so. Only the user who was issued the link can withdraw it this way.
   * Idempotent; false when there was nothing (left) to withdraw.
   */
  async withdrawUndelivered(actor: Actor, linkId: string): Promise<boolean> {
    if (!/^\d{1,18}$/.test(linkId)) return false;
    const { rowCount } = await this.db.query(
      `WITH r AS (
         UPDATE download_links SET revoked_at = $4, revoked_reason = 'undelivered'
          WHERE id = $1 AND partner_id = $2 AND created_by = $3 AND revoked_at IS NULL
          RETURNING id, partner_id, customer_id, order_id, line_number, product_id, variant_id
       )
       ${WITHDRAWN_LINK_LOGGED}`,
      [linkId, actor.partnerId, actor.userId, this.now()],
    );
    return (rowCount ?? 0) > 0;
  }

  /** R8 before a flow starts: throws ForbiddenError (and records the refused attempt) unless Admin agent. */
  async authorize(actor: Actor): Promise<void> {
    await this.requireAdminAgent(actor, {});
  }

  // --- internals -------------------------------------------------------------------

  /** R8, with the refused attempt recorded (R12). */
  private requireAdminAgent(actor: Actor, about: RefusedRequest): Promise<void> {
    return this.access.require(actor, 'keys', about);
  }

  private loadCustomer(actor: Actor, customerId: unknown): Promise<CustomerView> {
    return this.customers.get(actor, 'keys', customerId);
  }

  private async loadItem(q: Queryable, actor: Actor, customerId: string, orderId: unknown, lineNumber: unknown, lock = false): Promise<SoftwareItem> {
    const id = typeof orderId === 'string' ? orderId.trim() : '';
    const line = Number(lineNumber);
    if (!isOrderIdShaped(id) || !Number.isSafeInteger(line) || line < 0) throw refuse({ code: 'item_not_found' });
    // The id as given, or as typed in lower case for a backend whose ids are upper case (the embedded one's).
    const { rows } = await q.query<ItemRow>(
      `${ITEM_SELECT} AND p.order_id IN ($3, upper($3)) AND l.line_number = $4 ORDER BY p.order_id = $3 DESC LIMIT 1${lock ? ' FOR SHARE OF p' : ''}`,
      [actor.partnerId, customerId, id, line],
    );
    if (!rows[0]) throw refuse({ code: 'item_not_found' });
    return toItem(rows[0]);
  }

  private async resolveVariant(q: Queryable, productId: string, req: GetKeysRequest): Promise<VariantChoice> {
    const variants = (await variantsOf(q, productId)).map(toVariant);
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const found = req.variantId !== undefined && req.variantId !== null
      ? variants.find((v) => v.id === Number(req.variantId))
      : variants.find((v) => v.version === text(req.version) && v.language === text(req.language) && v.fileType === text(req.fileType));
    if (!found) {
      throw refuse({ code: 'variant_not_found', version: text(req.version).slice(0, 80), language: text(req.language).slice(0, 20), fileType: text(req.fileType).slice(0, 40) });
    }
    return found;
  }

  /** The purchase's key for a version, made (and stored encrypted) on first use; null when revoked (R19). */
  private async keyFor(q: Queryable, partnerId: number, item: SoftwareItem, version: string): Promise<{ plaintext: string; simulated: boolean } | null> {
    const aad = keyAad(item.orderId, item.lineNumber, version);
    const read = async () => (await q.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM software_keys WHERE partner_id = $1 AND order_id = $2 AND line_number = $3 AND version = $4`,
      [partnerId, item.orderId, item.lineNumber, version],
    )).rows[0];
    // Made (and encrypted) only the first time; a concurrent first time keeps the winner's.
    const make = async () => {
      const sealed = this.cipher.seal(simulatedProductKey(), aad);
      return (await q.query<KeyRow>(
        `INSERT INTO software_keys (partner_id, order_id, line_number, version, key_id, iv, tag, ciphertext, simulated)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true)
         ON CONFLICT (partner_id, order_id, line_number, version) DO NOTHING
         RETURNING ${KEY_COLUMNS}`,
        [partnerId, item.orderId, item.lineNumber, version, sealed.keyId, sealed.iv, sealed.tag, sealed.ciphertext],
      )).rows[0];
    };
    const row = (await read()) ?? (await make()) ?? (await read())!;
    if (row.revoked_at) return null;
    return { plaintext: this.cipher.open({ keyId: row.key_id, iv: row.iv, tag: row.tag, ciphertext: row.ciphertext }, aad), simulated: row.simulated };
  }

  /** A link by its token's hash, with the file it serves; undefined when no link has it. */
  private async linkByHash(hash: Buffer): Promise<StoredLink | undefined> {
    const { rows } = await this.db.query<StoredLink>(
      `SELECT l.id, l.partner_id, l.customer_id, l.order_id, l.line_number, l.product_id, l.variant_id,
              l.expires_at, l.max_downloads, l.download_count, l.revoked_at, l.revoked_reason,
              v.version, v.language, v.file_type, v.file_name
         FROM download_links l JOIN software_variants v ON v.id = l.variant_id WHERE l.token_hash = $1`,
      [hash],
    );
    return rows[0];
  }
}
