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
const orig = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
  const q = args[0] as string | { text: string; name?: string };
  if (log) log.push((typeof q === 'string' ? q : q.text).replace(/\s+/g, ' ').slice(0, 140));
  return orig.apply(this, args);
};
const logger = createLogger({ level: 'silent' });
await migrate({ url: URL, schema: SCHEMA });
const db = createPool({ url: URL, schema: SCHEMA, max: 5 });
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
  review = await send(input);
  console.log(`== ${name}: ${log.length} queries, answer ${review.length} bytes`); log.forEach((l) => console.log('   ', l)); total += log.length;
}
const reviewId = /"action":"buy\.confirm","reviewId":"([^"]+)"/.exec(review)?.[1];
log = [];
const done = await send({ value: { action: 'buy.confirm', reviewId } });
console.log(`== confirm: ${log.length} ${done.includes('Order placed')}`); log.forEach((l) => console.log('   ', l)); total += log.length;
log = [];
await send({ text: 'help' });
console.log(`== help: ${log.length}`); log.forEach((l) => console.log('   ', l));
console.log('total purchase', total);
await bot.close(500); await db.end();
const admin = new pg.Client({ connectionString: URL }); await admin.connect(); await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE`); await admin.end();
process.exit(0);
