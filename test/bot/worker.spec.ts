/**
 * The whole proactive path on both queue backends: a Global admin grants a role in chat →
 * the notification and its job intent are written in the same transaction → the worker's
 * outbox relay enqueues it → the worker delivers it to the user's Teams conversation
 * (a local fake Bot Connector) with continueConversationAsync.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../services/config.js';
import { startWorker, type WorkerProcess } from '../../bot/worker.js';
import { startTestBot, cardText, type TestBot } from '../support/bot-harness.js';
import { createMessageActivity, createPartner, createUser } from '../support/factories.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { BACKEND_KINDS, TestBackends, eventually, isolatedDb, silentLogger } from '../jobs/support.js';
import type { Db } from '../../services/db/pool.js';

for (const kind of BACKEND_KINDS) {
  describe(`bot/worker: proactive notification end to end (${kind} queue)`, () => {
    let isolated: { db: Db; drop: () => Promise<void> };
    let connector: FakeBotConnector;
    let bot: TestBot;
    let worker: WorkerProcess | undefined;
    const backends = new TestBackends();

    before(async () => {
      isolated = await isolatedDb(`worker_${kind}`);
      connector = await startFakeBotConnector();
      bot = await startTestBot({ db: isolated.db });
    });
    after(async () => {
      await worker?.close(2000);
      await bot.close();
      await backends.cleanup();
      await connector.close();
      await isolated.drop();
    });

    it('tells a user in Teams that a Global admin gave them a role', async () => {
      const db = isolated.db;
      const partner = await createPartner(db, 'Notify Partner');
      const admin = await createUser(db, partner, { roles: ['global_admin'], name: 'Gina Admin' });
      const sam = await createUser(db, partner, { roles: [], name: 'Sam Sales' });
      const samConversation = `a:${randomUUID()}`;
      // Sam has talked to the bot once: his conversation reference points at the connector.
      await bot.post('/api/messages', createMessageActivity({ tenantId: partner.tenantId, aadObjectId: sam.externalId, text: 'whoami', conversationId: samConversation, serviceUrl: connector.url, locale: 'de-DE' }));

      const conv = `a:${randomUUID()}`;
      const say = async (t: { text?: string; value?: unknown }) =>
        cardText((await bot.post('/api/messages', createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, conversationId: conv, name: 'Gina Admin', ...t }))).json().activities);
      await say({ text: 'roles' });
      await say({ value: { action: 'roles.pick', userId: sam.id } });
      await say({ value: { action: 'roles.toggle', userId: sam.id, role: 'admin_agent', grant: true } });
      assert.match(await say({ value: { action: 'roles.confirm', userId: sam.id, role: 'admin_agent', grant: true } }), /now has the role/);

      // Nothing is sent until a worker runs: the intent waits in Postgres.
      assert.equal(connector.delivered().length, 0);
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM job_outbox WHERE queue = 'notifications' AND enqueued_at IS NULL`);
      assert.equal(rows[0].n, 1);

      const config = loadConfig({ OUTBOX_RELAY_INTERVAL_MS: '100', WORKER_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '2000' });
      worker = startWorker({ config, db, jobs: backends.create(kind), logger: silentLogger });

      const delivered = await eventually(() => connector.delivered().find((a) => a.conversation?.id === samConversation), { what: 'the notification at the connector', timeoutMs: 20_000 });
      const text = cardText([delivered]);
      // In Sam's language (his Teams client is German), naming who did it and the role.
      assert.match(text, /Gina Admin hat Ihnen .* die Rolle Administrator-Agent zugewiesen/);
      const status = await eventually(async () => {
        const r = await db.query(`SELECT status FROM notifications`);
        return r.rows[0]?.status === 'sent' ? 'sent' : undefined;
      }, { what: 'notification marked sent' });
      assert.equal(status, 'sent');
    });
  });
}
