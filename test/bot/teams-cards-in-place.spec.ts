/**
 * Issue 13: a task keeps one card on Teams. A step's button is an Action.Execute; its invoke is
 * answered with the next card (Teams shows it in the clicked card's place), in a personal chat the
 * card's message is updated too, and a button that starts another task posts a new card.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { startTestBot, cardText, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createCardActionInvoke, createMessageActivity } from '../support/factories.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';
import { objects, teamsSubmits } from '../cards/inspect.js';
import sinon from 'sinon';
import { PartnerDirectory } from '../../services/access/directory.js';
import { eventually } from '../jobs/support.js';

const ALEX = '00000000-0000-0000-0000-0000000000020'; // demo: Admin agent + Global admin
const MEGAN = '00000000-0000-0000-0000-0000000000021'; // demo: Sales agent
const WS_DATACENTER = 'DG7GMGF0D7FV';
const CARD = 'application/vnd.microsoft.card.adaptive';

describe('bot: Teams cards that update in place (issue 13)', function () {
  this.timeout(30_000);
  const db = testDb();
  let bot: TestBot;
  let connector: FakeBotConnector;
  let conversationId: string;

  before(async () => {
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    bot = await startTestBot();
    connector = await startFakeBotConnector();
  });
  after(async () => {
    await bot.close();
    await connector.close();
  });
  beforeEach(() => {
    conversationId = `a:${randomUUID()}`;
    connector.reset();
  });

  async function type(text: string, conversationType: 'personal' | 'groupChat' = 'personal', who = ALEX): Promise<any[]> {
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: who, conversationId, conversationType, name: who === ALEX ? 'Alex Wilber' : 'Megan Bowen', text }));
    assert.equal(res.status, 200, res.text);
    return res.json().activities;
  }
  /** Click: the invoke's answer (status and body). */
  async function click(data: unknown, opts: { conversationType?: 'personal' | 'groupChat'; replyToId?: string; value?: unknown; who?: string } = {}) {
    const who = opts.who ?? ALEX;
    const activity = createCardActionInvoke({
      tenantId: PLAYGROUND_TENANT_ID, aadObjectId: who, conversationId, name: who === ALEX ? 'Alex Wilber' : 'Megan Bowen', serviceUrl: connector.url,
      conversationType: opts.conversationType ?? 'personal', replyToId: opts.replyToId ?? 'card-1', data, ...(opts.value !== undefined ? { value: opts.value } : {}),
    });
    const res = await bot.post('/api/messages', activity);
    return { status: res.status, body: res.json() };
  }
  /** The card an invoke answered with, checked to be a valid card of the typed invoke response. */
  function answered(res: { status: number; body: any }): any {
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200);
    assert.equal(res.body.type, CARD);
    assertValidAdaptiveCard(res.body.value);
    return res.body.value;
  }
  const dataOf = (card: unknown, action: string) => teamsSubmits(card).find((d: any) => d.action === action) as Record<string, unknown> | undefined;
  const text = (card: unknown) => cardText([{ attachments: [{ content: card }] }]);
  const orders = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0]!.n;

  it('a purchase moves through one card: each step answers the click with the next card, and the personal chat\'s message is updated to it', async () => {
    const [list] = await type('buy contoso-de.onmicrosoft.com');
    const product = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'buy.product' && d.productId === WS_DATACENTER);
    assert.ok(product, 'the product list has the product as a step button');

    const sku = answered(await click(product, { replyToId: 'card-1' }));
    assert.match(text(sku), /Windows Server/);
    const review = dataOf(sku, 'buy.review');
    assert.ok(review);
    // The clicked card's message is updated to the same card; nothing new is posted.
    const put = connector.requests.find((r) => r.method === 'PUT');
    assert.equal(put?.activityId, 'card-1');
    assert.equal(put?.conversationId, conversationId);
    assert.deepEqual(put?.body.attachments[0].content, sku);
    assert.equal(connector.requests.filter((r) => r.method === 'POST').length, 0, 'no new message');

    const reviewCard = answered(await click({ ...review, skuId: '0001', quantity: '16' }));
    const confirm = dataOf(reviewCard, 'buy.confirm');
    assert.ok(confirm, 'the review has Confirm');
    const before = await orders();
    const done = answered(await click(confirm));
    assert.match(text(done), /[A-Z0-9]{12}/, 'the order id');
    assert.equal(dataOf(done, 'buy.confirm'), undefined, 'a finished purchase keeps no live Confirm');
    assert.equal(await orders(), before + 1);
    assert.equal(connector.requests.filter((r) => r.method === 'PUT').length, 3, 'each step updated the one card');
    assert.equal(connector.requests.filter((r) => r.method === 'POST').length, 0);

    // Confirm clicked again (another device showing the old review): the same order, no second one.
    const again = answered(await click(confirm));
    assert.match(text(again), /already/i);
    assert.equal(await orders(), before + 1);
  });

  it('a resent click (the same invoke id: its response was lost) gets the same card again and changes nothing', async () => {
    const [list] = await type('buy contoso-de.onmicrosoft.com');
    const product = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'buy.product' && d.productId === WS_DATACENTER);
    const sku = answered(await click(product));
    const review = answered(await click({ ...dataOf(sku, 'buy.review'), skuId: '0001', quantity: '16' }));
    const confirm = createCardActionInvoke({
      tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, name: 'Alex Wilber', serviceUrl: connector.url, data: dataOf(review, 'buy.confirm'),
    });
    assert.ok(dataOf(review, 'buy.confirm'), 'the review has Confirm');
    const before = await orders();
    const first = answered(await bot.post('/api/messages', confirm).then((r) => ({ status: r.status, body: r.json() })));
    const again = answered(await bot.post('/api/messages', confirm).then((r) => ({ status: r.status, body: r.json() })));
    assert.match(text(first), /Order placed/);
    assert.deepEqual(again, first);
    assert.equal(await orders(), before + 1);
  });

  it('a resent message in normal delivery (its answers were posted to the conversation) is not answered twice', async () => {
    const activity = createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, text: 'whoami', serviceUrl: connector.url, expectReplies: false });
    assert.equal((await bot.post('/api/messages', activity)).status, 200);
    assert.equal((await bot.post('/api/messages', activity)).status, 200);
    assert.equal(connector.requests.filter((r) => r.method === 'POST').length, 1, 'one answer posted');
  });

  it('in a group chat the click is answered for the one who clicked only: the shared message is left as it was', async () => {
    const [list] = await type('buy contoso-de.onmicrosoft.com', 'groupChat');
    const product = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'buy.product');
    const sku = answered(await click(product, { conversationType: 'groupChat' }));
    assert.ok(dataOf(sku, 'buy.review'));
    assert.equal(connector.requests.filter((r) => r.method === 'PUT').length, 0, 'the shared card is not updated for everyone');
  });

  it('a click whose task has ended is answered in the clicked card\'s place, saying so; nothing changes', async () => {
    const before = await orders();
    const stale = answered(await click({ action: 'buy.confirm', reviewId: 'an-old-review.1' }));
    assert.match(text(stale), /no longer works/);
    assert.equal(dataOf(stale, 'buy.confirm'), undefined);
    assert.equal(await orders(), before);
  });

  it('Cancel on a step card turns it into the record of the cancelled task, without live buttons', async () => {
    const [list] = await type('buy contoso-de.onmicrosoft.com');
    const stop = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'flow.stop');
    assert.ok(stop, 'the card has Cancel');
    const cancelled = answered(await click(stop));
    assert.match(text(cancelled), /Stopped your [\w ]+\. Nothing was changed/);
    assert.deepEqual(teamsSubmits(cancelled).filter((d: any) => d.action !== 'command'), [], 'no step buttons left');
  });

  it('a malformed click (no action, data not an object, a forged action) gets the invalid-submit card, 200, and changes nothing', async () => {
    const before = await orders();
    for (const value of [{}, { action: null }, { action: { type: 'Action.Execute', data: 'buy.confirm' } }, { action: { type: 'Action.Execute', data: { action: 'buy.confirm', reviewId: { $ne: 1 } } } }, 'text']) {
      const card = answered(await click(undefined, { value }));
      assert.match(text(card), /That button’s data is not valid at this step\. Nothing was changed\./, JSON.stringify(value));
    }
    assert.equal(await orders(), before);
  });

  it('when the message cannot be updated the click is still answered with the card (and the failure logged)', async () => {
    const [list] = await type('buy contoso-de.onmicrosoft.com');
    const product = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'buy.product');
    connector.script((r) => (r.method === 'PUT' ? { status: 404, body: { error: { code: 'NotFound' } } } : undefined));
    const sku = answered(await click(product, { replyToId: 'gone' }));
    assert.ok(dataOf(sku, 'buy.review'));
    assert.ok(bot.logs.some((l) => l.includes('updating the clicked card failed')));
  });

  it('a button that starts another task (View orders on the confirmation: an Action.Submit) leaves the clicked card and posts a new one', async () => {
    const [list] = await type('buy contoso-de.onmicrosoft.com');
    const product = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'buy.product' && d.productId === WS_DATACENTER);
    const review = answered(await click({ ...dataOf(answered(await click(product)), 'buy.review'), skuId: '0001', quantity: '16' }));
    const done = answered(await click(dataOf(review, 'buy.confirm')));
    const viewOrders = objects(done).find((o) => o.title === 'View orders');
    assert.equal(viewOrders?.type, 'Action.Submit', 'a new task: a message, not an invoke');
    connector.reset();
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, value: viewOrders.data }));
    assert.match(cardText(res.json().activities), /Orders of Contoso GmbH/);
    assert.equal(connector.requests.filter((r) => r.method === 'PUT').length, 0, 'the confirmation is left as it was');
  });

  it('a resent Export click gets the log again in place, and posts nothing a second time', async () => {
    await type('activity', 'personal', MEGAN);
    const log = (await type('activity'))[0].attachments[0].content;
    const exportClick = createCardActionInvoke({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, name: 'Alex Wilber', serviceUrl: connector.url, data: dataOf(log, 'activity.export') });
    const first = answered(await bot.post('/api/messages', exportClick).then((r) => ({ status: r.status, body: r.json() })));
    const posted = connector.requests.filter((r) => r.method === 'POST').length;
    assert.ok(posted >= 1, 'the export link went below');
    const again = answered(await bot.post('/api/messages', exportClick).then((r) => ({ status: r.status, body: r.json() })));
    assert.deepEqual(again, first);
    assert.equal(connector.requests.filter((r) => r.method === 'POST').length, posted, 'nothing posted again (no second link)');
  });

  it('a click resent while its first delivery still runs waits for that answer (bounded) instead of a dead end', async () => {
    const slow = sinon.stub(PartnerDirectory.prototype, 'finishTurn').callsFake(async function (this: PartnerDirectory, ...args) {
      await new Promise((r) => setTimeout(r, 600));
      return slow.wrappedMethod.apply(this, args);
    });
    try {
      const [list] = await type('buy contoso-de.onmicrosoft.com');
      const product = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'buy.product');
      const invoke = createCardActionInvoke({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, name: 'Alex Wilber', serviceUrl: connector.url, data: product });
      const post = () => bot.post('/api/messages', invoke).then((r) => ({ status: r.status, body: r.json() }));
      const firstP = post();
      // The resend starts once the first has taken the request id (its reply is kept 600 ms later).
      await eventually(async () => (await db.query('SELECT 1 FROM processed_inbound WHERE request_key LIKE $1', [`%|${invoke.id}`])).rowCount === 1, { what: 'the first delivery under way' });
      const [first, again] = await Promise.all([firstP, post()]);
      assert.ok(dataOf(answered(first), 'buy.review'));
      assert.deepEqual(answered(again), answered(first));
    } finally {
      slow.restore();
    }
  });

  it('a turn that fails on a click answers the invoke with what went wrong (not a 501), and the message keeps its card', async () => {
    const boom = sinon.stub(PartnerDirectory.prototype, 'setPreferredLocale').rejects(new Error('database went away'));
    try {
      const card = (await type('language'))[0].attachments[0].content;
      connector.reset();
      const answer = answered(await click(teamsSubmits(card).find((d: any) => d.args === 'de')));
      assert.match(text(answer), /went wrong/i);
      assert.equal(connector.requests.filter((r) => r.method === 'PUT').length, 0, 'the message keeps the card, to be tried again');
    } finally {
      boom.restore();
    }
  });

  it('a reply that cannot be kept for a resend fails nothing: the click is answered', async () => {
    const lost = sinon.stub(PartnerDirectory.prototype, 'finishTurn').rejects(new Error('disk full'));
    try {
      const [list] = await type('buy contoso-de.onmicrosoft.com');
      const product = teamsSubmits(list.attachments[0].content).find((d: any) => d.action === 'buy.product');
      assert.ok(dataOf(answered(await click(product)), 'buy.review'));
      assert.ok(bot.logs.some((l) => l.includes('could not mark a turn finished')));
    } finally {
      lost.restore();
    }
  });

  describe('a click on a card of another task never drives the task running now (the trial\'s findings)', () => {
    const cardOf = (activities: any[]) => activities[0].attachments[0].content;

    it('Cancel on an old card, while another task runs: nothing is stopped, and the running task goes on', async () => {
      const oldBuy = cardOf(await type('buy contoso'));
      const keys = cardOf(await type('keys contoso-de.onmicrosoft.com'));
      const answer = answered(await click(dataOf(oldBuy, 'flow.stop')));
      assert.match(text(answer), /belongs to a task that has ended: nothing was stopped, and your current task goes on/);
      const item = dataOf(keys, 'software.item');
      assert.ok(item, 'the keys list has a purchase to pick');
      assert.match(text(answered(await click(item))), /Keys and downloads|version/i, 'the keys task still answers');
    });

    it('a step on an old card of the same kind (two buys): refused as stale, the newer card still works, no second card posted', async () => {
      const first = cardOf(await type('buy contoso'));
      const second = cardOf(await type('buy contoso'));
      connector.reset();
      const stale = answered(await click(dataOf(first, 'buy.customer')));
      assert.match(text(stale), /That button no longer works/);
      assert.equal(connector.requests.filter((r) => r.method === 'POST').length, 0, 'no card posted below');
      assert.match(text(answered(await click(dataOf(second, 'buy.customer')))), /Buy for/);
    });

    it('in a group chat, another user\'s click on a live card is refused for them (not theirs); the owner\'s task goes on', async () => {
      const alexCard = cardOf(await type('buy contoso-de.onmicrosoft.com', 'groupChat'));
      const product = teamsSubmits(alexCard).find((d: any) => d.action === 'buy.product');
      await type('orders', 'groupChat', MEGAN);
      const megan = answered(await click(product, { conversationType: 'groupChat', who: MEGAN }));
      assert.match(text(megan), /no longer works: it belongs to an earlier purchase, which has ended or is not yours/);
      assert.deepEqual(teamsSubmits(megan), [{ action: 'command', command: 'buy' }], 'Start again: a purchase of her own');
      assert.ok(dataOf(answered(await click(product, { conversationType: 'groupChat' })), 'buy.review'), 'Alex goes on');
    });

    it('the language card\'s choices answer in its place, in the language chosen', async () => {
      const someone = randomUUID(); // a user of this test's own: the choice stays with them
      const card = cardOf(await type('language', 'personal', someone));
      const german = teamsSubmits(card).find((d: any) => d.args === 'de');
      assert.equal(objects(card).find((o) => o.title === 'Deutsch')?.type, 'Action.Execute', 'an in-place command');
      const answer = answered(await click(german, { who: someone }));
      assert.match(text(answer), /Ab jetzt antworte ich Ihnen auf Deutsch/);
      assert.equal(connector.requests.filter((r) => r.method === 'POST').length, 0, 'no new card: the old one would go on saying English');
    });

    it('typed stop while the activity log is open: nothing to stop, and its buttons still work; Export keeps the log in its place', async () => {
      // Something in the log: Megan (Sales agent) refused the log is itself an event.
      await type('activity', 'personal', MEGAN);
      const log = cardOf(await type('activity'));
      assert.ok(dataOf(log, 'activity.export'), 'the log has events to export');
      assert.match(cardText(await type('stop')), /nothing to cancel/);
      const exported = answered(await click(dataOf(log, 'activity.export')));
      assert.match(text(exported), /Activity log/, 'the log stays where it was');
      const below = connector.requests.filter((r) => r.method === 'POST').map((r) => r.body);
      assert.match(cardText(below), /Activity log export|Download CSV/, 'the export link comes below');
    });
  });

  describe('a task\'s older card becomes a record of it, without buttons, when the task moves on without it (normal delivery)', () => {
    /** Typed as Teams delivers it: answers posted to the (fake) connector, which gives each an id. */
    async function typeLive(text: string): Promise<void> {
      const res = await bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId, name: 'Alex Wilber', text, serviceUrl: connector.url, expectReplies: false }));
      assert.equal(res.status, 200, res.text);
    }
    const posted = () => connector.requests.filter((r) => r.method === 'POST' && r.body?.attachments);
    const updates = () => connector.requests.filter((r) => r.method === 'PUT');
    // Each posted message gets an id of this test's counting: the n-th is `posted-n`.
    let n = 0;
    beforeEach(() => {
      n = 0;
      connector.script((r) => (r.method === 'POST' ? { status: 200, body: { id: `posted-${++n}` } } : undefined));
    });
    const lastPostedId = () => `posted-${n}`;

    it('a new task: the old task\'s card says it was left, and has no buttons left', async () => {
      await typeLive('buy contoso');
      assert.equal(posted().length, 1);
      const buyCard = connector.requests.find((r) => r.method === 'POST')!;
      await typeLive('keys contoso-de.onmicrosoft.com');
      const [retired] = updates();
      assert.ok(retired, 'the buy card was updated');
      assert.equal(retired.conversationId, conversationId);
      assert.match(cardText([retired.body]), /This purchase was left for a newer task below/);
      assert.deepEqual(teamsSubmits(retired.body.attachments[0].content), [], 'no buttons');
      assert.ok(buyCard);
    });

    it('typed text that moves the task on: the old card says it continues below; typed stop: the card says the task ended', async () => {
      await typeLive('buy contoso');
      await typeLive('fabrikam'); // the customer step asked for a search term
      assert.match(cardText([updates()[0]!.body]), /This purchase continues below/);
      const searchCard = lastPostedId();
      await typeLive('stop');
      const ended = updates().at(-1)!;
      assert.equal(ended.activityId, searchCard, 'the newest card of the task');
      assert.match(cardText([ended.body]), /This purchase has ended; its last answer is below/);
    });

    it('help in the middle leaves the card alone; so does a new task after one that had done its work (its card is its record)', async () => {
      await typeLive('buy contoso-de.onmicrosoft.com');
      await typeLive('help');
      await typeLive('whoami');
      assert.equal(updates().length, 0, 'help and whoami are no step of the task');
      // The purchase, clicked through on its card (posted-1) to the confirmation.
      const product = teamsSubmits(posted()[0]!.body.attachments[0].content).find((d: any) => d.action === 'buy.product' && d.productId === WS_DATACENTER);
      const sku = answered(await click(product, { replyToId: 'posted-1' }));
      const review = answered(await click({ ...dataOf(sku, 'buy.review'), skuId: '0001', quantity: '16' }, { replyToId: 'posted-1' }));
      assert.match(text(answered(await click(dataOf(review, 'buy.confirm'), { replyToId: 'posted-1' }))), /Order placed/);
      const before = updates().length;
      await typeLive('activity');
      assert.equal(updates().length, before, 'the confirmation stays as it is');
    });
  });
});
