/**
 * Dialog state in one round trip less per turn: the turn entry (PartnerDirectory.enterTurn)
 * reads the turn's state document in the same statement, and this Storage answers the
 * turn's first read of that key from it. Everything else goes to the real storage, which
 * must be the Postgres `bot_state` table enterTurn read from (bot/postgres-storage.ts).
 * The documents are scoped to the turn's async context, so no other turn ever sees them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';

export class PrefetchedStorage implements Storage {
  private readonly turn = new AsyncLocalStorage<Map<string, StoreItem | null>>();

  constructor(private readonly inner: Storage) {}

  /** Run a turn with `items` already read: key → the stored item as `read` answers it, or null (none stored). */
  run<T>(items: Map<string, StoreItem | null>, fn: () => Promise<T>): Promise<T> {
    return this.turn.run(items, fn);
  }

  async read(keys: string[]): Promise<StoreItems> {
    const known = this.turn.getStore();
    if (!known || keys.length === 0 || !keys.every((k) => known.has(k))) return this.inner.read(keys);
    const items: StoreItems = {};
    for (const key of keys) {
      const item = known.get(key);
      // Once only: a later read in the same turn (after a write) goes to the storage.
      known.delete(key);
      if (item) items[key] = item;
    }
    return items;
  }

  write(changes: StoreItems): Promise<void> {
    return this.inner.write(changes);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}
