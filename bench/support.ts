/**
 * Support requests end to end (R21): N requests (BENCH_SUPPORT_REQUESTS, default 200) filed
 * through /api/messages of the bot server (its own process, bench/target.ts) as a Teams user
 * files one — `support <order id>` → the form's Review, its inputs merged into the action's data
 * as Teams merges them (the pre-filled values, a refund reason typed) → Submit — by 1, 10 and 50
 * users at a time. Each user files one request, in a personal conversation of their own, about an
 * order of their own (placed directly through the embedded backend and the ledger); the users
 * belong to 20 partners (Teams tenants) of the benchmark's own, round robin, so that Teams'
 * per-tenant limit on proactive messages (the notifier sends at most 25 a second per tenant) does
 * not decide the latency — the `one tenant` row shows what it does when it does. A worker
 * in its own process (bench/support-worker.ts: bot/worker.ts's startWorker on a BullMQ queue on
 * Redis) relays the outbox intent, runs the `support-tickets` filing job against the desk and
 * delivers the "filed" notification to a fake Bot Connector (test/fakes/bot-connector.ts) in
 * this process. Two desks, one worker process each: the embedded desk (Postgres), and Zendesk
 * over HTTP — the fake of test/fakes/zendesk.ts in this process, the worker pointed at it with
 * SUPPORT_DESK=zendesk, ZENDESK_URL, ZENDESK_EMAIL, ZENDESK_API_TOKEN.
 *
 * Rows per desk, after a warm-up of 20 requests:
 * - `live` at 1, 10 and 50 concurrent users: the three turns' latency; Submit sent → the "filed"
 *   notification at the fake connector; the stages from the database (Submit → committed →
 *   filing job enqueued by the relay → filed → notification enqueued → delivered).
 * - `one tenant` (the embedded desk only): `live` at 50 users, all of one partner.
 * - `backlog`: BENCH_SUPPORT_BACKLOG requests (default 500) submitted, 50 at a time, with the
 *   `support-tickets` queue paused (the relay still enqueues), then resumed: the filing
 *   throughput of one worker process (requests filed per second from the resume to the last
 *   filed_at), with the worker's concurrency (WORKER_CONCURRENCY, default 10).
 * - `faults` (50 requests, 10 at a time): every Submit is sent twice at once (a double click:
 *   two activities; how the pair was answered is tallied — one "submitted" and one "submitted
 *   already", naming the same request, is right); at Zendesk, besides, every fifth ticket create is committed at the fake but
 *   answered only after the worker's timeout (SUPPORT_DESK_TIMEOUT_MS, default 10 s) and every
 *   seventh look-up answered 429 with Retry-After 1 s — the retries must find the tickets made,
 *   not make them again.
 *
 * Per row: duplicates (requests per order beyond the first; tickets per request beyond the first
 * at the desk, found by the order's tag; "filed" notifications per conversation beyond the first,
 * after a quiet period; a notification that does not name its request's order and ticket number
 * is counted as misdirected), the worker's SQL statements per filing by job (./count-queries.ts),
 * Zendesk calls per filing, CPU ms per request (bot, worker, all Postgres processes, this process:
 * load generator and both fakes; from /proc), and the worker's RSS after the row, its peak, and
 * its heap after a full garbage collection.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Db } from '../services/db/pool.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { PurchaseLedger } from '../services/ledger/purchase-ledger.js';
import { startFakeBotConnector } from '../test/fakes/bot-connector.js';
import { startFakeZendesk, zendeskReplies, type FakeZendesk } from '../test/fakes/zendesk.js';
import { deleteQueueData } from '../test/support/queue-data.js';
import {
  countsBy, cpuSnapshot, jobsLeft, logNotifications, ms, pooled, postActivity, printStages, quietPeriodMs, sleep, sqlPerItem, startWorkerProcess, stat, statOf,
  tallyWorker, teamsMessage, type CpuSnapshot, type Stat, type TurnInput, type WorkerProcess,
} from './harness.js';
import type { WorkerReplies, WorkerSettings } from './worker-ipc.js';

const WS_DATACENTER = { productId: 'DG7GMGF0D7FV', skuId: '0001' };
/** Partners (Teams tenants) the requests are spread over, round robin. */
const TENANTS = 20;
const REFUND_REASON = 'The customer cancelled the order by mistake the day it was placed; we ask for the full amount back.';

export type SupportDeskKind = 'embedded' | 'zendesk';
export type SupportRowMode = 'live' | 'one tenant' | 'backlog' | 'faults';

export interface SupportResult {
  desk: SupportDeskKind;
  mode: SupportRowMode;
  n: number;
  /** Users filing at the same time. */
  concurrency: number;
  /** First turn sent (backlog: the queue resumed) → last notification delivered, s. */
  seconds: number;
  /** Each turn's HTTP answer, ms. */
  turns: { open: Stat; review: Stat; submit: Stat };
  /** Submit sent (backlog: the queue resumed) → the "filed" notification at the fake connector, ms. */
  notified: Stat;
  /** Requests filed per second: first Submit sent (backlog: the queue resumed) → last filed_at. */
  filedPerSecond: number;
  stages: Array<{ name: string; stat: Stat }>;
  delivered: number;
  /** "Filed" deliveries per conversation beyond the first. */
  duplicateNotifications: number;
  /** Deliveries that are not a "filed" notification naming their conversation's order and its ticket number. */
  misdirected: number;
  /** faults: how the two Submits sent at once were answered (new + already is right; stale, an HTTP error or two requests are counted as they come). */
  doubleSubmits: Record<string, number> | null;
  /** Tickets at the desk per request beyond the first. */
  duplicateTickets: number;
  /** Requests without a ticket at the desk. */
  missingTickets: number;
  /** Requests recorded per order beyond the first (each user submits one). */
  duplicateRequests: number;
  /** support_requests.status → count; attempts → count. */
  requestStatus: Record<string, number>;
  attempts: Record<string, number>;
  /** notifications.status → count (every support notification of the row's requests: filed and failed). */
  notificationStatus: Record<string, number>;
  /** Runs of the notification job per notification (its first statement counted); a run beyond the first waited for a rate-limit window. */
  notificationRuns: number;
  /** Zendesk calls per filing, by kind (null: the embedded desk). */
  zendeskCalls: Record<string, number> | null;
  /** SQL statements of the worker's domain pool per filing, by scope. */
  statementsPerFiling: Record<string, number>;
  /** Per statement of the filing job, per filing. */
  filingStatements: Array<[string, number]>;
  outboxPending: number;
  queueCounts: Record<string, Record<string, number>>;
  worker: WorkerSettings;
  workerMemory: WorkerMemory;
  /** CPU ms per request, from /proc (null without it): bot (all three turns), worker, all Postgres processes, this process. */
  cpu: { bot: number; worker: number; postgres: number; load: number } | null;
}

export interface SupportReport { rows: SupportResult[] }

type WorkerMemory = WorkerReplies['memory'];

function cpuPer(a: CpuSnapshot, b: CpuSnapshot, n: number): SupportResult['cpu'] {
  if (a.bot === null || b.bot === null || a.worker === null || b.worker === null || a.postgres === null || b.postgres === null) return null;
  return { bot: (b.bot - a.bot) / n, worker: (b.worker - a.worker) / n, postgres: (b.postgres - a.postgres) / n, load: (b.load - a.load) / n };
}

/** What the support worker answers: every bench worker's requests, and `pause` / `resume` of the filing queue. */
type SupportWorkerReplies = WorkerReplies & { pause: object; resume: object };

/** The worker process (bench/support-worker.ts) on a desk and a queue prefix of its own. */
interface SupportWorker extends WorkerProcess<SupportWorkerReplies> {
  desk: SupportDeskKind;
  prefix: string;
}

async function startSupportWorker(desk: SupportDeskKind, opts: { databaseUrl: string; schema: string; redisUrl: string; zendesk: FakeZendesk }): Promise<SupportWorker> {
  const prefix = `bench-support-${desk}-${Date.now().toString(36)}`;
  const deskEnv = desk === 'zendesk'
    ? { SUPPORT_DESK: 'zendesk', ZENDESK_URL: opts.zendesk.url, ZENDESK_EMAIL: opts.zendesk.email, ZENDESK_API_TOKEN: opts.zendesk.apiToken }
    : { SUPPORT_DESK: 'embedded' };
  const worker = await startWorkerProcess<SupportWorkerReplies>('support worker', 'bench/support-worker.ts', [opts.databaseUrl, opts.schema, prefix, opts.redisUrl], {
    nodeFlags: ['--expose-gc'],
    env: { ...process.env, ...deskEnv },
  });
  if (worker.settings.desk !== desk) {
    await worker.stop();
    throw new Error(`the support worker runs the ${worker.settings.desk} desk, not ${desk}`);
  }
  return { ...worker, desk, prefix };
}

/** A partner of the benchmark's own: its Teams tenant and a customer to order for. */
interface BenchPartner { partnerId: number; tenantId: string; customerId: string }

/** One user filing one request. */
interface Requester { tenantId: string; aadObjectId: string; conversationId: string; orderId: string; requestId?: string; submitAt?: number; submitEpoch?: number }

/** `count` partners, each recognised by a Teams tenant of its own, with a customer in Germany. */
async function createPartners(db: Db, count: number): Promise<BenchPartner[]> {
  const tag = randomUUID().slice(0, 8);
  const { rows } = await db.query<{ partner_id: string; tenant_id: string; customer_id: string }>(
    `WITH p AS (
       INSERT INTO partners (name) SELECT 'Bench Partner ' || $1 || ' ' || i FROM generate_series(1, $2) AS i RETURNING id),
     c AS (
       INSERT INTO partner_channels (channel, external_id, partner_id) SELECT 'msteams', gen_random_uuid()::text, id FROM p RETURNING external_id, partner_id)
     INSERT INTO customers (partner_id, company_name, tenant_id, primary_domain, billing_country)
     SELECT c.partner_id, 'Bench Customer GmbH', gen_random_uuid(), 'bench-' || $1 || '-' || c.partner_id || '.onmicrosoft.com', 'DE' FROM c
     RETURNING partner_id, (SELECT external_id FROM c WHERE c.partner_id = customers.partner_id) AS tenant_id, id AS customer_id`,
    [tag, count],
  );
  return rows.map((r) => ({ partnerId: Number(r.partner_id), tenantId: r.tenant_id, customerId: r.customer_id }));
}

/** The inputs of an Adaptive Card (id → value, '' when empty), as Teams merges them into an Action.Submit's data. */
function cardInputs(card: unknown, into: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(card)) {
    for (const c of card) cardInputs(c, into);
  } else if (card && typeof card === 'object') {
    const el = card as { type?: unknown; id?: unknown; value?: unknown };
    if (typeof el.type === 'string' && el.type.startsWith('Input.') && typeof el.id === 'string') into[el.id] = typeof el.value === 'string' ? el.value : '';
    for (const v of Object.values(card)) if (v && typeof v === 'object') cardInputs(v, into);
  }
  return into;
}

/** The data of the card's Action.Submit whose `action` is `name`. */
function submitData(card: unknown, name: string): Record<string, unknown> | undefined {
  if (Array.isArray(card)) {
    for (const c of card) {
      const found = submitData(c, name);
      if (found) return found;
    }
  } else if (card && typeof card === 'object') {
    const el = card as { type?: unknown; data?: Record<string, unknown> };
    if (el.type === 'Action.Submit' && el.data?.action === name) return el.data;
    for (const v of Object.values(card)) {
      if (v && typeof v === 'object') {
        const found = submitData(v, name);
        if (found) return found;
      }
    }
  }
  return undefined;
}

const excerpt = (answer: string) => (answer.match(/"text":"[^"]*"/g) ?? []).join(' ').slice(0, 600);

export async function benchSupport(db: Db, opts: { botUrl: string; botPid: number; databaseUrl: string; schema: string; redisUrl: string; requests?: number; backlog?: number; concurrencies?: number[]; desks?: SupportDeskKind[] }): Promise<SupportReport> {
  const N = opts.requests ?? 200;
  const backlog = opts.backlog ?? 500;
  const concurrencies = opts.concurrencies ?? [1, 10, 50];
  const desks = opts.desks ?? ['embedded', 'zendesk'];
  const partners = await createPartners(db, TENANTS);
  const commerce = new EmbeddedCommerceBackend(db);
  const ledger = new PurchaseLedger(db);

  // The fake Bot Connector (also answers the form's member look-up), and the arrival times of the notifications it receives.
  const connector = await startFakeBotConnector();
  const notifications = logNotifications(connector);
  const arrivals = notifications.arrivals;
  const zendesk = await startFakeZendesk();

  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(50, ...concurrencies) });
  const say = (r: Requester, input: TurnInput) =>
    postActivity(opts.botUrl, agent, teamsMessage(connector.url, { aadObjectId: r.aadObjectId, name: 'Bench Requester', conversationId: r.conversationId, tenantId: r.tenantId }, input));

  /** n users (no role: every user may file), of `among` round robin, each with an order of their own. */
  async function prepare(n: number, among: BenchPartner[]): Promise<Requester[]> {
    const of = Array.from({ length: n }, (_, i) => among[i % among.length]!);
    const users = await db.query<{ id: string; external_id: string; partner_id: string }>(
      `INSERT INTO users (partner_id, channel, external_id, display_name)
       SELECT p, 'msteams', gen_random_uuid()::text, 'Bench Requester' FROM unnest($1::bigint[]) AS p RETURNING id, external_id, partner_id`,
      [of.map((p) => p.partnerId)],
    );
    const byId = new Map(among.map((p) => [p.partnerId, p]));
    return pooled(users.rows, 10, async (u): Promise<Requester> => {
      const p = byId.get(Number(u.partner_id))!;
      const placed = await commerce.createOrder(p.partnerId, { customerId: p.customerId, createdBy: Number(u.id), lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
      await ledger.record({ order: placed.order, backend: commerce.name, backendRef: placed.reference });
      return { tenantId: p.tenantId, aadObjectId: u.external_id, conversationId: `a:${randomUUID()}`, orderId: placed.order.id };
    });
  }

  /** One of two Submits sent at once: `new` or `already` (with the request it names), `stale`, or what else it was answered. */
  const submitAnswer = (answer: string) => {
    const named = /Support request (\d+) for order/.exec(answer)?.[1] ?? '?';
    if (answer.includes('Support request submitted already')) return { kind: 'already', named };
    if (answer.includes('Support request submitted')) return { kind: 'new', named };
    if (answer.includes('no longer current')) return { kind: 'stale', named: '' };
    return { kind: `other: ${excerpt(answer).slice(0, 200)}`, named: '' };
  };
  /** How a double Submit was answered: "new + already" is right (one request, told once that it is new). */
  const doubleAnswer = (a: string, b: string) => {
    const [x, y] = [submitAnswer(a), submitAnswer(b)].sort((p, q) => p.kind.localeCompare(q.kind));
    const same = x!.named === y!.named || x!.named === '' || y!.named === '' ? '' : ' (two requests!)';
    return `${x!.kind} + ${y!.kind}${same}`;
  };

  /** The three turns of one request; each turn's latency is pushed to `timings`. `doubles`: send the Submit twice at once and tally how the pair was answered. */
  async function file(r: Requester, timings: { open: number[]; review: number[]; submit: number[] }, doubles?: Record<string, number>): Promise<void> {
    const turn = async (kind: keyof typeof timings, input: TurnInput) => {
      const t0 = performance.now();
      if (kind === 'submit') {
        r.submitAt = t0;
        r.submitEpoch = Date.now();
      }
      const answer = await say(r, input);
      timings[kind].push(performance.now() - t0);
      return answer;
    };
    const opened = await turn('open', { text: `support ${r.orderId}` });
    const form = (JSON.parse(opened) as { activities?: Array<{ attachments?: Array<{ content?: unknown }> }> }).activities
      ?.flatMap((a) => a.attachments ?? []).map((a) => a.content).find((c) => submitData(c, 'support.review'));
    if (!form) throw new Error(`no support form for ${r.orderId}: ${excerpt(opened)}`);
    const inputs = cardInputs(form);
    const reviewed = await turn('review', { value: { ...submitData(form, 'support.review'), ...inputs, refundReason: REFUND_REASON } });
    const reviewId = /"action":"support\.submit","reviewId":"([^"]+)"/.exec(reviewed)?.[1];
    if (!reviewId) throw new Error(`no review for ${r.orderId}: ${excerpt(reviewed)}`);
    const submit = { value: { action: 'support.submit', reviewId } };
    const [done, again] = await Promise.all([turn('submit', submit), doubles ? say(r, submit).catch((err: unknown) => `HTTP error: ${String(err)}`) : undefined]);
    // Of a double Submit, the timed one may be the one refused as stale: the request is the other's.
    const requestId = /Support request (\d+) for order/.exec(done)?.[1] ?? (again ? /Support request (\d+) for order/.exec(again)?.[1] : undefined);
    if (!requestId) throw new Error(`Submit for ${r.orderId} not answered as submitted: ${excerpt(done)}`);
    r.requestId = requestId;
    if (doubles && again !== undefined) {
      const k = doubleAnswer(done, again);
      doubles[k] = (doubles[k] ?? 0) + 1;
    }
  }

  async function row(worker: SupportWorker, mode: SupportRowMode, n: number, concurrency: number, record: boolean): Promise<SupportResult | null> {
    const requesters = await prepare(n, mode === 'one tenant' ? partners.slice(0, 1) : partners);
    if (mode === 'backlog') await worker.ask('pause');
    let faultyCreates = 0;
    let faultyLookups = 0;
    if (mode === 'faults' && worker.desk === 'zendesk') {
      const lateMs = 10_500; // past the worker's default SUPPORT_DESK_TIMEOUT_MS (10 s)
      zendesk.script((call) => {
        if (call.kind === 'create' && ++faultyCreates % 5 === 1) zendesk.commitThenAnswerLate(lateMs);
        if (call.kind === 'lookup' && ++faultyLookups % 7 === 3) return zendeskReplies.rateLimited(1);
        return undefined;
      });
    }
    await worker.ask('reset');
    notifications.start();
    const zendeskFrom = zendesk.requests.length;
    const timings = { open: [] as number[], review: [] as number[], submit: [] as number[] };
    let cpu0 = cpuSnapshot(opts.botPid, worker.pid);
    let started = performance.now();
    let startedEpoch = Date.now();
    const doubleSubmits = mode === 'faults' ? {} : undefined;
    await pooled(requesters, concurrency, (r) => file(r, timings, doubleSubmits));
    const requestIds = requesters.map((r) => r.requestId!);
    if (mode === 'backlog') {
      // Every filing job in the (paused) queue, then the clock starts.
      const jobIds = requestIds.map((id) => `support-${id}-1`);
      const deadline = performance.now() + 60_000;
      for (;;) {
        const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM job_outbox WHERE queue = 'support-tickets' AND job_id = ANY($1::text[]) AND enqueued_at IS NOT NULL", [jobIds]);
        if (rows[0]!.n >= n) break;
        if (performance.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${n} filing jobs enqueued after 60 s`);
        await sleep(50);
      }
      cpu0 = cpuSnapshot(opts.botPid, worker.pid);
      started = performance.now();
      startedEpoch = Date.now();
      await worker.ask('resume');
    }
    // Until every conversation has its notification, then a quiet period for late duplicates.
    const last = await notifications.untilConversations(n);
    const cpu1 = cpuSnapshot(opts.botPid, worker.pid);
    await sleep(quietPeriodMs(worker.settings));
    notifications.stop();
    zendesk.script(undefined);
    if (!record) return null;

    const { rows: tickets } = await db.query<{ id: string; ticket_number: string | null }>('SELECT id, ticket_number FROM support_requests WHERE id = ANY($1::bigint[])', [requestIds]);
    const ticketOf = new Map(tickets.map((t) => [t.id, t.ticket_number]));
    const byConversation = notifications.byConversation();
    const notified: number[] = [];
    const deliveredEpoch = new Map<string, number>();
    let duplicateNotifications = 0;
    let misdirected = 0;
    for (const r of requesters) {
      const got = byConversation.get(r.conversationId) ?? [];
      if (got.length === 0) continue;
      duplicateNotifications += got.length - 1;
      const ticket = ticketOf.get(r.requestId!);
      misdirected += got.filter((x) => !x.text.includes(r.orderId) || !x.text.includes('Support request filed') || !ticket || !x.text.includes(ticket)).length;
      notified.push(got[0]!.at - (mode === 'backlog' ? started : r.submitAt!));
      deliveredEpoch.set(r.requestId!, got[0]!.epoch);
    }

    // Stages, from the database (the bot's, the worker's and Postgres's clocks: the same machine).
    const { rows: stageRows } = await db.query<{ id: string; requested_at: Date; filing_enqueued_at: Date | null; filed_at: Date | null; notification_enqueued_at: Date | null }>(
      `SELECT r.id, r.requested_at, j.enqueued_at AS filing_enqueued_at, r.filed_at, o.enqueued_at AS notification_enqueued_at
         FROM support_requests r
         LEFT JOIN job_outbox j ON j.queue = 'support-tickets' AND j.job_id = 'support-' || r.id || '-1'
         LEFT JOIN notifications n ON n.dedupe_key = 'support-filed:' || r.id
         LEFT JOIN job_outbox o ON o.queue = 'notifications' AND o.job_id = 'notify-' || n.id
        WHERE r.id = ANY($1::bigint[])`,
      [requestIds],
    );
    const sentEpoch = new Map(requesters.map((r) => [r.requestId!, r.submitEpoch!]));
    const stage = (of: (r: (typeof stageRows)[number]) => number | null) => statOf(stageRows, of);
    const between = (a: Date | null, b: Date | null) => (a && b ? b.getTime() - a.getTime() : null);
    const stages = [
      { name: 'Submit sent → committed (the turn)', stat: stage((r) => r.requested_at.getTime() - sentEpoch.get(r.id)!) },
      { name: mode === 'backlog' ? 'committed → filing job enqueued (relay; queue paused)' : 'committed → filing job enqueued (relay)', stat: stage((r) => between(r.requested_at, r.filing_enqueued_at)) },
      mode === 'backlog'
        ? { name: 'queue resumed → filed (job picked up, desk, filed transaction)', stat: stage((r) => (r.filed_at ? r.filed_at.getTime() - startedEpoch : null)) }
        : { name: 'enqueued → filed (job picked up, desk, filed transaction)', stat: stage((r) => between(r.filing_enqueued_at, r.filed_at)) },
      { name: 'filed → notification job enqueued (relay)', stat: stage((r) => between(r.filed_at, r.notification_enqueued_at)) },
      { name: 'notification enqueued → delivered (job, rate limits, send)', stat: stage((r) => (r.notification_enqueued_at && deliveredEpoch.has(r.id) ? deliveredEpoch.get(r.id)! - r.notification_enqueued_at.getTime() : null)) },
    ];
    const filedTimes = stageRows.flatMap((r) => (r.filed_at ? [r.filed_at.getTime()] : []));
    const filedFrom = mode === 'backlog' ? startedEpoch : Math.min(...requesters.map((r) => r.submitEpoch!));
    const filedPerSecond = filedTimes.length > 0 ? filedTimes.length / ((Math.max(...filedTimes) - filedFrom) / 1000) : 0;

    const tally = (sql: string) => countsBy(db, sql, [requestIds]);
    const requestStatus = await tally('SELECT status AS k, count(*)::int AS n FROM support_requests WHERE id = ANY($1::bigint[]) GROUP BY status');
    const attempts = await tally('SELECT attempts::text AS k, count(*)::int AS n FROM support_requests WHERE id = ANY($1::bigint[]) GROUP BY attempts ORDER BY attempts');
    const notificationStatus = await tally(
      `SELECT split_part(n.dedupe_key, ':', 1) || ' ' || n.status AS k, count(*)::int AS n FROM notifications n
        WHERE n.dedupe_key LIKE 'support-%' AND split_part(n.dedupe_key, ':', 2) = ANY($1::text[]) GROUP BY 1`,
    );

    // Tickets per request at the desk, found by the order's tag (each request here is about an order of its own).
    const orderTags = new Set(requesters.map((r) => `order_${r.orderId.toLowerCase()}`));
    const perOrder = new Map<string, number>();
    const tagged = (tags: string[]) => {
      for (const tag of tags) if (orderTags.has(tag)) perOrder.set(tag, (perOrder.get(tag) ?? 0) + 1);
    };
    if (worker.desk === 'zendesk') {
      for (const t of zendesk.tickets) tagged(t.json.tags);
    } else {
      const { rows } = await db.query<{ tags: string[] }>('SELECT tags FROM support_tickets WHERE tags && $1::text[]', [[...orderTags]]);
      for (const t of rows) tagged(t.tags);
    }
    const duplicateTickets = [...perOrder.values()].reduce((sum, c) => sum + Math.max(0, c - 1), 0);
    const missingTickets = orderTags.size - perOrder.size;
    const orderIds = requesters.map((r) => r.orderId);
    const duplicateRequests = (await db.query<{ n: number }>('SELECT count(*)::int - count(DISTINCT order_id)::int AS n FROM support_requests WHERE order_id = ANY($1::text[])', [orderIds])).rows[0]!.n;
    let zendeskCalls: Record<string, number> | null = null;
    if (worker.desk === 'zendesk') {
      /** By kind; an answer of 400 or more as `<kind> <status>`. */
      const calls: Record<string, number> = {};
      for (const c of zendesk.requests.slice(zendeskFrom)) {
        const key = c.status >= 400 ? `${c.kind} ${c.status}` : c.kind;
        calls[key] = (calls[key] ?? 0) + 1;
      }
      zendeskCalls = Object.fromEntries(Object.entries(calls).map(([k, c]) => [k, c / n]));
    }

    const counted = await tallyWorker(db, worker, n, 'support-tickets');
    const memory = await worker.ask('memory');

    return {
      desk: worker.desk,
      mode,
      n,
      concurrency,
      seconds: (last - started) / 1000,
      turns: { open: stat(timings.open), review: stat(timings.review), submit: stat(timings.submit) },
      notified: stat(notified),
      filedPerSecond,
      stages,
      delivered: arrivals.length,
      duplicateNotifications,
      misdirected,
      doubleSubmits: doubleSubmits ?? null,
      duplicateTickets,
      missingTickets,
      duplicateRequests,
      requestStatus,
      attempts,
      notificationStatus,
      notificationRuns: counted.notificationRuns,
      zendeskCalls,
      statementsPerFiling: counted.statementsPerItem,
      filingStatements: counted.jobStatements,
      outboxPending: counted.outboxPending,
      queueCounts: counted.queueCounts,
      worker: worker.settings,
      workerMemory: { rssMb: memory.rssMb, peakRssMb: memory.peakRssMb, heapMb: memory.heapMb },
      cpu: cpuPer(cpu0, cpu1, n),
    };
  }

  const rows: SupportResult[] = [];
  try {
    for (const desk of desks) {
      const worker = await startSupportWorker(desk, { ...opts, zendesk });
      try {
        await row(worker, 'live', 20, 10, false); // warm-up (JIT, connections), not recorded
        for (const c of concurrencies) rows.push((await row(worker, 'live', N, c, true))!);
        if (desk === 'embedded') rows.push((await row(worker, 'one tenant', N, Math.max(...concurrencies), true))!);
        rows.push((await row(worker, 'backlog', backlog, 50, true))!);
        rows.push((await row(worker, 'faults', 50, 10, true))!);
      } finally {
        await worker.stop();
        await deleteQueueData('redis', [worker.prefix], { databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl });
      }
    }
  } finally {
    agent.destroy();
    await connector.close();
    await zendesk.close();
  }
  return { rows };
}

const s3 = (s: Stat) => `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`;

function sqlText(r: SupportResult): string {
  return sqlPerItem(r.statementsPerFiling, 'support-tickets');
}

function cpuText(r: SupportResult): string {
  // Postgres backends that exit during the row take their CPU time with them: low, even negative, readings are shown as n/a.
  return r.cpu ? `${r.cpu.bot.toFixed(1)} / ${r.cpu.worker.toFixed(1)} / ${r.cpu.postgres > 0 ? r.cpu.postgres.toFixed(1) : 'n/a'} / ${r.cpu.load.toFixed(1)}` : 'n/a';
}

function zendeskText(r: SupportResult): string {
  if (!r.zendeskCalls) return '—';
  return Object.entries(r.zendeskCalls).sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => `${k} ${c.toFixed(2)}`).join(', ');
}

/** Prints the report as the other parts of `npm run bench` are printed (markdown tables). */
export function printSupport(report: SupportReport): void {
  const { rows } = report;
  if (rows.length === 0) return;
  const w = rows[0]!.worker;
  const live = rows.filter((r) => r.mode === 'live' || r.mode === 'one tenant');
  const rest = rows.filter((r) => r.mode === 'backlog' || r.mode === 'faults');
  console.log(`\nSupport requests end to end: N requests, each by a user of its own in a personal conversation (users of ${TENANTS} partner tenants, round robin; "one tenant": all of one), filed through /api/messages (bot server in its own process: \`support <order id>\` → Review → Submit) → outbox → worker (own process, BullMQ on Redis; relay every ${w.relayIntervalMs} ms, ${w.concurrency} jobs per queue, pool of ${w.poolMax}) → filing job at the desk (embedded: Postgres; zendesk: the fake Zendesk over HTTP in the load generator) → "filed" notification at a fake Bot Connector.\n`);
  console.log('| desk | users at once | N | requests/s | Submit turn p50 / p95 / p99 ms | Submit → "filed" notification p50 / p99 / max ms | filed/s | duplicates: tickets / notifications | SQL per filing: filing job / notification job / relay | Zendesk calls per filing | CPU ms per request: bot (3 turns) / worker / Postgres / load generator + fakes | worker RSS MB (peak) |');
  console.log('|---|---:|---:|---:|---|---|---:|---|---|---|---|---|');
  for (const r of live) {
    console.log(`| ${r.desk}${r.mode === 'one tenant' ? ', one tenant' : ''} | ${r.concurrency} | ${r.n} | ${(r.n / r.seconds).toFixed(1)} | ${s3(r.turns.submit)} | ${ms(r.notified.p50)} / ${ms(r.notified.p99)} / ${ms(r.notified.max)} | ${r.filedPerSecond.toFixed(1)} | ${r.duplicateTickets} / ${r.duplicateNotifications} | ${sqlText(r)} | ${zendeskText(r)} | ${cpuText(r)} | ${r.workerMemory.rssMb.toFixed(0)} (${r.workerMemory.peakRssMb.toFixed(0)}) |`);
  }
  console.log('\nThe other turns of the same rows (p50 / p95 / p99 ms):\n');
  console.log('| desk | users at once | `support <order id>` (the form) | Review | Submit |');
  console.log('|---|---:|---|---|---|');
  for (const r of live) console.log(`| ${r.desk}${r.mode === 'one tenant' ? ', one tenant' : ''} | ${r.concurrency} | ${s3(r.turns.open)} | ${s3(r.turns.review)} | ${s3(r.turns.submit)} |`);
  if (rest.length > 0) {
    console.log('\nFiling throughput of one worker process — backlog: N submitted with the filing queue paused, then resumed; faults: every Submit sent twice at once, and at Zendesk every 5th create committed but answered after the worker\'s timeout, every 7th look-up 429 with Retry-After 1 s:\n');
    console.log('| desk | rows | N | filed/s | resumed (faults: first Submit) → last filed s | → "filed" notification p50 / p99 / max ms | duplicates: tickets / notifications | SQL per filing: filing job / notification job / relay | Zendesk calls per filing | CPU ms per request: bot / worker / Postgres / load generator + fakes | worker RSS MB (peak) |');
    console.log('|---|---|---:|---:|---:|---|---|---|---|---|---|');
    for (const r of rest) {
      const filedSeconds = r.filedPerSecond > 0 ? r.n / r.filedPerSecond : NaN;
      console.log(`| ${r.desk} | ${r.mode} | ${r.n} | ${r.filedPerSecond.toFixed(1)} | ${filedSeconds.toFixed(1)} | ${ms(r.notified.p50)} / ${ms(r.notified.p99)} / ${ms(r.notified.max)} | ${r.duplicateTickets} / ${r.duplicateNotifications} | ${sqlText(r)} | ${zendeskText(r)} | ${cpuText(r)} | ${r.workerMemory.rssMb.toFixed(0)} (${r.workerMemory.peakRssMb.toFixed(0)}) |`);
    }
  }
  const label = (r: SupportResult) => `${r.desk} ${r.mode === 'live' ? `×${r.concurrency}` : r.mode === 'one tenant' ? `×${r.concurrency} one tenant` : r.mode}`;
  printStages(rows, label);
  console.log('\nChecks per row:');
  for (const r of rows) {
    // The queues a support request uses (a full `npm run bench` leaves the cancellation part's pending cancellations in the outbox, which this worker relays).
    const left = jobsLeft(r.queueCounts, ['support-tickets', 'notifications']);
    const stuck = left.length === 0 ? 'no filing or notification job waiting, active, delayed or failed' : left.join('; ');
    console.log(`- ${label(r)} N=${r.n}: requests ${JSON.stringify(r.requestStatus)}, desk attempts per request ${JSON.stringify(r.attempts)}; requests per order beyond the first ${r.duplicateRequests}, tickets twice ${r.duplicateTickets}, requests without a ticket ${r.missingTickets}; `
      + `${r.doubleSubmits ? `double Submits answered ${JSON.stringify(r.doubleSubmits)}; ` : ''}`
      + `${r.delivered} deliveries (beyond the first per conversation ${r.duplicateNotifications}, not this conversation's "filed" with its ticket number ${r.misdirected}); notifications ${JSON.stringify(r.notificationStatus)}, job runs per notification ${r.notificationRuns.toFixed(2)}; `
      + `outbox rows not enqueued ${r.outboxPending}; queues after: ${stuck}; worker heap after GC ${r.workerMemory.heapMb.toFixed(1)} MB`);
  }
  const first = rows[0]!;
  if (first.filingStatements.length > 0) {
    console.log(`\nStatements of the filing job per filing (${label(first)} N=${first.n}):`);
    for (const [text, c] of first.filingStatements) console.log(`  ${c.toFixed(2)} × ${text}`);
  }
}
