/**
 * Cancelling over Slack (R14–R20), as signed requests to /slack/events against a fake Slack
 * Web API, with a worker: /csp cancel <customer> → the customer's software purchases → "Cancel
 * an order…" → the Important notice as a modal (views.open with the click's trigger_id) →
 * its submission → "submitted" kept in the user's DM → the worker has the backend cancel it
 * and the "finished" notification arrives in the same DM, once. A retried submission
 * cancels nothing more; a submission without the acknowledgement cancels nothing.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { startWorker, type WorkerProcess } from '../../bot/worker.js';
import { loadConfig } from '../../services/config.js';
import type { Db } from '../../services/db/pool.js';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, DEMO_PARTNER } from '../../services/seed/demo.js';
import { assertValidBlockKit, assertValidSlackModal } from '../cards/validate.js';
import type { FakeSlackApi, SlackCall } from '../fakes/slack-api.js';
import { TestBackends, eventually, isolatedDb } from '../jobs/support.js';
import { createCustomer, createPartner } from '../commerce/factories.js';
import { createBlockAction, createSlashCommand, createUser, createViewSubmission, type ViewInputState } from '../support/factories.js';
import { placeOrder } from '../support/purchases.js';
import { slackButtons as buttons, slackEnv, startSlackTestBot, type SlackTestBot } from '../support/slack.js';

const USER = 'U0DEMOADMIN'; // demo: Admin agent + Global admin
const WS_DATACENTER = { productId: 'DG7GMGF0D7FV', skuId: '0001' };
const TEAM = DEMO_PARTNER.slackTeamId;

describe('bot: cancelling over Slack, to the notification in the DM', function () {
  this.timeout(60_000);
  const backends = new TestBackends();
  let isolated: { db: Db; drop: () => Promise<void> };
  let db: Db;
  let slack: SlackTestBot;
  let fake: FakeSlackApi;
  let worker: WorkerProcess | undefined;
  let partnerId: number;
  let adminId: number;
  let customer: { id: string; domain: string; name: string };

  before(async () => {
    // A schema of its own: the worker relays every job intent of the schema it runs on.
    isolated = await isolatedDb('slack_cancel');
    db = isolated.db;
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    slack = await startSlackTestBot({ db });
    ({ fake } = slack);
    const p = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = $1", [TEAM]);
    partnerId = Number(p.rows[0]!.partner_id);
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'slack' AND external_id = $2", [partnerId, USER]);
    adminId = Number(u.rows[0]!.id);
  });
  after(async () => {
    await worker?.close(2000);
    await slack.close();
    await backends.cleanup();
    await isolated.drop();
  });
  beforeEach(async () => {
    const name = `Slack Cancel ${randomUUID().slice(0, 8)} AG`;
    const domain = `slack-cancel-${randomUUID().slice(0, 8)}.onmicrosoft.com`;
    const { rows } = await db.query<{ id: string }>(
      "INSERT INTO customers (partner_id, company_name, tenant_id, primary_domain, billing_country) VALUES ($1, $2, $3, $4, 'DE') RETURNING id",
      [partnerId, name, randomUUID(), domain],
    );
    customer = { id: rows[0]!.id, domain, name };
  });

  async function buy(): Promise<string> {
    const { order } = await placeOrder(db, partnerId, { customerId: customer.id, createdBy: adminId, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
    return order.id;
  }
  async function post(body: string, headers: Record<string, string> = {}) {
    assert.equal((await slack.post(body, headers)).status, 200);
  }
  const answer = (pred: (c: SlackCall) => boolean) => slack.answer(pred);
  async function click(button: { value: string; action_id: string }, path: string, user = USER) {
    await post(createBlockAction({ teamId: TEAM, userId: user, value: button.value, actionId: button.action_id, responseUrl: fake.responseUrl(path) }));
  }
  const cancellations = async (orderId: string) =>
    (await db.query<{ status: string }>('SELECT status FROM cancellations WHERE order_id = $1', [orderId])).rows.map((r) => r.status);
  const texts = (c: SlackCall) => JSON.stringify(c.params.blocks);
  const ticked: ViewInputState = { type: 'checkboxes', selected_options: [{ value: 'true', text: { type: 'plain_text', text: 'I have read the notice and want to cancel this order' } }] };
  const submission = (view: any, values: Record<string, Record<string, ViewInputState>>) => createViewSubmission({ teamId: TEAM, userId: USER, view, values });

  /** `/csp cancel <customer>` → the list → "Cancel an order…" of the product → the modal Slack was asked to open. */
  async function openNotice(tag: string): Promise<any> {
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `cancel ${customer.domain}`, responseUrl: fake.responseUrl(`${tag}/1`) }));
    const list = await answer((c) => c.path.endsWith(`${tag}/1`));
    assertValidBlockKit({ text: list.params.text, blocks: list.params.blocks });
    const cancelOrder = buttons(list).find((b) => JSON.parse(b.value).action === 'cancel.product');
    assert.ok(cancelOrder, `a Cancel an order… button: ${texts(list)}`);
    fake.calls.length = 0;
    await click(cancelOrder, `${tag}/2`);
    const opened = await answer((c) => c.method === 'views.open' || c.path.endsWith(`${tag}/2`));
    assert.equal(opened.method, 'views.open', `the notice opens as a modal, not ${texts(opened)}`);
    assertValidSlackModal(opened.params.view);
    return opened.params.view;
  }

  it('/csp cancel → list → modal → Submit → submitted in the DM; the worker finishes it and the notification arrives in the DM once', async () => {
    const orderId = await buy();
    const view = await openNotice('c');
    const modal = JSON.stringify(view.blocks);
    assert.match(modal, new RegExp(orderId));
    assert.match(modal, /revokes all activation keys and download links/);
    assert.match(modal, /Credit if you cancel today: €[\d,.]+/);
    assert.equal(JSON.parse(view.private_metadata).action, 'cancel.submit');
    const ackBlock = view.blocks.find((b: any) => b.type === 'input' && b.element?.action_id === 'acknowledged');
    assert.ok(ackBlock && !ackBlock.optional, 'the acknowledgement is a required checkbox');

    fake.calls.length = 0;
    const body = submission(view, { [ackBlock.block_id]: { acknowledged: ticked } });
    await post(body);
    const submitted = await answer((c) => c.method === 'chat.postMessage');
    assert.equal(submitted.params.channel, USER, 'the confirmation is kept in the DM');
    assertValidBlockKit({ text: submitted.params.text, blocks: submitted.params.blocks });
    assert.match(texts(submitted), /Cancellation submitted for order/);
    assert.match(texts(submitted), /up to 15 minutes/);
    const credit = /Expected credit on your next invoice: (€[\d,]+\.\d{2})/.exec(texts(submitted))?.[1];
    assert.ok(credit, 'the confirmation names the credit');
    assert.deepEqual(await cancellations(orderId), ['requested']);

    // Slack retries the submission: the same request, answered once; no second cancellation (checked at the end).
    await post(body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });

    // "Cancel another order" lists the customer's purchases again, with this one in progress.
    const another = buttons(submitted).find((b) => JSON.parse(b.value).command === 'cancel');
    assert.ok(another, 'a Cancel another order button');
    await click(another, 'c/3');
    const list = await answer((c) => c.path.endsWith('c/3'));
    assert.match(texts(list), /Cancellation in progress/);
    assert.equal(list.params.replace_original, false, 'a new task below: the confirmation stays as the record');

    fake.calls.length = 0;
    const config = loadConfig({ ...slackEnv(fake), OUTBOX_RELAY_INTERVAL_MS: '100', WORKER_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '2000', EMBEDDED_CANCELLATION_DELAY_MS: '300' });
    worker = startWorker({ config, db, jobs: backends.create('redis'), logger: createLogger({ level: 'silent' }) });
    const finished = await eventually(
      () => fake.calls.find((c) => c.method === 'chat.postMessage' && /Cancellation finished/.test(texts(c))),
      { what: 'the finished notification at Slack', timeoutMs: 30_000 },
    );
    assert.equal(finished.params.channel, USER, 'the notification goes to the DM');
    assertValidBlockKit({ text: finished.params.text, blocks: finished.params.blocks });
    assert.match(texts(finished), new RegExp(`Order ${orderId}`));
    assert.ok(texts(finished).includes(credit), `the credit ${credit} is in the notification`);
    await eventually(async () => (await cancellations(orderId))[0] === 'finished', { what: 'the cancellation finished' });
    assert.deepEqual(await cancellations(orderId), ['finished'], 'one cancellation, however often Slack sent the submission');
    // Once: the notification row is sent, and no second one follows.
    const sent = await eventually(async () => {
      const { rows } = await db.query<{ status: string }>("SELECT status FROM notifications WHERE dedupe_key LIKE 'cancellation-finished:%'");
      return rows.length === 1 && rows[0]!.status === 'sent' ? rows : null;
    }, { what: 'one sent notification row' });
    assert.equal(sent.length, 1);
    assert.equal(fake.calls.filter((c) => c.method === 'chat.postMessage' && /Cancellation finished/.test(texts(c))).length, 1);

    // /csp orders shows it cancelled with the credit; /csp keys as key not available.
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `orders ${customer.domain}`, responseUrl: fake.responseUrl('c/4') }));
    const orders = texts(await answer((c) => c.path.endsWith('c/4')));
    assert.match(orders, /Cancelled on/);
    assert.ok(orders.includes(credit), `orders shows the credit: ${orders}`);
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `keys ${customer.domain}`, responseUrl: fake.responseUrl('c/5') }));
    assert.match(texts(await answer((c) => c.path.endsWith('c/5'))), /[Kk]ey not available/);
  });

  it('a submission without the acknowledgement (forged past Slack\'s required checkbox) cancels nothing and shows the notice again, saying why', async () => {
    const orderId = await buy();
    const view = await openNotice('a');
    fake.calls.length = 0;
    await post(submission(view, {}));
    const again = await answer((c) => c.method === 'views.open');
    assertValidSlackModal(again.params.view);
    assert.match(JSON.stringify(again.params.view.blocks), /Tick the acknowledgement to submit/);
    assert.equal(JSON.parse(again.params.view.private_metadata).noticeId, JSON.parse(view.private_metadata).noticeId, 'the same notice');
    assert.deepEqual(await cancellations(orderId), []);
  });

  it('/csp cancel <order id> opens the notice as a modal at once (with the command\'s own trigger_id)', async () => {
    const orderId = await buy();
    fake.calls.length = 0;
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `cancel ${orderId}`, responseUrl: fake.responseUrl('t/1') }));
    const opened = await answer((c) => c.method === 'views.open' || c.path.endsWith('t/1'));
    assert.equal(opened.method, 'views.open', `the notice opens as a modal: ${opened.path}`);
    assertValidSlackModal(opened.params.view);
    assert.match(JSON.stringify(opened.params.view.blocks), new RegExp(orderId));
  });

  it('refusals over Slack: a Sales agent, an order of another partner, an unknown and an over-long order id — each answered, nothing changes', async () => {
    const orderId = await buy();
    const sales = await createUser(db, { id: partnerId, tenantId: '', slackTeamId: TEAM }, { channel: 'slack', roles: ['sales_agent'] });
    await post(createSlashCommand({ teamId: TEAM, userId: sales.externalId, text: `cancel ${orderId}`, responseUrl: fake.responseUrl('r/1') }));
    assert.match(texts(await answer((c) => c.path.endsWith('r/1'))), /Admin agent/);

    // Another partner's order, with a customer and an order of its own: looked for among this partner's only.
    const other = await createPartner(db, 'Another partner');
    const theirCustomer = await createCustomer(db, other, { companyName: 'Their Customer AG', billingCountry: 'DE' });
    // An order id with a digit (about one in 90 has none: that one is read as customer words unless this partner has it — dialogs/cancel.ts).
    let theirs = (await placeOrder(db, other.partnerId, { customerId: theirCustomer.id, createdBy: other.userId, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() })).order;
    while (!/\d/.test(theirs.id)) {
      theirs = (await placeOrder(db, other.partnerId, { customerId: theirCustomer.id, createdBy: other.userId, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() })).order;
    }
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `cancel ${theirs.id}`, responseUrl: fake.responseUrl('r/2') }));
    const refused = texts(await answer((c) => c.path.endsWith('r/2')));
    assert.match(refused, new RegExp(`I found no order ${theirs.id}`));
    assert.doesNotMatch(refused, /Their Customer AG/);

    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'cancel ZZZZZZZZZZZ9', responseUrl: fake.responseUrl('r/3') }));
    assert.match(texts(await answer((c) => c.path.endsWith('r/3'))), /I found no order ZZZZZZZZZZZ9/);
    // 129 characters are no order id (at most 128, Partner Center's are long): the words are read as a customer — here as a malformed tenant id.
    const long = '1'.repeat(129);
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `cancel ${long}`, responseUrl: fake.responseUrl('r/4') }));
    assert.match(texts(await answer((c) => c.path.endsWith('r/4'))), /is not a valid tenant ID/);
    assert.deepEqual(await cancellations(orderId), []);
    assert.deepEqual(await cancellations(theirs.id), []);
  });
});
