import assert from 'node:assert/strict';
import sinon from 'sinon';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { Db } from '../../services/db/pool.js';
import { ProcessLiveness } from '../../services/db/liveness.js';
import { inTransaction } from '../../services/db/pool.js';
import { OutboxRelay } from '../../services/jobs/outbox.js';
import { QUEUES, RETRY_AFTER_BACKOFF, type JobBackend } from '../../services/jobs/queues.js';
import { startWorkers, type RunningWorkers } from '../../services/jobs/worker-host.js';
import type { NotificationPayload } from '../../services/notifications/channel-sender.js';
import { createDeliverNotification } from '../../services/notifications/deliver.js';
import { NotificationService } from '../../services/notifications/notifications.js';
import { RATE_LIMIT_TABLE, PostgresDeliveryRateLimiter, type DeliveryRateLimiter, type DeliveryTarget } from '../../services/notifications/rate-limit.js';
import { SlackSender } from '../../bot/slack/sender.js';
import { TeamsSender } from '../../bot/teams/sender.js';
import { connectorReplies, startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { slackReplies, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { BACKEND_KINDS, TestBackends, eventually, isolatedDb, silentLogger } from '../jobs/support.js';
import { createPartner, createSlackRef, createTeamsRef, sampleCard } from './factories.js';

interface NotificationRow {
  status: string;
  attempts: number;
  last_error: string | null;
  provider_message_id: string | null;
}

for (const kind of BACKEND_KINDS) {
  describe(`notification delivery (${kind} queue backend)`, function () {
    this.timeout(60_000);
    const backends = new TestBackends();
    const service = new NotificationService();
    let db: Db;
    let drop: () => Promise<void>;
    let connector: FakeBotConnector;
    let slack: FakeSlackApi;
    let backend: JobBackend;
    let relay: OutboxRelay;
    let workers: RunningWorkers;
    let partnerId: string;
    /** The limiter the processor uses; a test may swap in another. */
    let limiter: DeliveryRateLimiter;

    before(async () => {
      ({ db, drop } = await isolatedDb(`deliver_${kind}`));
      connector = await startFakeBotConnector();
      slack = await startFakeSlackApi();
      // Short backoff so retries come quickly; a Retry-After from the server still wins.
      backend = backends.create(kind, { jobOptions: { notifications: { attempts: 4, backoff: { type: RETRY_AFTER_BACKOFF, delay: 100 } } } });
      limiter = new PostgresDeliveryRateLimiter(db);
      const deliver = createDeliverNotification({
        db,
        logger: silentLogger,
        // These tests are about transport: each shows the payload its test gave (bot/notifications.ts renders for real, tested on its own).
        render: (message) => {
          const by = message.kind === 'roleChanged' ? message.by ?? '' : '';
          return shown.get(by) ?? { text: `no payload for ${by}` };
        },
        rateLimiter: { acquire: (target) => limiter.acquire(target) },
        senders: {
          msteams: new TeamsSender({ adapter: new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), botAppId: '', logger: silentLogger }),
          slack: new SlackSender({ botToken: 'xoxb-test-token', apiUrl: slack.apiUrl, logger: silentLogger }),
        },
      });
      workers = startWorkers(backend, { [QUEUES.notifications]: deliver }, { concurrency: 4, logger: silentLogger });
      relay = new OutboxRelay({ db, backend, logger: silentLogger, intervalMs: 200 });
      relay.start();
      partnerId = await createPartner(db);
    });

    after(async () => {
      await relay.stop();
      await workers.close(5000);
      await backends.cleanup();
      await connector.close();
      await slack.close();
      await drop();
    });

    afterEach(() => {
      connector.reset();
      slack.reset();
      limiter = new PostgresDeliveryRateLimiter(db);
    });

    let seq = 0;
    /** What the renderer shows for each test's notification, by a token the message carries. */
    const shown = new Map<string, NotificationPayload>();
    async function notify(conversationRefId: string, payload: NotificationPayload): Promise<string> {
      seq += 1;
      const token = `test-${kind}-${seq}`;
      shown.set(token, payload);
      const message = { kind: 'roleChanged', grant: true, role: 'admin_agent', by: token } as const;
      const { notificationId } = await inTransaction(db, (client) =>
        service.notify(client, { partnerId, conversationRefId, message, dedupeKey: token }),
      );
      relay.kick();
      return notificationId;
    }

    async function settled(notificationId: string): Promise<NotificationRow> {
      return eventually(
        async () => {
          const { rows } = await db.query<NotificationRow>('SELECT status, attempts, last_error, provider_message_id FROM notifications WHERE id = $1', [notificationId]);
          return rows[0]?.status !== 'queued' ? rows[0] : undefined;
        },
        { what: `notification ${notificationId} settled` },
      );
    }

    async function jobSettled(jobId: string): Promise<string> {
      const q = backend.queue(QUEUES.notifications);
      return eventually(
        async () => {
          const state = await q.getJobState(jobId);
          return state === 'completed' || state === 'failed' ? state : undefined;
        },
        { what: `job ${jobId}` },
      );
    }

    async function refState(id: string) {
      const { rows } = await db.query<{ active: boolean; inactive_reason: string | null }>('SELECT active, inactive_reason FROM conversation_refs WHERE id = $1', [id]);
      return rows[0]!;
    }

    const teamsRef = () => createTeamsRef(db, { partnerId, serviceUrl: connector.url });
    const toConversation = (conversationId: string) => connector.requests.filter((r) => r.conversationId === conversationId);

    describe('Teams', () => {
      it('delivers the card to the conversation and records the message id', async () => {
        const ref = await teamsRef();
        const id = await notify(ref.id, { text: 'Cancellation finished', card: sampleCard() });
        const row = await settled(id);
        assert.equal(row.status, 'sent');
        const [request] = toConversation(ref.conversationId);
        assert.equal(request!.method, 'POST');
        // botbuilder sends a proactive message as a reply to its continuation activity.
        assert.match(request!.path, new RegExp(`^/v3/conversations/${encodeURIComponent(ref.conversationId)}/activities(/[^/]+)?$`));
        assert.equal(request!.body.type, 'message');
        assert.equal(request!.body.text, 'Cancellation finished');
        assert.deepEqual(request!.body.attachments, [sampleCard()]);
        assert.match(row.provider_message_id ?? '', /^fake-activity-/);
      });

      it('retries after a 429 with Retry-After and delivers once', async () => {
        const ref = await teamsRef();
        let throttled = false;
        connector.script((req) => {
          if (req.conversationId !== ref.conversationId || throttled) return undefined;
          throttled = true;
          return connectorReplies.throttled(1);
        });
        const row = await settled(await notify(ref.id, { text: 'hello' }));
        assert.equal(row.status, 'sent');
        // One 429, then one success — each a job attempt of ours (the SDK's own retries are off).
        assert.deepEqual(toConversation(ref.conversationId).map((r) => r.status), [429, 200]);
        assert.equal(row.attempts, 2);
      });

      it('retries a 502', async () => {
        const ref = await teamsRef();
        let failed = false;
        connector.script((req) => {
          if (req.conversationId !== ref.conversationId || failed) return undefined;
          failed = true;
          return connectorReplies.badGateway();
        });
        const row = await settled(await notify(ref.id, { text: 'hello' }));
        assert.equal(row.status, 'sent');
        assert.deepEqual(toConversation(ref.conversationId).map((r) => r.status), [502, 200]);
      });

      it('on 403 deactivates the conversation, marks the notification undeliverable and stops', async () => {
        const ref = await teamsRef();
        connector.script((req) => (req.conversationId === ref.conversationId ? connectorReplies.forbidden('BotDisabledByAdmin') : undefined));
        const id = await notify(ref.id, { text: 'hello' });
        const row = await settled(id);
        assert.equal(row.status, 'undeliverable');
        assert.equal(await jobSettled(`notify-${id}`), 'failed');
        assert.deepEqual(await refState(ref.id), { active: false, inactive_reason: 'msteams:BotDisabledByAdmin' });
        assert.equal(toConversation(ref.conversationId).length, 1, 'no retry after 403');

        // Later notifications to that conversation are not even attempted.
        const next = await settled(await notify(ref.id, { text: 'again' }));
        assert.equal(next.status, 'undeliverable');
        assert.equal(toConversation(ref.conversationId).length, 1);
      });

      it('does not retry a message the connector rejects (400)', async () => {
        const ref = await teamsRef();
        connector.script((req) => (req.conversationId === ref.conversationId ? connectorReplies.status(400, { error: { code: 'BadArgument', message: 'bad' } }) : undefined));
        const row = await settled(await notify(ref.id, { text: 'hello' }));
        assert.equal(row.status, 'failed');
        assert.equal(toConversation(ref.conversationId).length, 1);
        assert.equal((await refState(ref.id)).active, true);
      });

      it('does not send again when the same job is delivered a second time', async () => {
        const ref = await teamsRef();
        const id = await notify(ref.id, { text: 'once' });
        assert.equal((await settled(id)).status, 'sent');
        // At-least-once: the queue may hand the same notification to a worker again.
        const q = backend.queue(QUEUES.notifications);
        await q.add('deliver', { notificationId: id }, { jobId: `notify-${id}-again` });
        assert.equal(await jobSettled(`notify-${id}-again`), 'completed');
        assert.equal((await q.getJob(`notify-${id}-again`))?.returnvalue, 'already-sent');
        assert.equal(toConversation(ref.conversationId).length, 1);
      });

      it('a second run of the same notification while the first is still sending waits instead of sending too', async () => {
        const ref = await teamsRef();
        connector.script((req) => (req.conversationId === ref.conversationId ? connectorReplies.slow(700) : undefined));
        const id = await notify(ref.id, { text: 'slow' });
        // As if BullMQ handed the job out twice (a stalled job recovered while its first run goes on).
        await backend.queue(QUEUES.notifications).add('deliver', { notificationId: id }, { jobId: `notify-${id}-dup` });
        assert.equal((await settled(id)).status, 'sent');
        await eventually(async () => (await backend.queue(QUEUES.notifications).getJobState(`notify-${id}-dup`)) !== 'active' && toConversation(ref.conversationId).length > 0, {
          what: 'duplicate run parked',
        });
        assert.equal(toConversation(ref.conversationId).length, 1);
        // The duplicate either found the row already sent or is parked until the lease runs out.
        assert.ok(['completed', 'delayed'].includes(await backend.queue(QUEUES.notifications).getJobState(`notify-${id}-dup`)));
      });

      it('holds back the 8th message to a conversation within the window until the limiter allows it', async () => {
        const ref = await teamsRef();
        // A window far longer than the test: which sends fall into it does not depend on timing.
        const real = new PostgresDeliveryRateLimiter(db, { teamsConversation: [{ points: 7, durationSeconds: 3600 }], teamsTenant: [], slackChannel: [] });
        const log: string[] = [];
        limiter = {
          async acquire(target: DeliveryTarget) {
            const decision = await real.acquire(target);
            if (target.channel === 'msteams' && target.conversationId === ref.conversationId) log.push(decision.ok ? 'ok' : 'wait');
            return decision;
          },
        };
        connector.script((req) => {
          if (req.conversationId === ref.conversationId) log.push(`sent:${req.body.text}`);
          return undefined;
        });
        const ids: string[] = [];
        for (let i = 1; i <= 8; i += 1) ids.push(await notify(ref.id, { text: `message ${i}` }));
        const sentNow = () => log.filter((e) => e.startsWith('sent:'));
        await eventually(() => log.includes('wait') && sentNow().length === 7, { what: '7 sent and the 8th held back' });
        assert.equal(log.filter((e) => e === 'ok').length, 7, `exactly 7 allowed in the window: ${log.join(' ')}`);
        const q = backend.queue(QUEUES.notifications);
        const mine = async () => (await q.getDelayed()).filter((job) => ids.includes(job.data.notificationId));
        // The limiter's "wait" is logged before the worker moves the job to the delayed set.
        await eventually(async () => (await mine()).length === 1, { what: 'the 8th waits as a delayed job' });
        assert.equal((await mine()).length, 1, 'the 8th waits as a delayed job');

        // The window passes (here: its counters are reset) and the delayed job runs now.
        await db.query(`DELETE FROM ${RATE_LIMIT_TABLE}`);
        for (const job of await mine()) await job.promote();
        for (const id of ids) assert.equal((await settled(id)).status, 'sent');
        const sent = sentNow();
        assert.equal(sent.length, 8, 'each message sent exactly once');
        assert.equal(new Set(sent).size, 8);
      });
    });

    describe('Slack', () => {
      const channelCalls = (channelId: string) => slack.callsTo('chat.postMessage').filter((c) => c.params.channel === channelId);

      it('posts text and blocks to the channel', async () => {
        const ref = await createSlackRef(db, { partnerId });
        const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Ticket 4711* filed' } }];
        const row = await settled(await notify(ref.id, { text: 'Ticket 4711 filed', blocks }));
        assert.equal(row.status, 'sent');
        const [call] = channelCalls(ref.channelId);
        assert.equal(call!.params.text, 'Ticket 4711 filed');
        assert.deepEqual(call!.params.blocks, blocks);
        assert.equal(call!.headers.authorization, 'Bearer xoxb-test-token');
        assert.ok(row.provider_message_id);
      });

      it('retries after ratelimited (HTTP 429, Retry-After) and posts once', async () => {
        const ref = await createSlackRef(db, { partnerId });
        let limited = false;
        slack.script((call) => {
          if (call.params.channel !== ref.channelId || limited) return undefined;
          limited = true;
          return slackReplies.rateLimited(1);
        });
        const row = await settled(await notify(ref.id, { text: 'hello' }));
        assert.equal(row.status, 'sent');
        assert.deepEqual(channelCalls(ref.channelId).map((c) => c.status), [429, 200]);
      });

      it('on channel_not_found deactivates the conversation and stops', async () => {
        const ref = await createSlackRef(db, { partnerId });
        slack.script((call) => (call.params.channel === ref.channelId ? slackReplies.error('channel_not_found') : undefined));
        const row = await settled(await notify(ref.id, { text: 'hello' }));
        assert.equal(row.status, 'undeliverable');
        assert.deepEqual(await refState(ref.id), { active: false, inactive_reason: 'slack:channel_not_found' });
        assert.equal(channelCalls(ref.channelId).length, 1);
      });
    });
  });
}

describe('notification delivery: a worker killed mid-delivery (issue 14)', function () {
  this.timeout(30_000);
  const service = new NotificationService();
  const holders: ProcessLiveness[] = [];
  let db: Db;
  let drop: () => Promise<void>;
  let connector: FakeBotConnector;

  before(async () => {
    ({ db, drop } = await isolatedDb('deliver_lease'));
    connector = await startFakeBotConnector();
  });
  after(async () => {
    await Promise.all(holders.map((l) => l.close()));
    await connector.close();
    await drop();
  });

  it('the next run takes the lease of a worker that is gone at once; one whose worker lives is waited for', async () => {
    const hold = async () => {
      const l = await ProcessLiveness.hold(db, silentLogger);
      holders.push(l);
      return l;
    };
    const [killed, alive, next] = [await hold(), await hold(), await hold()];
    const partnerId = await createPartner(db);
    const ref = await createTeamsRef(db, { partnerId, serviceUrl: connector.url });
    const deliver = createDeliverNotification({
      db, logger: silentLogger, liveness: next, render: () => ({ text: 'cancellation finished' }),
      rateLimiter: { acquire: () => Promise.resolve({ ok: true }) },
      senders: { msteams: new TeamsSender({ adapter: new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), botAppId: '', logger: silentLogger }) },
    });
    const leasedBy = async (owner: ProcessLiveness) => {
      const message = { kind: 'roleChanged', grant: true, role: 'admin_agent', by: 'lease' } as const;
      const { notificationId } = await inTransaction(db, (client) => service.notify(client, { partnerId, conversationRefId: ref.id, message, dedupeKey: `lease-${owner.id}` }));
      // A delivery under way: its lease has most of its two minutes left.
      await db.query("UPDATE notifications SET attempts = 1, lease_until = now() + interval '110 seconds', lease_owner = $2 WHERE id = $1", [notificationId, owner.id]);
      return notificationId;
    };
    const job = (notificationId: string) => {
      const moveToDelayed = sinon.stub().resolves();
      return { job: { id: `notify-${notificationId}`, data: { notificationId }, attemptsMade: 1, opts: { attempts: 8 }, moveToDelayed } as never, moveToDelayed };
    };

    const orphaned = await leasedBy(killed);
    await killed.close();
    const run = job(orphaned);
    assert.equal(await deliver(run.job, 'lock-token'), 'sent', 'sent now, not after the lease');
    assert.equal(run.moveToDelayed.callCount, 0);

    const held = await leasedBy(alive);
    const waiting = job(held);
    await assert.rejects(deliver(waiting.job, 'lock-token'), (err: Error) => err.name === 'DelayedError');
    assert.ok(waiting.moveToDelayed.calledOnce, 'parked until the live worker\'s lease runs out');
    assert.equal(connector.requests.filter((r) => r.method === 'POST').length, 1, 'one message: the orphaned one');
  });
});
