/**
 * Teams authentication with real tokens (issue 14): the bot checks Bot Framework JWTs against
 * the signing keys of a local OpenID metadata endpoint (ToBotFromChannelOpenIdMetadataUrl), as
 * it checks Microsoft's in production. A valid token runs the turn; a refused one is a plain
 * 401 and one warn line in the log; keys out of reach are a plain 503 and one error line — and
 * nothing is printed outside the JSON log.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import sinon from 'sinon';
import { ConfigError, loadConfig } from '../../services/config.js';
import { startTestBot, cardText, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createMessageActivity, createPartner, createUser, type TestPartner } from '../support/factories.js';

const APP_ID = '11111111-2222-3333-4444-555555555555';
const CHANNEL_ISSUER = 'https://api.botframework.com';
const SERVICE_URL = 'http://127.0.0.1:9/';
const KEY_ID = 'channel-key-1';

const channelKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** An RS256 JWT, as the Bot Connector sends one. */
function signToken(claims: Record<string, unknown>, opts: { key?: KeyObject; kid?: string } = {}): string {
  return jwt.sign(claims, opts.key ?? channelKey.privateKey, { algorithm: 'RS256', keyid: opts.kid ?? KEY_ID });
}

/** The claims of a channel token for this bot, valid for an hour. */
function channelClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: SERVICE_URL, nbf: now - 60, iat: now - 60, exp: now + 3600, ...overrides };
}

/** A local stand-in for login.botframework.com: the OpenID metadata and the key set it names. */
async function startOpenIdEndpoint(): Promise<{ metadataUrl: string; close(): Promise<void> }> {
  const jwk = { ...channelKey.publicKey.export({ format: 'jwk' }), kid: KEY_ID, use: 'sig', endorsements: ['msteams'] };
  const server: Server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration') res.end(JSON.stringify({ issuer: CHANNEL_ISSUER, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    else if (req.url === '/v1/.well-known/keys') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    metadataUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The bot's log lines written since `from`, parsed. */
function logLinesSince(bot: TestBot, from: number): Array<Record<string, unknown>> {
  return bot.logs.slice(from).flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>);
}

const WARN = 40;
const ERROR = 50;

describe('bot: Teams authentication with Bot Framework tokens', () => {
  const db = testDb();
  const sandbox = sinon.createSandbox();
  let consoleError: sinon.SinonStub;
  let openId: Awaited<ReturnType<typeof startOpenIdEndpoint>>;
  let bot: TestBot;
  let partner: TestPartner;
  let admin: { externalId: string };

  before(async () => {
    openId = await startOpenIdEndpoint();
    bot = await startTestBot({ env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', ToBotFromChannelOpenIdMetadataUrl: openId.metadataUrl } });
    partner = await createPartner(db, 'Auth Partner');
    admin = await createUser(db, partner, { roles: ['admin_agent', 'global_admin'] });
  });
  after(async () => {
    await bot.close();
    await openId.close();
  });
  beforeEach(() => {
    consoleError = sandbox.stub(console, 'error');
  });
  afterEach(() => sandbox.restore());

  const activity = () => createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'whoami', serviceUrl: SERVICE_URL });

  it('a valid channel token lets the turn run (200, the answer in the body)', async () => {
    const res = await bot.post('/api/messages', activity(), { authorization: `Bearer ${signToken(channelClaims())}` });
    assert.equal(res.status, 200, res.text);
    assert.match(cardText(res.json().activities), /Auth Partner/);
    assert.equal(consoleError.called, false);
  });

  async function assertRefused(headers: Record<string, string>, reason: RegExp, secret?: string): Promise<void> {
    const from = bot.logs.length;
    const res = await bot.post('/api/messages', activity(), headers);
    assert.equal(res.status, 401, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(res.text, 'Unauthorized');
    const lines = logLinesSince(bot, from);
    const warnings = lines.filter((l) => l.level === WARN);
    assert.equal(warnings.length, 1, JSON.stringify(lines));
    assert.match(String(warnings[0]!.msg), /refused/);
    assert.match(String(warnings[0]!.reason), reason);
    assert.deepEqual(lines.filter((l) => Number(l.level) >= ERROR), []);
    if (secret) assert.ok(!bot.logs.slice(from).join('').includes(secret.split('.')[2]!), 'the token is not logged');
    assert.equal(consoleError.called, false, 'nothing printed outside the JSON log');
  }

  // The reason says which check refused: ours (jsonwebtoken) or botbuilder's after it (audience, serviceurl).
  const refused: Array<[string, () => string, RegExp]> = [
    ['an expired token', () => signToken(channelClaims({ nbf: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })), /^expired$/],
    ['a token not valid yet', () => signToken(channelClaims({ nbf: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 })), /^not valid yet$/],
    ['a token for another bot (wrong audience)', () => signToken(channelClaims({ aud: randomUUID() })), /Invalid AppId/],
    ['a token from another issuer', () => signToken(channelClaims({ iss: 'https://sts.example.com/' })), /^wrong issuer$/],
    ['a token signed with another key (bad signature)', () => signToken(channelClaims(), { key: strangerKey.privateKey }), /^bad signature$/],
    ['a token signed with a key the key set does not hold', () => signToken(channelClaims(), { key: strangerKey.privateKey, kid: 'stranger-key' }), /^unknown signing key$/],
    ['a token whose serviceurl claim is not the activity’s', () => signToken(channelClaims({ serviceurl: 'https://smba.example.com/' })), /ServiceUrl/],
  ];
  for (const [name, token, reason] of refused) {
    it(`${name}: 401 with a plain body, one warn line, nothing on console.error`, async () => {
      const secret = token();
      await assertRefused({ authorization: `Bearer ${secret}` }, reason, secret);
    });
  }

  it('no Authorization header: 401 with a plain body, one warn line, nothing on console.error', async () => {
    await assertRefused({}, /^no Authorization header$/);
  });

  it('the signing keys out of reach: 503 with a plain body (no URL, no error), one error line naming the endpoint', async () => {
    const port = await closedPort();
    const metadataUrl = `http://127.0.0.1:${port}/v1/.well-known/openidconfiguration`;
    const cut = await startTestBot({ env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', ToBotFromChannelOpenIdMetadataUrl: metadataUrl } });
    try {
      const from = cut.logs.length;
      const res = await cut.post('/api/messages', activity(), { authorization: `Bearer ${signToken(channelClaims())}` });
      assert.equal(res.status, 503, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(res.text, 'Service Unavailable');
      assert.ok(!res.text.includes(String(port)) && !/ECONNREFUSED|127\.0\.0\.1/.test(res.text));
      const lines = logLinesSince(cut, from);
      const errors = lines.filter((l) => Number(l.level) >= ERROR);
      assert.equal(errors.length, 1, JSON.stringify(lines));
      assert.ok(JSON.stringify(errors[0]).includes(metadataUrl), 'the operator sees which endpoint failed');
      assert.match(JSON.stringify(errors[0]), /ECONNREFUSED/, 'and why');
      assert.deepEqual(lines.filter((l) => l.level === WARN), []);
      assert.equal(consoleError.called, false);
    } finally {
      await cut.close();
    }
  });

  it('the metadata is read over https only (http just on loopback): anyone on the path could hand in their own keys', () => {
    const env = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret' };
    assert.throws(() => loadConfig({ ...env, ToBotFromChannelOpenIdMetadataUrl: 'http://login.example.com/v1/.well-known/openidconfiguration' }), (e: unknown) => e instanceof ConfigError && e.variable === 'ToBotFromChannelOpenIdMetadataUrl');
    assert.equal(loadConfig({ ...env, ToBotFromChannelOpenIdMetadataUrl: 'https://login.example.com/v1/.well-known/openidconfiguration' }).teams.openIdMetadataUrl, 'https://login.example.com/v1/.well-known/openidconfiguration');
    assert.equal(loadConfig(env).teams.openIdMetadataUrl, undefined);
  });
});
