import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import sinon from 'sinon';
import { ForbiddenError, type Role } from '../../services/access/roles.js';
import type { CancellationRefusalCode } from '../../services/cancellation/errors.js';
import { isRefusal } from '../../services/refusal.js';
import { createCustomer, createPartner, type TestCustomer } from '../commerce/factories.js';
import { actorOf, createWorld, SQL_2022_PERPETUAL, SUSE_PLAN_1Y, VM_RESERVATION_1Y, WS_DATACENTER_1Y, type World } from '../purchase/fixtures.js';
import { WS2025_DE_ISO } from '../software/fixtures.js';
import { testDb } from '../support/db.js';
import {
  buyAt, cancellationRows, createCancellationHarness, DAY_MS, givePersonalChat, ledgerStatus, notificationsOf, productWhoseCancellations,
} from './fixtures.js';

const T0 = new Date('2026-12-02T10:00:00.000Z');
const ADMIN: Role[] = ['admin_agent'];

const refused = (code: CancellationRefusalCode | 'customer_not_found') => (err: unknown) => {
  assert.ok(isRefusal(err), `expected the refusal ${code}, got ${String(err)}`);
  assert.equal(err.refusal.code, code);
  return true;
};

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await testDb().query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

describe('services/cancellation — cancelling a purchase (R14–R20)', () => {
  const db = testDb();
  const h = createCancellationHarness(db, T0);
  let w: World;
  const admin = () => actorOf(w.a, ADMIN);
  let made = 0;
  const newCustomer = (): Promise<TestCustomer> => createCustomer(db, w.a, { companyName: `Cancel customer ${++made}`, billingCountry: 'DE' });
  const ws = { ...WS_DATACENTER_1Y, quantity: 8 };

  before(async () => {
    w = await createWorld(db);
    await givePersonalChat(db, w.a);
  });
  beforeEach(() => {
    h.clock.now = T0;
  });

  describe('who may cancel (R14)', () => {
    for (const roles of [['global_admin'], ['sales_agent'], ['helpdesk_agent'], []] as Role[][]) {
      it(`not ${roles.join('+') || 'a user without roles'}: forbidden, naming the Admin agent role`, async () => {
        const c = await newCustomer();
        const orderId = await buyAt(db, h, w.a, c, [ws]);
        const actor = actorOf(w.a, roles);
        for (const call of [() => h.service.purchases(actor, c.id), () => h.service.notice(actor, c.id, { orderId }),
          () => h.service.submit(actor, { customerId: c.id, orderId, noticeId: 'n', acknowledged: true })]) {
          await assert.rejects(call(), (err: unknown) => err instanceof ForbiddenError && err.requiredRoles.join() === 'admin_agent');
        }
        assert.equal(await count('SELECT count(*) AS n FROM cancellations WHERE order_id = $1', [orderId]), 0);
      });
    }
  });

  describe('purchases and the notice (steps 2–4)', () => {
    it('lists software purchases per product with their state and credit for today; no Azure reservations', async () => {
      const c = await newCustomer();
      const at = (days: number) => {
        h.clock.now = new Date(T0.getTime() + days * DAY_MS);
      };
      const plan = await buyAt(db, h, w.a, c, [{ ...SUSE_PLAN_1Y, quantity: 1 }]);
      at(10);
      const first = await buyAt(db, h, w.a, c, [ws]);
      at(11);
      const second = await buyAt(db, h, w.a, c, [ws]);
      at(12);
      await buyAt(db, h, w.a, c, [{ ...VM_RESERVATION_1Y, quantity: 1 }]);
      at(13);
      const perpetual = await buyAt(db, h, w.a, c, [{ ...SQL_2022_PERPETUAL, quantity: 1 }]);
      at(20);
      const o = await h.service.purchases(admin(), c.id);
      assert.equal(o.customer.companyName, c.companyName);
      // Products in the order of their newest purchase; each product's purchases newest first.
      assert.deepEqual(o.products.map((p) => [p.productId, p.purchases.map((x) => x.orderId)]), [
        [SQL_2022_PERPETUAL.productId, [perpetual]],
        [WS_DATACENTER_1Y.productId, [second, first]],
        [SUSE_PLAN_1Y.productId, [plan]],
      ]);
      const sql = o.products[0]!.purchases[0]!;
      assert.deepEqual(sql.state, { state: 'open', daysLeft: 53, closesAt: new Date(T0.getTime() + 73 * DAY_MS).toISOString() });
      assert.equal(sql.credit?.policy, 'full');
      const wsRow = o.products[1]!.purchases[0]!;
      assert.equal(wsRow.credit?.policy, 'prorated');
      assert.equal(wsRow.credit?.currency, 'EUR');
      assert.deepEqual(o.products[2]!.purchases[0]!.state, { state: 'notCancellable', reason: 'software_plan' });
      assert.equal(o.products[2]!.purchases[0]!.credit, undefined);
    });

    it('the notice for a product offers its open orders, each with its credit; a product with none says so', async () => {
      const c = await newCustomer();
      const old = await buyAt(db, h, w.a, c, [ws]);
      h.clock.now = new Date(T0.getTime() + 61 * DAY_MS);
      const open = await buyAt(db, h, w.a, c, [ws]);
      const n = await h.service.notice(admin(), c.id, { productId: WS_DATACENTER_1Y.productId });
      assert.deepEqual(n.options.map((x) => x.orderId), [open]);
      assert.match(n.noticeId, /^[0-9a-f-]{36}$/);
      h.clock.now = new Date(T0.getTime() + 200 * DAY_MS);
      await assert.rejects(h.service.notice(admin(), c.id, { productId: WS_DATACENTER_1Y.productId }), refused('nothing_to_cancel'));
      await assert.rejects(h.service.notice(admin(), c.id, { orderId: old }), refused('window_passed'));
    });

    it('R15 at the boundary: 60 × 24 h after the purchase minus a second is open, the instant after is not', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      h.clock.now = new Date(T0.getTime() + 60 * DAY_MS - 1000);
      const n = await h.service.notice(admin(), c.id, { orderId });
      assert.deepEqual(n.options[0]!.state, { state: 'open', daysLeft: 1, closesAt: '2027-01-31T10:00:00.000Z' });
      h.clock.now = new Date(T0.getTime() + 60 * DAY_MS);
      await assert.rejects(h.service.notice(admin(), c.id, { orderId }), (err: unknown) => {
        assert.ok(isRefusal(err, 'window_passed'));
        assert.equal(err.refusal.closedAt, '2027-01-31T10:00:00.000Z');
        return true;
      });
      await assert.rejects(h.service.submit(admin(), { customerId: c.id, orderId, noticeId: n.noticeId, acknowledged: true }), refused('window_passed'));
      assert.equal(await ledgerStatus(db, orderId), 'active');
    });

    it('bad orders get clear refusals: unknown, malformed, another customer\'s, another partner\'s, a software plan', async () => {
      const c = await newCustomer();
      const other = await newCustomer();
      const orderId = await buyAt(db, h, w.a, other, [ws]);
      const plan = await buyAt(db, h, w.a, c, [{ ...SUSE_PLAN_1Y, quantity: 1 }]);
      const theirs = await buyAt(db, h, w.b, w.woodgrove, [ws]);
      await assert.rejects(h.service.notice(admin(), c.id, { orderId: 'NOSUCHORDER1' }), refused('order_not_found'));
      await assert.rejects(h.service.notice(admin(), c.id, { orderId: "x'; DROP TABLE orders; --" }), refused('order_not_found'));
      await assert.rejects(h.service.notice(admin(), c.id, { orderId }), (err: unknown) => {
        assert.ok(isRefusal(err, 'order_of_another_customer'));
        assert.equal(err.refusal.customerName, c.companyName);
        return true;
      });
      await assert.rejects(h.service.notice(admin(), c.id, { orderId: theirs }), refused('order_not_found'));
      await assert.rejects(h.service.notice(admin(), w.woodgrove.id, { orderId: theirs }), refused('customer_not_found'));
      await assert.rejects(h.service.notice(admin(), c.id, { orderId: plan }), (err: unknown) => {
        assert.ok(isRefusal(err, 'not_cancellable'));
        assert.equal(err.refusal.reason, 'software_plan');
        return true;
      });
      await assert.rejects(h.service.submit(admin(), { customerId: c.id, orderId, noticeId: 'n1', acknowledged: true }), refused('order_of_another_customer'));
      await assert.rejects(h.service.submit(admin(), { customerId: c.id, orderId: plan, noticeId: 'n2', acknowledged: true }), refused('not_cancellable'));
      await assert.rejects(h.service.submit(admin(), { customerId: c.id, orderId: theirs, noticeId: 'n3', acknowledged: true }), refused('order_not_found'));
      assert.equal(await count('SELECT count(*) AS n FROM cancellations WHERE order_id = ANY($1)', [[orderId, plan, theirs]]), 0);
    });
  });

  describe('submit (step 5): one transaction, exactly once', () => {
    it('without the acknowledgement: refused, nothing changes', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      const { noticeId } = await h.service.notice(admin(), c.id, { orderId });
      await assert.rejects(h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: false }), refused('acknowledgement_required'));
      await assert.rejects(h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: 'true' as unknown as boolean }), refused('acknowledgement_required'));
      assert.equal(await ledgerStatus(db, orderId), 'active');
      assert.equal((await cancellationRows(db, orderId)).length, 0);
    });

    it('writes the cancellation, its credits, the purchase as cancelling, the activity entry and the tracking job\'s intent', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      h.clock.now = new Date(T0.getTime() + 73 * DAY_MS / 2); // 36.5 days on: 36 days used
      const { noticeId, options } = await h.service.notice(admin(), c.id, { orderId });
      const r = await h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      assert.equal(r.status, 'submitted');
      assert.equal(r.cancellation.creditMinor, options[0]!.credit!.amountMinor);
      const [row] = await cancellationRows(db, orderId);
      assert.equal(row?.status, 'requested');
      assert.equal(row?.request_key, noticeId);
      const { rows: credits } = await db.query('SELECT policy, used_days, term_days, amount_minor, line_total_minor, booked_at FROM credits WHERE cancellation_id = $1', [row.id]);
      assert.equal(credits.length, 1);
      assert.deepEqual([credits[0].policy, credits[0].used_days, credits[0].term_days, credits[0].booked_at], ['prorated', 36, 365, null]);
      assert.equal(Number(credits[0].amount_minor), Math.round((Number(credits[0].line_total_minor) * 329) / 365));
      assert.equal(await ledgerStatus(db, orderId), 'cancelling');
      assert.equal(await count("SELECT count(*) AS n FROM activity_log WHERE order_id = $1 AND event = 'cancellation_requested'", [orderId]), 1);
      assert.equal(await count("SELECT count(*) AS n FROM job_outbox WHERE queue = 'cancellation-tracking' AND job_id = $1", [`cancellation-${row.id}`]), 1);
      const { rows: job } = await db.query("SELECT data FROM job_outbox WHERE job_id = $1", [`cancellation-${row.id}`]);
      assert.deepEqual(job[0].data, { cancellationId: row.id }, 'ids only in job data');
    });

    it('the same notice again (double Submit, a resend): the same cancellation; another order with it: stale', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      const otherOrder = await buyAt(db, h, w.a, c, [ws]);
      const { noticeId } = await h.service.notice(admin(), c.id, { productId: WS_DATACENTER_1Y.productId });
      const all = await Promise.all([1, 2, 3, 4].map(() => h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true })));
      assert.deepEqual(all.map((r) => r.status).sort(), ['existing', 'existing', 'existing', 'submitted']);
      assert.equal(new Set(all.map((r) => r.cancellation.cancellationId)).size, 1);
      assert.equal((await cancellationRows(db, orderId)).length, 1);
      await assert.rejects(h.service.submit(admin(), { customerId: c.id, orderId: otherOrder, noticeId, acknowledged: true }), refused('stale_notice'));
      assert.equal(await ledgerStatus(db, otherOrder), 'active');
      // The notice id answers only its own user and customer: another admin, or the id sent with another customer, learn nothing.
      const { rows: [colleague] } = await db.query<{ id: string }>(
        "INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, 'slack', $2, 'Colleague') RETURNING id",
        [w.a.partnerId, `U${randomUUID().slice(0, 10).toUpperCase()}`],
      );
      await assert.rejects(h.service.submit({ ...admin(), userId: Number(colleague!.id) }, { customerId: c.id, orderId, noticeId, acknowledged: true }), refused('stale_notice'));
      const d = await newCustomer();
      await assert.rejects(h.service.submit(admin(), { customerId: d.id, orderId, noticeId, acknowledged: true }), refused('stale_notice'));
    });

    it('two users\' submits for the same order: one cancellation; the other is told it is under way', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      const n1 = await h.service.notice(admin(), c.id, { orderId });
      const n2 = await h.service.notice(admin(), c.id, { orderId });
      const results = await Promise.allSettled([n1, n2].map((n) => h.service.submit(admin(), { customerId: c.id, orderId, noticeId: n.noticeId, acknowledged: true })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(isRefusal(rejected.reason, 'cancellation_in_progress'));
      assert.equal((await cancellationRows(db, orderId)).length, 1);
      await assert.rejects(h.service.notice(admin(), c.id, { orderId }), refused('cancellation_in_progress'));
    });
  });

  describe('tracking (the job): finished, failed, needs information, deadline — each once', () => {
    it('finished: keys and links revoked, credit booked, purchase cancelled, logged, requester notified once', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      await h.software.getKeysAndDownload(admin(), { customerId: c.id, orderId, lineNumber: 0, ...WS2025_DE_ISO });
      const keys = { keys: 1, links: 1 };
      const { noticeId } = await h.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      const r = await h.tracker.track(cancellation.cancellationId);
      assert.equal(r.status, 'finished');
      assert.equal((await cancellationRows(db, orderId))[0]!.status, 'finished');
      assert.equal(await ledgerStatus(db, orderId), 'cancelled');
      assert.equal(await count('SELECT count(*) AS n FROM credits WHERE cancellation_id = $1 AND booked_at IS NOT NULL', [cancellation.cancellationId]), 1);
      assert.equal(await count('SELECT count(*) AS n FROM software_keys WHERE order_id = $1 AND revoked_at IS NOT NULL', [orderId]), keys.keys);
      assert.equal(await count('SELECT count(*) AS n FROM download_links WHERE order_id = $1 AND revoked_at IS NULL', [orderId]), 0);
      assert.equal(await count("SELECT count(*) AS n FROM activity_log WHERE order_id = $1 AND event = 'cancellation_finished'", [orderId]), 1);
      const sent = await notificationsOf(db, cancellation.cancellationId);
      assert.equal(sent.length, 1);
      assert.deepEqual(
        { ...sent[0]!.message, cancellationId: undefined },
        { kind: 'cancellationFinished', cancellationId: undefined, orderId, title: sent[0]!.message.title, customerId: c.id, customerName: c.companyName, currency: 'EUR',
          creditMinor: cancellation.creditMinor, keysRevoked: keys.keys, linksRevoked: keys.links },
      );
      assert.ok(!JSON.stringify(sent[0]!.message).match(/[A-Z0-9]{5}-[A-Z0-9]{5}-/), 'no key in the message');
      // Run again (a retried or duplicated job): nothing changes twice.
      const again = await h.tracker.track(cancellation.cancellationId);
      assert.deepEqual(again, { status: 'finished', polls: 1, note: 'already_done' });
      assert.equal((await notificationsOf(db, cancellation.cancellationId)).length, 1);
      assert.equal(await count("SELECT count(*) AS n FROM activity_log WHERE order_id = $1 AND event = 'cancellation_finished'", [orderId]), 1);
    });

    it('pending at the backend: submitted, polled again later (backoff), finished after the backend\'s delay', async () => {
      const slow = createCancellationHarness(db, T0, { delayMs: 10 * 60_000 });
      const c = await newCustomer();
      const orderId = await buyAt(db, slow, w.a, c, [ws]);
      const { noticeId } = await slow.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await slow.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      assert.deepEqual(await slow.tracker.track(cancellation.cancellationId), { status: 'pending', polls: 1, nextCheckInMs: 1000 });
      assert.equal((await cancellationRows(db, orderId))[0]!.status, 'submitted');
      assert.deepEqual(await slow.tracker.track(cancellation.cancellationId), { status: 'pending', polls: 2, nextCheckInMs: 5000 });
      assert.deepEqual(await slow.tracker.track(cancellation.cancellationId), { status: 'pending', polls: 3, nextCheckInMs: 5000 });
      slow.clock.now = new Date(T0.getTime() + 10 * 60_000);
      assert.equal((await slow.tracker.track(cancellation.cancellationId)).status, 'finished');
      assert.equal(await ledgerStatus(db, orderId), 'cancelled');
    });

    it('failed or needs information (R20): the purchase is active again, nothing revoked, the requester told why', async () => {
      for (const [outcome, status] of [['fails', 'failed'], ['needs_information', 'needs_information']] as const) {
        const sku = await productWhoseCancellations(db, outcome);
        const c = await newCustomer();
        const orderId = await buyAt(db, h, w.a, c, [{ ...sku, quantity: 1 }]);
        const { noticeId } = await h.service.notice(admin(), c.id, { orderId });
        const { cancellation } = await h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
        assert.equal((await h.tracker.track(cancellation.cancellationId)).status, status);
        assert.equal(await ledgerStatus(db, orderId), 'active');
        assert.equal(await count('SELECT count(*) AS n FROM credits WHERE cancellation_id = $1 AND booked_at IS NOT NULL', [cancellation.cancellationId]), 0);
        const [n] = await notificationsOf(db, cancellation.cancellationId);
        assert.equal(n?.message.kind, 'cancellationFailed');
        assert.equal(n?.message.reason, status);
        // A new attempt is possible afterwards.
        const again = await h.service.notice(admin(), c.id, { orderId });
        assert.equal(again.options.length, 1);
      }
    });

    it('the backend refuses at request time (window passed there): failed with 900117, purchase active, told', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      const { noticeId } = await h.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      h.clock.now = new Date(T0.getTime() + 61 * DAY_MS); // the job ran late: the backend's window closed meanwhile
      assert.equal((await h.tracker.track(cancellation.cancellationId)).status, 'failed');
      assert.equal((await cancellationRows(db, orderId))[0]!.failure_code, '900117');
      assert.equal((await notificationsOf(db, cancellation.cancellationId))[0]!.message.reason, 'window_passed');
      assert.equal(await ledgerStatus(db, orderId), 'active');
    });

    it('a transient backend error (a timeout, a 429) uses no attempt: the next look is later, with the same request id; one cancellation at the backend', async () => {
      const c = await newCustomer();
      const orderId = await buyAt(db, h, w.a, c, [ws]);
      const { noticeId } = await h.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await h.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      const real = h.commerce.requestCancellation.bind(h.commerce);
      const seen: string[] = [];
      const stub = sinon.stub(h.commerce, 'requestCancellation').callsFake(async (partnerId, req) => {
        seen.push(req.requestId);
        if (seen.length === 1) {
          await real(partnerId, req); // the backend did it, but the answer was lost (a timeout)
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        if (seen.length === 2) throw Object.assign(new Error('429 Too Many Requests'), { retryAfterMs: 1000 });
        return real(partnerId, req);
      });
      try {
        assert.deepEqual(await h.tracker.track(cancellation.cancellationId), { status: 'pending', polls: 1, nextCheckInMs: 15_000 });
        const { rows: [after1] } = await db.query<{ status: string; errors: number; last_error: string }>('SELECT status, errors, last_error FROM cancellations WHERE id = $1', [cancellation.cancellationId]);
        assert.deepEqual([after1!.status, after1!.errors], ['requested', 1]);
        assert.match(after1!.last_error, /socket hang up/);
        assert.deepEqual(await h.tracker.track(cancellation.cancellationId), { status: 'pending', polls: 2, nextCheckInMs: 30_000 });
        assert.equal((await h.tracker.track(cancellation.cancellationId)).status, 'finished');
      } finally {
        stub.restore();
      }
      assert.equal(new Set(seen).size, 1, 'one request id on every try');
      assert.equal(await count('SELECT count(*) AS n FROM order_cancellations WHERE order_id = $1', [orderId]), 1);
      assert.equal((await notificationsOf(db, cancellation.cancellationId)).length, 1);
    });

    it('the deadline counts from when the backend took it: a first look an hour late (the worker was down) is no delay of the backend\'s', async () => {
      const slow = createCancellationHarness(db, T0, { delayMs: 10 * 60_000 }, 30);
      const c = await newCustomer();
      const orderId = await buyAt(db, slow, w.a, c, [ws]);
      const { noticeId } = await slow.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await slow.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      slow.clock.now = new Date(T0.getTime() + 61 * 60_000);
      assert.deepEqual(await slow.tracker.track(cancellation.cancellationId), { status: 'pending', polls: 1, nextCheckInMs: 1000 });
      const { rows: [row] } = await db.query<{ status: string; deadline_at: Date; overdue_at: Date | null }>('SELECT status, deadline_at, overdue_at FROM cancellations WHERE id = $1', [cancellation.cancellationId]);
      assert.equal(row!.status, 'submitted');
      assert.equal(row!.deadline_at.toISOString(), new Date(T0.getTime() + 91 * 60_000).toISOString());
      assert.equal(row!.overdue_at, null);
      assert.deepEqual(await notificationsOf(db, cancellation.cancellationId), []);
      assert.equal(await ledgerStatus(db, orderId), 'cancelling');
    });

    it('past the deadline while pending: the requester is told once that it takes longer; it is still followed, and a late finish is finished here (revoked, credited, told)', async () => {
      const slow = createCancellationHarness(db, T0, { delayMs: 3 * 3_600_000 }, 30, [1000, 5000], { slowPollMs: 15 * 60_000 });
      const c = await newCustomer();
      const orderId = await buyAt(db, slow, w.a, c, [ws]);
      const { noticeId } = await slow.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await slow.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      const id = cancellation.cancellationId;
      assert.equal((await slow.tracker.track(id)).status, 'pending');
      slow.clock.now = new Date(T0.getTime() + 29 * 60_000 + 59_000);
      const r = await slow.tracker.track(id);
      assert.ok(r.status === 'pending' && r.nextCheckInMs <= 1000, 'the next look is no later than the deadline');
      assert.deepEqual(await notificationsOf(db, id), []);
      slow.clock.now = new Date(T0.getTime() + 30 * 60_000);
      assert.deepEqual(await slow.tracker.track(id), { status: 'pending', polls: 3, nextCheckInMs: 15 * 60_000 });
      slow.clock.now = new Date(T0.getTime() + 45 * 60_000);
      assert.equal((await slow.tracker.track(id)).status, 'pending');
      const told = await notificationsOf(db, id);
      assert.deepEqual(told.map((n) => [n.message.kind, n.message.minutes]), [['cancellationDelayed', 30]], 'told once');
      assert.equal(await ledgerStatus(db, orderId), 'cancelling', 'still cancelling: the backend may finish it');
      slow.clock.now = new Date(T0.getTime() + 3 * 3_600_000);
      assert.equal((await slow.tracker.track(id)).status, 'finished');
      assert.equal(await ledgerStatus(db, orderId), 'cancelled');
      assert.deepEqual((await notificationsOf(db, id)).map((n) => n.message.kind), ['cancellationDelayed', 'cancellationFinished']);
    });

    it('given up days after the deadline: timed out, the purchase active again, the requester told; a new cancel once Partner Center has cancelled it finishes it here', async () => {
      const slow = createCancellationHarness(db, T0, { delayMs: 10 * 3_600_000 }, 30, [1000, 5000], { giveUpAfterMs: 2 * 3_600_000 });
      const c = await newCustomer();
      const orderId = await buyAt(db, slow, w.a, c, [ws]);
      const first = await slow.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await slow.service.submit(admin(), { customerId: c.id, orderId, noticeId: first.noticeId, acknowledged: true });
      assert.equal((await slow.tracker.track(cancellation.cancellationId)).status, 'pending');
      slow.clock.now = new Date(T0.getTime() + 30 * 60_000);
      assert.equal((await slow.tracker.track(cancellation.cancellationId)).status, 'pending');
      slow.clock.now = new Date(T0.getTime() + 150 * 60_000);
      assert.equal((await slow.tracker.track(cancellation.cancellationId)).status, 'timed_out');
      assert.equal(await ledgerStatus(db, orderId), 'active');
      const told = await notificationsOf(db, cancellation.cancellationId);
      assert.deepEqual(told.map((n) => [n.message.kind, n.message.reason, n.message.followedMinutes]), [['cancellationDelayed', undefined, undefined], ['cancellationFailed', 'timed_out', 150]]);

      // Partner Center finished it meanwhile (its delay is over): `cancel` again, and the bot's side is done.
      slow.clock.now = new Date(T0.getTime() + 11 * 3_600_000);
      const again = await slow.service.notice(admin(), c.id, { orderId });
      const second = await slow.service.submit(admin(), { customerId: c.id, orderId, noticeId: again.noticeId, acknowledged: true });
      assert.equal((await slow.tracker.track(second.cancellation.cancellationId)).status, 'finished');
      assert.equal(await ledgerStatus(db, orderId), 'cancelled');
      assert.equal(await count('SELECT count(*) AS n FROM order_cancellations WHERE order_id = $1', [orderId]), 1, 'no second cancellation at the backend');
    });

    it('the backend is busy with an earlier cancellation of the order (e.g. made in Partner Center itself): followed until it ends, then finished here', async () => {
      const slow = createCancellationHarness(db, T0, { delayMs: 20 * 60_000 });
      const c = await newCustomer();
      const orderId = await buyAt(db, slow, w.a, c, [ws]);
      const { noticeId } = await slow.service.notice(admin(), c.id, { orderId });
      const { cancellation } = await slow.service.submit(admin(), { customerId: c.id, orderId, noticeId, acknowledged: true });
      await slow.commerce.requestCancellation(w.a.partnerId, { customerId: c.id, orderId, lineNumbers: [0], requestId: randomUUID() });
      assert.deepEqual(await slow.tracker.track(cancellation.cancellationId), { status: 'pending', polls: 1, nextCheckInMs: 1000 });
      assert.equal((await cancellationRows(db, orderId))[0]!.status, 'requested', 'the backend has not taken this request');
      slow.clock.now = new Date(T0.getTime() + 20 * 60_000);
      assert.equal((await slow.tracker.track(cancellation.cancellationId)).status, 'finished');
      assert.equal(await ledgerStatus(db, orderId), 'cancelled');
      assert.equal(await count('SELECT count(*) AS n FROM order_cancellations WHERE order_id = $1', [orderId]), 1);
    });

    it('sweep: a live cancellation whose job was lost (its next look long overdue) gets a new job, once; a finished one none', async () => {
      const c = await newCustomer();
      const lost = await buyAt(db, h, w.a, c, [ws]);
      const n1 = await h.service.notice(admin(), c.id, { orderId: lost });
      const { cancellation } = await h.service.submit(admin(), { customerId: c.id, orderId: lost, noticeId: n1.noticeId, acknowledged: true });
      const id = cancellation.cancellationId;
      h.clock.now = new Date(T0.getTime() + 9 * 60_000);
      assert.ok(!(await h.tracker.sweep()).includes(id), 'not yet: a job may merely be late');
      h.clock.now = new Date(T0.getTime() + 11 * 60_000);
      assert.ok((await h.tracker.sweep()).includes(id));
      assert.ok(!(await h.tracker.sweep()).includes(id), 'once');
      const { rows } = await db.query<{ job_id: string; data: unknown }>("SELECT job_id, data FROM job_outbox WHERE queue = 'cancellation-tracking' AND job_id LIKE $1 ORDER BY id", [`cancellation-${id}%`]);
      assert.deepEqual(rows.map((r) => [r.job_id, r.data]), [[`cancellation-${id}`, { cancellationId: id }], [`cancellation-${id}-s1`, { cancellationId: id }]]);
      assert.equal((await h.tracker.track(id)).status, 'finished');
      h.clock.now = new Date(T0.getTime() + 60 * 60_000);
      assert.ok(!(await h.tracker.sweep()).includes(id));
    });

    it('the notification goes to the personal chat; without one, to the conversation the cancellation was submitted from — never to another shared one', async () => {
      const p = await createPartner(db, 'Partner without a personal chat');
      const actor = actorOf(p, ADMIN);
      const c = await createCustomer(db, p, { companyName: 'Notify Target GmbH', billingCountry: 'DE' });
      const conversation = async (type: string) => {
        const conversationId = `19:${randomUUID()}@thread.v2`;
        const { rows } = await db.query<{ id: string }>(
          `INSERT INTO conversation_refs (partner_id, channel, conversation_id, user_id, conversation_type, reference) VALUES ($1, 'msteams', $2, $3, $4, '{}') RETURNING id`,
          [p.partnerId, conversationId, p.userId, type],
        );
        return { id: rows[0]!.id, conversationId };
      };
      const group = await conversation('groupChat');
      await conversation('channel'); // written in later: the most recent, but not where the user asked
      const orderId = await buyAt(db, h, p, c, [ws]);
      const n = await h.service.notice(actor, c.id, { orderId });
      const { cancellation } = await h.service.submit(actor, { customerId: c.id, orderId, noticeId: n.noticeId, acknowledged: true, conversation: { channel: 'msteams', conversationId: group.conversationId } });
      assert.equal((await h.tracker.track(cancellation.cancellationId)).status, 'finished');
      const { rows } = await db.query<{ conversation_ref_id: string }>("SELECT conversation_ref_id FROM notifications WHERE dedupe_key = 'cancellation-finished:' || $1", [cancellation.cancellationId]);
      assert.deepEqual(rows.map((r) => r.conversation_ref_id), [group.id]);

      // Submitted from nowhere known (no conversation given): recorded, nobody told in a shared conversation.
      const other = await buyAt(db, h, p, c, [ws]);
      const n2 = await h.service.notice(actor, c.id, { orderId: other });
      const second = await h.service.submit(actor, { customerId: c.id, orderId: other, noticeId: n2.noticeId, acknowledged: true });
      assert.equal((await h.tracker.track(second.cancellation.cancellationId)).status, 'finished');
      assert.deepEqual(await notificationsOf(db, second.cancellation.cancellationId), []);
    });

    it('an unknown or malformed cancellation id changes nothing', async () => {
      assert.deepEqual(await h.tracker.track('999999999'), { status: 'missing' });
      assert.deepEqual(await h.tracker.track('1; DROP TABLE x'), { status: 'missing' });
    });
  });
});
