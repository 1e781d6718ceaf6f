import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { isPurchaseError } from '../../services/purchase/errors.js';
import type { OrderView } from '../../services/purchase/purchase-service.js';
import { createCustomer } from '../commerce/factories.js';
import { testDb } from '../support/db.js';
import { actorOf, createService, createWorld, SQL_2022_PERPETUAL, SUSE_PLAN_1Y, WS_DATACENTER_1Y, type World } from './fixtures.js';

describe('services/purchase/purchase-service — order history (orders)', () => {
  const db = testDb();
  const clock = { now: new Date() };
  const { service } = createService(db, clock);
  let w: World;
  const me = () => actorOf(w.a, ['global_admin']);

  /** Buys at the instant `at` (the backend stamps the order with the shared clock). */
  async function buyAt(at: string, customerId: string, ref: { productId: string; skuId: string }, quantity: number): Promise<string> {
    clock.now = new Date(at);
    const q = await service.quote(me(), { customerId, ...ref, quantity });
    const r = await service.confirm(me(), { customerId, ...ref, quantity, priceFingerprint: q.priceFingerprint, idempotencyKey: randomUUID() });
    assert.ok(r.status === 'created');
    return r.order.orderId;
  }

  const row = (o: OrderView) => [o.orderId, o.productTitle, o.quantity, o.status, o.purchaseDate, o.cancellation];

  before(async () => {
    w = await createWorld(db);
  });

  it('lists newest first, paginated, with days left, "window passed" and "not cancellable" as of the clock', async () => {
    const c = await createCustomer(db, w.a, { companyName: 'Lucerne Publishing', billingCountry: 'DE' });
    const jan = await buyAt('2025-01-01T09:00:00Z', c.id, WS_DATACENTER_1Y, 8);
    const feb = await buyAt('2025-02-20T23:30:00Z', c.id, SQL_2022_PERPETUAL, 2);
    const mar = await buyAt('2025-03-05T12:00:00Z', c.id, SUSE_PLAN_1Y, 4);
    clock.now = new Date('2025-03-10T08:00:00Z');

    const p1 = await service.orders(me(), c.id, { page: 1, pageSize: 2 });
    assert.deepEqual([p1.page, p1.pageSize, p1.total, p1.totalPages], [1, 2, 3, 2]);
    assert.equal(p1.customer.companyName, 'Lucerne Publishing');
    assert.deepEqual(p1.orders.map(row), [
      [mar, 'SUSE Linux Enterprise Server Standard – software plan – 1–2 vCPU VM – 1 year', 4, 'completed', '2025-03-05', { state: 'notCancellable', reason: 'software_plan' }],
      // Bought 20 Feb 23:30 UTC: closes 21 April 23:30 UTC; from 10 March 08:00 that is 42 days and 15.5 hours → 43 days left.
      [feb, 'SQL Server 2022 Standard – Server License', 2, 'completed', '2025-02-20', { state: 'open', daysLeft: 43, closesAt: '2025-04-21T23:30:00.000Z' }],
    ]);
    const p2 = await service.orders(me(), c.id, { page: 2, pageSize: 2 });
    // Bought 1 Jan 09:00 UTC: the window closed 2 March 09:00 UTC.
    assert.deepEqual(p2.orders.map(row), [[jan, 'Windows Server Datacenter – 2 Core License Pack – 1 year', 8, 'completed', '2025-01-01', { state: 'passed', closedAt: '2025-03-02T09:00:00.000Z' }]]);
    assert.deepEqual((await service.orders(me(), c.id, { page: 3, pageSize: 2 })).orders, []);

    // In its last 24 hours one day is left; at the instant of purchase 60 days on, the window has passed.
    clock.now = new Date('2025-04-21T23:29:59Z');
    assert.deepEqual((await service.orders(me(), c.id)).orders[1]!.cancellation, { state: 'open', daysLeft: 1, closesAt: '2025-04-21T23:30:00.000Z' });
    clock.now = new Date('2025-04-21T23:30:00Z');
    assert.deepEqual((await service.orders(me(), c.id)).orders[1]!.cancellation, { state: 'passed', closedAt: '2025-04-21T23:30:00.000Z' });
  });

  it('shows cancelled and cancelling orders as such instead of days left', async () => {
    const c = await createCustomer(db, w.a, { companyName: 'Trey Research', billingCountry: 'US' });
    const first = await buyAt('2025-05-01T10:00:00Z', c.id, WS_DATACENTER_1Y, 8);
    const second = await buyAt('2025-05-02T10:00:00Z', c.id, WS_DATACENTER_1Y, 9);
    await db.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [first]);
    await db.query("UPDATE orders SET status = 'cancel_pending' WHERE id = $1", [second]);
    const { orders } = await service.orders(me(), c.id);
    assert.deepEqual(orders.map((o) => [o.orderId, o.status, o.cancellation]), [
      [second, 'cancel_pending', { state: 'cancelling' }],
      [first, 'cancelled', { state: 'cancelled' }],
    ]);
  });

  it('takes the bot\'s own record of a cancellation (the ledger) as well: cancelling, cancelled with the credit booked', async () => {
    const c = await createCustomer(db, w.a, { companyName: 'Litware Inc.', billingCountry: 'US' });
    const first = await buyAt('2025-05-01T10:00:00Z', c.id, WS_DATACENTER_1Y, 8);
    const second = await buyAt('2025-05-02T10:00:00Z', c.id, WS_DATACENTER_1Y, 9);
    await db.query("UPDATE purchases SET status = 'cancelling', status_at = '2025-05-03T10:00:00Z' WHERE order_id = $1", [second]);
    await db.query("UPDATE purchases SET status = 'cancelled', status_at = '2025-05-04T10:00:00Z' WHERE order_id = $1", [first]);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO cancellations (partner_id, order_id, customer_id, customer_name, requested_at, request_key, backend, backend_request_id, status, status_at, deadline_at,
                                  next_check_at, currency, credit_minor)
       VALUES ($1, $2, $3, 'Litware Inc.', now(), gen_random_uuid()::text, 'embedded', gen_random_uuid(), 'finished', now(), now(), now(), 'USD', 12345) RETURNING id`,
      [w.a.partnerId, first, c.id],
    );
    await db.query(
      `INSERT INTO credits (cancellation_id, partner_id, order_id, line_number, currency, policy, line_total_minor, amount_minor, used_days, term_days, computed_at, booked_at)
       SELECT $1, partner_id, order_id, 0, 'USD', 'prorated', line_total_minor, 12345, 3, 365, now(), now() FROM purchase_lines WHERE order_id = $2`,
      [rows[0]!.id, first],
    );
    const { orders } = await service.orders(me(), c.id);
    assert.deepEqual(orders.map((o) => [o.orderId, o.status, o.cancellation.state, o.statusAt?.toISOString(), o.credit]), [
      [second, 'cancel_pending', 'cancelling', '2025-05-03T10:00:00.000Z', undefined],
      [first, 'cancelled', 'cancelled', '2025-05-04T10:00:00.000Z', { amountMinor: 12345, currency: 'USD' }],
    ]);
  });

  it('defaults and bounds the page; a customer without orders has none', async () => {
    const c = await createCustomer(db, w.a, { companyName: 'Adventure Works', billingCountry: 'FR' });
    const empty = await service.orders(me(), c.id, { page: 0, pageSize: 1_000 });
    assert.deepEqual([empty.orders, empty.total, empty.totalPages, empty.page, empty.pageSize], [[], 0, 0, 1, 50]);
    assert.deepEqual([(await service.orders(me(), c.id, { page: 1.5 })).page, (await service.orders(me(), c.id)).pageSize], [1, 10]);
  });

  it("never shows another partner's orders", async () => {
    const c = await createCustomer(db, w.a, { companyName: 'Coho Winery', billingCountry: 'DE' });
    await buyAt('2025-05-01T10:00:00Z', c.id, WS_DATACENTER_1Y, 8);
    await assert.rejects(service.orders(actorOf(w.b, ['admin_agent', 'global_admin']), c.id), (e: unknown) => isPurchaseError(e, 'customer_not_found'));
    assert.deepEqual((await service.orders(actorOf(w.b, ['admin_agent']), w.woodgrove.id)).orders, []);
  });
});
