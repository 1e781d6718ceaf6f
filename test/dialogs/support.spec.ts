/**
 * The support-request flow (R20, R21) as a Teams turn table through /api/messages
 * (expectReplies) on the demo partner: from a cancellation that needed more information,
 * `support` → File request → the form pre-filled (member info for the contact) → Review →
 * Submit → being filed, recorded once; German numbers; refusals, bad input, tampered and
 * stale cards; `cancel` and `stop` at each step; files sent in the personal chat (a local
 * file host stands in for SharePoint); `support list` before and after the filing job; a
 * group chat. And end to end with a worker: the failed cancellation's "Request support"
 * button, the request filed at the embedded desk, the ticket number in the chat.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { NotificationService } from '../../services/notifications/notifications.js';
import { PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { parseAmount } from '../../services/support/amount.js';
import { EmbeddedSupportDesk } from '../../services/support/embedded-desk.js';
import { SupportFiling } from '../../services/support/filing.js';
import { createCancellationHarness, productWhoseCancellations } from '../cancellation/fixtures.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';
import { eventually, silentLogger } from '../jobs/support.js';
import { cardText } from '../support/bot-harness.js';
import { endToEnd } from '../support/end-to-end.js';
import { createMessageActivity, createPartner, createUser } from '../support/factories.js';
import { placeOrder } from '../support/purchases.js';
import { ALEX, demoTurnTable, MEGAN, type Turn, type TurnOptions } from '../support/turn-table.js';

const WS_DATACENTER = { productId: 'DG7GMGF0D7FV', skuId: '0001' };
const DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';
const MB = 1024 * 1024;
/** What an order without a failed cancellation leaves for the user to say. */
const REASON = { refundReason: 'Bought by mistake' };

type Activities = any[];

/** Every input of the reply's cards, by id: what Teams merges into the data of Review. */
function inputsOf(activities: Activities): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') out[o.id] = typeof o.value === 'string' ? o.value : '';
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  for (const a of activities) walk(a.attachments ?? []);
  return out;
}

/** The data of the reply's first button whose action is `action` (and whose data hold `match`), or undefined. */
function buttonData(activities: Activities, action: string, match: Record<string, unknown> = {}): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Record<string, unknown>;
    const data = o.data as Record<string, unknown> | undefined;
    if ((o.type === 'Action.Submit' || o.type === 'Action.Execute') && data && data.action === action && Object.entries(match).every(([k, v]) => data[k] === v)) {
      found = data;
      return;
    }
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  for (const a of activities) walk(a.attachments ?? []);
  return found;
}

/** A local stand-in for SharePoint: the files a Teams file message points at (download URLs on the loopback). */
interface FileHost {
  url: string;
  served: string[];
  close(): Promise<void>;
}

async function startFileHost(): Promise<FileHost> {
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    served.push(path);
    if (path === '/invoice.pdf') res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '17' }).end('%PDF-1.4 invoice\n');
    else if (path.startsWith('/note')) res.writeHead(200, { 'content-type': 'text/plain' }).end(`note ${path}`);
    else if (path === '/big.zip') {
      // Says how long it is (one byte over 10 MB): refused before the body is read.
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(10 * MB + 1) });
      res.end(Buffer.alloc(10 * MB + 1));
    } else if (path === '/chunked.zip') {
      // No length: only reading it shows it is over the limit.
      res.writeHead(200, { 'content-type': 'application/zip' });
      res.end(Buffer.alloc(10 * MB + 1));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A file as Teams sends it in a personal chat: file download info with a pre-authenticated download URL. */
const teamsFile = (name: string, downloadUrl: string) => ({
  contentType: DOWNLOAD_INFO,
  contentUrl: `https://contoso.sharepoint.com/personal/alex/Documents/Microsoft%20Teams%20Chat%20Files/${name}`,
  name,
  content: { downloadUrl, uniqueId: randomUUID(), fileType: name.split('.').pop(), etag: '1' },
});

describe('dialogs/support (Teams turn table)', function () {
  this.timeout(60_000);
  const tt = demoTurnTable('Support Test');
  const { db } = tt;
  let files: FileHost;
  before(async () => {
    files = await startFileHost();
  });
  after(async () => {
    await files.close();
  });
  beforeEach(() => {
    files.served.length = 0;
  });

  /** Turns against the fake connector, so that member info (the contact) is asked there. */
  const here = (opts: TurnOptions = {}): TurnOptions => ({ serviceUrl: tt.connector.url, ...opts });
  const turnRaw = (t: Turn, who = ALEX, opts: TurnOptions = {}) => tt.turnRaw(t, who, here(opts));
  const turn = async (t: Turn, who = ALEX, opts: TurnOptions = {}) => cardText(await turnRaw(t, who, opts));
  /** Alex as Teams describes him (member info). */
  const alexIsKnown = () => tt.connector.setMember({ id: `29:${ALEX}`, name: 'Alex Wilber', aadObjectId: ALEX, email: 'alex.wilber@contoso.example', userPrincipalName: 'alexw@contoso.example' });

  /**
   * An order of this test's customer whose cancellation Alex submitted and Partner Center ended
   * with "needs more information" (R20); bought `daysAgo`, so its credit is prorated.
   */
  async function needsInformation(quantity = 2, daysAgo = 20): Promise<{ orderId: string; cancellationId: string; creditMinor: number; totalMinor: number }> {
    const sku = await productWhoseCancellations(db, 'needs_information');
    const orderId = await tt.buy(sku, quantity);
    await db.query(`UPDATE purchases SET purchased_at = now() - make_interval(days => $2) WHERE order_id = $1`, [orderId, daysAgo]);
    const noticeId = buttonData(await turnRaw({ text: `cancel ${orderId}` }), 'cancel.submit')?.noticeId;
    assert.ok(noticeId, 'the cancellation notice');
    assert.match(await turn({ value: { action: 'cancel.submit', customerId: tt.customer.id, noticeId, orderId, acknowledged: 'true' } }), /Cancellation submitted/);
    const { rows } = await db.query<{ id: string; credit_minor: string }>('SELECT id, credit_minor FROM cancellations WHERE order_id = $1', [orderId]);
    const tracker = createCancellationHarness(db, null).tracker;
    assert.equal((await tracker.track(rows[0]!.id)).status, 'needs_information');
    const total = await db.query<{ total_minor: string }>('SELECT total_minor FROM purchases WHERE order_id = $1', [orderId]);
    return { orderId, cancellationId: rows[0]!.id, creditMinor: Number(rows[0]!.credit_minor), totalMinor: Number(total.rows[0]!.total_minor) };
  }

  /** Review with the form's inputs as they stand (as Teams merges them), `changes` typed over them. */
  const review = (form: Activities, changes: Record<string, string> = {}, as: Omit<Turn, 'value' | 'text'> = {}, who = ALEX, opts: TurnOptions = {}) => {
    const data = buttonData(form, 'support.review');
    assert.ok(data, `the form has its Review button: ${cardText(form)}`);
    return turnRaw({ ...as, value: { ...data, ...inputsOf(form), ...changes } }, who, opts);
  };
  const submitOf = (reviewCard: Activities) => {
    const data = buttonData(reviewCard, 'support.submit');
    assert.ok(data, `the review has its Submit button: ${cardText(reviewCard)}`);
    return data;
  };

  const requests = async (orderId: string) =>
    (await db.query<{ id: string; status: string; requested_by: string; request_key: string; amount_minor: string; impact: string; title: string; contact_name: string; contact_email: string; contact_phone: string; customer_tenant_id: string; customer_domain: string | null; cancellation_id: string | null; ticket_number: string | null }>(
      'SELECT * FROM support_requests WHERE order_id = $1 ORDER BY id', [orderId],
    )).rows;
  const activity = async (orderId: string) =>
    (await db.query<{ event: string; user_id: string }>("SELECT event, user_id FROM activity_log WHERE order_id = $1 AND event LIKE 'support_%' ORDER BY id", [orderId])).rows.map((r) => [r.event, Number(r.user_id)]);
  const outbox = async (requestId: string) =>
    (await db.query<{ job_id: string }>("SELECT job_id FROM job_outbox WHERE queue = 'support-tickets' AND data->>'supportRequestId' = $1", [requestId])).rows.map((r) => r.job_id);
  const attached = async (requestId: string) =>
    (await db.query<{ filename: string; size_bytes: number }>('SELECT filename, size_bytes FROM support_files WHERE support_request_id = $1 ORDER BY id', [requestId])).rows.map((r) => [r.filename, r.size_bytes]);
  const nothingFiled = async (orderId: string) => {
    assert.deepEqual(await requests(orderId), []);
    assert.deepEqual(await activity(orderId), []);
  };

  it('from a cancellation that needed more information: support → File request → the form pre-filled → Review → Submit; recorded once; a double Submit answers with the same request, a resend gets the first answer again', async () => {
    const { orderId, cancellationId, creditMinor, totalMinor } = await needsInformation();
    assert.ok(creditMinor > 0 && creditMinor < totalMinor, `a prorated credit (${creditMinor} of ${totalMinor})`);
    const customer = (await db.query<{ tenant_id: string }>('SELECT tenant_id FROM customers WHERE id = $1', [tt.customer.id])).rows[0]!;
    alexIsKnown();

    // The failed cancellation's "Request support" button: the form at once.
    const direct = await turnRaw({ value: { action: 'command', command: 'support', args: orderId } });
    assert.match(cardText(direct), /Support request/);
    assert.equal(inputsOf(direct).amount, (creditMinor / 100).toFixed(2));

    // `support`: the cancellations of Alex's that could not be completed, this one among them.
    const start = await turnRaw({ text: 'support' });
    const startText = cardText(start);
    assert.match(startText, /File a support request/);
    assert.match(startText, new RegExp(`Order ${orderId} · Test server \\(cancellation needs_information\\) – 1 year · ${tt.customer.name} · Partner Center needs more information`));
    const fileRequest = buttonData(start, 'support.order', { orderId });
    assert.ok(fileRequest, 'a File request button for the order');

    const form = await turnRaw({ value: fileRequest });
    const formText = cardText(form);
    for (const fact of [`Order ID: \n${orderId}`, `Tenant ID: \n${customer.tenant_id}`, `Domain: \n${tt.customer.domain}`, `Customer: \n${tt.customer.name}`,
      'Product: \nTest server \\(cancellation needs_information\\) – 1 year', `Order total: \n€${(totalMinor / 100).toFixed(2)}`,
      'Cancellation not completed: \nPartner Center needs more information', 'Type of problem: \nCSP Purchase/Refund on behalf of customers']) {
      assert.match(formText, new RegExp(fact), fact);
    }
    const typed = inputsOf(form);
    assert.deepEqual(
      { impact: typed.impact, amount: typed.amount, contactName: typed.contactName, contactEmail: typed.contactEmail, contactPhone: typed.contactPhone },
      // The credit the cancellation would have given, as an English number; the contact from Teams' member info.
      { impact: 'moderate', amount: (creditMinor / 100).toFixed(2), contactName: 'Alex Wilber', contactEmail: 'alex.wilber@contoso.example', contactPhone: '' },
    );
    assert.match(typed.title!, new RegExp(`^Refund for order ${orderId}`));
    assert.match(typed.description!, new RegExp(`order ${orderId} .* could not be completed: Partner Center needs more information`));
    assert.match(typed.refundReason!, /needs more information/);
    assert.match(formText, /send them in this chat, then select Review/);
    await nothingFiled(orderId);

    // Review: a phone number as Germans write it (the order's market) is filed in international form.
    const reviewed = await review(form, { impact: 'critical', contactPhone: '030 1234567' });
    const reviewText = cardText(reviewed);
    assert.match(reviewText, /Review your support request/);
    for (const line of [`Order ID: \n${orderId}`, `Tenant ID: \n${customer.tenant_id}`, `Domain: \n${tt.customer.domain}`, 'Impact: \nCritical',
      `Title: \nRefund for order ${orderId}`, `Amount requested: \n€${(creditMinor / 100).toFixed(2)}`, 'Contact name: \nAlex Wilber',
      'Contact email: \nalex.wilber@contoso.example', 'Contact phone: \n\\+49 30 1234567', 'Refund reason\nCancellation could not be completed',
      'Files: \nNone', "Goes to: \nthe bot's support desk", 'Nothing is filed until you select Submit request']) {
      assert.match(reviewText, new RegExp(line), line);
    }
    await nothingFiled(orderId);

    const submit = submitOf(reviewed);
    const activityId = randomUUID();
    const done = await turn({ value: submit, id: activityId });
    assert.match(done, /Support request submitted/);
    const [row, ...more] = await requests(orderId);
    assert.ok(row, 'one request');
    assert.deepEqual(more, []);
    assert.match(done, new RegExp(`Support request ${row.id} for order ${orderId} is being filed\\. You will get the ticket number here\\.`));
    assert.deepEqual(
      { status: row.status, by: Number(row.requested_by), key: row.request_key, amount: Number(row.amount_minor), impact: row.impact, name: row.contact_name, email: row.contact_email, phone: row.contact_phone, tenant: row.customer_tenant_id, domain: row.customer_domain, cancellation: row.cancellation_id },
      { status: 'queued', by: tt.alexUserId, key: submit.reviewId, amount: creditMinor, impact: 'critical', name: 'Alex Wilber', email: 'alex.wilber@contoso.example', phone: '+49 30 1234567', tenant: customer.tenant_id, domain: tt.customer.domain, cancellation: cancellationId },
    );
    assert.deepEqual(await activity(orderId), [['support_requested', tt.alexUserId]]);
    assert.deepEqual(await outbox(row.id), [`support-${row.id}-1`]);

    // Teams resends the same activity: not run again — answered with its first answer (that response was lost); a second press: the same request.
    assert.equal(cardText(await turnRaw({ value: submit, id: activityId })), done);
    const twice = await turn({ value: submit });
    assert.match(twice, /Support request submitted already/);
    assert.match(twice, new RegExp(`Support request ${row.id} for order ${orderId} was submitted already; nothing new was done`));
    assert.equal((await requests(orderId)).length, 1);
    assert.deepEqual(await activity(orderId), [['support_requested', tt.alexUserId]]);
    assert.deepEqual(await outbox(row.id), [`support-${row.id}-1`]);
  });

  it('in German: the form in German, the amount pre-filled and read as Germans write it ("1.234,56" is 123456 cents); "1,234.56" is refused, not guessed', async () => {
    const { orderId, creditMinor, totalMinor } = await needsInformation(4);
    assert.ok(totalMinor >= 123_456, `the order total (${totalMinor}) allows 1.234,56`);
    alexIsKnown();
    const de: Turn = { locale: 'de-DE' };
    const form = await turnRaw({ ...de, text: `support ${orderId}` });
    const formText = cardText(form);
    assert.match(formText, /Supportanfrage/);
    assert.match(formText, /Art des Problems: \n.*„CSP Purchase\/Refund on behalf of customers“/);
    const euros = (minor: number) => `${Math.trunc(minor / 100)},${String(minor % 100).padStart(2, '0')}`;
    assert.match(formText, new RegExp(`Bestellsumme: \n${euros(totalMinor).replace(/(\d)(?=(\d{3})+,)/g, '$1.')}\\s€`));
    assert.match(formText, /Schreiben Sie ihn etwa so|1\.234,56/);
    // The credit, as a German types an amount: a decimal comma, no grouping.
    assert.equal(inputsOf(form).amount, euros(creditMinor));

    // "1,234.56" is an English number: in German it would read as 1,23456 — refused, with an example.
    const english = await review(form, { amount: '1,234.56' }, de);
    assert.ok(!buttonData(english, 'support.submit'), 'no review');
    assert.match(cardText(english), /\n1,234\.56\n⚠ Kein gültiger Betrag: Schreiben Sie ihn etwa so: 1\.234,56\./);
    assert.equal(inputsOf(english).amount, '1,234.56', 'what was typed stays in the form');

    const reviewed = await review(english, { amount: '1.234,56' }, de);
    const reviewText = cardText(reviewed);
    assert.match(reviewText, /Supportanfrage überprüfen/);
    assert.match(reviewText, /Beantragter Betrag: \n1\.234,56\s€/);
    assert.match(await turn({ ...de, value: submitOf(reviewed) }), /Die Supportanfrage \d+ zur Bestellung .* wird eingereicht\. Die Ticketnummer erhalten Sie hier\./);
    assert.deepEqual((await requests(orderId)).map((r) => Number(r.amount_minor)), [123_456]);

    // The parser's table: the locale's decimal mark, its grouping only between groups of three, the other mark once as a decimal.
    const minor = (text: string, locale: string) => {
      const r = parseAmount(text, 'EUR', locale);
      return r.ok ? r.minor : r.problem;
    };
    assert.deepEqual(
      ['1.234,56', '1234,56', '1234.56', '1.234', '1,234.56', '1.234.56', '12,5', '1,234', '-5', 'zwölf'].map((t) => minor(t, 'de-DE')),
      [123_456, 123_456, 123_456, 123_400, 'notANumber', 'notANumber', 1_250, 'tooPrecise', 'negative', 'notANumber'],
    );
    assert.deepEqual(
      ['1,234.56', '1234.56', '1234,56', '1,234', '1.234,56', '€ 12.50', '12.50 EUR'].map((t) => minor(t, 'en-US')),
      [123_456, 123_456, 123_456, 123_400, 'notANumber', 1_250, 1_250],
    );
  });

  it('refused on the way in, nothing started: another partner\'s order, an unknown or malformed order id, an unknown request to retry', async () => {
    const other = await createPartner(db, 'Support Test other partner');
    const otherUser = await createUser(db, other);
    const { rows } = await db.query<{ id: string }>(
      "INSERT INTO customers (partner_id, company_name, tenant_id, primary_domain, billing_country) VALUES ($1, 'Elsewhere GmbH', $2, $3, 'DE') RETURNING id",
      [other.id, randomUUID(), `elsewhere-${randomUUID().slice(0, 8)}.onmicrosoft.com`],
    );
    const { order } = await placeOrder(db, other.id, { customerId: rows[0]!.id, createdBy: otherUser.id, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
    const theirs = order.id;
    // Another partner's order reads as one the partner does not have: nothing of it is shown.
    const refused = await turn({ text: `support ${theirs}` });
    assert.match(refused, new RegExp(`I found no order ${theirs} among your purchases.* Nothing was changed`));
    assert.doesNotMatch(refused, /Elsewhere GmbH|Support request/);
    assert.match(await turn({ value: { action: 'command', command: 'support', args: theirs.toLowerCase() } }), new RegExp(`I found no order ${theirs}`));
    assert.match(await turn({ text: 'support NOSUCHORDER99' }), /I found no order NOSUCHORDER99 among your purchases/);
    assert.match(await turn({ text: 'support <b>x</b>' }), /I found no order <b>x<\/b> among your purchases/);
    // Words that name no order are not taken for nothing: the user learns there is no such order.
    assert.match(await turn({ text: 'support hello world' }), /I found no order hello world among your purchases/);
    // Nothing runs afterwards: a form's button from elsewhere does not work.
    assert.match(await turn({ value: { action: 'support.review', draftId: randomUUID(), impact: 'moderate' } }), /That button no longer works/);
    assert.match(await turn({ text: 'support retry 99999999' }), /There is no support request 99999999 of yours/);
    assert.match(await turn({ text: 'support retry' }), /Which request\? Your requests and their numbers are under My requests/);
    assert.match(await turn({ text: 'support retry #abc' }), /There is no support request abc of yours/);
    await nothingFiled(theirs);
  });

  it('bad input on Review: each field\'s problem shown beside it, what was typed kept, nothing recorded; then a good Review', async () => {
    const orderId = await tt.buy(WS_DATACENTER, 8);
    alexIsKnown();
    const form = await turnRaw({ text: `support ${orderId}` });
    const total = (await db.query<{ total_minor: string }>('SELECT total_minor FROM purchases WHERE order_id = $1', [orderId])).rows[0]!.total_minor;
    const totalText = `€${(Number(total) / 100).toFixed(2).replace(/\B(?=(\d{3})+\.)/g, ',')}`;
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ amount: `${(Number(total) / 100 + 0.01).toFixed(2)}` }, 'amount', new RegExp(`⚠ More than the order total: at most ${totalText.replace('.', '\\.')}\\.`)],
      [{ amount: '-5' }, 'amount', /⚠ The amount cannot be negative\./],
      [{ amount: 'ten euros' }, 'amount', /⚠ Not an amount: write it like 1,234\.56\./],
      [{ amount: '12.345' }, 'amount', /⚠ Too many decimal places: EUR amounts have at most 2\./],
      [{ amount: '' }, 'amount', /⚠ Please fill this in\./],
      [{ contactEmail: 'alex@contoso' }, 'contactEmail', /⚠ Not a valid email address: write it like name@example\.com\./],
      [{ contactPhone: '12' }, 'contactPhone', /⚠ Not a valid phone number: write it in international form, like \+49 30 1234567\./],
      [{ title: 'T'.repeat(151) }, 'title', /⚠ Too long: at most 150 characters\./],
      [{ title: '   ' }, 'title', /⚠ Please fill this in\./],
      [{ description: 'D'.repeat(3001) }, 'description', /⚠ Too long: at most 3,000 characters\./],
      [{ impact: 'catastrophic' }, 'impact', /⚠ Please choose one\./],
    ];
    for (const [changes, field, error] of cases) {
      const again = await review(form, { ...REASON, ...changes });
      const text = cardText(again);
      const what = JSON.stringify(changes).slice(0, 80);
      assert.ok(!buttonData(again, 'support.submit'), `no review for ${what}`);
      assert.match(text, /Some fields need correcting: see the note at each of them\./, what);
      assert.match(text, error, what);
      assert.equal((text.match(/⚠/g) ?? []).length, 1, `one problem for ${what}: ${text}`);
      // What was typed stays in the form (cut to what the input takes), with the error just below it.
      const typed = Object.values(changes)[0]!;
      if (field !== 'impact') assert.equal(inputsOf(again)[field], typed.slice(0, field === 'title' ? 150 : 3000), what);
      await nothingFiled(orderId);
    }
    const good = await review(form, { ...REASON, contactPhone: '+44 20 7946 0958' });
    assert.match(cardText(good), /Review your support request/);
    assert.match(cardText(good), /Contact phone: \n\+44 20 7946 0958/);
    // Edit: the form with what was typed; its Review shows a new review, and the one before is stale.
    const edit = await turnRaw({ value: buttonData(good, 'support.edit')! });
    assert.equal(inputsOf(edit).contactPhone, '+44 20 7946 0958');
    assert.equal(inputsOf(edit).refundReason, REASON.refundReason);
    const better = await review(edit, { title: 'Refund: bought by mistake' });
    assert.match(cardText(better), /Title: \nRefund: bought by mistake/);
    assert.notEqual(submitOf(better).reviewId, submitOf(good).reviewId);
    assert.match(await turn({ value: submitOf(good) }), /This support request card is no longer current/);
    await nothingFiled(orderId);
    assert.match(await turn({ value: submitOf(better) }), /Support request submitted/);
    assert.deepEqual((await requests(orderId)).map((r) => r.title), ['Refund: bought by mistake']);
  });

  it('tampered and stale cards: another draft, another review, another user\'s press, a malformed submit — refused, nothing recorded; the real Submit still works', async () => {
    const orderId = await tt.buy(WS_DATACENTER, 8);
    alexIsKnown();
    const form = await turnRaw({ text: `support ${orderId}` });
    assert.match(cardText(await review(form, REASON)), /Review your support request/);
    const stale = /This support request card is no longer current\. Type support to start again\./;
    const draftData = buttonData(form, 'support.review')!;
    assert.match(await turn({ value: { ...draftData, ...inputsOf(form), draftId: randomUUID() } }), stale);
    const reviewed = await review(form, REASON);
    const submit = submitOf(reviewed);
    assert.match(await turn({ value: { ...submit, reviewId: randomUUID() } }), stale);
    assert.match(await turn({ value: { action: 'support.edit', reviewId: randomUUID() } }), stale);
    assert.match(await turn({ value: { ...submit, reviewId: 42 } }), /That button’s data is not valid at this step/);
    assert.match(await turn({ value: { action: 'support.submit' } }), /That button’s data is not valid at this step/);
    // Megan presses Alex's Submit (the card in a chat they share): she has no flow there; Alex's is untouched.
    const group = { conversationType: 'groupChat' as const, conversationId: `19:${randomUUID()}@thread.v2` };
    const inGroup = await turnRaw({ text: `support ${orderId}` }, ALEX, group);
    const groupReview = await review(inGroup, REASON, {}, ALEX, group);
    assert.match(await turn({ value: submitOf(groupReview) }, MEGAN, group), /That button no longer works/);
    assert.match(await turn({ value: submit }, MEGAN), /That button no longer works/);
    await nothingFiled(orderId);
    // Alex's own Submit of the review shown last works.
    assert.match(await turn({ value: submitOf(groupReview) }, ALEX, group), /Support request submitted/);
    assert.equal((await requests(orderId)).length, 1);
  });

  it('`cancel` and `stop` at each step (start, form, review) stop the flow and change nothing; after Submit a bare `cancel` has nothing to undo', async () => {
    const orderId = await tt.buy(WS_DATACENTER, 8);
    alexIsKnown();
    const stopped = /Stopped your [\w ]+\. Nothing was changed\./;
    for (const how of [{ text: 'cancel' }, { text: 'stop' }, { value: { action: 'flow.stop' } }] satisfies Turn[]) {
      const what = JSON.stringify(how);
      const start = await turnRaw({ text: 'support' });
      assert.match(cardText(start), /File a support request/);
      assert.match(await turn(how), stopped, `start: ${what}`);

      const form = await turnRaw({ text: `support ${orderId}` });
      assert.match(await turn(how), stopped, `form: ${what}`);
      assert.match(cardText(await review(form, REASON)), /That button no longer works/, `a Review after ${what} on the form`);

      const form2 = await turnRaw({ text: `support ${orderId}` });
      const reviewed = await review(form2, REASON);
      assert.match(await turn(how), stopped, `review: ${what}`);
      assert.match(await turn({ value: submitOf(reviewed) }), /That button no longer works/, `a Submit after ${what} on the review`);
      await nothingFiled(orderId);
    }
    assert.match(await turn({ text: 'stop' }), /Nothing is running, so there is nothing to stop/);

    const submit = submitOf(await review(await turnRaw({ text: `support ${orderId}` }), REASON));
    assert.match(await turn({ value: submit }), /Support request submitted/);
    assert.match(await turn({ text: 'stop' }), /There is nothing to cancel: that task is done/);
    // The order has a request now: a second one only on purpose (`support <order id> new`, the notice's button).
    const already = await turnRaw({ text: `support ${orderId}` });
    assert.match(cardText(already), new RegExp(`Order ${orderId} already has support request \\d+, which is being filed`));
    assert.deepEqual(buttonData(already, 'command', { args: `${orderId} new` }), { action: 'command', command: 'support', args: `${orderId} new` });
    const again = submitOf(await review(await turnRaw({ text: `support ${orderId} new` }), REASON));
    assert.match(await turn({ value: again }), /Support request submitted/);
    // A bare `cancel` now is the cancellation command: it starts a cancellation and undoes nothing.
    assert.match(await turn({ text: 'cancel' }), /Cancel a purchase: whose\?/);
    assert.deepEqual((await requests(orderId)).map((r) => r.status), ['queued', 'queued']);
  });

  it('after Submit the cards on screen file nothing more: Review on the form, Edit on the review, a file sent — each answers with the request made', async () => {
    const orderId = await tt.buy(WS_DATACENTER, 8);
    alexIsKnown();
    const form = await turnRaw({ text: `support ${orderId}` });
    const reviewed = await review(form, REASON);
    assert.match(await turn({ value: submitOf(reviewed) }), /Support request submitted/);
    const [row] = await requests(orderId);
    const already = new RegExp(`Support request ${row!.id} for order ${orderId} was submitted already; nothing new was done`);
    // Review on the form still on screen, then Submit of what it shows: no second request.
    const again = await review(form, REASON);
    assert.match(cardText(again), already);
    const edited = await turnRaw({ value: buttonData(reviewed, 'support.edit')! });
    assert.match(cardText(edited), already);
    for (const answer of [again, edited]) {
      const submit = buttonData(answer, 'support.submit');
      if (submit) await turn({ value: submit });
    }
    const sent = await turn({ text: 'one more', attachments: [teamsFile('late.pdf', `${files.url}/invoice.pdf`)] });
    assert.match(sent, already);
    assert.deepEqual(files.served, [], 'the late file was not fetched');
    assert.equal((await requests(orderId)).length, 1);
    assert.deepEqual(await attached(row!.id), []);
    assert.equal((await db.query("SELECT count(*)::int AS n FROM support_files WHERE filename = 'late.pdf' AND user_id = $1", [tt.alexUserId])).rows[0].n, 0);
    // And still nothing to undo.
    assert.match(await turn({ text: 'stop' }), /There is nothing to cancel: that task is done/);
  });

  it('files in the personal chat while the form is open: taken and shown; a wrong type, too large, unreadable, from elsewhere and too many refused with why; Submit attaches them', async () => {
    const orderId = await tt.buy(WS_DATACENTER, 8);
    alexIsKnown();
    const send = (attachments: unknown[], text?: string) => turnRaw({ attachments, ...(text ? { text } : {}) });
    // Files before a form is open (the start's list of orders): nothing to attach them to, nothing fetched.
    await turn({ text: 'support' });
    assert.match(cardText(await send([teamsFile('early.pdf', `${files.url}/invoice.pdf`)])), /Files can only be attached while a support request form is open\./);
    assert.deepEqual(files.served, []);
    const form = await turnRaw({ text: `support ${orderId}` });

    const one = await send([teamsFile('invoice.pdf', `${files.url}/invoice.pdf`)]);
    assert.match(cardText(one), /Files\ninvoice\.pdf \(1 kB\)/);
    assert.doesNotMatch(cardText(one), /Not attached/);
    assert.deepEqual(files.served, ['/invoice.pdf']);
    const drafts = async () => (await db.query<{ filename: string; size_bytes: number; content_type: string; support_request_id: string | null }>(
      'SELECT filename, size_bytes, content_type, support_request_id FROM support_files WHERE user_id = $1 AND draft_key = $2 ORDER BY id', [tt.alexUserId, buttonData(form, 'support.review')!.draftId],
    )).rows;
    assert.deepEqual((await drafts()).map((f) => [f.filename, f.size_bytes, f.content_type, f.support_request_id]), [['invoice.pdf', 17, 'application/pdf', null]]);

    files.served.length = 0;
    const refused = cardText(await send([
      teamsFile('setup.exe', `${files.url}/setup.exe`),
      teamsFile('big.zip', `${files.url}/big.zip`),
      teamsFile('chunked.zip', `${files.url}/chunked.zip`),
      teamsFile('gone.pdf', `${files.url}/gone.pdf`),
      teamsFile('elsewhere.pdf', 'https://files.example.net/elsewhere.pdf'),
    ], 'here are more'));
    assert.match(refused, /Not attached:/);
    assert.match(refused, /setup\.exe: this type of file is not accepted \(accepted: pdf, png, jpg, jpeg, gif, txt, csv, docx, xlsx, pptx, eml, msg, zip\)/);
    assert.match(refused, /big\.zip: larger than 10 MB/);
    assert.match(refused, /chunked\.zip: larger than 10 MB/);
    assert.match(refused, /gone\.pdf: the file could not be read; send it again/);
    assert.match(refused, /elsewhere\.pdf: the file could not be read; send it again/);
    assert.match(refused, /Files\ninvoice\.pdf \(1 kB\)\nNot attached/, 'the invoice stays attached');
    // The .exe is refused by its name, never fetched; nothing is fetched from a host that is not Teams'.
    assert.deepEqual(files.served.sort(), ['/big.zip', '/chunked.zip', '/gone.pdf']);
    assert.equal((await drafts()).length, 1);

    // Five files at most: four more are taken, the sixth is refused.
    const manyCard = await send(['a', 'b', 'c', 'd', 'e'].map((x) => teamsFile(`note-${x}.txt`, `${files.url}/note-${x}`)));
    const many = cardText(manyCard);
    assert.match(many, /note-e\.txt: too many files \(at most 5\)/);
    assert.deepEqual((await drafts()).map((f) => f.filename), ['invoice.pdf', 'note-a.txt', 'note-b.txt', 'note-c.txt', 'note-d.txt']);

    // The form sent with the files is the one to review: it lists them; Submit attaches them to the request.
    const reviewed = await review(manyCard, REASON);
    assert.match(cardText(reviewed), /Files: \ninvoice\.pdf \(1 kB\), note-a\.txt \(1 kB\), note-b\.txt \(1 kB\), note-c\.txt \(1 kB\), note-d\.txt \(1 kB\)/);
    assert.match(await turn({ value: submitOf(reviewed) }), /Support request submitted/);
    const [row] = await requests(orderId);
    assert.deepEqual((await attached(row!.id)).map(([name]) => name), ['invoice.pdf', 'note-a.txt', 'note-b.txt', 'note-c.txt', 'note-d.txt']);
    assert.deepEqual(await drafts().then((d) => d.filter((f) => f.support_request_id === null)), []);
  });

  it('`support list` shows the request being filed; after the filing job, the ticket number (and the notification in the personal chat); retry only for a failed one', async () => {
    const { orderId } = await needsInformation();
    alexIsKnown();
    const reviewed = await review(await turnRaw({ text: `support ${orderId}` }));
    await turn({ value: submitOf(reviewed) });
    const [row] = await requests(orderId);
    const heading = `Request ${row!.id} · order ${orderId}: `;
    const list = await turn({ text: 'support list' });
    assert.match(list, /Your support requests/);
    assert.ok(list.includes(`${heading}\nBeing filed`), list);
    assert.match(await turn({ text: `support retry ${row!.id}` }), new RegExp(`Support request ${row!.id} is already filed or being filed`));
    assert.deepEqual(await outbox(row!.id), [`support-${row!.id}-1`]);

    const filing = new SupportFiling({ db, desk: new EmbeddedSupportDesk(db), notifications: new NotificationService(), activity: new ActivityLog(db), logger: silentLogger });
    const filed = await filing.file(row!.id, { lastAttempt: false });
    assert.equal(filed.status, 'filed');
    const ticket = filed.status === 'filed' ? filed.ticketNumber : '';
    assert.match(ticket, /^CSP-\d{6}$/);
    assert.deepEqual(await activity(orderId), [['support_requested', tt.alexUserId], ['support_filed', tt.alexUserId]]);
    // The notification waits for the worker, in Alex's personal chat (the conversation he asked from).
    const note = await db.query<{ message: { kind: string; ticketNumber: string }; conversation_id: string }>(
      `SELECT n.message, c.conversation_id FROM notifications n JOIN conversation_refs c ON c.id = n.conversation_ref_id WHERE n.dedupe_key = $1`, [`support-filed:${row!.id}`],
    );
    assert.deepEqual(note.rows.map((r) => [r.message.kind, r.message.ticketNumber, r.conversation_id]), [['supportFiled', ticket, tt.conversationId]]);
    assert.ok((await turn({ text: 'support list' })).includes(`${heading}\nFiled as ${ticket}`));
    assert.match(await turn({ text: `support retry ${row!.id}` }), /is already filed or being filed/);
    // The same request filed again (a retried job): the same ticket, no second notification.
    assert.deepEqual(await filing.file(row!.id, { lastAttempt: false }), { status: 'already', was: 'filed' });
  });

  it('in a group chat: the form says files are attached in a personal chat and takes none there; nothing of Alex\'s personal-chat draft shows', async () => {
    const orderId = await tt.buy(WS_DATACENTER, 8);
    alexIsKnown();
    const group = { conversationType: 'groupChat' as const, conversationId: `19:${randomUUID()}@thread.v2` };
    // A file attached in the personal chat first: it belongs to that form only.
    await turnRaw({ text: `support ${orderId}` });
    assert.match(await turn({ attachments: [teamsFile('invoice.pdf', `${files.url}/invoice.pdf`)] }), /invoice\.pdf/);
    files.served.length = 0;

    const form = await turnRaw({ text: `support ${orderId}` }, ALEX, group);
    const text = cardText(form);
    assert.match(text, /Files\nNone\nFiles can be attached in a personal chat with the bot\./);
    assert.doesNotMatch(text, /send them in this chat|invoice\.pdf/);
    const sent = cardText(await turnRaw({ text: 'the invoice', attachments: [teamsFile('group.pdf', `${files.url}/invoice.pdf`)] }, ALEX, group));
    assert.match(sent, /Files are attached only in a personal chat with me, so nothing was attached here\./);
    assert.doesNotMatch(sent, /group\.pdf/);
    assert.deepEqual(files.served, [], 'nothing fetched from a group chat');
    const reviewed = await review(form, REASON, {}, ALEX, group);
    assert.match(cardText(reviewed), /Files: \nNone/);
    for (const card of [form, reviewed]) assert.doesNotMatch(JSON.stringify(card), new RegExp(`${files.url}|invoice\\.pdf|group\\.pdf`));
    assert.match(await turn({ value: submitOf(reviewed) }, ALEX, group), /Support request submitted/);
    const [row] = await requests(orderId);
    assert.deepEqual(await attached(row!.id), []);
  });
});

describe('dialogs/support end to end: bot, worker and the fake Bot Connector (Postgres queue backend)', function () {
  this.timeout(60_000);
  const e2e = endToEnd('support_e2e', { seedDemo: true });

  it('the failed cancellation\'s Request support button → the form → Submit; the worker files it and the ticket number arrives in the chat; `support list` shows it', async () => {
    const { db, connector } = e2e;
    const p = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND external_id = $1", [PLAYGROUND_TENANT_ID]);
    const partnerId = Number(p.rows[0]!.partner_id);
    const c = await db.query<{ id: string; tenant_id: string }>("SELECT id, tenant_id FROM customers WHERE partner_id = $1 AND primary_domain = 'contoso-de.onmicrosoft.com'", [partnerId]);
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'msteams' AND external_id = $2", [partnerId, ALEX]);
    const sku = await productWhoseCancellations(db, 'needs_information');
    const { order } = await placeOrder(db, partnerId, { customerId: c.rows[0]!.id, createdBy: Number(u.rows[0]!.id), lines: [{ ...sku, quantity: 2 }], idempotencyKey: randomUUID() });
    const orderId = order.id;
    const personal = `a:${randomUUID()}`;
    connector.setMember({ id: `29:${ALEX}`, name: 'Alex Wilber', aadObjectId: ALEX, email: 'alex.wilber@contoso.example' });
    const say = async (t: Turn) => {
      const res = await e2e.bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, conversationId: personal, name: 'Alex Wilber', serviceUrl: connector.url, ...t }));
      assert.equal(res.status, 200, res.text);
      const activities = (res.json().activities ?? []) as Activities;
      for (const a of activities) for (const att of a.attachments ?? []) assertValidAdaptiveCard(att.content);
      return activities;
    };
    const noticeId = buttonData(await say({ text: `cancel ${orderId}` }), 'cancel.submit')?.noticeId;
    assert.ok(noticeId);
    assert.match(cardText(await say({ value: { action: 'cancel.submit', customerId: c.rows[0]!.id, noticeId, orderId, acknowledged: 'true' } })), /Cancellation submitted/);

    e2e.startWorker({ EMBEDDED_CANCELLATION_DELAY_MS: '300' });
    const failed = await eventually(
      () => connector.delivered().find((a) => a.conversation?.id === personal && cardText([a]).includes('Cancellation not completed')),
      { what: 'the failed-cancellation notification at the connector', timeoutMs: 30_000 },
    );
    for (const att of failed.attachments ?? []) assertValidAdaptiveCard(att.content);
    assert.match(cardText([failed]), /needs more information/);
    const requestSupport = buttonData([failed], 'command', { command: 'support' });
    assert.deepEqual(requestSupport, { action: 'command', command: 'support', args: orderId });

    const form = await say({ value: requestSupport });
    assert.match(cardText(form), new RegExp(`Tenant ID: \\n${c.rows[0]!.tenant_id}`));
    assert.equal(inputsOf(form).contactEmail, 'alex.wilber@contoso.example');
    const reviewed = await say({ value: { ...buttonData(form, 'support.review'), ...inputsOf(form) } });
    assert.match(cardText(await say({ value: buttonData(reviewed, 'support.submit') })), /is being filed/);
    const { rows: [request] } = await db.query<{ id: string }>('SELECT id FROM support_requests WHERE order_id = $1', [orderId]);
    assert.ok(request);

    const filed = await eventually(
      () => connector.delivered().find((a) => a.conversation?.id === personal && cardText([a]).includes('Support request filed')),
      { what: 'the filed notification at the connector', timeoutMs: 30_000 },
    );
    for (const att of filed.attachments ?? []) assertValidAdaptiveCard(att.content);
    const ticket = /ticket (CSP-\d{6})/.exec(cardText([filed]))?.[1];
    assert.ok(ticket, `the notification names the ticket: ${cardText([filed])}`);
    assert.match(cardText([filed]), new RegExp(`Your support request ${request.id} for order ${orderId} \\(Test server \\(cancellation needs_information\\) – 1 year\\) was filed`));
    const desk = await db.query<{ number: string; body: string; requester_email: string }>('SELECT number, body, requester_email FROM support_tickets WHERE number = $1', [ticket]);
    assert.equal(desk.rows.length, 1);
    assert.ok(desk.rows[0]!.body.includes(`Customer tenant ID: ${c.rows[0]!.tenant_id}`));
    assert.ok(desk.rows[0]!.body.includes(`Order ID: ${orderId}`));
    assert.equal(desk.rows[0]!.requester_email, 'alex.wilber@contoso.example');
    const list = cardText(await say({ text: 'support list' }));
    assert.ok(list.includes(`Request ${request.id} · order ${orderId}: \nFiled as ${ticket}`), list);
    assert.equal(connector.delivered().filter((a) => cardText([a]).includes('Support request filed')).length, 1, 'told once');
  });
});
