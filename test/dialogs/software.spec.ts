/**
 * The keys-and-downloads flow as a turn table through /api/messages (expectReplies) on the
 * demo partner: list → purchase → version/language/file type → key and link → the link
 * downloads the file. R8 refusals (recorded), R11 privacy in group chats, R19 cancelled
 * purchases, foreign and tampered cards, `cancel` at each step.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { cardText } from '../support/bot-harness.js';
import { connectorReplies } from '../fakes/bot-connector.js';
import { placeOrder, setPurchaseStatus } from '../support/purchases.js';
import { ALEX, demoTurnTable, MEGAN, type Turn } from '../support/turn-table.js';

const WS_DATACENTER = { productId: 'DG7GMGF0D7FV', skuId: '0001' };
const TOKEN_URL = /http:\/\/127\.0\.0\.1:\d+\/downloads\/([A-Za-z0-9_-]{43})/;
const PRODUCT_KEY = /\b[B-Y2-9]{5}(-[B-Y2-9]{5}){4}\b/;


describe('dialogs/software (Teams turn table)', function () {
  this.timeout(30_000);
  const tt = demoTurnTable('Keys Test');
  const { db, turnRaw, turn } = tt;
  const buy = (sku = WS_DATACENTER, quantity = 8) => tt.buy(sku, quantity);
  const activityRows = async (event: string, outcome: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = $2 AND outcome = $3', [tt.partnerId, event, outcome])).rows[0]!.n;
  const linksOf = async (orderId: string) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM download_links WHERE order_id = $1', [orderId])).rows[0]!.n;

  it('a resend of the request that showed a key is answered without it: no key or link is stored to answer it again (R11)', async () => {
    const orderId = await buy();
    await turn({ text: `keys ${tt.customer.domain}` });
    await turn({ value: { action: 'software.item', orderId, lineNumber: 0 } });
    const id = randomUUID();
    const get = { value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' }, id };
    assert.match(await turn(get), PRODUCT_KEY, 'the first answer shows the key');
    const again = await turn(get);
    assert.doesNotMatch(again, PRODUCT_KEY);
    assert.doesNotMatch(again, /\/downloads\//);
    assert.match(again, /not shown again for a repeated request/);
    const { rows } = await db.query<{ reply: unknown }>("SELECT reply FROM processed_inbound WHERE request_key LIKE '%' || $1", [id]);
    assert.equal(rows.length, 1);
    assert.doesNotMatch(JSON.stringify(rows[0]!.reply), PRODUCT_KEY);
    assert.doesNotMatch(JSON.stringify(rows[0]!.reply), /\/downloads\//);
  });

  it('lists the software, offers only the product\'s versions/languages/file types, gives a key and a link that downloads the file', async () => {
    const orderId = await buy();
    const list = await turn({ text: `keys ${tt.customer.domain}` });
    assert.match(list, new RegExp(`Software of ${tt.customer.name}`));
    assert.match(list, /Windows Server Datacenter/);
    assert.match(list, new RegExp(orderId));

    const choices = await turn({ value: { action: 'software.item', orderId, lineNumber: 0 } });
    assert.match(choices, /Windows Server 2025/);
    assert.match(choices, /Windows Server 2022/);
    assert.match(choices, /de-DE|German/);
    assert.match(choices, /VHD/);
    assert.doesNotMatch(choices, /SQL Server/, 'only this product\'s versions');

    const keysActivities = await turnRaw({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } });
    const keys = cardText(keysActivities);
    const key = PRODUCT_KEY.exec(keys)?.[0];
    assert.ok(key, 'an activation key');
    assert.match(keys, /Simulated key/);
    const url = TOKEN_URL.exec(JSON.stringify(keysActivities))?.[0];
    assert.ok(url, 'a download link');
    assert.doesNotMatch(keysActivities[0].summary ?? '', PRODUCT_KEY, 'the notification summary holds no key');

    // The link downloads the simulated file, counts one download and records it (R12).
    const download = await fetch(url.replace(/^http:\/\/127\.0\.0\.1:\d+/, tt.bot.url));
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /attachment/);
    assert.equal(download.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await download.text(), /SIMULATED download of .*Windows Server 2025.*de-DE.*ISO/s);
    const { rows } = await db.query<{ download_count: number }>('SELECT download_count FROM download_links WHERE order_id = $1', [orderId]);
    assert.deepEqual(rows.map((r) => r.download_count), [1]);
    const logged = await db.query('SELECT event, outcome, ip, user_agent FROM activity_log WHERE order_id = $1 ORDER BY id', [orderId]);
    assert.deepEqual(logged.rows.map((r) => `${r.event}:${r.outcome}`), ['key_view:ok', 'link_issued:ok', 'download:ok']);
    assert.ok(logged.rows[2].ip, 'downloads record where from');

    // Neither the key nor the token reached a log line.
    const token = TOKEN_URL.exec(url)![1]!;
    assert.ok(!tt.bot.logs.join('').includes(token), 'token not logged');
    assert.ok(!tt.bot.logs.join('').includes(key), 'key not logged');

    // Asking again: the same key, a fresh link; the first keeps working (its own limits).
    const again = await turnRaw({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } });
    assert.equal(PRODUCT_KEY.exec(cardText(again))?.[0], key);
    const url2 = TOKEN_URL.exec(JSON.stringify(again))?.[0];
    assert.ok(url2 && url2 !== url);
    assert.equal(await linksOf(orderId), 2);
    assert.equal((await fetch(url.replace(/^http:\/\/127\.0\.0\.1:\d+/, tt.bot.url))).status, 200);
  });

  it('the real link answers HEAD without counting, then 410 once used up, expired or revoked (with a page saying which)', async () => {
    const orderId = await buy();
    await turn({ text: `keys ${tt.customer.domain}` });
    const got = async () => {
      const acts = await turnRaw({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2022', language: 'en-US', fileType: 'VHD' } });
      return TOKEN_URL.exec(JSON.stringify(acts))![0].replace(/^http:\/\/127\.0\.0\.1:\d+/, tt.bot.url);
    };
    const countOf = async (url: string) => (await db.query<{ download_count: number }>(
      'SELECT download_count FROM download_links WHERE token_hash = sha256(convert_to($1, \'UTF8\'))', [url.split('/').pop()])).rows[0]!.download_count;

    const url = await got();
    assert.equal((await fetch(url, { method: 'HEAD' })).status, 200);
    assert.equal(await countOf(url), 0, 'HEAD does not count');
    await db.query("UPDATE download_links SET download_count = max_downloads WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [url.split('/').pop()]);
    const usedUp = await fetch(url);
    assert.equal(usedUp.status, 410);
    assert.match(await usedUp.text(), /50/);

    const expiring = await got();
    await db.query("UPDATE download_links SET created_at = now() - interval '15 days', expires_at = now() - interval '1 day' WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [expiring.split('/').pop()]);
    const expired = await fetch(expiring);
    assert.equal(expired.status, 410);
    assert.match(await expired.text(), /expired/i);

    const revokedUrl = await got();
    await db.query("UPDATE download_links SET revoked_at = now(), revoked_reason = 'cancelled' WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [revokedUrl.split('/').pop()]);
    const revoked = await fetch(revokedUrl);
    assert.equal(revoked.status, 410);
    assert.match(await revoked.text(), /cancelled/i);

    assert.equal((await fetch(`${tt.bot.url}/downloads/not-a-token`)).status, 404);
    assert.equal((await fetch(`${url.slice(0, -1)}A`.replace(/A$/, url.endsWith('A') ? 'B' : 'A'))).status, 404, 'a token that is one character off');
    const outcomes = await db.query<{ outcome: string }>("SELECT outcome FROM activity_log WHERE order_id = $1 AND event = 'download' ORDER BY id", [orderId]);
    assert.deepEqual(outcomes.rows.map((r) => r.outcome), ['used_up', 'expired', 'revoked'], 'failed downloads are recorded as such');
  });

  it('`software <customer>` is the same command', async () => {
    await buy();
    assert.match(await turn({ text: `software ${tt.customer.domain}` }), new RegExp(`Software of ${tt.customer.name}`));
  });

  it('asks for the customer when none is named, and finds it by name', async () => {
    await buy();
    assert.match(await turn({ text: 'keys' }), /whose software/i);
    assert.match(await turn({ text: tt.customer.name }), new RegExp(`Software of ${tt.customer.name}`));
  });

  it('a customer without software is told so', async () => {
    assert.match(await turn({ text: `keys ${tt.customer.domain}` }), /No software with keys has been bought/);
  });

  it('R8: a Sales agent is refused with the role named, nothing shown, and the attempt is recorded', async () => {
    await buy();
    const before = await activityRows('key_view', 'forbidden');
    const answer = await turn({ text: `keys ${tt.customer.domain}` }, MEGAN);
    assert.match(answer, /Admin agent/);
    assert.doesNotMatch(answer, /Software of/);
    assert.equal(await activityRows('key_view', 'forbidden'), before + 1);
  });

  it('R8: a Global admin who is not an Admin agent is refused too', async () => {
    const adminOnly = `00000000-0000-0000-0000-${randomUUID().slice(-12)}`;
    const u = await db.query<{ id: string }>(
      "INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, 'msteams', $2, 'Global Only') RETURNING id",
      [tt.partnerId, adminOnly],
    );
    await db.query("INSERT INTO user_roles (user_id, role) VALUES ($1, 'global_admin')", [u.rows[0]!.id]);
    const orderId = await buy();
    assert.match(await turn({ text: `keys ${tt.customer.domain}` }, adminOnly), /Admin agent/);
    // A forged card from this user gets no key either (the service checks the role).
    assert.doesNotMatch(await turn({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } }, adminOnly), PRODUCT_KEY);
    assert.equal(await linksOf(orderId), 0);
  });

  it('R19: a cancelled purchase is listed as "key not available", and a stale card gets no key', async () => {
    const orderId = await buy();
    await turn({ text: `keys ${tt.customer.domain}` });
    await setPurchaseStatus(db, orderId, 'cancelled');
    const list = await turn({ text: `keys ${tt.customer.domain}` });
    assert.match(list, /Key not available/);
    const stale = await turn({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } });
    assert.match(stale, /was cancelled/);
    assert.doesNotMatch(stale, PRODUCT_KEY);
    assert.equal(await linksOf(orderId), 0);
    assert.equal((await db.query('SELECT 1 FROM activity_log WHERE order_id = $1 AND outcome = $2', [orderId, 'not_available'])).rowCount, 1);
  });

  it('a version/language/file type the product does not have shows the pickers again and says so', async () => {
    const orderId = await buy();
    await turn({ text: `keys ${tt.customer.domain}` });
    const answer = await turn({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2012', language: 'de-DE', fileType: 'ISO' } });
    assert.match(answer, /There is no download of this product/);
    assert.doesNotMatch(answer, PRODUCT_KEY);
    assert.equal(await linksOf(orderId), 0);
  });

  it('an order of another customer (same partner) or a made-up order id gets no key', async () => {
    await buy();
    await turn({ text: `keys ${tt.customer.domain}` });
    const other = await db.query<{ id: string }>(
      `INSERT INTO customers (partner_id, company_name, tenant_id, primary_domain, billing_country) VALUES ($1, 'Other Keys Co', $2, $3, 'DE') RETURNING id`,
      [tt.partnerId, randomUUID(), `other-${randomUUID().slice(0, 8)}.onmicrosoft.com`],
    );
    const { order } = await placeOrder(db, tt.partnerId, { customerId: other.rows[0]!.id, createdBy: tt.alexUserId, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
    for (const orderId of [order.id, 'ZZZZZZZZZZZZ', '../../etc']) {
      const answer = await turn({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } });
      assert.match(answer, /not one of this customer's/);
      assert.doesNotMatch(answer, PRODUCT_KEY);
    }
    assert.equal(await linksOf(order.id), 0);
  });

  it('a card of the flow without a running flow is answered as stale; `cancel` stops the flow at each step', async () => {
    const orderId = await buy();
    assert.match(await turn({ value: { action: 'software.item', orderId, lineNumber: 0 } }), /no longer works|nothing was changed/i);
    for (const steps of [[{ text: 'keys' }], [{ text: `keys ${tt.customer.domain}` }], [{ text: `keys ${tt.customer.domain}` }, { value: { action: 'software.item', orderId, lineNumber: 0 } }]] as Turn[][]) {
      tt.conversationId = `a:${randomUUID()}`;
      for (const s of steps) await turn(s);
      assert.match(await turn({ text: 'cancel' }), /Stopped your [\w ]+\. Nothing was changed/);
      assert.doesNotMatch(await turn({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } }), PRODUCT_KEY);
    }
    assert.equal(await linksOf(orderId), 0);
  });

  it('after a key was shown, `cancel` starts the cancellation of a purchase instead of saying "Stopped" (the link it issued stays valid); `stop` says the task is done', async () => {
    const orderId = await buy();
    await turn({ text: `keys ${tt.customer.domain}` });
    await turn({ value: { action: 'software.item', orderId, lineNumber: 0 } });
    assert.match(await turn({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } }), PRODUCT_KEY);
    const stopped = await turn({ text: 'stop' });
    assert.match(stopped, /nothing to cancel: that task is done/);
    assert.doesNotMatch(stopped, /Stopped your [\w ]+\. Nothing was changed/);
    const answer = await turn({ text: 'cancel' });
    assert.match(answer, /Cancel a purchase: whose\?/);
    assert.doesNotMatch(answer, /Stopped your [\w ]+\. Nothing was changed/);
    assert.equal(await linksOf(orderId), 1);
  });

  it('R11: in a group chat the key goes to the personal chat; the group only hears that it was sent', async () => {
    const orderId = await buy();
    const group = `19:${randomUUID()}@thread.v2`;
    // No personal chat with the bot (earlier tests' ones are closed): nothing secret is sent anywhere.
    await db.query("UPDATE conversation_refs SET active = false WHERE user_id = $1 AND conversation_type = 'personal'", [tt.alexUserId]);
    await turn({ text: `keys ${tt.customer.domain}` }, ALEX, { conversationType: 'groupChat', conversationId: group });
    const refused = await turnRaw({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } }, ALEX, { conversationType: 'groupChat', conversationId: group });
    assert.match(cardText(refused), /Open a personal chat with me/);
    assert.doesNotMatch(JSON.stringify(refused), PRODUCT_KEY);
    assert.doesNotMatch(JSON.stringify(refused), TOKEN_URL);
    assert.equal(await linksOf(orderId), 0, 'no link made when it cannot be delivered privately');

    // Alex opens a personal chat (its reference points at the fake Bot Connector), then asks in the group again.
    await turn({ text: 'help' }, ALEX, { conversationId: `a:${randomUUID()}`, serviceUrl: tt.connector.url });
    const inGroup = await turnRaw({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } }, ALEX, { conversationType: 'groupChat', conversationId: group });
    assert.match(cardText(inGroup), /sent the key and the download link to you in our personal chat/);
    assert.doesNotMatch(JSON.stringify(inGroup), PRODUCT_KEY);
    assert.doesNotMatch(JSON.stringify(inGroup), TOKEN_URL);
    const delivered = tt.connector.delivered();
    assert.equal(delivered.length, 1);
    assert.match(JSON.stringify(delivered[0]), PRODUCT_KEY);
    assert.match(JSON.stringify(delivered[0]), /\/downloads\/[A-Za-z0-9_-]{43}/);
    assert.notEqual(tt.connector.requests[0]!.conversationId, group, 'not posted into the group');
  });

  it('R11/R12: when the personal chat cannot be reached, the link just made is withdrawn, the log says so, and the user is told', async () => {
    const orderId = await buy();
    const group = `19:${randomUUID()}@thread.v2`;
    await turn({ text: 'help' }, ALEX, { conversationId: `a:${randomUUID()}`, serviceUrl: tt.connector.url });
    tt.connector.script(() => connectorReplies.forbidden());
    await turn({ text: `keys ${tt.customer.domain}` }, ALEX, { conversationType: 'groupChat', conversationId: group });
    const answer = await turnRaw({ value: { action: 'software.get', orderId, lineNumber: 0, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO' } }, ALEX, { conversationType: 'groupChat', conversationId: group });
    assert.match(cardText(answer), /could not deliver the key to our personal chat, so I withdrew the download link/);
    assert.doesNotMatch(cardText(answer), /something went wrong/i);
    assert.doesNotMatch(JSON.stringify(answer), PRODUCT_KEY);
    const links = await db.query('SELECT id, revoked_reason FROM download_links WHERE order_id = $1', [orderId]);
    assert.deepEqual(links.rows.map((r) => r.revoked_reason), ['undelivered'], 'one link, withdrawn');
    const logged = await db.query("SELECT event, outcome FROM activity_log WHERE link_id = $1 ORDER BY id", [links.rows[0].id]);
    assert.deepEqual(logged.rows.map((r) => `${r.event}/${r.outcome}`), ['key_view/ok', 'link_issued/ok', 'revoked/undelivered']);
    assert.ok(!tt.bot.logs.some((line) => PRODUCT_KEY.test(line) || TOKEN_URL.test(line)), 'no secret in the logs');
  });
});
