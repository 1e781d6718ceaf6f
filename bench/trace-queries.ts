/**
 * `npm run bench:trace`: the SQL statements of one purchase flow, turn by turn (through
 * /api/messages, as the benchmark sends them), with the size of each answer — for finding
 * round trips to save. On a throwaway schema of the local test database.
 *
 * Env: DUMP=<step> prints that step's answer; EXPLAIN=1 the average execution and planning
 * time of every statement (each in a rolled-back transaction); PLAN_STEP=<step> and
 * PLAN_OF=<text> the plan of that step's statement containing the text; PLANS=1 (with
 * TRACE_POOL=1) how often each named statement ran on a generic or a custom plan.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../services/config.js';
import { createLogger } from '../services/logger.js';
import { createPool } from '../services/db/pool.js';
import { migrate } from '../services/db/migrate.js';
import { seedDemoData, PLAYGROUND_TENANT_ID } from '../services/seed/demo.js';
import { startBotServer } from '../bot/server.js';

const URL = 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `trace_${Date.now().toString(36)}`;
let log: string[] | null = null;
const captured: Array<{ step: string; text: string; values: unknown[] }> = [];
let step = '';
// Every query of every pooled client passes here: the original is called with the client as `this`.
const orig = Reflect.get(pg.Client.prototype, 'query') as (this: unknown, ...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
  const q = args[0] as string | { text: string; name?: string };
  if (log) {
    const values = (typeof q === 'string' ? args[1] : (q as { values?: unknown[] }).values) as unknown[] | undefined;
    // The dialog state's size: it is hashed (JSON) on load and on save, and written every turn.
    const state = typeof q !== 'string' && q.name === 'state.upsert' ? ` [state ${(typeof values?.[1] === 'string' ? values[1].length : 0)} bytes]` : '';
    log.push((typeof q === 'string' ? q : q.text).replace(/\s+/g, ' ').slice(0, 140) + state);
    captured.push({ step, text: typeof q === 'string' ? q : q.text, values: (typeof q === 'string' ? args[1] : (q as { values?: unknown[] }).values) as unknown[] ?? [] });
  }
  return orig.apply(this, args);
};
const logger = createLogger({ level: 'silent' });
await migrate({ url: URL, schema: SCHEMA });
const db = createPool({ url: URL, schema: SCHEMA, max: Number(process.env.TRACE_POOL ?? 5) });
await seedDemoData(db, { logger });
const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '1000' });
const bot = await startBotServer({ config, db, logger, queuePing: () => Promise.resolve() });
const who = '00000000-0000-0000-0000-0000000000020';
const conv = `a:${randomUUID()}`;
async function send(input: Record<string, unknown>): Promise<string> {
  const body = JSON.stringify({ type: 'message', id: randomUUID(), channelId: 'msteams', serviceUrl: 'http://127.0.0.1:9/', deliveryMode: 'expectReplies', locale: 'en-US', ...input,
    from: { id: `29:${who}`, name: 'Bench', aadObjectId: who }, recipient: { id: '28:bot' }, conversation: { id: conv, conversationType: 'personal', tenantId: PLAYGROUND_TENANT_ID } });
  return new Promise((resolve, reject) => {
    const req = http.request(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let s = ''; res.on('data', (c) => (s += c)); res.on('end', () => resolve(s));
    });
    req.on('error', reject); req.end(body);
  });
}
const WS = 'DG7GMGF0D7FV';
const steps: [string, Record<string, unknown>][] = [
  ['buy', { text: 'buy contoso-de.onmicrosoft.com' }],
  ['product', { value: { action: 'buy.product', productId: WS } }],
  ['review', { value: { action: 'buy.review', productId: WS, skuId: '0001', quantity: '16' } }],
];
await send({ text: 'help' });
let total = 0;
let review = '';
for (const [name, input] of steps) {
  log = [];
  step = name;
  review = await send(input);
  console.log(`== ${name}: ${log.length} queries, answer ${review.length} bytes`);
  if (process.env.DUMP === name) console.log(JSON.stringify(JSON.parse(review), null, 1)); log.forEach((l) => console.log('   ', l)); total += log.length;
}
const reviewId = /"action":"buy\.confirm","reviewId":"([^"]+)"/.exec(review)?.[1];
log = [];
step = 'confirm';
const done = await send({ value: { action: 'buy.confirm', reviewId } });
console.log(`== confirm: ${log.length} ${done.includes('Order placed')}`); log.forEach((l) => console.log('   ', l)); total += log.length;
log = [];
await send({ text: 'help' });
console.log(`== help: ${log.length}`); log.forEach((l) => console.log('   ', l));
console.log('total purchase', total);
if (process.env.PLANS) {
  log = null;
  for (let i = 0; i < 20; i++) {
    for (const [, input] of steps) await send(input);
  }
  const { rows } = await db.query('SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name');
  console.table(rows);
}
if (process.env.PLAN_OF) {
  log = null;
  const c = captured.filter((q) => q.step === process.env.PLAN_STEP && q.text.includes(process.env.PLAN_OF!))[0]!;
  const client = await db.connect();
  for (let i = 0; i < 10; i++) await client.query(`EXPLAIN (ANALYZE) ${c.text}`, c.values);
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${c.text}`, c.values);
  console.log(rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
  client.release();
}
if (process.env.EXPLAIN) {
  log = null;
  const client = await db.connect();
  for (const c of captured) {
    let exec = 0; let plan = 0; const n = 50;
    for (let i = 0; i < n; i++) {
      await client.query('BEGIN');
      const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${c.text}`, c.values);
      await client.query('ROLLBACK');
      const r = (rows[0] as { 'QUERY PLAN': Array<{ 'Execution Time': number; 'Planning Time': number }> })['QUERY PLAN'][0]!;
      exec += r['Execution Time']; plan += r['Planning Time'];
    }
    console.log(`${c.step.padEnd(8)} exec ${(exec / n).toFixed(3)} ms plan ${(plan / n).toFixed(3)} ms  ${c.text.replace(/\s+/g, ' ').slice(0, 90)}`);
  }
  client.release();
}
await bot.close(500); await db.end();
const admin = new pg.Client({ connectionString: URL }); await admin.connect(); await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE`); await admin.end();
process.exit(0);
