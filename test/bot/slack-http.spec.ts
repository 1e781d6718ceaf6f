import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { viewSubmission } from '../../bot/slack/listeners/views/view-submission.js';
import { buyQuantityModal, cancelNoticeModal, quantityModalModel, type SlackModalView } from '../../cards/index.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import {
  createBlockAction, createPartner, createSlashCommand, createUser, createViewSubmission, slackSignature, type TestPartner, type ViewInputState,
} from '../support/factories.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../fakes/slack-api.js';
import { cancelNoticeForm, contoso, proratedOptions, skuScreen } from '../cards/fixtures.js';
import { assertValidBlockKit } from '../cards/validate.js';

const SECRET = 'test-signing-secret-0123456789';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Waits (bounded) until the fake has seen `n` calls matching `pred`. */
async function waitForCalls(fake: FakeSlackApi, pred: (c: SlackCall) => boolean, n = 1): Promise<SlackCall[]> {
  for (let i = 0; i < 200; i++) {
    const found = fake.calls.filter(pred);
    if (found.length >= n) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`expected ${n} matching Slack call(s); saw ${JSON.stringify(fake.calls.map((c) => c.path))}`);
}

function textOf(call: SlackCall): string {
  return JSON.stringify(call.params.blocks ?? []) + (call.params.text ?? '');
}

describe('bot: Slack over /slack/events', () => {
  let bot: TestBot;
  let fake: FakeSlackApi;
  let partner: TestPartner;
  let admin: { id: number; externalId: string };
  let sales: { id: number; externalId: string };
  const db = testDb();

  before(async () => {
    fake = await startFakeSlackApi();
    bot = await startTestBot({ env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: fake.apiUrl } });
    partner = await createPartner(db, 'Slack Partner');
    admin = await createUser(db, partner, { channel: 'slack', roles: ['admin_agent', 'global_admin'] });
    sales = await createUser(db, partner, { channel: 'slack', roles: ['sales_agent'] });
  });
  after(async () => {
    await bot.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  async function slash(user: { externalId: string }, text: string, opts: { teamId?: string; path?: string } = {}) {
    const path = opts.path ?? `resp/${Math.random().toString(36).slice(2)}`;
    const body = createSlashCommand({ teamId: opts.teamId ?? partner.slackTeamId, userId: user.externalId, text, responseUrl: fake.responseUrl(path) });
    const res = await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
    return { res, path, body };
  }

  it('acks /csp help and answers ephemerally through response_url with Block Kit', async () => {
    const { res, path } = await slash(admin, 'help');
    assert.equal(res.status, 200);
    const [reply] = await waitForCalls(fake, (c) => c.path.endsWith(path));
    assert.equal(reply!.params.response_type, 'ephemeral');
    assertValidBlockKit({ text: reply!.params.text, blocks: reply!.params.blocks });
    assert.match(textOf(reply!), /\/csp buy/);
  });

  it('filters help by role', async () => {
    const { path } = await slash(sales, 'help');
    const [reply] = await waitForCalls(fake, (c) => c.path.endsWith(path));
    assert.doesNotMatch(textOf(reply!), /\/csp buy/);
    assert.match(textOf(reply!), /\/csp whoami/);
  });

  it('answers an unknown subcommand with help', async () => {
    const { path } = await slash(admin, 'dance');
    const replies = await waitForCalls(fake, (c) => c.path.endsWith(path), 2);
    assert.match(replies.map(textOf).join(), /dance/);
    assert.match(replies.map(textOf).join(), /\/csp whoami/);
  });

  it('answers in German when the Slack user’s locale is German', async () => {
    fake.script((call) => (call.method === 'users.info' ? { body: { ok: true, user: { id: call.params.user, locale: 'de-DE' } } } : undefined));
    const user = await createUser(db, partner, { channel: 'slack', roles: ['admin_agent'] });
    const { path } = await slash(user, 'help');
    const [reply] = await waitForCalls(fake, (c) => c.path.endsWith(path));
    assert.match(textOf(reply!), /Befehle/);
  });

  it('runs a button click (block action) through the same flow', async () => {
    const path = 'resp/action';
    const body = createBlockAction({ teamId: partner.slackTeamId, userId: admin.externalId, value: JSON.stringify({ action: 'command', command: 'whoami' }), responseUrl: fake.responseUrl(path) });
    const res = await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
    assert.equal(res.status, 200);
    const [reply] = await waitForCalls(fake, (c) => c.path.endsWith(path));
    assert.match(textOf(reply!), /Slack Partner/);
    assert.equal(reply!.params.replace_original, false, 'a button that runs a command leaves its message and answers below');
  });

  it('answers a tampered button value politely and changes nothing', async () => {
    const path = 'resp/tampered';
    const body = createBlockAction({ teamId: partner.slackTeamId, userId: admin.externalId, value: '{not json', responseUrl: fake.responseUrl(path) });
    await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
    const [reply] = await waitForCalls(fake, (c) => c.path.endsWith(path));
    assert.match(textOf(reply!), /Nothing was changed/);
  });

  it('runs a multi-step flow (roles) with slash command and buttons, state kept between requests', async () => {
    const { path } = await slash(admin, 'roles');
    const [list] = await waitForCalls(fake, (c) => c.path.endsWith(path));
    assertValidBlockKit({ text: list!.params.text, blocks: list!.params.blocks });
    const pick = (list!.params.blocks as any[]).flatMap((b) => (b.accessory ? [b.accessory] : b.elements ?? [])).find((e: any) => e.type === 'button' && JSON.parse(e.value).userId === sales.id);
    assert.ok(pick, 'a Change roles button for the Sales agent');
    const body = createBlockAction({ teamId: partner.slackTeamId, userId: admin.externalId, value: pick.value, actionId: pick.action_id, responseUrl: fake.responseUrl('resp/pick') });
    await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
    const [user] = await waitForCalls(fake, (c) => c.path.endsWith('resp/pick'));
    assertValidBlockKit({ text: user!.params.text, blocks: user!.params.blocks });
    assert.match(textOf(user!), /Grant Admin agent/);
    assert.equal(user!.params.replace_original, true, 'a step of the task takes the place of the message clicked');
  });

  it('runs a modal submission (view_submission) through the same flow, answering in the user’s DM', async () => {
    const body = createViewSubmission({
      teamId: partner.slackTeamId,
      userId: admin.externalId,
      view: { private_metadata: JSON.stringify({ action: 'command', command: 'whoami' }) },
      values: { b1: { note: { type: 'plain_text_input', value: 'typed in the modal' } } },
    });
    const res = await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
    assert.equal(res.status, 200);
    const [posted] = await waitForCalls(fake, (c) => c.method === 'chat.postMessage');
    assert.equal(posted!.params.channel, admin.externalId);
    assert.match(textOf(posted!), /Slack Partner/);
  });

  it('tells an unknown workspace it is not onboarded', async () => {
    const { path } = await slash({ externalId: 'U0NOBODY' }, 'help', { teamId: 'T0UNKNOWN9' });
    const [reply] = await waitForCalls(fake, (c) => c.path.endsWith(path));
    assert.match(textOf(reply!), /T0UNKNOWN9/);
  });

  it('never repeats the effect of a retried request (X-Slack-Retry-Num)', async () => {
    const path = 'resp/retry';
    const body = createSlashCommand({ teamId: partner.slackTeamId, userId: admin.externalId, text: 'whoami', responseUrl: fake.responseUrl(path) });
    const first = await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
    await waitForCalls(fake, (c) => c.path.endsWith(path));
    const retry = await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    assert.equal(first.status, 200);
    assert.equal(retry.status, 200);
    // A later, different request is answered — so the retry would have been answered by now.
    const { path: later } = await slash(admin, 'whoami');
    await waitForCalls(fake, (c) => c.path.endsWith(later));
    assert.equal(fake.calls.filter((c) => c.path.endsWith(path)).length, 1);
  });

  it('stores where to reach the Slack user: their DM, never the (maybe shared) channel of the command', async () => {
    const user = await createUser(db, partner, { channel: 'slack', roles: [] });
    const { path } = await slash(user, 'whoami');
    await waitForCalls(fake, (c) => c.path.endsWith(path));
    const { rows } = await db.query('SELECT reference FROM conversation_refs WHERE user_id = $1', [user.id]);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].reference, { teamId: partner.slackTeamId, userId: user.externalId });
  });

  describe('signature checks', () => {
    it('401 for a forged signature, and nothing runs', async () => {
      const body = createSlashCommand({ teamId: partner.slackTeamId, userId: admin.externalId, text: 'help', responseUrl: fake.responseUrl('resp/forged') });
      const res = await bot.post('/slack/events', body, { ...FORM, ...slackSignature('wrong-secret-xxxxxxxx', body) });
      assert.equal(res.status, 401);
      const res2 = await bot.post('/slack/events', body, FORM);
      assert.equal(res2.status, 401);
    });

    it('401 for a timestamp more than 5 minutes in the future', async () => {
      const body = createSlashCommand({ teamId: partner.slackTeamId, userId: admin.externalId, text: 'help', responseUrl: fake.responseUrl('resp/stale-future') });
      const res = await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body, Math.floor(Date.now() / 1000) + 600) });
      assert.equal(res.status, 401);
    });

    it('401 for a stale timestamp (more than 5 minutes old)', async () => {
      const body = createSlashCommand({ teamId: partner.slackTeamId, userId: admin.externalId, text: 'help', responseUrl: fake.responseUrl('resp/stale') });
      const res = await bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body, Math.floor(Date.now() / 1000) - 600) });
      assert.equal(res.status, 401);
    });

    after(async () => {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(fake.calls.filter((c) => /forged|stale/.test(c.path)).length, 0);
    });
  });

  describe('signed requests it cannot use (issue 14)', () => {
    const signedPost = (payload: string) => {
      const body = new URLSearchParams({ payload }).toString();
      return bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
    };
    const team = () => ({ id: partner.slackTeamId });

    it('a payload it cannot read (null, no user, channel null, a view_submission without its view): 400 at once, logged, nothing runs', async () => {
      const before = bot.logs.length;
      for (const payload of [
        'null',
        JSON.stringify({ type: 'block_actions', team: team(), actions: [{ action_id: 'x', value: '{}' }], response_url: fake.responseUrl('bad/1'), trigger_id: '1.2' }),
        JSON.stringify({ type: 'block_actions', team: team(), user: { id: admin.externalId }, channel: null, actions: [{ action_id: 'x', value: '{}' }], response_url: fake.responseUrl('bad/2'), trigger_id: '1.2' }),
        JSON.stringify({ type: 'view_submission', team: team(), user: { id: admin.externalId } }),
      ]) {
        const res = await signedPost(payload);
        assert.equal(res.status, 400, payload);
        assert.match(res.text, /malformed Slack request/);
      }
      assert.equal(bot.logs.slice(before).filter((l) => l.includes('refused a request it could not read')).length, 4);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(fake.calls.filter((c) => /bad\//.test(c.path)).length, 0, 'no answer posted');
    });

    it('a payload type without a listener (shortcut, message_action, view_closed, block_suggestion): acknowledged (200), not held until Bolt\'s 404', async () => {
      for (const type of ['shortcut', 'message_action', 'view_closed', 'block_suggestion']) {
        const res = await signedPost(JSON.stringify({ type, team: team(), user: { id: admin.externalId }, callback_id: 'x', trigger_id: '1.2', view: { id: 'V1' }, action_id: 'x', value: 'a' }));
        assert.equal(res.status, 200, type);
      }
      // A block_actions without an action: acknowledged too (no listener could take it).
      const empty = await signedPost(JSON.stringify({ type: 'block_actions', team: team(), user: { id: admin.externalId }, actions: [], response_url: fake.responseUrl('bad/3'), trigger_id: '1.2' }));
      assert.equal(empty.status, 200);
      assert.ok(bot.logs.some((l) => l.includes('acknowledged a request the bot does not handle') && l.includes('view_closed')));
    });

    it('whatever Bolt cannot sort, or no listener takes, is acknowledged at once (it was held 3 s, then 404 and an error line) (issue 14, found by the fuzz suite)', async () => {
      const signedJson = (json: unknown) => {
        const body = JSON.stringify(json);
        return bot.post('/slack/events', body, { 'content-type': 'application/json', ...slackSignature(SECRET, body) });
      };
      const signedForm = (fields: Record<string, string>) => {
        const body = new URLSearchParams(fields).toString();
        return bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
      };
      const before = bot.logs.length;
      for (const [what, res] of [
        ['app_rate_limited (Slack\'s own, JSON)', await signedJson({ type: 'app_rate_limited', token: 'x', team_id: partner.slackTeamId, minute_rate_limited: 1 })],
        ['an event callback (no Events API listener)', await signedJson({ type: 'event_callback', team_id: partner.slackTeamId, event: { type: 'app_mention', user: admin.externalId, text: 'help', channel: 'C0TEST0001' } })],
        ['a payload of no known type', await signedPost(JSON.stringify({ type: 'unknown', team: team(), user: { id: admin.externalId } }))],
        ['a payload of no type at all', await signedPost('{}')],
        ['another slash command', await signedForm({ ...Object.fromEntries(new URLSearchParams(createSlashCommand({ teamId: partner.slackTeamId, userId: admin.externalId, text: 'help', responseUrl: fake.responseUrl('bad/other') }))), command: '/other' })],
      ] as const) {
        assert.equal(res.status, 200, `${what}: ${res.text}`);
      }
      assert.deepEqual(bot.logs.slice(before).filter((l) => /"level":(50|60)/.test(l)), []);
      assert.equal(fake.calls.filter((c) => /bad\//.test(c.path)).length, 0, 'nothing answered');
    });

    it('a request that is not what Slack sends is refused at once, naming the field, and nothing runs or is stored (issue 14, found by the fuzz suite)', async () => {
      const command = (fields: Record<string, string | undefined>) => {
        const all: Record<string, string | undefined> = { ...Object.fromEntries(new URLSearchParams(createSlashCommand({ teamId: partner.slackTeamId, userId: admin.externalId, text: 'whoami', responseUrl: fake.responseUrl('bad/cmd') }))), ...fields };
        const body = new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)).toString();
        return bot.post('/slack/events', body, { ...FORM, ...slackSignature(SECRET, body) });
      };
      const click = (change: (p: any) => void) => {
        const payload = JSON.parse(new URLSearchParams(createBlockAction({ teamId: partner.slackTeamId, userId: admin.externalId, value: JSON.stringify({ action: 'command', command: 'whoami', args: '' }), responseUrl: fake.responseUrl('bad/click') })).get('payload')!);
        change(payload);
        return signedPost(JSON.stringify(payload));
      };
      const modal = (change: (p: any) => void) => {
        const payload = JSON.parse(new URLSearchParams(createViewSubmission({ teamId: partner.slackTeamId, userId: admin.externalId, view: { private_metadata: '{"action":"command","command":"whoami"}' }, values: {} })).get('payload')!);
        change(payload);
        return signedPost(JSON.stringify(payload));
      };
      const usersBefore = (await db.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n;
      const before = bot.logs.length;
      for (const [field, res] of [
        ['user_id', await command({ user_id: undefined })],
        ['user_id', await command({ user_id: '' })],
        ['team_id', await command({ team_id: 'T\u0000' })],
        ['response_url', await command({ response_url: 'not-a-url' })],
        ['trigger_id', await command({ trigger_id: 'z'.repeat(3000) })],
        ['actions.0', await click((p) => { p.actions = [null]; })],
        ['actions.0.action_id', await click((p) => { p.actions[0].action_id = 'z'.repeat(3000); })],
        ['channel.id', await click((p) => { p.channel = { id: 7 }; })],
        ['user.id', await click((p) => { p.user = { name: 'nobody' }; })],
        ['response_url', await click((p) => { p.response_url = 'javascript:alert(1)'; })],
        ['user.id', await modal((p) => { p.user = { id: {} }; })],
        ['view.state', await modal((p) => { delete p.view.state; })],
        ['view.state.values', await modal((p) => { p.view.state.values = { b1: { quantity: null } }; })],
        ['body', await signedPost('[]')],
      ] as const) {
        assert.equal(res.status, 400, `${field}: ${res.text}`);
        assert.match(res.json().detail, new RegExp(`^${field.replace('.', '\\.')}`), field);
      }
      assert.deepEqual(bot.logs.slice(before).filter((l) => /"level":(50|60)/.test(l)), []);
      assert.ok(bot.logs.slice(before).filter((l) => l.includes('refused a request it could not read')).length >= 14);
      await new Promise((r) => setImmediate(r));
      assert.equal(fake.calls.filter((c) => /bad\//.test(c.path)).length, 0, 'nothing answered');
      assert.equal((await db.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n, usersBefore);
    });

    it('real shapes are taken: a click with team null (an org-wide install) or from a modal (no channel, no response_url) (issue 14, review)', async () => {
      const before = bot.logs.length;
      const orgWide = JSON.parse(new URLSearchParams(createBlockAction({ teamId: partner.slackTeamId, userId: admin.externalId, value: JSON.stringify({ action: 'command', command: 'whoami' }), responseUrl: fake.responseUrl('org/click') })).get('payload')!);
      orgWide.team = null;
      orgWide.user.team_id = partner.slackTeamId;
      assert.equal((await signedPost(JSON.stringify(orgWide))).status, 200);
      const [answer] = await waitForCalls(fake, (c) => c.path.includes('org/click'));
      assert.match(textOf(answer!), /Slack Partner/);
      const inModal = JSON.parse(new URLSearchParams(createBlockAction({ teamId: partner.slackTeamId, userId: admin.externalId, value: JSON.stringify({ action: 'command', command: 'whoami' }), responseUrl: fake.responseUrl('unused') })).get('payload')!);
      delete inModal.channel;
      delete inModal.response_url;
      inModal.container = { type: 'view', view_id: 'V0MODAL01' };
      inModal.view = { id: 'V0MODAL01', hash: '1.abc', type: 'modal', state: { values: {} } };
      assert.equal((await signedPost(JSON.stringify(inModal))).status, 200);
      assert.deepEqual(bot.logs.slice(before).filter((l) => /"level":(50|60)/.test(l) || l.includes('refused a request')), []);
    });

    it('what Postgres cannot store in a request the listeners take (NUL in the text, in a button\'s value) is cleaned, and the turn answers (issue 14, found by the fuzz suite)', async () => {
      const before = bot.logs.length;
      const { res, path } = await slash(admin, 'who\u0000ami');
      assert.equal(res.status, 200);
      const [answer] = await waitForCalls(fake, (c) => c.path.includes(path));
      assert.match(textOf(answer!), /Slack Partner/);
      const payload = JSON.parse(new URLSearchParams(createBlockAction({ teamId: partner.slackTeamId, userId: admin.externalId, value: JSON.stringify({ action: 'command', command: 'who\u0000ami' }), responseUrl: fake.responseUrl('nul/click') })).get('payload')!);
      assert.equal((await signedPost(JSON.stringify(payload))).status, 200);
      const [clicked] = await waitForCalls(fake, (c) => c.path.includes('nul/click'));
      assert.match(textOf(clicked!), /Slack Partner/);
      assert.deepEqual(bot.logs.slice(before).filter((l) => /"level":(50|60)/.test(l)), []);
    });
  });
});

describe('bot: Slack not configured', () => {
  let bot: TestBot;
  before(async () => {
    bot = await startTestBot();
  });
  after(async () => bot.close());
  it('answers 503 with the missing settings named', async () => {
    const res = await bot.post('/slack/events', 'a=b', FORM);
    assert.equal(res.status, 503);
    assert.match(res.text, /SLACK_SIGNING_SECRET/);
  });
});

describe('bot/slack/listeners/views: a submitted modal reaches the flow as a Teams card submit would', () => {
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  /**
   * The state Slack sends for the input blocks of `view` (by block id, then action id): what
   * `answers` gives for a field, else what an untouched input holds — a select its initial
   * option, a checkbox group no ticked box, a text input nothing.
   */
  function stateOf(view: SlackModalView, answers: Record<string, ViewInputState>): Record<string, Record<string, ViewInputState>> {
    const values: Record<string, Record<string, ViewInputState>> = {};
    for (const block of view.blocks) {
      if (block.type !== 'input') continue;
      const el = block.element;
      const untouched: ViewInputState =
        el.type === 'static_select' ? { type: el.type, selected_option: el.initial_option ? { value: el.initial_option.value, text: { type: 'plain_text', text: el.initial_option.text.text } } : null }
          : el.type === 'checkboxes' ? { type: el.type, selected_options: [] }
            : { type: el.type, value: null };
      values[block.block_id ?? el.action_id] = { [el.action_id]: answers[el.action_id] ?? untouched };
    }
    return values;
  }

  /** Runs the view_submission listener on what Slack posts for `view`, and returns the submit data it hands the turn. */
  async function submit(view: SlackModalView, answers: Record<string, ViewInputState> = {}): Promise<unknown> {
    const body = createViewSubmission({ teamId: 'T0TEST0001', userId: 'U0TEST0001', view: { callback_id: view.callback_id, private_metadata: view.private_metadata }, values: stateOf(view, answers) });
    const payload = JSON.parse(new URLSearchParams(body).get('payload')!);
    const ack = sandbox.stub().resolves();
    const turn = sandbox.stub().resolves();
    await viewSubmission(turn)({ ack, body: payload, view: payload.view } as never);
    sinon.assert.calledOnce(turn);
    assert.ok(ack.calledBefore(turn), 'ack() first');
    assert.equal(turn.firstCall.args[0].kind, 'view');
    return turn.firstCall.args[0].value;
  }

  const ticked: ViewInputState = { type: 'checkboxes', selected_options: [{ value: 'true', text: { type: 'plain_text', text: 'I have read the notice and want to cancel this order' } }] };
  const chosen = (orderId: string): ViewInputState => ({ type: 'static_select', selected_option: { value: orderId, text: { type: 'plain_text', text: orderId } } });
  const several = () => cancelNoticeModal(cancelNoticeForm({ options: proratedOptions, selectedOrderId: 'ORD-2025-200001' }), 'en');
  const base = { action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c' };

  it('the notice: the chosen order as `orderId` and the ticked acknowledgement as `acknowledged: \'true\'`', async () => {
    assert.deepEqual(await submit(several(), { orderId: chosen('ORD-2025-200002'), acknowledged: ticked }), { ...base, orderId: 'ORD-2025-200002', acknowledged: 'true' });
  });

  it('the notice untouched: the preselected order, and no acknowledgement at all (the flow refuses and says why)', async () => {
    assert.deepEqual(await submit(several()), { ...base, orderId: 'ORD-2025-200001' });
  });

  it('the notice of one order: the order from the modal itself, the acknowledgement merged in', async () => {
    const view = cancelNoticeModal(cancelNoticeForm(), 'de');
    assert.deepEqual(await submit(view, { acknowledged: ticked }), { ...base, orderId: 'ORD-2025-200000', acknowledged: 'true' });
    assert.deepEqual(await submit(view), { ...base, orderId: 'ORD-2025-200000' });
  });

  it('several ticked boxes arrive comma-joined; a select left empty is left out', async () => {
    const view = several();
    const both: ViewInputState = { type: 'checkboxes', selected_options: ['a', 'b'].map((value) => ({ value, text: { type: 'plain_text' as const, text: value } })) };
    assert.deepEqual(await submit(view, { acknowledged: both, orderId: { type: 'static_select', selected_option: null } }), { ...base, acknowledged: 'a,b' });
  });

  it('typed values as before: the quantity modal sends buy.review with the quantity', async () => {
    const view = buyQuantityModal(quantityModalModel(skuScreen(), '0001')!, 'en');
    assert.deepEqual(await submit(view, { quantity: { type: 'number_input', value: '5' } }), { action: 'buy.review', productId: 'DG7GMGF0FKZV', skuId: '0001', quantity: '5' });
    assert.deepEqual(await submit(view), { action: 'buy.review', productId: 'DG7GMGF0FKZV', skuId: '0001' });
  });
});
