import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { PartnerCenterAuthError, type PartnerCenterAuthFailure } from '../../services/partner-center/contracts.js';
import {
  readCertificateCredential,
  redeemRefreshToken,
  RefreshTokenAccessTokens,
  type RefreshTokenAccessTokensOptions,
} from '../../services/partner-center/auth.js';
import { PartnerCenterTokenStore, type TokenRow } from '../../services/partner-center/token-store.js';
import { createLogger } from '../../services/logger.js';
import { createKeyCipher, KeyDecryptError } from '../../services/software/key-crypto.js';
import {
  createTestCertificate,
  entraError,
  entraReplies,
  FAKE_ACCOUNT,
  FAKE_APP_ID,
  FAKE_APP_SECRET,
  FAKE_PARTNER_TENANT_ID,
  startFakeEntra,
  type EntraTokenReply,
  type FakeEntra,
} from '../fakes/entra-token.js';
import { testDb } from '../support/db.js';

const TENANT = FAKE_PARTNER_TENANT_ID;
const CONSENT = 'npm run partner-center:consent';

type Row = TokenRow;

async function failure(promise: Promise<unknown>): Promise<PartnerCenterAuthError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PartnerCenterAuthError, `expected a PartnerCenterAuthError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected accessToken() to fail');
}

/** A promise with its resolve, to hold a request until a test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** A fetch that holds the exchange: `asked` opens when it is on its way to Entra ID, `release()` lets it go. */
function heldFetch() {
  const hold = gate();
  const asked = gate();
  const held: typeof fetch = async (input, init) => {
    asked.open();
    await hold.opened;
    return fetch(input, init);
  };
  return { fetch: held, asked: asked.opened, release: hold.open };
}

describe('services/partner-center/auth', () => {
  const db = testDb();
  const cipher = createKeyCipher(randomBytes(32));
  const store = new PartnerCenterTokenStore(db, cipher);
  let fake: FakeEntra;
  let logLines: string[];

  before(async () => {
    fake = await startFakeEntra();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    logLines = [];
    await db.query('DELETE FROM partner_center_tokens WHERE partner_tenant_id = $1', [TENANT]);
  });

  const logger = () =>
    createLogger(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _e, cb) {
          logLines.push(chunk.toString());
          cb();
        },
      }),
    );

  function source(overrides: Partial<RefreshTokenAccessTokensOptions> = {}): RefreshTokenAccessTokens {
    return new RefreshTokenAccessTokens({
      partnerTenantId: TENANT,
      appId: FAKE_APP_ID,
      credential: { kind: 'secret', secret: FAKE_APP_SECRET },
      loginUrl: fake.url,
      store,
      timeoutMs: 5_000,
      retryDelayMs: 1,
      logger: logger(),
      ...overrides,
    });
  }

  /** A consent, as the consent script stores it: a refresh token the fake knows. */
  async function consent(account = FAKE_ACCOUNT): Promise<string> {
    const token = fake.issueRefreshToken(account);
    await store.save(TENANT, token, { account });
    return token;
  }

  async function row(): Promise<Row> {
    const { rows } = await db.query<Row>('SELECT * FROM partner_center_tokens WHERE partner_tenant_id = $1', [TENANT]);
    assert.ok(rows[0], 'a stored row');
    return rows[0];
  }

  const errorLines = () => logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);

  describe('exchanging the refresh token', () => {
    it('posts the documented v1 refresh-token grant and answers the access token', async () => {
      const refreshToken = await consent();
      const token = await source().accessToken();

      assert.equal(token, fake.accessTokens[0]);
      assert.equal(fake.calls.length, 1);
      const [call] = fake.calls;
      assert.equal(call!.method, 'POST');
      assert.equal(call!.path, `/${TENANT}/oauth2/token`);
      assert.match(String(call!.headers['content-type']), /^application\/x-www-form-urlencoded/);
      assert.deepEqual(call!.form, {
        grant_type: 'refresh_token',
        resource: 'https://api.partnercenter.microsoft.com',
        client_id: FAKE_APP_ID,
        refresh_token: refreshToken,
        scope: 'openid',
        client_secret: FAKE_APP_SECRET,
      });
      assert.equal(call!.status, 200);
    });

    it('keeps the access token: two calls, one exchange', async () => {
      await consent();
      const tokens = source();
      const first = await tokens.accessToken();
      const second = await tokens.accessToken();
      assert.equal(second, first);
      assert.equal(fake.calls.length, 1);
    });

    it('shares one exchange among concurrent callers, also those arriving while it is in flight', async () => {
      await consent();
      const held = heldFetch();
      const tokens = source({ fetch: held.fetch });

      const early = Array.from({ length: 10 }, () => tokens.accessToken());
      await held.asked; // the exchange is on its way to Entra ID
      const late = Array.from({ length: 5 }, () => tokens.accessToken());
      held.release();
      const all = await Promise.all([...early, ...late]);

      assert.equal(fake.calls.length, 1, 'one POST for 15 callers');
      assert.deepEqual(new Set(all), new Set([fake.accessTokens[0]]));
    });

    it('drops the cached token on fresh: true (the API answered 401 to it)', async () => {
      await consent();
      const tokens = source();
      const first = await tokens.accessToken();
      const renewed = await tokens.accessToken({ fresh: true });
      assert.notEqual(renewed, first);
      assert.equal(fake.calls.length, 2);
      assert.equal(await tokens.accessToken(), renewed, 'the new token is cached in turn');
      assert.equal(fake.calls.length, 2);
    });

    it('refreshes 5 minutes before expires_in runs out, counted from when the exchange began', async () => {
      await consent();
      let now = Date.parse('2026-03-02T08:00:00Z');
      const tokens = source({ now: () => now });
      const first = await tokens.accessToken();
      const lifetimeMs = 3599 * 1000; // the fake's expires_in: "3599", a string as v1 answers

      now += lifetimeMs - 5 * 60_000 - 1;
      assert.equal(await tokens.accessToken(), first, 'still cached one millisecond before the margin');
      assert.equal(fake.calls.length, 1);

      now += 1;
      const second = await tokens.accessToken();
      assert.notEqual(second, first, 'replaced at the margin');
      assert.equal(fake.calls.length, 2);
    });
  });

  describe('rotation', () => {
    it('stores the new refresh token encrypted, and exchanges it the next time', async () => {
      const consented = await consent();
      const before = await row();
      const tokens = source();
      await tokens.accessToken();

      const rotated = fake.refreshTokens.at(-1)!;
      assert.notEqual(rotated, consented);
      const after = await row();
      assert.equal(after.ciphertext.includes(Buffer.from(rotated)), false, 'not stored in plain text');
      assert.equal(after.ciphertext.includes(Buffer.from(rotated.slice(6, 30))), false, 'not even partly');
      assert.equal(after.key_id, cipher.keyId);
      assert.equal(
        cipher.open({ keyId: after.key_id, iv: after.iv, tag: after.tag, ciphertext: after.ciphertext }, `partner-center-refresh-token:${TENANT}`),
        rotated,
        'decrypts to the rotated token',
      );
      assert.ok(after.rotated_at, 'rotated_at set');
      assert.deepEqual(after.consented_at, before.consented_at, 'the consent is the same');
      assert.equal(after.account, FAKE_ACCOUNT, 'the account is kept');

      await tokens.accessToken({ fresh: true });
      assert.equal(fake.calls[1]!.form.refresh_token, rotated);
    });

    it('keeps the stored token when Entra ID hands out none', async () => {
      const consented = await consent();
      fake.setRotation(false);
      await source().accessToken();
      assert.equal((await store.load(TENANT))!.refreshToken, consented);
      assert.equal((await row()).rotated_at, null);
    });

    it('does not undo a consent stored while the exchange was in flight', async () => {
      await consent();
      const held = heldFetch();
      const pending = source({ fetch: held.fetch }).accessToken();
      await held.asked;
      const reconsented = await consent('other-admin@partner.example');
      held.release();
      await pending;

      const stored = await store.load(TENANT);
      assert.equal(stored!.refreshToken, reconsented);
      assert.equal(stored!.account, 'other-admin@partner.example');
      assert.equal(stored!.rotatedAt, null);
    });

    it('answers the token when the rotated one cannot be stored, and says so in the log', async () => {
      const consented = await consent();
      const failing = {
        load: (id: string) => store.load(id),
        save: () => Promise.reject(new Error('connection terminated')),
        recordFailure: (id: string, code: string, message: string) => store.recordFailure(id, code, message),
      };
      const token = await source({ store: failing }).accessToken();
      assert.equal(token, fake.accessTokens[0]);
      assert.equal((await store.load(TENANT))!.refreshToken, consented);
      assert.ok(logLines.some((l) => /rotated refresh token could not be stored/.test(l)));
    });
  });

  describe('failures', () => {
    const cases: Array<{ name: string; reply: () => EntraTokenReply; kind: PartnerCenterAuthFailure; aadCode: string; recorded: RegExp }> = [
      { name: 'inactivity (AADSTS700082)', reply: entraReplies.refreshTokenExpired, kind: 'consent_expired', aadCode: 'AADSTS700082', recorded: /^AADSTS700082: The refresh token has expired due to inactivity\./ },
      { name: 'MFA again (AADSTS50078)', reply: entraReplies.mfaRequired, kind: 'consent_expired', aadCode: 'AADSTS50078', recorded: /^AADSTS50078: Presented multi-factor authentication has expired/ },
      {
        name: 'MFA required (AADSTS50076, as interaction_required)',
        reply: () => entraError(400, 'interaction_required', 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'."),
        kind: 'consent_expired',
        aadCode: 'AADSTS50076',
        recorded: /^AADSTS50076: /,
      },
      { name: 'a wrong secret (AADSTS7000215)', reply: () => entraReplies.invalidClientSecret(), kind: 'invalid_client', aadCode: 'AADSTS7000215', recorded: /^AADSTS7000215: Invalid client secret provided\./ },
      {
        name: 'an expired secret (AADSTS7000222)',
        reply: () => entraError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${FAKE_APP_ID}' are expired.`),
        kind: 'invalid_client',
        aadCode: 'AADSTS7000222',
        recorded: /^AADSTS7000222: The provided client secret keys/,
      },
    ];

    for (const c of cases) {
      it(`${c.name} → ${c.kind}, recorded for the operator and logged once`, async () => {
        await consent();
        const tokens = source();
        fake.enqueue(c.reply());
        const err = await failure(tokens.accessToken());

        assert.equal(err.kind, c.kind);
        assert.equal(err.aadCode, c.aadCode);
        assert.equal(fake.calls.length, 1, 'no retry of a refusal');
        const stored = await row();
        assert.match(stored.last_error ?? '', c.recorded);
        assert.doesNotMatch(stored.last_error ?? '', /Trace ID|Correlation ID/, 'Entra ID\'s trace lines are not kept');
        assert.ok(stored.last_error_at);
        const errors = errorLines();
        assert.equal(errors.length, 1, `one error line: ${logLines.join('')}`);
        if (c.kind === 'consent_expired') assert.ok(errors[0]!.msg.includes(CONSENT), errors[0]!.msg);
        else assert.match(errors[0]!.msg, /PARTNER_CENTER_APP_SECRET or PARTNER_CENTER_CERTIFICATE_PATH/);
        assert.ok(err.message.includes(CONSENT));
      });
    }

    it('takes the AADSTS code from the description when error_codes is missing', async () => {
      await consent();
      fake.enqueue({ status: 400, body: { error: 'invalid_grant', error_description: 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.\r\nTrace ID: x' } });
      const err = await failure(source().accessToken());
      assert.equal(err.kind, 'consent_expired');
      assert.equal(err.aadCode, 'AADSTS70008');
    });

    it('maps any other invalid_grant to consent_expired, and another 4xx to invalid_client (configuration)', async () => {
      await consent();
      const tokens = source();
      fake.enqueue(entraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'));
      assert.equal((await failure(tokens.accessToken())).kind, 'consent_expired');

      await consent();
      const wrongTenant = source({ partnerTenantId: randomUUID() });
      const err = await failure(wrongTenant.accessToken());
      assert.equal(err.kind, 'not_consented', 'nothing stored for that tenant: no POST');

      await store.save(fake.tenantId, fake.issueRefreshToken());
      const otherApp = source({ appId: randomUUID() });
      const refused = await failure(otherApp.accessToken());
      assert.equal(refused.kind, 'invalid_client');
      assert.equal(refused.aadCode, 'AADSTS700016');
    });

    it('does not send a token Entra ID called dead again, until a new consent is stored', async () => {
      await consent();
      const tokens = source();
      fake.enqueue(entraReplies.refreshTokenExpired());
      const first = await failure(tokens.accessToken());
      const again = await failure(tokens.accessToken({ fresh: true }));
      assert.equal(again, first);
      assert.equal(fake.calls.length, 1, 'the dead token was sent once');
      assert.equal(errorLines().length, 1, 'and logged once');

      await consent();
      assert.equal(await tokens.accessToken(), fake.accessTokens[0]);
      assert.equal(fake.calls.length, 2);
      const cleared = await row();
      assert.equal(cleared.last_error, null, 'a new consent clears the last error');
    });

    it('no stored token → not_consented, without asking Entra ID', async () => {
      const err = await failure(source().accessToken());
      assert.equal(err.kind, 'not_consented');
      assert.ok(err.message.includes(CONSENT));
      assert.equal(fake.calls.length, 0);
      assert.equal(errorLines().length, 1);
    });

    it('a stored token that does not decrypt → not_consented, naming the key', async () => {
      await new PartnerCenterTokenStore(db, createKeyCipher(randomBytes(32))).save(TENANT, fake.issueRefreshToken());
      const err = await failure(source().accessToken());
      assert.equal(err.kind, 'not_consented');
      assert.match(err.message, /KEY_ENCRYPTION_KEY/);
      assert.equal(fake.calls.length, 0);
    });

    it('5xx → unavailable after one quick retry, not recorded as a consent problem', async () => {
      await consent();
      fake.enqueue(entraReplies.serverError(500), entraReplies.serverError(503));
      const err = await failure(source().accessToken());
      assert.equal(err.kind, 'unavailable');
      assert.equal(fake.calls.length, 2);
      assert.equal((await row()).last_error, null);
      assert.equal(errorLines().length, 0, 'a warning, not an error for the operator');
    });

    it('a 5xx then a success → the token', async () => {
      await consent();
      fake.enqueue(entraReplies.serverError(502));
      assert.equal(await source().accessToken(), fake.accessTokens[0]);
      assert.equal(fake.calls.length, 2);
    });

    it('429 → unavailable, without a retry', async () => {
      await consent();
      fake.enqueue(entraReplies.throttled());
      assert.equal((await failure(source().accessToken())).kind, 'unavailable');
      assert.equal(fake.calls.length, 1);
    });

    it('no answer within timeoutMs → unavailable', async () => {
      await consent();
      fake.enqueue(entraReplies.hang());
      const err = await failure(source({ timeoutMs: 200 }).accessToken());
      assert.equal(err.kind, 'unavailable');
      assert.match(err.message, /no answer within 200 ms/);
    });

    it('a network error → unavailable after one retry', async () => {
      await consent();
      let tries = 0;
      const err = await failure(
        source({
          fetch: () => {
            tries++;
            return Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }));
          },
        }).accessToken(),
      );
      assert.equal(err.kind, 'unavailable');
      assert.match(err.message, /ECONNREFUSED/);
      assert.equal(tries, 2);
    });

    it('a 200 without an access token → unavailable', async () => {
      await consent();
      fake.enqueue({ status: 200, body: { token_type: 'Bearer' } }, { status: 200, body: { token_type: 'Bearer' } });
      assert.equal((await failure(source().accessToken())).kind, 'unavailable');
    });

    it('after a failure, a later success is logged as an error again when the failure comes back', async () => {
      await consent();
      const tokens = source();
      fake.enqueue(entraReplies.invalidClientSecret());
      await failure(tokens.accessToken());
      fake.enqueue(entraReplies.invalidClientSecret());
      await failure(tokens.accessToken());
      assert.equal(errorLines().length, 1, 'the same failure twice: one line');
      await tokens.accessToken();
      fake.enqueue(entraReplies.invalidClientSecret());
      await failure(tokens.accessToken({ fresh: true }));
      assert.equal(errorLines().length, 2);
    });
  });

  describe('certificate credential', () => {
    const certificate = createTestCertificate();
    let certFake: FakeEntra;

    before(async () => {
      certFake = await startFakeEntra({ certificatePem: certificate.certificatePem });
    });
    after(async () => {
      await certFake.close();
    });
    beforeEach(() => certFake.reset());

    it('signs a client assertion (RS256, x5t) that the fake verifies against the certificate', async () => {
      await store.save(TENANT, certFake.issueRefreshToken());
      const tokens = source({ loginUrl: certFake.url, credential: readCertificateCredential(certificate.pem) });
      assert.equal(await tokens.accessToken(), certFake.accessTokens[0]);

      const [call] = certFake.calls;
      assert.equal(call!.assertion, 'ok');
      assert.equal(call!.form.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      assert.equal(call!.form.client_secret, undefined);
      const [header, payload] = call!.form.client_assertion!.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
      assert.equal(header.alg, 'RS256');
      assert.equal(header.x5t, Buffer.from(certificate.thumbprintSha1Hex, 'hex').toString('base64url'));
      assert.equal(payload.aud, certFake.tokenEndpoint);
      assert.equal(payload.iss, FAKE_APP_ID);
      assert.equal(payload.sub, FAKE_APP_ID);
      assert.ok(payload.exp > payload.iat);
    });

    it('an assertion signed with another key → invalid_client (AADSTS700027)', async () => {
      await store.save(TENANT, certFake.issueRefreshToken());
      const stranger = createTestCertificate('stranger');
      const tokens = source({
        loginUrl: certFake.url,
        credential: { kind: 'certificate', privateKeyPem: stranger.privateKeyPem, thumbprintSha1Hex: certificate.thumbprintSha1Hex },
      });
      const err = await failure(tokens.accessToken());
      assert.equal(err.kind, 'invalid_client');
      assert.equal(err.aadCode, 'AADSTS700027');
      assert.match(certFake.calls[0]!.assertion!, /invalid signature/);
    });

    it('reads a PEM with key and certificate, and refuses what does not fit', () => {
      assert.equal(readCertificateCredential(certificate.pem).thumbprintSha1Hex, certificate.thumbprintSha1Hex);
      assert.throws(() => readCertificateCredential(certificate.certificatePem), /found no private key/);
      assert.throws(() => readCertificateCredential(certificate.privateKeyPem), /found no certificate/);
      const other = createTestCertificate('other');
      assert.throws(() => readCertificateCredential(other.privateKeyPem + certificate.certificatePem), /does not belong to its certificate/);
      const encrypted = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n' + certificate.certificatePem;
      assert.throws(() => readCertificateCredential(encrypted), (err: Error) => /encrypted private key/.test(err.message) && !err.message.includes('MIIB'));
    });
  });

  it('never logs a token, the secret or the assertion, whatever happens', async () => {
    const certificate = createTestCertificate();
    const certFake = await startFakeEntra({ certificatePem: certificate.certificatePem });
    try {
      await consent();
      const tokens = source();
      await tokens.accessToken(); // success with rotation (debug line)
      await tokens.accessToken({ fresh: true });
      fake.enqueue(entraReplies.serverError(500), entraReplies.serverError(500));
      await failure(tokens.accessToken({ fresh: true })); // unavailable (warn lines)
      fake.enqueue(entraReplies.invalidClientSecret());
      await failure(tokens.accessToken({ fresh: true })); // invalid_client (error line)
      fake.enqueue(entraReplies.refreshTokenExpired());
      await failure(tokens.accessToken({ fresh: true })); // consent_expired (error line)

      await store.save(TENANT, certFake.issueRefreshToken());
      const withCert = source({ loginUrl: certFake.url, credential: readCertificateCredential(certificate.pem) });
      await withCert.accessToken();
      certFake.enqueue(entraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.'));
      await failure(withCert.accessToken({ fresh: true }));

      const secrets = [
        FAKE_APP_SECRET,
        ...fake.accessTokens, ...fake.refreshTokens, ...certFake.accessTokens, ...certFake.refreshTokens,
        ...certFake.calls.map((c) => c.form.client_assertion!),
        certificate.privateKeyPem.split('\n')[1]!,
      ];
      assert.ok(secrets.length >= 10);
      assert.ok(logLines.length >= 5, `lines were logged: ${logLines.length}`);
      const text = logLines.join('');
      for (const secret of secrets) assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 12)}…: ${text}`);
    } finally {
      await certFake.close();
    }
  });

  describe('redeemRefreshToken (the consent script\'s check)', () => {
    it('answers the tokens of one exchange, the id token included, and stores nothing', async () => {
      const refreshToken = fake.issueRefreshToken();
      const redeemed = await redeemRefreshToken({ partnerTenantId: TENANT, appId: FAKE_APP_ID, credential: { kind: 'secret', secret: FAKE_APP_SECRET }, loginUrl: fake.url }, refreshToken);
      assert.equal(redeemed.accessToken, fake.accessTokens[0]);
      assert.equal(redeemed.expiresIn, 3599);
      assert.equal(redeemed.refreshToken, fake.refreshTokens.at(-1));
      assert.match(redeemed.idToken ?? '', /^eyJ/);
      assert.equal(await store.load(TENANT), null);
    });
  });
});

describe('services/partner-center/token-store', () => {
  const db = testDb();
  const cipher = createKeyCipher(randomBytes(32));
  const store = new PartnerCenterTokenStore(db, cipher);
  let tenant: string;

  beforeEach(() => {
    tenant = randomUUID();
  });

  it('round-trips a consent: the token (encrypted at rest), the account and its time', async () => {
    const token = `1.AXoA${randomBytes(48).toString('base64url')}`;
    assert.equal(await store.save(tenant.toUpperCase(), token, { account: ' admin@partner.example ' }), true);
    const loaded = await store.load(tenant);
    assert.equal(loaded!.partnerTenantId, tenant, 'stored lower-case');
    assert.equal(loaded!.refreshToken, token);
    assert.equal(loaded!.account, 'admin@partner.example');
    assert.ok(loaded!.consentedAt instanceof Date);
    assert.equal(loaded!.rotatedAt, null);
    assert.equal(loaded!.lastError, null);
    const { rows } = await db.query<{ ciphertext: Buffer }>('SELECT ciphertext FROM partner_center_tokens WHERE partner_tenant_id = $1', [tenant]);
    assert.equal(rows[0]!.ciphertext.includes(Buffer.from(token)), false);
    assert.equal(await store.load(randomUUID()), null);
  });

  it('a ciphertext copied to another tenant\'s row does not open', async () => {
    const other = randomUUID();
    await store.save(tenant, 'token-of-the-first-tenant');
    await store.save(other, 'token-of-the-second-tenant');
    await db.query(
      `UPDATE partner_center_tokens t SET key_id = s.key_id, iv = s.iv, tag = s.tag, ciphertext = s.ciphertext
         FROM partner_center_tokens s WHERE t.partner_tenant_id = $1 AND s.partner_tenant_id = $2`,
      [other, tenant],
    );
    await assert.rejects(store.load(other), KeyDecryptError);
  });

  it('a rotation keeps the consent and its account; a rotation from an older consent is not stored', async () => {
    await store.save(tenant, 'first', { account: 'admin@partner.example' });
    const consented = (await store.load(tenant))!;
    assert.equal(await store.save(tenant, 'rotated', { rotatedFrom: consented.consentedAt }), true);
    const rotated = (await store.load(tenant))!;
    assert.equal(rotated.refreshToken, 'rotated');
    assert.equal(rotated.account, 'admin@partner.example');
    assert.deepEqual(rotated.consentedAt, consented.consentedAt);
    assert.ok(rotated.rotatedAt);

    await store.save(tenant, 'second consent');
    assert.equal(await store.save(tenant, 'late rotation', { rotatedFrom: consented.consentedAt }), false);
    const now = (await store.load(tenant))!;
    assert.equal(now.refreshToken, 'second consent');
    assert.equal(now.account, null, 'a consent without an account stores none');
  });

  it('records a failure (code and message, scrubbed and capped), and a consent clears it', async () => {
    await store.save(tenant, 'token');
    await store.recordFailure(tenant, 'AADSTS700082', `The refresh token has expired due to inactivity. refresh_token=1.AXoAsecret ${'x'.repeat(600)}`);
    const failed = (await store.load(tenant))!;
    assert.match(failed.lastError!, /^AADSTS700082: The refresh token has expired due to inactivity\. refresh_token=\[REDACTED\]/);
    assert.equal(failed.lastError!.length, 500);
    assert.ok(failed.lastErrorAt);
    await store.recordFailure(randomUUID(), 'AADSTS700082', 'no row: nothing happens');

    await store.save(tenant, 'new token');
    const cleared = (await store.load(tenant))!;
    assert.equal(cleared.lastError, null);
    assert.equal(cleared.lastErrorAt, null);
  });

  it('refuses what is not a tenant id, and an empty token', async () => {
    await assert.rejects(store.save('contoso.onmicrosoft.com', 'token'), /not a partner tenant id/);
    await assert.rejects(store.save(tenant, ''), /empty refresh token/);
  });
});
