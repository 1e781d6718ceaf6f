import { strict as assert } from 'node:assert';
import { inTransaction } from '../../services/db/pool.js';
import { JOB_NAMES, QUEUES, RetryLaterError, type QueueJob } from '../../services/jobs/queues.js';
import { createExpireLinkProcessor, expireDownloadLink } from '../../services/software/link-expiry.js';
import type { KeysAndDownload } from '../../services/software/types.js';
import { createCustomer, silentLogger } from '../commerce/factories.js';
import { TestBackends, eventually } from '../jobs/support.js';
import { testDb } from '../support/db.js';
import {
  activityOfLink,
  buy,
  createSoftwareService,
  createWorld,
  DAY_MS,
  getKeys,
  linkRow,
  tokenOf,
  WS2025_DE_ISO,
  WS_DATACENTER_1Y,
  type World,
} from './fixtures.js';

/** Long past, so that links issued then are past their deadline by the real clock too. */
const T0 = new Date('2025-03-03T09:00:00.000Z');
const BROWSER = { ip: '203.0.113.8', userAgent: 'Mozilla/5.0 (link-expiry.spec)' };

/** A job as BullMQ hands it to a processor (only what the processor reads). */
const jobFor = (downloadLinkId: string) => ({ id: `link-expiry-${downloadLinkId}`, data: { downloadLinkId } }) as unknown as QueueJob<'link-expiry'>;

describe('services/software/link-expiry', () => {
  const db = testDb();
  const h = createSoftwareService(db, T0);
  let w: World;

  /** A fresh link issued at T0 (expires T0 + 14 days). */
  async function issueLink(name: string): Promise<KeysAndDownload & { orderId: string }> {
    h.clock.now = T0;
    const customer = await createCustomer(db, w.a, { companyName: name, billingCountry: 'DE' });
    const orderId = await buy(h, w.a, customer, [{ ...WS_DATACENTER_1Y, quantity: 8 }]);
    return { ...(await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO)), orderId };
  }

  const expiryRows = async (linkId: string) => (await activityOfLink(db, linkId)).filter((a) => a.event === 'link_expired');

  before(async () => {
    w = await createWorld(db);
  });

  it('before the deadline: notDue with the time left, and nothing changes', async () => {
    const link = await issueLink('Not Due GmbH');
    assert.deepEqual(await expireDownloadLink(db, link.linkId, new Date(link.expiresAt.getTime() - 1500)), { status: 'notDue', dueInMs: 1500 });
    assert.deepEqual(await expireDownloadLink(db, link.linkId, T0), { status: 'notDue', dueInMs: 14 * DAY_MS });
    assert.equal((await linkRow(db, link.linkId)).expired_at, null);
    assert.deepEqual(await expiryRows(link.linkId), []);
  });

  it('at the deadline (and after): expired, sets expired_at and records one link_expired row', async () => {
    const link = await issueLink('Due GmbH');
    assert.deepEqual(await expireDownloadLink(db, link.linkId, link.expiresAt), { status: 'expired' });
    assert.deepEqual((await linkRow(db, link.linkId)).expired_at, link.expiresAt);
    const rows = await expiryRows(link.linkId);
    assert.deepEqual(
      rows.map((a) => [a.outcome, a.at.getTime(), a.partner_id, a.user_id, a.order_id, a.line_number, a.product_id, a.variant_id]),
      [['expired', link.expiresAt.getTime(), String(w.a.partnerId), null, link.orderId, 0, WS_DATACENTER_1Y.productId, String(link.variant.id)]],
    );
    assert.equal(rows[0]!.customer_id, link.customer.id);

    const late = await issueLink('Late GmbH');
    const when = new Date(late.expiresAt.getTime() + 3 * DAY_MS);
    assert.deepEqual(await expireDownloadLink(db, late.linkId, when), { status: 'expired' });
    assert.deepEqual((await linkRow(db, late.linkId)).expired_at, when);
    // Downloads say expired whether or not the job ran.
    h.clock.now = when;
    assert.equal((await h.service.redeem(tokenOf(late), BROWSER)).status, 'expired');
  });

  it('run again: alreadyExpired, and no second activity row', async () => {
    const link = await issueLink('Twice GmbH');
    assert.deepEqual(await expireDownloadLink(db, link.linkId, link.expiresAt), { status: 'expired' });
    for (const later of [0, 1, DAY_MS]) {
      assert.deepEqual(await expireDownloadLink(db, link.linkId, new Date(link.expiresAt.getTime() + later)), { status: 'alreadyExpired' });
    }
    assert.deepEqual((await linkRow(db, link.linkId)).expired_at, link.expiresAt, 'the first expiry time stays');
    assert.equal((await expiryRows(link.linkId)).length, 1);
  });

  it('a revoked link: revoked, not marked expired and not recorded', async () => {
    const link = await issueLink('Revoked Expiry GmbH');
    await inTransaction(db, (tx) => h.service.revokePurchase(tx, { partnerId: w.a.partnerId, orderId: link.orderId, reason: 'cancelled' }));
    assert.deepEqual(await expireDownloadLink(db, link.linkId, new Date(link.expiresAt.getTime() + 1)), { status: 'revoked' });
    assert.equal((await linkRow(db, link.linkId)).expired_at, null);
    assert.deepEqual(await expiryRows(link.linkId), []);
  });

  it('a missing or non-numeric id: missing', async () => {
    const now = new Date();
    for (const id of ['999999999999', '0', '', 'abc', '12abc', '-1', '1.5', '1e3', ' 1', '1; DELETE FROM download_links', '9'.repeat(19)]) {
      assert.deepEqual(await expireDownloadLink(db, id, now), { status: 'missing' }, JSON.stringify(id));
    }
  });

  it('the processor, called without the job\'s lock token, throws RetryLaterError (retry when due) before the deadline, and returns the outcome after', async () => {
    const link = await issueLink('Processor GmbH');
    const clock = { now: new Date(link.expiresAt.getTime() - 60_000) };
    const processor = createExpireLinkProcessor({ db, logger: silentLogger, now: () => clock.now });
    await assert.rejects(processor(jobFor(link.linkId)), (err: unknown) => {
      assert.ok(err instanceof RetryLaterError, `expected RetryLaterError, got ${String(err)}`);
      assert.equal(err.retryAfterMs, 60_000);
      return true;
    });
    assert.equal((await linkRow(db, link.linkId)).expired_at, null);
    clock.now = link.expiresAt;
    assert.deepEqual(await processor(jobFor(link.linkId)), { status: 'expired' });
    assert.deepEqual(await processor(jobFor(link.linkId)), { status: 'alreadyExpired' });
    assert.deepEqual(await processor(jobFor('424242424242')), { status: 'missing' });
  });

  describe('on real BullMQ (Redis, per-run queue prefix)', function () {
    this.timeout(30_000);
    const backends = new TestBackends();
    after(() => backends.cleanup());

    it('a delayed link-expiry job for a past link expires it; a second job for the link completes with alreadyExpired', async () => {
      const link = await issueLink('BullMQ Expiry GmbH');
      assert.ok(link.expiresAt.getTime() < Date.now(), 'the link is past its deadline by the real clock');
      const backend = backends.create('redis');
      const queue = backend.queue(QUEUES.linkExpiry);
      const worker = backend.worker(QUEUES.linkExpiry, createExpireLinkProcessor({ db, logger: silentLogger }), { concurrency: 1 });
      try {
        const completed = async (jobId: string) =>
          eventually(async () => {
            const job = await queue.getJob(jobId);
            const state = await job?.getState();
            if (state === 'failed') throw new Error(`job ${jobId} failed: ${job?.failedReason}`);
            // Read again once completed: the job read before getState may have been taken while still active (returnvalue not set yet).
            return state === 'completed' ? ((await queue.getJob(jobId)) ?? null) : null;
          }, { what: `job ${jobId} completed` });

        const first = `link-expiry-${link.linkId}`;
        await queue.add(JOB_NAMES['link-expiry'], { downloadLinkId: link.linkId }, { jobId: first, delay: 300 });
        const job = await completed(first);
        assert.deepEqual(job.returnvalue, { status: 'expired' });
        const row = await linkRow(db, link.linkId);
        assert.ok(row.expired_at instanceof Date, 'expired_at is set');
        assert.equal((await expiryRows(link.linkId)).length, 1);

        const second = `link-expiry-${link.linkId}-again`;
        await queue.add(JOB_NAMES['link-expiry'], { downloadLinkId: link.linkId }, { jobId: second, delay: 100 });
        assert.deepEqual((await completed(second)).returnvalue, { status: 'alreadyExpired' });
        assert.equal((await expiryRows(link.linkId)).length, 1, 'no second activity row');
        assert.deepEqual((await linkRow(db, link.linkId)).expired_at, row.expired_at);
      } finally {
        await worker.close();
      }
    });

    it('a job that runs before its link\'s deadline waits until the deadline without using up an attempt (one attempt is enough; issue 14)', async () => {
      const link = await issueLink('BullMQ Early GmbH');
      const backend = backends.create('redis');
      const queue = backend.queue(QUEUES.linkExpiry);
      const expire = createExpireLinkProcessor({ db, logger: silentLogger });
      // Whenever the worker first gets to the job, the link's deadline is 1 s after that: the run is early.
      const runs: Array<{ expiredBefore: boolean }> = [];
      const worker = backend.worker(QUEUES.linkExpiry, async (job: QueueJob<'link-expiry'>, token?: string) => {
        if (runs.length === 0) await db.query("UPDATE download_links SET expires_at = now() + interval '1 second' WHERE id = $1", [link.linkId]);
        runs.push({ expiredBefore: (await linkRow(db, link.linkId)).expired_at !== null });
        return expire(job, token);
      }, { concurrency: 1 });
      try {
        const jobId = `link-expiry-${link.linkId}-early`;
        // It may fail only once (attempts: 1): an early run must not spend it.
        await queue.add(JOB_NAMES['link-expiry'], { downloadLinkId: link.linkId }, { jobId, attempts: 1 });
        const job = await eventually(async () => {
          const j = await queue.getJob(jobId);
          const state = await j?.getState();
          if (state === 'failed') throw new Error(`the early job failed: ${j?.failedReason}`);
          return state === 'completed' ? j : null;
        }, { what: 'the job completed at the deadline' });
        assert.deepEqual(job.returnvalue, { status: 'expired' });
        assert.deepEqual(runs, [{ expiredBefore: false }, { expiredBefore: false }], 'run early (delayed, nothing changed), then at the deadline');
        assert.equal(job.attemptsMade, 1, 'the early run used no attempt');
        const row = await linkRow(db, link.linkId);
        assert.ok(row.expired_at instanceof Date && row.expired_at.getTime() >= row.expires_at.getTime(), 'expired at (not before) the deadline');
      } finally {
        await worker.close();
      }
    });
  });
});
