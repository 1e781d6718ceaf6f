/**
 * Versioned migrations (node-pg-migrate; numbered SQL files in ./migrations with
 * `-- Up Migration` / `-- Down Migration` sections). Applied at start-up by every
 * process — idempotent, and serialised across processes by node-pg-migrate's
 * advisory lock — and by `npm run migrate`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logger.js';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrate(opts: { url: string; schema: string; logger?: Logger; direction?: 'up' | 'down'; count?: number }): Promise<string[]> {
  const client = new pg.Client({ connectionString: opts.url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(opts.schema)}`);
    const ran = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: opts.direction ?? 'up',
      count: opts.count ?? Infinity,
      schema: opts.schema,
      migrationsTable: 'pgmigrations',
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log: (msg: string) => opts.logger?.debug({ migration: msg }, 'migrate'),
    });
    return ran.map((m) => m.name);
  } finally {
    await client.end();
  }
}
