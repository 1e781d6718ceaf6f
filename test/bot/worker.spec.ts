/**
 * The whole proactive path on both queue backends: a Global admin grants a role in chat →
 * the notification and its job intent are written in the same transaction → the worker's
 * outbox relay enqueues it → the worker delivers it to the user's Teams conversation
 * (a local fake Bot Connector) with continueConversationAsync.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { cardText } from '../support/bot-harness.js';
import { endToEnd } from '../support/end-to-end.js';
import { createMessageActivity, createPartner, createUser } from '../support/factories.js';
import { BACKEND_KINDS, eventually } from '../jobs/support.js';

for (const kind of BACKEND_KINDS) {
  describe(`bot/worker: proactive notification end to end (${kind} queue)`, () => {
    const e2e = endToEnd(`worker_${kind}`);

    it('tells a user in Teams that a Global admin gave them a role', async () => {
      const { db, connector, bot } = e2e;
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

      e2e.startWorker({}, kind);

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
