/**
 * botbuilder `Storage` on Postgres (table bot_state): conversation and dialog state
 * survive restarts and are shared by every bot process. Optimistic concurrency via
 * eTag, as botbuilder's own storages do: a write whose eTag no longer matches fails,
 * so two processes handling the same conversation never silently overwrite state.
 */
import type { Storage, StoreItems } from 'botbuilder';
import type { Db } from '../services/db/pool.js';

export class PostgresStorage implements Storage {
  constructor(private readonly db: Db) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    // Named statements (here and below): every turn reads and writes its state.
    const { rows } = await this.db.query<{ key: string; document: Record<string, unknown>; etag: string }>({
      name: 'state.read',
      text: 'SELECT key, document, etag FROM bot_state WHERE key = ANY($1::text[])',
      values: [keys],
    });
    const items: StoreItems = {};
    for (const row of rows) items[row.key] = { ...row.document, eTag: String(row.etag) };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, value] of Object.entries(changes)) {
      const { eTag, ...document } = (value ?? {}) as { eTag?: string } & Record<string, unknown>;
      const json = JSON.stringify(document);
      if (eTag === undefined || eTag === '*' || eTag === '') {
        await this.db.query({
          name: 'state.upsert',
          text: `INSERT INTO bot_state (key, document) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET document = EXCLUDED.document, etag = bot_state.etag + 1, updated_at = now()`,
          values: [key, json],
        });
        continue;
      }
      const { rowCount } = await this.db.query({
        name: 'state.update',
        text: 'UPDATE bot_state SET document = $2, etag = etag + 1, updated_at = now() WHERE key = $1 AND etag = $3',
        values: [key, json, eTag],
      });
      if (rowCount === 0) {
        throw new Error(`Storage: eTag conflict for key ${key}`);
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query('DELETE FROM bot_state WHERE key = ANY($1::text[])', [keys]);
  }
}
