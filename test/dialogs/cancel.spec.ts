/**
 * The cancel flow (R14–R20) as a turn table through /api/messages (expectReplies) on the demo
 * partner: customer → purchases → order and Important notice → acknowledgement → submitted;
 * typed forms (`cancel <order id>`, `cancel order … for …`), `cancel` and `stop` at each step,
 * refusals, tampered and stale cards, exactly-once submits; and end to end with a worker: the
 * notification arrives at the (fake) Bot Connector, `orders` and `keys` show it cancelled.
 */
import { strict as assert } from 'node:assert';
import { randomInt, randomUUID } from 'node:crypto';
import { parseCancelArgs } from '../../dialogs/cancel.js';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { eventually } from '../jobs/support.js';
import { cardText } from '../support/bot-harness.js';
import { endToEnd } from '../support/end-to-end.js';
import { createMessageActivity } from '../support/factories.js';
import { placeOrder } from '../support/purchases.js';
import { ALEX, demoTurnTable, MEGAN, type Turn } from '../support/turn-table.js';

const WS_DATACENTER = { productId: 'DG7GMGF0D7FV', skuId: '0001' };
const SQL_PERPETUAL = { productId: 'DG7GMGF0DT1M', skuId: '0002' };
const SUSE_PLAN = { productId: 'DZH318Z0BPS6', skuId: '0001' };


describe('dialogs/cancel (Teams turn table)', function () {
  this.timeout(60_000);
  const tt = demoTurnTable('Cancel Test');
  const { db, turnRaw, turn } = tt;
  const buy = (sku = WS_DATACENTER, quantity = 8, customerId?: string) => tt.buy(sku, quantity, customerId);
  /** The notice id the last notice card carries (its Submit's data). */
  const noticeIdOf = (activities: unknown[]) => /"action":"cancel\.submit","customerId":"[^"]+","noticeId":"([^"]+)"/.exec(JSON.stringify(activities))?.[1];
  const cancellations = async (orderId: string) =>
    (await db.query<{ status: string; requested_by: string }>('SELECT status, requested_by FROM cancellations WHERE order_id = $1', [orderId])).rows;
  const purchaseStatus = async (orderId: string) => (await db.query<{ status: string }>('SELECT status FROM purchases WHERE order_id = $1', [orderId])).rows[0]!.status;

  it('customer → purchases → notice → Submit without the acknowledgement (asked again) → with it: submitted, recorded once', async () => {
    const orderId = await buy();
    const plan = await buy(SUSE_PLAN, 1);
    const list = await turn({ text: `cancel ${tt.customer.domain}` });
    assert.match(list, new RegExp(`Software purchases of ${tt.customer.name}`));
    assert.match(list, new RegExp(orderId));
    assert.match(list, new RegExp(plan));
    assert.match(list, /60 days left to cancel/);
    assert.match(list, /Software plan: cannot be cancelled/);

    const noticeActivities = await turnRaw({ value: { action: 'cancel.product', customerId: tt.customer.id, productId: WS_DATACENTER.productId } });
    const notice = cardText(noticeActivities);
    assert.match(notice, /Important/);
    assert.match(notice, /revokes all activation keys and download links/);
    assert.match(notice, /uninstall/);
    assert.match(notice, /prorated/);
    assert.match(notice, /Credit if you cancel today: €[\d,.]+/);
    const noticeId = noticeIdOf(noticeActivities);
    assert.ok(noticeId, 'the notice card carries its id');

    const again = await turn({ value: { action: 'cancel.submit', customerId: tt.customer.id, noticeId, orderId, acknowledged: 'false' } });
    assert.match(again, /Tick the acknowledgement to submit/);
    assert.equal((await cancellations(orderId)).length, 0);
    assert.equal(await purchaseStatus(orderId), 'active');

    const done = await turn({ value: { action: 'cancel.submit', customerId: tt.customer.id, noticeId, orderId, acknowledged: 'true' } });
    assert.match(done, /Cancellation submitted/);
    assert.match(done, new RegExp(`order ${orderId}`));
    assert.match(done, /up to 15 minutes/);
    assert.deepEqual((await cancellations(orderId)).map((c) => [c.status, Number(c.requested_by)]), [['requested', tt.alexUserId]]);
    assert.equal(await purchaseStatus(orderId), 'cancelling');

    // A double Submit: the same cancellation, nothing new. A bare `cancel` now has nothing to undo: it starts another cancellation.
    const twice = await turn({ value: { action: 'cancel.submit', customerId: tt.customer.id, noticeId, orderId, acknowledged: 'true' } });
    assert.match(twice, /submitted already/);
    assert.equal((await cancellations(orderId)).length, 1);
    assert.match(await turn({ text: 'cancel' }), /Cancel a purchase: whose\?/);
    assert.equal((await cancellations(orderId)).length, 1);
    // The list shows it in progress; `orders` too.
    assert.match(await turn({ text: `cancel ${tt.customer.domain}` }), /Cancellation in progress/);
    assert.match(await turn({ text: `orders ${tt.customer.domain}` }), /Cancellation in progress since .* UTC/);
  });

  it('typed: `cancel <order id>` and `cancel order <id> for <customer>` go straight to the notice; another customer\'s order is refused', async () => {
    const orderId = await buy(SQL_PERPETUAL, 1);
    const direct = await turn({ text: `cancel ${orderId.toLowerCase()}` });
    assert.match(direct, /Important/);
    assert.match(direct, new RegExp(orderId));
    assert.match(direct, /credited in full \(100%\)/);
    const natural = await turn({ text: `cancel order ${orderId} for ${tt.customer.domain}` });
    assert.match(natural, /Important/);
    // Words that match several customers, the order's among them ("Cancel Test …" is every test's customer): no choice asked.
    const several = await turn({ text: `cancel order ${orderId} for Cancel Test` });
    assert.doesNotMatch(several, /Select one/);
    assert.match(several, /Important/);
    assert.match(several, new RegExp(orderId));
    // Words that name other customers only: the user chooses, and the notice says the order is not theirs.
    const elsewhere = await turn({ text: `cancel order ${orderId} for Fabrikam` });
    assert.match(elsewhere, new RegExp(`Order ${orderId} is not one of Fabrikam Inc.'s orders`));
    assert.equal((await cancellations(orderId)).length, 0);
    const { rows } = await db.query<{ id: string }>("SELECT id FROM customers WHERE partner_id = $1 AND primary_domain = 'contoso-de.onmicrosoft.com'", [tt.partnerId]);
    const theirs = await buy(WS_DATACENTER, 8, rows[0]!.id);
    assert.match(await turn({ text: `cancel ${tt.customer.domain} ${theirs}` }), new RegExp(`Order ${theirs} is not one of ${tt.customer.name}'s orders. Nothing was changed`));
    assert.match(await turn({ text: 'cancel NOSUCHORDER99' }), /I found no order NOSUCHORDER99/);
    assert.equal((await cancellations(theirs)).length, 0);
  });

  it('an order id without a digit (about one in 90) is read as the order when the partner has it, else as customer words', async () => {
    const letters = 'ABCDEFGHJKMNPQRSTVWXYZ';
    const letterId = Array.from({ length: 12 }, () => letters[randomInt(letters.length)]).join('');
    const backend = new EmbeddedCommerceBackend(db, { orderIds: () => letterId });
    await placeOrder(db, tt.partnerId, { customerId: tt.customer.id, createdBy: tt.alexUserId, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() }, backend);
    for (const text of [`cancel ${letterId.toLowerCase()}`, `cancel order ${letterId} for Cancel Test`]) {
      const notice = await turn({ text });
      assert.match(notice, /Important/, text);
      assert.match(notice, new RegExp(`Order ID: \\n${letterId}`), text);
    }
    // A long word that is no order of the partner stays part of the customer search.
    assert.match(await turn({ text: 'cancel Contoso Pharmaceuticals' }), /Software purchases of Contoso Pharmaceuticals Ltd/);
    assert.deepEqual(await cancellations(letterId), []);
  });

  it('parseCancelArgs: the order id, the customer words, filler words left out; digit-less words only when known', () => {
    assert.deepEqual(parseCancelArgs('order 7dk3xkqszdra for contoso'), { orderId: '7DK3XKQSZDRA', query: 'contoso', candidates: [] });
    assert.deepEqual(parseCancelArgs('contoso-de.onmicrosoft.com 7DK3XKQSZDRA.'), { orderId: '7DK3XKQSZDRA', query: 'contoso-de.onmicrosoft.com', candidates: [] });
    assert.deepEqual(parseCancelArgs('Bestellung 7DK3XKQSZDRA für Contoso GmbH'), { orderId: '7DK3XKQSZDRA', query: 'Contoso GmbH', candidates: [] });
    assert.deepEqual(parseCancelArgs('Contoso Pharmaceuticals'), { orderId: null, query: 'Contoso Pharmaceuticals', candidates: ['PHARMACEUTICALS'] });
    assert.deepEqual(parseCancelArgs('qwertzpkmnbv for contoso', new Set(['QWERTZPKMNBV'])), { orderId: 'QWERTZPKMNBV', query: 'contoso', candidates: [] });
    // A tenant GUID is customer words, never an order id.
    assert.deepEqual(parseCancelArgs('3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a90'), { orderId: null, query: '3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a90', candidates: [] });
    assert.deepEqual(parseCancelArgs('   '), { orderId: null, query: null, candidates: [] });
  });

  it('refusals: a software plan, a window passed (day 61), an already cancelled order', async () => {
    const plan = await buy(SUSE_PLAN, 1);
    assert.match(await turn({ text: `cancel ${plan}` }), /cannot be cancelled: software plans \(SUSE Linux, Red Hat\)/);
    const old = await buy();
    await db.query("UPDATE purchases SET purchased_at = now() - interval '61 days' WHERE order_id = $1", [old]);
    const late = await turnRaw({ text: `cancel ${old}` });
    assert.match(cardText(late), new RegExp(`Order ${old} can no longer be cancelled: its cancellation window closed on .* UTC\\. If it must be refunded anyway, file a support request: select Request support`));
    // R20: the support request from chat, filled in with this order.
    const support = [...JSON.stringify(late).matchAll(/"type":"Action\.Submit","title":"Request support","data":(\{[^}]*\})/g)].map((m) => JSON.parse(m[1]!) as unknown);
    assert.deepEqual(support, [{ action: 'command', command: 'support', args: old }]);
    const gone = await buy();
    await db.query("UPDATE purchases SET status = 'cancelled', status_at = now() WHERE order_id = $1", [gone]);
    assert.match(await turn({ text: `cancel ${gone}` }), new RegExp(`Order ${gone} was cancelled already`));
    assert.deepEqual(await cancellations(old), []);
  });

  it('a Sales agent is told the Admin agent role is needed; nothing starts', async () => {
    const orderId = await buy();
    assert.match(await turn({ text: `cancel ${orderId}` }, MEGAN), /Admin agent/);
    assert.deepEqual(await cancellations(orderId), []);
  });

  it('tampered and stale cards: an order the notice did not offer, another notice id, another customer, another user — stale, nothing changes', async () => {
    const orderId = await buy();
    const other = await buy(SQL_PERPETUAL, 1);
    const noticeActivities = await turnRaw({ text: `cancel ${orderId}` });
    const noticeId = noticeIdOf(noticeActivities)!;
    const submit = (over: Record<string, unknown>) => ({ value: { action: 'cancel.submit', customerId: tt.customer.id, noticeId, orderId, acknowledged: 'true', ...over } });
    assert.match(await turn(submit({ orderId: other })), /out of date or belongs to someone else/);
    assert.match(await turn(submit({ noticeId: randomUUID() })), /out of date or belongs to someone else/);
    assert.match(await turn(submit({ customerId: randomUUID() })), /out of date or belongs to someone else/);
    assert.match(await turn(submit({ acknowledged: 'yes please' })), /Tick the acknowledgement/);
    // Another user's press on this card: they have no flow here (dialog state is per user).
    assert.match(await turn(submit({}), MEGAN), /no longer works/);
    assert.deepEqual(await cancellations(orderId), []);
    assert.deepEqual(await cancellations(other), []);
  });

  it('`cancel` and `stop` at each step stop the flow; `stop` with none running says so; a bare `cancel` then starts the cancellation', async () => {
    const orderId = await buy();
    await turn({ text: 'cancel' });
    assert.match(await turn({ text: 'stop' }), /Stopped your [\w ]+\. Nothing was changed/);
    assert.match(await turn({ text: 'stop' }), /Nothing is running, so there is nothing to stop/);
    assert.match(await turn({ text: 'cancel' }), /Cancel a purchase: whose\?/);
    assert.match(await turn({ text: 'cancel' }), /Stopped your [\w ]+\. Nothing was changed/);
    await turn({ text: `cancel ${tt.customer.domain}` });
    assert.match(await turn({ text: 'cancel' }), /Stopped your [\w ]+\. Nothing was changed/);
    await turn({ text: `cancel ${orderId}` });
    assert.match(await turn({ value: { action: 'flow.stop' } }), /Stopped your [\w ]+\. Nothing was changed/);
    assert.deepEqual(await cancellations(orderId), []);
  });

  it('a Teams resend of the Submit activity makes one cancellation', async () => {
    const orderId = await buy();
    const noticeId = noticeIdOf(await turnRaw({ text: `cancel ${orderId}` }))!;
    const id = randomUUID();
    const value = { action: 'cancel.submit', customerId: tt.customer.id, noticeId, orderId, acknowledged: 'true' };
    await turn({ value, id });
    await turn({ value, id });
    assert.equal((await cancellations(orderId)).length, 1);
  });

});

describe('dialogs/cancel end to end: bot, worker and the fake Bot Connector (Postgres queue backend)', function () {
  this.timeout(60_000);
  const e2e = endToEnd('cancel_e2e', { seedDemo: true });

  it('the notification arrives in the requester\'s chat; orders shows it cancelled with the credit, keys as key not available', async () => {
    const { db, connector } = e2e;
    const p = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND external_id = $1", [PLAYGROUND_TENANT_ID]);
    const partnerId = Number(p.rows[0]!.partner_id);
    const c = await db.query<{ id: string }>("SELECT id FROM customers WHERE partner_id = $1 AND primary_domain = 'contoso-de.onmicrosoft.com'", [partnerId]);
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'msteams' AND external_id = $2", [partnerId, ALEX]);
    const { order } = await placeOrder(db, partnerId, { customerId: c.rows[0]!.id, createdBy: Number(u.rows[0]!.id), lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
    const orderId = order.id;
    const personal = `a:${randomUUID()}`;
    const say = async (t: Turn) => {
      const res = await e2e.bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId: personal, name: 'Alex Wilber', serviceUrl: connector.url, ...t }));
      assert.equal(res.status, 200, res.text);
      return (res.json().activities ?? []) as unknown[];
    };
    const noticeId = /"noticeId":"([^"]+)"/.exec(JSON.stringify(await say({ text: `cancel ${orderId}` })))?.[1];
    assert.ok(noticeId);
    const done = cardText(await say({ value: { action: 'cancel.submit', customerId: c.rows[0]!.id, noticeId, orderId, acknowledged: 'true' } }));
    assert.match(done, /Cancellation submitted/);
    const credit = /Expected credit on your next invoice: (€[\d,]+\.\d{2})/.exec(done)?.[1];
    assert.ok(credit, 'the submitted card names the credit');
    // Nothing is cancelled until a worker runs: the intent waits in the outbox.
    assert.equal((await db.query("SELECT count(*)::int AS n FROM job_outbox WHERE queue = 'cancellation-tracking' AND enqueued_at IS NULL")).rows[0].n, 1);

    // The bot goes down before any worker runs: the notification needs only what is stored (the
    // conversation reference, the typed message), not the process the user talked to.
    await e2e.bot.close();
    e2e.startWorker({ EMBEDDED_CANCELLATION_DELAY_MS: '300' });
    const delivered = await eventually(
      () => connector.delivered().find((a) => a.conversation?.id === personal && cardText([a]).includes('Cancellation finished')),
      { what: 'the finished notification at the connector', timeoutMs: 30_000 },
    );
    const text = cardText([delivered]);
    assert.match(text, new RegExp(`Order ${orderId}`));
    assert.ok(text.includes(credit), `the credit ${credit} is in the notification`);
    assert.match(text, /No activation key or download link had been issued for this purchase/);
    const status = await db.query<{ status: string }>('SELECT status FROM purchases WHERE order_id = $1', [orderId]);
    assert.equal(status.rows[0]!.status, 'cancelled');
    await e2e.restartBot();
    const orders = cardText(await say({ text: 'orders contoso-de.onmicrosoft.com' }));
    assert.match(orders, new RegExp(orderId));
    assert.ok(orders.includes(credit), `orders shows the credit ${credit}: ${orders}`);
    assert.match(cardText(await say({ text: 'keys contoso-de.onmicrosoft.com' })), /[Kk]ey not available/);
    assert.match(cardText(await say({ text: `cancel ${orderId}` })), /cancelled already/);
  });
});
