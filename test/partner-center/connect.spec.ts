import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadConfig, type Config } from '../../services/config.js';
import { createPool, type Db } from '../../services/db/pool.js';
import { migrate } from '../../services/db/migrate.js';
import { createLogger, type Logger } from '../../services/logger.js';
import type { CatalogRefreshSummary, PartnerCenterCatalog } from '../../services/partner-center/catalog.js';
import { connectPartnerCenter, PartnerCenterSetupError, refreshDueMarkets } from '../../services/partner-center/connect.js';
import { PartnerCenterTokenStore } from '../../services/partner-center/token-store.js';
import { createKeyCipher, parseEncryptionKey } from '../../services/software/key-crypto.js';
import { createTestCertificate, FAKE_ACCOUNT, FAKE_APP_ID, FAKE_APP_SECRET, startFakeEntra, type FakeEntra } from '../fakes/entra-token.js';
import { startFakePartnerCenter, type FakePartnerCenter } from '../fakes/partner-center.js';
import { testDb } from '../support/db.js';
import { createPartner } from '../support/factories.js';
import { TEST_DATABASE_URL, TEST_SCHEMA } from '../setup.js';

const HOUR = 3_600_000;
const cipher = createKeyCipher(parseEncryptionKey(randomBytes(32).toString('base64')));
const quiet: Logger = createLogger({ level: 'silent' });

/** A logger whose lines (as parsed JSON) the test reads. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'info' }, sink), lines };
}

/** The Partner Center settings as an operator writes them (secret credential unless `env` says otherwise). */
function configFor(tenantId: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    COMMERCE_BACKEND: 'partner-center',
    PARTNER_CENTER_TENANT_ID: tenantId,
    PARTNER_CENTER_APP_ID: FAKE_APP_ID,
    ...(env.PARTNER_CENTER_CERTIFICATE_PATH ? {} : { PARTNER_CENTER_APP_SECRET: FAKE_APP_SECRET }),
    ...env,
  });
}

async function setupError(promise: Promise<unknown>): Promise<PartnerCenterSetupError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PartnerCenterSetupError, `expected a PartnerCenterSetupError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected connectPartnerCenter to fail');
}

async function partnerWithTeamsChannel(db: Db, externalId: string): Promise<number> {
  const { rows } = await db.query<{ id: string }>("INSERT INTO partners (name) VALUES ('Partner Center partner') RETURNING id");
  const id = Number(rows[0]!.id);
  await db.query("INSERT INTO partner_channels (channel, external_id, partner_id) VALUES ('msteams', $1, $2)", [externalId, id]);
  return id;
}

describe('services/partner-center/connect', () => {
  const db = testDb();

  describe('connectPartnerCenter: whose account', () => {
    it('needs the Partner Center settings', async () => {
      const err = await setupError(connectPartnerCenter({ config: loadConfig({}), db, logger: quiet, cipher }));
      assert.match(err.message, /PARTNER_CENTER_TENANT_ID/);
    });

    it('is the partner whose Teams channel is the tenant, compared in lower case, among many partners', async () => {
      await createPartner(db);
      await createPartner(db);
      const tenant = randomUUID();
      const id = await partnerWithTeamsChannel(db, tenant.toUpperCase());

      const connection = await connectPartnerCenter({ config: configFor(`{${tenant.toUpperCase()}}`), db, logger: quiet, cipher });

      assert.equal(connection.partnerId, id);
    });

    it('several partners, none with the tenant as its Teams channel: stops, naming the channel to add', async () => {
      await createPartner(db);
      await createPartner(db);
      const tenant = randomUUID();

      const err = await setupError(connectPartnerCenter({ config: configFor(tenant), db, logger: quiet, cipher }));

      assert.equal(err.message, `Several partners are set up and none has the Teams channel msteams:${tenant}: add that channel to the partner whose Partner Center account this is (npm run import)`);
    });

    describe('in a database of its own', () => {
      const schema = `${TEST_SCHEMA}_connect`;
      let own: Db;

      before(async function () {
        this.timeout(60_000);
        await migrate({ url: TEST_DATABASE_URL, schema });
        own = createPool({ url: TEST_DATABASE_URL, schema, max: 2 });
      });
      after(async function () {
        this.timeout(60_000);
        await own.end();
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
        } finally {
          await client.end();
        }
      });

      it('no partner: stops, saying to import one', async () => {
        const err = await setupError(connectPartnerCenter({ config: configFor(randomUUID()), db: own, logger: quiet, cipher }));
        assert.match(err.message, /^No partner is set up: import one whose Teams channel is the Partner Center tenant/);
      });

      it('the only partner is the one, whatever its channels', async () => {
        const id = await partnerWithTeamsChannel(own, randomUUID());

        const connection = await connectPartnerCenter({ config: configFor(randomUUID()), db: own, logger: quiet, cipher });

        assert.equal(connection.partnerId, id);
      });
    });

    describe('a certificate credential', () => {
      let dir: string;
      let tenant: string;

      before(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'csp-connect-'));
      });
      after(async () => {
        await rm(dir, { recursive: true, force: true });
      });
      beforeEach(async () => {
        tenant = randomUUID();
        await partnerWithTeamsChannel(db, tenant);
      });

      it('that cannot be read: stops, naming PARTNER_CENTER_CERTIFICATE_PATH and why', async () => {
        const missing = path.join(dir, 'missing.pem');

        const err = await setupError(connectPartnerCenter({ config: configFor(tenant, { PARTNER_CENTER_CERTIFICATE_PATH: missing }), db, logger: quiet, cipher }));

        assert.equal(err.message, `PARTNER_CENTER_CERTIFICATE_PATH: cannot read ${missing} (ENOENT)`);
      });

      it('that is no certificate: stops, naming PARTNER_CENTER_CERTIFICATE_PATH', async () => {
        const file = path.join(dir, 'not-a-certificate.pem');
        await writeFile(file, 'hello\n');

        const err = await setupError(connectPartnerCenter({ config: configFor(tenant, { PARTNER_CENTER_CERTIFICATE_PATH: file }), db, logger: quiet, cipher }));

        assert.ok(err.message.startsWith(`PARTNER_CENTER_CERTIFICATE_PATH: ${file} `), err.message);
      });
    });
  });

  describe('connectPartnerCenter: end to end over the fakes', () => {
    let entra: FakeEntra;
    let pc: FakePartnerCenter;
    let dir: string;

    before(async () => {
      pc = await startFakePartnerCenter();
      dir = await mkdtemp(path.join(tmpdir(), 'csp-connect-'));
    });
    after(async () => {
      await pc.close();
      await rm(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      pc.reset();
    });
    afterEach(async () => {
      await entra?.close();
    });

    /** A partner whose Teams tenant is the fake Entra's, with a consent stored; the fake PC has a customer. */
    async function consented(opts: { certificatePem?: string } = {}) {
      entra = await startFakeEntra({ tenantId: randomUUID(), ...opts });
      const partnerId = await partnerWithTeamsChannel(db, entra.tenantId);
      const refreshToken = entra.issueRefreshToken();
      await new PartnerCenterTokenStore(db, cipher).save(entra.tenantId, refreshToken, { account: FAKE_ACCOUNT });
      const customer = pc.addCustomer({ companyName: 'Contoso Smoke Test', country: 'US' });
      const urls = { PARTNER_CENTER_API_URL: pc.url, PARTNER_CENTER_LOGIN_URL: entra.url, PARTNER_CENTER_PRICESHEET_URL: pc.url };
      return { partnerId, refreshToken, customer, urls };
    }

    it('finds a customer with the access token the stored refresh token was exchanged for (secret)', async () => {
      const { partnerId, refreshToken, customer, urls } = await consented();

      const connection = await connectPartnerCenter({ config: configFor(entra.tenantId, urls), db, logger: quiet, cipher });
      const found = await connection.backend.findCustomers(partnerId, 'Contoso Smoke');

      assert.equal(connection.partnerId, partnerId);
      assert.deepEqual(found.customers.map((c) => [c.id, c.companyName]), [[customer.id, 'Contoso Smoke Test']]);
      const exchanges = entra.calls.filter((c) => c.status === 200);
      assert.equal(exchanges.length, 1);
      assert.equal(exchanges[0]!.form.refresh_token, refreshToken, 'the stored refresh token is the one exchanged');
      assert.equal(exchanges[0]!.form.client_secret, FAKE_APP_SECRET);
      assert.ok(pc.calls.length > 0);
      for (const call of pc.calls) assert.equal(call.headers.authorization, `Bearer ${entra.accessTokens[0]}`, `${call.kind} carries the fake Entra's access token`);
      assert.equal((await new PartnerCenterTokenStore(db, cipher).load(entra.tenantId))?.refreshToken, entra.refreshTokens.at(-1), 'the rotated refresh token is stored');
    });

    it('signs in with the certificate file PARTNER_CENTER_CERTIFICATE_PATH names', async () => {
      const certificate = createTestCertificate();
      const { partnerId, customer, urls } = await consented({ certificatePem: certificate.certificatePem });
      const file = path.join(dir, 'pc.pem');
      await writeFile(file, certificate.pem);

      const connection = await connectPartnerCenter({ config: configFor(entra.tenantId, { ...urls, PARTNER_CENTER_CERTIFICATE_PATH: file }), db, logger: quiet, cipher });
      const found = await connection.backend.findCustomers(partnerId, customer.id);

      assert.deepEqual(found.customers.map((c) => c.id), [customer.id]);
      assert.deepEqual(entra.calls.map((c) => [c.status, c.assertion]), [[200, 'ok']]);
      assert.equal(pc.calls[0]?.headers.authorization, `Bearer ${entra.accessTokens[0]}`);
    });
  });

  describe('refreshDueMarkets', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    const maxAgeMs = 24 * HOUR;
    /** User-assigned ISO 3166 codes: no other spec's markets. */
    const COUNTRIES = ['XA', 'XB', 'XC', 'XD', 'XE', 'XF'];
    let partnerId: number;

    function summary(country: string): CatalogRefreshSummary {
      return { country, refreshedAt: now, products: 1, skus: 2, prices: 3, withdrawn: 0, unpriced: 0, skipped: 0, refusedViews: [] };
    }

    /** A stand-in catalog recording the markets asked for, in order. */
    function standIn(refresh: (country: string) => Promise<CatalogRefreshSummary> = (c) => Promise.resolve(summary(c))) {
      const asked: string[] = [];
      const catalog = {
        refreshMarket: (country: string) => {
          asked.push(country);
          return refresh(country);
        },
      } as unknown as PartnerCenterCatalog;
      return { catalog, asked };
    }

    async function customerIn(country: string) {
      await db.query(
        `INSERT INTO partner_center_customers (partner_id, customer_id, company_name, domain, country, first_fetched_at, fetched_at)
         VALUES ($1, $2, 'Customer', 'customer.onmicrosoft.com', $3, $4, $4)`,
        [partnerId, randomUUID(), country, now],
      );
    }

    async function refreshed(country: string, refreshedAt: Date | null) {
      await db.query(
        `INSERT INTO partner_center_catalog_refreshes (country, refreshed_at, attempted_at, last_error, last_error_at) VALUES ($1, $2, $3, $4, $5)`,
        [country, refreshedAt, refreshedAt ?? now, refreshedAt ? null : 'failed', refreshedAt ? null : now],
      );
    }

    beforeEach(async () => {
      partnerId = (await createPartner(db)).id;
      await db.query('DELETE FROM partner_center_catalog_refreshes WHERE country = ANY($1::text[])', [COUNTRIES]);
      // XA: refreshed 25 h ago (stale); XB: never; XC: 1 h ago (fresh); XE: attempted, never succeeded; XD: only configured.
      for (const c of ['XA', 'XB', 'XC', 'XE', 'XA']) await customerIn(c);
      await refreshed('XA', new Date(now.getTime() - 25 * HOUR));
      await refreshed('XC', new Date(now.getTime() - HOUR));
      await refreshed('XE', null);
      // Another partner's customers are not this partner's markets.
      const other = await createPartner(db);
      await db.query(
        `INSERT INTO partner_center_customers (partner_id, customer_id, company_name, domain, country, first_fetched_at, fetched_at)
         VALUES ($1, $2, 'Other', 'other.onmicrosoft.com', 'XF', $3, $3)`,
        [other.id, randomUUID(), now],
      );
    });

    it('refreshes the markets never refreshed first, then the stale ones; not the fresh ones', async () => {
      const { catalog, asked } = standIn();
      const { logger, lines } = capturingLogger();

      const done = await refreshDueMarkets({ db, catalog, partnerId, markets: ['XD', 'XC'], maxAgeMs, logger, now: () => now });

      assert.deepEqual(asked, ['XB', 'XD', 'XE', 'XA']);
      assert.deepEqual(done.map((s) => s.country), ['XB', 'XD', 'XE', 'XA']);
      assert.deepEqual(lines.filter((l) => l.msg === 'partner center: catalog refreshed').map((l) => l.country), ['XB', 'XD', 'XE', 'XA']);
    });

    it('a market older than maxAgeMs is due, one just within it is not', async () => {
      const { catalog, asked } = standIn();

      await refreshDueMarkets({ db, catalog, partnerId, markets: [], maxAgeMs: 2 * HOUR, logger: quiet, now: () => now });

      assert.deepEqual(asked, ['XB', 'XE', 'XA'], 'XC (1 h old) is within 2 h');
      asked.length = 0;
      await refreshDueMarkets({ db, catalog, partnerId, markets: [], maxAgeMs: HOUR / 2, logger: quiet, now: () => now });
      assert.deepEqual(asked, ['XB', 'XE', 'XA', 'XC'], 'XC (1 h old) is older than 30 min');
    });

    it('stops before the next market once its signal is aborted (the worker shutting down); the market under way finishes', async () => {
      const stop = new AbortController();
      const { catalog, asked } = standIn((c) => {
        stop.abort();
        return Promise.resolve(summary(c));
      });

      const done = await refreshDueMarkets({ db, catalog, partnerId, markets: [], maxAgeMs, logger: quiet, now: () => now, signal: stop.signal });

      assert.deepEqual(asked, ['XB']);
      assert.deepEqual(done.map((s) => s.country), ['XB']);
    });

    it('a market that fails is logged and the others still run', async () => {
      const { catalog, asked } = standIn((c) => (c === 'XD' ? Promise.reject(new Error('Partner Center is down')) : Promise.resolve(summary(c))));
      const { logger, lines } = capturingLogger();

      const done = await refreshDueMarkets({ db, catalog, partnerId, markets: ['XD'], maxAgeMs, logger, now: () => now });

      assert.deepEqual(asked, ['XB', 'XD', 'XE', 'XA']);
      assert.deepEqual(done.map((s) => s.country), ['XB', 'XE', 'XA']);
      const failed = lines.filter((l) => l.level === 40);
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.country, 'XD');
      assert.match(JSON.stringify(failed[0]!.err), /Partner Center is down/);
    });

    it('while one run holds the lock, another returns [] and refreshes nothing; afterwards the lock is free', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered!: () => void;
      const running = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const first = standIn(async (c) => {
        entered();
        await held;
        return summary(c);
      });
      const second = standIn();

      const firstRun = refreshDueMarkets({ db, catalog: first.catalog, partnerId, markets: [], maxAgeMs, logger: quiet, now: () => now });
      try {
        await running;
        const skipped = await refreshDueMarkets({ db, catalog: second.catalog, partnerId, markets: [], maxAgeMs, logger: quiet, now: () => now });
        assert.deepEqual(skipped, []);
        assert.deepEqual(second.asked, []);
        assert.deepEqual(first.asked, ['XB'], 'the first run waits in its first market');
      } finally {
        release();
      }
      assert.deepEqual((await firstRun).map((s) => s.country), ['XB', 'XE', 'XA']);

      const again = await refreshDueMarkets({ db, catalog: second.catalog, partnerId, markets: [], maxAgeMs, logger: quiet, now: () => now });
      assert.deepEqual(again.map((s) => s.country), ['XB', 'XE', 'XA']);
    });
  });
});
