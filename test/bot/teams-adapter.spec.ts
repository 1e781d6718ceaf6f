/**
 * The adapter the bot and worker processes use (bot/teams/adapter.ts): a failure in a
 * proactive send reaches its caller (the notification worker retries it; the keys flow
 * does not claim a key was sent), while a failed inbound turn is reported to the user.
 */
import { strict as assert } from 'node:assert';
import { createTeamsAdapter } from '../../bot/teams/adapter.js';
import { TeamsSender } from '../../bot/teams/sender.js';
import { DeliveryError } from '../../services/notifications/channel-sender.js';
import { createLogger } from '../../services/logger.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';

const silent = createLogger({ level: 'silent' });

describe('bot/teams/adapter (createTeamsAdapter)', () => {
  let connector: FakeBotConnector;
  before(async () => {
    connector = await startFakeBotConnector();
  });
  after(async () => connector.close());
  afterEach(() => connector.reset());

  const adapter = createTeamsAdapter({ appId: undefined, appPassword: undefined, appType: 'MultiTenant', appTenantId: undefined }, silent);
  const reference = () => ({ serviceUrl: connector.url, channelId: 'msteams', conversation: { id: 'a:personal', isGroup: false, conversationType: 'personal', name: '' }, bot: { id: '28:bot', name: 'bot' }, user: { id: '29:user', name: 'user' } });

  it('a proactive send that fails rejects (and posts no error card to that conversation)', async () => {
    connector.script(() => ({ status: 403, body: { error: { code: 'BotNotInConversationRoster' } } }));
    const sender = new TeamsSender({ adapter, botAppId: '', logger: silent });
    await assert.rejects(sender.send({ id: '1', channel: 'msteams', conversationId: 'a:personal', reference: reference() } as never, { text: 'hello' }), (e: unknown) => e instanceof DeliveryError);
    assert.equal(connector.requests.length, 1, 'one attempt, no error card after it');
  });

  it('an error in the logic of a proactive turn rejects', async () => {
    await assert.rejects(adapter.continueConversationAsync('', reference(), () => Promise.reject(new Error('boom'))), /boom/);
  });
});
