/**
 * Support requests over Slack (R20, R21), as signed requests to /slack/events against the fake
 * Slack Web API (and its file server), with a worker for the filing job:
 * `/csp support <order id>` → the form as a modal (views.open with the command's trigger_id),
 * pre-filled from users.info and the bot's records → its submission, with a file from the
 * modal's file input (looked up with files.info, downloaded with the bot token) → the review in
 * the user's DM → Submit → "being filed" in the DM → one request with its file → the worker files
 * it and "filed: ticket CSP-…" arrives in the DM, in the user's language.
 *
 * And what must not happen: a form with errors is shown again (with the submission's trigger_id)
 * and records nothing; forged file ids are neither downloaded nor attached; forged and stale
 * signatures are refused; a modal whose flow was stopped is answered, not filed.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { startWorker, type WorkerProcess } from '../../bot/worker.js';
import { loadConfig } from '../../services/config.js';
import type { Actor } from '../../services/access/roles.js';
import type { Db } from '../../services/db/pool.js';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, DEMO_PARTNER } from '../../services/seed/demo.js';
import { amountInput } from '../../services/support/amount.js';
import { assertValidBlockKit, assertValidSlackModal } from '../cards/validate.js';
import { createCustomer, type TestCustomer, type TestPartner } from '../commerce/factories.js';
import type { FakeSlackApi, SlackCall } from '../fakes/slack-api.js';
import { TestBackends, eventually, isolatedDb } from '../jobs/support.js';
import { createSupportHarness, failedCancellation } from '../support-requests/fixtures.js';
import { createBlockAction, createSlashCommand, createUser, createViewSubmission, slackSignature, type ViewInputState } from '../support/factories.js';
import { SLACK_TEST_SECRET, slackButtons as buttons, slackEnv, startSlackTestBot, type SlackTestBot } from '../support/slack.js';

const USER = 'U0DEMOADMIN'; // demo: Admin agent + Global admin
const TEAM = DEMO_PARTNER.slackTeamId;
/** What users.info says of the demo admin here: the contact the form starts with. */
const ADMIN_PROFILE = { realName: 'Demo Admin', email: 'demo.admin@contoso.example', phone: '+49 30 1234567', locale: 'en-US' };
const PDF = Buffer.from('%PDF-1.4\n% the customer\'s invoice\n%%EOF\n');

type ViewValues = Record<string, Record<string, ViewInputState>>;

const text = (value: string): ViewInputState => ({ type: 'plain_text_input', value });
const upload = (...files: Array<{ id: string; name?: string }>): ViewInputState => ({
  type: 'file_input',
  // Slack sends URLs with each upload too; the bot must not follow them (it asks files.info).
  files: files.map((f) => ({ ...f, url_private_download: 'http://127.0.0.1:9/not-where-the-bot-reads-files' })),
});

/** Every input element of a modal, by its action_id (the field it names). */
function inputs(view: any): Map<string, any> {
  return new Map((view.blocks as any[]).filter((b) => b.type === 'input').map((b) => [b.element.action_id, b.element]));
}

/** An input's hint (where the form puts a field's error), by action_id. */
function hintOf(view: any, field: string): string {
  const block = (view.blocks as any[]).find((b) => b.type === 'input' && b.element.action_id === field);
  return block?.hint?.text ?? '';
}

/**
 * What Slack sends for the modal's inputs when the user leaves each as the bot filled it in,
 * with `typed` changed (by action_id): every input, under its block id.
 */
function filledIn(view: any, typed: Record<string, ViewInputState> = {}): ViewValues {
  const values: ViewValues = {};
  for (const block of (view.blocks as any[]).filter((b) => b.type === 'input')) {
    const e = block.element;
    const left: ViewInputState =
      e.type === 'static_select' ? { type: e.type, selected_option: e.initial_option ?? null }
        : e.type === 'file_input' ? { type: e.type, files: [] }
          : { type: e.type, value: e.initial_value ?? null };
    values[block.block_id] = { [e.action_id]: typed[e.action_id] ?? left };
  }
  return values;
}

/** The trigger_id a request carries (a command's field, or an interaction payload's). */
function triggerOf(body: string): string {
  const params = new URLSearchParams(body);
  return params.get('trigger_id') ?? (JSON.parse(params.get('payload')!) as { trigger_id: string }).trigger_id;
}

const texts = (c: SlackCall): string => `${c.params.text ?? ''}\n${JSON.stringify(c.params.blocks ?? c.params.view?.blocks ?? [])}`;

describe('bot: support requests over Slack (R20, R21), to the ticket number in the DM', function () {
  this.timeout(60_000);
  const backends = new TestBackends();
  let isolated: { db: Db; drop: () => Promise<void> };
  let db: Db;
  let slack: SlackTestBot;
  let fake: FakeSlackApi;
  let worker: WorkerProcess | undefined;
  let partner: TestPartner;
  let admin: Actor;
  /** A user of the partner without roles (anyone may file), whose Slack speaks German. */
  let german: { id: number; externalId: string };
  let customer: TestCustomer;
  let fileCounter = 0;

  before(async () => {
    // A schema of its own: the worker relays every job intent of the schema it runs on.
    isolated = await isolatedDb('slack_support');
    db = isolated.db;
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    slack = await startSlackTestBot({ db });
    ({ fake } = slack);
    // users.info as set here (not the harness's stand-in), before any turn: the adapter keeps profiles for an hour.
    fake.script(undefined);
    fake.setUser(USER, ADMIN_PROFILE);
    const p = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = $1", [TEAM]);
    const partnerId = Number(p.rows[0]!.partner_id);
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'slack' AND external_id = $2", [partnerId, USER]);
    partner = { partnerId, ref: `slack:${TEAM}`, userId: Number(u.rows[0]!.id) };
    admin = { userId: partner.userId, partnerId, channel: 'slack', externalId: USER, displayName: 'Demo Admin', roles: ['admin_agent', 'global_admin'], locale: 'en-US' };
    german = await createUser(db, { id: partnerId, tenantId: '', slackTeamId: TEAM }, { channel: 'slack', name: 'Greta Gruber' });
    fake.setUser(german.externalId, { realName: 'Greta Gruber', email: 'greta.gruber@contoso.example', phone: '+49 89 1234567', locale: 'de-DE' });
  });
  after(async () => {
    await worker?.close(2000);
    await slack.close();
    await backends.cleanup();
    await isolated.drop();
  });
  beforeEach(async () => {
    fake.calls.length = 0;
    fake.downloads.length = 0;
    const tag = randomUUID().slice(0, 8);
    customer = await createCustomer(db, partner, { companyName: `Slack Support ${tag} GmbH`, billingCountry: 'DE', primaryDomain: `slack-support-${tag}.onmicrosoft.com` });
  });

  /** An order of the customer whose cancellation needed more information (R20), the admin's. */
  async function orderNeedingInformation(): Promise<{ orderId: string; cancellationId: string }> {
    return failedCancellation(db, createSupportHarness(db), partner, customer, admin, 'needs_information');
  }
  async function post(body: string): Promise<void> {
    assert.equal((await slack.post(body)).status, 200);
  }
  const answer = (pred: (c: SlackCall) => boolean) => slack.answer(pred);
  const dm = (user: string) => (c: SlackCall) => c.method === 'chat.postMessage' && c.params.channel === user;
  /** A file the user uploaded in the modal's file input, as files.info and the file server know it. */
  function uploaded(user: string, name = 'invoice.pdf'): { id: string; name: string } {
    fileCounter += 1;
    const file = { id: `F0${String(fileCounter).padStart(4, '0')}${randomUUID().replace(/-/g, '').slice(0, 6).toUpperCase()}`, name, mimetype: 'application/pdf', user, content: PDF };
    fake.addFile(file);
    return { id: file.id, name };
  }
  const requestsOf = async (orderId: string) =>
    (await db.query<{ id: string; requested_by: string; status: string; amount_minor: string; contact_name: string; contact_email: string; contact_phone: string; cancellation_id: string | null; filings: number }>(
      'SELECT id, requested_by, status, amount_minor, contact_name, contact_email, contact_phone, cancellation_id, filings FROM support_requests WHERE order_id = $1 ORDER BY id',
      [orderId],
    )).rows;
  const filesOf = async (userId: number) =>
    (await db.query<{ filename: string; content: Buffer; support_request_id: string | null; draft_key: string }>(
      'SELECT filename, content, support_request_id, draft_key FROM support_files WHERE user_id = $1 ORDER BY id',
      [userId],
    )).rows;
  const filesOfRequest = async (requestId: string) =>
    (await db.query<{ filename: string; content: Buffer }>('SELECT filename, content FROM support_files WHERE support_request_id = $1 ORDER BY id', [requestId])).rows;

  /** `/csp support <order id>` → the modal Slack was asked to open (checked), and the command's body. */
  async function openForm(orderId: string, user = USER): Promise<{ view: any; command: string }> {
    fake.calls.length = 0;
    const command = createSlashCommand({ teamId: TEAM, userId: user, text: `support ${orderId}`, responseUrl: fake.responseUrl(`open/${randomUUID()}`) });
    await post(command);
    const opened = await answer((c) => c.method === 'views.open' || c.method === undefined);
    assert.equal(opened.method, 'views.open', `the form opens as a modal, not ${texts(opened)}`);
    assert.equal(opened.params.trigger_id, triggerOf(command), "opened with the command's own trigger_id");
    assertValidSlackModal(opened.params.view);
    return { view: opened.params.view, command };
  }
  /** Submits the modal `view` with `values`; returns the request's body. */
  async function submitView(view: any, values: ViewValues, user = USER): Promise<string> {
    fake.calls.length = 0;
    const body = createViewSubmission({ teamId: TEAM, userId: user, view, values });
    await post(body);
    return body;
  }
  /** The whole flow as `user` — form, one file, review, Submit — to the "being filed" message; the request's id. */
  async function fileRequest(orderId: string, user = USER): Promise<string> {
    const { view } = await openForm(orderId, user);
    await submitView(view, filledIn(view, { files: upload(uploaded(user)) }), user);
    const review = await answer(dm(user));
    const submit = buttons(review).find((b) => JSON.parse(b.value).action === 'support.submit');
    assert.ok(submit, `a Submit button on the review: ${texts(review)}`);
    fake.calls.length = 0;
    await post(createBlockAction({ teamId: TEAM, userId: user, value: submit.value, actionId: submit.action_id, channelId: `D${user}`, responseUrl: fake.responseUrl(`submit/${randomUUID()}`) }));
    const submitted = await answer(dm(user));
    const requestId = /(?:Support request|Supportanfrage) (\d+)/.exec(texts(submitted))?.[1];
    assert.ok(requestId, `the request's number in ${texts(submitted)}`);
    return requestId;
  }

  it('/csp support <order id>: the modal pre-filled (users.info, the order, the credit) → submitted with a file → review in the DM lists it → Submit → "being filed" in the DM → one request with its file', async () => {
    const { orderId, cancellationId } = await orderNeedingInformation();
    const { view } = await openForm(orderId);

    // Pre-filled: the contact from users.info, the order's facts from the bot's records, the amount the cancellation would have credited.
    const meta = JSON.parse(view.private_metadata) as { action: string; draftId: string };
    assert.equal(meta.action, 'support.review');
    assert.ok(meta.draftId, 'the modal names its draft');
    const fields = inputs(view);
    assert.equal(fields.get('contactName')?.initial_value, ADMIN_PROFILE.realName);
    assert.equal(fields.get('contactEmail')?.initial_value, ADMIN_PROFILE.email);
    assert.equal(fields.get('contactPhone')?.initial_value, ADMIN_PROFILE.phone);
    const credit = Number((await db.query<{ credit_minor: string }>('SELECT credit_minor FROM cancellations WHERE id = $1', [cancellationId])).rows[0]!.credit_minor);
    assert.ok(credit > 0, 'the cancellation had a credit to suggest');
    assert.equal(fields.get('amount')?.initial_value, amountInput(credit, 'EUR', 'en-US'));
    assert.equal(fields.get('impact')?.initial_option?.value, 'moderate');
    assert.ok(fields.get('title')?.initial_value, 'a title is suggested');
    assert.ok(String(fields.get('description')?.initial_value).includes(orderId), 'the description names the order');
    assert.equal(fields.get('files')?.type, 'file_input', 'the modal takes files');
    const modal = JSON.stringify(view.blocks);
    for (const fact of [orderId, customer.companyName, customer.tenantId, customer.primaryDomain, 'CSP Purchase/Refund on behalf of customers', 'Partner Center needs more information']) {
      assert.ok(modal.includes(fact), `the modal shows ${fact}`);
    }

    // Submitted with a file the user uploaded in the modal: looked up and downloaded with the bot token, listed on the review.
    const file = uploaded(USER, 'invoice-2025-07.pdf');
    await submitView(view, filledIn(view, { files: upload(file) }));
    const review = await answer(dm(USER));
    assertValidBlockKit({ text: review.params.text, blocks: review.params.blocks });
    assert.match(texts(review), /Review your support request/);
    assert.ok(texts(review).includes('invoice-2025-07.pdf'), `the review lists the file: ${texts(review)}`);
    assert.ok(texts(review).includes(ADMIN_PROFILE.email));
    assert.equal(fake.callsTo('files.info').length, 1);
    assert.equal(fake.callsTo('files.info')[0]!.params.file, file.id);
    assert.equal(fake.downloads.length, 1, 'downloaded once, from the file server (never from the URL in the payload)');
    assert.equal(fake.downloads[0]!.fileId, file.id);
    assert.equal(fake.downloads[0]!.authorization, 'Bearer xoxb-test-token');
    const kept = await filesOf(partner.userId);
    assert.deepEqual(kept.filter((f) => f.draft_key === meta.draftId).map((f) => [f.filename, f.support_request_id]), [['invoice-2025-07.pdf', null]], 'kept with the draft until Submit');
    assert.deepEqual(await requestsOf(orderId), [], 'nothing is recorded before Submit');

    // Submit: "being filed", kept in the DM.
    const submit = buttons(review).find((b) => JSON.parse(b.value).action === 'support.submit');
    assert.ok(submit, 'a Submit button');
    fake.calls.length = 0;
    const click = createBlockAction({ teamId: TEAM, userId: USER, value: submit.value, actionId: submit.action_id, channelId: `D${USER}`, responseUrl: fake.responseUrl('s/1') });
    await post(click);
    const submitted = await answer(dm(USER));
    assertValidBlockKit({ text: submitted.params.text, blocks: submitted.params.blocks });
    assert.match(texts(submitted), new RegExp(`Support request \\d+ for order ${orderId} is being filed`));

    const rows = await requestsOf(orderId);
    assert.equal(rows.length, 1, 'one request');
    const row = rows[0]!;
    assert.deepEqual(
      { by: Number(row.requested_by), status: row.status, amount: Number(row.amount_minor), name: row.contact_name, email: row.contact_email, phone: row.contact_phone, cancellation: row.cancellation_id },
      { by: partner.userId, status: 'queued', amount: credit, name: ADMIN_PROFILE.realName, email: ADMIN_PROFILE.email, phone: ADMIN_PROFILE.phone, cancellation: cancellationId },
    );
    assert.ok(texts(submitted).includes(`Support request ${row.id} `), 'the message names the request recorded');
    const attached = await filesOfRequest(row.id);
    assert.equal(attached.length, 1, 'one file attached');
    assert.equal(attached[0]!.filename, 'invoice-2025-07.pdf');
    assert.ok(attached[0]!.content.equals(PDF), 'the bytes the file server sent');

    // Submit again (a second click): answered with the same request, nothing new.
    fake.calls.length = 0;
    await post(createBlockAction({ teamId: TEAM, userId: USER, value: submit.value, actionId: submit.action_id, channelId: `D${USER}`, responseUrl: fake.responseUrl('s/2') }));
    assert.match(texts(await answer(dm(USER))), new RegExp(`Support request ${row.id} for order ${orderId} was submitted already`));
    assert.equal((await requestsOf(orderId)).length, 1);
    assert.equal((await filesOfRequest(row.id)).length, 1);
  });

  it('/csp support lists the cancellations that could not be completed; "File request" opens the form with the click\'s trigger_id', async () => {
    const { orderId } = await orderNeedingInformation();
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'support', responseUrl: fake.responseUrl('l/1') }));
    const list = await answer((c) => c.path.endsWith('l/1'));
    assertValidBlockKit({ text: list.params.text, blocks: list.params.blocks });
    assert.match(texts(list), new RegExp(`Order ${orderId} .*Partner Center needs more information`));
    const fileIt = buttons(list).find((b) => JSON.parse(b.value).action === 'support.order' && JSON.parse(b.value).orderId === orderId);
    assert.ok(fileIt, `a File request button for ${orderId}: ${texts(list)}`);
    fake.calls.length = 0;
    const click = createBlockAction({ teamId: TEAM, userId: USER, value: fileIt.value, actionId: fileIt.action_id, responseUrl: fake.responseUrl('l/2') });
    await post(click);
    const opened = await answer((c) => c.method === 'views.open' || c.path.endsWith('l/2'));
    assert.equal(opened.method, 'views.open', `the form opens as a modal: ${texts(opened)}`);
    assert.equal(opened.params.trigger_id, triggerOf(click));
    assert.ok(JSON.stringify(opened.params.view.blocks).includes(orderId));
  });

  describe('a form with errors opens again (with the submission\'s trigger_id), recording nothing', () => {
    it('an invalid email and an amount above the order total: each error at its field, the typed values kept', async () => {
      const { orderId } = await orderNeedingInformation();
      const { view } = await openForm(orderId);
      const body = await submitView(view, filledIn(view, { contactEmail: text('demo.admin@@contoso'), amount: text('99999.00') }));
      const again = await answer((c) => c.method === 'views.open' || c.method === 'chat.postMessage');
      assert.equal(again.method, 'views.open', `the form again, not ${texts(again)}`);
      assert.equal(again.params.trigger_id, triggerOf(body), "opened with the submission's trigger_id");
      assertValidSlackModal(again.params.view);
      assert.match(JSON.stringify(again.params.view.blocks), /Some fields need correcting/);
      assert.match(hintOf(again.params.view, 'contactEmail'), /Not a valid email address/);
      assert.match(hintOf(again.params.view, 'amount'), /More than the order total: at most €[\d,]+\.\d{2}/);
      assert.doesNotMatch(hintOf(again.params.view, 'contactPhone'), /:warning:/, 'no error where there is none');
      const fields = inputs(again.params.view);
      assert.equal(fields.get('contactEmail')?.initial_value, 'demo.admin@@contoso', 'what was typed stays');
      assert.equal(fields.get('amount')?.initial_value, '99999.00');
      assert.equal(JSON.parse(again.params.view.private_metadata).draftId, JSON.parse(view.private_metadata).draftId, 'the same draft');
      assert.equal(fake.callsTo('chat.postMessage').length, 0, 'no review');
      assert.deepEqual(await requestsOf(orderId), []);
    });

    it('German Slack (users.info locale de-DE): "1.234,56" is read as 1234.56 — above this order\'s total, said in German', async () => {
      const { orderId } = await orderNeedingInformation();
      const { view } = await openForm(orderId, german.externalId);
      assert.match(view.title.text, /Supportanfrage/, 'the form in German');
      const fields = inputs(view);
      assert.equal(fields.get('contactEmail')?.initial_value, 'greta.gruber@contoso.example');
      assert.match(String(fields.get('amount')?.initial_value), /^\d+,\d{2}$/, 'the amount pre-filled as Germans write it');
      const total = Number((await db.query<{ total_minor: string }>('SELECT total_minor FROM purchases WHERE order_id = $1', [orderId])).rows[0]!.total_minor);
      assert.ok(total < 123_456, 'the order costs less than 1.234,56 €');

      const body = await submitView(view, filledIn(view, { amount: text('1.234,56') }), german.externalId);
      const again = await answer((c) => c.method === 'views.open' || c.method === 'chat.postMessage');
      assert.equal(again.method, 'views.open', `the form again, not ${texts(again)}`);
      assert.equal(again.params.trigger_id, triggerOf(body));
      assertValidSlackModal(again.params.view);
      const hint = hintOf(again.params.view, 'amount');
      assert.match(hint, /Mehr als die Bestellsumme: höchstens [\d.]+,\d{2}\s€/, `read as an amount, too high: ${hint}`);
      assert.doesNotMatch(hint, /Kein gültiger Betrag/);
      assert.deepEqual(await requestsOf(orderId), []);
    });
  });

  it('forged file ids: one not shaped like a Slack file id, one file another user uploaded — neither downloaded nor attached, the other user\'s reported', async () => {
    const { orderId } = await orderNeedingInformation();
    const { view } = await openForm(orderId);
    const theirs = uploaded('U0SOMEONEELSE', 'their-contract.pdf');
    // And one Slack cannot give (files.info answers file_not_found): unreadable, not "a type not accepted" (its id has no extension).
    await submitView(view, filledIn(view, { files: upload({ id: '../../api/auth.test' }, theirs, { id: 'F0NOSUCHFILE1' }) }));
    // The form itself is fine: the review, saying what was not attached (no modal reopened after the downloads: its trigger would have expired).
    const review = await answer((c) => c.method === 'views.open' || c.method === 'chat.postMessage');
    assert.equal(review.method, 'chat.postMessage', `the review, saying what was not attached: ${texts(review)}`);
    const modal = texts(review);
    assert.match(modal, /Review your support request/);
    assert.match(modal, /Not attached:/);
    assert.match(modal, /their-contract\.pdf: the file could not be read/);
    assert.match(modal, /F0NOSUCHFILE1: the file could not be read/);
    assert.doesNotMatch(modal, /not accepted/);
    assert.deepEqual(fake.callsTo('files.info').map((c) => c.params.file).sort(), ['F0NOSUCHFILE1', theirs.id].sort(), 'only the well-shaped ids are looked up');
    assert.equal(fake.calls.filter((c) => c.method === 'auth.test').length, 0, 'a forged id reaches no other Web API method');
    assert.deepEqual(fake.downloads, [], 'nothing downloaded');
    assert.deepEqual(await filesOf(partner.userId).then((rows) => rows.filter((f) => f.draft_key === JSON.parse(view.private_metadata).draftId)), []);
    assert.ok(slack.bot.logs.some((l) => l.includes('slack file ids of a wrong shape ignored')), 'the forged id is logged');
    assert.deepEqual(await requestsOf(orderId), []);
  });

  it('a forged signature and a stale timestamp on /csp support <order id>: 401, nothing runs, nothing recorded', async () => {
    const { orderId } = await orderNeedingInformation();
    const forged = createSlashCommand({ teamId: TEAM, userId: USER, text: `support ${orderId}`, responseUrl: fake.responseUrl('forged/1') });
    assert.equal((await slack.post(forged, slackSignature('not-the-signing-secret-000000', forged))).status, 401);
    const stale = createSlashCommand({ teamId: TEAM, userId: USER, text: `support ${orderId}`, responseUrl: fake.responseUrl('stale/1') });
    assert.equal((await slack.post(stale, slackSignature(SLACK_TEST_SECRET, stale, Math.floor(Date.now() / 1000) - 600))).status, 401);
    // And a request that is let in, after them: once it is answered, the refused ones had their chance to run.
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'support list', responseUrl: fake.responseUrl('after/1') }));
    await answer((c) => c.path.endsWith('after/1'));
    assert.deepEqual(fake.calls.filter((c) => c.method === 'views.open' || /forged|stale/.test(c.path)).map((c) => c.path), []);
    assert.deepEqual(await requestsOf(orderId), []);
  });

  describe('/csp cancel and /csp stop while the form is open', () => {
    it('/csp cancel stops the flow; the modal submitted later is answered in the DM, and nothing is fetched or recorded', async () => {
      const { orderId } = await orderNeedingInformation();
      const { view } = await openForm(orderId);
      fake.calls.length = 0;
      await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'cancel', responseUrl: fake.responseUrl('x/1') }));
      assert.match(texts(await answer((c) => c.path.endsWith('x/1'))), /Stopped your [\w ]+\. Nothing was changed\./);

      await submitView(view, filledIn(view, { files: upload(uploaded(USER)) }));
      const answered = await answer(dm(USER));
      assert.match(texts(answered), /That button no longer works/);
      assert.equal(fake.callsTo('views.open').length, 0);
      assert.equal(fake.callsTo('files.info').length, 0, 'the file is not looked up');
      assert.deepEqual(fake.downloads, []);
      assert.deepEqual(await requestsOf(orderId), []);
      assert.deepEqual((await filesOf(partner.userId)).filter((f) => f.draft_key === JSON.parse(view.private_metadata).draftId), []);
    });

    it('/csp cancel at the start list and at the review: stopped; their buttons then start nothing and file nothing', async () => {
      const { orderId } = await orderNeedingInformation();
      // At the start list.
      await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'support', responseUrl: fake.responseUrl('c/1') }));
      const list = await answer((c) => c.path.endsWith('c/1'));
      const fileIt = buttons(list).find((b) => JSON.parse(b.value).action === 'support.order' && JSON.parse(b.value).orderId === orderId);
      assert.ok(fileIt, texts(list));
      await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'cancel', responseUrl: fake.responseUrl('c/2') }));
      assert.match(texts(await answer((c) => c.path.endsWith('c/2'))), /Stopped your [\w ]+\. Nothing was changed\./);
      fake.calls.length = 0;
      await post(createBlockAction({ teamId: TEAM, userId: USER, value: fileIt.value, actionId: fileIt.action_id, responseUrl: fake.responseUrl('c/3') }));
      assert.match(texts(await answer((c) => c.path.endsWith('c/3') || c.method === 'views.open')), /That button no longer works/);
      assert.equal(fake.callsTo('views.open').length, 0, 'no form opened');

      // At the review.
      const { view } = await openForm(orderId);
      await submitView(view, filledIn(view));
      const review = await answer(dm(USER));
      const submit = buttons(review).find((b) => JSON.parse(b.value).action === 'support.submit');
      assert.ok(submit, texts(review));
      await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'cancel', responseUrl: fake.responseUrl('c/4') }));
      assert.match(texts(await answer((c) => c.path.endsWith('c/4'))), /Stopped your [\w ]+\. Nothing was changed\./);
      fake.calls.length = 0;
      await post(createBlockAction({ teamId: TEAM, userId: USER, value: submit.value, actionId: submit.action_id, channelId: `D${USER}`, responseUrl: fake.responseUrl('c/5') }));
      assert.match(texts(await answer((c) => c.path.endsWith('c/5') || c.method === 'chat.postMessage')), /That button no longer works/);
      assert.deepEqual(await requestsOf(orderId), [], 'nothing filed');
    });

    it('/csp stop, then a new form: the old modal submitted is stale, the new one still works', async () => {
      const { orderId } = await orderNeedingInformation();
      const { view: old } = await openForm(orderId);
      fake.calls.length = 0;
      await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'stop', responseUrl: fake.responseUrl('y/1') }));
      assert.match(texts(await answer((c) => c.path.endsWith('y/1'))), /Stopped your [\w ]+\. Nothing was changed\./);
      const { view: current } = await openForm(orderId);

      await submitView(old, filledIn(old, { files: upload(uploaded(USER)) }));
      const answered = await answer(dm(USER));
      // The old modal is of the stopped task: refused before the flow looks at it.
      assert.match(texts(answered), /That button no longer works/);
      assert.equal(fake.callsTo('files.info').length, 0, 'the stale modal\'s file is not looked up');
      assert.deepEqual(await requestsOf(orderId), []);

      await submitView(current, filledIn(current));
      assert.match(texts(await answer(dm(USER))), /Review your support request/);
    });
  });

  it('the filing job: "filed: ticket CSP-…" goes to the user\'s DM via chat.postMessage, in their language (German)', async () => {
    const { orderId } = await orderNeedingInformation();
    const requestId = await fileRequest(orderId, german.externalId);
    assert.equal((await filesOfRequest(requestId)).length, 1);

    fake.calls.length = 0;
    const config = loadConfig({ ...slackEnv(fake), OUTBOX_RELAY_INTERVAL_MS: '100', WORKER_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '2000' });
    worker = startWorker({ config, db, jobs: backends.create('redis'), logger: createLogger({ level: 'silent' }) });
    try {
      const filed = await eventually(
        () => fake.calls.find((c) => dm(german.externalId)(c) && texts(c).includes(`Supportanfrage ${requestId} `)),
        { what: 'the filed notification at Slack', timeoutMs: 30_000 },
      );
      assertValidBlockKit({ text: filed.params.text, blocks: filed.params.blocks });
      const ticket = /Ticket (CSP-\d+)/.exec(texts(filed))?.[1];
      assert.ok(ticket, `a ticket number in German: ${texts(filed)}`);
      assert.match(texts(filed), new RegExp(`Ihre Supportanfrage ${requestId} zur Bestellung ${orderId} .* wurde eingereicht: Ticket ${ticket}`));
      assert.doesNotMatch(texts(filed), /was filed/);
      const row = (await db.query<{ status: string; ticket_number: string }>('SELECT status, ticket_number FROM support_requests WHERE id = $1', [requestId])).rows[0]!;
      assert.deepEqual(row, { status: 'filed', ticket_number: ticket });
      const desk = (await db.query<{ attachments: Array<{ filename: string }> }>('SELECT attachments FROM support_tickets WHERE number = $1', [ticket])).rows[0]!;
      assert.deepEqual(desk.attachments.map((a) => a.filename), ['invoice.pdf'], 'the ticket carries the file');
    } finally {
      await worker.close(2000);
      worker = undefined;
    }
  });

  it('/csp support list and /csp support retry <id> of a request that could not be filed answer ephemerally', async () => {
    const { orderId } = await orderNeedingInformation();
    const requestId = await fileRequest(orderId);
    // The desk failed it (as the filing job does after its last attempt).
    await db.query("UPDATE support_requests SET status = 'failed', failure_reason = 'unavailable', status_at = now() WHERE id = $1", [requestId]);

    fake.calls.length = 0;
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: 'support list', responseUrl: fake.responseUrl('m/1') }));
    const list = await answer((c) => c.path.endsWith('m/1') || c.method === 'chat.postMessage');
    assert.ok(list.path.endsWith('m/1'), 'answered through the response_url');
    assert.equal(list.params.response_type, 'ephemeral');
    assertValidBlockKit({ text: list.params.text, blocks: list.params.blocks });
    assert.match(texts(list), new RegExp(`Request ${requestId} · order ${orderId}`));
    assert.match(texts(list), /Could not be filed/);
    const again = buttons(list).find((b) => b.text?.text === 'File again');
    assert.ok(again, `a File again button: ${texts(list)}`);
    assert.deepEqual(JSON.parse(again.value), { action: 'command', command: 'support', args: `retry ${requestId}` });

    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `support retry ${requestId}`, responseUrl: fake.responseUrl('m/2') }));
    const retried = await answer((c) => c.path.endsWith('m/2'));
    assert.equal(retried.params.response_type, 'ephemeral');
    assert.match(texts(retried), new RegExp(`Support request ${requestId} is being filed again`));
    const row = (await db.query<{ status: string; filings: number }>('SELECT status, filings FROM support_requests WHERE id = $1', [requestId])).rows[0]!;
    assert.deepEqual(row, { status: 'queued', filings: 2 });

    // Again while it is being filed: nothing to retry. Another user's request: not theirs to retry.
    await post(createSlashCommand({ teamId: TEAM, userId: USER, text: `support retry ${requestId}`, responseUrl: fake.responseUrl('m/3') }));
    assert.match(texts(await answer((c) => c.path.endsWith('m/3'))), new RegExp(`Support request ${requestId} is already filed or being filed`));
    await db.query("UPDATE support_requests SET status = 'failed', failure_reason = 'unavailable' WHERE id = $1", [requestId]);
    await post(createSlashCommand({ teamId: TEAM, userId: german.externalId, text: `support retry ${requestId}`, responseUrl: fake.responseUrl('m/4') }));
    assert.match(texts(await answer((c) => c.path.endsWith('m/4'))), new RegExp(`Es gibt keine Supportanfrage ${requestId} von Ihnen`));
    const untouched = (await db.query<{ status: string; filings: number }>('SELECT status, filings FROM support_requests WHERE id = $1', [requestId])).rows[0]!;
    assert.deepEqual(untouched, { status: 'failed', filings: 2 }, 'another user cannot file it again');
  });
});
