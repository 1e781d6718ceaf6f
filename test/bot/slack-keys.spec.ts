/**
 * Keys and downloads over Slack, as signed requests to /slack/events against a fake Slack
 * Web API: /csp keys <customer> → a purchase → a Version · Language · File type button →
 * the key and link, answered only through the command's response_url (ephemeral, R11) —
 * never chat.postMessage. A Download (link) button click is acknowledged and ignored.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, DEMO_PARTNER } from '../../services/seed/demo.js';
import { testDb } from '../support/db.js';
import { createBlockAction, createSlashCommand } from '../support/factories.js';
import type { FakeSlackApi } from '../fakes/slack-api.js';
import { slackButtons as buttons, startSlackTestBot, type SlackTestBot } from '../support/slack.js';
import { assertValidBlockKit } from '../cards/validate.js';
import { placeOrder } from '../support/purchases.js';

const USER = 'U0DEMOADMIN'; // demo: Admin agent + Global admin
const PRODUCT_KEY = /\b[B-Y2-9]{5}(-[B-Y2-9]{5}){4}\b/;

describe('bot: keys and downloads over Slack', function () {
  this.timeout(30_000);
  const db = testDb();
  let fake: FakeSlackApi;
  let slack: SlackTestBot;
  let domain: string;
  let orderId: string;

  before(async () => {
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    slack = await startSlackTestBot();
    ({ fake } = slack);
    const partner = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = $1", [DEMO_PARTNER.slackTeamId]);
    const partnerId = Number(partner.rows[0]!.partner_id);
    domain = `slack-keys-${randomUUID().slice(0, 8)}.onmicrosoft.com`;
    const c = await db.query<{ id: string }>(
      "INSERT INTO customers (partner_id, company_name, tenant_id, primary_domain, billing_country) VALUES ($1, 'Slack Keys AG', $2, $3, 'DE') RETURNING id",
      [partnerId, randomUUID(), domain],
    );
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'slack' AND external_id = $2", [partnerId, USER]);
    const { order } = await placeOrder(db, partnerId, {
      customerId: c.rows[0]!.id, createdBy: Number(u.rows[0]!.id), lines: [{ productId: 'DG7GMGF0D7FV', skuId: '0001', quantity: 8 }], idempotencyKey: randomUUID(),
    });
    orderId = order.id;
  });
  after(() => slack.close());

  async function post(body: string) {
    assert.equal((await slack.post(body)).status, 200);
  }

  it('/csp keys → purchase → combination → key and link, ephemeral only', async () => {
    await post(createSlashCommand({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, text: `keys ${domain}`, responseUrl: fake.responseUrl('k/1') }));
    const list = await slack.answer((c) => c.path.endsWith('k/1'));
    assertValidBlockKit({ text: list.params.text, blocks: list.params.blocks });
    assert.match(JSON.stringify(list.params.blocks), new RegExp(orderId));
    const item = buttons(list).find((b) => JSON.parse(b.value).action === 'software.item');
    assert.ok(item, 'a Keys and downloads button');

    await post(createBlockAction({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, value: item.value, actionId: item.action_id, responseUrl: fake.responseUrl('k/2') }));
    const choices = await slack.answer((c) => c.path.endsWith('k/2'));
    assertValidBlockKit({ text: choices.params.text, blocks: choices.params.blocks });
    const variant = buttons(choices).find((b) => /2025/.test(b.text.text) && /ISO/.test(b.text.text));
    assert.ok(variant, 'a button for a Windows Server 2025 ISO');

    await post(createBlockAction({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, value: variant.value, actionId: variant.action_id, responseUrl: fake.responseUrl('k/3') }));
    const keys = await slack.answer((c) => c.path.endsWith('k/3'));
    assertValidBlockKit({ text: keys.params.text, blocks: keys.params.blocks });
    assert.match(JSON.stringify(keys.params.blocks), PRODUCT_KEY);
    assert.notEqual(keys.params.response_type, 'in_channel', 'ephemeral');
    assert.doesNotMatch(String(keys.params.text), PRODUCT_KEY, 'the notification text holds no key');
    const download = buttons(keys).find((b) => typeof b.url === 'string');
    assert.match(download.url, /\/downloads\/[A-Za-z0-9_-]{43}$/);
    assert.ok(!fake.calls.some((c) => c.method === 'chat.postMessage' && PRODUCT_KEY.test(JSON.stringify(c.params))), 'never posted with chat.postMessage');

    // Clicking Download opens the URL in the browser; the click reaches the bot and is ignored.
    const callsBefore = fake.calls.length;
    await post(createBlockAction({ teamId: DEMO_PARTNER.slackTeamId, userId: USER, value: download.value ?? '', actionId: download.action_id, responseUrl: fake.responseUrl('k/4'), url: download.url }));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!fake.calls.slice(callsBefore).some((c) => c.path.endsWith('k/4')), 'no answer to a link click');
  });
});
