import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { EmbeddedCommerceBackend, generateOrderId } from '../../services/commerce/embedded.js';
import { variantsOf } from '../../services/software/variants.js';
import { isCommerceError, type CommerceErrorCode } from '../../services/commerce/errors.js';
import { isOrderId, taxNote } from '../../services/commerce/rules.js';
import type { OrderDraft, OrderLineRequest } from '../../services/commerce/types.js';
import { testDb } from '../support/db.js';
import { createCustomer, createPartner, ensureDemoData, type TestCustomer, type TestPartner } from './factories.js';

// Demo catalog (services/seed/demo-catalog.ts)
const WS_DATACENTER_1Y = { productId: 'DG7GMGF0D7FV', skuId: '0001' }; // min 8, max 1000
const VM_RESERVATION_1Y = { productId: 'DZH318Z0BQ3Q', skuId: '0001' };
const SUSE_PLAN_1Y = { productId: 'DZH318Z0BPS6', skuId: '0001' };
const SQL_2022_PERPETUAL = { productId: 'DG7GMGF0DT1M', skuId: '0002' };

const rejectsWith = (code: CommerceErrorCode) => (e: unknown) => isCommerceError(e, code);

describe('services/commerce/embedded (EmbeddedCommerceBackend on Postgres)', () => {
  const db = testDb();
  let clock = new Date('2025-06-01T10:00:00Z');
  const backend = new EmbeddedCommerceBackend(db, { now: () => clock });
  let a: TestPartner;
  let b: TestPartner;
  let contosoDe: TestCustomer;
  let contosoUk: TestCustomer;
  let fabrikamUs: TestCustomer;
  let wingtipAu: TestCustomer;
  let tailspinBr: TestCustomer;
  let andorra: TestCustomer;
  let benin: TestCustomer;
  let otherCustomer: TestCustomer;

  const buy = (partner: TestPartner, customer: TestCustomer, lines: OrderLineRequest[], key: string = randomUUID()) =>
    backend.createOrder(partner.partnerId, { customerId: customer.id, createdBy: partner.userId, lines, idempotencyKey: key });

  before(async () => {
    await ensureDemoData(db);
    a = await createPartner(db, 'Partner A');
    b = await createPartner(db, 'Partner B');
    contosoDe = await createCustomer(db, a, { companyName: 'Contoso GmbH', billingCountry: 'DE', domains: ['contoso-test.de'] });
    contosoUk = await createCustomer(db, a, { companyName: 'Contoso Pharmaceuticals Ltd', billingCountry: 'GB' });
    fabrikamUs = await createCustomer(db, a, { companyName: 'Fabrikam Inc.', billingCountry: 'US' });
    wingtipAu = await createCustomer(db, a, { companyName: 'Wingtip Toys Pty Ltd', billingCountry: 'AU' });
    tailspinBr = await createCustomer(db, a, { companyName: 'Tailspin Toys Ltda.', billingCountry: 'BR' });
    andorra = await createCustomer(db, a, { companyName: 'Alpine Ski House SLU', billingCountry: 'AD' });
    benin = await createCustomer(db, a, { companyName: '100% Bénin SARL', billingCountry: 'BJ' });
    otherCustomer = await createCustomer(db, b, { companyName: 'Contoso Northwind Ltd', billingCountry: 'DE' });
  });

  describe('findCustomers (R1)', () => {
    it('finds several customers by part of the company name, any case, exact match first', async () => {
      const r = await backend.findCustomers(a.partnerId, 'CONTOSO');
      assert.equal(r.query.type, 'name');
      assert.deepEqual(r.customers.map((c) => c.companyName).sort(), ['Contoso GmbH', 'Contoso Pharmaceuticals Ltd']);
      const exact = await backend.findCustomers(a.partnerId, 'contoso pharmaceuticals ltd');
      assert.equal(exact.customers[0]?.companyName, 'Contoso Pharmaceuticals Ltd');
      assert.deepEqual((await backend.findCustomers(a.partnerId, 'toys')).customers.map((c) => c.companyName), [
        'Tailspin Toys Ltda.', 'Wingtip Toys Pty Ltd',
      ]);
    });

    it('says when there are more matches than asked for', async () => {
      const r = await backend.findCustomers(a.partnerId, 'contoso', { limit: 1 });
      assert.equal(r.customers.length, 1);
      assert.equal(r.hasMore, true);
    });

    it('finds a customer by tenant GUID, in any case and with braces', async () => {
      const r = await backend.findCustomers(a.partnerId, `{${fabrikamUs.tenantId.toUpperCase()}}`);
      assert.equal(r.query.type, 'guid');
      assert.deepEqual(r.customers.map((c) => c.id), [fabrikamUs.id]);
      assert.equal(r.customers[0]!.tenantId, fabrikamUs.tenantId);
    });

    it('finds a customer by its primary or another domain, exactly and case-insensitively', async () => {
      assert.deepEqual((await backend.findCustomers(a.partnerId, 'CONTOSO-TEST.DE')).customers.map((c) => c.id), [contosoDe.id]);
      assert.deepEqual((await backend.findCustomers(a.partnerId, contosoDe.primaryDomain)).customers.map((c) => c.id), [contosoDe.id]);
      assert.deepEqual((await backend.findCustomers(a.partnerId, 'test.de')).customers, []);
    });

    it('tells a malformed GUID apart from "no match"', async () => {
      const r = await backend.findCustomers(a.partnerId, fabrikamUs.tenantId.slice(0, -1));
      assert.equal(r.query.type, 'invalidGuid');
      assert.deepEqual(r.customers, []);
    });

    it('finds nothing for an unknown name, and treats % and _ literally', async () => {
      assert.deepEqual((await backend.findCustomers(a.partnerId, 'Litware')).customers, []);
      assert.deepEqual((await backend.findCustomers(a.partnerId, '%')).customers.map((c) => c.companyName), ['100% Bénin SARL']);
      assert.deepEqual((await backend.findCustomers(a.partnerId, '_')).customers, []);
      assert.deepEqual((await backend.findCustomers(a.partnerId, '   ')).customers, []);
    });

    it('returns the customer\'s market (billing country) with currency and tax treatment', async () => {
      const c = await backend.getCustomer(a.partnerId, wingtipAu.id);
      assert.deepEqual(c?.market, { countryCode: 'AU', name: 'Australia', currency: 'AUD', taxIncluded: true });
      assert.equal(await backend.getCustomer(a.partnerId, 'not-a-uuid'), null);
    });
  });

  describe('partner isolation', () => {
    it('partner B cannot find or read partner A\'s customers', async () => {
      assert.deepEqual((await backend.findCustomers(b.partnerId, 'contoso')).customers.map((c) => c.id), [otherCustomer.id]);
      assert.deepEqual((await backend.findCustomers(b.partnerId, contosoDe.tenantId)).customers, []);
      assert.deepEqual((await backend.findCustomers(b.partnerId, 'contoso-test.de')).customers, []);
      assert.equal(await backend.getCustomer(b.partnerId, contosoDe.id), null);
      assert.ok(await backend.getCustomer(a.partnerId, contosoDe.id));
    });

    it('partner B cannot read partner A\'s orders nor buy for A\'s customer', async () => {
      const { order } = await buy(a, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 8 }]);
      assert.equal(await backend.getOrder(b.partnerId, order.id), null);
      assert.deepEqual(await backend.listOrders(b.partnerId, contosoDe.id), { orders: [], total: 0 });
      await assert.rejects(buy(b, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 8 }]), rejectsWith('customer_not_found'));
      assert.equal((await backend.getOrder(a.partnerId, order.id))?.id, order.id);
    });
  });

  describe('catalog per market', () => {
    it('R3: no Azure reservations for a market on the unavailable list; offered in Germany', async () => {
      assert.equal(await backend.isAzureReservationAvailable('AD'), false);
      assert.equal(await backend.isAzureReservationAvailable('de'), true);
      assert.equal(await backend.azureReservationBlockedBy('ad'), '2019-11-30', 'a refusal can cite the list');
      assert.equal(await backend.azureReservationBlockedBy('DE'), null);
      const one = await backend.listProducts({ market: 'DE', productId: 'DZH318Z0BQ3Q' });
      assert.deepEqual(one.map((o) => o.id), ['DZH318Z0BQ3Q'], 'one product, when asked for one');
      assert.deepEqual(await backend.listProducts({ market: 'AD', productId: 'DZH318Z0BQ3Q' }), [], 'still not in Andorra (R3)');
      const inAndorra = await backend.listProducts({ market: 'AD' });
      assert.ok(inAndorra.length > 0, 'other products are still sold in Andorra');
      assert.ok(!inAndorra.some((p) => p.kind === 'azure_reservation'));
      const inGermany = await backend.listProducts({ market: 'DE', kind: 'azure_reservation' });
      assert.ok(inGermany.some((p) => p.id === VM_RESERVATION_1Y.productId));
    });

    it('R3: refuses to buy an Azure reservation for a customer in an unavailable market, and says why', async () => {
      await assert.rejects(buy(a, andorra, [{ ...VM_RESERVATION_1Y, quantity: 1 }]), (e: unknown) => {
        assert.ok(isCommerceError(e, 'azure_reservation_unavailable'));
        assert.equal(e.details.market, 'AD');
        assert.equal(e.details.listVersion, '2019-11-30');
        return true;
      });
      const { order } = await buy(a, contosoDe, [{ ...VM_RESERVATION_1Y, quantity: 1 }]);
      assert.equal(order.lines[0]!.productKind, 'azure_reservation');
      const inAndorra = await buy(a, andorra, [{ ...WS_DATACENTER_1Y, quantity: 8 }]);
      assert.equal(inAndorra.order.currency, 'EUR');
    });

    it('getSkuInMarket: product, SKU, price and R3 in one read — each missing part is null', async () => {
      const de = await backend.getSkuInMarket({ productId: ' dg7gmgf0d7fv ', skuId: '0001' }, 'de');
      assert.ok(de?.sku && de.price);
      assert.equal(de.product.id, WS_DATACENTER_1Y.productId);
      assert.deepEqual([de.sku.minQuantity, de.sku.maxQuantity], [8, 1000]);
      assert.deepEqual(de.price, await backend.getPrice(WS_DATACENTER_1Y, 'DE'));
      assert.equal(de.reservationBlockedBy, null, 'not a reservation');
      assert.equal(await backend.getSkuInMarket({ productId: 'DOESNOTEXIST', skuId: '0001' }, 'DE'), null);
      const noSku = await backend.getSkuInMarket({ productId: WS_DATACENTER_1Y.productId, skuId: '9999' }, 'DE');
      assert.deepEqual([noSku?.product.id, noSku?.sku, noSku?.price], [WS_DATACENTER_1Y.productId, null, null]);
      const notSold = await backend.getSkuInMarket(WS_DATACENTER_1Y, 'BJ');
      assert.deepEqual([notSold?.sku?.skuId, notSold?.price], ['0001', null]);
      assert.equal((await backend.getSkuInMarket(VM_RESERVATION_1Y, 'AD'))?.reservationBlockedBy, '2019-11-30');
      assert.equal((await backend.getSkuInMarket(VM_RESERVATION_1Y, 'DE'))?.reservationBlockedBy, null);
    });

    it('customerOffers: the partner\'s customer and exactly what listProducts offers in its billing country, with R3, in one read', async () => {
      const de = await backend.customerOffers(a.partnerId, contosoDe.id.toUpperCase());
      assert.ok(de);
      assert.deepEqual(de.customer, await backend.getCustomer(a.partnerId, contosoDe.id));
      assert.deepEqual(de.offers, await backend.listProducts({ market: 'DE' }));
      assert.ok(de.offers.some((o) => o.kind === 'azure_reservation'));
      assert.equal(de.reservationBlockedBy, null);
      const filter = { kind: 'perpetual_software' as const, search: 'SQL' };
      assert.deepEqual((await backend.customerOffers(a.partnerId, contosoDe.id, filter))?.offers, await backend.listProducts({ market: 'DE', ...filter }));
      assert.deepEqual((await backend.customerOffers(a.partnerId, contosoDe.id, { productId: ' dzh318z0bq3q ' }))?.offers.map((o) => o.id), ['DZH318Z0BQ3Q']);
      const ad = await backend.customerOffers(a.partnerId, andorra.id);
      assert.equal(ad?.reservationBlockedBy, '2019-11-30');
      assert.equal((await backend.customerOffers(a.partnerId, andorra.id, { search: 'reserved vm' }))?.reservationsHidden, true, 'R3 hid what was searched for');
      assert.equal((await backend.customerOffers(a.partnerId, andorra.id, { productId: VM_RESERVATION_1Y.productId }))?.reservationsHidden, true);
      assert.equal((await backend.customerOffers(a.partnerId, andorra.id, { search: 'SQL Server 2022' }))?.reservationsHidden, false);
      assert.equal((await backend.customerOffers(a.partnerId, contosoDe.id, { search: 'reserved vm' }))?.reservationsHidden, false, 'nothing hidden where reservations are sold');
      assert.deepEqual(ad?.offers, await backend.listProducts({ market: 'AD' }));
      assert.ok(!ad?.offers.some((o) => o.kind === 'azure_reservation'));
      const bj = await backend.customerOffers(a.partnerId, benin.id);
      assert.deepEqual([bj?.customer.id, bj?.offers], [benin.id, []], 'a market without prices: the customer, nothing to buy');
      assert.equal(await backend.customerOffers(b.partnerId, contosoDe.id), null, 'another partner\'s customer');
      assert.equal(await backend.customerOffers(a.partnerId, randomUUID()), null);
      assert.equal(await backend.customerOffers(a.partnerId, 'not-a-guid'), null);
    });

    it('customerSku: the partner\'s customer and one SKU as getSkuInMarket reads it in its billing country', async () => {
      const de = await backend.customerSku(a.partnerId, contosoDe.id, WS_DATACENTER_1Y);
      assert.deepEqual(de?.customer, await backend.getCustomer(a.partnerId, contosoDe.id));
      assert.deepEqual(de?.found, await backend.getSkuInMarket(WS_DATACENTER_1Y, 'DE'));
      assert.deepEqual((await backend.customerSku(a.partnerId, andorra.id, VM_RESERVATION_1Y))?.found, await backend.getSkuInMarket(VM_RESERVATION_1Y, 'AD'));
      assert.equal((await backend.customerSku(a.partnerId, andorra.id, VM_RESERVATION_1Y))?.found?.reservationBlockedBy, '2019-11-30');
      assert.deepEqual((await backend.customerSku(a.partnerId, benin.id, WS_DATACENTER_1Y))?.found?.price, null);
      const unknown = await backend.customerSku(a.partnerId, contosoDe.id, { productId: 'DOESNOTEXIST', skuId: '0001' });
      assert.deepEqual([unknown?.customer.id, unknown?.found], [contosoDe.id, null]);
      assert.equal(await backend.customerSku(b.partnerId, contosoDe.id, WS_DATACENTER_1Y), null, 'another partner\'s customer');
      assert.equal(await backend.customerSku(a.partnerId, 'not-a-guid', WS_DATACENTER_1Y), null);
    });

    it('offers only SKUs priced in the market, in its currency', async () => {
      assert.deepEqual(await backend.listProducts({ market: 'BJ' }), []);
      const jp = await backend.listProducts({ market: 'JP', search: 'sql server 2022' });
      assert.deepEqual(jp.map((p) => p.id), [SQL_2022_PERPETUAL.productId]);
      assert.ok(jp[0]!.skus.every((s) => s.price.currency === 'JPY' && Number.isInteger(s.price.unitPriceMinor)));
      await assert.rejects(buy(a, benin, [{ ...WS_DATACENTER_1Y, quantity: 8 }]), rejectsWith('price_unavailable'));
    });

    it('R4: tax included in Australia and Brazil, excluded in Germany and the US — on prices and orders', async () => {
      const note = async (cc: string) => taxNote((await backend.getMarket(cc))!);
      assert.deepEqual([await note('AU'), await note('BR'), await note('DE'), await note('US')], ['incl', 'incl', 'excl', 'excl']);
      const au = await backend.listProducts({ market: 'AU' });
      assert.ok(au.every((p) => p.skus.every((s) => s.price.taxIncluded && s.price.currency === 'AUD')));
      assert.equal((await buy(a, tailspinBr, [{ ...WS_DATACENTER_1Y, quantity: 8 }])).order.taxIncluded, true);
      assert.equal((await buy(a, fabrikamUs, [{ ...WS_DATACENTER_1Y, quantity: 8 }])).order.taxIncluded, false);
    });

    it('R5: Windows Server Datacenter/Standard subscriptions carry the Azure Hybrid Benefit (and its downloads are the software module\'s)', async () => {
      const ws = await backend.getProduct(WS_DATACENTER_1Y.productId);
      assert.ok(ws);
      assert.equal(ws.azureHybridBenefit, true);
      assert.equal((await backend.getProduct(SQL_2022_PERPETUAL.productId))?.azureHybridBenefit, false);
      assert.equal(await backend.getProduct('DOESNOTEXIST'), null);
      const variants = await variantsOf(db, WS_DATACENTER_1Y.productId);
      assert.ok(variants.some((v) => v.version === 'Windows Server 2025' && v.language === 'de-DE' && v.fileType === 'ISO'));
    });
  });

  describe('createOrder (R6, R7)', () => {
    it('computes prices on the server from the customer\'s market; a price passed in is ignored', async () => {
      const price = await backend.getPrice(WS_DATACENTER_1Y, 'DE');
      assert.ok(price && price.currency === 'EUR');
      const line = { ...WS_DATACENTER_1Y, quantity: 10, unitPriceMinor: 1 } as OrderLineRequest;
      const { order, created } = await buy(a, contosoDe, [line, { ...SUSE_PLAN_1Y, quantity: 2 }]);
      assert.equal(created, true);
      assert.match(order.id, /^[A-Z0-9]{12}$/);
      assert.equal(order.status, 'completed');
      assert.equal(order.currency, 'EUR');
      assert.equal(order.lines[0]!.unitPriceMinor, price.unitPriceMinor);
      assert.equal(order.lines[0]!.lineTotalMinor, price.unitPriceMinor * 10);
      const suse = (await backend.getPrice(SUSE_PLAN_1Y, 'DE'))!;
      assert.equal(order.totalMinor, price.unitPriceMinor * 10 + suse.unitPriceMinor * 2);
      assert.equal(order.createdBy, a.userId);
      const stored = await db.query('SELECT total_minor FROM orders WHERE id = $1', [order.id]);
      assert.equal(Number(stored.rows[0].total_minor), order.totalMinor);
    });

    it('uses the price in force at purchase time', async () => {
      const sku = SQL_2022_PERPETUAL;
      const before = (await backend.getPrice(sku, 'FR'))!;
      await db.query(
        "INSERT INTO prices (product_id, sku_id, market, currency, unit_price_minor, effective_from) VALUES ($1, $2, 'FR', 'EUR', $3, '2030-01-01') ON CONFLICT DO NOTHING",
        [sku.productId, sku.skuId, before.unitPriceMinor + 5000],
      );
      assert.equal((await backend.getPrice(sku, 'FR'))!.unitPriceMinor, before.unitPriceMinor);
      const later = new EmbeddedCommerceBackend(db, { now: () => new Date('2030-06-01T00:00:00Z') });
      assert.equal((await later.getPrice(sku, 'FR'))!.unitPriceMinor, before.unitPriceMinor + 5000);
    });

    it('snapshots each line\'s cancellation policy: software plans are not cancellable (R16), perpetual software credits 100 %', async () => {
      const { order } = await buy(a, contosoDe, [{ ...SUSE_PLAN_1Y, quantity: 1 }, { ...SQL_2022_PERPETUAL, quantity: 1 }]);
      assert.deepEqual(order.lines.map((l) => l.cancellation), [
        { cancellable: false, windowDays: 60, creditPolicy: 'none' },
        { cancellable: true, windowDays: 60, creditPolicy: 'full' },
      ]);
    });

    it('the same idempotency key returns the first order instead of buying again', async () => {
      const key = randomUUID();
      const first = await buy(a, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 8 }], key);
      const again = await buy(a, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 8 }], key);
      assert.equal(first.created, true);
      assert.equal(again.created, false);
      assert.deepEqual(again.order, first.order);
    });

    it('a repeat still gets its order after the catalog stopped selling the SKU; a new key is refused', async () => {
      const key = randomUUID();
      const first = await buy(a, wingtipAu, [{ ...SQL_2022_PERPETUAL, quantity: 1 }], key);
      // A backend whose clock stands before any price took effect: nothing is sold.
      const before = new EmbeddedCommerceBackend(db, { now: () => new Date('2001-01-01T00:00:00Z') });
      const buyBefore = (quantity: number, idempotencyKey: string) =>
        before.createOrder(a.partnerId, { customerId: wingtipAu.id, createdBy: a.userId, lines: [{ ...SQL_2022_PERPETUAL, quantity }], idempotencyKey });
      await assert.rejects(buyBefore(1, randomUUID()), rejectsWith('price_unavailable'));
      const again = await buyBefore(1, key);
      assert.deepEqual([again.created, again.order], [false, first.order]);
      await assert.rejects(buyBefore(2, key), rejectsWith('idempotency_conflict'));
    });

    it('accept: sees the priced draft with its customer before anything is written; false buys nothing, unless the key bought already', async () => {
      const seen: OrderDraft[] = [];
      const key = randomUUID();
      const line = { ...WS_DATACENTER_1Y, quantity: 10 };
      const order = (accept: (d: OrderDraft) => boolean, idempotencyKey = key) =>
        backend.createOrder(a.partnerId, { customerId: contosoUk.id, createdBy: a.userId, lines: [line], idempotencyKey, accept: (d) => (seen.push(d), accept(d)) });
      const count = async () => (await db.query('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [contosoUk.id])).rows[0].n as number;
      const before = await count();
      await assert.rejects(order(() => false), rejectsWith('draft_not_accepted'));
      assert.equal(await count(), before);
      const [draft] = seen;
      const price = (await backend.getPrice(WS_DATACENTER_1Y, 'GB'))!;
      assert.deepEqual([draft?.customer.id, draft?.customerId, draft?.market, draft?.currency, draft?.totalMinor], [contosoUk.id, contosoUk.id, 'GB', 'GBP', price.unitPriceMinor * 10]);
      assert.deepEqual(draft?.lines.map((l) => [l.productId, l.skuId, l.quantity, l.unitPriceMinor]), [[WS_DATACENTER_1Y.productId, WS_DATACENTER_1Y.skuId, 10, price.unitPriceMinor]]);

      const bought = await order(() => true);
      assert.equal(bought.created, true);
      const { id: _id, status: _status, purchasedAt: _at, ...written } = bought.order;
      const { customer: _customer, ...drafted } = seen[1]!;
      assert.deepEqual(drafted, written, 'what was accepted is what was written');
      const again = await order(() => false);
      assert.deepEqual([again.created, again.order], [false, bought.order], 'a repeat is answered with its order even when its draft is turned down');
      assert.equal(await count(), before + 1);
    });

    it('20 concurrent submits with one key create exactly one order', async () => {
      const key = randomUUID();
      const results = await Promise.all(Array.from({ length: 20 }, () => buy(a, fabrikamUs, [{ ...WS_DATACENTER_1Y, quantity: 16 }], key)));
      assert.equal(new Set(results.map((r) => r.order.id)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      const { rows } = await db.query('SELECT count(*)::int AS n FROM orders WHERE partner_id = $1 AND idempotency_key = $2', [a.partnerId, key]);
      assert.equal(rows[0].n, 1);
      const lines = await db.query('SELECT count(*)::int AS n FROM order_lines WHERE order_id = $1', [results[0]!.order.id]);
      assert.equal(lines.rows[0].n, 1);
    });

    it('refuses to reuse a key for a different purchase; keys are per partner', async () => {
      const key = randomUUID();
      await buy(a, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 8 }], key);
      await assert.rejects(buy(a, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 9 }], key), rejectsWith('idempotency_conflict'));
      await assert.rejects(buy(a, contosoUk, [{ ...WS_DATACENTER_1Y, quantity: 8 }], key), rejectsWith('idempotency_conflict'));
      const inB = await buy(b, otherCustomer, [{ ...WS_DATACENTER_1Y, quantity: 8 }], key);
      assert.equal(inB.created, true);
    });

    it('refuses invalid orders with a reason, and stores nothing', async () => {
      const key = randomUUID();
      const cases: Array<[OrderLineRequest[], CommerceErrorCode]> = [
        [[], 'empty_order'],
        [[{ ...WS_DATACENTER_1Y, quantity: 7 }], 'invalid_quantity'],
        [[{ ...WS_DATACENTER_1Y, quantity: 1001 }], 'invalid_quantity'],
        [[{ ...WS_DATACENTER_1Y, quantity: 8.5 }], 'invalid_quantity'],
        [[{ ...WS_DATACENTER_1Y, quantity: 0 }], 'invalid_quantity'],
        [[{ productId: 'NOSUCHPRODUC', skuId: '0001', quantity: 1 }], 'product_not_found'],
        [[{ ...WS_DATACENTER_1Y, skuId: '0099', quantity: 8 }], 'sku_not_found'],
        [[{ ...WS_DATACENTER_1Y, quantity: 8 }, { ...WS_DATACENTER_1Y, quantity: 9 }], 'duplicate_line'],
      ];
      for (const [lines, code] of cases) await assert.rejects(buy(a, contosoDe, lines, key), rejectsWith(code), code);
      await assert.rejects(
        backend.createOrder(a.partnerId, { customerId: contosoDe.id, createdBy: a.userId, lines: [{ ...WS_DATACENTER_1Y, quantity: 8 }], idempotencyKey: ' ' }),
        rejectsWith('invalid_idempotency_key'),
      );
      await assert.rejects(buy(a, { ...contosoDe, id: randomUUID() }, [{ ...WS_DATACENTER_1Y, quantity: 8 }]), rejectsWith('customer_not_found'));
      const { rows } = await db.query('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [key]);
      assert.equal(rows[0].n, 0);
    });

    it('explains a refused quantity with the SKU\'s limits', async () => {
      await assert.rejects(buy(a, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 2 }]), (e: unknown) => {
        assert.ok(isCommerceError(e, 'invalid_quantity'));
        assert.deepEqual({ reason: e.details.reason, min: e.details.min, max: e.details.max, lineIndex: e.details.lineIndex }, {
          reason: 'below_minimum', min: 8, max: 1000, lineIndex: 0,
        });
        return true;
      });
    });
  });

  describe('generateOrderId', () => {
    it('draws 12 of Crockford\'s base-32 digits (no I, L, O, U to misread), valid order ids, all different', () => {
      const ids = Array.from({ length: 2000 }, generateOrderId);
      assert.ok(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{12}$/.test(id) && isOrderId(id)), ids.find((id) => !/^[0-9A-HJKMNP-TV-Z]{12}$/.test(id)));
      assert.equal(new Set(ids).size, ids.length);
      assert.ok(new Set(ids.join('')).size >= 30, 'the whole alphabet is used');
    });
  });

  describe('getOrder / listOrders', () => {
    it('lists a customer\'s orders newest first, paged', async () => {
      const customer = await createCustomer(db, a, { companyName: 'Paging Test GmbH', billingCountry: 'DE' });
      const ids: string[] = [];
      for (const day of ['2025-01-05', '2025-03-01', '2025-02-10']) {
        clock = new Date(`${day}T12:00:00Z`);
        ids.push((await buy(a, customer, [{ ...WS_DATACENTER_1Y, quantity: 8 }])).order.id);
      }
      clock = new Date('2025-06-01T10:00:00Z');
      const all = await backend.listOrders(a.partnerId, customer.id);
      assert.equal(all.total, 3);
      assert.deepEqual(all.orders.map((o) => o.id), [ids[1], ids[2], ids[0]]);
      assert.equal(all.orders[0]!.purchasedAt.toISOString(), '2025-03-01T12:00:00.000Z');
      const page2 = await backend.listOrders(a.partnerId, customer.id, { limit: 2, offset: 2 });
      assert.deepEqual(page2.orders.map((o) => o.id), [ids[0]]);
      assert.equal(page2.total, 3);
    });

    it('the order createOrder answers is exactly what is stored (it is not read back)', async () => {
      const { order, created } = await buy(a, contosoDe, [{ ...WS_DATACENTER_1Y, quantity: 9 }, { ...SUSE_PLAN_1Y, quantity: 2 }, { ...SQL_2022_PERPETUAL, quantity: 1 }]);
      assert.equal(created, true);
      assert.deepEqual(await backend.getOrder(a.partnerId, order.id), order);
      assert.deepEqual(order.lines.map((l) => l.lineNumber), [0, 1, 2]);
    });

    it('finds an order by id regardless of case and whitespace', async () => {
      const { order } = await buy(a, contosoUk, [{ ...SQL_2022_PERPETUAL, quantity: 1 }]);
      assert.equal((await backend.getOrder(a.partnerId, ` ${order.id.toLowerCase()} `))?.id, order.id);
      assert.equal(await backend.getOrder(a.partnerId, 'NOPE'), null);
      assert.equal(order.currency, 'GBP');
    });
  });
});
