import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { UnrecoverableError } from 'bullmq';
import { createLogger } from '../../services/logger.js';
import {
  DEFAULT_JOB_OPTIONS,
  MAX_BACKOFF_MS,
  QUEUES,
  RETRY_AFTER_BACKOFF,
  RetryLaterError,
  postgresQueueSchema,
  retryAfterBackoff,
  type QueueJob,
} from '../../services/jobs/queues.js';
import { startWorkers } from '../../services/jobs/worker-host.js';
import { BACKEND_KINDS, TestBackends, closedPort, eventually } from './support.js';

describe('services/jobs/queues', () => {
  describe('retryAfterBackoff', () => {
    const job = { opts: { backoff: { type: RETRY_AFTER_BACKOFF, delay: 1000 } } } as never;

    it('waits at least the Retry-After the server asked for', () => {
      for (let i = 0; i < 20; i += 1) {
        const ms = retryAfterBackoff(1, RETRY_AFTER_BACKOFF, new RetryLaterError('429', 3000), job);
        assert.ok(ms >= 3000 && ms <= 3600, `got ${ms}`);
      }
    });

    it('otherwise backs off exponentially from the base delay, with jitter, up to a cap', () => {
      const third = retryAfterBackoff(3, RETRY_AFTER_BACKOFF, new Error('boom'), job);
      assert.ok(third >= 3200 && third <= 4800, `got ${third}`);
      assert.equal(retryAfterBackoff(40, RETRY_AFTER_BACKOFF, new Error('boom'), job), MAX_BACKOFF_MS);
    });
  });

  it('gives the PostgreSQL backend a schema named after the prefix, as a plain identifier', () => {
    assert.equal(postgresQueueSchema('csp'), 'bullmq_csp');
    assert.equal(postgresQueueSchema('{CSP}:eu-1'), 'bullmq_csp_eu_1');
    assert.ok(postgresQueueSchema('x'.repeat(100)).length <= 63);
  });

  for (const kind of BACKEND_KINDS) {
    describe(`${kind} backend`, function () {
      this.timeout(30_000);
      const backends = new TestBackends();
      after(() => backends.cleanup());

      it('runs a job added to a queue, with the queue defaults (attempts, backoff, bounded retention)', async () => {
        const backend = backends.create(kind);
        const seen: Array<{ data: unknown; attempts: number | undefined; backoff: unknown; removeOnComplete: unknown }> = [];
        const running = startWorkers(
          backend,
          {
            [QUEUES.linkExpiry]: (job: QueueJob<'link-expiry'>) => {
              seen.push({ data: job.data, attempts: job.opts.attempts, backoff: job.opts.backoff, removeOnComplete: job.opts.removeOnComplete });
              return Promise.resolve('expired');
            },
          },
          { concurrency: 2, logger: createLogger({ level: 'silent' }) },
        );
        try {
          await backend.queue(QUEUES.linkExpiry).add('expire', { downloadLinkId: '42' }, { jobId: 'link-42' });
          await eventually(() => seen.length === 1, { what: 'job processed' });
          assert.deepEqual(seen[0]!.data, { downloadLinkId: '42' });
          assert.equal(seen[0]!.attempts, DEFAULT_JOB_OPTIONS['link-expiry'].attempts);
          assert.deepEqual(seen[0]!.backoff, DEFAULT_JOB_OPTIONS['link-expiry'].backoff);
          assert.ok(seen[0]!.removeOnComplete, 'completed jobs are not kept forever');
        } finally {
          await running.close(5000);
        }
      });

      it('retries a failing job after the Retry-After carried by the error, and stops at UnrecoverableError', async () => {
        const backend = backends.create(kind, { jobOptions: { 'support-tickets': { attempts: 5, backoff: { type: RETRY_AFTER_BACKOFF, delay: 60_000 } } } });
        const calls: string[] = [];
        const running = startWorkers(
          backend,
          {
            [QUEUES.supportTickets]: (job: QueueJob<'support-tickets'>) => {
              calls.push(`${job.data.supportRequestId}#${job.attemptsMade + 1}`);
              if (job.data.supportRequestId === 'retry' && job.attemptsMade === 0) return Promise.reject(new RetryLaterError('busy', 50));
              if (job.data.supportRequestId === 'refuse') return Promise.reject(new UnrecoverableError('not allowed'));
              return Promise.resolve('filed');
            },
          },
          { concurrency: 2, logger: createLogger({ level: 'silent' }) },
        );
        try {
          const q = backend.queue(QUEUES.supportTickets);
          await q.add('file', { supportRequestId: 'retry', filing: 1 }, { jobId: 'ticket-retry' });
          await q.add('file', { supportRequestId: 'refuse', filing: 1 }, { jobId: 'ticket-refuse' });
          // The base delay is a minute: only the error's retryAfterMs can make the retry come this soon.
          await eventually(async () => (await q.getJobState('ticket-retry')) === 'completed', { what: 'retried job completed' });
          await eventually(async () => (await q.getJobState('ticket-refuse')) === 'failed', { what: 'refused job failed' });
          assert.deepEqual(calls.filter((c) => c.startsWith('retry')), ['retry#1', 'retry#2']);
          assert.deepEqual(calls.filter((c) => c.startsWith('refuse')), ['refuse#1']);
        } finally {
          await running.close(5000);
        }
      });

      it('answers ping when reachable', async () => {
        await backends.create(kind).ping();
      });
    });
  }

  it('ping fails fast when Redis is unreachable', async () => {
    const backends = new TestBackends();
    try {
      const backend = backends.create('redis', { redisUrl: `redis://127.0.0.1:${await closedPort()}` });
      await assert.rejects(backend.ping(1000));
    } finally {
      await backends.cleanup();
    }
  });

  describe('startWorkers', function () {
    this.timeout(30_000);
    const backends = new TestBackends();
    after(() => backends.cleanup());

    it('logs every line of a job with the correlation id job:<queue>:<id>', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          cb();
        },
      });
      const logger = createLogger({ level: 'debug' }, sink);
      const backend = backends.create('redis');
      const running = startWorkers(
        backend,
        {
          [QUEUES.cancellationTracking]: () => {
            logger.info('inside the processor');
            return Promise.resolve('tracked');
          },
        },
        { concurrency: 1, logger },
      );
      try {
        await backend.queue(QUEUES.cancellationTracking).add('track', { cancellationId: '7' }, { jobId: 'cancel-7' });
        await eventually(() => lines.some((l) => l.msg === 'job done'), { what: 'job done log' });
        const inside = lines.find((l) => l.msg === 'inside the processor');
        assert.equal(inside?.correlationId, 'job:cancellation-tracking:cancel-7');
      } finally {
        await running.close(5000);
      }
    });

    it('close() waits for the job in flight to finish', async () => {
      const backend = backends.create('redis');
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = false;
      let finished = false;
      const running = startWorkers(
        backend,
        {
          [QUEUES.linkExpiry]: async () => {
            started = true;
            await gate;
            finished = true;
            return 'ok';
          },
        },
        { concurrency: 1, logger: createLogger({ level: 'silent' }) },
      );
      await backend.queue(QUEUES.linkExpiry).add('expire', { downloadLinkId: '1' }, { jobId: 'link-1' });
      await eventually(() => started, { what: 'job started' });
      const closing = running.close(10_000);
      release();
      assert.deepEqual(await closing, { forced: false });
      assert.equal(finished, true);
      assert.equal(await backend.queue(QUEUES.linkExpiry).getJobState('link-1'), 'completed');
    });

    it('close() forces the workers shut when a job outlasts the bound', async () => {
      const backend = backends.create('redis');
      let started = false;
      const running = startWorkers(
        backend,
        {
          [QUEUES.linkExpiry]: () => {
            started = true;
            return new Promise(() => undefined); // never finishes
          },
        },
        { concurrency: 1, logger: createLogger({ level: 'silent' }) },
      );
      await backend.queue(QUEUES.linkExpiry).add('expire', { downloadLinkId: '2' }, { jobId: 'link-2' });
      await eventually(() => started, { what: 'job started' });
      assert.deepEqual(await running.close(200), { forced: true });
      // The job was not completed; its lock will expire and another worker takes it over.
      assert.equal(await backend.queue(QUEUES.linkExpiry).getJobState('link-2'), 'active');
    });
  });
});
