import { strict as assert } from 'node:assert';
import type { Db } from '../../services/db/pool.js';
import { PartnerCenterCustomers, type PartnerCenterCustomersOptions } from '../../services/partner-center/customers.js';
import { startFakePartnerCenter, type FakePartnerCenter, fakePartnerCenterClient } from '../fakes/partner-center.js';
import { testDb } from '../support/db.js';
import { createPartner, type TestPartner } from '../support/factories.js';

const MINUTE = 60_000;

describe('services/partner-center/customers: the customer cache (customerTtlMs)', () => {
  let fake: FakePartnerCenter;
  let db: Db;
  let partner: TestPartner;
  let clock: Date;

  before(async () => {
    fake = await startFakePartnerCenter();
    db = testDb();
    await db.query("INSERT INTO markets (country_code, name, currency, tax_included) VALUES ('DE', 'Germany', 'EUR', false) ON CONFLICT (country_code) DO NOTHING");
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    partner = await createPartner(db);
    clock = new Date('2026-03-02T10:00:00Z');
  });

  function service(overrides: Partial<PartnerCenterCustomersOptions> = {}): PartnerCenterCustomers {
    const http = fakePartnerCenterClient(fake);
    return new PartnerCenterCustomers({ http, db, partnerId: partner.id, now: () => clock, customerTtlMs: 15 * MINUTE, ...overrides });
  }

  /** The routes Partner Center was asked since the `from`-th request. */
  const callsSince = (from: number) => fake.calls.slice(from).map((c) => c.kind);

  it('after a search, getCustomer answers from the cache within the bound, with no call', async () => {
    const contoso = fake.addCustomer({ companyName: 'Contoso Cache GmbH', domain: 'contosocache.onmicrosoft.com', country: 'DE', customDomains: ['contoso.de'] });
    const customers = service();
    const found = await customers.findCustomers(partner.id, 'Contoso Cache');
    assert.equal(found.customers.length, 1);
    const seen = fake.calls.length;

    clock = new Date(clock.getTime() + 14 * MINUTE);
    const cached = await customers.getCustomer(partner.id, contoso.id.toUpperCase());

    assert.deepEqual(callsSince(seen), [], 'no call to Partner Center within 15 min');
    assert.deepEqual(cached, {
      id: contoso.id,
      partnerId: partner.id,
      companyName: 'Contoso Cache GmbH',
      tenantId: contoso.id,
      primaryDomain: 'contosocache.onmicrosoft.com',
      domains: ['contosocache.onmicrosoft.com'],
      market: { countryCode: 'DE', name: 'Germany', currency: 'EUR', taxIncluded: false },
      createdAt: new Date('2026-03-02T10:00:00Z'),
    });
  });

  it('after a read by id, getCustomer answers from the cache; past the bound it asks Partner Center again', async () => {
    const contoso = fake.addCustomer({ companyName: 'Contoso Again', country: 'DE', customDomains: ['contoso-again.de'] });
    const customers = service();
    assert.equal((await customers.getCustomer(partner.id, contoso.id))?.companyName, 'Contoso Again');
    assert.deepEqual(callsSince(0), ['customers.get']);

    clock = new Date(clock.getTime() + 10 * MINUTE);
    assert.equal((await customers.getCustomer(partner.id, contoso.id))?.companyName, 'Contoso Again');
    assert.deepEqual(callsSince(1), [], 'within the bound: no call');

    clock = new Date(clock.getTime() + 6 * MINUTE);
    const fresh = await customers.getCustomer(partner.id, contoso.id);
    assert.deepEqual(callsSince(1), ['customers.get'], '16 min after the read: asked again');
    assert.deepEqual(fresh?.domains, [contoso.companyProfile.domain, 'contoso-again.de'], 'the answer is Partner Center’s (custom domains included)');

    // That read renewed the row: the bound runs from it.
    clock = new Date(clock.getTime() + 14 * MINUTE);
    await customers.getCustomer(partner.id, contoso.id);
    assert.deepEqual(callsSince(2), []);
  });

  it('customerTtlMs 0: every getCustomer asks Partner Center', async () => {
    const contoso = fake.addCustomer({ companyName: 'Contoso Always', country: 'DE' });
    const customers = service({ customerTtlMs: 0 });

    await customers.findCustomers(partner.id, 'Contoso Always');
    const seen = fake.calls.length;
    await customers.getCustomer(partner.id, contoso.id);
    await customers.getCustomer(partner.id, contoso.id);

    assert.deepEqual(callsSince(seen), ['customers.get', 'customers.get']);
  });

  it('another partner’s service never answers from this partner’s cache', async () => {
    const contoso = fake.addCustomer({ companyName: 'Contoso Shared', country: 'DE' });
    await service().findCustomers(partner.id, 'Contoso Shared');
    const seen = fake.calls.length;

    // The same service asked for another partner: nothing, and nobody called.
    const other = await createPartner(db);
    assert.equal(await service().getCustomer(other.id, contoso.id), null);
    assert.deepEqual(callsSince(seen), []);

    // Another partner's service (its own Partner Center account) reads Partner Center, not this partner's row.
    fake.script((call) => (call.kind === 'customers.get' ? { status: 404, body: { code: 0, description: 'not found' } } : undefined));
    assert.equal(await service({ partnerId: other.id }).getCustomer(other.id, contoso.id), null, 'Partner Center says it is not the other partner’s customer');
    assert.deepEqual(callsSince(seen), ['customers.get']);
  });
});
