/**
 * A newcomer's first minute, in a real browser: the Microsoft 365 Agents Playground
 * (the local Teams-like client `npm start` opens) talks to the real bot; we type
 * `help`, see the help card, press a button on it and see the answer. Screenshots go
 * to test-results/ — look at them.
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
import { seedDemoData } from '../../services/seed/demo.js';
import { createLogger } from '../../services/logger.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { placeOrder } from '../support/purchases.js';

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
    await seedDemoData(testDb(), { logger: createLogger({ level: 'silent' }) });
    bot = await startTestBot();
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
    await browser?.close();
    playground?.kill('SIGTERM');
    await bot?.close();
  });

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

  it('buys something: product for customer → SKU and quantity on the card → review → confirm → order id', async () => {
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
    const { rows } = await testDb().query(
      // The demo partner's Contoso (other specs make customers of that name, some with orders dated ahead by a test clock).
      `SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id AND c.partner_id = o.partner_id
        WHERE c.primary_domain = 'contoso-de.onmicrosoft.com' ORDER BY o.purchased_at DESC LIMIT 1`,
    );
    assert.ok(await page.getByText(rows[0].id as string).first().isVisible(), 'the new order id is on the confirmation card');
  });

  it('gets a key and a download link for a purchase, and the link downloads the file', async () => {
    // A purchase of this test's own (the buying test may not have run).
    const db = testDb();
    const { rows: [who] } = await db.query<{ partner_id: string; user_id: string; customer_id: string }>(
      `SELECT u.partner_id, u.id AS user_id, c.id AS customer_id FROM users u JOIN customers c ON c.partner_id = u.partner_id
        WHERE u.external_id = '00000000-0000-0000-0000-0000000000020' AND c.primary_domain = 'contoso-de.onmicrosoft.com'`,
    );
    const { order } = await placeOrder(db, Number(who!.partner_id), {
      customerId: who!.customer_id, createdBy: Number(who!.user_id), lines: [{ productId: 'DG7GMGF0D7FV', skuId: '0001', quantity: 8 }], idempotencyKey: randomUUID(),
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
});
