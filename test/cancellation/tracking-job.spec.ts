/**
 * The cancellation-tracking job on real queues (Redis and BullMQ's PostgreSQL backend): from
 * the submit's outbox intent through the relay to the worker, which polls the backend until
 * it has finished and writes the requester's notification — once, also when the worker that
 * held the job is killed mid-job and another one takes it over.
 */
import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import type { Role } from '../../services/access/roles.js';
import type { Db } from '../../services/db/pool.js';
import { OutboxRelay } from '../../services/jobs/outbox.js';
import { JOB_NAMES, QUEUES, type JobBackend } from '../../services/jobs/queues.js';
import { createCustomer, createPartner, ensureDemoData, type TestPartner } from '../commerce/factories.js';
import { BACKEND_KINDS, TestBackends, eventually, isolatedDb, silentLogger, uniquePrefix } from '../jobs/support.js';
import { actorOf, WS_DATACENTER_1Y } from '../purchase/fixtures.js';
import { buyAt, cancellationRows, createCancellationHarness, givePersonalChat, notificationsOf, type CancellationHarness } from './fixtures.js';

const ADMIN: Role[] = ['admin_agent'];
const ws = { ...WS_DATACENTER_1Y, quantity: 8 };

for (const kind of BACKEND_KINDS) {
  describe(`cancellation tracking job (${kind} queue backend)`, function () {
    this.timeout(60_000);
    const backends = new TestBackends();
    let db: Db;
    let drop: () => Promise<void>;
    let partner: TestPartner;
    let backend: JobBackend;
    let prefix: string;
    let relay: OutboxRelay;

    before(async () => {
      ({ db, drop } = await isolatedDb(`cancel_${kind}`));
      await ensureDemoData(db);
      partner = await createPartner(db, `Cancel jobs ${kind}`);
      await givePersonalChat(db, partner);
      prefix = uniquePrefix();
      backend = backends.create(kind, { prefix, jobOptions: { 'cancellation-tracking': { attempts: 5, backoff: { type: 'fixed', delay: 100 } } } });
      relay = new OutboxRelay({ db, backend, logger: silentLogger, intervalMs: 50 });
      relay.start();
    });
    after(async () => {
      await relay.stop();
      await backends.cleanup();
      await drop();
    });

    async function submitted(h: CancellationHarness): Promise<{ orderId: string; cancellationId: string }> {
      const customer = await createCustomer(db, partner, { companyName: `Job customer ${Math.random().toString(36).slice(2, 8)}`, billingCountry: 'DE' });
      const orderId = await buyAt(db, h, partner, customer, [ws]);
      const actor = actorOf(partner, ADMIN);
      const { noticeId } = await h.service.notice(actor, customer.id, { orderId });
      const { cancellation } = await h.service.submit(actor, { customerId: customer.id, orderId, noticeId, acknowledged: true });
      return { orderId, cancellationId: cancellation.cancellationId };
    }

    const finishedOnce = (cancellationId: string) =>
      eventually(async () => {
        const n = await notificationsOf(db, cancellationId);
        return n.length === 1 && n[0]!.message.kind === 'cancellationFinished' ? n : null;
      }, { what: `the finished notification of cancellation ${cancellationId}` });

    it('outbox → relay → worker: polled while pending (moved to delayed), finished, the requester notified once', async () => {
      // The backend finishes 400 ms after the request; the job looks again after 100, then every 150 ms.
      const h = createCancellationHarness(db, null, { delayMs: 400 }, 60, [100, 150]);
      // (A short stalled-check interval: a worker's check blocks every other check of the queue for that long — the next test needs one soon.)
      const worker = backend.worker(QUEUES.cancellationTracking, h.tracker.processor(), { concurrency: 2, stalledInterval: 300 });
      try {
        const { orderId, cancellationId } = await submitted(h);
        await finishedOnce(cancellationId);
        const job = await eventually(async () => {
          const j = await backend.queue(QUEUES.cancellationTracking).getJob(`cancellation-${cancellationId}`);
          return (await j?.getState()) === 'completed' ? j : null;
        }, { what: 'the job completed' });
        assert.equal(job.name, JOB_NAMES['cancellation-tracking']);
        assert.deepEqual(job.data, { cancellationId });
        const [row] = await cancellationRows(db, orderId);
        assert.equal(row?.status, 'finished');
        assert.ok(row.polls >= 2, `looked at it more than once while pending (polls ${row?.polls})`);
        assert.equal(job.attemptsMade <= 1, true, 'polling used no retry attempts');
      } finally {
        await worker.close();
      }
    });

    it('a worker killed mid-job: another worker takes the stalled job over; one cancellation, one notification', async () => {
      const h = createCancellationHarness(db, null, { delayMs: 0 });
      // The first worker's call to the backend never comes back (as if the process died in it).
      const real = h.commerce.requestCancellation.bind(h.commerce);
      let releaseZombie: (() => void) | undefined;
      const zombieCalled = new Promise<void>((resolveCalled) => {
        sinon.stub(h.commerce, 'requestCancellation').callsFake(async (partnerId, req) => {
          if (!releaseZombie) {
            await new Promise<void>((release) => {
              releaseZombie = release;
              resolveCalled();
            });
          }
          return real(partnerId, req);
        });
      });
      // Two worker processes on the same queues: each its own connections.
      const [one, two] = [backends.create(kind, { prefix }), backends.create(kind, { prefix })];
      const first = one.worker(QUEUES.cancellationTracking, h.tracker.processor(), { concurrency: 1, lockDuration: 500, stalledInterval: 300 });
      const { orderId, cancellationId } = await submitted(h);
      await zombieCalled;
      // The process is gone: its worker stops without finishing the job, its lock is no longer renewed.
      await first.close(true);
      const second = two.worker(QUEUES.cancellationTracking, h.tracker.processor(), { concurrency: 1, lockDuration: 500, stalledInterval: 300 });
      try {
        await finishedOnce(cancellationId);
        // The "dead" run wakes up after all (a paused process): it changes nothing twice.
        releaseZombie!();
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal((await notificationsOf(db, cancellationId)).length, 1);
        const { rows } = await db.query('SELECT count(*)::int AS n FROM order_cancellations WHERE order_id = $1', [orderId]);
        assert.equal(rows[0].n, 1, 'one cancellation at the backend');
        assert.equal((await cancellationRows(db, orderId))[0]!.status, 'finished');
        const { rows: log } = await db.query("SELECT count(*)::int AS n FROM activity_log WHERE order_id = $1 AND event = 'cancellation_finished'", [orderId]);
        assert.equal(log[0].n, 1);
      } finally {
        await second.close();
        sinon.restore();
      }
    });
  });
}
