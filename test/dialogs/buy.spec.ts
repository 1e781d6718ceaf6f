/**
 * The purchase flow as a turn table through /api/messages (expectReplies) on the demo data:
 * what the Admin agent does, what the bot shows — with `cancel` at every step, the
 * exactly-once confirm (R7), R3 refusals, bad quantities and foreign or stale cards.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { startTestBot, cardText, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createMessageActivity, createUser } from '../support/factories.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';

const ALEX = '00000000-0000-0000-0000-0000000000020'; // demo: Admin agent + Global admin
const WS_DATACENTER = 'DG7GMGF0D7FV';
const VM_RESERVATION = 'DZH318Z0BQ3Q';

type Turn = { text?: string; value?: Record<string, unknown>; id?: string };

describe('dialogs/buy (Teams turn table)', function () {
  this.timeout(30_000);
  const db = testDb();
  let bot: TestBot;
  let conversationId: string;

  before(async () => {
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    bot = await startTestBot();
  });
  after(async () => bot.close());
  beforeEach(() => {
    conversationId = `a:${randomUUID()}`;
  });

  /** Demo users keep their seeded names (the shared demo data is read by other tests). */
  const NAMES: Record<string, string> = { [ALEX]: 'Alex Wilber', '00000000-0000-0000-0000-0000000000021': 'Megan Bowen' };

  async function turnRaw(t: Turn, who = ALEX) {
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: who, conversationId, name: NAMES[who] ?? 'Another Agent', ...t }));
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    for (const a of body.activities ?? []) for (const att of a.attachments ?? []) assertValidAdaptiveCard(att.content);
    return body.activities ?? [];
  }
  async function turn(t: Turn, who = ALEX): Promise<string> {
    return cardText(await turnRaw(t, who));
  }
  /** The data of the first button whose data has this action. */
  function submitOf(activities: any[], action: string): Record<string, unknown> {
    const found: any[] = [];
    const walk = (n: any): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n && typeof n === 'object') {
        if ((n.type === 'Action.Submit' || n.type === 'Action.Execute') && n.data?.action === action) found.push(n.data);
        Object.values(n).forEach(walk);
      }
    };
    walk(activities);
    assert.ok(found.length, `a button with action ${action}`);
    return found[0];
  }
  /** The demo partner's customer of this name (other specs make customers of the same names for partners of their own). */
  async function customerIdOf(name: string): Promise<string> {
    const { rows } = await db.query(
      `SELECT c.id FROM customers c JOIN partner_channels pc ON pc.partner_id = c.partner_id AND pc.channel = 'msteams' AND pc.external_id = $2
        WHERE c.company_name = $1`,
      [name, PLAYGROUND_TENANT_ID],
    );
    return String(rows[0].id);
  }
  async function ordersOf(customer: string): Promise<number> {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.company_name = $1', [customer]);
    return rows[0].n;
  }

  /** Customer → product → SKU card → review card; returns the review's activities. */
  async function toReview(quantity: string | number = 16) {
    await turn({ text: 'buy contoso-de.onmicrosoft.com' });
    await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } });
    return turnRaw({ value: { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', quantity: String(quantity) } });
  }

  it('buys: customer by domain → product → SKU and quantity → review → confirm → order id; Confirm again → the same order', async () => {
    const before = await ordersOf('Contoso GmbH');
    assert.match(await turn({ text: 'buy contoso-de.onmicrosoft.com' }), /Windows Server Datacenter/);
    const sku = await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } });
    assert.match(sku, /2 Core License Pack – 1 year/);
    assert.match(sku, /excl\. tax/);
    assert.match(sku, /Azure Hybrid Benefit/);
    const review = await turnRaw({ value: { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', quantity: '16' } });
    const reviewText = cardText(review);
    assert.match(reviewText, /Contoso GmbH/);
    assert.match(reviewText, /16/);
    const confirm = submitOf(review, 'buy.confirm');
    const done = await turn({ value: confirm });
    const orderId = /\b([A-Z0-9]{12})\b/.exec(done)?.[1];
    assert.ok(orderId, `an order id in: ${done}`);
    assert.equal(await ordersOf('Contoso GmbH'), before + 1);
    const again = await turn({ value: confirm });
    assert.match(again, new RegExp(orderId));
    assert.equal(await ordersOf('Contoso GmbH'), before + 1, 'pressing Confirm twice creates one order');
    // The order is placed: nothing is left to undo, so `cancel` is the cancellation command (of a purchase).
    assert.match(await turn({ text: 'cancel' }), /Cancel a purchase: whose\?/);
    assert.equal(await ordersOf('Contoso GmbH'), before + 1);
  });

  it('a Teams resend of the confirm (same activity id) creates no second order, and is answered with the first answer (issue 13)', async () => {
    const review = await toReview(8);
    const confirm = submitOf(review, 'buy.confirm');
    const before = await ordersOf('Contoso GmbH');
    const id = randomUUID();
    const first = await turnRaw({ value: confirm, id });
    assert.match(cardText(first), /Order placed/);
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, id, value: confirm }));
    assert.equal(res.status, 200);
    // The first answer travelled in the response body (expectReplies): the resend, whose response that was, gets it again.
    assert.deepEqual(res.json().activities.map((a: any) => a.attachments), first.map((a: any) => a.attachments));
    assert.equal(await ordersOf('Contoso GmbH'), before + 1);
  });

  const steps: Array<{ name: string; run: () => Promise<unknown> }> = [
    { name: 'customer', run: () => turn({ text: 'buy Contoso' }) },
    { name: 'product', run: () => turn({ text: 'buy contoso-de.onmicrosoft.com' }) },
    { name: 'sku', run: async () => { await turn({ text: 'buy contoso-de.onmicrosoft.com' }); await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } }); } },
    { name: 'review', run: () => toReview() },
  ];
  it('help while the customer step (a step the buy flow began) waits names the buy task, not the step', async () => {
    await turn({ text: 'buy Contoso' });
    assert.match(await turn({ text: 'help' }), /Your purchase is still open and waits for your answer on its last card/);
  });

  for (const step of steps) {
    it(`cancel at the ${step.name} step ends the flow and buys nothing`, async () => {
      const before = await ordersOf('Contoso GmbH');
      await step.run();
      assert.match(await turn({ text: 'cancel' }), /Stopped your [\w ]+\. Nothing was changed\./);
      assert.equal(await ordersOf('Contoso GmbH'), before);
    });
  }

  it('a price change between review and confirm: nothing is bought, the new review says so, its confirm buys at the new price', async () => {
    const review = await toReview(8);
    const before = await ordersOf('Contoso GmbH');
    await db.query(`INSERT INTO prices (product_id, sku_id, market, currency, unit_price_minor, effective_from) VALUES ($1, '0001', 'DE', 'EUR', 31000, now())`, [WS_DATACENTER]);
    try {
      const changed = await turnRaw({ value: submitOf(review, 'buy.confirm') });
      assert.match(cardText(changed), /price or availability changed/);
      assert.match(cardText(changed), /2,480\.00/, 'the new total: 8 × €310.00');
      assert.equal(await ordersOf('Contoso GmbH'), before, 'nothing bought at a price the user did not see');
      assert.match(await turn({ value: submitOf(changed, 'buy.confirm') }), /Order placed/);
      assert.equal(await ordersOf('Contoso GmbH'), before + 1);
    } finally {
      await db.query(`DELETE FROM prices WHERE product_id = $1 AND sku_id = '0001' AND market = 'DE' AND unit_price_minor = 31000`, [WS_DATACENTER]);
    }
  });

  it('a Confirm on the card of an earlier, cancelled purchase never buys the purchase under review now', async () => {
    const oldReview = await toReview(8);
    const oldConfirm = submitOf(oldReview, 'buy.confirm');
    await turn({ text: 'cancel' });
    const fabrikam = await ordersOf('Fabrikam Inc.');
    const contoso = await ordersOf('Contoso GmbH');
    await turn({ text: 'buy fabrikam-us.onmicrosoft.com' });
    await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } });
    await turn({ value: { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', quantity: '8' } });
    assert.match(await turn({ value: oldConfirm }), /Nothing was changed/);
    assert.equal(await ordersOf('Fabrikam Inc.'), fabrikam);
    assert.equal(await ordersOf('Contoso GmbH'), contoso);
  });

  it('a Confirm on the card of an earlier, finished purchase never buys a second order in a new purchase', async () => {
    const first = await toReview(8);
    await turn({ value: submitOf(first, 'buy.confirm') });
    const fabrikam = await ordersOf('Fabrikam Inc.');
    await turn({ text: 'buy fabrikam-us.onmicrosoft.com' });
    await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } });
    await turn({ value: { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', quantity: '8' } });
    assert.match(await turn({ value: submitOf(first, 'buy.confirm') }), /Nothing was changed/);
    assert.equal(await ordersOf('Fabrikam Inc.'), fabrikam);
  });

  it('a product card of another customer does not act on the purchase in progress', async () => {
    const wingtip = await turnRaw({ text: 'buy wingtiptoys-au.onmicrosoft.com' });
    const staleSelect = submitOf(wingtip, 'buy.product');
    await turn({ text: 'buy contoso-de.onmicrosoft.com' });
    const text = await turn({ value: staleSelect });
    assert.match(text, /Nothing was changed/);
    assert.doesNotMatch(text, /Review/);
  });

  it('the kind filter buttons stay where they were when one is pressed (issue 13: they moved under the pointer)', async () => {
    const kindsOf = (activities: any[]) => JSON.stringify(activities).match(/"action":"buy\.kind","customerId":"[^"]+","kind":"[a-z_]+"/g)?.map((m) => m.split('"kind":"')[1]) ?? [];
    for (const [domain, name] of [['contoso-de.onmicrosoft.com', 'Contoso GmbH'], ['alpineskihouse-ad.onmicrosoft.com', 'Alpine Ski House SLU'], ['proseware-jp.onmicrosoft.com', 'Proseware K.K.'], ['wingtiptoys-au.onmicrosoft.com', 'Wingtip Toys Pty Ltd']]) {
      const all = kindsOf(await turnRaw({ text: `buy ${domain}` }));
      assert.ok(all.length >= 2, `kinds shown: ${all.join()}`);
      for (const kind of all.filter((k) => k !== 'all')) {
        assert.deepEqual(kindsOf(await turnRaw({ value: { action: 'buy.kind', customerId: await customerIdOf(name!), kind } })), all, `${domain} ${kind}`);
      }
      // And after a search.
      assert.deepEqual(kindsOf(await turnRaw({ value: { action: 'buy.productSearch', customerId: await customerIdOf(name!), search: 'Server' } })), all, `${domain} search`);
    }
  });

  it('`orders <customer id>` finds the customer by the bot\'s own id, not as a tenant ID (issue 13); another partner\'s id is not found', async () => {
    const own = await turn({ text: `orders ${await customerIdOf('Contoso GmbH')}` });
    assert.match(own, /Orders of Contoso GmbH/);
    assert.doesNotMatch(own, /tenant ID/);
    const other = await db.query<{ id: string }>("SELECT id FROM customers WHERE company_name = 'Woodgrove Bank AG'");
    const refused = await turn({ text: `orders ${other.rows[0]!.id}` });
    assert.doesNotMatch(refused, /Orders of Woodgrove/);
    // Both readings were tried, and the answer says so (it said only "tenant ID").
    assert.match(refused, /None of your customers has the ID or the tenant ID “[0-9a-f-]{36}”/);
  });

  it('a product search looks in every kind and always shows the list', async () => {
    await turn({ text: 'buy contoso-de.onmicrosoft.com' });
    await turn({ value: { action: 'buy.kind', customerId: await customerIdOf('Contoso GmbH'), kind: 'azure_reservation' } });
    const text = await turn({ value: { action: 'buy.productSearch', customerId: await customerIdOf('Contoso GmbH'), search: 'SQL Server' } });
    assert.match(text, /SQL Server/);
    assert.doesNotMatch(text, /Choose the SKU/, 'a list, not a jump to one product');
  });

  it('a confirm card after cancel buys nothing', async () => {
    const review = await toReview();
    const confirm = submitOf(review, 'buy.confirm');
    await turn({ text: 'cancel' });
    const before = await ordersOf('Contoso GmbH');
    assert.match(await turn({ value: confirm }), /Nothing was changed/);
    assert.equal(await ordersOf('Contoso GmbH'), before);
  });

  it('several customers match → a list to pick from; none → says so; a broken GUID → says so', async () => {
    const many = await turnRaw({ text: 'buy Contoso' });
    assert.match(cardText(many), /Contoso GmbH/);
    assert.match(cardText(many), /Contoso Pharmaceuticals/);
    const pick = submitOf(many, 'buy.customer');
    assert.match(await turn({ value: pick }), /Windows Server|SQL Server/);
    assert.match(await turn({ text: 'buy Nobody Such Company' }), /No customer matches “Nobody Such Company”. Check the spelling/);
    assert.match(await turn({ text: 'buy nobody-such.onmicrosoft.com' }), /No customer has the domain “nobody-such\.onmicrosoft\.com”/, 'the suggestion follows how the search was read');
    assert.match(await turn({ text: 'buy 3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7' }), /tenant ID/i);
  });

  it('R3: no Azure reservations for the customer in Andorra, also when named directly', async () => {
    const products = await turn({ text: 'buy alpineskihouse-ad.onmicrosoft.com' });
    assert.doesNotMatch(products, /Reserved VM Instance/);
    assert.match(products, /Azure reservations are not available/i);
    assert.match(await turn({ value: { action: 'buy.product', productId: VM_RESERVATION } }), /not available/i);
    const named = await turn({ text: 'buy Reserved VM Instance for alpineskihouse-ad.onmicrosoft.com' });
    assert.match(named, /Azure reservations are not available for customers in Andorra \(list of unavailable markets as of 2019-11-30\)/);
    assert.match(named, /Nothing here that this customer can buy: the Azure reservations that match are not available for customers in Andorra/);
    assert.doesNotMatch(named, /matches “Reserved VM Instance”/);
    const other = await turn({ text: 'buy Nothing Like This for alpineskihouse-ad.onmicrosoft.com' });
    assert.match(other, /Nothing in the catalog for customers in Andorra matches “Nothing Like This”/, 'a search that finds no reservation either is just "no match"');
  });

  it('R4: prices include tax for a customer in Australia', async () => {
    await turn({ text: 'buy wingtiptoys-au.onmicrosoft.com' });
    assert.match(await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } }), /incl\. tax/);
  });

  it('refuses quantity 0, negative, fractional and above the maximum, showing the bounds; nothing is bought', async () => {
    const before = await ordersOf('Contoso GmbH');
    const expected: Record<string, RegExp> = {
      '0': /minimum quantity for this SKU is 8|at least|from 8 to 1,?000/i,
      '-3': /minimum quantity for this SKU is 8|at least|from 8 to 1,?000/i,
      '8.5': /whole number, without decimals: from 8 to 1,?000/,
      '1001': /maximum quantity for this SKU is 1,?000/,
      many: /from 8 to 1,?000/,
    };
    for (const [quantity, reason] of Object.entries(expected)) {
      const text = cardText(await toReview(quantity));
      assert.match(text, reason, `the reason and bounds for ${quantity}: ${text}`);
      assert.doesNotMatch(text, /Confirm purchase/, `no review for ${quantity}`);
    }
    assert.equal(await ordersOf('Contoso GmbH'), before);
  });

  it('a product id that does not exist, and a confirm of an older review, are refused politely', async () => {
    await turn({ text: 'buy contoso-de.onmicrosoft.com' });
    assert.match(await turn({ value: { action: 'buy.product', productId: 'NOPE00000000' } }), /not|no longer/i);
    const review = await toReview();
    const confirm = submitOf(review, 'buy.confirm');
    assert.match(await turn({ value: { ...confirm, reviewId: '999' } }), /Nothing was changed/);
  });

  it('a confirm pressed by another user of the same chat buys nothing', async () => {
    const review = await toReview();
    const confirm = submitOf(review, 'buy.confirm');
    const partner = await db.query(`SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND external_id = $1`, [PLAYGROUND_TENANT_ID]);
    const other = await createUser(db, { id: Number(partner.rows[0].partner_id), tenantId: PLAYGROUND_TENANT_ID, slackTeamId: '' }, { roles: ['admin_agent'] });
    const before = await ordersOf('Contoso GmbH');
    assert.match(await turn({ value: confirm }, other.externalId), /Nothing was changed/);
    assert.equal(await ordersOf('Contoso GmbH'), before);
  });

  it('refuses a Sales agent, naming the roles needed', async () => {
    const megan = '00000000-0000-0000-0000-0000000000021';
    assert.match(await turn({ text: 'buy Contoso' }, megan), /Admin agent or Global admin/);
  });

  it('orders: newest first, with the days left to cancel; View orders after a purchase', async () => {
    const review = await toReview(8);
    const done = await turnRaw({ value: submitOf(review, 'buy.confirm') });
    const view = submitOf(done, 'command');
    const orders = await turn({ value: view });
    assert.match(orders, /Windows Server Datacenter/);
    assert.match(orders, /60|59/);
    assert.match(await turn({ text: 'orders fabrikam-us.onmicrosoft.com' }), /Fabrikam/);
  });

  it('typed: "buy Windows Server Datacenter for contoso-de.onmicrosoft.com" goes straight to the SKU step', async () => {
    assert.match(await turn({ text: 'buy Windows Server Datacenter for contoso-de.onmicrosoft.com' }), /2 Core License Pack/);
  });

  it("the Cancel button only ever stops a flow: on an old card with no flow running it starts nothing", async () => {
    const review = await toReview(8);
    const stop = submitOf(review, 'flow.stop');
    assert.deepEqual(stop, { action: 'flow.stop', task: stop.task });
    assert.match(String(stop.task), /^[a-f0-9]{12}$/, 'the Cancel of the task whose card it is');
    assert.match(await turn({ value: stop }), /Stopped your [\w ]+\. Nothing was changed\./);
    // The same old card's Cancel again: nothing runs, nothing starts (not the purchase-cancellation command either).
    const again = await turnRaw({ value: stop });
    assert.match(cardText(again), /belongs to a task that has already ended: nothing is running, and nothing was changed/);
    assert.doesNotMatch(cardText(again), /coming soon|Required role/i);
    // Still no flow: a card of the purchase is answered as stale.
    assert.match(await turn({ value: submitOf(review, 'buy.confirm') }), /Nothing was changed/);
  });

  it('a SKU chosen by button (as Slack sends it) asks the quantity as a form: on Teams a card with the bounded input', async () => {
    await turn({ text: 'buy contoso-de.onmicrosoft.com' });
    await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } });
    const form = await turnRaw({ value: { action: 'buy.sku', productId: WS_DATACENTER, skuId: '0001' } });
    const card = form[0].attachments[0].content;
    const input = JSON.stringify(card.body);
    assert.match(input, /"type":"Input.Number","id":"quantity"/);
    assert.match(input, /"min":8,"max":1000/);
    const review = submitOf(form, 'buy.review');
    assert.deepEqual(review, { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', task: review.task });
    assert.match(await turn({ value: { ...submitOf(form, 'buy.review'), quantity: '8' } }), /Confirm purchase/);
  });

  it('tampered actions of the purchase are refused and change nothing: an unknown kind, a SKU that is not on the card', async () => {
    await turn({ text: 'buy contoso-de.onmicrosoft.com' });
    const contoso = await customerIdOf('Contoso GmbH');
    assert.match(await turn({ value: { action: 'buy.kind', customerId: contoso, kind: 'lollipops' } }), /Nothing was changed/);
    await turn({ value: { action: 'buy.product', productId: WS_DATACENTER } });
    assert.match(await turn({ value: { action: 'buy.sku', productId: WS_DATACENTER, skuId: '9999' } }), /Nothing was changed/);
    assert.match(await turn({ value: { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', quantity: { nested: true } } }), /Nothing was changed/);
  });

  it('the customer step is the same for every flow: a picked id that names no customer says so and asks again', async () => {
    for (const flow of ['buy', 'orders'] as const) {
      await turn({ text: `${flow} Contoso` });
      const text = await turn({ value: { action: `${flow}.customer`, customerId: randomUUID() } });
      assert.match(text, /customer was not found|not found/i, flow);
      assert.match(text, /company name, tenant ID or domain/i, `${flow}: asks for the customer again`);
    }
  });

  it('a purchase saved at its customer step by the previous version (no customer-step dialog on the stack) goes on with the next answer', async () => {
    await turn({ text: 'buy' });
    // Make the saved state what the previous version left: the buy flow alone, at its customer step.
    const { rows } = await db.query<{ key: string; document: any }>("SELECT key, document FROM bot_state WHERE key LIKE '%' || $1 || '%'", [conversationId]);
    assert.equal(rows.length, 1);
    const doc = rows[0]!.document;
    const stack = doc.dialogState.dialogStack as Array<{ id: string }>;
    assert.deepEqual(stack.map((d) => d.id).sort(), ['buy', 'customerStep']);
    doc.dialogState.dialogStack = stack.filter((d) => d.id === 'buy');
    await db.query('UPDATE bot_state SET document = $2 WHERE key = $1', [rows[0]!.key, doc]);
    assert.match(await turn({ text: 'contoso-de.onmicrosoft.com' }), /Windows Server Datacenter/);
  });
});
