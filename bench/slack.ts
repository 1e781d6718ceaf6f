/**
 * The Slack path: signed requests to /slack/events of the real bot server (its own process,
 * bench/target.ts with Slack on: Bolt's ExpressReceiver, the real listeners under bot/slack/,
 * real Postgres) at 1 and 50 concurrent requesters, each a Slack user of the demo workspace with
 * the Admin agent and Global admin roles. The Slack Web API and the response_urls are a fake
 * (test/fakes/slack-api.ts) in this process.
 *
 * Measured per request: the acknowledgement — the signed HTTP request sent → its HTTP response
 * (Bolt answers when the listener calls ack(), before the turn runs; Slack gives it 3 s) — and
 * the answer: the request sent → the bot's post to the request's response_url arriving at the
 * fake. Rows: `/csp help`; `/csp buy <customer>`, then on the product card it answers with a
 * click on a product's button, then on the SKU card that takes its place a click on Cancel (block
 * actions: the action_id, block_id, label and value of the button as the bot rendered it). The
 * buy command and its clicks are one scenario; each of their rows counts its own requests.
 *
 * Each requester sends its next request once the bot has finished the last one's turn (its
 * request id marked finished in processed_inbound, which this process queries for all the
 * requests waited on at once, every 2 ms while any is): a person clicks a
 * card after it has arrived, and a request of a conversation whose turn still runs would race
 * that turn's save of the dialog state. Every acknowledgement must be a 200 and every answer
 * arrive, exactly once, at its own response_url, with the card it should have (help: the buy
 * command; buy: the product's button; the product click: the SKU choice in the clicked card's
 * place; Cancel: "Stopped" there), else the bench fails: the numbers are never of refusals.
 *
 * Slack calls per request: the response_url posts and the Web API calls (by method) the fake
 * received during a row, ramp-up included, divided by the requests sent. users.info is cached by
 * the bot for an hour per user, and the warm-up has asked it for every requester already.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Db } from '../services/db/pool.js';
import { DEMO_PARTNER } from '../services/seed/demo.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../test/fakes/slack-api.js';
import { createBlockAction, createSlashCommand, slackSignature } from '../test/support/factories.js';
import { postgresCpuMs, processCpuMs } from './cpu.js';
import { ms, sleep, stat, type Stat } from './harness.js';

const SIGNING_SECRET = `bench-signing-secret-${randomUUID()}`;
const TEAM = DEMO_PARTNER.slackTeamId;
const CUSTOMER = 'contoso-de.onmicrosoft.com';
const WS_DATACENTER = 'DG7GMGF0D7FV';
/** How long an answer (a response_url post) and a turn's end may take before the bench gives up. */
const ANSWER_TIMEOUT_MS = 30_000;
const TURN_POLL_MS = 2;

/** The bot server with Slack on, in its own process (bench/target.ts), and keep-alive connections to it. */
export interface SlackBot { url: string; pid: number; agent: http.Agent; stop(): Promise<void> }

export interface SlackRow {
  name: string;
  concurrency: number;
  /** Recorded requests (ramp-up not counted). */
  requests: number;
  /** From the first recorded request sent to the last one's turn finished. */
  seconds: number;
  /** Signed request sent → HTTP response (ack), ms. */
  ack: Stat;
  /** Signed request sent → the answer at the response_url, ms. */
  answer: Stat;
  /** Posts to response_urls per request sent (ramp-up included). */
  responseUrlPosts: number;
  /** Slack Web API calls per request sent (ramp-up included), by method. */
  webApiCalls: Record<string, number>;
  /** Queries of processed_inbound per request sent, for the ends of turns (this bench's own load on Postgres). */
  turnPolls: number;
  /** CPU ms per request sent, from /proc (null without it): the bot process, every Postgres process, this one (load generator and fake Slack). */
  cpu: { bot: number; postgres: number; load: number } | null;
}

export interface SlackReport { rows: SlackRow[]; users: number; requestsPerRow: number }

type RequestKind = 'command' | 'action';
/** One signed request, recorded under `row`: `body` makes it for the response_url it is given. Resolves to its answer (the post to that response_url) once its turn has finished. */
type Send = (row: string, kind: RequestKind, body: (responseUrl: string) => string) => Promise<SlackCall>;
/** What one requester (Slack user `user`) does once. */
type Scenario = (send: Send, user: string) => Promise<void>;

/** A button of a Block Kit message, with the block it is in (Slack sends the block's id with a click). */
interface RenderedButton { blockId: string; actionId: string; value: string; text: unknown }

function buttonsOf(call: SlackCall): RenderedButton[] {
  const blocks = (call.params as { blocks?: unknown }).blocks;
  if (!Array.isArray(blocks)) return [];
  const out: RenderedButton[] = [];
  for (const block of blocks as Array<{ block_id?: string; accessory?: unknown; elements?: unknown[] }>) {
    for (const e of [block.accessory, ...(block.elements ?? [])] as Array<{ type?: string; action_id?: string; value?: string; text?: unknown } | undefined>) {
      if (e?.type === 'button' && typeof e.action_id === 'string' && typeof e.value === 'string') {
        out.push({ blockId: block.block_id ?? '', actionId: e.action_id, value: e.value, text: e.text });
      }
    }
  }
  return out;
}

const submitOf = (b: RenderedButton): Record<string, unknown> => {
  try {
    return JSON.parse(b.value) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** A click on `button` as Slack sends it (block_actions, from the ephemeral message the command's answer was): the rendered button's ids, value and label. */
function clickBody(user: string, button: RenderedButton, responseUrl: string): string {
  const body = createBlockAction({ teamId: TEAM, userId: user, value: button.value, actionId: button.actionId, responseUrl });
  const payload = JSON.parse(new URLSearchParams(body).get('payload')!) as { actions: Array<Record<string, unknown>> };
  payload.actions[0] = { ...payload.actions[0], block_id: button.blockId, text: button.text };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** processed_inbound's key of a request: `<team>|<trigger_id>` for a command, `…|<action_id>` for a click (bot/slack/listeners, SlackAdapter.processInbound). */
function requestKeyOf(kind: RequestKind, body: string): string {
  const form = new URLSearchParams(body);
  if (kind === 'command') return `${TEAM}|${form.get('trigger_id')}`;
  const payload = JSON.parse(form.get('payload')!) as { trigger_id: string; actions: Array<{ action_id: string }> };
  return `${TEAM}|${payload.trigger_id}|${payload.actions[0]!.action_id}`;
}

const helpScenario: Scenario = async (send, user) => {
  const call = await send('/csp help', 'command', (responseUrl) => createSlashCommand({ teamId: TEAM, userId: user, text: 'help', responseUrl }));
  if (!buttonsOf(call).some((b) => submitOf(b).action === 'command' && submitOf(b).command === 'buy')) throw new Error(`the help card has no buy button: ${describe(call)}`);
};

/**
 * `/csp buy <customer>` → the product card → a click on Windows Server Datacenter → the SKU choice
 * in that card's place → a click on its Cancel: the purchase stopped, in the card's place (so the
 * next `/csp help` finds no flow running, and answers with the help card alone).
 */
const buyScenario: Scenario = async (send, user) => {
  const products = await send('/csp buy <customer>', 'command', (responseUrl) => createSlashCommand({ teamId: TEAM, userId: user, text: `buy ${CUSTOMER}`, responseUrl }));
  const product = buttonsOf(products).find((b) => submitOf(b).action === 'buy.product' && submitOf(b).productId === WS_DATACENTER);
  if (!product) throw new Error(`no Windows Server Datacenter button on the product card: ${describe(products)}`);
  const skus = await send('block action: a product on the buy card', 'action', (responseUrl) => clickBody(user, product, responseUrl));
  const skuButtons = buttonsOf(skus).filter((b) => submitOf(b).action === 'buy.sku' && submitOf(b).productId === WS_DATACENTER);
  const cancel = buttonsOf(skus).find((b) => submitOf(b).action === 'flow.stop');
  if (!replacesClicked(skus) || skuButtons.length === 0 || !cancel) throw new Error(`the click was not answered with the SKU choice in the card's place: ${describe(skus)}`);
  const stopped = await send('block action: Cancel on the SKU card', 'action', (responseUrl) => clickBody(user, cancel, responseUrl));
  if (!replacesClicked(stopped) || !/^Stopped\b/.test(textOf(stopped))) throw new Error(`Cancel did not stop the purchase in the card's place: ${describe(stopped)}`);
};

const replacesClicked = (call: Pick<SlackCall, 'params'>) => (call.params as { replace_original?: unknown }).replace_original === true;
const textOf = (call: Pick<SlackCall, 'params'>) => String((call.params as { text?: unknown }).text);
const describe = (call: Pick<SlackCall, 'params'>) => JSON.stringify(call.params).slice(0, 500);

/** Requesters' Slack users: the demo workspace's, with the roles the buy flow needs. */
async function createRequesters(db: Db, n: number): Promise<string[]> {
  const users = Array.from({ length: n }, (_, i) => `U0BENCH${String(i).padStart(4, '0')}`);
  for (const user of users) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (partner_id, channel, external_id, display_name)
       SELECT partner_id, 'slack', $2, $3 FROM partner_channels WHERE channel = 'slack' AND external_id = $1
       ON CONFLICT (partner_id, channel, external_id) DO UPDATE SET display_name = EXCLUDED.display_name
       RETURNING id`,
      [TEAM, user, `Bench ${user}`],
    );
    if (!rows[0]) throw new Error(`the Slack team ${TEAM} is not a partner (the demo data is not seeded)`);
    await db.query(`INSERT INTO user_roles (user_id, role) SELECT $1, unnest(ARRAY['admin_agent', 'global_admin']) ON CONFLICT DO NOTHING`, [rows[0].id]);
  }
  return users;
}

/** The answers at the fake's response_urls, by path: each request waits for its own. */
interface AnswersByPath {
  /** Resolves when the first post to `path` arrives (rejects after ANSWER_TIMEOUT_MS). */
  expect(path: string): Promise<{ at: number; call: SlackCall }>;
  /** Posts to a response_url no request waits for (a second answer, or one after its timeout): how many, and the first few (path and text). */
  stray(): { count: number; first: string[] };
}

function answersByPath(fake: FakeSlackApi): AnswersByPath {
  const waiting = new Map<string, (a: { at: number; call: SlackCall }) => void>();
  const stray = { count: 0, first: [] as string[] };
  fake.script((call) => {
    if (call.method === undefined) {
      const resolve = waiting.get(call.path);
      if (resolve) {
        waiting.delete(call.path);
        resolve({ at: performance.now(), call: { ...call, status: 200 } });
      } else {
        stray.count++;
        if (stray.first.length < 3) stray.first.push(`${call.path}: ${textOf(call).slice(0, 200)}`);
      }
    }
    return undefined;
  });
  return {
    expect(path) {
      return new Promise<{ at: number; call: SlackCall }>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(path);
          reject(new Error(`no answer at the response_url ${path} within ${ANSWER_TIMEOUT_MS} ms`));
        }, ANSWER_TIMEOUT_MS);
        waiting.set(path, (a) => {
          clearTimeout(timer);
          resolve(a);
        });
      });
    },
    stray: () => stray,
  };
}

/** POSTs a form body to /slack/events, signed as Slack signs it; resolves to the status once the response has ended. */
function postSigned(bot: SlackBot, body: string): Promise<number> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), ...slackSignature(SIGNING_SECRET, body) };
  return new Promise<number>((resolve, reject) => {
    const req = http.request(`${bot.url}/slack/events`, { method: 'POST', agent: bot.agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The ends of the turns requesters wait for: one query for all of them at a time. */
interface TurnWatch {
  /** Resolves once the turn of the request `key` has finished (processed_inbound.finished_at set: its state saved). */
  finished(key: string): Promise<void>;
  /** Queries so far. */
  looks(): number;
}

/** Looks at processed_inbound for every request waited on, in one query, every TURN_POLL_MS while any is. */
function watchTurns(db: Db): TurnWatch {
  const waiting = new Map<string, { resolve(): void; reject(err: Error): void }>();
  let looks = 0;
  let running = false;
  const poll = async () => {
    running = true;
    try {
      while (waiting.size > 0) {
        looks++;
        const { rows } = await db.query<{ request_key: string }>(
          `SELECT request_key FROM processed_inbound WHERE channel = 'slack' AND request_key = ANY($1::text[]) AND finished_at IS NOT NULL`,
          [[...waiting.keys()]],
        );
        for (const { request_key: key } of rows) {
          waiting.get(key)?.resolve();
          waiting.delete(key);
        }
        if (waiting.size > 0) await sleep(TURN_POLL_MS);
      }
    } catch (err) {
      for (const w of waiting.values()) w.reject(err as Error);
      waiting.clear();
    } finally {
      running = false;
    }
  };
  return {
    finished: (key) => {
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new Error(`the turn of ${key} did not finish within ${ANSWER_TIMEOUT_MS} ms`));
        }, ANSWER_TIMEOUT_MS);
        waiting.set(key, {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
      });
      if (!running) void poll();
      return done;
    },
    looks: () => looks,
  };
}

/**
 * Runs `scenario` at `concurrency` until each row it sends under has `scenarios` recorded
 * requests (a scenario sends one request per row); one SlackRow per row.
 */
async function load(ctx: { bot: SlackBot; fake: FakeSlackApi; answers: AnswersByPath; turns: TurnWatch; users: string[] }, concurrency: number, scenarios: number, scenario: Scenario): Promise<SlackRow[]> {
  const { bot, fake, answers, turns, users } = ctx;
  const looks0 = turns.looks();
  fake.calls.length = 0;
  const cpu0 = { bot: processCpuMs(bot.pid), postgres: postgresCpuMs(), load: process.cpuUsage() };
  const byRow = new Map<string, { ack: number[]; answer: number[] }>();
  let begun = 0;
  let sent = 0;
  let started: number | undefined;
  let ended = 0;
  // Ramp-up: each requester's first scenario is not recorded (all of them start in the same
  // instant). The row's clock starts with the first recorded request; Slack calls and CPU per
  // request count every request sent, ramp-up included.
  await Promise.all(Array.from({ length: concurrency }, async (_, i) => {
    const user = users[i]!;
    for (let first = true; first || begun < scenarios; first = false) {
      if (!first) begun++;
      const record = !first;
      await scenario(async (row, kind, makeBody) => {
        const path = `/response/${randomUUID()}`;
        const body = makeBody(fake.responseUrl(path));
        const answered = answers.expect(path);
        sent++;
        const t0 = performance.now();
        if (record) started ??= t0;
        const status = await postSigned(bot, body);
        const ack = performance.now() - t0;
        if (status !== 200) throw new Error(`${row}: HTTP ${status} (expected 200)`);
        const { at, call } = await answered;
        await turns.finished(requestKeyOf(kind, body));
        if (record) {
          ended = performance.now();
          const r = byRow.get(row) ?? { ack: [], answer: [] };
          r.ack.push(ack);
          r.answer.push(at - t0);
          byRow.set(row, r);
        }
        return call;
      }, user);
    }
  }));
  const seconds = (ended - (started ?? ended)) / 1000;
  const webApiCalls: Record<string, number> = {};
  for (const c of fake.calls) if (c.method !== undefined) webApiCalls[c.method] = (webApiCalls[c.method] ?? 0) + 1 / sent;
  const responseUrlPosts = fake.calls.filter((c) => c.method === undefined).length / sent;
  const bot1 = processCpuMs(bot.pid);
  const pg1 = postgresCpuMs();
  const own = process.cpuUsage(cpu0.load);
  const cpu = cpu0.bot === null || bot1 === null || cpu0.postgres === null || pg1 === null ? null
    : { bot: (bot1 - cpu0.bot) / sent, postgres: (pg1 - cpu0.postgres) / sent, load: (own.user + own.system) / 1000 / sent };
  return [...byRow].map(([name, r]) => ({ name, concurrency, requests: r.ack.length, seconds, ack: stat(r.ack), answer: stat(r.answer), responseUrlPosts, webApiCalls, turnPolls: (turns.looks() - looks0) / sent, cpu }));
}

/**
 * The Slack rows: a fake Slack Web API in this process, the bot server with Slack on against it
 * (`startBot`: bench/target.ts in its own process), the requesters' users in `db` (the bench's
 * schema, seeded with the demo data), a warm-up, then each scenario at 1 and 50.
 */
export async function benchSlack(db: Db, opts: { startBot(slack: { apiUrl: string; signingSecret: string }): Promise<SlackBot>; requests: number }): Promise<SlackReport> {
  const fake = await startFakeSlackApi();
  const concurrencies = [1, 50];
  const users = await createRequesters(db, Math.max(...concurrencies));
  const bot = await opts.startBot({ apiUrl: fake.apiUrl, signingSecret: SIGNING_SECRET });
  try {
    const ctx = { bot, fake, answers: answersByPath(fake), turns: watchTurns(db), users };
    // Warm-up (JIT, pool connections, users.info for every requester), not measured.
    await load(ctx, 50, 300, helpScenario);
    await load(ctx, 50, 300, buyScenario);
    const rows: SlackRow[] = [];
    for (const concurrency of concurrencies) {
      rows.push(...(await load(ctx, concurrency, opts.requests, helpScenario)));
      rows.push(...(await load(ctx, concurrency, opts.requests, buyScenario)));
    }
    const stray = ctx.answers.stray();
    if (stray.count > 0) throw new Error(`${stray.count} posts to a response_url no request waited for (a second answer?), such as ${stray.first.join('; ')}`);
    return { rows, users: users.length, requestsPerRow: opts.requests };
  } finally {
    await bot.stop();
    await fake.close();
  }
}

export function printSlack(report: SlackReport): void {
  const { rows } = report;
  if (rows.length === 0) return;
  console.log(`\nSlack: signed requests to /slack/events (Bolt's ExpressReceiver, the real listeners, real Postgres; bot server in its own process; the Slack Web API and the response_urls a fake in this process). `
    + `One demo-workspace user per requester (${report.users}, Admin agent + Global admin); each sends its next request once the bot has finished the last one's turn. `
    + `${report.requestsPerRow} requests per row after a ramp-up; /csp buy and its two clicks are one scenario, each row counting its own requests (the scenario's rate is their sum). `
    + 'Goal, not asserted: ack p99 ≤ 300 ms (Slack allows 3 s).\n');
  console.log('| what | concurrency | requests | requests/s | ack p50 ms | ack p99 ms | answer p50 / p99 ms | response_url posts per request | Web API calls per request | CPU ms per request: bot / Postgres / load generator |');
  console.log('|---|---:|---:|---:|---:|---:|---|---:|---|---|');
  for (const r of rows) {
    const web = Object.values(r.webApiCalls).reduce((a, b) => a + b, 0);
    const methods = Object.entries(r.webApiCalls).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n.toFixed(2)}`).join(', ');
    // Every Postgres process of the machine: backends that exit during the row take their CPU time with them (low, even negative readings: n/a).
    const cpu = r.cpu ? `${r.cpu.bot.toFixed(2)} / ${r.cpu.postgres > 0.2 ? r.cpu.postgres.toFixed(2) : 'n/a'} / ${r.cpu.load.toFixed(2)}` : 'n/a';
    console.log(`| ${r.name} | ${r.concurrency} | ${r.requests} | ${(r.requests / r.seconds).toFixed(0)} | ${r.ack.p50.toFixed(2)} | ${r.ack.p99.toFixed(2)} | ${ms(r.answer.p50)} / ${ms(r.answer.p99)} | ${r.responseUrlPosts.toFixed(2)} | ${web.toFixed(2)}${methods ? ` (${methods})` : ''} | ${cpu} |`);
  }
  const polls = rows.map((r) => r.turnPolls);
  console.log(`\nEvery ack a 200, every answer at its own response_url once, with its card (help: the buy button; buy: the product button; the product click: the SKU choice in the card's place; Cancel: "Stopped"). `
    + `Load of this bench on Postgres: ${Math.min(...polls).toFixed(2)}–${Math.max(...polls).toFixed(2)} queries of processed_inbound per request, for the ends of the turns waited on (every ${TURN_POLL_MS} ms while any is; in the Postgres column's CPU).`);
}
