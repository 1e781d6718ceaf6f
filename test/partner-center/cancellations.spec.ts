import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import sinon from 'sinon';
import { CommerceError, type CommerceRefusal } from '../../services/commerce/errors.js';
import type { CancellationProgress, CancellationRequest } from '../../services/commerce/types.js';
import type { Db } from '../../services/db/pool.js';
import { withCorrelation } from '../../services/logger.js';
import { ABANDONED_AFTER_MS, PartnerCenterCancellations } from '../../services/partner-center/cancellations.js';
import { guidFrom } from '../../services/partner-center/correlation.js';
import { PartnerCenterError } from '../../services/partner-center/errors.js';
import { PartnerCenterHttp, type PartnerCenterHttpOptions } from '../../services/partner-center/http.js';
import {
  cancellationRefusals as refusals,
  partnerCenterReplies as replies,
  startFakePartnerCenter,
  type FakeCancellationMode,
  type FakePartnerCenter,
  type PartnerCenterOrderJson,
  type PartnerCenterReply,
  fakePartnerCenterClient,
} from '../fakes/partner-center.js';
import { testDb } from '../support/db.js';
import { createPartner, type TestPartner } from '../support/factories.js';

const DAY = 86_400_000;
/** The documented example's offers (cancel-software-purchases.md). */
const SQL_SERVER = 'DG7GMGF0FKZV:0003:DG7GMGF0DWMS';
const WINDOWS_CAL = 'DG7GMGF0DVT7:000C:DG7GMGF0FVZM';

interface RecordedRow {
  customer_id: string;
  order_id: string;
  line_numbers: number[];
  state: string;
  requested_at: Date;
  accepted_at: Date | null;
  finished_at: Date | null;
  failure_code: string | null;
  failure_message: string | null;
}

describe('services/partner-center/cancellations', () => {
  let fake: FakePartnerCenter;
  let db: Db;
  let partner: TestPartner;
  let clock: Date;
  const sandbox = sinon.createSandbox();

  before(async () => {
    fake = await startFakePartnerCenter();
    db = testDb();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    partner = await createPartner(db);
    clock = new Date('2026-03-02T10:00:00Z');
  });
  afterEach(() => {
    sandbox.restore();
  });

  function client(overrides: Partial<PartnerCenterHttpOptions> = {}): PartnerCenterHttp {
    return fakePartnerCenterClient(fake, overrides);
  }

  function service(http = client()): PartnerCenterCancellations {
    return new PartnerCenterCancellations({ http, db, partnerId: partner.id, now: () => clock });
  }

  /** An order of two lines (SQL Server, Windows Server CAL), bought 5 days ago unless said otherwise. */
  function order(opts: { cancellation?: FakeCancellationMode; creationDate?: Date; quantities?: [number, number] } = {}): PartnerCenterOrderJson {
    const [q0, q1] = opts.quantities ?? [1, 1];
    return fake.addOrder({
      customerId: randomUUID(),
      creationDate: opts.creationDate ?? new Date(clock.getTime() - 5 * DAY),
      lineItems: [
        { lineItemNumber: 0, offerId: SQL_SERVER, friendlyName: 'SQL Server Enterprise - 2 Core License Pack - 3 year', quantity: q0 },
        { lineItemNumber: 1, offerId: WINDOWS_CAL, friendlyName: 'Windows Server CAL - 1 Device CAL - 3 year', quantity: q1 },
      ],
      ...(opts.cancellation ? { cancellation: opts.cancellation } : {}),
    });
  }

  const cancel = (o: PartnerCenterOrderJson, lineNumbers: number[] = [0], requestId: string = randomUUID()): CancellationRequest => ({
    customerId: o.referenceCustomerId,
    orderId: o.id,
    lineNumbers,
    requestId,
  });
  const statusOf = (req: CancellationRequest) => ({ orderId: req.orderId, requestId: req.requestId });
  const referenceOf = (req: CancellationRequest) => ({ orderId: req.orderId, requestId: req.requestId, lineNumbers: [...req.lineNumbers].sort((a, b) => a - b) });

  /** The recorded request's state and when Partner Center first answered its PATCH. */
  const stateOf = async (requestId: string) => {
    const row = await recorded(requestId);
    return { state: row?.state, acceptedAt: row?.accepted_at };
  };

  async function recorded(requestId: string): Promise<RecordedRow | undefined> {
    const { rows } = await db.query<RecordedRow>('SELECT * FROM partner_center_cancellations WHERE partner_id = $1 AND request_id = $2', [partner.id, requestId]);
    return rows[0];
  }

  /** For assert.rejects: a CommerceError with exactly this refusal. */
  const refusedWith = (expected: CommerceRefusal) => (err: unknown) => {
    assert.ok(err instanceof CommerceError, `expected a CommerceError, got ${String(err)}`);
    assert.deepEqual(err.refusal, expected);
    return true;
  };
  const quantities = (o: PartnerCenterOrderJson) => o.lineItems.map((l) => l.quantity);

  describe('requestCancellation', () => {
    it('reads the order, PATCHes the documented body with the caller’s request id, and answers finished when the line is at quantity 0', async () => {
      const o = order();
      const req = cancel(o, [0]);

      const progress = await withCorrelation('job:cancellation-tracking:42', () => service().requestCancellation(partner.id, req));

      assert.deepEqual(progress, { state: 'finished', reference: referenceOf(req), finishedAt: clock });
      assert.deepEqual(JSON.parse(JSON.stringify(progress.reference)), progress.reference, 'the reference is plain JSON');
      assert.deepEqual(fake.calls.map((c) => [c.kind, c.method, c.path]), [
        ['orders.get', 'GET', `/v1/customers/${o.referenceCustomerId}/orders/${o.id}`],
        ['orders.patch', 'PATCH', `/v1/customers/${o.referenceCustomerId}/orders/${o.id}`],
      ]);
      const [get, patch] = fake.calls;
      assert.deepEqual(patch!.body, { id: o.id, status: 'cancelled', lineItems: [{ lineItemNumber: 0, offerId: SQL_SERVER }] });
      assert.equal(patch!.headers['ms-requestid'], req.requestId);
      assert.notEqual(get!.headers['ms-requestid'], req.requestId, 'the read is an operation of its own');
      const correlationId = guidFrom('job:cancellation-tracking:42');
      assert.deepEqual(fake.calls.map((c) => c.headers['ms-correlationid']), [correlationId, correlationId]);

      assert.deepEqual(quantities(o), [0, 1]);
      assert.equal(o.status, 'completed', 'a partial cancellation leaves the order completed');
      const row = await recorded(req.requestId);
      assert.deepEqual(
        { state: row?.state, lines: row?.line_numbers, customer: row?.customer_id, requestedAt: row?.requested_at, acceptedAt: row?.accepted_at, finishedAt: row?.finished_at },
        { state: 'finished', lines: [0], customer: o.referenceCustomerId, requestedAt: clock, acceptedAt: clock, finishedAt: clock },
      );
    });

    it('cancelling every line cancels the order; lines are sent distinct and in order', async () => {
      const o = order();
      const req = cancel(o, [1, 0, 1]);

      const progress = await service().requestCancellation(partner.id, req);

      assert.equal(progress.state, 'finished');
      assert.deepEqual(progress.reference, { orderId: o.id, requestId: req.requestId, lineNumbers: [0, 1] });
      assert.deepEqual(fake.callsTo('orders.patch')[0]!.body.lineItems, [{ lineItemNumber: 0, offerId: SQL_SERVER }, { lineItemNumber: 1, offerId: WINDOWS_CAL }]);
      assert.equal(o.status, 'cancelled');
    });

    it('a cancellation that stays pending: pending, then finished when cancellationStatus reads the lines at quantity 0', async () => {
      const o = order({ cancellation: { mode: 'pending', reads: 3 } });
      const req = cancel(o, [1]);
      const cancellations = service();

      const first = await cancellations.requestCancellation(partner.id, req);
      assert.deepEqual(first, { state: 'pending', reference: referenceOf(req) });
      assert.deepEqual(await stateOf(req.requestId), { state: 'pending', acceptedAt: clock });

      const answers: CancellationProgress['state'][] = [];
      let progress: CancellationProgress = first;
      const acceptedAt = clock;
      for (let look = 0; look < 10 && progress.state === 'pending'; look++) {
        clock = new Date(clock.getTime() + 60_000);
        progress = await cancellations.cancellationStatus(partner.id, statusOf(req));
        answers.push(progress.state);
      }

      assert.deepEqual(answers, ['pending', 'pending', 'finished'], 'the fake’s third read shows the line cancelled');
      assert.deepEqual(progress, { state: 'finished', reference: referenceOf(req), finishedAt: clock });
      assert.equal(fake.callsTo('orders.patch').length, 1);
      assert.equal(fake.callsTo('orders.get').length, 4, 'one read before the PATCH, one per look');
      const row = await recorded(req.requestId);
      assert.deepEqual({ state: row?.state, acceptedAt: row?.accepted_at, finishedAt: row?.finished_at }, { state: 'finished', acceptedAt, finishedAt: clock });

      // Finished: answered from the record, no call, the same finishedAt.
      const calls = fake.calls.length;
      clock = new Date(clock.getTime() + DAY);
      assert.deepEqual(await cancellations.cancellationStatus(partner.id, statusOf(req)), progress);
      assert.equal(fake.calls.length, calls);
    });

    it('the same request id twice: one PATCH, the same answer (finished, and pending)', async () => {
      const done = order();
      const req = cancel(done);
      const first = await service().requestCancellation(partner.id, req);
      clock = new Date(clock.getTime() + 60_000);
      const again = await service().requestCancellation(partner.id, { ...req, lineNumbers: [...req.lineNumbers] });

      assert.deepEqual(again, first);
      assert.equal(fake.callsTo('orders.patch').length, 1);
      assert.equal(fake.cancellations.length, 1);

      const slow = order({ cancellation: { mode: 'pending', reads: 5 } });
      const pendingReq = cancel(slow);
      assert.equal((await service().requestCancellation(partner.id, pendingReq)).state, 'pending');
      assert.deepEqual(await service().requestCancellation(partner.id, pendingReq), { state: 'pending', reference: referenceOf(pendingReq) });
      assert.equal(fake.callsTo('orders.patch').length, 2, 'one PATCH per request id');
      assert.equal(fake.cancellations.length, 2);
    });

    it('the same request id at once, twice: one cancellation at Partner Center, the same answer', async () => {
      const o = order();
      const req = cancel(o);

      const [a, b] = await Promise.all([service().requestCancellation(partner.id, req), service().requestCancellation(partner.id, req)]);

      assert.deepEqual(a, b);
      assert.equal(a.state, 'finished');
      assert.equal(fake.cancellations.length, 1);
      assert.ok(fake.callsTo('orders.patch').every((c) => c.headers['ms-requestid'] === req.requestId));
    });

    it('two request ids for one order at once: one PATCH, the other is cancellation_in_progress', async () => {
      const o = order({ cancellation: { mode: 'pending', reads: 5 } });

      const answers = await Promise.allSettled([service().requestCancellation(partner.id, cancel(o, [0])), service().requestCancellation(partner.id, cancel(o, [1]))]);

      assert.deepEqual(answers.map((a) => a.status).sort(), ['fulfilled', 'rejected']);
      const rejected = answers.find((a) => a.status === 'rejected');
      assert.ok(refusedWith({ code: 'cancellation_in_progress' })(rejected?.reason));
      assert.equal(fake.callsTo('orders.patch').length, 1);
    });

    const firstPatchFails: Array<{ name: string; reply: PartnerCenterReply; timeoutMs?: number; statuses: number[] }> = [
      // The fake carries the PATCH out at arrival and answers too late for the client.
      { name: 'a PATCH whose answer is lost to a timeout', reply: replies.slow(10_000), timeoutMs: 1_000, statuses: [200, 200] },
      { name: 'a 503 on the PATCH', reply: replies.unavailable(503), statuses: [503, 200] },
    ];
    for (const c of firstPatchFails) {
      it(`${c.name} is repeated by the client with the same MS-RequestId, and Partner Center carries it out once`, async () => {
        const o = order();
        const req = cancel(o);
        let failed = false;
        fake.script((call) => {
          if (call.kind !== 'orders.patch' || failed) return undefined;
          failed = true;
          return c.reply;
        });

        const progress = await service(client(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {})).requestCancellation(partner.id, req);

        assert.equal(progress.state, 'finished');
        assert.deepEqual(fake.callsTo('orders.patch').map((p) => [p.status, p.headers['ms-requestid']]), c.statuses.map((status) => [status, req.requestId]));
        assert.deepEqual(fake.cancellations.map((x) => [x.orderId, x.requestId, x.lineItemNumbers]), [[o.id, req.requestId, [0]]], 'one effect');
      });
    }

    it('refuses without a call: no lines, a request id that is not a UUID, another partner', async () => {
      const o = order();
      const other = await createPartner(db, 'Other Partner');

      await assert.rejects(service().requestCancellation(partner.id, cancel(o, [])), refusedWith({ code: 'invalid_cancellation', reason: 'no_lines' }));
      await assert.rejects(service().requestCancellation(partner.id, cancel(o, [0], 'not-a-uuid')), refusedWith({ code: 'invalid_cancellation', reason: 'request_id' }));
      await assert.rejects(service().requestCancellation(partner.id, { ...cancel(o), customerId: 'not-a-guid' }), refusedWith({ code: 'order_not_found' }));
      await assert.rejects(service().requestCancellation(partner.id, { ...cancel(o), orderId: '../../customers' }), refusedWith({ code: 'order_not_found' }));
      await assert.rejects(service().requestCancellation(other.id, cancel(o)), refusedWith({ code: 'order_not_found' }));

      assert.equal(fake.calls.length, 0);
      const { rows } = await db.query('SELECT 1 FROM partner_center_cancellations WHERE partner_id = ANY($1::bigint[])', [[partner.id, other.id]]);
      assert.equal(rows.length, 0, 'nothing recorded');
    });

    it('an unknown order (404), another partner’s tenant (403) and another customer’s order are order_not_found; nothing PATCHed or recorded', async () => {
      const o = order();
      const foreign = fake.addOtherPartnersTenant();
      const requests = [{ ...cancel(o), orderId: 'NoSuchOrder123' }, { ...cancel(o), customerId: foreign }, { ...cancel(o), customerId: randomUUID() }];

      for (const req of requests) {
        await assert.rejects(service().requestCancellation(partner.id, req), refusedWith({ code: 'order_not_found' }));
        assert.equal(await recorded(req.requestId), undefined);
      }
      assert.deepEqual(fake.calls.map((c) => [c.kind, c.status]), [['orders.get', 404], ['orders.get', 403], ['orders.get', 404]]);
    });

    it('a line the order does not have is invalid_cancellation unknown_line; nothing PATCHed or recorded', async () => {
      const o = order();
      const req = cancel(o, [0, 7]);

      await assert.rejects(service().requestCancellation(partner.id, req), refusedWith({ code: 'invalid_cancellation', reason: 'unknown_line' }));

      assert.deepEqual(fake.calls.map((c) => c.kind), ['orders.get']);
      assert.equal(await recorded(req.requestId), undefined);
    });

    it('a request id used for another order is invalid_cancellation request_id', async () => {
      const first = order();
      const second = order();
      const req = cancel(first);
      await service().requestCancellation(partner.id, req);

      await assert.rejects(
        service().requestCancellation(partner.id, cancel(second, [0], req.requestId)),
        refusedWith({ code: 'invalid_cancellation', reason: 'request_id' }),
      );
      await assert.rejects(service().cancellationStatus(partner.id, { orderId: second.id, requestId: req.requestId }), refusedWith({ code: 'cancellation_not_found' }));
      assert.deepEqual(quantities(second), [1, 1]);
      assert.equal(fake.callsTo('orders.patch').length, 1);
    });

    it('lines already at quantity 0 are already_cancelled — also after a cancellation of ours; one live line left is cancelled', async () => {
      const o = order({ quantities: [0, 1] });

      await assert.rejects(service().requestCancellation(partner.id, cancel(o, [0])), refusedWith({ code: 'already_cancelled' }));
      assert.equal(fake.callsTo('orders.patch').length, 0);

      await service().requestCancellation(partner.id, cancel(o, [1]));
      await assert.rejects(service().requestCancellation(partner.id, cancel(o, [0, 1])), refusedWith({ code: 'already_cancelled' }));
      assert.equal(fake.callsTo('orders.patch').length, 1);
      assert.equal(o.status, 'cancelled');
    });

    it('another cancellation of the order under way is cancellation_in_progress; once it has finished the order may be cancelled again', async () => {
      const o = order({ cancellation: { mode: 'pending', reads: 2 } });
      const first = cancel(o, [0]);
      await service().requestCancellation(partner.id, first);

      const second = cancel(o, [1]);
      await assert.rejects(service().requestCancellation(partner.id, second), refusedWith({ code: 'cancellation_in_progress' }));
      assert.equal(fake.callsTo('orders.patch').length, 1);
      assert.equal(await recorded(second.requestId), undefined);

      // The read of the next request is the fake's second since the PATCH: line 0 is at 0, so the first has finished.
      fake.cancellationMode(o.id, { mode: 'immediate' });
      const third = cancel(o, [1]);
      assert.equal((await service().requestCancellation(partner.id, third)).state, 'finished');
      assert.equal((await recorded(first.requestId))?.state, 'finished', 'the first was found finished on the way');
      assert.deepEqual(quantities(o), [0, 0]);
    });
  });

  describe('Partner Center’s refusals', () => {
    const cases: Array<{ name: string; reply: () => PartnerCenterReply; creationDaysAgo?: number; expected: (o: PartnerCenterOrderJson) => CommerceRefusal; code: string }> = [
      {
        name: '900117 → cancellation_window_passed, closedAt the order’s creationDate + the 30 days Partner Center names',
        reply: () => refusals.windowPassed(30),
        creationDaysAgo: 45,
        expected: (o) => ({ code: 'cancellation_window_passed', closedAt: new Date(Date.parse(o.creationDate) + 30 * DAY).toISOString() }),
        code: '900117',
      },
      {
        name: '900117 naming 60 days → closedAt creationDate + 60 days',
        reply: () => refusals.windowPassed(60),
        creationDaysAgo: 61,
        expected: (o) => ({ code: 'cancellation_window_passed', closedAt: new Date(Date.parse(o.creationDate) + 60 * DAY).toISOString() }),
        code: '900117',
      },
      {
        name: '900117 naming no days → closedAt creationDate + 30 days',
        reply: () => replies.classicError(400, '900117', 'We are unable to cancel your purchase'),
        creationDaysAgo: 40,
        expected: (o) => ({ code: 'cancellation_window_passed', closedAt: new Date(Date.parse(o.creationDate) + 30 * DAY).toISOString() }),
        code: '900117',
      },
      { name: '800061 → not_cancellable, the first requested line', reply: refusals.orderNotCancellable, expected: () => ({ code: 'not_cancellable', lineNumber: 0 }), code: '800061' },
      { name: '800063 → not_cancellable', reply: () => refusals.useSubscriptionPatch('o', 'c'), expected: () => ({ code: 'not_cancellable', lineNumber: 0 }), code: '800063' },
      { name: '800019 (403) → not_cancellable', reply: refusals.sandboxOnly, expected: () => ({ code: 'not_cancellable', lineNumber: 0 }), code: '800019' },
      { name: '800077 (403) → not_cancellable', reply: refusals.seatBasedSaas, expected: () => ({ code: 'not_cancellable', lineNumber: 0 }), code: '800077' },
      { name: '800014 (409) → cancellation_in_progress', reply: refusals.pendingAdjustment, expected: () => ({ code: 'cancellation_in_progress' }), code: '800014' },
      { name: '800060 (409) → cancellation_in_progress', reply: refusals.orderInProgress, expected: () => ({ code: 'cancellation_in_progress' }), code: '800060' },
    ];
    for (const c of cases) {
      it(`${c.name}; the recorded request is marked failed, and a repeat answers failed from the record`, async () => {
        const reply = c.reply();
        const o = order({ cancellation: { mode: 'refuse', reply }, creationDate: new Date(clock.getTime() - (c.creationDaysAgo ?? 5) * DAY) });
        const req = cancel(o, [1, 0]);

        await assert.rejects(service().requestCancellation(partner.id, req), refusedWith(c.expected(o)));

        const description = (reply.body as { description: string }).description;
        const row = await recorded(req.requestId);
        assert.deepEqual(
          { state: row?.state, code: row?.failure_code, message: row?.failure_message, finishedAt: row?.finished_at, acceptedAt: row?.accepted_at },
          { state: 'failed', code: c.code, message: description, finishedAt: clock, acceptedAt: null },
        );
        assert.deepEqual(quantities(o), [1, 1]);
        const failed = { state: 'failed', reference: referenceOf(req), code: c.code, message: description };
        assert.deepEqual(await service().requestCancellation(partner.id, req), failed);
        assert.deepEqual(await service().cancellationStatus(partner.id, statusOf(req)), failed);
        assert.equal(fake.callsTo('orders.patch').length, 1, 'never PATCHed again');
      });
    }

    it('any other 4xx is a failed progress with Partner Center’s code, not an exception; a 403 without a code is http_403', async () => {
      const bad = order({ cancellation: { mode: 'refuse', reply: replies.classicError(400, 0, 'The provided value is not valid.') } });
      const badReq = cancel(bad);
      assert.deepEqual(await service().requestCancellation(partner.id, badReq), {
        state: 'failed',
        reference: referenceOf(badReq),
        code: '0',
        message: 'The provided value is not valid.',
      });
      assert.equal((await recorded(badReq.requestId))?.state, 'failed');

      const forbidden = order({ cancellation: { mode: 'refuse', reply: { status: 403 } } });
      const forbiddenReq = cancel(forbidden);
      const progress = await service().requestCancellation(partner.id, forbiddenReq);
      assert.equal(progress.state, 'failed');
      assert.equal(progress.state === 'failed' && progress.code, 'http_403');
      assert.equal(fake.callsTo('orders.patch').length, 2, 'a refusal is not repeated by the client');
    });
  });

  describe('transient failures', () => {
    const cases: Array<{ name: string; reply: PartnerCenterReply; kind: PartnerCenterError['kind']; status: number; patches: number }> = [
      { name: 'a 503 that does not end (after the client’s 3 retries)', reply: replies.unavailable(503), kind: 'unavailable', status: 503, patches: 4 },
      { name: 'a 429 asking for longer than the call may wait', reply: replies.throttled(3_600), kind: 'throttled', status: 429, patches: 1 },
    ];
    for (const c of cases) {
      it(`${c.name} is thrown as PartnerCenterError; the request stays pending and a repeat sends the PATCH again with the same MS-RequestId`, async () => {
        const o = order();
        const req = cancel(o);
        fake.script((call) => (call.kind === 'orders.patch' ? c.reply : undefined));

        await assert.rejects(service().requestCancellation(partner.id, req), (err: unknown) => {
          assert.ok(err instanceof PartnerCenterError, `expected a PartnerCenterError, got ${String(err)}`);
          assert.deepEqual({ kind: err.kind, status: err.status, requestId: err.requestId }, { kind: c.kind, status: c.status, requestId: req.requestId });
          return true;
        });
        assert.equal(fake.callsTo('orders.patch').length, c.patches);
        assert.deepEqual(await stateOf(req.requestId), { state: 'pending', acceptedAt: null });
        assert.deepEqual(await service().cancellationStatus(partner.id, statusOf(req)), { state: 'pending', reference: referenceOf(req) });

        // Partner Center is back: the caller repeats with the same request id.
        fake.script(undefined);
        assert.equal((await service().requestCancellation(partner.id, req)).state, 'finished');
        const patches = fake.callsTo('orders.patch');
        assert.equal(patches.length, c.patches + 1);
        assert.ok(patches.every((p) => p.headers['ms-requestid'] === req.requestId));
        assert.equal(fake.cancellations.length, 1);
      });
    }

    it('a crash between recording and the PATCH: cancellationStatus reads the order and answers pending; a repeat sends the PATCH once', async () => {
      const o = order();
      const req = cancel(o);
      const http = client();
      const request = http.request.bind(http);
      // The process dies as it is about to send the PATCH: the request is recorded, Partner Center never asked.
      const patch = sandbox.stub(http, 'request').callsFake((op) => (op.method === 'PATCH' ? Promise.reject(new Error('worker killed')) : request(op)));

      await assert.rejects(service(http).requestCancellation(partner.id, req), /worker killed/);
      assert.equal(patch.callCount, 2, 'the read, then the PATCH that never left');
      assert.equal(fake.callsTo('orders.patch').length, 0);
      assert.equal((await recorded(req.requestId))?.state, 'pending');

      sandbox.restore();
      assert.deepEqual(await service().cancellationStatus(partner.id, statusOf(req)), { state: 'pending', reference: referenceOf(req) });
      assert.deepEqual(fake.calls.map((c) => c.kind), ['orders.get', 'orders.get']);

      assert.equal((await service().requestCancellation(partner.id, req)).state, 'finished');
      assert.deepEqual(fake.callsTo('orders.patch').map((c) => c.headers['ms-requestid']), [req.requestId]);
      assert.equal((await service().requestCancellation(partner.id, req)).state, 'finished');
      assert.equal(fake.callsTo('orders.patch').length, 1);
    });

    it('a cancellation never answered and not repeated for an hour is superseded by a later one of the order; before that the later one is cancellation_in_progress', async () => {
      const o = order();
      const abandoned = cancel(o);
      fake.script((call) => (call.kind === 'orders.patch' ? { drop: true } : undefined));
      await assert.rejects(service(client({ maxRetries: 0 })).requestCancellation(partner.id, abandoned));
      fake.script(undefined);
      assert.deepEqual(await stateOf(abandoned.requestId), { state: 'pending', acceptedAt: null });

      clock = new Date(clock.getTime() + ABANDONED_AFTER_MS - 60_000);
      await assert.rejects(service().requestCancellation(partner.id, cancel(o)), refusedWith({ code: 'cancellation_in_progress' }));

      clock = new Date(clock.getTime() + 2 * 60_000);
      const later = cancel(o);
      assert.equal((await service().requestCancellation(partner.id, later)).state, 'finished');
      assert.equal((await recorded(abandoned.requestId))?.state, 'failed');
      assert.equal((await recorded(abandoned.requestId))?.failure_code, 'superseded');
      assert.deepEqual(await service().cancellationStatus(partner.id, statusOf(abandoned)), {
        state: 'failed', reference: referenceOf(abandoned), code: 'superseded', message: 'Never answered by Partner Center and not repeated; superseded by a later cancellation of the order.',
      });
    });

    it('a repeated PATCH that meets an adjustment under way (800014) stays pending: most likely its own first PATCH', async () => {
      const o = order();
      const req = cancel(o);
      fake.script((call) => (call.kind === 'orders.patch' ? replies.unavailable(503) : undefined));
      await assert.rejects(service().requestCancellation(partner.id, req), PartnerCenterError);

      fake.script((call) => (call.kind === 'orders.patch' ? refusals.pendingAdjustment() : undefined));
      assert.deepEqual(await service().requestCancellation(partner.id, req), { state: 'pending', reference: referenceOf(req) });
      assert.equal((await recorded(req.requestId))?.state, 'pending');
    });
  });

  describe('cancellationStatus', () => {
    it('cancellation_not_found for a request id never recorded, one not a UUID, another order’s, or another partner’s — without a call', async () => {
      const o = order();
      const req = cancel(o);
      await service().requestCancellation(partner.id, req);
      const other = await createPartner(db, 'Other Partner');
      const calls = fake.calls.length;

      for (const [partnerId, ask] of [
        [partner.id, { orderId: o.id, requestId: randomUUID() }],
        [partner.id, { orderId: o.id, requestId: 'not-a-uuid' }],
        [partner.id, { orderId: 'AnotherOrder', requestId: req.requestId }],
        [other.id, statusOf(req)],
      ] as const) {
        await assert.rejects(service().cancellationStatus(partnerId, ask), refusedWith({ code: 'cancellation_not_found' }));
      }
      assert.equal(fake.calls.length, calls);
    });

    it('a failure to read the order of a pending cancellation is thrown as it is (transient for the port)', async () => {
      const o = order({ cancellation: { mode: 'pending', reads: 5 } });
      const req = cancel(o);
      await service().requestCancellation(partner.id, req);
      fake.script(() => replies.unavailable(503));

      await assert.rejects(service().cancellationStatus(partner.id, statusOf(req)), PartnerCenterError);
      assert.equal((await recorded(req.requestId))?.state, 'pending');
    });
  });
});
