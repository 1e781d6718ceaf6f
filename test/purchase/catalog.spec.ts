import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import sinon from 'sinon';
import { ForbiddenError, type Role } from '../../services/access/roles.js';
import { isPurchaseError, type PurchaseErrorCode } from '../../services/purchase/errors.js';
import { testDb } from '../support/db.js';
import {
  actorOf,
  createService,
  createWorld,
  ordersOf,
  PURCHASE_ROLE_NAMES,
  R3_LIST_VERSION,
  SQL_2022_PERPETUAL,
  SQL_STANDARD_1Y,
  SUSE_PLAN_1Y,
  VM_RESERVATION_1Y,
  WS_DATACENTER_1Y,
  WS_STANDARD_3Y,
  type World,
} from './fixtures.js';

const refusedWith = (code: PurchaseErrorCode) => (e: unknown) => isPurchaseError(e, code);

describe('services/purchase/purchase-service — customers, catalog, roles', () => {
  const db = testDb();
  const clock = { now: new Date('2025-06-01T10:00:00Z') };
  const { commerce, service, customers } = createService(db, clock);
  const sandbox = sinon.createSandbox();
  let w: World;

  before(async () => {
    w = await createWorld(db);
  });

  afterEach(() => sandbox.restore());

  describe('roles (R6)', () => {
    const refusedRoles: Array<[string, Role[]]> = [
      ['a Sales agent', ['sales_agent']],
      ['a Helpdesk agent', ['helpdesk_agent']],
      ['an Account admin and Billing admin', ['account_admin', 'billing_admin']],
      ['a user without roles', []],
    ];
    for (const [who, roles] of refusedRoles) {
      it(`refuses ${who} at every step, naming Admin agent and Global admin, and buys nothing`, async () => {
        const me = actorOf(w.a, roles);
        const spies = (['findCustomers', 'getCustomer', 'customerOffers', 'customerSku', 'listProducts', 'getProduct', 'createOrder', 'listOrders'] as const).map((m) => sandbox.spy(commerce, m));
        const forbidden = (e: unknown) => {
          assert.ok(e instanceof ForbiddenError);
          assert.deepEqual(e.requiredRoles, PURCHASE_ROLE_NAMES);
          return true;
        };
        const choice = { customerId: w.contosoDe.id, ...WS_DATACENTER_1Y };
        await assert.rejects(customers.search(me, 'buy', 'contoso'), forbidden);
        await assert.rejects(customers.get(me, 'buy', w.contosoDe.id), forbidden);
        await assert.rejects(service.offersFor(me, w.contosoDe.id), forbidden);
        await assert.rejects(service.skuDetails(me, choice), forbidden);
        await assert.rejects(service.quote(me, { ...choice, quantity: 8 }), forbidden);
        await assert.rejects(service.confirm(me, { ...choice, quantity: 8, priceFingerprint: 'x', idempotencyKey: randomUUID() }), forbidden);
        await assert.rejects(service.orders(me, w.contosoDe.id), forbidden);
        assert.ok(spies.every((s) => s.notCalled), 'the backend is not even asked');
        assert.equal(await ordersOf(db, w.contosoDe.id), 0);
      });
    }

    it('lets an Admin agent and a Global admin each buy on their own', async () => {
      for (const roles of [['admin_agent'], ['global_admin']] as Role[][]) {
        const me = actorOf(w.a, roles);
        const q = await service.quote(me, { customerId: w.contosoUk.id, ...SQL_2022_PERPETUAL, quantity: 1 });
        const r = await service.confirm(me, { customerId: w.contosoUk.id, ...SQL_2022_PERPETUAL, quantity: 1, priceFingerprint: q.priceFingerprint, idempotencyKey: randomUUID() });
        assert.equal(r.status, 'created');
      }
      assert.equal(await ordersOf(db, w.contosoUk.id), 2);
    });
  });

  describe('partner isolation', () => {
    it("another partner's customer is not found at any step, even by its id", async () => {
      const me = actorOf(w.b, ['admin_agent']);
      const theirs = { customerId: w.contosoDe.id, ...WS_DATACENTER_1Y };
      assert.deepEqual((await customers.search(me, 'buy', 'contoso')).customers.map((c) => c.id), [w.woodgrove.id]);
      assert.equal((await customers.search(me, 'buy', w.contosoDe.tenantId)).kind, 'none');
      assert.equal((await customers.search(me, 'buy', w.contosoDe.primaryDomain)).kind, 'none');
      await assert.rejects(customers.get(me, 'buy', w.contosoDe.id), refusedWith('customer_not_found'));
      await assert.rejects(service.offersFor(me, w.contosoDe.id), refusedWith('customer_not_found'));
      await assert.rejects(service.skuDetails(me, theirs), refusedWith('customer_not_found'));
      await assert.rejects(service.quote(me, { ...theirs, quantity: 8 }), refusedWith('customer_not_found'));
      await assert.rejects(
        service.confirm(me, { ...theirs, quantity: 8, priceFingerprint: 'x', idempotencyKey: randomUUID() }),
        refusedWith('customer_not_found'),
      );
      await assert.rejects(service.orders(me, w.contosoDe.id), refusedWith('customer_not_found'));
      assert.equal(await ordersOf(db, w.contosoDe.id), 0);
    });
  });

  describe('findCustomers (R1)', () => {
    const me = () => actorOf(w.a, ['admin_agent']);

    it('by part of the name: several matches → many; one → one', async () => {
      const many = await customers.search(me(), 'buy', 'contoso');
      assert.equal(many.kind, 'many');
      assert.deepEqual(many.customers.map((c) => c.companyName).sort(), ['Contoso GmbH', 'Contoso Pharmaceuticals Ltd']);
      const one = await customers.search(me(), 'buy', 'wingtip');
      assert.equal(one.kind, 'one');
      assert.deepEqual(one.customers[0]!.market, { countryCode: 'AU', name: 'Australia', currency: 'AUD' });
      assert.equal(one.customers[0]!.taxNote, 'incl');
      assert.deepEqual(await customers.get(me(), 'buy', w.wingtipAu.id), one.customers[0]);
    });

    it('by tenant GUID and by domain', async () => {
      const byGuid = await customers.search(me(), 'buy', w.fabrikamUs.tenantId.toUpperCase());
      assert.equal(byGuid.kind, 'one');
      assert.equal(byGuid.query.type, 'guid');
      assert.equal(byGuid.customers[0]!.id, w.fabrikamUs.id);
      const byDomain = await customers.search(me(), 'buy', w.tailspinBr.primaryDomain);
      assert.equal(byDomain.query.type, 'domain');
      assert.deepEqual(byDomain.customers.map((c) => c.id), [w.tailspinBr.id]);
    });

    it('a GUID that is not one is told apart from "no match"', async () => {
      const bad = await customers.search(me(), 'buy', w.fabrikamUs.tenantId.slice(0, -1));
      assert.equal(bad.kind, 'invalidGuid');
      assert.deepEqual(bad.customers, []);
      assert.equal((await customers.search(me(), 'buy', 'Nobody Ltd')).kind, 'none');
      assert.equal((await customers.search(me(), 'buy', '   ')).kind, 'none');
    });
  });

  describe('offersFor (R2, R3)', () => {
    const me = () => actorOf(w.a, ['global_admin']);

    it("offers what the customer's market may buy, grouped by kind, in its currency", async () => {
      const o = await service.offersFor(me(), w.contosoDe.id);
      assert.equal(o.customer.companyName, 'Contoso GmbH');
      assert.equal(o.customer.taxNote, 'excl');
      assert.deepEqual(o.groups.map((g) => g.kind).sort(), ['azure_reservation', 'perpetual_software', 'server_subscription', 'software_plan']);
      assert.equal(o.azureReservationsUnavailable, false);
      assert.equal(o.reservationListVersion, null);
      const skus = o.groups.flatMap((g) => g.offers.flatMap((p) => p.skus));
      assert.ok(skus.length > 10 && skus.every((s) => s.currency === 'EUR' && Number.isSafeInteger(s.unitPriceMinor) && s.unitPriceMinor > 0));
      const ws = o.groups.flatMap((g) => g.offers).find((p) => p.id === WS_DATACENTER_1Y.productId);
      assert.equal(ws?.azureHybridBenefit, true);
    });

    it('filters by kind and by search text', async () => {
      const plans = await service.offersFor(me(), w.contosoDe.id, { kind: 'software_plan' });
      assert.deepEqual(plans.groups.map((g) => g.kind), ['software_plan']);
      assert.equal(plans.kind, 'software_plan');
      const sql = await service.offersFor(me(), w.contosoDe.id, { search: '  sql server  ' });
      assert.equal(sql.search, 'sql server');
      assert.ok(sql.groups.flatMap((g) => g.offers).every((p) => /sql/i.test(p.title)));
      assert.deepEqual((await service.offersFor(me(), w.contosoDe.id, { search: 'no such product' })).groups, []);
      // A card that sends no kind means every kind.
      const every = await service.offersFor(me(), w.contosoDe.id, { kind: null, search: '' } as never);
      assert.equal(every.kind, null);
      assert.equal(every.groups.length, 4);
    });

    it('R3: never offers Azure reservations in an unavailable market, and says why', async () => {
      const all = await service.offersFor(me(), w.andorra.id);
      assert.ok(all.groups.length > 0, 'other products are still offered in Andorra');
      assert.ok(!all.groups.some((g) => g.kind === 'azure_reservation'));
      assert.equal(all.azureReservationsUnavailable, true);
      assert.equal(all.reservationListVersion, R3_LIST_VERSION);
      const asked = await service.offersFor(me(), w.andorra.id, { kind: 'azure_reservation' });
      assert.deepEqual(asked.groups, []);
      assert.equal(asked.azureReservationsUnavailable, true);
      assert.equal(asked.reservationsHidden, true, 'what was asked for is there, but R3 keeps it out');
      assert.equal((await service.offersFor(me(), w.andorra.id, { search: 'Reserved VM' })).reservationsHidden, true);
      assert.equal(all.reservationsHidden, false, 'nothing was asked for: the market\'s list is simply shown');
      assert.equal((await service.offersFor(me(), w.contosoDe.id, { search: 'Reserved VM' })).reservationsHidden, false);
    });

    it('R3 holds even if the backend lists a reservation it should not', async () => {
      // As if the backend forgot R3: Andorra's customer offered what Germany may buy (reservations included).
      const german = await commerce.listProducts({ market: 'DE' });
      assert.ok(german.some((o) => o.kind === 'azure_reservation'));
      const real = commerce.customerOffers.bind(commerce);
      sandbox.stub(commerce, 'customerOffers').callsFake(async (...args) => {
        const read = await real(...args);
        return read && { ...read, offers: german };
      });
      const o = await service.offersFor(me(), w.andorra.id);
      assert.ok(o.groups.length > 0);
      assert.ok(!o.groups.some((g) => g.kind === 'azure_reservation'));
    });

    it('a market without prices offers nothing; an unknown kind or customer is refused', async () => {
      assert.deepEqual((await service.offersFor(me(), w.benin.id)).groups, []);
      await assert.rejects(service.offersFor(me(), w.contosoDe.id, { kind: 'hardware' as never }), refusedWith('invalid_request'));
      await assert.rejects(service.offersFor(me(), randomUUID()), refusedWith('customer_not_found'));
      await assert.rejects(service.offersFor(me(), 'not-an-id'), refusedWith('customer_not_found'));
    });
  });

  describe('offer (one product, for the SKU step)', () => {
    const me = () => actorOf(w.a, ['admin_agent']);
    it('gives the product with the SKUs priced in the customer’s market', async () => {
      const { customer, offer } = await service.offer(me(), w.contosoDe.id, WS_DATACENTER_1Y.productId);
      assert.equal(customer.id, w.contosoDe.id);
      assert.ok(offer.skus.length > 0);
      assert.ok(offer.skus.every((s) => s.currency === 'EUR'));
    });
    it('refuses an Azure reservation named directly for a customer in an unavailable market (R3), an unknown product, another partner’s customer', async () => {
      await assert.rejects(service.offer(me(), w.andorra.id, VM_RESERVATION_1Y.productId), (e: unknown) =>
        isPurchaseError(e, 'azure_reservation_unavailable') && e.refusal.listVersion === R3_LIST_VERSION);
      await assert.rejects(service.offer(me(), w.contosoDe.id, 'NOPE00000000'), refusedWith('product_not_found'));
      await assert.rejects(service.offer(actorOf(w.b, ['admin_agent']), w.contosoDe.id, WS_DATACENTER_1Y.productId), refusedWith('customer_not_found'));
      await assert.rejects(service.offer(actorOf(w.a, ['sales_agent']), w.contosoDe.id, WS_DATACENTER_1Y.productId), ForbiddenError);
    });
  });

  describe('skuDetails (R2–R5)', () => {
    const me = () => actorOf(w.a, ['admin_agent']);

    it('shows term, billing, bounds, unit price in the market currency and the cancellation terms', async () => {
      const d = await service.skuDetails(me(), { customerId: w.contosoDe.id, ...WS_DATACENTER_1Y });
      const price = (await commerce.getPrice(WS_DATACENTER_1Y, 'DE'))!;
      assert.equal(d.product.title, 'Windows Server Datacenter');
      assert.equal(d.product.kind, 'server_subscription');
      assert.equal(d.sku.title, '2 Core License Pack – 1 year');
      assert.deepEqual([d.sku.term, d.sku.billing, d.sku.minQuantity, d.sku.maxQuantity], ['P1Y', 'one_time', 8, 1000]);
      assert.deepEqual([d.unitPriceMinor, d.currency, d.taxNote], [price.unitPriceMinor, 'EUR', 'excl']);
      assert.deepEqual(d.product.cancellation, { cancellable: true, windowDays: 60, credit: 'prorated' });
      const perpetual = await service.skuDetails(me(), { customerId: w.contosoDe.id, ...SQL_2022_PERPETUAL });
      assert.deepEqual(perpetual.product.cancellation, { cancellable: true, windowDays: 60, credit: 'full' });
    });

    it('R16: a software plan is shown as not cancellable', async () => {
      const d = await service.skuDetails(me(), { customerId: w.contosoDe.id, ...SUSE_PLAN_1Y });
      assert.deepEqual(d.product.cancellation, { cancellable: false, reason: 'software_plan' });
    });

    it('R4: prices include tax for Australia and Brazil, exclude it for Germany and the US', async () => {
      const seen: Array<[string, string]> = [];
      for (const c of [w.wingtipAu, w.tailspinBr, w.contosoDe, w.fabrikamUs]) {
        const d = await service.skuDetails(me(), { customerId: c.id, ...SQL_STANDARD_1Y });
        seen.push([d.currency, d.taxNote]);
        assert.equal(d.customer.taxNote, d.taxNote);
      }
      assert.deepEqual(seen, [['AUD', 'incl'], ['BRL', 'incl'], ['EUR', 'excl'], ['USD', 'excl']]);
    });

    it('R5: Windows Server Datacenter and Standard (with SA) carry the Azure Hybrid Benefit; SQL Server does not', async () => {
      const ahb = async (ref: { productId: string; skuId: string }) =>
        (await service.skuDetails(me(), { customerId: w.fabrikamUs.id, ...ref })).product.azureHybridBenefit;
      assert.deepEqual([await ahb(WS_DATACENTER_1Y), await ahb(WS_STANDARD_3Y), await ahb(SQL_STANDARD_1Y)], [true, true, false]);
    });

    it('R3: refuses an Azure reservation for a customer in an unavailable market when named directly', async () => {
      const refusal = (e: unknown) => {
        assert.ok(isPurchaseError(e, 'azure_reservation_unavailable'));
        assert.deepEqual(e.refusal, { code: 'azure_reservation_unavailable', productId: VM_RESERVATION_1Y.productId, market: 'AD', marketName: 'Andorra', listVersion: R3_LIST_VERSION });
        return true;
      };
      const choice = { customerId: w.andorra.id, productId: VM_RESERVATION_1Y.productId.toLowerCase(), skuId: VM_RESERVATION_1Y.skuId };
      await assert.rejects(service.skuDetails(me(), choice), refusal);
      await assert.rejects(service.quote(me(), { ...choice, quantity: 1 }), refusal);
      await assert.rejects(service.confirm(me(), { ...choice, quantity: 1, priceFingerprint: 'stale', idempotencyKey: randomUUID() }), refusal);
      assert.equal(await ordersOf(db, w.andorra.id), 0);
      // …while Germany may buy it.
      assert.equal((await service.skuDetails(me(), { customerId: w.contosoDe.id, ...VM_RESERVATION_1Y })).product.kind, 'azure_reservation');
    });

    it('refuses unknown products and SKUs, ids that are not ids, and SKUs not sold in the market', async () => {
      const c = w.contosoDe.id;
      await assert.rejects(service.skuDetails(me(), { customerId: c, productId: 'DOESNOTEXIST', skuId: '0001' }), (e: unknown) =>
        isPurchaseError(e, 'product_not_found') && e.refusal.productId === 'DOESNOTEXIST',
      );
      await assert.rejects(service.skuDetails(me(), { customerId: c, productId: WS_DATACENTER_1Y.productId, skuId: '9999' }), refusedWith('sku_not_found'));
      // What a stale or tampered card may carry.
      await assert.rejects(service.skuDetails(me(), { customerId: c, productId: undefined, skuId: 7 } as never), refusedWith('product_not_found'));
      await assert.rejects(service.skuDetails(me(), { customerId: c, productId: WS_DATACENTER_1Y.productId, skuId: null } as never), refusedWith('sku_not_found'));
      await assert.rejects(service.skuDetails(me(), { customerId: 42, ...WS_DATACENTER_1Y } as never), refusedWith('customer_not_found'));
      await assert.rejects(service.skuDetails(me(), { customerId: w.benin.id, ...WS_DATACENTER_1Y }), (e: unknown) =>
        isPurchaseError(e, 'not_sold_in_market') && e.refusal.market === 'BJ' && e.refusal.marketName === 'Benin',
      );
    });
  });
});
