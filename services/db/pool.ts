/**
 * The Postgres pool every service shares. All tables live in one schema (the
 * configured `DATABASE_SCHEMA`; tests use a unique one per run), selected by the
 * connection's search_path so SQL stays unqualified.
 */
import pg from 'pg';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;
/** Anything that can run a query: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

export function createPool(opts: { url: string; schema: string; max: number; applicationName?: string }): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max,
    options: `-c search_path=${opts.schema},public`,
    application_name: opts.applicationName ?? 'csp-desk',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client's error (e.g. the server restarted) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Run `fn` in a transaction on one client; commit on success, roll back on throw. */
export async function inTransaction<T>(db: Db, fn: (client: DbClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
