/**
 * Notifications are stored as what they say (services/notifications/messages.ts) and rendered
 * by the worker at delivery time (bot/notifications.ts): for the recipient's channel, in the
 * recipient's language as their user row says it *then* — not as it was when a job queued it.
 */
import { strict as assert } from 'node:assert';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { renderNotification } from '../../bot/notifications.js';
import { TeamsSender } from '../../bot/teams/sender.js';
import { inTransaction } from '../../services/db/pool.js';
import type { QueueJob } from '../../services/jobs/queues.js';
import { createDeliverNotification } from '../../services/notifications/deliver.js';
import type { NotificationMessage } from '../../services/notifications/messages.js';
import { NotificationService } from '../../services/notifications/notifications.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { silentLogger } from '../jobs/support.js';
import { cardText } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createPartner, createTeamsRef, createUser } from '../notifications/factories.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';

const GRANTED: NotificationMessage = { kind: 'roleChanged', grant: true, role: 'admin_agent', by: 'Gina Admin' };

describe('bot/notifications: rendered at delivery', () => {
  const db = testDb();
  let connector: FakeBotConnector;
  before(async () => {
    connector = await startFakeBotConnector();
  });

  /** The delivery processor as the worker builds it (the real renderer and Teams sender), unthrottled. */
  const deliver = createDeliverNotification({
    db,
    logger: silentLogger,
    render: renderNotification,
    rateLimiter: { acquire: () => Promise.resolve({ ok: true }) },
    senders: { msteams: new TeamsSender({ adapter: new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), botAppId: '', logger: silentLogger }) },
  });
  after(() => connector.close());

  it('renders a message for Teams as an Adaptive Card and for Slack as Block Kit with its fallback text, in the given language', () => {
    const teams = renderNotification(GRANTED, { channel: 'msteams', locale: 'de-DE' });
    assert.ok(teams.card);
    assertValidAdaptiveCard((teams.card as { content: unknown }).content);
    assert.match(cardText([{ attachments: [teams.card] }]), /Gina Admin hat Ihnen in CSP Software Desk die Rolle Administrator-Agent zugewiesen\. Geben Sie help ein/);
    const slack = renderNotification({ ...GRANTED, grant: false }, { channel: 'slack', locale: 'en-US' });
    assert.match(slack.text ?? '', /Gina Admin removed your role Admin agent in CSP Software Desk\./);
    assert.ok(Array.isArray(slack.blocks) && slack.blocks.length > 0);
    // No locale known (a conversation without a user): English.
    assert.match(cardText([{ attachments: [renderNotification(GRANTED, { channel: 'msteams', locale: null }).card] }]), /gave you the role Admin agent/);
  });

  it('speaks the language the recipient has when it is delivered, not when it was written', async () => {
    const partnerId = await createPartner(db);
    const userId = await createUser(db, partnerId, 'msteams');
    await db.query("UPDATE users SET locale = 'de-DE' WHERE id = $1", [userId]);
    const ref = await createTeamsRef(db, { partnerId, userId, serviceUrl: connector.url });
    const { notificationId } = await inTransaction(db, (tx) => new NotificationService().notify(tx, { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey: `render-at-delivery-${ref.id}` }));
    const stored = await db.query<{ message: unknown; payload: unknown }>('SELECT message, payload FROM notifications WHERE id = $1', [notificationId]);
    assert.deepEqual(stored.rows[0], { message: GRANTED, payload: null }, 'the row holds facts, no rendered card');
    // Meanwhile the user's Teams client switched to English.
    await db.query("UPDATE users SET locale = 'en-US' WHERE id = $1", [userId]);

    const job = { data: { notificationId }, attemptsMade: 0, opts: { attempts: 1 } } as unknown as QueueJob<'notifications'>;
    assert.equal(await deliver(job, 'token'), 'sent');
    const delivered = connector.delivered().filter((a) => a.conversation?.id === ref.conversationId);
    assert.equal(delivered.length, 1);
    assert.match(cardText(delivered), /Gina Admin gave you the role Admin agent in CSP Software Desk\. Type help to see what you can do now\./);
  });

  it('speaks the language the recipient chose in chat (`language de`) over their client\'s', async () => {
    const partnerId = await createPartner(db);
    const userId = await createUser(db, partnerId, 'msteams');
    await db.query("UPDATE users SET locale = 'en-US', preferred_locale = 'de' WHERE id = $1", [userId]);
    const ref = await createTeamsRef(db, { partnerId, userId, serviceUrl: connector.url });
    const { notificationId } = await inTransaction(db, (tx) => new NotificationService().notify(tx, { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey: `preferred-language-${ref.id}` }));
    const job = { data: { notificationId }, attemptsMade: 0, opts: { attempts: 1 } } as unknown as QueueJob<'notifications'>;
    assert.equal(await deliver(job, 'token'), 'sent');
    assert.match(cardText(connector.delivered().filter((a) => a.conversation?.id === ref.conversationId)), /Gina Admin hat Ihnen in CSP Software Desk die Rolle Administrator-Agent zugewiesen/);
  });

  it('a row written by an earlier version (a rendered payload, no message) is delivered as it was stored', async () => {
    const partnerId = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId, serviceUrl: connector.url });
    const { notificationId } = await new NotificationService().notify(db, { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey: `legacy-${ref.id}` });
    await db.query(`UPDATE notifications SET message = NULL, payload = '{"text":"Rendered before the upgrade"}' WHERE id = $1`, [notificationId]);
    assert.equal(await deliver({ data: { notificationId }, attemptsMade: 0, opts: { attempts: 1 } } as unknown as QueueJob<'notifications'>, 'token'), 'sent');
    assert.deepEqual(connector.delivered().filter((a) => a.conversation?.id === ref.conversationId).map((a) => a.text), ['Rendered before the upgrade']);
  });

  it('a message it cannot render is marked failed, not retried', async () => {
    const partnerId = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId, serviceUrl: connector.url });
    const { notificationId } = await new NotificationService().notify(db, { partnerId, conversationRefId: ref.id, message: GRANTED, dedupeKey: `unrenderable-${ref.id}` });
    // As a newer version might have written it: a kind this one does not know.
    await db.query(`UPDATE notifications SET message = '{"kind":"fromTheFuture"}' WHERE id = $1`, [notificationId]);
    const job = { data: { notificationId }, attemptsMade: 0, opts: { attempts: 3 } } as unknown as QueueJob<'notifications'>;
    await assert.rejects(deliver(job, 'token'), /UnrecoverableError|cannot render/);
    const { rows } = await db.query<{ status: string; last_error: string }>('SELECT status, last_error FROM notifications WHERE id = $1', [notificationId]);
    assert.equal(rows[0]!.status, 'failed');
    assert.match(rows[0]!.last_error, /cannot render fromTheFuture/);
    assert.equal(connector.delivered().filter((a) => a.conversation?.id === ref.conversationId).length, 0);
  });
});
