/**
 * Fixtures for the cancellation tests: the cancellation service, the tracker and an embedded
 * backend on one settable clock, purchases made as the purchase service makes them, and the
 * requester's personal conversation (so notifications have somewhere to go).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AccessPolicy } from '../../services/access/policy.js';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { CancellationService } from '../../services/cancellation/cancellation-service.js';
import { CancellationTracker } from '../../services/cancellation/tracking.js';
import { EmbeddedCommerceBackend, type EmbeddedCancellationOptions } from '../../services/commerce/embedded.js';
import type { OrderLineRequest, SkuRef } from '../../services/commerce/types.js';
import { CustomerDirectory } from '../../services/customers/directory.js';
import type { Db } from '../../services/db/pool.js';
import { importFile } from '../../services/import.js';
import { PurchaseLedger } from '../../services/ledger/purchase-ledger.js';
import { NotificationService } from '../../services/notifications/notifications.js';
import { createKeyCipher } from '../../services/software/key-crypto.js';
import { SoftwareService } from '../../services/software/software-service.js';
import type { TestCustomer, TestPartner } from '../commerce/factories.js';
import { silentLogger } from '../commerce/factories.js';
import { placeOrder } from '../support/purchases.js';

export const DAY_MS = 86_400_000;

export interface CancellationHarness {
  clock: { now: Date };
  commerce: EmbeddedCommerceBackend;
  ledger: PurchaseLedger;
  software: SoftwareService;
  service: CancellationService;
  tracker: CancellationTracker;
}

/**
 * Everything on one settable clock (`start`; null: the real clock, for jobs on real queues);
 * the backend finishes cancellations `cancellation.delayMs` after the request (default 0).
 */
export function createCancellationHarness(
  db: Db, start: Date | null, cancellation: Partial<EmbeddedCancellationOptions> = {}, deadlineMinutes = 60, pollDelaysMs: readonly number[] = [1000, 5000],
  tracking: { slowPollMs?: number; giveUpAfterMs?: number } = {},
): CancellationHarness {
  const clock = { now: start ?? new Date() };
  const now = start ? () => clock.now : () => new Date();
  const commerce = new EmbeddedCommerceBackend(db, { now, cancellation: { delayMs: 0, outcome: 'completes', ...cancellation } });
  const activity = new ActivityLog(db);
  const customers = new CustomerDirectory({ commerce, access: new AccessPolicy({ activity, now }) });
  const ledger = new PurchaseLedger(db);
  const software = new SoftwareService({ db, customers, activity, cipher: createKeyCipher(randomBytes(32)), publicUrl: 'http://127.0.0.1:9', now });
  const service = new CancellationService({ db, customers, ledger, activity, deadlineMinutes, now });
  const tracker = new CancellationTracker({
    db, commerce, ledger, software, notifications: new NotificationService(), activity, logger: silentLogger, now, deadlineMinutes, pollDelaysMs, ...tracking,
  });
  return { clock, commerce, ledger, software, service, tracker };
}

/** Buys `lines` for `customer` at the harness clock (backend order + ledger record); returns the order id. */
export async function buyAt(db: Db, h: CancellationHarness, partner: TestPartner, customer: TestCustomer, lines: OrderLineRequest[]): Promise<string> {
  const r = await placeOrder(db, partner.partnerId, { customerId: customer.id, createdBy: partner.userId, lines, idempotencyKey: randomUUID() }, h.commerce);
  return r.order.id;
}

/** The partner's user gets a personal conversation with the bot (where notifications go). Returns its id. */
export async function givePersonalChat(db: Db, partner: TestPartner): Promise<string> {
  const conversationId = `a:${randomUUID()}`;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conversation_refs (partner_id, channel, conversation_id, user_id, conversation_type, reference)
     VALUES ($1, 'msteams', $2, $3, 'personal', $4) RETURNING id`,
    [partner.partnerId, conversationId, partner.userId, JSON.stringify({ conversation: { id: conversationId }, serviceUrl: 'http://127.0.0.1:9/' })],
  );
  return rows[0]!.id;
}

/** A server subscription product of its own whose cancellations end with `outcome`. */
export async function productWhoseCancellations(db: Db, outcome: 'fails' | 'needs_information'): Promise<SkuRef> {
  const productId = `ZX${randomBytes(5).toString('hex').toUpperCase()}`;
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Test server (cancellation ${outcome})`, description: 'cancellation tests' }],
    skus: [{ productId, id: '0001', title: '1 year', term: 'P1Y', billing: 'annual', minQuantity: 1, maxQuantity: 100 }],
    prices: [{ productId, skuId: '0001', market: 'DE', currency: 'EUR', unitPriceMinor: 36_500, effectiveFrom: '2020-01-01' }],
  });
  await db.query('UPDATE products SET demo_cancellation_outcome = $2 WHERE id = $1', [productId, outcome]);
  return { productId, skuId: '0001' };
}

export async function cancellationRows(db: Db, orderId: string) {
  const { rows } = await db.query<{ id: string; status: string; credit_minor: string; currency: string; polls: number; failure_code: string | null; request_key: string; backend_request_id: string }>(
    'SELECT id, status, credit_minor, currency, polls, failure_code, request_key, backend_request_id FROM cancellations WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows;
}

export async function ledgerStatus(db: Db, orderId: string): Promise<string> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM purchases WHERE order_id = $1', [orderId]);
  return rows[0]!.status;
}

export async function notificationsOf(db: Db, cancellationId: string) {
  const { rows } = await db.query<{ dedupe_key: string; message: { kind: string } & Record<string, unknown> }>(
    // The cancellation's own (cancellation-finished:7, cancellation-delayed:7, …), never another kind's of the same number (support-filed:7).
    "SELECT dedupe_key, message FROM notifications WHERE dedupe_key ~ ('^cancellation-[a-z_]+:' || $1 || '$') ORDER BY id",
    [cancellationId],
  );
  return rows;
}
