/** bot/teams/client-cache.ts: one Bot Connector client per service URL instead of one per turn; authentication untouched. */
import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity } from 'botframework-connector';
import { ClientCachingAuthentication } from '../../bot/teams/client-cache.js';

const activity = (serviceUrl: string) => ({ type: 'message', channelId: 'msteams', serviceUrl, conversation: { id: 'a:1' }, from: { id: 'u' }, recipient: { id: 'b' } }) as never;

describe('bot/teams/client-cache (ClientCachingAuthentication)', () => {
  it('hands every turn for one service URL the same connector client; another URL gets its own', async () => {
    const auth = new ClientCachingAuthentication(new ConfigurationBotFrameworkAuthentication({}));
    const first = await auth.authenticateRequest(activity('https://smba.example/emea/'), '');
    const second = await auth.authenticateRequest(activity('https://smba.example/emea/'), '');
    const a = await first.connectorFactory!.create('https://smba.example/emea/', first.audience);
    const b = await second.connectorFactory!.create('https://smba.example/emea/', second.audience);
    const c = await second.connectorFactory!.create('https://smba.example/amer/', second.audience);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('still authenticates every request (a bot with an app id refuses a request without a token)', async () => {
    const auth = new ClientCachingAuthentication(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'x' }));
    await assert.rejects(auth.authenticateRequest(activity('https://smba.example/emea/'), ''));
  });

  it('does not keep a failed client, and caches token clients per app id', async () => {
    const create = sinon.stub().onFirstCall().rejects(new Error('no token')).resolves({ client: 1 });
    const inner = {
      authenticateRequest: sinon.stub().resolves({ connectorFactory: { create }, callerId: 'urn:botframework:azure', audience: 'aud', claimsIdentity: new ClaimsIdentity([]) }),
      createUserTokenClient: sinon.stub().callsFake(() => Promise.resolve({})),
    };
    const auth = new ClientCachingAuthentication(inner as never);
    const r = await auth.authenticateRequest(activity('https://x/'), 'Bearer t');
    await assert.rejects(r.connectorFactory!.create('https://x/', 'aud'), /no token/);
    await Promise.resolve();
    assert.deepEqual(await r.connectorFactory!.create('https://x/', 'aud'), { client: 1 });
    assert.equal(create.callCount, 2, 'the failure was retried, not cached');
    const claims = (appId: string) => new ClaimsIdentity([{ type: AuthenticationConstants.AppIdClaim, value: appId }, { type: AuthenticationConstants.VersionClaim, value: '1.0' }]);
    const t1 = await auth.createUserTokenClient(claims('app-1'));
    assert.equal(await auth.createUserTokenClient(claims('app-1')), t1);
    await auth.createUserTokenClient(claims('app-2'));
    assert.equal(inner.createUserTokenClient.callCount, 2);
  });
});
