/**
 * Faults (issue 14): a worker process killed (kill -9) mid-delivery, and Redis stopped and started
 * again without its data. Real worker processes on this run's Postgres (a schema of their own) and
 * a redis-server of this file's own on a free port — never the machine's shared Redis; the Teams
 * side is the fake Bot Connector. Every effect is asserted exactly once, except what the design
 * allows twice: a notification the provider had accepted when its worker died (the duplicate
 * window is the provider call).
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';
import { createPool, inTransaction, type Db } from '../../services/db/pool.js';
import { createLogger } from '../../services/logger.js';
import { enqueueInTx } from '../../services/jobs/outbox.js';
import { createJobBackend, QUEUES, type JobBackend } from '../../services/jobs/queues.js';
import { NotificationService } from '../../services/notifications/notifications.js';
import { RUN_ID, TEST_DATABASE_URL } from '../setup.js';
import { connectorReplies, startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { createPartner, createTeamsRef } from '../notifications/factories.js';
import { freePort, runEntry, until, type Proc } from '../support/processes.js';

const SCHEMA = `fj_${RUN_ID}`;
const PREFIX = `csptest-${RUN_ID}-faults`;

/** A redis-server of this file's own: no persistence, as a Redis restarted empty. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return child;
    if (Date.now() > end) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('faults: a worker dies mid-job, Redis restarts empty (issue 14)', function () {
  this.timeout(240_000);
  const service = new NotificationService();
  let redisPort: number;
  let redis: ChildProcess;
  let db: Db;
  let connector: FakeBotConnector;
  let jobs: JobBackend;
  const procs: Proc[] = [];
  const env = () => ({
    DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: SCHEMA, REDIS_URL: `redis://127.0.0.1:${redisPort}`, QUEUE_PREFIX: PREFIX,
    SEED_DEMO_DATA: 'false', NODE_ENV: 'development', LOG_LEVEL: 'info', MicrosoftAppId: '', MicrosoftAppPassword: '',
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), WORKER_CONCURRENCY: '5', OUTBOX_RELAY_INTERVAL_MS: '200', OUTBOX_SWEEP_INTERVAL_MS: '1000', JOB_LOCK_MS: '3000',
  });

  async function startWorker(): Promise<Proc> {
    const proc = runEntry('bot/worker.ts', env(), { direct: true });
    procs.push(proc);
    await until('worker running', () => /worker running/.test(proc.output()), proc, 60_000);
    return proc;
  }

  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    connector = await startFakeBotConnector();
    db = createPool({ url: TEST_DATABASE_URL, schema: SCHEMA, max: 3 });
    jobs = createJobBackend({ redisUrl: `redis://127.0.0.1:${redisPort}`, postgresUrl: TEST_DATABASE_URL, prefix: PREFIX, logger: createLogger({ level: 'silent' }) });
  });
  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await jobs.close().catch(() => undefined);
    await db.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(SCHEMA)} CASCADE`);
    await db.end();
    redis.kill('SIGKILL');
    await connector.close();
  });

  const posts = (conversationId: string) => connector.requests.filter((r) => r.method === 'POST' && r.conversationId === conversationId).length;
  const statusOf = async (ids: string[]) => (await db.query<{ status: string }>('SELECT status FROM notifications WHERE id = ANY($1::bigint[])', [ids])).rows.map((r) => r.status);

  async function notifyEach(partnerId: string, refs: Array<{ id: string }>): Promise<string[]> {
    const ids: string[] = [];
    for (const ref of refs) {
      const message = { kind: 'roleChanged', grant: true, role: 'admin_agent', by: 'faults' } as const;
      ids.push((await inTransaction(db, (client) => service.notify(client, { partnerId, conversationRefId: ref.id, message, dedupeKey: `fault-${ref.id}` }))).notificationId);
    }
    return ids;
  }

  it('kill -9 mid-delivery: the next worker sends what was cut off; only the messages the provider had accepted go twice', async () => {
    const first = await startWorker();
    const partnerId = await createPartner(db);
    const refs = await Promise.all(Array.from({ length: 7 }, () => createTeamsRef(db, { partnerId, serviceUrl: connector.url })));
    // The provider takes every message and never answers while the first worker lives.
    connector.script((r) => (r.method === 'POST' ? connectorReplies.slow(600_000) : undefined));
    const ids = await notifyEach(partnerId, refs);
    // Five deliveries (its concurrency) are in the provider call; two wait in the queue.
    await until('five deliveries in flight', () => refs.filter((r) => posts(r.conversationId) === 1).length === 5, first);
    first.child.kill('SIGKILL');
    await first.exited;
    connector.script(undefined);

    const second = await startWorker();
    // BullMQ hands the killed worker's jobs out again once their locks expire (JOB_LOCK_MS); their leases are
    // free at once (waiting them out would take two minutes, past this bound).
    await until('every notification sent', async () => (await statusOf(ids)).every((s) => s === 'sent'), second, 60_000);
    const counts = refs.map((r) => posts(r.conversationId)).sort();
    assert.deepEqual(counts, [1, 1, 2, 2, 2, 2, 2], 'the five the provider had accepted when the worker died went twice; the two not yet begun, once');
    const { rows } = await db.query<{ attempts: number }>('SELECT attempts FROM notifications WHERE id = ANY($1::bigint[]) ORDER BY attempts', [ids]);
    assert.deepEqual(rows.map((r) => r.attempts), [1, 1, 2, 2, 2, 2, 2]);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('Redis restarted without its data: a delayed job is relayed again for its deadline; a job written meanwhile runs once', async () => {
    const worker = await startWorker();
    const deadline = new Date(Date.now() + 3_600_000);
    await inTransaction(db, (client) => enqueueInTx(client, { queue: QUEUES.linkExpiry, name: 'expire', jobId: 'fault-link', data: { downloadLinkId: '424242' }, delayUntil: deadline }));
    const q = jobs.queue(QUEUES.linkExpiry);
    await until('the expiry job in Redis', async () => (await q.getJobState('fault-link')) === 'delayed', worker);
    // Relayed over a minute ago: past the sweep's grace.
    await db.query("UPDATE job_outbox SET enqueued_at = now() - interval '2 minutes' WHERE job_id = 'fault-link'");

    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    // While Redis is down, a notification is written: the outbox keeps it.
    const partnerId = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId, serviceUrl: connector.url });
    const [id] = await notifyEach(partnerId, [ref]);
    redis = await startRedis(redisPort);

    await until('the expiry job relayed again', async () => (await q.getJobState('fault-link').catch(() => 'unknown')) === 'delayed', worker, 60_000);
    const job = await q.getJob('fault-link');
    assert.ok(Math.abs(job!.timestamp + job!.delay - deadline.getTime()) < 5000, 'delayed to its deadline again');
    const { rows } = await db.query<{ requeued: number; done: boolean }>("SELECT requeued, done_at IS NOT NULL AS done FROM job_outbox WHERE job_id = 'fault-link'");
    assert.deepEqual(rows, [{ requeued: 1, done: false }]);
    await until('the notification sent', async () => (await statusOf([id!]))[0] === 'sent', worker, 60_000);
    assert.equal(posts(ref.conversationId), 1);
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
  });
});
