import assert from 'node:assert/strict';
import pg from 'pg';
import sinon from 'sinon';
import type { Db } from '../../services/db/pool.js';
import { inTransaction } from '../../services/db/pool.js';
import { OutboxRelay, enqueueInTx, markJobSettled, requeueLostJobs, type OutboxTarget } from '../../services/jobs/outbox.js';
import { startWorkers } from '../../services/jobs/worker-host.js';
import { OUTBOX_CHANNEL, OutboxWakeup } from '../../services/jobs/outbox-wakeup.js';
import { QUEUES, type JobBackend, type QueueName } from '../../services/jobs/queues.js';
import { BACKEND_KINDS, TestBackends, closedPort, eventually, isolatedDb, silentLogger, uniquePrefix } from './support.js';

/** Wraps a backend and counts every job handed to it, by job id. */
function counting(backend: JobBackend): OutboxTarget & { added: string[] } {
  const added: string[] = [];
  return {
    added,
    ping: (ms) => backend.ping(ms),
    queue: (name: QueueName) => ({
      addBulk: async (jobs) => {
        const result = await backend.queue(name).addBulk(jobs as never);
        added.push(...jobs.map((j) => j.opts!.jobId!));
        return result;
      },
    }),
  };
}

describe('services/jobs/outbox', function () {
  this.timeout(60_000);
  let db: Db;
  let drop: () => Promise<void>;
  const backends = new TestBackends();

  before(async () => {
    ({ db, drop } = await isolatedDb('outbox'));
  });
  after(async () => {
    await backends.cleanup();
    await drop();
  });
  beforeEach(() => db.query('DELETE FROM job_outbox'));

  describe('enqueueInTx', () => {
    it('records the intent only if the surrounding transaction commits', async () => {
      await assert.rejects(
        inTransaction(db, async (client) => {
          await enqueueInTx(client, { queue: QUEUES.linkExpiry, name: 'expire', jobId: 'link-rolled-back', data: { downloadLinkId: '1' } });
          throw new Error('the purchase failed');
        }),
      );
      await inTransaction(db, (client) =>
        enqueueInTx(client, { queue: QUEUES.linkExpiry, name: 'expire', jobId: 'link-committed', data: { downloadLinkId: '2' } }),
      );
      const { rows } = await db.query<{ job_id: string }>('SELECT job_id FROM job_outbox');
      assert.deepEqual(rows.map((r) => r.job_id), ['link-committed']);
    });

    it('stores the same intent once, however often it is written', async () => {
      const intent = { queue: QUEUES.supportTickets, name: 'file', jobId: 'ticket-9', data: { supportRequestId: '9', filing: 1 } } as const;
      assert.equal(await enqueueInTx(db, intent), true);
      assert.equal(await enqueueInTx(db, intent), false);
      const { rows } = await db.query('SELECT 1 FROM job_outbox');
      assert.equal(rows.length, 1);
    });

    it('refuses job ids BullMQ would reject', async () => {
      for (const jobId of ['', '123', 'a:b']) {
        await assert.rejects(enqueueInTx(db, { queue: QUEUES.linkExpiry, name: 'expire', jobId, data: { downloadLinkId: '1' } }), /invalid job id/);
      }
    });
  });

  describe('waking on commit (LISTEN/NOTIFY)', () => {
    it('a listening relay enqueues an intent as soon as its transaction commits, long before its next poll; a rolled-back one never', async () => {
      const target = counting(backends.create('redis'));
      const relay = new OutboxRelay({ db, backend: target, logger: silentLogger, intervalMs: 600_000, listen: true });
      relay.start();
      try {
        await eventually(() => relay.listening, { what: 'the relay listening' });
        await assert.rejects(inTransaction(db, async (client) => {
          await enqueueInTx(client, { queue: QUEUES.linkExpiry, name: 'expire', jobId: 'wake-rolled-back', data: { downloadLinkId: '1' } });
          throw new Error('rolled back');
        }));
        await inTransaction(db, (client) => enqueueInTx(client, { queue: QUEUES.linkExpiry, name: 'expire', jobId: 'wake-committed', data: { downloadLinkId: '2' } }));
        // The poll is ten minutes away: only the notification can have woken it.
        await eventually(() => target.added.includes('wake-committed'), { what: 'the committed intent enqueued', timeoutMs: 10_000 });
        assert.deepEqual(target.added, ['wake-committed']);
      } finally {
        await relay.stop();
      }
      assert.equal(relay.listening, false, 'stop() closes the listening connection');
    });

    it('while the backend keeps failing, commits do not cut its backoff short', async () => {
      let pings = 0;
      const failing: OutboxTarget = {
        ping: () => {
          pings++;
          return Promise.reject(new Error('queue backend down'));
        },
        queue: () => ({ addBulk: () => Promise.reject(new Error('unreachable')) }),
      };
      await enqueueInTx(db, { queue: QUEUES.linkExpiry, name: 'expire', jobId: 'backoff-1', data: { downloadLinkId: '1' } });
      const relay = new OutboxRelay({ db, backend: failing, logger: silentLogger, intervalMs: 60_000, listen: true });
      relay.start();
      try {
        await eventually(() => pings === 1 && relay.listening, { what: 'the first tick failed, listening' });
        const ticks = sinon.spy(relay, 'runOnce');
        for (let i = 0; i < 5; i++) {
          await enqueueInTx(db, { queue: QUEUES.linkExpiry, name: 'expire', jobId: `backoff-wake-${i}`, data: { downloadLinkId: String(i) } });
          relay.kick();
        }
        // A tick a wake-up would start is a 0 ms timer: long fired by the time this one fires.
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(ticks.callCount, 0, 'no tick before the backoff ends');
        assert.equal(pings, 1);
      } finally {
        await relay.stop();
      }
    });

    it('a wake-up during a tick that then fails waits for the backoff too', async () => {
      let pings = 0;
      let fail!: () => void;
      const failing: OutboxTarget = {
        ping: () => {
          pings++;
          // The first ping hangs until the test lets it fail: the wake-up comes while the tick runs.
          return pings === 1 ? new Promise((_, reject) => (fail = () => reject(new Error('queue backend down')))) : Promise.reject(new Error('queue backend down'));
        },
        queue: () => ({ addBulk: () => Promise.reject(new Error('unreachable')) }),
      };
      await enqueueInTx(db, { queue: QUEUES.linkExpiry, name: 'expire', jobId: 'backoff-during', data: { downloadLinkId: '1' } });
      const relay = new OutboxRelay({ db, backend: failing, logger: silentLogger, intervalMs: 60_000 });
      const ticks = sinon.spy(relay, 'runOnce');
      relay.start();
      try {
        await eventually(() => pings === 1, { what: 'the first tick pinging' });
        relay.kick();
        fail();
        await ticks.firstCall.returnValue.catch(() => undefined);
        // A tick the wake-up would start is a 0 ms timer: long fired by the time this one fires.
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(ticks.callCount, 1, 'no second tick: the backoff decides');
        assert.equal(pings, 1);
      } finally {
        await relay.stop();
      }
    });

    it('a listening connection that stops answering (half-open) is replaced', async () => {
      const wakeup = new OutboxWakeup({ db, logger: silentLogger, onWake: () => undefined, reconnectMs: 50, checkMs: 50 });
      await wakeup.start();
      try {
        const pid = wakeup.backendPid;
        assert.ok(pid);
        // The next liveness check fails, as one on a connection nobody answers would (after its timeout).
        const stub = sinon.stub(pg.Client.prototype, 'query');
        stub.callsFake(function (this: pg.Client, ...args: unknown[]) {
          if (args[0] === 'SELECT 1') {
            stub.restore();
            return Promise.reject(new Error('no answer'));
          }
          return Reflect.apply(stub.wrappedMethod, this, args) as unknown;
        });
        await eventually(() => wakeup.listening && wakeup.backendPid !== undefined && wakeup.backendPid !== pid, { what: 'a new listening connection' });
        assert.ok(stub.called);
      } finally {
        sinon.restore();
        await wakeup.stop();
      }
    });

    it('ignores intents of other schemas, and listens again after its connection was cut (catching up at once)', async () => {
      let wakes = 0;
      const wakeup = new OutboxWakeup({ db, logger: silentLogger, onWake: () => wakes++, reconnectMs: 50 });
      await wakeup.start();
      try {
        assert.ok(wakeup.listening);
        const afterConnect = wakes;
        // Delivered in order: the other schema's first, then this schema's.
        await db.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', 'some_other_schema')`);
        await db.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', current_schema())`);
        await eventually(() => wakes > afterConnect, { what: 'a wake for this schema' });
        assert.equal(wakes, afterConnect + 1, 'the other schema\'s notification woke nothing');

        const pid = wakeup.backendPid;
        assert.ok(pid);
        await db.query('SELECT pg_terminate_backend($1)', [pid]);
        await eventually(() => wakeup.listening && wakeup.backendPid !== pid, { what: 'listening again on a new connection' });
        const reconnected = wakes;
        assert.ok(reconnected > afterConnect + 1, 'the reconnect itself wakes the relay (what was committed meanwhile)');
        await db.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', current_schema())`);
        await eventually(() => wakes > reconnected, { what: 'a wake after the reconnect' });
      } finally {
        await wakeup.stop();
      }
    });
  });

  it('keeps the intent while the queue backend is unreachable, then enqueues it exactly once', async () => {
    await enqueueInTx(db, { queue: QUEUES.notifications, name: 'deliver', jobId: 'notify-outage', data: { notificationId: '77' } });

    const down = backends.create('redis', { redisUrl: `redis://127.0.0.1:${await closedPort()}` });
    const downRelay = new OutboxRelay({ db, backend: down, logger: silentLogger, addTimeoutMs: 500 });
    assert.deepEqual(await downRelay.runOnce(), { enqueued: 0, failed: 1, claimed: 1 });
    assert.deepEqual(await downRelay.runOnce(), { enqueued: 0, failed: 1, claimed: 1 });
    const { rows: pending } = await db.query<{ enqueued_at: Date | null; attempts: number; last_error: string | null }>(
      `SELECT enqueued_at, attempts, last_error FROM job_outbox WHERE job_id = 'notify-outage'`,
    );
    assert.equal(pending[0]!.enqueued_at, null);
    assert.equal(pending[0]!.attempts, 2);
    assert.ok(pending[0]!.last_error);

    const up = backends.create('redis');
    const target = counting(up);
    const relay = new OutboxRelay({ db, backend: target, logger: silentLogger });
    assert.equal((await relay.runOnce()).enqueued, 1);
    assert.equal((await relay.runOnce()).claimed, 0);
    assert.deepEqual(target.added, ['notify-outage']);
    const job = await up.queue(QUEUES.notifications).getJob('notify-outage');
    assert.deepEqual(job?.data, { notificationId: '77' });
    const { rows: done } = await db.query<{ enqueued_at: Date | null }>(`SELECT enqueued_at FROM job_outbox WHERE job_id = 'notify-outage'`);
    assert.ok(done[0]!.enqueued_at);
  });

  for (const kind of BACKEND_KINDS) {
    describe(`on the ${kind} backend`, () => {
      it('two relays racing over 200 intents enqueue each job exactly once', async () => {
        await db.query(
          `INSERT INTO job_outbox (queue, job_name, job_id, data)
           SELECT 'link-expiry', 'expire', 'link-' || g, jsonb_build_object('downloadLinkId', g::text) FROM generate_series(1, 200) g`,
        );
        // Two "processes": each with its own connections and relay, on the same queues.
        const prefix = uniquePrefix();
        const backendA = backends.create(kind, { prefix });
        const a = counting(backendA);
        const b = counting(backends.create(kind, { prefix }));
        const relayA = new OutboxRelay({ db, backend: a, logger: silentLogger, batchSize: 15 });
        const relayB = new OutboxRelay({ db, backend: b, logger: silentLogger, batchSize: 15 });
        const drain = async (relay: OutboxRelay) => {
          while ((await relay.runOnce()).claimed > 0) {
            /* keep going */
          }
        };
        await Promise.all([drain(relayA), drain(relayB), drain(relayA), drain(relayB)]);

        const all = [...a.added, ...b.added];
        assert.equal(all.length, 200, 'every intent handed to the backend once');
        assert.equal(new Set(all).size, 200);
        const counts = await backendA.queue(QUEUES.linkExpiry).getJobCounts('waiting', 'delayed', 'active', 'completed');
        assert.equal(Object.values(counts).reduce((x, y) => x + y, 0), 200);
        const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM job_outbox WHERE enqueued_at IS NULL');
        assert.equal(rows[0]!.n, '0');
      });

      it('turns delay_until into a delayed job, and start()/kick() relays without polling waits', async () => {
        const backend = backends.create(kind);
        const relay = new OutboxRelay({ db, backend, logger: silentLogger, intervalMs: 60_000 });
        relay.start();
        try {
          await inTransaction(db, (client) =>
            enqueueInTx(client, {
              queue: QUEUES.cancellationTracking,
              name: 'track',
              jobId: 'cancel-later',
              data: { cancellationId: '5' },
              delayUntil: new Date(Date.now() + 3_600_000),
            }),
          );
          relay.kick();
          const q = backend.queue(QUEUES.cancellationTracking);
          await eventually(async () => (await q.getJobState('cancel-later')) === 'delayed', { what: 'delayed job' });
          const job = await q.getJob('cancel-later');
          assert.ok(job!.delay > 3_500_000, `delay ${job!.delay}`);
        } finally {
          await relay.stop();
        }
      });

      it('the sweep relays again what the queue lost (its data gone), delayed to the same deadline; a job still held or settled is left alone (issue 14)', async () => {
        const backend = backends.create(kind);
        const relay = new OutboxRelay({ db, backend, logger: silentLogger });
        const deadline = new Date(Date.now() + 14 * 86_400_000);
        for (const id of ['1', '2', '3']) {
          await enqueueInTx(db, { queue: QUEUES.linkExpiry, name: 'expire', jobId: `link-${id}`, data: { downloadLinkId: id }, delayUntil: deadline });
        }
        assert.equal((await relay.runOnce()).enqueued, 3);
        // Relayed over a minute ago (the sweep's grace); link-3's job has settled.
        await db.query("UPDATE job_outbox SET enqueued_at = now() - interval '2 minutes'");
        await markJobSettled(db, QUEUES.linkExpiry, 'link-3');
        const q = backend.queue(QUEUES.linkExpiry);
        assert.deepEqual(await requeueLostJobs(db, backend, silentLogger), { checked: 2, requeued: 0 }, 'both open jobs still held: nothing to do');
        // The queue loses its data (Redis restarted without persistence).
        await q.obliterate({ force: true });
        assert.deepEqual(await requeueLostJobs(db, backend, silentLogger), { checked: 2, requeued: 2 });
        assert.equal((await relay.runOnce()).enqueued, 2);
        for (const id of ['link-1', 'link-2']) {
          assert.equal(await q.getJobState(id), 'delayed');
          const job = await q.getJob(id);
          assert.ok(Math.abs(job!.timestamp + job!.delay - deadline.getTime()) < 5000, `${id} runs at its deadline`);
        }
        assert.equal(await q.getJob('link-3'), undefined, 'a settled job is never relayed again');
        assert.deepEqual(await requeueLostJobs(db, backend, silentLogger), { checked: 0, requeued: 0 }, 'just relayed: within the grace');
        const { rows } = await db.query('SELECT job_id, requeued FROM job_outbox ORDER BY job_id');
        assert.deepEqual(rows, [{ job_id: 'link-1', requeued: 1 }, { job_id: 'link-2', requeued: 1 }, { job_id: 'link-3', requeued: 0 }]);
      });
    });
  }

  it('the worker host marks a job settled when it completes, or fails for good; not when it will be tried again', async () => {
    const backend = backends.create('redis', { jobOptions: { notifications: { attempts: 2, backoff: { type: 'fixed', delay: 10 } } } });
    const relay = new OutboxRelay({ db, backend, logger: silentLogger });
    for (const id of ['ok', 'bad']) {
      await enqueueInTx(db, { queue: QUEUES.notifications, name: 'deliver', jobId: `n-${id}`, data: { notificationId: id } });
    }
    await relay.runOnce();
    const attempts: string[] = [];
    const running = startWorkers(backend, {
      notifications: (job) => {
        attempts.push(job.id!);
        return job.id === 'n-bad' ? Promise.reject(new Error('provider down')) : Promise.resolve('sent');
      },
    }, { concurrency: 2, logger: silentLogger, settled: (queue, jobId) => markJobSettled(db, queue, jobId) });
    try {
      const settledOf = async () => (await db.query<{ job_id: string }>('SELECT job_id FROM job_outbox WHERE done_at IS NOT NULL ORDER BY job_id')).rows.map((r) => r.job_id);
      await eventually(async () => (await settledOf()).length === 2, { what: 'both settled' });
      assert.deepEqual(await settledOf(), ['n-bad', 'n-ok']);
      assert.equal(attempts.filter((a) => a === 'n-bad').length, 2, 'settled only after its last attempt');
    } finally {
      await running.close(1000);
    }
  });
});
