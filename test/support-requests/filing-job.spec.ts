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

    /** The desk's tickets of request `requestId` (its external id is the request's desk key). */
    const ticketsFor = async (requestId: string) => {
      const { rows } = await db.query<{ desk_key: string }>('SELECT desk_key FROM support_requests WHERE id = $1', [requestId]);
      return zendesk.tickets.filter((t) => t.json.external_id === `csp-support-${rows[0]!.desk_key}`);
    };
    /** The filing job of the request's first filing, once it has completed (nothing more can follow it). */
    const completed = (requestId: string) => eventually(async () => {
      const job = await backend.queue(QUEUES.supportTickets).getJob(`support-${requestId}-1`);
      return (await job?.getState()) === 'completed' ? job : null;
    }, { what: `the filing job of request ${requestId} completed` });

    it('outbox → relay → worker through a 429 (Retry-After) and a 500: one ticket, the requester told its number once', async () => {
      // The first call is answered 429 (Retry-After: 1), the second 500; then the desk works.
      zendesk.enqueue(zendeskReplies.rateLimited(1), zendeskReplies.serverError());
      const worker = backend.worker(QUEUES.supportTickets, h.filing.processor(), { concurrency: 2, stalledInterval: 300 });
      try {
        const { orderId, requestId } = await submitted();
        await completed(requestId);
        // Two retries, after the 429 and after the 500, counted at the desk (the queue backend's own attempt count is
        // written apart from the completion on the PostgreSQL backend, and may be read a moment before it).
        assert.equal(zendesk.callsTo('lookup').length, 3, 'three tries: after the 429 and after the 500');
        assert.equal(zendesk.callsTo('create').length, 1);
        // (That a retry waits out Retry-After is the job backend's own test: test/jobs/queues.spec.ts.)
        assert.deepEqual(zendesk.requests.slice(0, 2).map((c) => c.status), [429, 500]);
        const notes = await supportNotifications(db, requestId);
        assert.deepEqual(notes.map((n) => n.message.kind), ['supportFiled'], 'told once, after the job has completed');
        const tickets = await ticketsFor(requestId);
        assert.equal(tickets.length, 1);
        assert.equal(notes[0]!.message.ticketNumber, `#${tickets[0]!.id}`);
        const [row] = await requestRows(db, orderId);
        assert.equal(row?.status, 'filed');
      } finally {
        await worker.close();
      }
    });

    it('a worker killed mid-call whose create the desk did make: the next worker finds the ticket; one ticket, one notification', async () => {
      // The first worker's create reaches the desk (the ticket is made), and its answer never comes back: the process is gone.
      let created!: () => void;
      const createMade = new Promise<void>((resolve) => {
        created = resolve;
      });
      const hanging: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method === 'POST' && /\/api\/v2\/tickets(\.json)?$/.test(new URL(input instanceof Request ? input.url : input).pathname)) {
          created();
          return new Promise<Response>(() => {});
        }
        return res;
      };
      const dying = createSupportHarness(db, { desk: new ZendeskDesk({ baseUrl: zendesk.url, email: zendesk.email, apiToken: zendesk.apiToken, fetch: hanging, logger: silentLogger }) });
      const [one, two] = [backends.create(kind, { prefix }), backends.create(kind, { prefix })];
      const first = one.worker(QUEUES.supportTickets, dying.filing.processor(), { concurrency: 1, lockDuration: 500, stalledInterval: 300 });
      const { orderId, requestId } = await submitted();
      await createMade;
      assert.equal((await ticketsFor(requestId)).length, 1, 'the desk made the ticket');
      await first.close(true);
      const second = two.worker(QUEUES.supportTickets, h.filing.processor(), { concurrency: 1, lockDuration: 500, stalledInterval: 300 });
      try {
        await completed(requestId);
        assert.equal((await requestRows(db, orderId))[0]?.status, 'filed');
        assert.equal((await ticketsFor(requestId)).length, 1, 'one ticket at the desk');
        assert.equal(zendesk.callsTo('create').length, 1, 'the second worker found the ticket by its external id instead of creating another');
        assert.ok(zendesk.callsTo('lookup').length >= 2, 'looked up by both workers');
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
        await completed(requestId);
        const notes = await supportNotifications(db, requestId);
        assert.deepEqual(notes.map((n) => [n.message.kind, n.message.reason]), [['supportFailed', 'unavailable']], 'told once, after the job has completed');
        const [row] = await requestRows(db, orderId);
        assert.deepEqual({ status: row?.status, attempts: row?.attempts }, { status: 'failed', attempts: 4 });
        assert.equal((await ticketsFor(requestId)).length, 0);
      } finally {
        await worker.close();
      }
    });
  });
}
