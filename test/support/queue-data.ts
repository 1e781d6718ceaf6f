/** Deleting what a queue backend kept under a prefix: its Redis keys, or BullMQ's PostgreSQL schema (tests and the benchmark clean up with it). */
import pg from 'pg';
import { Redis } from 'ioredis';
import { postgresQueueSchema } from '../../services/jobs/queues.js';

export async function deleteQueueData(kind: 'redis' | 'postgres', prefixes: readonly string[], urls: { databaseUrl: string; redisUrl: string }): Promise<void> {
  if (prefixes.length === 0) return;
  if (kind === 'redis') {
    const redis = new Redis(urls.redisUrl);
    try {
      for (const prefix of prefixes) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      }
    } finally {
      redis.disconnect();
    }
    return;
  }
  const client = new pg.Client({ connectionString: urls.databaseUrl });
  await client.connect();
  try {
    for (const prefix of prefixes) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(postgresQueueSchema(prefix))} CASCADE`);
  } finally {
    await client.end();
  }
}
