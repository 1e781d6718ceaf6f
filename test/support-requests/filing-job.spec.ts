/**
 * The filing job on real queues (Redis and BullMQ's PostgreSQL backend) against the fake
 * Zendesk: from the submit's outbox intent through the relay to the worker, which files the
 * ticket and writes the requester's notification — one ticket under retries (429 with
 * Retry-After, 5xx), under a worker killed mid-call whose create the desk did make, and a
 * request kept as failed (and told) when the desk never answers.
 */
import { strict as assert } from 'node:assert';
import type { Role } from '../../services/access/roles.js';
import type { Db } from '../../services/db/pool.js';
import { OutboxRelay } from '../../services/jobs/outbox.js';
import { QUEUES, RETRY_AFTER_BACKOFF, type JobBackend } from '../../services/jobs/queues.js';
import { ZendeskDesk } from '../../services/support/zendesk-desk.js';
import { givePersonalChat } from '../cancellation/fixtures.js';
import { createCustomer, createPartner, ensureDemoData, type TestPartner } from '../commerce/factories.js';
import { startFakeZendesk, zendeskReplies, type FakeZendesk } from '../fakes/zendesk.js';
import { BACKEND_KINDS, TestBackends, eventually, isolatedDb, silentLogger, uniquePrefix } from '../jobs/support.js';
import { actorOf } from '../purchase/fixtures.js';
import { aForm, createSupportHarness, failedCancellation, newKey, requestRows, supportNotifications, type SupportHarness } from './fixtures.js';

const ADMIN: Role[] = ['admin_agent'];

for (const kind of BACKEND_KINDS) {
  describe(`support filing job (${kind} queue backend, fake Zendesk)`, function () {
    this.timeout(60_000);
    const backends = new TestBackends();
    let db: Db;
    let drop: () => Promise<void>;
    let partner: TestPartner;
    let backend: JobBackend;
    let prefix: string;
    let relay: OutboxRelay;
    let zendesk: FakeZendesk;
    let h: SupportHarness;

    before(async () => {
      ({ db, drop } = await isolatedDb(`support_${kind}`));
      await ensureDemoData(db);
      partner = await createPartner(db, `Support jobs ${kind}`);
      await givePersonalChat(db, partner);
      zendesk = await startFakeZendesk();
      h = createSupportHarness(db, { desk: new ZendeskDesk({ baseUrl: zendesk.url, email: zendesk.email, apiToken: zendesk.apiToken, timeoutMs: 400, logger: silentLogger }) });
      prefix = uniquePrefix();
      backend = backends.create(kind, { prefix, jobOptions: { 'support-tickets': { attempts: 4, backoff: { type: RETRY_AFTER_BACKOFF, delay: 50 } } } });
      relay = new OutboxRelay({ db, backend, logger: silentLogger, intervalMs: 50 });
      relay.start();
    });
    afterEach(() => zendesk.reset());
    after(async () => {
      await relay.stop();
      await backends.cleanup();
      await zendesk.close();
      await drop();
    });

    /** A request submitted (after a cancellation that needed information): its order and id. */
    async function submitted(): Promise<{ orderId: string; requestId: string }> {
      const customer = await createCustomer(db, partner, { companyName: `Job customer ${Math.random().toString(36).slice(2, 8)}`, billingCountry: 'DE' });
      const admin = actorOf(partner, ADMIN);
      const { orderId, cancellationId } = await failedCancellation(db, h, partner, customer, admin);
      const facts = await h.service.facts(admin, orderId);
      const checked = h.service.check(facts, aForm({ amount: '1.00' }), 'en');
      assert.ok(checked.ok);
      const { request } = await h.service.submit(admin, { reviewId: newKey(), draftKey: newKey(), orderId, cancellationId, form: checked.form });
      return { orderId, requestId: request.requestId };
    }

    const ticketsFor = (requestId: string) => zendesk.tickets.filter((t) => t.json.external_id === `csp-support-${requestId}`);

    it('outbox → relay → worker through a 429 (Retry-After) and a 500: one ticket, the requester told its number once', async () => {
      // The first call is answered 429 (Retry-After: 1), the second 500; then the desk works.
      const arrivals: number[] = [];
      zendesk.script(() => {
        arrivals.push(Date.now());
        return arrivals.length === 1 ? zendeskReplies.rateLimited(1) : arrivals.length === 2 ? zendeskReplies.serverError() : undefined;
      });
      const worker = backend.worker(QUEUES.supportTickets, h.filing.processor(), { concurrency: 2, stalledInterval: 300 });
      try {
        const { orderId, requestId } = await submitted();
        const [note] = await eventually(async () => {
          const n = await supportNotifications(db, requestId);
          return n.length === 1 ? n : null;
        }, { what: `the filed notification of request ${requestId}` });
        assert.equal(note!.message.kind, 'supportFiled');
        assert.equal(ticketsFor(requestId).length, 1);
        assert.equal(note!.message.ticketNumber, `#${ticketsFor(requestId)[0]!.id}`);
        const [row] = await requestRows(db, orderId);
        assert.equal(row?.status, 'filed');
        // The 429's Retry-After (1 s) was honoured: the next try came no sooner (a lower bound on a wait, not a speed).
        const limited = zendesk.requests.findIndex((c) => c.status === 429);
        assert.equal(limited, 0, 'the first call was answered 429');
        assert.ok(arrivals.length >= 2 && arrivals[1]! - arrivals[0]! >= 1000, `asked again ${arrivals[1]! - arrivals[0]!} ms after the 429`);
      } finally {
        await worker.close();
      }
    });

    it('a worker killed mid-call whose create the desk did make: the next worker finds the ticket; one ticket, one notification', async () => {
      // The first create is made at the desk but answered only after the worker is gone.
      zendesk.commitThenAnswerLate(5000);
      const [one, two] = [backends.create(kind, { prefix }), backends.create(kind, { prefix })];
      const first = one.worker(QUEUES.supportTickets, h.filing.processor(), { concurrency: 1, lockDuration: 500, stalledInterval: 300 });
      const { orderId, requestId } = await submitted();
      await eventually(() => Promise.resolve(ticketsFor(requestId).length === 1 ? true : null), { what: 'the desk made the ticket' });
      await first.close(true);
      const second = two.worker(QUEUES.supportTickets, h.filing.processor(), { concurrency: 1, lockDuration: 500, stalledInterval: 300 });
      try {
        await eventually(async () => ((await requestRows(db, orderId))[0]?.status === 'filed' ? true : null), { what: 'the request filed' });
        assert.equal(ticketsFor(requestId).length, 1, 'one ticket at the desk');
        assert.equal(zendesk.callsTo('create').length, 1, 'the second worker looked the ticket up instead of creating it again');
        assert.equal((await supportNotifications(db, requestId)).length, 1);
      } finally {
        await second.close();
      }
    });

    it('a desk that never answers: after the last attempt the request is kept as failed and the requester told how to file it again', async () => {
      zendesk.script(() => zendeskReplies.serverError(503));
      const worker = backend.worker(QUEUES.supportTickets, h.filing.processor(), { concurrency: 1, stalledInterval: 300 });
      try {
        const { orderId, requestId } = await submitted();
        const [note] = await eventually(async () => {
          const n = await supportNotifications(db, requestId);
          return n.length === 1 ? n : null;
        }, { what: `the failed notification of request ${requestId}` });
        assert.deepEqual([note!.message.kind, note!.message.reason], ['supportFailed', 'unavailable']);
        const [row] = await requestRows(db, orderId);
        assert.deepEqual({ status: row?.status, attempts: row?.attempts }, { status: 'failed', attempts: 4 });
        assert.equal(ticketsFor(requestId).length, 0);
      } finally {
        await worker.close();
      }
    });
  });
}
