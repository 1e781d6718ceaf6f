/**
 * Mocha root hooks: every test run gets its own Postgres schema and queue prefix,
 * dropped afterwards. Postgres and Redis are the real servers (TEST_DATABASE_URL,
 * TEST_REDIS_URL; defaults: the local ones on 5432 / 6379).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../services/db/migrate.js';

// Coverage is measured in this process only: c8 would merge what child processes (the
// entry points, npm run manifest) collect under other source maps and skew the report.
delete process.env.NODE_V8_COVERAGE;

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
export const TEST_SCHEMA = `t_${RUN_ID}`;
export const TEST_QUEUE_PREFIX = `csptest-${RUN_ID}`;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    await migrate({ url: TEST_DATABASE_URL, schema: TEST_SCHEMA });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    if (process.env.KEEP_TEST_SCHEMA) return;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(TEST_SCHEMA)} CASCADE`);
    } finally {
      await client.end();
    }
  },
};
