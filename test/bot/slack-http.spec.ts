import { strict as assert } from 'node:assert';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createBlockAction, createPartner, createSlashCommand, createUser, createViewSubmission, slackSignature, type TestPartner } from '../support/factories.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../fakes/slack-api.js';
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
