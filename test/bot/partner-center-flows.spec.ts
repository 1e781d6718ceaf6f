/**
 * Issue 12: the flows the embedded backend passes — buy, orders, keys, cancel — on the Partner
 * Center backend, end to end: the real bot server (COMMERCE_BACKEND=partner-center) and a worker,
 * talking to the local fake Partner Center (test/fakes/partner-center.ts), driven over Teams
 * (/api/messages: typed text answered in the response, card clicks as Action.Execute invokes).
 *
 * The backend is built here as test/commerce/partner-center-contract.spec.ts builds it
 * (PartnerCenterCommerceBackend over a PartnerCenterHttp on the fake, the real
 * PartnerCenterCatalog for the availability read at purchase time) and handed to the bot and the
 * worker as `commerce` — what openCommerce() builds from the same configuration, less the
 * token exchange (test/partner-center/auth.spec.ts's business). The catalog tables hold the demo
 * catalog (as a refresh would leave them); the fake's catalog sells the same SKU in the customer's
 * market. Keys and download links are the bot's own records, whichever backend sold the purchase.
 */
import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { startBotServer, type BotServer } from '../../bot/server.js';
import { startWorker, type WorkerProcess } from '../../bot/worker.js';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { loadConfig } from '../../services/config.js';
import type { Db } from '../../services/db/pool.js';
import { PartnerCenterCommerceBackend } from '../../services/partner-center/backend.js';
import { PartnerCenterCatalog } from '../../services/partner-center/catalog.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';
import { objects, teamsSubmits } from '../cards/inspect.js';
import { ensureDemoData } from '../commerce/factories.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { partnerCenterReplies, startFakePartnerCenter, type FakePartnerCenter, fakePartnerCenterClient } from '../fakes/partner-center.js';
import { TestBackends, eventually, isolatedDb, silentLogger } from '../jobs/support.js';
import { WS_DATACENTER_1Y } from '../purchase/fixtures.js';
import { TEST_KEY_ENCRYPTION_KEY, cardText } from '../support/bot-harness.js';
import { createCardActionInvoke, createMessageActivity, createPartner, createUser, type TestPartner } from '../support/factories.js';

const CARD = 'application/vnd.microsoft.card.adaptive';
const PRODUCT_KEY = /\b[B-Y2-9]{5}(-[B-Y2-9]{5}){4}\b/;
/** What the fake names its orders: 24 random bytes, base64url (case-sensitive). */
const PC_ORDER_ID = /^[A-Za-z0-9_-]{32}$/;

describe('bot: buy, orders, keys and cancel on the fake Partner Center (COMMERCE_BACKEND=partner-center, over Teams)', function () {
  this.timeout(60_000);
  const backends = new TestBackends();
  let isolated: { db: Db; drop: () => Promise<void> };
  let db: Db;
  let pc: FakePartnerCenter;
  let connector: FakeBotConnector;
  let bot: BotServer;
  let worker: WorkerProcess;
  let partner: TestPartner;
  let admin: { id: number; externalId: string };
  let customer: { id: string; domain: string; name: string };
  let conversationId: string;
  /** The order the buying test placed (the later tests buy one themselves when it did not run). */
  let bought: string | undefined;

  before(async () => {
    // A schema of its own: the worker relays every job intent of the schema it runs on.
    isolated = await isolatedDb('pc_flows');
    db = isolated.db;
    await ensureDemoData(db);
    partner = await createPartner(db, 'Partner Center Partner');
    admin = await createUser(db, partner, { roles: ['admin_agent', 'global_admin'], name: 'Adele Vance' });

    pc = await startFakePartnerCenter();
    const domain = `contosopc${randomBytes(4).toString('hex')}.onmicrosoft.com`;
    const seeded = pc.addCustomer({ companyName: 'Contoso PC GmbH', country: 'DE', domain });
    pc.catalog.setCustomerCountry(seeded.id, 'DE');
    customer = { id: seeded.id, domain, name: 'Contoso PC GmbH' };
    await listInFakeCatalog(pc, new EmbeddedCommerceBackend(db), WS_DATACENTER_1Y.productId, 'DE');

    const http = fakePartnerCenterClient(pc);
    const commerce = new PartnerCenterCommerceBackend({
      http, db, partnerId: partner.id, tables: new EmbeddedCommerceBackend(db), catalog: new PartnerCenterCatalog({ http, db }), logger: silentLogger,
    });
    const env = {
      PORT: '0', HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '2000', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      COMMERCE_BACKEND: 'partner-center', PARTNER_CENTER_TENANT_ID: partner.tenantId, PARTNER_CENTER_APP_ID: randomUUID(),
      PARTNER_CENTER_APP_SECRET: 'unused: the backend is handed in', PARTNER_CENTER_API_URL: pc.url,
      OUTBOX_RELAY_INTERVAL_MS: '100', WORKER_CONCURRENCY: '2',
    };
    const config = loadConfig(env);
    assert.equal(config.commerce.backend, 'partner-center');
    connector = await startFakeBotConnector();
    bot = await startBotServer({ config, db, logger: silentLogger, queuePing: () => Promise.resolve(), commerce });
    worker = startWorker({ config, db, jobs: backends.create('postgres'), logger: silentLogger, commerce: { commerce } });
  });
  after(async () => {
    await worker?.close(2000);
    await bot?.close();
    await backends.cleanup();
    await connector?.close();
    await pc?.close();
    await isolated?.drop();
  });
  beforeEach(() => {
    conversationId = `a:${randomUUID()}`;
    pc.script(undefined);
  });

  async function post(activity: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  /** The user types `text` in the personal chat: the cards the bot answered with (expectReplies). */
  async function type(text: string): Promise<any[]> {
    const res = await post(createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, name: 'Adele Vance', conversationId, serviceUrl: connector.url, text }));
    assert.equal(res.status, 200);
    const cards = (res.body.activities as any[]).flatMap((a) => (a.attachments ?? []).map((att: any) => att.content));
    cards.forEach(assertValidAdaptiveCard);
    return cards;
  }
  /** The user clicks a button whose data is `data` (inputs merged in): the card Teams shows in its place. */
  async function click(data: unknown): Promise<any> {
    const res = await post(createCardActionInvoke({ tenantId: partner.tenantId, aadObjectId: admin.externalId, name: 'Adele Vance', conversationId, serviceUrl: connector.url, data }));
    assert.equal(res.status, 200);
    assert.equal(res.body.type, CARD);
    assertValidAdaptiveCard(res.body.value);
    return res.body.value;
  }
  const text = (card: unknown) => cardText([{ attachments: [{ content: card }] }]);
  function button(card: unknown, pred: (d: any) => boolean, what: string): Record<string, unknown> {
    const found = teamsSubmits(card).find((d: any) => d && pred(d)) as Record<string, unknown> | undefined;
    assert.ok(found, `${what} on the card: ${text(card)}`);
    return found;
  }
  const dataOf = (card: unknown, action: string) => teamsSubmits(card).find((d: any) => d?.action === action);
  const ledgerStatus = async (orderId: string) => (await db.query<{ status: string }>('SELECT status FROM purchases WHERE order_id = $1', [orderId])).rows[0]?.status;

  /** `buy <customer>` → Windows Server Datacenter → SKU 0001 × 16 → the review card. */
  async function review(): Promise<any> {
    const [products] = await type(`buy ${customer.domain}`);
    const product = button(products, (d) => d.action === 'buy.product' && d.productId === WS_DATACENTER_1Y.productId, 'Windows Server Datacenter');
    const skus = await click(product);
    assert.match(text(skus), /Windows Server Datacenter/);
    const reviewCard = await click({ ...button(skus, (d) => d.action === 'buy.review', 'Review'), skuId: WS_DATACENTER_1Y.skuId, quantity: '16' });
    assert.match(text(reviewCard), /Review your purchase/);
    return reviewCard;
  }
  /** The order id the confirmation card shows: the one order the fake made for it. */
  function shownOrderOf(done: unknown, orderIds: string[]): string {
    assert.equal(orderIds.length, 1, 'one Partner Center order');
    const [orderId] = orderIds as [string];
    assert.match(orderId, PC_ORDER_ID);
    assert.ok(text(done).includes(orderId), `the confirmation shows Partner Center's order id ${orderId} as it is: ${text(done)}`);
    return orderId;
  }
  /** The order the buying test placed, or one bought through the bot now. */
  async function purchase(): Promise<string> {
    if (bought) return bought;
    const confirm = button(await review(), (d) => d.action === 'buy.confirm', 'Confirm');
    const checkouts = pc.checkouts.length;
    const done = await click(confirm);
    bought = shownOrderOf(done, pc.checkouts.slice(checkouts).flatMap((c) => c.orderIds));
    return bought;
  }

  it('buy: customer → product → SKU and quantity → review → Confirm buys at Partner Center with one checkout; the confirmation shows its order id; Confirm again buys nothing more', async () => {
    const confirm = button(await review(), (d) => d.action === 'buy.confirm', 'Confirm');
    const checkouts = pc.checkouts.length;
    const done = await click(confirm);
    assert.match(text(done), /Order placed/);
    assert.equal(pc.checkouts.length, checkouts + 1, 'exactly one checkout');
    const [checkout] = pc.checkouts.slice(checkouts);
    assert.equal(checkout!.customerId, customer.id);
    const orderId = shownOrderOf(done, checkout!.orderIds);
    const order = pc.orders.find((o) => o.id === orderId)!;
    assert.deepEqual(order.lineItems.map((l) => ({ offer: l.offerId.split(':').slice(0, 2).join(':'), quantity: l.quantity })), [{ offer: `${WS_DATACENTER_1Y.productId}:${WS_DATACENTER_1Y.skuId}`, quantity: 16 }]);
    assert.equal(dataOf(done, 'buy.confirm'), undefined, 'no live Confirm on the confirmation');
    assert.equal(await ledgerStatus(orderId), 'active', 'the bot recorded the purchase under Partner Center\'s order id');

    // Confirm clicked again (the old review on another device): no second cart, no second checkout.
    const calls = pc.calls.length;
    assert.match(text(await click(confirm)), /already/i);
    assert.equal(pc.checkouts.length, checkouts + 1);
    assert.deepEqual(pc.calls.slice(calls).filter((c) => c.kind === 'carts.create' || c.kind === 'carts.checkout'), []);
    bought = orderId;
  });

  it('orders: the customer\'s orders list the Partner Center order', async () => {
    const orderId = await purchase();
    const [list] = await type(`orders ${customer.domain}`);
    assert.match(text(list), new RegExp(`Orders of ${customer.name}`));
    assert.ok(text(list).includes(orderId), `the order ${orderId} is listed: ${text(list)}`);
    assert.ok(pc.callsTo('orders.list').length > 0, 'read from Partner Center');
  });

  it('keys: the Partner Center purchase has an activation key and a download link (the bot\'s own records)', async () => {
    const orderId = await purchase();
    const [list] = await type(`keys ${customer.domain}`);
    assert.ok(text(list).includes(orderId), `the purchase ${orderId} is listed: ${text(list)}`);
    const choices = await click(button(list, (d) => d.action === 'software.item' && JSON.stringify(d).includes(orderId), 'Keys and downloads of the order'));
    // Get keys and downloads, with the pickers' choices merged in as Teams merges them: Windows Server 2025, German, ISO.
    const choice = (id: string, pred: (v: string) => boolean) => {
      const values = (objects(choices).find((o) => o.type === 'Input.ChoiceSet' && o.id === id)?.choices as Array<{ value: string }> | undefined)?.map((c) => c.value) ?? [];
      const value = values.find(pred);
      assert.ok(value, `a ${id} to choose among ${JSON.stringify(values)}`);
      return value;
    };
    const keys = await click({
      ...button(choices, (d) => d.action === 'software.get', 'Get keys and downloads'),
      version: choice('version', (v) => /2025/.test(v)), language: choice('language', (v) => v === 'de-DE'), fileType: choice('fileType', (v) => v === 'ISO'),
    });
    assert.match(text(keys), PRODUCT_KEY, `an activation key: ${text(keys)}`);
    assert.match(JSON.stringify(keys), /\/downloads\/[A-Za-z0-9_-]{43}"/, 'a download link');
    const issued = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM download_links WHERE order_id = $1', [orderId]);
    assert.ok(issued.rows[0]!.n >= 1, 'the link is the bot\'s record of this order');
  });

  it('cancel: the notice → Submit PATCHes the Partner Center order; once Partner Center has finished it, the order reads cancelled and the user is told', async () => {
    const orderId = await purchase();
    // Partner Center accepts the cancellation and finishes it a few reads later.
    pc.cancellationMode(orderId, { mode: 'pending', reads: 2 });
    const [list] = await type(`cancel ${customer.domain}`);
    const notice = await click(button(list, (d) => d.action === 'cancel.product' && JSON.stringify(d).includes(WS_DATACENTER_1Y.productId), 'Cancel an order…'));
    assert.match(text(notice), /Important/);
    assert.ok(text(notice).includes(orderId), `the notice names the order ${orderId}`);
    const submitted = await click({ ...button(notice, (d) => d.action === 'cancel.submit', 'Submit cancellation'), acknowledged: 'true' });
    assert.match(text(submitted), /Cancellation submitted for order/);
    assert.ok(text(submitted).includes(orderId));

    // The worker's tracking job PATCHes the order, follows it until Partner Center has finished, and tells the user.
    const finished = await eventually(
      () => connector.requests.find((r) => r.method === 'POST' && /Cancellation finished/.test(cardText([r.body]))),
      { what: 'the "Cancellation finished" notification at the Bot Connector', timeoutMs: 30_000 },
    );
    assert.ok(cardText([finished.body]).includes(orderId), 'the notification names the order');
    const patches = pc.callsTo('orders.patch').filter((c) => decodeURIComponent(c.path).endsWith(`/orders/${orderId}`));
    assert.ok(patches.length >= 1, 'the order was PATCHed at Partner Center');
    assert.deepEqual(pc.cancellations.filter((c) => c.orderId === orderId).map((c) => ({ customerId: c.customerId, state: c.state })), [{ customerId: customer.id, state: 'done' }], 'one cancellation, finished');
    assert.equal(pc.orders.find((o) => o.id === orderId)?.status, 'cancelled');
    assert.equal(await ledgerStatus(orderId), 'cancelled');
    assert.deepEqual((await db.query<{ status: string }>('SELECT status FROM cancellations WHERE order_id = $1', [orderId])).rows.map((r) => r.status), ['finished']);

    const [orders] = await type(`orders ${customer.domain}`);
    const row = text(orders);
    assert.ok(row.includes(orderId));
    assert.match(row, /Cancelled/);
  });

  it('Partner Center unavailable at checkout: the user is told it is not answering, nothing is bought; Confirm again buys once', async () => {
    const calls = pc.calls.length;
    const confirm = button(await review(), (d) => d.action === 'buy.confirm', 'Confirm');
    const checkouts = pc.checkouts.length;
    pc.script((call) => (call.kind === 'carts.checkout' ? partnerCenterReplies.unavailable() : undefined));
    const refused = await click(confirm);
    assert.match(text(refused), /Partner Center is not answering right now/);
    assert.equal(pc.checkouts.length, checkouts, 'nothing bought');

    pc.script(undefined);
    const done = await click(confirm);
    assert.match(text(done), /Order placed/);
    assert.equal(pc.checkouts.length, checkouts + 1, 'one checkout');
    shownOrderOf(done, pc.checkouts.slice(checkouts).flatMap((c) => c.orderIds));
    const tries = pc.calls.slice(calls).filter((c) => c.kind === 'carts.checkout');
    assert.deepEqual([...new Set(tries.map((c) => c.status))], [503, 201], 'refused, then checked out');
    assert.equal(new Set(tries.map((c) => c.headers['ms-requestid'])).size, 1, 'the repeat checked out the same cart with the same MS-RequestId');
    assert.equal(pc.calls.slice(calls).filter((c) => c.kind === 'carts.create').length, 1, 'one cart, made once (at the review or the first Confirm)');
  });
});

/**
 * Lists the product in the fake's catalog as the catalog tables have it, sold in `country`:
 * what a refresh of that market would have read (test/commerce/partner-center-contract.spec.ts,
 * listInFakeCatalog).
 */
async function listInFakeCatalog(pc: FakePartnerCenter, tables: EmbeddedCommerceBackend, productId: string, country: string): Promise<void> {
  const product = await tables.getProduct(productId);
  if (!product) throw new Error(`no product ${productId} in the catalog tables`);
  assert.equal(product.kind, 'server_subscription', 'listed in the SoftwareSubscriptions view');
  pc.catalog.addProduct({
    id: product.id, title: product.title, description: product.description, publisherName: product.publisher, targetView: 'SoftwareSubscriptions', countries: [country],
    skus: product.skus.map((s) => ({
      id: s.skuId, title: s.title, minimumQuantity: s.minQuantity, maximumQuantity: s.maxQuantity,
      supportedBillingCycles: [s.billing], terms: s.term === 'one_time' ? [] : [s.term], countries: [country],
    })),
  });
}
