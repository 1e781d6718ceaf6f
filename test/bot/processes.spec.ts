/**
 * The real entry points as separate processes (as in production): they start on a given
 * Postgres and Redis, report ready, and stop cleanly on SIGTERM; bad configuration stops
 * them at once, naming the variable.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { RUN_ID, TEST_DATABASE_URL, TEST_QUEUE_PREFIX, TEST_REDIS_URL } from '../setup.js';
import { freePort, runEntry, until, type Proc } from '../support/processes.js';

const SCHEMA = `p_${RUN_ID}`;

function run(entry: string, env: Record<string, string>, opts: { direct?: boolean } = {}): Proc {
  return runEntry(entry, { NODE_ENV: 'production', MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'not-a-real-secret', KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PUBLIC_URL: 'https://desk.example.com', LOG_LEVEL: 'info', ...env }, opts);
}

describe('processes: bot and worker entry points', function () {
  this.timeout(90_000);
  const common = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: SCHEMA, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `${TEST_QUEUE_PREFIX}-proc`, SEED_DEMO_DATA: 'false', SHUTDOWN_TIMEOUT_MS: '3000' };

  after(async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(SCHEMA)} CASCADE`);
    await client.end();
  });

  it('the bot migrates, reports ready, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    // direct: the signal reaches the entry itself, not tsx's wrapper, which under load could take the
    // child for one without a SIGTERM handler and end with 143 (tsx learns of handlers over IPC).
    const bot = run('bot/server.ts', { ...common, PORT: String(port) }, { direct: true });
    await until('readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200, bot);
    bot.child.kill('SIGTERM');
    assert.equal(await bot.exited, 0, bot.output());
    assert.match(bot.output(), /shutting down/);
    assert.equal(await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => 'refused'), 'refused');
  });

  it('the worker starts on Redis and exits 0 on SIGTERM', async () => {
    const worker = run('bot/worker.ts', common, { direct: true });
    await until('worker running', () => /worker running/.test(worker.output()), worker);
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.output());
  });

  it('a bad variable stops the start at once, naming it', async () => {
    const bot = run('bot/server.ts', { ...common, PORT: 'eighty' });
    assert.equal(await bot.exited, 1);
    assert.match(bot.output(), /PORT/);
  });

  it('npm start\'s app stops by itself when its launcher is killed (never left running as an orphan)', async function () {
    const [port, playground] = [await freePort(), await freePort()];
    // As `npm start` runs it, on the test's Postgres and Redis (no embedded server), in development.
    const local = run('bot/start-local.ts', { ...common, NODE_ENV: 'development', MicrosoftAppId: '', MicrosoftAppPassword: '', PORT: String(port), PLAYGROUND_PORT: String(playground), BROWSER: 'none' });
    await until('the banner', () => /CSP Software Desk is running/.test(local.output()), local, 60_000);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    // The launcher (tsx's child) and tsx itself die without a word, as on SIGKILL.
    const launchers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(local.child.pid)]).toString().trim().split(/\s+/).filter(Boolean).map(Number);
    for (const pid of [...launchers, local.child.pid!]) process.kill(pid, 'SIGKILL');
    await until('the bot to stop', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => 'refused')) === 'refused', local, 30_000);
    await until('the Playground to stop', async () => (await fetch(`http://127.0.0.1:${playground}/`).catch(() => 'refused')) === 'refused', local, 30_000);
  });
});
