/**
 * Runs the job processors of a worker process: one BullMQ worker per queue, each job
 * in its own correlation context (`job:<queue>:<jobId>`) so every log line it causes
 * can be followed. Shutdown: stop intake, wait for the jobs in flight up to a bound,
 * then force-close (those jobs' locks expire and another worker picks them up — which
 * is why every processor is idempotent).
 */
import { DelayedError, UnrecoverableError } from 'bullmq';
import { withCorrelation, type Logger } from '../logger.js';
import type { JobBackend, JobProcessor, JobWorker, QueueJob, QueueName } from './queues.js';

export type Processors = { [Q in QueueName]?: JobProcessor<Q> };

export interface RunningWorkers {
  readonly workers: ReadonlyMap<QueueName, JobWorker>;
  /** Stop intake and wait for active jobs up to `timeoutMs`; then force. Resolves `{ forced }`. */
  close(timeoutMs: number): Promise<{ forced: boolean }>;
}

export function startWorkers(
  backend: Pick<JobBackend, 'worker'>,
  processors: Processors,
  opts: {
    concurrency: number;
    logger: Logger;
    lockDuration?: number;
    /** A job completed or failed for good (the outbox's markJobSettled); a failure to record it is logged, never the job's. */
    settled?: (queue: QueueName, jobId: string) => Promise<void>;
  },
): RunningWorkers {
  const workers = new Map<QueueName, JobWorker>();
  // Processor runs in flight, so shutdown can wait for them without trusting worker.close(),
  // which — once started gracefully — cannot be turned into a forced close.
  const inFlight = new Set<Promise<unknown>>();
  for (const [queue, processor] of Object.entries(processors) as Array<[QueueName, JobProcessor | undefined]>) {
    if (!processor) continue;
    const logger = opts.logger.child({ queue });
    const settled = (jobId: string | undefined) => {
      if (!opts.settled || !jobId) return Promise.resolve();
      return opts.settled(queue, jobId).catch((err: unknown) => logger.warn({ err, jobId }, 'could not record a settled job; the outbox sweep may relay it again (processors are idempotent)'));
    };
    const run: JobProcessor = (job, token) => {
      const p = withCorrelation(`job:${queue}:${job.id}`, async () => {
        const result = await runJob(queue, processor, job, token, logger);
        await settled(job.id);
        return result;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => undefined);
      return p;
    };
    // A job of a worker that died is handed out again once its lock expires, found by the next stalled check.
    const worker = backend.worker(queue, run, { concurrency: opts.concurrency, ...(opts.lockDuration ? { lockDuration: opts.lockDuration, stalledInterval: opts.lockDuration } : {}) });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) return;
      logger.error({ jobId: job.id, attemptsMade: job.attemptsMade, err }, 'job failed for good');
      void settled(job.id);
    });
    workers.set(queue, worker);
  }

  let closing: Promise<{ forced: boolean }> | undefined;
  return {
    workers,
    close(timeoutMs) {
      closing ??= (async () => {
        const all = [...workers.values()];
        // Stop intake at once, without waiting for the active jobs…
        await Promise.allSettled(all.map((w) => w.pause(true)));
        // …then give them up to timeoutMs to finish.
        let timer: NodeJS.Timeout | undefined;
        const drained = Promise.allSettled([...inFlight]).then(() => 'drained' as const);
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        const forced = (await Promise.race([drained, timeout])) === 'timeout';
        clearTimeout(timer);
        if (forced) opts.logger.warn({ timeoutMs, active: inFlight.size }, 'jobs still running at shutdown; closing anyway (their locks expire and another worker retries them)');
        await Promise.allSettled(all.map((w) => w.close(forced)));
        return { forced };
      })();
      return closing;
    },
  };
}

async function runJob(queue: QueueName, processor: JobProcessor, job: QueueJob, token: string | undefined, logger: Logger): Promise<unknown> {
  const attempt = job.attemptsMade + 1;
  logger.debug({ jobId: job.id, name: job.name, attempt }, 'job started');
  try {
    const result = await processor(job, token);
    logger.info({ jobId: job.id, name: job.name, attempt, result }, 'job done');
    return result;
  } catch (err) {
    if (err instanceof DelayedError || (err as Error).name === 'DelayedError') {
      logger.debug({ jobId: job.id, attempt }, 'job delayed');
    } else if (err instanceof UnrecoverableError || (err as Error).name === 'UnrecoverableError') {
      logger.warn({ jobId: job.id, attempt, err }, 'job refused; not retried');
    } else {
      logger.warn({ jobId: job.id, attempt, of: job.opts.attempts, queue, err }, 'job attempt failed');
    }
    throw err;
  }
}
