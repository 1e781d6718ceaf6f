/**
 * The job backend: BullMQ on Redis when REDIS_URL is configured, otherwise BullMQ's
 * PostgreSQL backend in the same database as everything else (zero-config mode; its own
 * schema `bullmq_<prefix>`, created and migrated by BullMQ).
 *
 * Producers and workers use separate connections (Redis: the producer fails fast —
 * `enableOfflineQueue: false` — while the worker connection waits out outages —
 * `maxRetriesPerRequest: null`). Job data holds ids only; processors load the rest from
 * Postgres. Jobs are normally not added here directly but through the transactional
 * outbox (services/jobs/outbox.ts), so a Redis outage can never lose one.
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import {
  DelayedError,
  Queue,
  Worker,
  withBackend,
  createPostgresBackend,
  type IQueueBackend,
  type Job,
  type JobsOptions,
  type JobProgress,
  type MinimalJob,
} from 'bullmq';
import type { Logger } from '../logger.js';

export const QUEUES = {
  notifications: 'notifications',
  linkExpiry: 'link-expiry',
  cancellationTracking: 'cancellation-tracking',
  supportTickets: 'support-tickets',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

/**
 * What each queue's jobs carry: ids only (bigint ids as strings, as pg returns them).
 * Never a key, a download token or anything else secret — job data is stored in clear.
 */
export interface JobDataByQueue {
  notifications: { notificationId: string };
  'link-expiry': { downloadLinkId: string };
  'cancellation-tracking': { cancellationId: string };
  /** `filing`: which filing of the request (1, then one more per `support retry`): a job of an earlier filing changes nothing. */
  'support-tickets': { supportRequestId: string; filing: number };
}

export type JobData<Q extends QueueName> = JobDataByQueue[Q];

/** The job name used for each queue's jobs (one kind of job per queue). */
export const JOB_NAMES = {
  notifications: 'deliver',
  'link-expiry': 'expire',
  'cancellation-tracking': 'track',
  'support-tickets': 'file',
} as const satisfies Record<QueueName, string>;

/** A queue of one backend; the same BullMQ class whichever datastore is behind it. */
export type JobQueue<Q extends QueueName = QueueName> = Queue<JobData<Q>, unknown, string, JobData<Q>, unknown, string, IQueueBackend, unknown>;
export type JobWorker<Q extends QueueName = QueueName> = Worker<JobData<Q>, unknown, string, IQueueBackend, JobProgress, unknown>;
export type QueueJob<Q extends QueueName = QueueName> = Job<JobData<Q>, unknown, string>;
/**
 * A processor gets the job (ids only) and BullMQ's lock token (needed for job.moveToDelayed).
 * Its return value is stored in the queue and logged by the worker host: never return a secret.
 */
export type JobProcessor<Q extends QueueName = QueueName> = (job: QueueJob<Q>, token?: string) => Promise<unknown>;

/**
 * Custom backoff type, understood by every worker this module creates: honours a
 * `retryAfterMs` carried by the error (HTTP 429 `Retry-After`, see RetryLaterError),
 * otherwise exponential from `delay` with ±20 % jitter, capped at MAX_BACKOFF_MS.
 */
export const RETRY_AFTER_BACKOFF = 'retry-after';
export const MAX_BACKOFF_MS = 10 * 60_000;

/** Throw this (or any error with a numeric `retryAfterMs`) to be retried no sooner than that. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RetryLaterError';
  }
}

/**
 * Puts a running job back in the delayed set for `ms` without using up an attempt (BullMQ's
 * moveToDelayed under the job's lock, then DelayedError). Without the lock token (a processor
 * called directly), a RetryLaterError for the same wait.
 */
export async function delayJob(job: QueueJob, token: string | undefined, ms: number): Promise<never> {
  if (!token) throw new RetryLaterError('cannot delay a job without its lock token', ms);
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

export function retryAfterBackoff(attemptsMade: number, _type?: string, err?: Error, job?: MinimalJob): number {
  const retryAfterMs = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  const jitter = 0.8 + Math.random() * 0.4;
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    // Retry-After is a floor: never earlier, a little later so retries don't stampede.
    return Math.min(Math.round(retryAfterMs * (1 + Math.random() * 0.2)), MAX_BACKOFF_MS);
  }
  const backoff = job?.opts.backoff;
  const base = typeof backoff === 'object' && typeof backoff.delay === 'number' ? backoff.delay : 1000;
  return Math.min(Math.round(base * 2 ** Math.max(0, attemptsMade - 1) * jitter), MAX_BACKOFF_MS);
}

const KEEP_COMPLETED = { age: 24 * 3600, count: 1000 };
const KEEP_FAILED = { age: 14 * 24 * 3600, count: 5000 };

/** Per-queue defaults: attempts and base delay of the retry-after/exponential backoff. */
export const DEFAULT_JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  notifications: { attempts: 8, backoff: { type: RETRY_AFTER_BACKOFF, delay: 2000 } },
  'link-expiry': { attempts: 10, backoff: { type: RETRY_AFTER_BACKOFF, delay: 5000 } },
  'cancellation-tracking': { attempts: 20, backoff: { type: RETRY_AFTER_BACKOFF, delay: 15_000 } },
  'support-tickets': { attempts: 10, backoff: { type: RETRY_AFTER_BACKOFF, delay: 5000 } },
};

export interface WorkerOptions {
  concurrency: number;
  /** Default true; false to construct without starting (tests). */
  autorun?: boolean;
  /** Lock duration (ms); BullMQ's default is 30 s. */
  lockDuration?: number;
  /** How often the worker looks for stalled jobs (ms); BullMQ's default is 30 s. */
  stalledInterval?: number;
}

export interface JobBackend {
  readonly kind: 'redis' | 'postgres';
  /** Queue (producer side), created once per name and reused. */
  queue<Q extends QueueName>(name: Q): JobQueue<Q>;
  /** A new worker on `name`; closed by `close()` unless the caller closes it first. */
  worker<Q extends QueueName>(name: Q, processor: JobProcessor<Q>, opts: WorkerOptions): JobWorker<Q>;
  /** Resolves when the backend answers; throws if it is unreachable (used by /readyz). */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface JobBackendOptions {
  /** Set → Redis backend. Unset → PostgreSQL backend on `postgresUrl`. */
  redisUrl?: string;
  postgresUrl: string;
  /** Config QUEUE_PREFIX: the Redis key prefix, or (Postgres) the schema suffix. */
  prefix: string;
  logger: Logger;
  /** Postgres backend: pool size of each queue's / worker's own pool (default 2). */
  postgresPoolMax?: number;
  /** Per-queue overrides of DEFAULT_JOB_OPTIONS (e.g. shorter backoff in tests). */
  jobOptions?: Partial<Record<QueueName, JobsOptions>>;
}

/** The schema BullMQ's PostgreSQL backend uses for a given queue prefix. */
export function postgresQueueSchema(prefix: string): string {
  const cleaned = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return `bullmq_${cleaned || 'default'}`.slice(0, 63);
}

export function createJobBackend(opts: JobBackendOptions): JobBackend {
  return opts.redisUrl ? new RedisJobBackend(opts.redisUrl, opts) : new PostgresJobBackend(opts);
}

/** Reject with a clear error if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

abstract class BaseJobBackend implements JobBackend {
  abstract readonly kind: 'redis' | 'postgres';
  protected readonly queues = new Map<QueueName, JobQueue>();
  protected readonly workers = new Set<JobWorker>();
  private closing: Promise<void> | undefined;

  constructor(
    protected readonly logger: Logger,
    private readonly jobOptions: Partial<Record<QueueName, JobsOptions>> = {},
  ) {}

  protected abstract newQueue<Q extends QueueName>(name: Q): JobQueue<Q>;
  protected abstract newWorker<Q extends QueueName>(name: Q, processor: JobProcessor<Q>, opts: WorkerOptions): JobWorker<Q>;
  protected abstract pingBackend(): Promise<unknown>;
  protected abstract closeConnections(): Promise<void>;

  queue<Q extends QueueName>(name: Q): JobQueue<Q> {
    if (this.closing) throw new Error('job backend is closed');
    let q = this.queues.get(name) as JobQueue<Q> | undefined;
    if (!q) {
      q = this.newQueue(name);
      q.on('error', (err: Error) => this.logger.warn({ err, queue: name }, 'queue connection error'));
      this.queues.set(name, q as unknown as JobQueue);
    }
    return q;
  }

  worker<Q extends QueueName>(name: Q, processor: JobProcessor<Q>, opts: WorkerOptions): JobWorker<Q> {
    if (this.closing) throw new Error('job backend is closed');
    const w = this.newWorker(name, processor, opts);
    w.on('error', (err: Error) => this.logger.warn({ err, queue: name }, 'worker error'));
    this.workers.add(w as unknown as JobWorker);
    w.on('closed', () => this.workers.delete(w as unknown as JobWorker));
    return w;
  }

  async ping(timeoutMs = 2000): Promise<void> {
    await withTimeout(this.pingBackend(), timeoutMs, `job backend (${this.kind})`);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.workers].map((w) => w.close()));
      await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
      await this.closeConnections();
    })();
    return this.closing;
  }

  protected workerSettings() {
    return { backoffStrategy: retryAfterBackoff };
  }

  protected queueDefaults(name: QueueName): JobsOptions {
    return { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED, ...DEFAULT_JOB_OPTIONS[name], ...this.jobOptions[name] };
  }
}

class RedisJobBackend extends BaseJobBackend {
  readonly kind = 'redis';
  private readonly producer: Redis;
  private readonly consumer: Redis;
  private readonly prefix: string;

  constructor(redisUrl: string, opts: JobBackendOptions) {
    super(opts.logger, opts.jobOptions);
    this.prefix = opts.prefix;
    // Producer: fail fast while Redis is down (the outbox keeps the intent and retries).
    this.producer = new Redis(redisUrl, { enableOfflineQueue: false, connectionName: `${opts.prefix}:producer` });
    // Workers: wait out an outage instead of failing every command.
    this.consumer = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: `${opts.prefix}:worker` });
    let lastLogged = 0;
    const onError = (err: Error) => {
      // ioredis reconnects on its own; log at most every 10 s while it is down.
      if (Date.now() - lastLogged > 10_000) {
        lastLogged = Date.now();
        this.logger.warn({ err }, 'redis connection error');
      }
    };
    this.producer.on('error', onError);
    this.consumer.on('error', onError);
  }

  protected newQueue<Q extends QueueName>(name: Q): JobQueue<Q> {
    return new Queue<JobData<Q>, unknown, string>(name, {
      connection: this.producer,
      prefix: this.prefix,
      defaultJobOptions: this.queueDefaults(name),
    }) as unknown as JobQueue<Q>;
  }

  protected newWorker<Q extends QueueName>(name: Q, processor: JobProcessor<Q>, opts: WorkerOptions): JobWorker<Q> {
    return new Worker<JobData<Q>, unknown, string>(name, processor, {
      connection: this.consumer,
      prefix: this.prefix,
      concurrency: opts.concurrency,
      autorun: opts.autorun ?? true,
      ...(opts.lockDuration ? { lockDuration: opts.lockDuration } : {}),
      ...(opts.stalledInterval ? { stalledInterval: opts.stalledInterval } : {}),
      settings: this.workerSettings(),
    }) as unknown as JobWorker<Q>;
  }

  protected async pingBackend(): Promise<unknown> {
    // Not connected yet (start-up) or reconnecting: wait for 'ready'; an 'error' rejects.
    if (this.producer.status !== 'ready') await once(this.producer, 'ready');
    return this.producer.ping();
  }

  protected async closeConnections(): Promise<void> {
    await Promise.allSettled([this.producer.quit(), this.consumer.quit()]);
    this.producer.disconnect();
    this.consumer.disconnect();
  }
}

class PostgresJobBackend extends BaseJobBackend {
  readonly kind = 'postgres';
  private readonly classes = withBackend(createPostgresBackend);
  private readonly connection: { connectionString: string; schema: string; migrate: true; max: number; connectionTimeoutMillis: number; application_name: string };

  constructor(opts: JobBackendOptions) {
    super(opts.logger, opts.jobOptions);
    this.connection = {
      connectionString: opts.postgresUrl,
      schema: postgresQueueSchema(opts.prefix),
      migrate: true,
      // Every Queue and Worker owns a pool (+ a LISTEN client for workers): keep them small.
      max: opts.postgresPoolMax ?? 2,
      connectionTimeoutMillis: 5000,
      application_name: 'csp-desk-jobs',
    };
  }

  protected newQueue<Q extends QueueName>(name: Q): JobQueue<Q> {
    return new this.classes.Queue<JobData<Q>, unknown, string>(name, {
      connection: this.connection,
      defaultJobOptions: this.queueDefaults(name),
    }) as unknown as JobQueue<Q>;
  }

  protected newWorker<Q extends QueueName>(name: Q, processor: JobProcessor<Q>, opts: WorkerOptions): JobWorker<Q> {
    return new this.classes.Worker<JobData<Q>, unknown, string>(name, processor, {
      connection: this.connection,
      concurrency: opts.concurrency,
      autorun: opts.autorun ?? true,
      ...(opts.lockDuration ? { lockDuration: opts.lockDuration } : {}),
      ...(opts.stalledInterval ? { stalledInterval: opts.stalledInterval } : {}),
      settings: this.workerSettings(),
    }) as unknown as JobWorker<Q>;
  }

  protected pingBackend(): Promise<unknown> {
    return this.queue(QUEUES.notifications).getJobCounts('waiting');
  }

  protected async closeConnections(): Promise<void> {
    // Each Queue/Worker owns its pool; closing them (above) closed the connections.
  }
}
