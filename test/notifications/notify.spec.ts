import assert from 'node:assert/strict';
import { inTransaction } from '../../services/db/pool.js';
import type { NotificationMessage } from '../../services/notifications/messages.js';
import { NotificationError, NotificationService, validatePayload } from '../../services/notifications/notifications.js';
import { testDb } from '../support/db.js';
import { createPartner, createSlackRef, createTeamsRef, createUser, sampleCard } from './factories.js';

/** A notification as services store it: what it says, as data (rendered at delivery). */
const GRANTED: NotificationMessage = { kind: 'roleChanged', grant: true, role: 'admin_agent', by: 'Alex Wilber' };

describe('services/notifications/NotificationService.notify', () => {
  const db = testDb();
  const service = new NotificationService();

  it('writes the notification and its delivery intent in the caller’s transaction', async () => {
    const partnerId = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId, serviceUrl: 'http://127.0.0.1:9/' });
    const { notificationId, created } = await inTransaction(db, (client) =>
      service.notify(client, { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey: `t1-${ref.id}` }),
    );
    assert.equal(created, true);
    const { rows } = await db.query<{ job_id: string; queue: string; data: unknown }>(
      'SELECT queue, job_id, data FROM job_outbox WHERE job_id = $1',
      [`notify-${notificationId}`],
    );
    assert.deepEqual(rows, [{ queue: 'notifications', job_id: `notify-${notificationId}`, data: { notificationId } }]);
    assert.equal((await service.status(db, notificationId))?.status, 'queued');
  });

  it('leaves nothing behind when the transaction rolls back', async () => {
    const partnerId = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId, serviceUrl: 'http://127.0.0.1:9/' });
    const dedupeKey = `rolled-back-${ref.id}`;
    await assert.rejects(
      inTransaction(db, async (client) => {
        await service.notify(client, { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey });
        throw new Error('the cancellation could not be booked');
      }),
    );
    const { rows } = await db.query('SELECT 1 FROM notifications WHERE dedupe_key = $1', [dedupeKey]);
    assert.equal(rows.length, 0);
  });

  it('creates the same logical notification only once', async () => {
    const partnerId = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId, serviceUrl: 'http://127.0.0.1:9/' });
    const req = { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey: `cancellation-done:${ref.id}` };
    const first = await service.notify(db, req);
    const second = await service.notify(db, req);
    assert.equal(second.created, false);
    assert.equal(second.notificationId, first.notificationId);
    const { rows } = await db.query('SELECT 1 FROM job_outbox WHERE job_id = $1', [`notify-${first.notificationId}`]);
    assert.equal(rows.length, 1);
  });

  it('refuses a conversation of another partner', async () => {
    const partnerId = await createPartner(db);
    const other = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId: other, serviceUrl: 'http://127.0.0.1:9/' });
    await assert.rejects(service.notify(db, { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey: `x-${ref.id}` }), NotificationError);
  });

  it('refuses payloads the channel cannot show, or that are too big', () => {
    assert.throws(() => validatePayload('msteams', { blocks: [] }), /text or a card/);
    assert.throws(() => validatePayload('slack', { card: sampleCard() }), /needs text/);
    assert.throws(() => validatePayload('msteams', { text: 'x'.repeat(29 * 1024) }), /limit/);
    assert.throws(() => validatePayload('slack', { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }), /50 blocks/);
    validatePayload('slack', { text: 'fallback', blocks: [{ type: 'divider' }] });
    validatePayload('msteams', { card: sampleCard() });
  });

  it('notifyUser reaches the user only in their personal chat, and says null when there is none', async () => {
    const partnerId = await createPartner(db);
    const userId = await createUser(db, partnerId, 'slack');
    assert.equal(await service.notifyUser(db, { partnerId, userId, message: GRANTED, dedupeKey: `nouser-${userId}` }), null);
    await createSlackRef(db, { partnerId, userId, conversationType: 'channel' });
    // A shared conversation is never used, even when it is the only one.
    assert.equal(await service.notifyUser(db, { partnerId, userId, message: GRANTED, dedupeKey: `shared-${userId}` }), null);
    const dm = await createSlackRef(db, { partnerId, userId, conversationType: 'personal' });
    await createSlackRef(db, { partnerId, userId, conversationType: 'channel' });
    const result = await service.notifyUser(db, { partnerId, userId, message: GRANTED, dedupeKey: `ticket-${userId}` });
    const { rows } = await db.query<{ conversation_ref_id: string }>('SELECT conversation_ref_id FROM notifications WHERE id = $1', [result!.notificationId]);
    assert.equal(rows[0]!.conversation_ref_id, dm.id);
  });
});
