/**
 * The bot's own ledger of purchases: the purchase writes it for every backend, exactly once
 * per order however often it is confirmed, a repeat fills in a record a crash left out, and
 * keys and downloads work from the ledger alone — also for a purchase whose backend the
 * embedded tables know nothing of (as with Partner Center).
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
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
});
