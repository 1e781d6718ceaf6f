/**
 * PartnerCenterCommerceBackend (services/partner-center/backend.ts, orders.ts) against the local
 * fake Partner Center: the purchase — cart → checkout exactly once per idempotency key, whatever
 * fails on the way — its refusals, and reading orders back. The catalog is the catalog tables
 * (as the refresh job leaves them) and a stand-in for the fresh availability read; the catalog
 * refresh itself is ./catalog.spec.ts's.
 */
import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { isCommerceError, type CommerceErrorCode } from '../../services/commerce/errors.js';
import type { CreateOrderRequest, SkuRef } from '../../services/commerce/types.js';
import type { Db } from '../../services/db/pool.js';
import { importFile } from '../../services/import.js';
import { PartnerCenterCommerceBackend, type PartnerCenterCatalogReads } from '../../services/partner-center/backend.js';
import { PartnerCenterError } from '../../services/partner-center/errors.js';
import { PurchaseInProgressError } from '../../services/partner-center/orders.js';
import { partnerCenterReplies as replies, startFakePartnerCenter, type FakePartnerCenter, fakePartnerCenterClient } from '../fakes/partner-center.js';
import { createPartner, ensureDemoData, type TestPartner } from '../commerce/factories.js';
import { testDb } from '../support/db.js';

const AVAILABILITY = 'DZH318XZXVNF';

/** A server subscription product of its own, SKUs 0001 and 0002, priced in Germany (EUR 365.00 and 120.00). */
async function createProduct(db: Db): Promise<{ one: SkuRef; two: SkuRef; productId: string }> {
  const productId = `PC${randomBytes(5).toString('hex').toUpperCase()}`;
  const sku = (id: string, title: string) => ({ productId, id, title, term: 'P1Y' as const, billing: 'annual' as const, minQuantity: 1, maxQuantity: 10 });
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Windows Server test ${productId}`, description: 'for the Partner Center backend' }],
    skus: [sku('0001', '1 year'), sku('0002', 'CAL 1 year')],
    prices: [
      { productId, skuId: '0001', market: 'DE', currency: 'EUR', unitPriceMinor: 36_500, effectiveFrom: '2020-01-01' },
      { productId, skuId: '0002', market: 'DE', currency: 'EUR', unitPriceMinor: 12_000, effectiveFrom: '2020-01-01' },
    ],
  });
  return { productId, one: { productId, skuId: '0001' }, two: { productId, skuId: '0002' } };
}

describe('services/partner-center/backend (purchase and orders)', () => {
  let fake: FakePartnerCenter;
  let db: Db;
  let partner: TestPartner;
  let product: Awaited<ReturnType<typeof createProduct>>;
  let customerId: string;
  /** What the stand-in catalog answers. */
  let purchasable: boolean;
  let prerequisites: string[];
  let availabilityReads: number;

  before(async () => {
    fake = await startFakePartnerCenter();
    db = testDb();
    await ensureDemoData(db);
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    partner = await createPartner(db);
    product = await createProduct(db);
    customerId = fake.addCustomer({ companyName: 'Contoso GmbH', country: 'DE' }).id;
    purchasable = true;
    prerequisites = [];
    availabilityReads = 0;
  });

  const catalog: PartnerCenterCatalogReads = {
    readAvailability: (_customer, ref) => {
      availabilityReads++;
      return Promise.resolve({ catalogItemId: `${ref.productId}:${ref.skuId}:${AVAILABILITY}`, isPurchasable: purchasable });
    },
    prerequisitesOf: () => Promise.resolve(prerequisites),
  };

  function backend(opts: { maxRetries?: number; now?: () => Date } = {}): PartnerCenterCommerceBackend {
    const http = fakePartnerCenterClient(fake, { timeoutMs: 2_000, ...(opts.maxRetries === undefined ? {} : { maxRetries: opts.maxRetries }) });
    return new PartnerCenterCommerceBackend({ http, db, partnerId: partner.partnerId, tables: new EmbeddedCommerceBackend(db), catalog, ...(opts.now ? { now: opts.now } : {}) });
  }

  function request(over: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
    return { customerId, createdBy: partner.userId, lines: [{ ...product.one, quantity: 2 }], idempotencyKey: `buy-${randomUUID()}`, ...over };
  }

  async function refusal(promise: Promise<unknown>, code: CommerceErrorCode): Promise<Record<string, unknown>> {
    try {
      await promise;
    } catch (err) {
      if (isCommerceError(err)) {
        assert.equal(err.code, code, err.message);
        return err.details as unknown as Record<string, unknown>;
      }
      throw err;
    }
    assert.fail(`expected ${code}`);
  }

  const writes = () => fake.calls.filter((c) => c.method === 'POST');

  it('buys with one cart and one checkout, each with its own MS-RequestId, and answers the order priced from the catalog', async () => {
    const b = backend();
    const offers = await b.customerOffers(partner.partnerId, customerId, { productId: product.productId });
    assert.equal(offers?.customer.market.countryCode, 'DE');
    assert.deepEqual(offers?.offers[0]?.skus.map((s) => [s.skuId, s.price.unitPriceMinor, s.price.currency]), [['0001', 36_500, 'EUR'], ['0002', 12_000, 'EUR']]);
    const before = fake.calls.length;

    const result = await b.createOrder(partner.partnerId, request());

    assert.equal(result.created, true);
    const [cart, checkout, ...rest] = fake.calls.slice(before);
    assert.deepEqual([cart?.kind, checkout?.kind, rest.length], ['carts.create', 'carts.checkout', 0], 'the customer came from the cache: two round trips');
    assert.deepEqual(cart?.body.lineItems, [{ id: 0, catalogItemId: `${product.one.productId}:0001:${AVAILABILITY}`, quantity: 2, billingCycle: 'annual', termDuration: 'P1Y' }]);
    assert.match(String(cart?.headers['ms-requestid']), /^[0-9a-f-]{36}$/);
    assert.match(String(checkout?.headers['ms-requestid']), /^[0-9a-f-]{36}$/);
    assert.notEqual(cart?.headers['ms-requestid'], checkout?.headers['ms-requestid']);
    assert.equal(cart?.headers['ms-correlationid'], checkout?.headers['ms-correlationid'], 'one user action, one correlation id');
    assert.equal(fake.checkouts.length, 1);
    const { order } = result;
    assert.equal(order.id, fake.checkouts[0]!.orderIds[0]);
    assert.deepEqual([order.currency, order.market, order.totalMinor, order.status], ['EUR', 'DE', 73_000, 'pending']);
    assert.deepEqual(order.lines.map((l) => [l.lineNumber, l.productId, l.skuId, l.quantity, l.unitPriceMinor, l.productKind]), [[0, product.productId, '0001', 2, 36_500, 'server_subscription']]);
    assert.equal(result.reference.orderId, order.id);
    assert.equal(availabilityReads, 1);
  });

  it('answers a repeat of the key with the same order and no call; the same key for another purchase is idempotency_conflict', async () => {
    const b = backend();
    const req = request();
    const first = await b.createOrder(partner.partnerId, req);
    const calls = fake.calls.length;
    const again = await b.createOrder(partner.partnerId, req);
    assert.equal(again.created, false);
    assert.equal(again.order.id, first.order.id);
    assert.equal(fake.calls.length, calls);
    await refusal(b.createOrder(partner.partnerId, { ...req, lines: [{ ...product.one, quantity: 3 }] }), 'idempotency_conflict');
  });

  it('a checkout whose connection drops is sent again with the same MS-RequestId: one order', async () => {
    const b = backend();
    let dropped = false;
    fake.script((call) => {
      if (call.kind !== 'carts.checkout' || dropped) return undefined;
      dropped = true;
      return { drop: true };
    });
    const result = await b.createOrder(partner.partnerId, request());
    const ids = fake.callsTo('carts.checkout').map((c) => c.headers['ms-requestid']);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
    assert.equal(fake.checkouts.length, 1);
    assert.equal(result.order.id, fake.checkouts[0]!.orderIds[0]);
  });

  it('a checkout that timed out for good is carried on by the repeat with the same MS-RequestId and cart: one order', async () => {
    const b = backend({ maxRetries: 1 });
    const req = request();
    // Every checkout attempt of the first call: the fake makes the order, the answer never arrives in time.
    let late = 2;
    fake.script((call) => (call.kind === 'carts.checkout' && late-- > 0 ? { delayMs: 2_500 } : undefined));
    await assert.rejects(b.createOrder(partner.partnerId, req), (err) => err instanceof PartnerCenterError && err.kind === 'timeout');
    assert.equal(fake.checkouts.length, 1, 'Partner Center made the order once although nobody heard of it');
    const firstIds = new Set(fake.callsTo('carts.checkout').map((c) => c.headers['ms-requestid']));
    assert.equal(firstIds.size, 1);

    const repeat = await b.createOrder(partner.partnerId, req);
    assert.equal(repeat.created, true, 'the first call never answered with an order');
    assert.equal(fake.callsTo('carts.create').length, 1, 'the recorded cart is reused');
    assert.deepEqual(new Set(fake.callsTo('carts.checkout').map((c) => c.headers['ms-requestid'])), firstIds);
    assert.equal(fake.checkouts.length, 1);
    assert.equal(repeat.order.id, fake.checkouts[0]!.orderIds[0]);
  });

  it('a checkout answered "under way / ordered already" (409 800064, 400 800065) is never recorded as refused: in progress, and the repeat gets the order', async () => {
    const b = backend();
    const req = request();
    fake.script((call) => (call.kind === 'carts.checkout' && fake.callsTo('carts.checkout').length === 0 ? replies.classicError(409, 800064, 'The cart is being processed') : undefined));
    await assert.rejects(b.createOrder(partner.partnerId, req), (err: unknown) => err instanceof PurchaseInProgressError);
    const { rows } = await db.query<{ state: string }>('SELECT state FROM partner_center_purchases WHERE partner_id = $1 AND idempotency_key = $2', [partner.partnerId, req.idempotencyKey]);
    assert.equal(rows[0]?.state, 'pending');
    fake.script(undefined);
    const result = await b.createOrder(partner.partnerId, req);
    assert.equal(result.order.id, fake.checkouts[0]!.orderIds[0]);
    const ids = fake.callsTo('carts.checkout').map((c) => c.headers['ms-requestid']);
    assert.deepEqual([ids.length, ids[0] === ids[1]], [2, true]);
  });

  it('a 429 at checkout is waited out (Retry-After) and repeated with the same MS-RequestId', async () => {
    const b = backend();
    fake.script((call) => (call.kind === 'carts.checkout' && fake.callsTo('carts.checkout').length === 0 ? replies.throttled(1) : undefined));
    const result = await b.createOrder(partner.partnerId, request());
    const ids = fake.callsTo('carts.checkout').map((c) => c.headers['ms-requestid']);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
    assert.equal(fake.checkouts.length, 1);
    assert.ok(result.order.id);
  });

  it('two requests with one key at the same moment make one cart and one checkout', async () => {
    const b1 = backend();
    const b2 = backend();
    const req = request();
    fake.script((call) => (call.kind === 'carts.create' ? { delayMs: 200 } : undefined));
    const [x, y] = await Promise.all([b1.createOrder(partner.partnerId, req), b2.createOrder(partner.partnerId, req)]);
    assert.equal(x.order.id, y.order.id);
    assert.deepEqual([x.created, y.created].sort(), [false, true]);
    assert.equal(fake.callsTo('carts.create').length, 1);
    assert.equal(fake.checkouts.length, 1);
  });

  it('reports a checkout that bought only part (orders and orderErrors)', async () => {
    const b = backend();
    fake.checkoutMode({ mode: 'partial', failOffers: [`${product.productId}:0002`], code: 800009, description: 'The item cannot be bought now' });
    const result = await b.createOrder(partner.partnerId, request({ lines: [{ ...product.one, quantity: 1 }, { ...product.two, quantity: 1 }] }));
    assert.deepEqual(result.order.lines.map((l) => l.skuId), ['0001']);
    assert.equal(result.order.totalMinor, 36_500);
    assert.deepEqual(result.partial?.notBought, [{ lineIndexes: [1], code: '800009', message: 'The item cannot be bought now' }]);
  });

  it('a checkout that bought nothing is purchase_refused with Partner Center’s code, and so is every repeat, with no call', async () => {
    const b = backend();
    const req = request();
    fake.checkoutMode({ mode: 'partial', failOffers: [product.productId], code: 800009, description: 'The item cannot be bought now' });
    const details = await refusal(b.createOrder(partner.partnerId, req), 'purchase_refused');
    assert.deepEqual([details.partnerCenterCode, details.description], ['800009', 'The item cannot be bought now']);
    const calls = fake.calls.length;
    await refusal(b.createOrder(partner.partnerId, req), 'purchase_refused');
    assert.equal(fake.calls.length, calls);
  });

  it('a catalog item no longer purchasable: at the availability read (nothing sent) or in the cart (no checkout) → not_purchasable', async () => {
    const b = backend();
    purchasable = false;
    await b.getCustomer(partner.partnerId, customerId);
    const calls = fake.calls.length;
    const details = await refusal(b.createOrder(partner.partnerId, request()), 'not_purchasable');
    assert.deepEqual([details.productId, details.skuId, details.lineIndex], [product.productId, '0001', 0]);
    assert.equal(fake.calls.length, calls);

    purchasable = true;
    fake.cartLineError(`${product.productId}:0001`, { errorCode: 800089, errorDescription: 'Exceeded the remaining limit of 0 assets' });
    const req = request();
    const inCart = await refusal(b.createOrder(partner.partnerId, req), 'not_purchasable');
    assert.equal(inCart.partnerCenterCode, '800089');
    assert.equal(fake.callsTo('carts.checkout').length, 0);
    await refusal(b.createOrder(partner.partnerId, req), 'not_purchasable');
  });

  it('refuses a SKU that needs an inventory check or a subscription registration, before anything is sent', async () => {
    const b = backend();
    prerequisites = ['InventoryCheck'];
    const details = await refusal(b.createOrder(partner.partnerId, request()), 'purchase_prerequisite');
    assert.equal(details.prerequisite, 'InventoryCheck');
    assert.equal(writes().length, 0);
  });

  it('buys nothing when the caller does not accept the draft, and hands it the customer and prices', async () => {
    const b = backend();
    let seen: unknown;
    await refusal(b.createOrder(partner.partnerId, request({ accept: (d) => ((seen = [d.customer.companyName, d.totalMinor, d.currency]), false) })), 'draft_not_accepted');
    assert.deepEqual(seen, ['Contoso GmbH', 73_000, 'EUR']);
    assert.equal(writes().length, 0);
  });

  it('another partner’s tenant, an unknown customer or another partner of the bot: customer_not_found, nothing sent', async () => {
    const b = backend();
    const other = fake.addOtherPartnersTenant();
    await refusal(b.createOrder(partner.partnerId, request({ customerId: other })), 'customer_not_found');
    await refusal(b.createOrder(partner.partnerId, request({ customerId: randomUUID() })), 'customer_not_found');
    const elsewhere = await createPartner(db, 'Another partner');
    await refusal(b.createOrder(elsewhere.partnerId, request()), 'customer_not_found');
    assert.equal(writes().length, 0);
  });

  it('Partner Center down during the purchase: thrown (transient), nothing ordered; the repeat buys once', async () => {
    const b = backend({ maxRetries: 1 });
    const req = request();
    await b.getCustomer(partner.partnerId, customerId);
    fake.script((call) => (call.kind === 'carts.create' ? replies.unavailable() : undefined));
    await assert.rejects(b.createOrder(partner.partnerId, req), (err) => err instanceof PartnerCenterError && err.kind === 'unavailable');
    assert.equal(fake.checkouts.length, 0);
    fake.script(undefined);
    const result = await b.createOrder(partner.partnerId, req);
    assert.equal(result.created, true);
    assert.equal(fake.checkouts.length, 1);
    assert.equal(new Set(fake.callsTo('carts.create').map((c) => c.headers['ms-requestid'])).size, 1, 'the cart request id was kept');
  });

  it('a repeat while another process holds the purchase waits for its outcome', async () => {
    const b = backend();
    const req = request();
    fake.script((call) => (call.kind === 'carts.checkout' ? { delayMs: 1_500 } : undefined));
    const first = b.createOrder(partner.partnerId, req);
    // Until the first has recorded the purchase.
    for (let i = 0; i < 200 && fake.callsTo('carts.checkout').length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const [a, c] = await Promise.all([first, backend().createOrder(partner.partnerId, req)]);
    assert.equal(a.order.id, c.order.id);
    assert.equal(fake.checkouts.length, 1);
  });

  describe('made ahead while the review is shown (prepareOrder)', () => {
    it('the review makes the availability read and the cart; the confirm sends the checkout alone', async () => {
      const b = backend();
      const req = request();
      await b.getCustomer(partner.partnerId, customerId);
      const before = fake.calls.length;
      await b.prepareOrder(partner.partnerId, req);
      assert.deepEqual(fake.calls.slice(before).map((c) => c.kind), ['carts.create']);
      assert.equal(availabilityReads, 1);
      assert.equal(fake.checkouts.length, 0, 'nothing bought at the review');

      const mid = fake.calls.length;
      const result = await b.createOrder(partner.partnerId, req);
      assert.deepEqual(fake.calls.slice(mid).map((c) => c.kind), ['carts.checkout'], 'one round trip on the confirm');
      assert.equal(availabilityReads, 1);
      assert.equal(result.created, true);
      assert.equal(result.order.id, fake.checkouts[0]!.orderIds[0]);
      assert.equal(fake.checkouts[0]!.cartId, [...fake.carts.keys()][0], 'the cart made at the review');
      // The review shown again with the same key (a resend) changes nothing.
      await b.prepareOrder(partner.partnerId, req);
      assert.equal(fake.callsTo('carts.create').length, 1);
    });

    it('a cart that expired before the confirm is made again, with new request ids; the checkout is sent once', async () => {
      let clock = new Date();
      const b = backend({ now: () => clock });
      const req = request();
      await b.prepareOrder(partner.partnerId, req);
      const firstCart = fake.callsTo('carts.create')[0]!;
      clock = new Date(clock.getTime() + 8 * 86_400_000);
      const result = await b.createOrder(partner.partnerId, req);
      const carts = fake.callsTo('carts.create');
      assert.equal(carts.length, 2);
      assert.notEqual(carts[1]!.headers['ms-requestid'], firstCart.headers['ms-requestid']);
      assert.equal(availabilityReads, 2, 'the new cart takes a fresh availability');
      assert.equal(fake.checkouts.length, 1);
      assert.equal(fake.checkouts[0]!.cartId, [...fake.carts.keys()][1]);
      assert.equal(result.order.id, fake.checkouts[0]!.orderIds[0]);
    });

    it('refuses at the review what the purchase would refuse, and the confirm answers the same', async () => {
      const b = backend();
      const req = request();
      fake.cartLineError(`${product.productId}:0001`, { errorCode: 800089, errorDescription: 'No longer sold' });
      await refusal(b.prepareOrder(partner.partnerId, req), 'not_purchasable');
      const calls = fake.calls.length;
      await refusal(b.createOrder(partner.partnerId, req), 'not_purchasable');
      assert.equal(fake.calls.length, calls, 'answered from the record');
    });

    it('Partner Center down at the review: the confirm does it all, with the recorded ids', async () => {
      const b = backend({ maxRetries: 0 });
      const req = request();
      fake.script((call) => (call.kind === 'carts.create' && fake.callsTo('carts.create').length === 0 ? replies.unavailable() : undefined));
      await assert.rejects(b.prepareOrder(partner.partnerId, req), (err) => err instanceof PartnerCenterError);
      const result = await b.createOrder(partner.partnerId, req);
      const ids = fake.callsTo('carts.create').map((c) => c.headers['ms-requestid']);
      assert.deepEqual([ids.length, ids[0] === ids[1]], [2, true]);
      assert.equal(fake.checkouts.length, 1);
      assert.equal(result.created, true);
    });

    it('a catalog price changed between the review and the confirm: nothing checked out, draft_not_accepted (the caller shows the new price)', async () => {
      const b = backend();
      const req = request({ accept: (d) => d.totalMinor === 73_000 });
      await b.prepareOrder(partner.partnerId, req);
      await db.query('UPDATE prices SET unit_price_minor = 40000 WHERE product_id = $1 AND sku_id = $2', [product.productId, '0001']);
      await refusal(b.createOrder(partner.partnerId, req), 'draft_not_accepted');
      assert.equal(fake.callsTo('carts.checkout').length, 0);
    });

    it('a confirm pressed while the review is still making the cart waits for it, then checks out once', async () => {
      const b = backend();
      const req = request();
      fake.script((call) => (call.kind === 'carts.create' ? { delayMs: 400 } : undefined));
      const preparing = b.prepareOrder(partner.partnerId, req);
      for (let i = 0; i < 200 && fake.callsTo('carts.create').length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const [, result] = await Promise.all([preparing, backend().createOrder(partner.partnerId, req)]);
      assert.equal(fake.callsTo('carts.create').length, 1);
      assert.equal(fake.checkouts.length, 1);
      assert.equal(result.order.id, fake.checkouts[0]!.orderIds[0]);
    });
  });

  it('lists the customer’s orders newest first — Partner Center’s with their prices, the bot’s not listed yet from its own record — and reads one', async () => {
    const b = backend();
    const old = fake.addOrder({ customerId, creationDate: new Date(Date.now() - 86_400_000), lineItems: [{ lineItemNumber: 0, offerId: `${product.productId}:0002:${AVAILABILITY}`, quantity: 3, termDuration: 'P1Y' }] });
    fake.offerPrice(`${product.productId}:0002`, 99.5);
    await b.getCustomer(partner.partnerId, customerId);
    const bought = await b.createOrder(partner.partnerId, request());
    // Partner Center lists a new order only after a while: hide it from the list.
    fake.orders.splice(fake.orders.findIndex((o) => o.id === bought.order.id), 1);

    const page = await b.listOrders(partner.partnerId, customerId, { limit: 10 });
    assert.equal(page.total, 2);
    assert.deepEqual(page.orders.map((o) => o.id), [bought.order.id, old.id]);
    const listed = page.orders[1]!;
    assert.deepEqual(listed.lines.map((l) => [l.lineNumber, l.skuId, l.quantity, l.unitPriceMinor, l.lineTotalMinor, l.productKind]), [[0, '0002', 3, 9_950, 29_850, 'server_subscription']]);
    assert.deepEqual([listed.currency, listed.status], ['USD', 'completed']);
    assert.deepEqual((await b.listOrders(partner.partnerId, customerId, { limit: 1, offset: 1 })).orders.map((o) => o.id), [old.id]);

    assert.equal((await b.getOrder(partner.partnerId, bought.order.id))?.id, bought.order.id, 'from the bot’s record while Partner Center does not show it');
    assert.equal(await b.getOrder(partner.partnerId, old.id), null, 'an order the bot never saw: its customer is unknown');
    assert.deepEqual(await b.listOrders(partner.partnerId, fake.addOtherPartnersTenant()), { orders: [], total: 0 });
  });
});
