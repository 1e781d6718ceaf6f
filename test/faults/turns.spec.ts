/**
 * Faults (issue 14): a bot process killed (kill -9) or shut down while a turn is in flight. The
 * turn's effect happens exactly once and the user gets an answer when the channel redelivers the
 * activity to the next process; a finished turn is never run again. Real bot processes on this
 * run's Postgres (a schema of their own); the Teams side is the fake Bot Connector, which holds the
 * turn's answer to keep it in flight.
 */
import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { RUN_ID, TEST_DATABASE_URL } from '../setup.js';
import { cardText } from '../support/bot-harness.js';
import { createMessageActivity } from '../support/factories.js';
import { ALEX } from '../support/turn-table.js';
import { freePort, runEntry, until, untilReady, type Proc } from '../support/processes.js';
import { connectorReplies, startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';

const SCHEMA = `f_${RUN_ID}`;
const WS_DATACENTER = 'DG7GMGF0D7FV';

describe('faults: a bot process dies mid-turn (issue 14)', function () {
  this.timeout(180_000);
  const env = {
    DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: SCHEMA, SEED_DEMO_DATA: 'true', NODE_ENV: 'development', LOG_LEVEL: 'info',
    MicrosoftAppId: '', MicrosoftAppPassword: '', KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), SHUTDOWN_TIMEOUT_MS: '1000',
  };
  let db: pg.Client;
  let connector: FakeBotConnector;
  const procs: Proc[] = [];

  async function startBot(): Promise<{ proc: Proc; url: string }> {
    const port = await freePort();
    const proc = runEntry('bot/server.ts', { ...env, PORT: String(port), HOST: '127.0.0.1' }, { direct: true });
    procs.push(proc);
    await untilReady(proc, port);
    return { proc, url: `http://127.0.0.1:${port}` };
  }

  before(async () => {
    connector = await startFakeBotConnector();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${SCHEMA}` });
    await db.connect();
  });
  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await db.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(SCHEMA)} CASCADE`);
    await db.end();
    await connector.close();
  });

  /** A turn, answered in the response (expectReplies): its activities. */
  async function turn(url: string, conversationId: string, t: { text?: string; value?: unknown }): Promise<any[]> {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, serviceUrl: connector.url, expectReplies: true, ...t })),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { activities: any[] }).activities;
  }

  function confirmOf(activities: any[]): Record<string, unknown> {
    const found: any[] = [];
    const walk = (n: any): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n && typeof n === 'object') {
        if (n.data?.action === 'buy.confirm') found.push(n.data);
        Object.values(n).forEach(walk);
      }
    };
    walk(activities);
    assert.ok(found[0], `a Confirm button in: ${cardText(activities)}`);
    return found[0];
  }

  const ordersOf = async (customer: string) =>
    Number((await db.query('SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.primary_domain = $1', [customer])).rows[0].count);

  const newestOrderOf = async (customer: string) =>
    String((await db.query('SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.primary_domain = $1 ORDER BY o.purchased_at DESC LIMIT 1', [customer])).rows[0].id);

  /**
   * A purchase reviewed through `first`, then its Confirm in normal delivery: the order is placed and
   * the confirmation held at the connector — the turn is in flight — when `cut` ends the process.
   * The channel then redelivers the same activity to a second process.
   */
  async function confirmCutOff(cut: (proc: Proc) => void) {
    const first = await startBot();
    const conversationId = `a:${randomUUID()}`;
    const customer = 'contoso-de.onmicrosoft.com';
    await turn(first.url, conversationId, { text: `buy ${customer}` });
    await turn(first.url, conversationId, { value: { action: 'buy.product', productId: WS_DATACENTER } });
    const review = await turn(first.url, conversationId, { value: { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', quantity: '8' } });
    const before = await ordersOf(customer);
    const confirm = createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, serviceUrl: connector.url, value: confirmOf(review), expectReplies: false });
    const posts = () => connector.requests.filter((r) => r.method === 'POST' && r.conversationId === conversationId);
    // The confirmation never gets an answer from the connector while the first process lives.
    connector.script((r) => (r.method === 'POST' && r.conversationId === conversationId ? connectorReplies.slow(600_000) : undefined));
    const cutOff = fetch(`${first.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(confirm) }).then((r) => r.status, () => 'cut off');
    await until('the confirmation under way', () => posts().length === 1, first.proc, 10_000);
    assert.equal(await ordersOf(customer), before + 1, 'the order was placed before the answer went out');
    cut(first.proc);
    await first.proc.exited;
    assert.equal(await cutOff, 'cut off', 'the channel saw the request fail: it redelivers');
    connector.script(undefined);

    const second = await startBot();
    const redeliver = () => fetch(`${second.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(confirm) });
    assert.equal((await redeliver()).status, 200);
    await until('the confirmation delivered', () => posts().length === 2, second.proc);
    const answer = cardText([posts()[1]!.body]);
    // The redelivered Confirm finds the order the cut-off turn placed, and says so: one order, confirmed.
    assert.match(answer, /already placed/, answer);
    assert.ok(answer.includes(await newestOrderOf(customer)), answer);
    assert.equal(await ordersOf(customer), before + 1, 'one order');
    // Finished now: one more redelivery is a resend, never run again.
    assert.equal((await redeliver()).status, 200);
    const { rows } = await db.query('SELECT finished_at IS NOT NULL AS finished FROM processed_inbound WHERE request_key LIKE $1', [`%|${confirm.id}`]);
    assert.deepEqual(rows, [{ finished: true }]);
    assert.equal(posts().length, 2, 'the resend answered nothing again');
    assert.equal(await ordersOf(customer), before + 1);
    second.proc.child.kill('SIGTERM');
    assert.equal(await second.proc.exited, 0);
  }

  it('kill -9 mid-turn: the redelivered activity runs on the next process, the order is placed once and confirmed', async () => {
    await confirmCutOff((proc) => proc.child.kill('SIGKILL'));
  });

  it('a shutdown that cuts a turn at its time limit: the same', async () => {
    await confirmCutOff((proc) => proc.child.kill('SIGTERM'));
  });
});
