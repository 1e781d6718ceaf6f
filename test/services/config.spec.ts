import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { loadConfig, ConfigError, configVariables } from '../../services/config.js';

describe('services/config', () => {
  it('starts with no configuration at all (embedded defaults)', () => {
    const c = loadConfig({});
    assert.equal(c.database.url, undefined);
    assert.equal(c.queue.redisUrl, undefined);
    assert.equal(c.http.port, 3978);
    assert.equal(c.seedDemoData, true);
    assert.equal(c.teams.appId, undefined);
  });

  it('names the bad variable', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && e.variable === 'PORT');
    assert.throws(() => loadConfig({ DATABASE_URL: 'not a url' }), (e: unknown) => e instanceof ConfigError && e.variable === 'DATABASE_URL');
    assert.throws(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: 'abcdefgh' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'SLACK_BOT_TOKEN');
    assert.throws(() => loadConfig({ BOOTSTRAP_GLOBAL_ADMINS: 'alice' }), (e: unknown) => e instanceof ConfigError && e.variable === 'BOOTSTRAP_GLOBAL_ADMINS');
  });

  it('requires the Teams password with an app id and the signing secret with a Slack token', () => {
    assert.throws(() => loadConfig({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001' }), /MicrosoftAppPassword/);
    assert.throws(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }), /SLACK_SIGNING_SECRET/);
  });

  it('refuses production without Teams authentication, a key-encryption key or a public URL', () => {
    const prod = { NODE_ENV: 'production', MicrosoftAppId: 'a', MicrosoftAppPassword: 'b', KEY_ENCRYPTION_KEY: 'k'.repeat(44), PUBLIC_URL: 'https://desk.example.com/' };
    const without = (name: keyof typeof prod) => Object.fromEntries(Object.entries(prod).filter(([k]) => k !== name));
    assert.throws(() => loadConfig(without('MicrosoftAppId')), (e: unknown) => e instanceof ConfigError && e.variable === 'MicrosoftAppId');
    assert.throws(() => loadConfig(without('KEY_ENCRYPTION_KEY')), (e: unknown) => e instanceof ConfigError && e.variable === 'KEY_ENCRYPTION_KEY');
    assert.throws(() => loadConfig(without('PUBLIC_URL')), (e: unknown) => e instanceof ConfigError && e.variable === 'PUBLIC_URL');
    const c = loadConfig(prod);
    assert.equal(c.env, 'production');
    assert.equal(c.publicUrl, 'https://desk.example.com', 'no trailing slash');
  });

  it('TRUST_PROXY: loopback by default, else true/false, a hop count or subnets; KEY_ENCRYPTION_KEY_PREVIOUS is a list', () => {
    assert.equal(loadConfig({}).trustProxy, 'loopback');
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy, 'loopback, 10.0.0.0/8');
    assert.throws(() => loadConfig({ TRUST_PROXY: 'anything; rm -rf' }), (e: unknown) => e instanceof ConfigError && e.variable === 'TRUST_PROXY');
    assert.deepEqual(loadConfig({}).previousKeyEncryptionKeys, []);
    assert.deepEqual(loadConfig({ KEY_ENCRYPTION_KEY_PREVIOUS: 'a, b' }).previousKeyEncryptionKeys, ['a', 'b']);
  });

  it('download links default to this server; an artifact store needs its signing key', () => {
    assert.equal(loadConfig({}).publicUrl, undefined, 'the bot uses the address it listens on');
    assert.equal(loadConfig({}).artifactStore, undefined);
    assert.throws(() => loadConfig({ ARTIFACT_STORE_URL: 'https://files.example.com' }), (e: unknown) => e instanceof ConfigError && e.variable === 'ARTIFACT_STORE_SIGNING_KEY');
    assert.deepEqual(loadConfig({ ARTIFACT_STORE_URL: 'https://files.example.com', ARTIFACT_STORE_SIGNING_KEY: 's'.repeat(32) }).artifactStore, { url: 'https://files.example.com', signingKey: 's'.repeat(32) });
  });

  it('Partner Center: unset by default; the tenant and app ids with exactly one credential; the bad variable named; https but for a local stand-in (issue 12)', () => {
    assert.equal(loadConfig({}).partnerCenter, undefined);
    const tenant = '1B4C2D3E-0000-4000-8000-00000000000A';
    const app = '2c5d3e4f-0000-4000-8000-00000000000b';
    const ok = loadConfig({ PARTNER_CENTER_TENANT_ID: tenant, PARTNER_CENTER_APP_ID: app, PARTNER_CENTER_APP_SECRET: 's3cret', PARTNER_CENTER_API_URL: 'http://127.0.0.1:4100/' });
    assert.deepEqual(ok.partnerCenter, {
      tenantId: tenant.toLowerCase(), appId: app, credential: { kind: 'secret', secret: 's3cret' },
      apiUrl: 'http://127.0.0.1:4100', loginUrl: 'https://login.microsoftonline.com', timeoutMs: 30_000,
      priceSheetUrl: 'https://api.partner.microsoft.com', catalogMarkets: [], catalogRefreshMs: 86_400_000,
    });
    const markets = loadConfig({ PARTNER_CENTER_TENANT_ID: tenant, PARTNER_CENTER_APP_ID: app, PARTNER_CENTER_APP_SECRET: 's', PARTNER_CENTER_CATALOG_MARKETS: ' de, AT,de ', PARTNER_CENTER_CATALOG_REFRESH_HOURS: '6' }).partnerCenter!;
    assert.deepEqual([markets.catalogMarkets, markets.catalogRefreshMs], [['DE', 'AT'], 6 * 3_600_000]);
    assert.equal(loadConfig({}).commerce.backend, 'embedded');
    assert.equal(loadConfig({ COMMERCE_BACKEND: 'partner-center', PARTNER_CENTER_TENANT_ID: tenant, PARTNER_CENTER_APP_ID: app, PARTNER_CENTER_APP_SECRET: 's' }).commerce.backend, 'partner-center');
    const cert = loadConfig({ PARTNER_CENTER_TENANT_ID: tenant, PARTNER_CENTER_APP_ID: app, PARTNER_CENTER_CERTIFICATE_PATH: 'pc.pem' }).partnerCenter!;
    assert.equal(cert.credential.kind, 'certificate');
    const named = (env: Record<string, string>, variable: string) =>
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === variable, JSON.stringify(env));
    named({ PARTNER_CENTER_TENANT_ID: 'contoso' }, 'PARTNER_CENTER_TENANT_ID');
    named({ PARTNER_CENTER_TENANT_ID: tenant, PARTNER_CENTER_APP_SECRET: 'x' }, 'PARTNER_CENTER_APP_ID');
    named({ PARTNER_CENTER_APP_SECRET: 'x', PARTNER_CENTER_APP_ID: app }, 'PARTNER_CENTER_TENANT_ID');
    named({ PARTNER_CENTER_TENANT_ID: tenant, PARTNER_CENTER_APP_ID: app }, 'PARTNER_CENTER_APP_SECRET');
    named({ PARTNER_CENTER_TENANT_ID: tenant, PARTNER_CENTER_APP_ID: app, PARTNER_CENTER_APP_SECRET: 'x', PARTNER_CENTER_CERTIFICATE_PATH: 'pc.pem' }, 'PARTNER_CENTER_APP_SECRET');
    named({ PARTNER_CENTER_API_URL: 'http://partner.example.com' }, 'PARTNER_CENTER_API_URL');
    named({ PARTNER_CENTER_LOGIN_URL: 'http://login.example.com' }, 'PARTNER_CENTER_LOGIN_URL');
    named({ PARTNER_CENTER_TIMEOUT_MS: '10' }, 'PARTNER_CENTER_TIMEOUT_MS');
    named({ COMMERCE_BACKEND: 'partner-center' }, 'PARTNER_CENTER_TENANT_ID');
    named({ COMMERCE_BACKEND: 'partnercenter' }, 'COMMERCE_BACKEND');
    named({ PARTNER_CENTER_CATALOG_MARKETS: 'DE,Germany' }, 'PARTNER_CENTER_CATALOG_MARKETS');
    named({ PARTNER_CENTER_CATALOG_REFRESH_HOURS: '0' }, 'PARTNER_CENTER_CATALOG_REFRESH_HOURS');
    named({ PARTNER_CENTER_PRICESHEET_URL: 'http://pricesheets.example.com' }, 'PARTNER_CENTER_PRICESHEET_URL');
  });

  it('parses bootstrap Global admins', () => {
    const c = loadConfig({ BOOTSTRAP_GLOBAL_ADMINS: 'msteams:tenant-1:aad-1, slack:T1:U1' });
    assert.deepEqual(c.bootstrapGlobalAdmins, [
      { channel: 'msteams', partnerExternalId: 'tenant-1', userExternalId: 'aad-1' },
      { channel: 'slack', partnerExternalId: 'T1', userExternalId: 'U1' },
    ]);
  });

  it('.env.example lists every variable the config reads', () => {
    const example = fs.readFileSync('.env.example', 'utf8');
    const listed = new Set([...example.matchAll(/^#?\s*([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
    const missing = configVariables.filter((v) => !listed.has(v));
    assert.deepEqual(missing, []);
  });
});
