import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import sinon from 'sinon';
import type { OrderDraft } from '../../services/commerce/types.js';
import { isPurchaseError, type PurchaseErrorCode } from '../../services/purchase/errors.js';
import { purchaseIdempotencyKey, type ConfirmRequest, type Quote } from '../../services/purchase/purchase-service.js';
import { testDb } from '../support/db.js';
import {
  actorOf,
  createService,
  createTestProduct,
  createWorld,
  ordersOf,
  R3_LIST_VERSION,
  SUSE_PLAN_1Y,
  VM_RESERVATION_1Y,
  WS_DATACENTER_1Y,
  type World,
} from './fixtures.js';

const refusedWith = (code: PurchaseErrorCode) => (e: unknown) => isPurchaseError(e, code);

describe('services/purchase/purchase-service — quote and confirm (R6, R7)', () => {
  const db = testDb();
  const clock = { now: new Date('2025-06-01T10:00:00Z') };
  const { commerce, service } = createService(db, clock);
  const sandbox = sinon.createSandbox();
  let w: World;
  const me = () => actorOf(w.a, ['admin_agent']);

  /** What a dialog sends after the user reviewed `q`. */
  const confirmOf = (q: Quote, key: string = randomUUID()): ConfirmRequest => ({
    customerId: q.customer.id,
    productId: q.product.id,
    skuId: q.sku.skuId,
    quantity: q.quantity,
    priceFingerprint: q.priceFingerprint,
    idempotencyKey: key,
  });

  before(async () => {
    w = await createWorld(db);
  });

  afterEach(() => sandbox.restore());

  describe('quote', () => {
    it('computes the total on the server from the catalog price of the customer\'s market', async () => {
      const { rows } = await db.query<{ unit_price_minor: string }>(
        "SELECT unit_price_minor FROM prices WHERE product_id = $1 AND sku_id = $2 AND market = 'US' ORDER BY effective_from DESC LIMIT 1",
        [WS_DATACENTER_1Y.productId, WS_DATACENTER_1Y.skuId],
      );
      const unit = Number(rows[0]!.unit_price_minor);
      const q = await service.quote(me(), { customerId: w.fabrikamUs.id, ...WS_DATACENTER_1Y, quantity: 12 });
      assert.deepEqual([q.quantity, q.unitPriceMinor, q.totalMinor, q.currency, q.taxNote, q.sku.term], [12, unit, unit * 12, 'USD', 'excl', 'P1Y']);
      assert.equal(q.customer.companyName, 'Fabrikam Inc.');
      assert.match(q.priceFingerprint, /^pf1\.[A-Za-z0-9_-]{43}$/);
      // Typed text is accepted; the same review gives the same fingerprint.
      const typed = await service.quote(me(), { customerId: w.fabrikamUs.id, ...WS_DATACENTER_1Y, quantity: ' 12 ' });
      assert.equal(typed.priceFingerprint, q.priceFingerprint);
      const other = await service.quote(me(), { customerId: w.fabrikamUs.id, ...WS_DATACENTER_1Y, quantity: 13 });
      assert.notEqual(other.priceFingerprint, q.priceFingerprint);
    });

    const bad: Array<[string, unknown, string]> = [
      ['0', 0, 'not_positive'],
      ['-1', -1, 'not_positive'],
      ['1.5', 1.5, 'not_an_integer'],
      ['NaN', Number.NaN, 'not_a_number'],
      ['a word', 'eight', 'not_a_number'],
      ['Infinity', Number.POSITIVE_INFINITY, 'above_maximum'],
      ['above the maximum (1001)', 1001, 'above_maximum'],
      ['below the minimum (7)', 7, 'below_minimum'],
    ];
    for (const [what, quantity, reason] of bad) {
      it(`refuses quantity ${what} with the reason and the SKU's bounds, and confirm buys nothing`, async () => {
        const req = { customerId: w.contosoDe.id, ...WS_DATACENTER_1Y, quantity: quantity as number };
        const refusal = (e: unknown) => {
          assert.ok(isPurchaseError(e, 'invalid_quantity'));
          assert.deepEqual(e.refusal, { code: 'invalid_quantity', reason, min: 8, max: 1000 });
          return true;
        };
        const before = await ordersOf(db, w.contosoDe.id);
        await assert.rejects(service.quote(me(), req), refusal);
        await assert.rejects(service.confirm(me(), { ...req, priceFingerprint: 'x', idempotencyKey: randomUUID() }), refusal);
        assert.equal(await ordersOf(db, w.contosoDe.id), before);
      });
    }

    it('refuses a total that does not fit in a safe integer of minor units', async () => {
      const huge = await createTestProduct(db, { unitPriceMinor: 4_000_000_000_000_000, max: 10 });
      await service.quote(me(), { customerId: w.contosoDe.id, ...huge, quantity: 2 });
      await assert.rejects(service.quote(me(), { customerId: w.contosoDe.id, ...huge, quantity: 3 }), refusedWith('amount_too_large'));
    });
  });

  describe('confirm', () => {
    it('creates the order at the catalog price and tells the purchase date and the last day to cancel', async () => {
      const q = await service.quote(me(), { customerId: w.wingtipAu.id, ...WS_DATACENTER_1Y, quantity: 10 });
      const r = await service.confirm(me(), confirmOf(q));
      assert.ok(r.status === 'created');
      assert.match(r.order.orderId, /^[A-Z0-9]{12}$/);
      assert.equal(r.customer.companyName, 'Wingtip Toys Pty Ltd');
      assert.deepEqual(
        [r.order.productTitle, r.order.quantity, r.order.totalMinor, r.order.currency, r.order.taxNote, r.order.status],
        ['Windows Server Datacenter – 2 Core License Pack – 1 year', 10, q.totalMinor, 'AUD', 'incl', 'completed'],
      );
      assert.equal(r.order.purchaseDate, '2025-06-01');
      // Bought 1 June 10:00 UTC: cancellable for 60 × 24 h, until 31 July 10:00 UTC.
      assert.deepEqual(r.order.cancellation, { state: 'open', daysLeft: 60, closesAt: '2025-07-31T10:00:00.000Z' });
      const { rows } = await db.query('SELECT total_minor, created_by FROM orders WHERE id = $1', [r.order.orderId]);
      assert.equal(Number(rows[0].total_minor), q.totalMinor);
      assert.equal(Number(rows[0].created_by), w.a.userId);
    });

    it('R16: a software plan is bought, and the answer says it cannot be cancelled', async () => {
      const q = await service.quote(me(), { customerId: w.wingtipAu.id, ...SUSE_PLAN_1Y, quantity: 3 });
      const r = await service.confirm(me(), confirmOf(q));
      assert.ok(r.status === 'created');
      assert.deepEqual(r.order.cancellation, { state: 'notCancellable', reason: 'software_plan' });
    });

    it('R7: confirming twice with one key returns the same order', async () => {
      const q = await service.quote(me(), { customerId: w.tailspinBr.id, ...WS_DATACENTER_1Y, quantity: 8 });
      const req = confirmOf(q, purchaseIdempotencyKey(randomUUID(), 1));
      const first = await service.confirm(me(), req);
      const second = await service.confirm(me(), req);
      assert.ok(first.status === 'created' && second.status === 'existing');
      assert.equal(second.order.orderId, first.order.orderId);
      assert.equal(await ordersOf(db, w.tailspinBr.id), 1);
    });

    it('R7: 20 concurrent confirms with one key create one order', async () => {
      const q = await service.quote(me(), { customerId: w.fabrikamUs.id, ...WS_DATACENTER_1Y, quantity: 9 });
      const before = await ordersOf(db, w.fabrikamUs.id);
      const req = confirmOf(q);
      const results = await Promise.all(Array.from({ length: 20 }, () => service.confirm(me(), req)));
      const ids = new Set(results.map((r) => (r.status === 'priceChanged' ? 'priceChanged' : r.order.orderId)));
      assert.equal(ids.size, 1);
      assert.deepEqual(results.map((r) => r.status).sort(), ['created', ...Array<string>(19).fill('existing')]);
      assert.equal(await ordersOf(db, w.fabrikamUs.id), before + 1);
    });

    it('refuses a key that already bought something else, and a missing key', async () => {
      const key = randomUUID();
      const q8 = await service.quote(me(), { customerId: w.contosoUk.id, ...WS_DATACENTER_1Y, quantity: 8 });
      const first = await service.confirm(me(), confirmOf(q8, key));
      assert.ok(first.status === 'created');
      const q9 = await service.quote(me(), { customerId: w.contosoUk.id, ...WS_DATACENTER_1Y, quantity: 9 });
      await assert.rejects(service.confirm(me(), confirmOf(q9, key)), (e: unknown) =>
        isPurchaseError(e, 'idempotency_conflict') && e.refusal.orderId === first.order.orderId,
      );
      await assert.rejects(service.confirm(me(), confirmOf(q9, '  ')), refusedWith('invalid_request'));
      await assert.rejects(service.confirm(me(), { ...confirmOf(q9), idempotencyKey: undefined } as never), refusedWith('invalid_request'));
      assert.equal(await ordersOf(db, w.contosoUk.id), 1);
    });

    it('a quantity changed after the review (e.g. a tampered card) is a new review, not a purchase', async () => {
      const q = await service.quote(me(), { customerId: w.contosoDe.id, ...WS_DATACENTER_1Y, quantity: 8 });
      const before = await ordersOf(db, w.contosoDe.id);
      const r = await service.confirm(me(), { ...confirmOf(q), quantity: 500 });
      assert.equal(r.status, 'priceChanged');
      assert.ok(r.status === 'priceChanged' && r.quote.quantity === 500 && r.quote.totalMinor === q.unitPriceMinor * 500);
      assert.equal(await ordersOf(db, w.contosoDe.id), before);
    });

    it('a price changed since the review → priceChanged with the new review, nothing bought; the new review can be confirmed', async () => {
      const sku = await createTestProduct(db, { unitPriceMinor: 10_000 });
      const flow = randomUUID();
      const before = await ordersOf(db, w.contosoDe.id);
      const q1 = await service.quote(me(), { customerId: w.contosoDe.id, ...sku, quantity: 3 });
      assert.equal(q1.totalMinor, 30_000);

      await db.query("INSERT INTO prices (product_id, sku_id, market, currency, unit_price_minor, effective_from) VALUES ($1, $2, 'DE', 'EUR', 12500, $3)", [
        sku.productId, sku.skuId, new Date(clock.now.getTime() - 60_000),
      ]);

      const changed = await service.confirm(me(), confirmOf(q1, purchaseIdempotencyKey(flow, 1)));
      assert.ok(changed.status === 'priceChanged');
      assert.deepEqual([changed.quote.unitPriceMinor, changed.quote.totalMinor, changed.quote.quantity], [12_500, 37_500, 3]);
      assert.notEqual(changed.quote.priceFingerprint, q1.priceFingerprint);
      assert.equal(await ordersOf(db, w.contosoDe.id), before);

      // Pressing the old card again still buys nothing.
      assert.equal((await service.confirm(me(), confirmOf(q1, purchaseIdempotencyKey(flow, 1)))).status, 'priceChanged');
      assert.equal(await ordersOf(db, w.contosoDe.id), before);

      const bought = await service.confirm(me(), confirmOf(changed.quote, purchaseIdempotencyKey(flow, 2)));
      assert.ok(bought.status === 'created');
      assert.equal(bought.order.totalMinor, 37_500);
      assert.equal(await ordersOf(db, w.contosoDe.id), before + 1);
    });

    it('R7: a repeat after the price changed still answers with the order it bought, not a new review', async () => {
      const sku = await createTestProduct(db, { unitPriceMinor: 20_000 });
      const q = await service.quote(me(), { customerId: w.contosoDe.id, ...sku, quantity: 2 });
      const req = confirmOf(q);
      const first = await service.confirm(me(), req);
      assert.ok(first.status === 'created');
      await db.query("INSERT INTO prices (product_id, sku_id, market, currency, unit_price_minor, effective_from) VALUES ($1, $2, 'DE', 'EUR', 25000, $3)", [
        sku.productId, sku.skuId, new Date(clock.now.getTime() - 60_000),
      ]);
      const again = await service.confirm(me(), req);
      assert.ok(again.status === 'existing');
      assert.deepEqual(again.order, first.order);
      assert.equal(again.customer.id, w.contosoDe.id);
    });

    it('reads the catalog once: the backend prices the order and the service accepts the draft only if it is what was reviewed', async () => {
      const q = await service.quote(me(), { customerId: w.contosoDe.id, ...WS_DATACENTER_1Y, quantity: 8 });
      const customerSku = sandbox.spy(commerce, 'customerSku');
      const drafts: OrderDraft[] = [];
      const real = commerce.createOrder.bind(commerce);
      const createOrder = sandbox.stub(commerce, 'createOrder').callsFake((partnerId, req) =>
        real(partnerId, { ...req, accept: (d) => (drafts.push(d), req.accept!(d)) }));
      const done = await service.confirm(me(), confirmOf(q));
      assert.ok(done.status === 'created');
      sinon.assert.notCalled(customerSku);
      sinon.assert.calledOnce(createOrder);
      const accept = createOrder.firstCall.args[1].accept!;
      const draft = drafts[0]!;
      assert.deepEqual([draft.customer.id, draft.totalMinor, draft.lines.length], [q.customer.id, q.totalMinor, 1]);
      assert.equal(accept(draft), true, 'the reviewed terms');
      assert.equal(accept({ ...draft, totalMinor: q.totalMinor + 1 }), false, 'another total');
      assert.equal(accept({ ...draft, lines: [{ ...draft.lines[0]!, unitPriceMinor: q.unitPriceMinor + 1 }] }), false, 'another unit price');
      assert.equal(accept({ ...draft, taxIncluded: true }), false, 'another tax treatment');
      assert.equal(accept({ ...draft, lines: [{ ...draft.lines[0]!, cancellation: { cancellable: false, windowDays: 0, creditPolicy: 'none' } }] }), false, 'other cancellation terms');
      assert.equal(accept({ ...draft, lines: [draft.lines[0]!, { ...draft.lines[0]!, lineNumber: 1 }] }), false, 'another shape');
    });

    it('a SKU no longer sold in the market since the review is refused, nothing bought', async () => {
      const sku = await createTestProduct(db, { unitPriceMinor: 5_000 });
      const q = await service.quote(me(), { customerId: w.contosoDe.id, ...sku, quantity: 1 });
      const before = await ordersOf(db, w.contosoDe.id);
      await db.query("DELETE FROM prices WHERE product_id = $1 AND market = 'DE'", [sku.productId]);
      await assert.rejects(service.confirm(me(), confirmOf(q)), refusedWith('not_sold_in_market'));
      assert.equal(await ordersOf(db, w.contosoDe.id), before);
    });

    it('R3: when the list changes between the re-quote and the order, the backend refusal is passed on with its list', async () => {
      // The service's availability check says yes (as if Andorra had just been removed from the list
      // it read) while the backend, ordering, still finds Andorra on the list.
      const real = commerce.customerSku.bind(commerce);
      sandbox.stub(commerce, 'customerSku').callsFake(async (partnerId, customerId, ref) => {
        const read = await real(partnerId, customerId, ref);
        return read && { ...read, found: read.found && { ...read.found, reservationBlockedBy: null } };
      });
      const q = await service.quote(me(), { customerId: w.andorra.id, ...VM_RESERVATION_1Y, quantity: 1 });
      await assert.rejects(service.confirm(me(), confirmOf(q)), (e: unknown) => {
        assert.ok(isPurchaseError(e, 'azure_reservation_unavailable'));
        assert.deepEqual(e.refusal, { code: 'azure_reservation_unavailable', productId: VM_RESERVATION_1Y.productId, market: 'AD', marketName: 'Andorra', listVersion: R3_LIST_VERSION });
        return true;
      });
      assert.equal(await ordersOf(db, w.andorra.id), 0);
    });
  });

  describe('purchaseIdempotencyKey', () => {
    it('is stable for one review and differs between reviews and flows', () => {
      const flow = randomUUID();
      assert.equal(purchaseIdempotencyKey(flow, 1), purchaseIdempotencyKey(flow, 1));
      assert.notEqual(purchaseIdempotencyKey(flow, 1), purchaseIdempotencyKey(flow, 2));
      assert.notEqual(purchaseIdempotencyKey(flow, 1), purchaseIdempotencyKey(randomUUID(), 1));
      assert.throws(() => purchaseIdempotencyKey('', 1), RangeError);
      assert.throws(() => purchaseIdempotencyKey(flow, 0), RangeError);
    });
  });
});
