/**
 * The purchase flow over Slack, as signed requests to /slack/events against a fake Slack Web
 * API: /csp buy → buttons → a quantity modal (views.open with the click's trigger_id) → the
 * modal's submission → review → Confirm → the confirmation kept in the user's DM. A retried
 * Confirm request buys nothing more.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, DEMO_PARTNER } from '../../services/seed/demo.js';
import { testDb } from '../support/db.js';
import { createBlockAction, createSlashCommand, createUser, createViewSubmission } from '../support/factories.js';
import type { FakeSlackApi } from '../fakes/slack-api.js';
import { answerAsDemoAdmin, slackButtons as buttons, startSlackTestBot, type SlackTestBot } from '../support/slack.js';
import { assertValidBlockKit, assertValidSlackModal } from '../cards/validate.js';

const USER = 'U0DEMOADMIN';
const WS_DATACENTER = 'DG7GMGF0D7FV';

describe('bot: buying over Slack', function () {
  this.timeout(30_000);
  const db = testDb();
  let fake: FakeSlackApi;
  let slack: SlackTestBot;

  before(async () => {
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    slack = await startSlackTestBot();
    ({ fake } = slack);
  });
  after(() => slack.close());

  async function post(body: string) {
    assert.equal((await slack.post(body)).status, 200);
  }
  async function click(value: string, actionId: string, path: string) {
    const body = createBlockAction({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, value, actionId, responseUrl: fake.responseUrl(path) });
    await post(body);
    return body;
  }
  async function orders(): Promise<number> {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM orders o JOIN customers c ON c.id = o.customer_id
         JOIN partner_channels pc ON pc.partner_id = c.partner_id AND pc.channel = 'slack' AND pc.external_id = $1
        WHERE c.primary_domain = 'contoso-de.onmicrosoft.com'`,
      [DEMO_PARTNER.slackTeamId],
    );
    return rows[0].n;
  }

  it('refuses /csp buy to someone who is no Admin agent or Global admin, naming the roles', async () => {
    const partner = await db.query(`SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = $1`, [DEMO_PARTNER.slackTeamId]);
    const sales = await createUser(db, { id: Number(partner.rows[0].partner_id), tenantId: '', slackTeamId: DEMO_PARTNER.slackTeamId }, { channel: 'slack', roles: ['sales_agent'] });
    fake.script((call) => (call.method === 'users.info' ? { body: { ok: true, user: { id: call.params.user, real_name: 'Sam Sales', locale: 'en-US' } } } : undefined));
    try {
      await post(createSlashCommand({ teamId: DEMO_PARTNER.slackTeamId, userId: sales.externalId, text: 'buy contoso', responseUrl: fake.responseUrl('r/refused') }));
      const answer = await slack.answer((c) => c.path.endsWith('r/refused'));
      assert.match(JSON.stringify(answer.params.blocks), /Admin agent or Global admin/);
    } finally {
      answerAsDemoAdmin(fake);
    }
  });

  it('/csp buy → product → SKU → quantity modal → review → confirm → order in the DM, once', async () => {
    const before = await orders();
    await post(createSlashCommand({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, text: 'buy contoso-de.onmicrosoft.com', responseUrl: fake.responseUrl('r/1') }));
    const products = await slack.answer((c) => c.path.endsWith('r/1'));
    assertValidBlockKit({ text: products.params.text, blocks: products.params.blocks });
    const product = buttons(products).find((b) => JSON.parse(b.value).productId === WS_DATACENTER);
    assert.ok(product, 'a button for Windows Server Datacenter');

    await click(product.value, product.action_id, 'r/2');
    const skus = await slack.answer((c) => c.path.endsWith('r/2'));
    assert.match(JSON.stringify(skus.params.blocks), /excl\. tax/);
    const sku = buttons(skus).find((b) => JSON.parse(b.value).action === 'buy.sku' && JSON.parse(b.value).skuId === '0001');
    assert.ok(sku, 'a Choose button for SKU 0001');

    const clickBody = await click(sku.value, sku.action_id, 'r/3');
    const opened = await slack.answer((c) => c.method === 'views.open');
    const triggerId = JSON.parse(new URLSearchParams(clickBody).get('payload')!).trigger_id;
    assert.equal(opened.params.trigger_id, triggerId, 'the modal opens with the trigger_id of the click');
    const view = opened.params.view;
    assertValidSlackModal(view);

    const quantityBlock = view.blocks.find((b: any) => b.type === 'input' && b.element?.action_id === 'quantity');
    await post(createViewSubmission({
      teamId: DEMO_PARTNER.slackTeamId,
      userId: USER,
      view,
      values: { [quantityBlock.block_id]: { quantity: { type: 'number_input', value: '16' } } },
    }));
    // One message per task: the review takes the place of the SKU message whose Choose opened the modal.
    const review = await slack.answer((c) => c.path.endsWith('r/3') && /Confirm/.test(JSON.stringify(c.params.blocks)));
    assert.equal(review.params.replace_original, true, 'the review replaces the SKU message');
    assertValidBlockKit({ text: review.params.text, blocks: review.params.blocks });
    const confirm = buttons(review).find((b) => JSON.parse(b.value).action === 'buy.confirm');
    assert.ok(confirm);

    fake.calls.length = 0;
    const confirmBody = await click(confirm.value, confirm.action_id, 'r/4');
    const done = await slack.answer((c) => c.method === 'chat.postMessage');
    assert.equal(done.params.channel, USER, 'the confirmation is kept in the DM');
    assert.match(JSON.stringify(done.params.blocks), /[A-Z0-9]{12}/);
    // And the ephemeral review becomes the confirmation, without a live Confirm.
    const replaced = await slack.answer((c) => c.path.endsWith('r/4'));
    assert.equal(replaced.params.replace_original, true);
    assert.match(JSON.stringify(replaced.params.blocks), /[A-Z0-9]{12}/);
    assert.ok(!buttons(replaced).some((b) => JSON.parse(b.value).action === 'buy.confirm'), 'no Confirm left on the confirmation');
    assert.equal(await orders(), before + 1);

    // Slack retries the same request: no second order.
    const retry = await slack.post(confirmBody, { 'x-slack-retry-num': '1' });
    assert.equal(retry.status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await orders(), before + 1);
  });

  it('/csp orders <customer>: the customer\'s orders newest first, with status and days left to cancel, paged with buttons', async () => {
    // More than a page (10): eleven more orders.
    // The demo partner's Contoso GmbH (other specs make customers of that name for partners of their own).
    const contoso = await db.query<{ id: string; partner_id: string }>(
      `SELECT c.id, c.partner_id FROM customers c JOIN partner_channels pc ON pc.partner_id = c.partner_id AND pc.channel = 'slack' AND pc.external_id = $1
        WHERE c.primary_domain = 'contoso-de.onmicrosoft.com'`,
      [DEMO_PARTNER.slackTeamId],
    );
    assert.equal(contoso.rows.length, 1);
    const backend = new EmbeddedCommerceBackend(db);
    for (let i = 0; i < 11; i++) {
      await backend.createOrder(Number(contoso.rows[0]!.partner_id), {
        customerId: contoso.rows[0]!.id, createdBy: 1, lines: [{ productId: WS_DATACENTER, skuId: '0001', quantity: 8 + i }], idempotencyKey: randomUUID(),
      });
    }
    const { rows } = await db.query<{ id: string }>('SELECT id FROM orders WHERE customer_id = $1 ORDER BY purchased_at DESC, id DESC', [contoso.rows[0]!.id]);
    await post(createSlashCommand({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, text: 'orders contoso-de.onmicrosoft.com', responseUrl: fake.responseUrl('o/1') }));
    const list = await slack.answer((c) => c.path.endsWith('o/1'));
    assertValidBlockKit({ text: list.params.text, blocks: list.params.blocks });
    const shown = JSON.stringify(list.params.blocks);
    assert.match(shown, /Orders of Contoso GmbH/);
    assert.ok(shown.indexOf(rows[0]!.id) >= 0, 'the newest order is listed');
    assert.match(shown, /\d+ days left to cancel|Cancellation window passed|Cannot be cancelled|Cancelled/);
    const ids = rows.map((r) => r.id).filter((id) => shown.includes(id));
    assert.deepEqual(ids, rows.slice(0, ids.length).map((r) => r.id), 'newest first');

    assert.equal(ids.length, 10, 'a page of ten');
    const paging = buttons(list).filter((b) => JSON.parse(b.value).action === 'orders.page');
    assert.deepEqual(paging.map((b) => JSON.parse(b.value).page), [2], 'Next only, on the first page');
    await click(paging[0]!.value, paging[0]!.action_id, 'o/2');
    const page2 = JSON.stringify((await slack.answer((c) => c.path.endsWith('o/2'))).params.blocks);
    assert.ok(page2.includes(rows[10]!.id), 'the eleventh newest on page 2');
    assert.ok(!page2.includes(rows[0]!.id));
  });

  it('/csp orders answers an unknown customer and a customer of another partner alike, changing nothing', async () => {
    for (const [path, who] of [['o/unknown', 'nobody-such.onmicrosoft.com'], ['o/other', 'woodgrove-de.onmicrosoft.com']] as const) {
      await post(createSlashCommand({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, text: `orders ${who}`, responseUrl: fake.responseUrl(path) }));
      const answer = JSON.stringify((await slack.answer((c) => c.path.endsWith(path))).params.blocks);
      assert.match(answer, /nobody-such|woodgrove/i, 'the search is quoted back');
      assert.doesNotMatch(answer, /Woodgrove Bank AG/, 'another partner\'s customer is never named');
    }
  });

  it('/csp orders without a customer: the card\'s Search opens the search as a modal, whose submission finds the customer (the customer step of every flow)', async () => {
    await post(createSlashCommand({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, text: 'orders', responseUrl: fake.responseUrl('s/1') }));
    const card = await slack.answer((c) => c.path.endsWith('s/1'));
    assertValidBlockKit({ text: card.params.text, blocks: card.params.blocks });
    const search = buttons(card).find((b) => JSON.parse(b.value).action === 'orders.search');
    assert.ok(search, 'a Search button on the customer card');
    fake.calls.length = 0;
    await click(search.value, search.action_id, 's/2');
    const opened = await slack.answer((c) => c.method === 'views.open');
    const view = opened.params.view;
    assertValidSlackModal(view);
    // The modal remembers the message whose click opened it: the submission's answer takes its place.
    const metadata = JSON.parse(view.private_metadata);
    assert.deepEqual(metadata, { action: 'orders.search', task: metadata.task, _origin: { responseUrl: fake.responseUrl('s/2'), channelId: 'C0TEST0001', ephemeral: true } });
    assert.match(metadata.task, /^[a-f0-9]{12}$/, 'and the task whose card it came from');
    const queryBlock = view.blocks.find((b: any) => b.type === 'input' && b.element?.action_id === 'query');
    await post(createViewSubmission({
      teamId: DEMO_PARTNER.slackTeamId,
      userId: USER,
      view,
      values: { [queryBlock.block_id]: { query: { type: 'plain_text_input', value: 'contoso-de.onmicrosoft.com' } } },
    }));
    const list = await slack.answer((c) => c.path.endsWith('s/2') && /Orders of Contoso GmbH/.test(JSON.stringify(c.params.blocks)));
    assert.equal(list.params.replace_original, true, 'the list replaces the customer card');
    assertValidBlockKit({ text: list.params.text, blocks: list.params.blocks });
  });

  it('/csp buy: the product card\'s Search opens the product search as a modal; its submission lists what matches', async () => {
    await post(createSlashCommand({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, text: 'buy contoso-de.onmicrosoft.com', responseUrl: fake.responseUrl('p/1') }));
    const products = await slack.answer((c) => c.path.endsWith('p/1'));
    const search = buttons(products).find((b) => JSON.parse(b.value).action === 'buy.searchProducts');
    assert.ok(search, 'a Search button on the product card');
    fake.calls.length = 0;
    await click(search.value, search.action_id, 'p/2');
    const opened = await slack.answer((c) => c.method === 'views.open');
    const view = opened.params.view;
    assertValidSlackModal(view);
    assert.equal(JSON.parse(view.private_metadata).action, 'buy.productSearch');
    const searchBlock = view.blocks.find((b: any) => b.type === 'input' && b.element?.action_id === 'search');
    await post(createViewSubmission({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, view, values: { [searchBlock.block_id]: { search: { type: 'plain_text_input', value: 'SQL Server' } } } }));
    const list = await slack.answer((c) => c.path.endsWith('p/2') && /SQL Server/.test(JSON.stringify(c.params.blocks)));
    assertValidBlockKit({ text: list.params.text, blocks: list.params.blocks });
    assert.doesNotMatch(JSON.stringify(list.params.blocks), /Windows Server Datacenter/, 'only what matches the search');
  });
});
