import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { pruneExpired } from '../../services/maintenance.js';
import { isolatedDb } from '../jobs/support.js';
import type { Db } from '../../services/db/pool.js';

describe('services/maintenance', () => {
  let isolated: { db: Db; drop: () => Promise<void> };
  before(async () => {
    isolated = await isolatedDb('maintenance');
  });
  after(async () => isolated.drop());

  it('removes only what is past its retention, and is idempotent', async () => {
    const { db } = isolated;
    const old = "now() - interval '30 days'";
    await db.query(`INSERT INTO processed_inbound (channel, request_key, received_at) VALUES ('msteams', 'old', ${old}), ('msteams', 'new', now())`);
    // Settled a month ago: goes. Relayed a month ago but waiting still (a link's expiry), never relayed, settled now: stay.
    await db.query(`INSERT INTO job_outbox (queue, job_name, job_id, data, enqueued_at, done_at) VALUES
      ('notifications', 'n', 'old-done', '{}', ${old}, ${old}), ('link-expiry', 'n', 'old-waiting', '{}', ${old}, NULL),
      ('notifications', 'n', 'old-pending', '{}', NULL, NULL), ('notifications', 'n', 'new-done', '{}', now(), now())`);
    await db.query(`INSERT INTO bot_state (key, document, updated_at) VALUES ('abandoned-${randomUUID()}', '{}', now() - interval '100 days'), ('live', '{}', now())`);
    // Files of a support form never submitted (a day old) go; those of a fresh draft stay.
    const { rows: [user] } = await db.query<{ id: string; partner_id: string }>(
      `WITH p AS (INSERT INTO partners (name) VALUES ('Maintenance partner') RETURNING id)
       INSERT INTO users (partner_id, channel, external_id, display_name) SELECT id, 'slack', 'UMAINT', 'M' FROM p RETURNING id, partner_id`,
    );
    await db.query(
      `INSERT INTO support_files (partner_id, user_id, draft_key, filename, content_type, size_bytes, content, uploaded_at)
       VALUES ($1, $2, 'abandoned', 'a.pdf', 'application/pdf', 1, '\\x00', now() - interval '2 days'), ($1, $2, 'open', 'b.pdf', 'application/pdf', 1, '\\x00', now())`,
      [user!.partner_id, user!.id],
    );
    // The activity log keeps 13 calendar months by default: an event of 14 months ago goes, one of 12 stays.
    await db.query(`INSERT INTO activity_log (at, partner_id, event, outcome) VALUES (now() - interval '14 months', $1, 'download', 'ok'), (now() - interval '12 months', $1, 'download', 'ok')`, [user!.partner_id]);
    await db.query(`INSERT INTO unknown_token_attempts (ip, window_start, attempts, first_at, last_at) VALUES
      ('192.0.2.1', now() - interval '14 months', 3, now() - interval '14 months', now() - interval '14 months'), ('192.0.2.1', now(), 1, now(), now())`);
    // Export links: one expired eight days ago (gone), one expired yesterday (kept a week).
    await db.query(
      `INSERT INTO activity_exports (partner_id, user_id, token_hash, range_from, range_to, zone, created_at, expires_at)
       VALUES ($1, $2, $3, now() - interval '40 days', now() - interval '10 days', 'UTC', now() - interval '9 days', now() - interval '8 days'),
              ($1, $2, $4, now() - interval '40 days', now() - interval '10 days', 'UTC', now() - interval '2 days', now() - interval '1 day')`,
      [user!.partner_id, user!.id, randomBytes(32), randomBytes(32)],
    );
    const removed = await pruneExpired(db);
    assert.deepEqual(removed, { processed_inbound: 1, job_outbox: 1, notifications: 0, bot_state: 1, support_files: 1, activity_exports: 1, activity_log: 1, unknown_token_attempts: 1 });
    assert.equal((await db.query('SELECT 1 FROM activity_exports WHERE partner_id = $1', [user!.partner_id])).rows.length, 1);
    assert.equal((await db.query('SELECT 1 FROM activity_log')).rows.length, 1);
    assert.deepEqual((await db.query('SELECT draft_key FROM support_files')).rows.map((r) => r.draft_key), ['open']);
    const left = await db.query(`SELECT job_id FROM job_outbox ORDER BY job_id`);
    assert.deepEqual(left.rows.map((r) => r.job_id), ['new-done', 'old-pending', 'old-waiting'], 'an intent not yet enqueued, or whose job has not settled, is never removed');
    assert.deepEqual(await pruneExpired(db), { processed_inbound: 0, job_outbox: 0, notifications: 0, bot_state: 0, support_files: 0, activity_exports: 0, activity_log: 0, unknown_token_attempts: 0 });
  });
});
