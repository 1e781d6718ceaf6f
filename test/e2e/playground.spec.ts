/**
 * A newcomer's first minute, in a real browser: the Microsoft 365 Agents Playground
 * (the local Teams-like client `npm start` opens) talks to the real bot; we type
 * `help`, see the help card, press a button on it and see the answer; buy, get a key,
 * and cancel a purchase — a worker finishes the cancellation and its proactive
 * notification arrives in the Playground's chat; and file a support request from a
 * cancellation that needed more information, whose ticket number arrives the same way; open the
 * activity log and export it. Screenshots go to test-results/ — look
 * at them.
 *
 * Needs Debian's Chromium (/usr/bin/chromium; .ci/run installs it). Without it the test
 * is skipped locally and fails in CI.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { startWorker, type WorkerProcess } from '../../bot/worker.js';
import { loadConfig } from '../../services/config.js';
import type { Db } from '../../services/db/pool.js';
import { seedDemoData } from '../../services/seed/demo.js';
import { createLogger } from '../../services/logger.js';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { TestBackends, eventually, isolatedDb } from '../jobs/support.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { placeOrder } from '../support/purchases.js';
import { productWhoseCancellations } from '../cancellation/fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve('test-results');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForHttp(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Type into the Playground's composer (a Lexical editor) and send. */
async function send(page: Page, text: string): Promise<void> {
  const composer = page.locator('[data-lexical-editor=true]').last();
  await composer.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

describe('e2e: Agents Playground → bot (headless Chromium)', function () {
  this.timeout(120_000);
  // A schema of this file's own: the worker's outbox relay must see only what happens here,
  // not the cancellations other spec files left in the run's shared schema (it would finish
  // them and tell the demo user — in this very Playground chat).
  let isolated: { db: Db; drop: () => Promise<void> } | undefined;
  let db: Db;
  const backends = new TestBackends();
  let worker: WorkerProcess | undefined;
  let bot: TestBot;
  let playground: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let playgroundUrl: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
      this.skip();
    }
    isolated = await isolatedDb('playground_e2e');
    db = isolated.db;
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    bot = await startTestBot({ db });
    const port = await freePort();
    playgroundUrl = `http://127.0.0.1:${port}`;
    playground = spawn(
      path.resolve('node_modules/.bin/agentsplayground'),
      ['-e', `${bot.url}/api/messages`, '-c', 'msteams', '-p', String(port), '--disable-telemetry'],
      { stdio: 'ignore', env: { ...process.env, BROWSER: 'none' } },
    );
    await waitForHttp(playgroundUrl, 30_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(playgroundUrl);
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await worker?.close(2000);
    await browser?.close();
    playground?.kill('SIGTERM');
    await bot?.close();
    await backends.cleanup();
    await isolated?.drop();
  });

  /** The worker (outbox relay, cancellation tracking, support filing), started once by the first test that needs it. */
  function ensureWorker(): void {
    if (worker) return;
    const config = loadConfig({ OUTBOX_RELAY_INTERVAL_MS: '100', WORKER_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '2000', EMBEDDED_CANCELLATION_DELAY_MS: '300' });
    worker = startWorker({ config, db, jobs: backends.create('postgres'), logger: createLogger({ level: 'silent' }) });
  }

  /** The demo partner, the demo user (Alex Wilber, Admin agent) and the demo customer Contoso GmbH. */
  async function demo(): Promise<{ partnerId: number; userId: number; customerId: string }> {
    const { rows: [who] } = await db.query<{ partner_id: string; user_id: string; customer_id: string }>(
      `SELECT u.partner_id, u.id AS user_id, c.id AS customer_id FROM users u JOIN customers c ON c.partner_id = u.partner_id
        WHERE u.external_id = '00000000-0000-0000-0000-0000000000020' AND c.primary_domain = 'contoso-de.onmicrosoft.com'`,
    );
    assert.ok(who, 'the demo user and customer are seeded');
    return { partnerId: Number(who.partner_id), userId: Number(who.user_id), customerId: who.customer_id };
  }

  it('greets the newcomer, answers help with the help card, and runs a button on it', async () => {
    await page.getByText('Welcome to CSP Software Desk').first().waitFor({ timeout: 30_000 });
    await send(page, 'help');
    await page.getByText('CSP Software Desk: help').first().waitFor({ timeout: 30_000 });
    // The demo user (Alex Wilber) is Admin agent and Global admin: every command is listed.
    for (const command of ['buy [customer] [product]', 'keys [customer]', 'roles [name]', 'whoami']) {
      assert.ok(await page.getByText(command, { exact: true }).first().isVisible(), `help lists ${command}`);
    }
    await page.screenshot({ path: path.join(SHOTS, 'playground-help.png'), fullPage: true });

    await page.getByRole('button', { name: 'whoami' }).last().click();
    await page.getByText('Contoso Partner (demo)').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'playground-whoami.png'), fullPage: true });
  });

  it('buys something: product for customer → SKU and quantity on the card → review → confirm → order id, all on one card', async () => {
    const cardsBefore = await page.locator('.ac-adaptiveCard').count();
    await send(page, 'buy Windows Server Datacenter for contoso-de.onmicrosoft.com');
    await page.getByText('Choose the SKU and enter the quantity').first().waitFor({ timeout: 30_000 });
    const skuCard = page.locator('.ac-adaptiveCard').last();
    // The Playground draws Input.ChoiceSet as a Fluent dropdown, not a native <select>.
    const select = skuCard.locator('select');
    if (await select.count()) {
      await select.first().selectOption({ label: '2 Core License Pack – 1 year' });
    } else {
      await skuCard.getByRole('combobox').click();
      await page.getByRole('option', { name: /1 year/ }).first().click();
    }
    await skuCard.getByRole('spinbutton').fill('16');
    await page.screenshot({ path: path.join(SHOTS, 'playground-buy-sku.png'), fullPage: true });
    await skuCard.getByRole('button', { name: 'Review' }).click();
    await page.getByText('Review your purchase').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'playground-buy-review.png'), fullPage: true });
    await page.locator('.ac-adaptiveCard').last().getByRole('button', { name: 'Confirm purchase' }).click();
    await page.getByText('Order placed').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'playground-buy-done.png'), fullPage: true });
    const { rows } = await db.query(
      // The order just placed: Contoso GmbH's newest in this file's own schema.
      `SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id AND c.partner_id = o.partner_id
        WHERE c.primary_domain = 'contoso-de.onmicrosoft.com' ORDER BY o.purchased_at DESC LIMIT 1`,
    );
    assert.ok(await page.getByText(rows[0].id as string).first().isVisible(), 'the new order id is on the confirmation card');
    // Issue 13: each step took the place of the one before — the purchase left one card, the confirmation.
    assert.equal(await page.locator('.ac-adaptiveCard').count(), cardsBefore + 1, 'one card for the whole purchase');
    assert.equal(await page.locator('.ac-adaptiveCard', { hasText: 'Review your purchase' }).count(), 0, 'no review card with a live Confirm is left');
  });

  it('gets a key and a download link for a purchase, and the link downloads the file', async () => {
    // A purchase of this test's own (the buying test may not have run).
    const who = await demo();
    const { order } = await placeOrder(db, who.partnerId, {
      customerId: who.customerId, createdBy: who.userId, lines: [{ productId: 'DG7GMGF0D7FV', skuId: '0001', quantity: 8 }], idempotencyKey: randomUUID(),
    });
    await send(page, 'keys contoso-de.onmicrosoft.com');
    await page.getByText('Software of Contoso GmbH').first().waitFor({ timeout: 30_000 });
    assert.ok(await page.getByText(order.id, { exact: false }).first().isVisible(), 'the purchase is listed');
    await page.screenshot({ path: path.join(SHOTS, 'playground-keys-list.png'), fullPage: true });
    // Newest purchase first: its button is the first one on the list card.
    await page.locator('.ac-adaptiveCard').last().getByRole('button', { name: 'Keys and downloads' }).first().click();
    await page.getByText('Choose the version, language and file type/OS').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'playground-keys-choices.png'), fullPage: true });
    await page.locator('.ac-adaptiveCard').last().getByRole('button', { name: 'Get keys and downloads' }).click();
    const keyCard = page.locator('.ac-adaptiveCard', { has: page.getByText('Activation key', { exact: true }) }).last();
    await keyCard.waitFor({ timeout: 30_000 });
    const keyText = await keyCard.innerText();
    assert.match(keyText, /[B-Y2-9]{5}(-[B-Y2-9]{5}){4}/, `the activation key is on the card: ${keyText}`);
    await page.screenshot({ path: path.join(SHOTS, 'playground-keys-key.png'), fullPage: true });

    // Download opens the link in a new tab, which Chromium turns into a download (and closes).
    const responded = new Promise<Response>((resolve) => page.context().on('response', (r) => {
      if (r.url().includes('/downloads/')) resolve(r);
    }));
    await keyCard.getByRole('link', { name: 'Download' }).click();
    const response = await Promise.race([responded, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no download within 30 s')), 30_000))]);
    assert.match(response.url(), /\/downloads\/[A-Za-z0-9_-]{43}$/);
    assert.equal(response.status(), 200);
    // (The tab is gone by now: the headers as received.)
    const headers = response.headers();
    assert.match(headers['content-disposition'] ?? '', /^attachment; filename="SW_DVD9_Win_Server_DC_2025_64Bit_de-DE\.iso\.SIMULATED\.txt"/);
    assert.equal(headers['referrer-policy'], 'no-referrer');
    const { rows: counted } = await db.query<{ download_count: number }>('SELECT download_count FROM download_links WHERE order_id = $1', [order.id]);
    assert.deepEqual(counted.map((r) => r.download_count), [1], 'one download counted');
  });

  it('opens the activity log (R13): the summary and the events of the last 30 days, then exports it — the link downloads the CSV', async () => {
    // An event of this test's own (the keys test may not have run): a key view an hour ago.
    const who = await demo();
    await new ActivityLog(db).record({ at: new Date(Date.now() - 3_600_000), partnerId: who.partnerId, event: 'key_view', outcome: 'ok', userId: who.userId, customerId: who.customerId });
    await send(page, 'activity');
    const logCard = page.locator('.ac-adaptiveCard', { has: page.getByText('Activity log', { exact: true }) }).last();
    await logCard.waitFor({ timeout: 30_000 });
    const shown = await logCard.innerText();
    assert.match(shown, /\d+ key views?/, `the summary line: ${shown}`);
    assert.match(shown, /Key viewed/);
    assert.match(shown, /Contoso GmbH/);
    await page.screenshot({ path: path.join(SHOTS, 'playground-activity-log.png'), fullPage: true });

    await logCard.getByRole('button', { name: 'Export CSV' }).click();
    const exportCard = page.locator('.ac-adaptiveCard', { has: page.getByText('Activity log export', { exact: true }) }).last();
    await exportCard.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'playground-activity-export.png'), fullPage: true });
    const responded = new Promise<Response>((resolve) => page.context().on('response', (r) => {
      if (r.url().includes('/exports/')) resolve(r);
    }));
    await exportCard.getByRole('link', { name: 'Download CSV' }).or(exportCard.getByRole('button', { name: 'Download CSV' })).first().click();
    const response = await Promise.race([responded, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no export download within 30 s')), 30_000))]);
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.match(headers['content-type'] ?? '', /^text\/csv/);
    assert.match(headers['content-disposition'] ?? '', /^attachment; filename="activity-log_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv"/);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = 'log_exported' AND outcome = 'ok'", [who.partnerId]);
    assert.ok(rows[0]!.n >= 2, 'the link issued and its download are recorded');
  });

  it('cancels a purchase: the Important notice, Submit only with the acknowledgement, submitted; a worker finishes it and its notification arrives in the chat', async () => {
    const who = await demo();
    const { order } = await placeOrder(db, who.partnerId, {
      customerId: who.customerId, createdBy: who.userId, lines: [{ productId: 'DG7GMGF0D7FV', skuId: '0001', quantity: 8 }], idempotencyKey: randomUUID(),
    });
    const cardsOf = (heading: string) => page.locator('.ac-adaptiveCard', { has: page.getByText(heading, { exact: true }) }).filter({ hasText: order.id });
    const cancellations = async () => (await db.query<{ status: string }>('SELECT status FROM cancellations WHERE order_id = $1', [order.id])).rows.map((r) => r.status);
    const purchaseStatus = async () => (await db.query<{ status: string }>('SELECT status FROM purchases WHERE order_id = $1', [order.id])).rows[0]?.status;

    await send(page, `cancel ${order.id}`);
    const notice = cardsOf('Important');
    await notice.waitFor({ timeout: 30_000 });
    const noticeText = await notice.innerText();
    for (const line of ['Cancel a purchase', 'Contoso GmbH', 'Quantity:', 'revokes all activation keys and download links', 'uninstall', 'prorated']) {
      assert.ok(noticeText.includes(line), `the notice says ${line}: ${noticeText}`);
    }
    const creditToday = /Credit if you cancel today: (€[\d,]+\.\d{2})/.exec(noticeText)?.[1];
    assert.ok(creditToday, `the notice names today's credit: ${noticeText}`);
    await page.screenshot({ path: path.join(SHOTS, 'playground-cancel-notice.png'), fullPage: true });

    // Submit without the acknowledgement: the toggle is required, so the card itself refuses
    // (the Adaptive Cards renderer validates before sending) and says what is missing.
    const acknowledgement = notice.getByRole('checkbox', { name: 'I have read the notice and want to cancel this order' });
    assert.equal(await acknowledgement.isChecked(), false, 'the acknowledgement starts switched off');
    await notice.getByRole('button', { name: 'Submit cancellation' }).click();
    await notice.getByText('Tick the acknowledgement to submit.').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(SHOTS, 'playground-cancel-notice-unacknowledged.png'), fullPage: true });
    assert.deepEqual(await cancellations(), [], 'nothing submitted without the acknowledgement');

    await acknowledgement.check();
    await notice.getByRole('button', { name: 'Submit cancellation' }).click();
    const submitted = cardsOf('Cancellation submitted');
    await submitted.waitFor({ timeout: 30_000 });
    const submittedText = await submitted.innerText();
    assert.ok(submittedText.includes(`Expected credit on your next invoice: ${creditToday}.`), `the submitted card names the credit ${creditToday}: ${submittedText}`);
    assert.match(submittedText, /I will send you a message when it has finished/);
    // The unacknowledged Submit never reached the bot: it answered once, to the acknowledged one, in the notice's place.
    assert.equal(await notice.count(), 0, 'the notice became the submitted card');
    assert.equal(await submitted.count(), 1);
    assert.deepEqual(await cancellations(), ['requested']);
    assert.equal(await purchaseStatus(), 'cancelling');
    await page.screenshot({ path: path.join(SHOTS, 'playground-cancel-submitted.png'), fullPage: true });

    // The worker takes the intent from the outbox, has the (embedded) backend cancel it, and
    // tells the requester in their personal chat — the Playground's, whose serviceUrl the
    // bot stored from this chat's last activity: a proactive POST to /v3/conversations/{id}/activities.
    const { rows: refs } = await db.query<{ service_url: string }>(
      `SELECT reference->>'serviceUrl' AS service_url FROM conversation_refs WHERE user_id = $1 AND active AND conversation_type = 'personal' ORDER BY updated_at DESC LIMIT 1`,
      [who.userId],
    );
    assert.equal(new URL(refs[0]?.service_url ?? 'about:blank').port, new URL(playgroundUrl).port, `the personal chat is the Playground's: ${refs[0]?.service_url}`);
    ensureWorker();
    const finished = cardsOf('Cancellation finished');
    await finished.waitFor({ timeout: 30_000 });
    const finishedText = await finished.innerText();
    assert.match(finishedText, new RegExp(`Order ${order.id} \\(Windows Server Datacenter – 2 Core License Pack – 1 year\\) of Contoso GmbH is cancelled`));
    assert.ok(finishedText.includes(`Credit on your next invoice: ${creditToday}.`), `the notification names the credit ${creditToday}: ${finishedText}`);
    // Nothing had been issued for this order, and the notice says so.
    assert.match(finishedText, /No activation key or download link had been issued for this purchase/);
    assert.match(finishedText, /The customer must stop using the software and uninstall it\./);
    await finished.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'playground-cancel-finished.png'), fullPage: true });
    assert.equal(await purchaseStatus(), 'cancelled');
    assert.deepEqual(await cancellations(), ['finished']);
    // The Playground answered the proactive POST (201), so the delivery is recorded as sent — and sent once.
    await eventually(async () => (await db.query<{ status: string }>(
      `SELECT n.status FROM notifications n JOIN cancellations c ON n.dedupe_key = 'cancellation-finished:' || c.id WHERE c.order_id = $1`, [order.id],
    )).rows[0]?.status === 'sent', { what: 'the notification recorded as sent', timeoutMs: 10_000 });
    assert.equal(await finished.count(), 1, 'one notification in the chat');
  });
  it('files a support request from a cancellation that needs more information: the form pre-filled, reviewed, submitted; the ticket number arrives in the chat', async () => {
    const who = await demo();
    const sku = await productWhoseCancellations(db, 'needs_information');
    const { order } = await placeOrder(db, who.partnerId, {
      customerId: who.customerId, createdBy: who.userId, lines: [{ ...sku, quantity: 2 }], idempotencyKey: randomUUID(),
    });
    ensureWorker();
    const cardsOf = (heading: string) => page.locator('.ac-adaptiveCard', { has: page.getByText(heading, { exact: true }) }).filter({ hasText: order.id });

    // The cancellation, submitted in chat; the backend answers that it needs more information (R20).
    await send(page, `cancel ${order.id}`);
    const notice = cardsOf('Important');
    await notice.waitFor({ timeout: 30_000 });
    await notice.getByRole('checkbox', { name: 'I have read the notice and want to cancel this order' }).check();
    await notice.getByRole('button', { name: 'Submit cancellation' }).click();
    const failed = cardsOf('Cancellation not completed');
    await failed.waitFor({ timeout: 30_000 });
    await failed.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'playground-support-cancellation-failed.png'), fullPage: true });

    // Its "Request support" button opens the form, pre-filled with what the bot knows.
    await failed.getByRole('button', { name: 'Request support' }).click();
    const form = cardsOf('Support request');
    await form.waitFor({ timeout: 30_000 });
    const formText = await form.innerText();
    for (const fact of ['Contoso GmbH', order.id, 'CSP Purchase/Refund on behalf of customers', 'needs more information']) {
      assert.ok(formText.includes(fact), `the form names ${fact}: ${formText}`);
    }
    const description = await form.getByLabel(/^Description/).inputValue();
    assert.match(description, new RegExp(`order ${order.id}`), 'the description is pre-filled');
    const amount = await form.getByLabel(/^Amount requested/).inputValue();
    assert.match(amount, /^\d+\.\d{2}$/, `the amount is pre-filled as an English number: ${amount}`);
    // What the Playground does not say about the user is typed in; a phone number that is not one is refused on Review.
    await form.getByLabel(/^Contact name/).fill('Alex Wilber');
    await form.getByLabel(/^Contact email/).fill('alex.wilber@contoso.example');
    await form.getByLabel(/^Contact phone/).fill('12');
    await form.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'playground-support-form.png'), fullPage: true });
    await form.getByRole('button', { name: 'Review' }).click();
    // The form comes back in its own place, saying what is wrong with the phone.
    const corrected = cardsOf('Support request').filter({ hasText: /phone number/i });
    await corrected.waitFor({ timeout: 30_000 });
    assert.equal(await cardsOf('Support request').count(), 1, 'one form card');
    await corrected.getByLabel(/^Contact phone/).fill('+49 30 1234567');
    await corrected.getByRole('button', { name: 'Review' }).click();

    const review = cardsOf('Review your support request');
    await review.waitFor({ timeout: 30_000 });
    const reviewText = await review.innerText();
    for (const line of ['alex.wilber@contoso.example', '+49 30 1234567', 'Moderate']) assert.ok(reviewText.includes(line), `the review shows ${line}: ${reviewText}`);
    await review.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'playground-support-review.png'), fullPage: true });
    await review.getByRole('button', { name: 'Submit request' }).click();
    const submitted = cardsOf('Support request submitted');
    await submitted.waitFor({ timeout: 30_000 });

    // The worker files it at the (embedded) desk and tells the requester the ticket number in this chat.
    const filed = cardsOf('Support request filed');
    await filed.waitFor({ timeout: 30_000 });
    const ticket = /ticket (CSP-\d{6})/.exec(await filed.innerText())?.[1];
    assert.ok(ticket, `the notification names the ticket: ${await filed.innerText()}`);
    await filed.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'playground-support-filed.png'), fullPage: true });
    const { rows } = await db.query<{ status: string; ticket_number: string; contact_phone: string }>('SELECT status, ticket_number, contact_phone FROM support_requests WHERE order_id = $1', [order.id]);
    assert.deepEqual(rows, [{ status: 'filed', ticket_number: ticket, contact_phone: '+49 30 1234567' }]);
    assert.equal(await filed.count(), 1, 'one notification in the chat');
  });
});
