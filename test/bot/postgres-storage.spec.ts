import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { PostgresStorage } from '../../bot/postgres-storage.js';
import { testDb } from '../support/db.js';

describe('bot/postgres-storage', () => {
  const storage = new PostgresStorage(testDb());

  it('writes, reads and deletes documents', async () => {
    const key = `k-${randomUUID()}`;
    await storage.write({ [key]: { step: 'quantity', n: 3 } });
    const read = await storage.read([key, 'missing']);
    assert.deepEqual({ ...read[key], eTag: undefined }, { step: 'quantity', n: 3, eTag: undefined });
    assert.equal(read.missing, undefined);
    await storage.delete([key]);
    assert.deepEqual(await storage.read([key]), {});
  });

  it('survives a new storage instance (a restart)', async () => {
    const key = `k-${randomUUID()}`;
    await storage.write({ [key]: { dialogStack: [{ id: 'buy' }] } });
    const again = new PostgresStorage(testDb());
    assert.deepEqual((await again.read([key]))[key]?.dialogStack, [{ id: 'buy' }]);
  });

  it('refuses a write with a stale eTag (optimistic concurrency)', async () => {
    const key = `k-${randomUUID()}`;
    await storage.write({ [key]: { v: 1 } });
    const first = (await storage.read([key]))[key]!;
    await storage.write({ [key]: { ...first, v: 2 } });
    await assert.rejects(storage.write({ [key]: { ...first, v: 3 } }), /eTag conflict/);
    assert.equal((await storage.read([key]))[key]?.v, 2);
  });
});
