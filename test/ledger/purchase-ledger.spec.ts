/**
 * The bot's own ledger of purchases: the purchase writes it for every backend, exactly once
 * per order however often it is confirmed, a repeat fills in a record a crash left out, and
 * keys and downloads work from the ledger alone — also for a purchase whose backend the
 * embedded tables know nothing of (as with Partner Center).
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import sinon from 'sinon';
import { inTransaction } from '../../services/db/pool.js';
import { purchaseIdempotencyKey } from '../../services/purchase/purchase-service.js';
import type { Order } from '../../services/commerce/types.js';
import { PurchaseLedger } from '../../services/ledger/purchase-ledger.js';
import { createCustomer } from '../commerce/factories.js';
import { testDb } from '../support/db.js';
import { actorOf, createService, createWorld, WS_DATACENTER_1Y, type World } from '../purchase/fixtures.js';
import { ADMIN_AGENT, createSoftwareService, WS2025_DE_ISO, PRODUCT_KEY } from '../software/fixtures.js';

describe('services/ledger/purchase-ledger', () => {
  const db = testDb();
  const clock = { now: new Date('2025-05-05T08:00:00Z') };
  const { service, ledger } = createService(db, clock);
  let w: World;
  before(async () => {
    w = await createWorld(db);
  });

  async function confirmOnce(customerId: string, key: string) {
    const me = actorOf(w.a, ['admin_agent']);
    const quote = await service.quote(me, { customerId, ...WS_DATACENTER_1Y, quantity: 8 });
    return service.confirm(me, { customerId, ...WS_DATACENTER_1Y, quantity: 8, priceFingerprint: quote.priceFingerprint, idempotencyKey: key });
  }
  const purchaseRows = async (orderId: string) => (await db.query('SELECT 1 FROM purchases WHERE order_id = $1', [orderId])).rowCount;

  it('a confirmed purchase is recorded with its lines, policy snapshot, the backend and its reference', async () => {
    const customer = await createCustomer(db, w.a, { companyName: 'Ledger One GmbH', billingCountry: 'DE' });
    const r = await confirmOnce(customer.id, purchaseIdempotencyKey(randomUUID(), 1));
    assert.ok(r.status === 'created');
    const p = await ledger.get(w.a.partnerId, r.order.orderId);
    assert.ok(p);
    assert.deepEqual(
      { customerId: p.customerId, purchasedBy: p.purchasedBy, purchasedAt: p.purchasedAt.toISOString(), status: p.status, backend: p.backend, ref: p.backendRef, currency: p.currency, total: p.totalMinor },
      { customerId: customer.id, purchasedBy: w.a.userId, purchasedAt: clock.now.toISOString(), status: 'active', backend: 'embedded', ref: { orderId: r.order.orderId }, currency: 'EUR', total: r.order.totalMinor },
    );
    assert.equal(p.lines.length, 1);
    assert.deepEqual(
      { ...p.lines[0], title: undefined },
      { lineNumber: 0, productId: WS_DATACENTER_1Y.productId, skuId: WS_DATACENTER_1Y.skuId, productKind: 'server_subscription', title: undefined, quantity: 8, term: 'P1Y', billing: 'one_time',
        unitPriceMinor: p.lines[0]!.unitPriceMinor, lineTotalMinor: p.totalMinor, cancellation: { cancellable: true, windowDays: 60, creditPolicy: 'prorated' } },
    );
    assert.equal(await ledger.get(w.b.partnerId, r.order.orderId), null, "another partner's ledger does not have it");
  });

  it('a repeated confirm records nothing twice, and fills in a record that a crash after the order left out', async () => {
    const customer = await createCustomer(db, w.a, { companyName: 'Ledger Two GmbH', billingCountry: 'DE' });
    const key = purchaseIdempotencyKey(randomUUID(), 1);
    const [a, b] = await Promise.all([confirmOnce(customer.id, key), confirmOnce(customer.id, key)]);
    assert.ok(a.status !== 'priceChanged' && b.status !== 'priceChanged');
    assert.equal(a.order.orderId, b.order.orderId);
    assert.equal(await purchaseRows(a.order.orderId), 1);
    assert.equal((await db.query('SELECT 1 FROM purchase_lines WHERE order_id = $1', [a.order.orderId])).rowCount, 1);
    // As if the process died between the backend's answer and the ledger's write.
    await db.query('DELETE FROM purchases WHERE order_id = $1', [a.order.orderId]);
    const again = await confirmOnce(customer.id, key);
    assert.equal(again.status, 'existing');
    assert.equal(await purchaseRows(a.order.orderId), 1);
  });

  it("keys and downloads stand on the ledger alone: a purchase another backend holds (no embedded order) gets its key and link", async () => {
    const h = createSoftwareService(db, clock.now);
    const customer = await createCustomer(db, w.a, { companyName: 'Elsewhere GmbH', billingCountry: 'DE' });
    const orderId = `PC-${randomUUID()}`;
    const order: Order = {
      id: orderId, partnerId: w.a.partnerId, customerId: customer.id, createdBy: w.a.userId, status: 'completed', purchasedAt: clock.now,
      market: 'DE', currency: 'EUR', taxIncluded: false, totalMinor: 100_00,
      lines: [{ lineNumber: 0, ...WS_DATACENTER_1Y, productKind: 'server_subscription', title: 'Windows Server Datacenter – 2 Core', quantity: 8, term: 'P1Y', billing: 'annual',
        unitPriceMinor: 12_50, lineTotalMinor: 100_00, cancellation: { cancellable: true, windowDays: 60, creditPolicy: 'prorated' } }],
    };
    await new PurchaseLedger(db).record({ order, backend: 'other_backend', backendRef: { cartId: 'c-1', lineItemIds: [1] } });
    assert.equal((await db.query('SELECT 1 FROM orders WHERE id = $1', [orderId])).rowCount, 0, 'the embedded backend has no such order');
    const me = actorOf(w.a, ADMIN_AGENT);
    const list = await h.service.list(me, customer.id);
    assert.deepEqual(list.items.map((i) => [i.orderId, i.keyAvailable]), [[orderId, true]]);
    const keys = await h.service.getKeysAndDownload(me, { customerId: customer.id, orderId, lineNumber: 0, ...WS2025_DE_ISO });
    assert.match(keys.activationKey, PRODUCT_KEY);
    // R19 from the ledger's status.
    await ledger.setStatus(db, { partnerId: w.a.partnerId, orderId, status: 'cancelled', at: clock.now });
    assert.deepEqual((await h.service.list(me, customer.id)).items.map((i) => [i.orderStatus, i.keyAvailable]), [['cancelled', false]]);
  });

  /** An order as another backend would answer it, with an id of that backend's own. */
  function foreignOrder(partnerId: number, customerId: string, orderId: string, createdBy: number): Order {
    return {
      id: orderId, partnerId, customerId, createdBy, status: 'completed', purchasedAt: clock.now, market: 'DE', currency: 'EUR', taxIncluded: false, totalMinor: 100_00,
      lines: [{ lineNumber: 0, ...WS_DATACENTER_1Y, productKind: 'server_subscription', title: 'Windows Server Datacenter – 2 Core', quantity: 8, term: 'P1Y', billing: 'annual',
        unitPriceMinor: 12_50, lineTotalMinor: 100_00, cancellation: { cancellable: true, windowDays: 60, creditPolicy: 'prorated' } }],
    };
  }

  it("partner isolation: two partners whose backends gave the same order id get their own keys, and one's revocation is not the other's", async () => {
    const h = createSoftwareService(db, clock.now);
    const orderId = `SHARED-${randomUUID().slice(0, 8)}`;
    const mineA = await createCustomer(db, w.a, { companyName: 'Shared Id A GmbH', billingCountry: 'DE' });
    const mineB = await createCustomer(db, w.b, { companyName: 'Shared Id B GmbH', billingCountry: 'DE' });
    await ledger.record({ order: foreignOrder(w.a.partnerId, mineA.id, orderId, w.a.userId), backend: 'other_backend' });
    await ledger.record({ order: foreignOrder(w.b.partnerId, mineB.id, orderId, w.b.userId), backend: 'other_backend' });
    const keyA = await h.service.getKeysAndDownload(actorOf(w.a, ADMIN_AGENT), { customerId: mineA.id, orderId, lineNumber: 0, ...WS2025_DE_ISO });
    const keyB = await h.service.getKeysAndDownload(actorOf(w.b, ADMIN_AGENT), { customerId: mineB.id, orderId, lineNumber: 0, ...WS2025_DE_ISO });
    assert.notEqual(keyA.activationKey, keyB.activationKey, 'each partner has its own key');
    await inTransaction(db, (tx) => h.service.revokePurchase(tx, { partnerId: w.a.partnerId, orderId, reason: 'cancelled' }));
    assert.deepEqual((await h.service.list(actorOf(w.a, ADMIN_AGENT), mineA.id)).items.map((i) => i.keyAvailable), [false]);
    assert.deepEqual((await h.service.list(actorOf(w.b, ADMIN_AGENT), mineB.id)).items.map((i) => i.keyAvailable), [true], "B's purchase is untouched");
    const again = await h.service.getKeysAndDownload(actorOf(w.b, ADMIN_AGENT), { customerId: mineB.id, orderId, lineNumber: 0, ...WS2025_DE_ISO });
    assert.equal(again.activationKey, keyB.activationKey);
  });

  it('a ledger write that fails after the order is bought still answers the order (no second purchase), and listing the orders fills the record in', async () => {
    const customer = await createCustomer(db, w.a, { companyName: 'Ledger Down GmbH', billingCountry: 'DE' });
    const failing = sinon.stub(ledger, 'record').rejects(new Error('connection terminated'));
    let r;
    try {
      r = await confirmOnce(customer.id, purchaseIdempotencyKey(randomUUID(), 1));
    } finally {
      failing.restore();
    }
    assert.equal(r.status, 'created', 'the user is told the order was placed');
    assert.ok(r.status === 'created');
    assert.equal(failing.callCount, 3, 'tried a few times');
    assert.equal(await purchaseRows(r.order.orderId), 0);
    const history = await service.orders(actorOf(w.a, ['admin_agent']), customer.id);
    assert.deepEqual(history.orders.map((o) => o.orderId), [r.order.orderId]);
    assert.equal(await purchaseRows(r.order.orderId), 1, 'recorded when its orders were listed');
    assert.equal((await ledger.standing([], 'embedded')).size, 0);
  });
});
