/**
 * Fixtures for the support-request tests: the support service and the filing job on the
 * cancellation harness's backend and clock, a desk of choice (the embedded one by default),
 * a cancellation that could not be completed, and readers of what was recorded.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../services/access/roles.js';
import { AccessPolicy } from '../../services/access/policy.js';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { CustomerDirectory } from '../../services/customers/directory.js';
import type { Db } from '../../services/db/pool.js';
import { PurchaseLedger } from '../../services/ledger/purchase-ledger.js';
import { NotificationService } from '../../services/notifications/notifications.js';
import type { SupportDesk } from '../../services/support/desk.js';
import { EmbeddedSupportDesk } from '../../services/support/embedded-desk.js';
import { SupportFiling } from '../../services/support/filing.js';
import { SupportService, type SupportFormInput } from '../../services/support/support-service.js';
import { buyAt, createCancellationHarness, productWhoseCancellations, type CancellationHarness } from '../cancellation/fixtures.js';
import { silentLogger, type TestCustomer, type TestPartner } from '../commerce/factories.js';
import { WS_DATACENTER_1Y } from '../purchase/fixtures.js';

export interface SupportHarness {
  cancel: CancellationHarness;
  desk: SupportDesk;
  service: SupportService;
  filing: SupportFiling;
}

export function createSupportHarness(db: Db, opts: { desk?: SupportDesk; start?: Date | null; files?: { maxFiles?: number; maxFileBytes?: number } } = {}): SupportHarness {
  const cancel = createCancellationHarness(db, opts.start ?? null);
  const now = () => (opts.start ? cancel.clock.now : new Date());
  const activity = new ActivityLog(db);
  const customers = new CustomerDirectory({ commerce: cancel.commerce, access: new AccessPolicy({ activity, now }) });
  const desk = opts.desk ?? new EmbeddedSupportDesk(db);
  const service = new SupportService({ db, ledger: new PurchaseLedger(db), customers, activity, desk, now, ...(opts.files ? { files: opts.files } : {}) });
  const filing = new SupportFiling({ db, desk, notifications: new NotificationService(), activity, logger: silentLogger, now });
  return { cancel, desk, service, filing };
}

/** An order of `customer` whose cancellation ended with `outcome` (R20): its id and the cancellation's. */
export async function failedCancellation(db: Db, h: SupportHarness, partner: TestPartner, customer: TestCustomer, admin: Actor, outcome: 'fails' | 'needs_information' = 'needs_information'): Promise<{ orderId: string; cancellationId: string }> {
  const sku = await productWhoseCancellations(db, outcome);
  const orderId = await buyAt(db, h.cancel, partner, customer, [{ ...sku, quantity: 2 }]);
  const { noticeId } = await h.cancel.service.notice(admin, customer.id, { orderId });
  const { cancellation } = await h.cancel.service.submit(admin, { customerId: customer.id, orderId, noticeId, acknowledged: true });
  // Asked, then looked at: the backend ends it with the outcome.
  for (let i = 0; i < 3; i++) await h.cancel.tracker.track(cancellation.cancellationId);
  return { orderId, cancellationId: cancellation.cancellationId };
}

/** An order of `customer` (Windows Server, 8 cores): its id. */
export function anOrder(db: Db, h: SupportHarness, partner: TestPartner, customer: TestCustomer): Promise<string> {
  return buyAt(db, h.cancel, partner, customer, [{ ...WS_DATACENTER_1Y, quantity: 8 }]);
}

/** A form as a user fills it in (English numbers). */
export function aForm(overrides: Partial<SupportFormInput> = {}): SupportFormInput {
  return {
    impact: 'moderate', title: 'Refund please', description: 'The customer cancelled too late.', refundReason: 'Bought by mistake', amount: '10.00',
    contactName: 'Alex Wilber', contactEmail: 'alex@contoso.example', contactPhone: '+49 30 1234567', ...overrides,
  };
}

export async function requestRows(db: Db, orderId: string) {
  const { rows } = await db.query<{ id: string; status: string; ticket_number: string | null; attempts: number; filings: number; failure_reason: string | null; amount_minor: string; cancellation_id: string | null; desk: string }>(
    'SELECT id, status, ticket_number, attempts, filings, failure_reason, amount_minor, cancellation_id, desk FROM support_requests WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows;
}

export async function supportNotifications(db: Db, requestId: string) {
  const { rows } = await db.query<{ dedupe_key: string; message: { kind: string } & Record<string, unknown> }>(
    "SELECT dedupe_key, message FROM notifications WHERE dedupe_key LIKE 'support-%:' || $1 || '%' ORDER BY id",
    [requestId],
  );
  return rows.filter((r) => r.dedupe_key === `support-filed:${requestId}` || r.dedupe_key.startsWith(`support-failed:${requestId}:`));
}

export const newKey = (): string => randomUUID();
