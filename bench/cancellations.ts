/**
 * Cancellations end to end (R14–R19): N concurrent Submits (N = 50 and 500) through
 * /api/messages of the bot server (its own process, bench/target.ts), a worker in its own
 * process (bench/cancellation-worker.ts: bot/worker.ts's startWorker — outbox relay, the
 * `cancellation-tracking` job, notification delivery — on a real BullMQ queue: Redis, then
 * BullMQ's PostgreSQL backend; a queue prefix of its own per run), the embedded commerce
 * backend's cancellation delay at 0 (EMBEDDED_CANCELLATION_DELAY_MS=0), and a fake Bot
 * Connector (test/fakes/bot-connector.ts) in this process that receives the notifications.
 *
 * Each cancellation is its own Admin agent's, in their own personal conversation (the
 * notification goes to the requester's personal chat; one user with N orders would get all N
 * in one conversation, under that conversation's rate limit), with an order placed directly
 * (embedded backend + ledger, as test/support/purchases.ts does). Before the clock starts,
 * every user says `cancel <order id>` and gets the notice card (its noticeId); then all N
 * Submits go out at once. Measured per cancellation: Submit sent → its notification arrives at
 * the fake connector. Duplicates: deliveries per conversation beyond the first (each
 * conversation expects exactly one), after a quiet period once all have arrived. Stages from
 * the database: the Submit's commit (cancellations.requested_at) → the tracking job enqueued by
 * the relay (job_outbox.enqueued_at) → finished (cancellations.status_at) → the notification's
 * job enqueued by the relay → delivered.
 *
 * The tracking job's cost: the worker counts the statements of its domain pool per job queue
 * (./count-queries.ts, a wrapped pool; pg_stat_statements is not loaded here). With delay 0 a
 * cancellation finishes at the tracking job's first look, so a pending poll never happens in
 * these rows; the cost of one look at a pending cancellation is measured afterwards, in this
 * process, by calling CancellationTracker.track (what the job runs) on cancellations whose
 * backend takes an hour.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Db } from '../services/db/pool.js';
import { loadConfig } from '../services/config.js';
import { createLogger } from '../services/logger.js';
import { createDomain } from '../services/domain.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { PurchaseLedger } from '../services/ledger/purchase-ledger.js';
import { CancellationTracker } from '../services/cancellation/tracking.js';
import { PLAYGROUND_TENANT_ID } from '../services/seed/demo.js';
import { startFakeBotConnector } from '../test/fakes/bot-connector.js';
import { deleteQueueData } from '../test/support/queue-data.js';
import { countQueries } from './count-queries.js';
import {
  countsBy, cpuSnapshot, jobsLeft, logNotifications, ms, pooled, postActivity, printStages, quietPeriodMs, sleep, sqlPerItem, startWorkerProcess, statOf, stat,
  tallyWorker, teamsMessage, type Stat, type TurnInput, type WorkerProcess,
} from './harness.js';

const WS_DATACENTER = { productId: 'DG7GMGF0D7FV', skuId: '0001' };
const ALEX = '00000000-0000-0000-0000-0000000000020';

export type QueueBackendKind = 'redis' | 'postgres';

export interface CancellationResult {
  backend: QueueBackendKind;
  n: number;
  /** First Submit sent → last notification delivered. */
  seconds: number;
  /** Submit sent → notification delivered, ms. */
  latency: Stat;
  /** The Submit turn itself (its HTTP answer), ms. */
  submitTurn: Stat;
  stages: Array<{ name: string; stat: Stat }>;
  delivered: number;
  /** Deliveries beyond the first per conversation. */
  duplicates: number;
  /** Deliveries that do not name their conversation's order. */
  misdirected: number;
  /** Deliveries per order (an order named by more than one delivery counts its extras). */
  duplicatesPerOrder: number;
  /** cancellations.polls → how many cancellations (1 = finished at the first look). */
  polls: Record<string, number>;
  /** cancellations.status → count; notifications.status → count. */
  cancellationStatus: Record<string, number>;
  notificationStatus: Record<string, number>;
  /** Notifications claimed more than once (attempts > 1). */
  notificationRetries: number;
  /** Runs of the notification job per notification (its first statement counted); a run beyond the first waited for a rate-limit window. */
  notificationRuns: number;
  /** Outbox rows not yet enqueued, and BullMQ job counts, after the quiet period. */
  outboxPending: number;
  queueCounts: Record<string, Record<string, number>>;
  /** SQL statements of the worker's domain pool per cancellation, by scope. */
  statementsPerCancellation: Record<string, number>;
  /** Per statement of the tracking job, per cancellation (the first row is printed). */
  trackingStatements?: Array<[string, number]>;
  worker: { relayIntervalMs: number; concurrency: number; poolMax: number };
  /**
   * CPU ms per cancellation, from /proc (null without it): the bot process during the Submit
   * burst (first Submit sent → last answered), and from the first Submit to the last
   * notification: the bot, the worker, all Postgres processes, this process (load generator
   * and fake connector).
   */
  cpu: { botPerSubmit: number; bot: number; worker: number; postgres: number; load: number } | null;
}

export interface PendingPollCost {
  cancellations: number;
  /** The first look (the backend is asked to cancel; it answers pending): statements. */
  firstLook: number;
  /** A later look at a pending cancellation (status asked; still pending): statements. */
  poll: number;
  pollStatements: Array<[string, number]>;
  firstLookStatements: Array<[string, number]>;
}

export interface CancellationReport {
  rows: CancellationResult[];
  pending: PendingPollCost;
}

/** The worker process (bench/cancellation-worker.ts) on a queue backend and prefix of its own. */
interface CancellationWorker extends WorkerProcess {
  kind: QueueBackendKind;
  prefix: string;
}

async function startCancellationWorker(kind: QueueBackendKind, opts: { databaseUrl: string; schema: string; redisUrl: string }): Promise<CancellationWorker> {
  const prefix = `bench-cancel-${kind}-${Date.now().toString(36)}`;
  const worker = await startWorkerProcess('cancellation worker', 'bench/cancellation-worker.ts', [opts.databaseUrl, opts.schema, kind, prefix, opts.redisUrl]);
  return { ...worker, kind, prefix };
}

interface Agent { userId: number; aadObjectId: string; conversationId: string; orderId: string; customerId?: string; noticeId?: string }

export async function benchCancellations(db: Db, opts: { botUrl: string; botPid: number; databaseUrl: string; schema: string; redisUrl: string; sizes?: number[]; backends?: QueueBackendKind[] }): Promise<CancellationReport> {
  const sizes = opts.sizes ?? [50, 500];
  const backends = opts.backends ?? ['redis', 'postgres'];
  const partner = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND external_id = $1", [PLAYGROUND_TENANT_ID]);
  const partnerId = Number(partner.rows[0]!.partner_id);
  const customer = await db.query<{ id: string }>("SELECT id FROM customers WHERE partner_id = $1 AND primary_domain = 'contoso-de.onmicrosoft.com'", [partnerId]);
  const customerId = customer.rows[0]!.id;
  const commerce = new EmbeddedCommerceBackend(db);
  const ledger = new PurchaseLedger(db);

  // The fake Bot Connector, and the arrival times of the notifications it receives.
  const connector = await startFakeBotConnector();
  const notifications = logNotifications(connector);
  const arrivals = notifications.arrivals;

  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...sizes) });
  const say = (a: Agent, input: TurnInput) =>
    postActivity(opts.botUrl, agent, teamsMessage(connector.url, { aadObjectId: a.aadObjectId, name: 'Bench Agent', conversationId: a.conversationId, tenantId: PLAYGROUND_TENANT_ID }, input));

  /** n Admin agents, each with an order of their own and the notice card of its cancellation. */
  async function prepare(n: number): Promise<Agent[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    const users = await db.query<{ id: string; external_id: string }>(
      `INSERT INTO users (partner_id, channel, external_id, display_name)
       SELECT $1, 'msteams', e, 'Bench Agent' FROM unnest($2::text[]) AS e RETURNING id, external_id`,
      [partnerId, ids],
    );
    await db.query("INSERT INTO user_roles (user_id, role) SELECT unnest($1::bigint[]), 'admin_agent'", [users.rows.map((u) => u.id)]);
    const agents = await pooled(users.rows, 10, async (u): Promise<Agent> => {
      // `cancel <order id>` takes a word for an order id only when it holds a digit (dialogs/cancel.ts ORDER_ID); the
      // embedded backend's ids have none about once in 90 ((22/32)^12) and are then searched as a customer name. Such an
      // order is left alone (it stays active) and another one placed.
      let result;
      do {
        result = await commerce.createOrder(partnerId, { customerId, createdBy: Number(u.id), lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
        await ledger.record({ order: result.order, backend: commerce.name, backendRef: result.reference });
      } while (!/\d/.test(result.order.id));
      return { userId: Number(u.id), aadObjectId: u.external_id, conversationId: `a:${randomUUID()}`, orderId: result.order.id };
    });
    await pooled(agents, 50, async (a) => {
      const answer = await say(a, { text: `cancel ${a.orderId}` });
      const m = /"action":"cancel\.submit","customerId":"([^"]+)","noticeId":"([^"]+)"/.exec(answer);
      if (!m) throw new Error(`no notice card for ${a.orderId}: ${(answer.match(/"text":"[^"]*"/g) ?? []).join(" ").slice(0, 600)}`);
      a.customerId = m[1];
      a.noticeId = m[2];
    });
    return agents;
  }

  async function row(worker: CancellationWorker, n: number, record: boolean): Promise<CancellationResult | null> {
    const agents = await prepare(n);
    await worker.ask('reset');
    notifications.start();
    const sentAt = new Map<string, { at: number; epoch: number }>();
    const submitTurn: number[] = [];
    const cpu0 = cpuSnapshot(opts.botPid, worker.pid);
    const started = performance.now();
    await Promise.all(agents.map(async (a) => {
      const t0 = performance.now();
      sentAt.set(a.conversationId, { at: t0, epoch: Date.now() });
      const answer = await say(a, { value: { action: 'cancel.submit', customerId: a.customerId, noticeId: a.noticeId, orderId: a.orderId, acknowledged: 'true' } });
      submitTurn.push(performance.now() - t0);
      if (!answer.includes('Cancellation submitted')) throw new Error(`Submit of ${a.orderId} not answered as submitted: ${answer.slice(0, 300)}`);
    }));
    const cpuSubmits = cpuSnapshot(opts.botPid, worker.pid);
    // Until every conversation has its notification, then a quiet period for late duplicates.
    const last = await notifications.untilConversations(n);
    const cpu1 = cpuSnapshot(opts.botPid, worker.pid);
    await sleep(quietPeriodMs(worker.settings));
    notifications.stop();
    if (!record) return null;

    const byConversation = notifications.byConversation();
    const latencies: number[] = [];
    const deliveredEpoch = new Map<string, number>();
    let duplicates = 0;
    let misdirected = 0;
    for (const a of agents) {
      const got = byConversation.get(a.conversationId) ?? [];
      if (got.length === 0) continue;
      duplicates += got.length - 1;
      misdirected += got.filter((x) => !x.text.includes(a.orderId) || !x.text.includes('Cancellation finished')).length;
      latencies.push(got[0]!.at - sentAt.get(a.conversationId)!.at);
      deliveredEpoch.set(a.orderId, got[0]!.epoch);
    }
    const perOrder = new Map<string, number>();
    for (const x of arrivals) for (const a of agents) if (x.text.includes(a.orderId)) perOrder.set(a.orderId, (perOrder.get(a.orderId) ?? 0) + 1);
    const duplicatesPerOrder = [...perOrder.values()].reduce((s, c) => s + Math.max(0, c - 1), 0);

    // Stages, from the database (the bot's, the relay's and Postgres's clocks: the same machine).
    const orderIds = agents.map((a) => a.orderId);
    const { rows: stageRows } = await db.query<{ order_id: string; requested_at: Date; tracking_enqueued_at: Date | null; finished_at: Date; notification_enqueued_at: Date | null }>(
      `SELECT c.order_id, c.requested_at, t.enqueued_at AS tracking_enqueued_at, c.status_at AS finished_at, o.enqueued_at AS notification_enqueued_at
         FROM cancellations c
         LEFT JOIN job_outbox t ON t.queue = 'cancellation-tracking' AND t.job_id = 'cancellation-' || c.id
         LEFT JOIN notifications n ON n.dedupe_key = 'cancellation-finished:' || c.id
         LEFT JOIN job_outbox o ON o.queue = 'notifications' AND o.job_id = 'notify-' || n.id
        WHERE c.order_id = ANY($1::text[])`,
      [orderIds],
    );
    const sentEpoch = new Map(agents.map((a) => [a.orderId, sentAt.get(a.conversationId)!.epoch]));
    const stage = (of: (r: (typeof stageRows)[number]) => number | null) => statOf(stageRows, of);
    const stages = [
      { name: 'Submit sent → committed (the turn)', stat: stage((r) => r.requested_at.getTime() - sentEpoch.get(r.order_id)!) },
      { name: 'committed → tracking job enqueued (relay)', stat: stage((r) => (r.tracking_enqueued_at ? r.tracking_enqueued_at.getTime() - r.requested_at.getTime() : null)) },
      { name: 'enqueued → finished (job picked up, backend, finish transaction)', stat: stage((r) => (r.tracking_enqueued_at ? r.finished_at.getTime() - r.tracking_enqueued_at.getTime() : null)) },
      { name: 'finished → notification job enqueued (relay)', stat: stage((r) => (r.notification_enqueued_at ? r.notification_enqueued_at.getTime() - r.finished_at.getTime() : null)) },
      { name: 'notification enqueued → delivered (job, rate limits, send)', stat: stage((r) => (r.notification_enqueued_at && deliveredEpoch.has(r.order_id) ? deliveredEpoch.get(r.order_id)! - r.notification_enqueued_at.getTime() : null)) },
    ];

    const tally = (sql: string) => countsBy(db, sql, [orderIds]);
    const polls = await tally('SELECT polls::text AS k, count(*)::int AS n FROM cancellations WHERE order_id = ANY($1::text[]) GROUP BY polls ORDER BY polls');
    const cancellationStatus = await tally('SELECT status AS k, count(*)::int AS n FROM cancellations WHERE order_id = ANY($1::text[]) GROUP BY status');
    const notificationStatus = await tally(
      `SELECT n.status AS k, count(*)::int AS n FROM notifications n JOIN cancellations c ON n.dedupe_key LIKE 'cancellation-%:' || c.id
        WHERE c.order_id = ANY($1::text[]) GROUP BY n.status`,
    );
    const retries = await tally(
      `SELECT 'retried' AS k, count(*)::int AS n FROM notifications n JOIN cancellations c ON n.dedupe_key LIKE 'cancellation-%:' || c.id
        WHERE c.order_id = ANY($1::text[]) AND n.attempts > 1`,
    );
    const counted = await tallyWorker(db, worker, n, 'cancellation-tracking');

    return {
      backend: worker.kind,
      n,
      seconds: (last - started) / 1000,
      latency: stat(latencies),
      submitTurn: stat(submitTurn),
      stages,
      delivered: arrivals.length,
      duplicates,
      misdirected,
      duplicatesPerOrder,
      polls,
      cancellationStatus,
      notificationStatus,
      notificationRetries: retries.retried ?? 0,
      notificationRuns: counted.notificationRuns,
      outboxPending: counted.outboxPending,
      queueCounts: counted.queueCounts,
      statementsPerCancellation: counted.statementsPerItem,
      trackingStatements: counted.jobStatements,
      worker: { relayIntervalMs: worker.settings.relayIntervalMs, concurrency: worker.settings.concurrency, poolMax: worker.settings.poolMax },
      cpu: cpu0.bot !== null && cpuSubmits.bot !== null && cpu1.bot !== null && cpu0.worker !== null && cpu1.worker !== null && cpu0.postgres !== null && cpu1.postgres !== null
        ? {
          botPerSubmit: (cpuSubmits.bot - cpu0.bot) / n,
          bot: (cpu1.bot - cpu0.bot) / n,
          worker: (cpu1.worker - cpu0.worker) / n,
          postgres: (cpu1.postgres - cpu0.postgres) / n,
          load: (cpu1.load - cpu0.load) / n,
        }
        : null,
    };
  }

  const rows: CancellationResult[] = [];
  try {
    for (const kind of backends) {
      const worker = await startCancellationWorker(kind, opts);
      try {
        await row(worker, 20, false); // warm-up (JIT, connections), not recorded
        for (const n of sizes) rows.push((await row(worker, n, true))!);
      } finally {
        await worker.stop();
        await deleteQueueData(kind, [worker.prefix], { databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl });
      }
    }
  } finally {
    agent.destroy();
    await connector.close();
  }
  return { rows, pending: await pendingPollCost(db, { partnerId, customerId }) };
}

/**
 * What one look at a pending cancellation costs in SQL: CancellationTracker.track (the job's
 * body; the job then moves itself to the delayed set, a queue-backend call, no SQL here) on
 * cancellations the embedded backend finishes only after an hour. No worker runs by now, so
 * nothing else takes them up.
 */
async function pendingPollCost(db: Db, ids: { partnerId: number; customerId: string }): Promise<PendingPollCost> {
  const COUNT = 20;
  const logger = createLogger({ level: 'silent' });
  const counter = countQueries(db, () => 'track');
  const config = loadConfig({ LOG_LEVEL: 'silent', EMBEDDED_CANCELLATION_DELAY_MS: '3600000' });
  const domain = createDomain({ config, db: counter.db, logger });
  const tracker = new CancellationTracker({
    db: counter.db, commerce: domain.commerce, ledger: domain.ledger, software: domain.software, notifications: domain.notifications, activity: domain.activity,
    logger, deadlineMinutes: config.cancellation.deadlineMinutes,
  });
  const user = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'msteams' AND external_id = $2", [ids.partnerId, ALEX]);
  const actor = { userId: Number(user.rows[0]!.id), partnerId: ids.partnerId, channel: 'msteams' as const, externalId: ALEX, displayName: 'Alex Wilber', roles: ['admin_agent' as const], locale: 'en-US' };
  const first: number[] = [];
  const polls: number[] = [];
  let firstStatements: Map<string, number> | undefined;
  let pollStatements: Map<string, number> | undefined;
  for (let i = 0; i < COUNT; i++) {
    const placed = await domain.commerce.createOrder(ids.partnerId, { customerId: ids.customerId, createdBy: actor.userId, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
    await domain.ledger.record({ order: placed.order, backend: domain.commerce.name, backendRef: placed.reference });
    const notice = await domain.cancellations.notice(actor, ids.customerId, { orderId: placed.order.id });
    const submitted = await domain.cancellations.submit(actor, { customerId: ids.customerId, orderId: placed.order.id, noticeId: notice.noticeId, acknowledged: true });
    const id = submitted.cancellation.cancellationId;
    counter.reset();
    const a = await tracker.track(id);
    if (a.status !== 'pending') throw new Error(`expected pending at the first look, got ${a.status}`);
    firstStatements = counter.byStatement().get('track');
    first.push([...(firstStatements?.values() ?? [])].reduce((s, c) => s + c, 0));
    counter.reset();
    const b = await tracker.track(id);
    if (b.status !== 'pending') throw new Error(`expected pending at the second look, got ${b.status}`);
    pollStatements = counter.byStatement().get('track');
    polls.push([...(pollStatements?.values() ?? [])].reduce((s, c) => s + c, 0));
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    cancellations: COUNT,
    firstLook: mean(first),
    poll: mean(polls),
    firstLookStatements: [...(firstStatements ?? [])],
    pollStatements: [...(pollStatements ?? [])],
  };
}

/** Prints the report as the other rows of `npm run bench` are printed (markdown tables). */
export function printCancellations(report: CancellationReport): void {
  const { rows, pending } = report;
  if (rows.length === 0) return;
  const w = rows[0]!.worker;
  console.log(`\nCancellations end to end: N concurrent Submits through /api/messages (bot server in its own process) → outbox → worker (own process; relay every ${w.relayIntervalMs} ms, ${w.concurrency} jobs per queue, pool of ${w.poolMax}) → tracking job (embedded backend, EMBEDDED_CANCELLATION_DELAY_MS=0) → notification at a fake Bot Connector. One Admin agent and personal conversation per cancellation, all in one tenant.\n`);
  console.log('| queue backend | N | cancellations/s | p50 ms | p99 ms | max ms | duplicates | Submit turn p50 / p99 ms | SQL per cancellation: tracking job / notification job / relay + housekeeping | CPU ms per cancellation: bot (Submit turn) / worker / Postgres / load generator |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---|---|');
  for (const r of rows) {
    const sql = sqlPerItem(r.statementsPerCancellation, 'cancellation-tracking');
    // Postgres backends that exit during the row take their CPU time with them (BullMQ's PostgreSQL backend opens and closes connections): low, even negative, readings are shown as n/a.
    const cpu = r.cpu ? `${r.cpu.bot.toFixed(1)} (${r.cpu.botPerSubmit.toFixed(1)}) / ${r.cpu.worker.toFixed(1)} / ${r.cpu.postgres > 0 ? r.cpu.postgres.toFixed(1) : 'n/a'} / ${r.cpu.load.toFixed(1)}` : 'n/a';
    console.log(`| ${r.backend} | ${r.n} | ${(r.n / r.seconds).toFixed(1)} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${r.duplicates} | ${ms(r.submitTurn.p50)} / ${ms(r.submitTurn.p99)} | ${sql} | ${cpu} |`);
  }
  printStages(rows, (r) => `${r.backend} N=${r.n}`);
  console.log('\nChecks per row:');
  for (const r of rows) {
    const left = jobsLeft(r.queueCounts);
    const stuck = left.length === 0 ? 'no job waiting, active, delayed or failed' : left.join('; ');
    console.log(`- ${r.backend} N=${r.n}: ${r.delivered} deliveries (duplicates per conversation ${r.duplicates}, per order ${r.duplicatesPerOrder}, not naming their order ${r.misdirected}); `
      + `cancellations ${JSON.stringify(r.cancellationStatus)}, looks per cancellation ${JSON.stringify(r.polls)}; notifications ${JSON.stringify(r.notificationStatus)}, claimed more than once ${r.notificationRetries}, job runs per notification ${r.notificationRuns.toFixed(2)}; `
      + `outbox rows not enqueued ${r.outboxPending}; queues after: ${stuck}`);
  }
  const first = rows[0]!;
  if (first.trackingStatements && first.trackingStatements.length > 0) {
    console.log(`\nStatements of the tracking job per cancellation (${first.backend} N=${first.n}; finished at the first look):`);
    for (const [text, c] of first.trackingStatements) console.log(`  ${c.toFixed(2)} × ${text}`);
  }
  console.log(`\nA pending cancellation (the backend not finished; CancellationTracker.track on ${pending.cancellations} cancellations, counted through a wrapped pool): `
    + `first look ${pending.firstLook.toFixed(1)} statements, each later poll ${pending.poll.toFixed(1)} statements (plus the queue backend's moveToDelayed).`);
  console.log('  a later poll:');
  for (const [text, c] of pending.pollStatements) console.log(`    ${c} × ${text}`);
}
