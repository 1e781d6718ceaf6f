import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Db } from '../../services/db/pool.js';
import { createLogger, withCorrelation } from '../../services/logger.js';
import { guidFrom } from '../../services/partner-center/correlation.js';
import { BILLING_PROFILE_CONCURRENCY, PartnerCenterCustomers, type PartnerCenterCustomersOptions } from '../../services/partner-center/customers.js';
import { PartnerCenterError } from '../../services/partner-center/errors.js';
import { partnerCenterReplies as replies, startFakePartnerCenter, type FakePartnerCenter, fakePartnerCenterClient } from '../fakes/partner-center.js';
import { testDb } from '../support/db.js';
import { createPartner, type TestPartner } from '../support/factories.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HOUR = 3_600_000;
/** A user-assigned ISO 3166 code: never among the markets. */
const NO_MARKET = 'QZ';

describe('services/partner-center/customers', () => {
  let fake: FakePartnerCenter;
  let db: Db;
  let partner: TestPartner;
  let clock: Date;
  let logLines: string[];
  /** Billing-profile requests under way at once, at most (counted at the client's fetch: no timing). */
  let billingInFlight: { now: number; max: number };

  before(async () => {
    fake = await startFakePartnerCenter();
    db = testDb();
    // As services/seed/markets.json has them; left as they are when a spec seeded them already.
    await db.query(
      `INSERT INTO markets (country_code, name, currency, tax_included)
       VALUES ('DE', 'Germany', 'EUR', false), ('US', 'United States', 'USD', false), ('AU', 'Australia', 'AUD', true)
       ON CONFLICT (country_code) DO NOTHING`,
    );
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    partner = await createPartner(db);
    clock = new Date('2026-03-02T10:00:00Z');
    logLines = [];
    billingInFlight = { now: 0, max: 0 };
  });

  function countingFetch(): typeof fetch {
    return async (input, init) => {
      const billing = (input instanceof Request ? input.url : input.toString()).endsWith('/profiles/billing');
      if (billing) billingInFlight.max = Math.max(billingInFlight.max, ++billingInFlight.now);
      try {
        return await fetch(input, init);
      } finally {
        if (billing) billingInFlight.now--;
      }
    };
  }

  function service(overrides: Partial<PartnerCenterCustomersOptions> = {}): PartnerCenterCustomers {
    const http = fakePartnerCenterClient(fake, { fetch: countingFetch() });
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    return new PartnerCenterCustomers({ http, db, partnerId: partner.id, now: () => clock, logger: createLogger({ level: 'warn' }, sink), ...overrides });
  }

  /** For assert.rejects: the client's PartnerCenterError, as it threw it, with these details. */
  const isPartnerCenterError = (expected: Pick<PartnerCenterError, 'kind' | 'status'>) => (err: unknown) => {
    assert.ok(err instanceof PartnerCenterError, `expected a PartnerCenterError, got ${String(err)}`);
    assert.deepEqual({ kind: err.kind, status: err.status }, expected);
    return true;
  };
  const names = (r: { customers: Array<{ companyName: string }> }) => r.customers.map((c) => c.companyName);
  const filterOf = (call: { query: Record<string, string> }) => JSON.parse(call.query.filter!) as unknown;

  describe('by name', () => {
    it('searches names that start with the query, exact name first then by name, and says hasMore across pages', async () => {
      for (const companyName of ['Contoso Pharma', 'Contoso', 'Fabrikam', 'contoso ltd', 'Contoso Bank', 'Contoso Zeta', 'Contoso Alpha']) fake.addCustomer({ companyName });
      fake.maxPageSize(2);

      const some = await service().findCustomers(partner.id, 'contoso', { limit: 3 });

      assert.deepEqual(some.query, { type: 'name', value: 'contoso' });
      // 4 of the 6 matches read (limit + 1), over 2 pages of 2; Partner Center's first four, ordered.
      assert.deepEqual(names(some), ['Contoso', 'Contoso Bank', 'contoso ltd']);
      assert.equal(some.hasMore, true);
      const lists = fake.callsTo('customers.list');
      assert.equal(lists.length, 2, 'no page beyond the one that reached limit + 1');
      assert.deepEqual(filterOf(lists[0]!), { Field: 'CompanyName', Value: 'contoso', Operator: 'starts_with' });
      assert.equal(fake.callsTo('customers.billingProfile').length, 3, 'no billing profile for the customer not shown');

      const all = await service().findCustomers(partner.id, '  Contoso ', { limit: 10 });
      assert.deepEqual(names(all), ['Contoso', 'Contoso Alpha', 'Contoso Bank', 'contoso ltd', 'Contoso Pharma', 'Contoso Zeta']);
      assert.equal(all.hasMore, false);
    });

    it('does not find a name by a part inside it (Partner Center only matches the beginning)', async () => {
      fake.addCustomer({ companyName: 'Microsoft' });

      assert.deepEqual(names(await service().findCustomers(partner.id, 'soft')), []);
      assert.deepEqual(names(await service().findCustomers(partner.id, 'MICRO')), ['Microsoft']);
    });

    it('maps the customer: lower-case ids and domain, the market from the markets table, createdAt when first read', async () => {
      const tenant = randomUUID().toUpperCase();
      fake.addCustomer({ id: tenant, companyName: 'Contoso GmbH', domain: 'Contoso.OnMicrosoft.com', country: 'de', customDomains: ['contoso.de'] });

      const { customers } = await service().findCustomers(partner.id, 'contoso gmbh');

      assert.deepEqual(customers, [
        {
          id: tenant.toLowerCase(),
          partnerId: partner.id,
          companyName: 'Contoso GmbH',
          tenantId: tenant.toLowerCase(),
          primaryDomain: 'contoso.onmicrosoft.com',
          // The list gives no custom domains.
          domains: ['contoso.onmicrosoft.com'],
          market: { countryCode: 'DE', name: 'Germany', currency: 'EUR', taxIncluded: false },
          createdAt: clock,
        },
      ]);

      const firstRead = clock;
      clock = new Date(clock.getTime() + 48 * HOUR);
      const again = await service().getCustomer(partner.id, tenant);
      assert.deepEqual(again?.domains, ['contoso.onmicrosoft.com', 'contoso.de'], 'GET by id gives the custom domains');
      assert.deepEqual(again?.createdAt, firstRead, 'createdAt stays the first read');
    });

    it('an empty name finds nothing and calls nobody', async () => {
      fake.addCustomer({ companyName: 'Contoso' });

      const result = await service().findCustomers(partner.id, '   ');

      assert.deepEqual(result, { query: { type: 'name', value: '' }, customers: [], hasMore: false });
      assert.equal(fake.calls.length, 0);
    });
  });

  describe('by domain', () => {
    it('finds the exact primary domain, case-insensitively, not a starts_with neighbour and not a custom domain', async () => {
      fake.addCustomer({ companyName: 'Contoso Australia', domain: 'contoso.com.au', country: 'AU' });
      fake.addCustomer({ companyName: 'Contoso', domain: 'contoso.com', country: 'US' });
      fake.addCustomer({ companyName: 'Contoso Custom', domain: 'contosocustom.onmicrosoft.com', customDomains: ['contoso.co'] });

      const result = await service().findCustomers(partner.id, 'CONTOSO.com');

      assert.deepEqual(result.query, { type: 'domain', value: 'contoso.com' });
      assert.deepEqual(names(result), ['Contoso']);
      assert.equal(result.hasMore, false);
      assert.deepEqual(filterOf(fake.callsTo('customers.list')[0]!), { Field: 'Domain', Value: 'contoso.com', Operator: 'starts_with' });
      assert.equal(fake.callsTo('customers.billingProfile').length, 1, 'the neighbour’s billing profile is not read');

      assert.deepEqual(names(await service().findCustomers(partner.id, 'contoso.co')), [], 'Partner Center searches only the primary domain');
    });

    it('finds the exact domain behind more neighbours than the limit', async () => {
      for (let i = 0; i < 4; i++) fake.addCustomer({ companyName: `Neighbour ${i}`, domain: `contoso.com.n${i}` });
      fake.addCustomer({ companyName: 'Contoso', domain: 'contoso.com' });
      fake.maxPageSize(2);

      assert.deepEqual(names(await service().findCustomers(partner.id, 'contoso.com', { limit: 1 })), ['Contoso']);
    });
  });

  describe('by tenant GUID', () => {
    it('one GET by id, its billing profile included: no list, no billing-profile call', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Pty', country: 'AU' });

      const result = await service().findCustomers(partner.id, `{${contoso.id.toUpperCase()}}`);

      assert.deepEqual(result.query, { type: 'guid', value: contoso.id });
      assert.deepEqual(names(result), ['Contoso Pty']);
      assert.deepEqual(result.customers[0]!.market, { countryCode: 'AU', name: 'Australia', currency: 'AUD', taxIncluded: true });
      assert.deepEqual(fake.calls.map((c) => c.kind), ['customers.get']);
      assert.equal(await service().getCustomer(partner.id, contoso.id).then((c) => c?.companyName), 'Contoso Pty');
    });

    it('404 and 403 (another partner’s tenant) are not found, for findCustomers and getCustomer', async () => {
      const unknown = randomUUID();
      const foreign = fake.addOtherPartnersTenant();

      for (const id of [unknown, foreign]) {
        assert.deepEqual((await service().findCustomers(partner.id, id)).customers, []);
        assert.equal(await service().getCustomer(partner.id, id), null);
      }
      assert.deepEqual(fake.calls.map((c) => c.status), [404, 404, 403, 403]);
    });

    it('a malformed GUID finds nothing and calls nobody', async () => {
      const result = await service().findCustomers(partner.id, '1438ea3d-b515-45c7-9ec1-27ee0cc8e6b');

      assert.equal(result.query.type, 'invalidGuid');
      assert.deepEqual(result.customers, []);
      assert.equal(await service().getCustomer(partner.id, 'not-a-guid'), null);
      assert.equal(fake.calls.length, 0);
    });
  });

  it('another partner’s id: nothing found, no call made', async () => {
    const contoso = fake.addCustomer({ companyName: 'Contoso' });
    const other = await createPartner(db, 'Other Partner');

    assert.deepEqual((await service().findCustomers(other.id, 'Contoso')).customers, []);
    assert.deepEqual((await service().findCustomers(other.id, contoso.id)).customers, []);
    assert.equal(await service().getCustomer(other.id, contoso.id), null);
    assert.equal(fake.calls.length, 0);
  });

  describe('billing countries', () => {
    it('reads the missing billing profiles all at once', async () => {
      const ids = ['A', 'B', 'C', 'D', 'E'].map((letter) => fake.addCustomer({ companyName: `Contoso ${letter}` }).id);

      const result = await service().findCustomers(partner.id, 'contoso');

      assert.equal(result.customers.length, 5);
      const paths = fake.callsTo('customers.billingProfile').map((c) => c.path).sort();
      assert.deepEqual(paths, ids.map((id) => `/v1/customers/${id}/profiles/billing`).sort());
      assert.equal(billingInFlight.max, 5, 'all five were under way together');
    });

    it(`reads at most ${BILLING_PROFILE_CONCURRENCY} billing profiles at once, and every one of a long result`, async () => {
      for (let i = 0; i < 30; i++) fake.addCustomer({ companyName: `Contoso ${String(i).padStart(2, '0')}` });

      const result = await service().findCustomers(partner.id, 'contoso', { limit: 30 });

      assert.equal(result.customers.length, 30);
      assert.equal(fake.callsTo('customers.billingProfile').length, 30);
      assert.equal(billingInFlight.max, BILLING_PROFILE_CONCURRENCY);
    });

    it('keeps countries for countryTtlMs: a second search reads no billing profile; after the TTL they are read again', async () => {
      fake.addCustomer({ companyName: 'Contoso A', country: 'DE' });
      fake.addCustomer({ companyName: 'Contoso B', country: 'US' });
      const customers = service({ countryTtlMs: 24 * HOUR });

      await customers.findCustomers(partner.id, 'contoso');
      assert.equal(fake.callsTo('customers.billingProfile').length, 2);

      clock = new Date(clock.getTime() + 23 * HOUR);
      const cached = await customers.findCustomers(partner.id, 'contoso');
      assert.equal(fake.callsTo('customers.billingProfile').length, 2, 'no billing profile read while the cache is fresh');
      assert.deepEqual(cached.customers.map((c) => c.market.countryCode), ['DE', 'US']);

      // The customer moved: once the cache is stale the new country is read.
      fake.customers[0]!.billingProfile.defaultAddress.country = 'AU';
      clock = new Date(clock.getTime() + 2 * HOUR);
      const stale = await customers.findCustomers(partner.id, 'contoso');
      assert.equal(fake.callsTo('customers.billingProfile').length, 4);
      assert.deepEqual(stale.customers.map((c) => c.market.countryCode), ['AU', 'US']);
    });

    it('a country not among the markets: currency XXX, warned about once', async () => {
      fake.addCustomer({ companyName: 'Far Away One', country: NO_MARKET });
      fake.addCustomer({ companyName: 'Far Away Two', country: NO_MARKET });
      const customers = service();

      const first = await customers.findCustomers(partner.id, 'far away');
      await customers.findCustomers(partner.id, 'far away');

      assert.deepEqual(first.customers.map((c) => c.market), [
        { countryCode: NO_MARKET, name: NO_MARKET, currency: 'XXX', taxIncluded: false },
        { countryCode: NO_MARKET, name: NO_MARKET, currency: 'XXX', taxIncluded: false },
      ]);
      assert.equal(logLines.filter((l) => l.includes('not among the markets') && l.includes(`"country":"${NO_MARKET}"`)).length, 1);
    });

    it('leaves out a customer whose billing profile answers 404 or 403', async () => {
      fake.addCustomer({ companyName: 'Contoso Gone', withoutBillingProfile: true });
      fake.addCustomer({ companyName: 'Contoso Kept' });
      const refused = fake.addCustomer({ companyName: 'Contoso Refused' });
      fake.script((call) => (call.path.startsWith(`/v1/customers/${refused.id}/`) ? replies.classicError(403, 0, 'Forbidden') : undefined));

      const result = await service().findCustomers(partner.id, 'contoso');

      assert.deepEqual(names(result), ['Contoso Kept']);
      assert.deepEqual(fake.callsTo('customers.billingProfile').map((c) => c.status).sort(), [200, 403, 404]);
    });

    it('a billing profile that stays unavailable fails the search; the countries read meanwhile are kept', async () => {
      fake.addCustomer({ companyName: 'Contoso Kept' });
      const down = fake.addCustomer({ companyName: 'Contoso Down' });
      fake.script((call) => (call.path === `/v1/customers/${down.id}/profiles/billing` ? replies.unavailable(503) : undefined));

      await assert.rejects(service().findCustomers(partner.id, 'contoso'), isPartnerCenterError({ kind: 'unavailable', status: 503 }));
      assert.equal(fake.callsTo('customers.billingProfile').filter((c) => c.status === 503).length, 4, 'the client repeated it 3 times');

      fake.script(undefined);
      const before = fake.callsTo('customers.billingProfile').length;
      assert.deepEqual(names(await service().findCustomers(partner.id, 'contoso')), ['Contoso Down', 'Contoso Kept']);
      assert.deepEqual(fake.callsTo('customers.billingProfile').slice(before).map((c) => c.path), [`/v1/customers/${down.id}/profiles/billing`]);
    });
  });

  describe('MS-CorrelationId', () => {
    it('is one GUID for every call of one action: derived from the turn id, or the turn id when it is a GUID', async () => {
      for (const letter of ['A', 'B', 'C']) fake.addCustomer({ companyName: `Contoso ${letter}` });
      fake.maxPageSize(1);

      await withCorrelation('slack:T1:abc', () => service().findCustomers(partner.id, 'contoso'));
      const ids = new Set(fake.calls.map((c) => c.headers['ms-correlationid']));
      assert.equal(fake.calls.length, 6, '3 pages and 3 billing profiles');
      assert.deepEqual([...ids], [guidFrom('slack:T1:abc')]);

      fake.calls.length = 0;
      const turn = randomUUID();
      await withCorrelation(turn, () => service().findCustomers(partner.id, 'contoso'));
      assert.deepEqual([...new Set(fake.calls.map((c) => c.headers['ms-correlationid']))], [turn]);

      fake.calls.length = 0;
      await service().findCustomers(partner.id, 'contoso');
      const outside = [...new Set(fake.calls.map((c) => c.headers['ms-correlationid']))];
      assert.equal(outside.length, 1, 'one id for the action even without a turn');
      assert.match(String(outside[0]), UUID);
    });
  });

  describe('Partner Center failures', () => {
    it('a 503 on the list is repeated by the client, and the search succeeds', async () => {
      fake.addCustomer({ companyName: 'Contoso' });
      fake.enqueue(replies.unavailable(503));

      assert.deepEqual(names(await service().findCustomers(partner.id, 'contoso')), ['Contoso']);
      const lists = fake.callsTo('customers.list');
      assert.deepEqual(lists.map((c) => c.status), [503, 200]);
      assert.equal(lists[0]!.headers['ms-requestid'], lists[1]!.headers['ms-requestid']);
    });

    it('a 503 that does not end is thrown as PartnerCenterError', async () => {
      fake.addCustomer({ companyName: 'Contoso' });
      fake.script(() => replies.unavailable(503));

      await assert.rejects(service().findCustomers(partner.id, 'contoso'), isPartnerCenterError({ kind: 'unavailable', status: 503 }));
      assert.equal(fake.callsTo('customers.list').length, 4);
      assert.equal(fake.callsTo('customers.billingProfile').length, 0);
    });
  });
});
