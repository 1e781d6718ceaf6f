/**
 * The activity log over Slack (R12, R13), as signed requests to /slack/events against the fake
 * Slack Web API: `/csp activity <from> <to>` read in the user's users.info time zone → the
 * summary and a page (ephemeral, through response_url) → Change dates or filters: a modal with
 * datepickers and selects → its submission filters → Export: "preparing", then the CSV
 * uploaded into the user's DM (files.getUploadURLExternal → the bytes → completeUploadExternal
 * into the DM from conversations.open), recorded. And what must not happen: an upload Slack
 * refuses is said, not recorded; a Sales agent gets the roles and no upload; the modal's dates
 * the wrong way round come back with the reason; a tampered cursor is refused.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { createLogger } from '../../services/logger.js';
import { DEMO_PARTNER, seedDemoData } from '../../services/seed/demo.js';
import { assertValidBlockKit, assertValidSlackModal } from '../cards/validate.js';
import type { SlackCall } from '../fakes/slack-api.js';
import { testDb } from '../support/db.js';
import { createBlockAction, createSlashCommand, createUser, createViewSubmission } from '../support/factories.js';
import { slackButtons as buttons, startSlackTestBot, type SlackTestBot } from '../support/slack.js';

const USER = 'U0DEMOADMIN'; // demo: Admin agent + Global admin
const TEAM = DEMO_PARTNER.slackTeamId;
const BERLIN = 'Europe/Berlin';

const texts = (c: SlackCall): string => `${c.params.text ?? ''}\n${JSON.stringify(c.params.blocks ?? c.params.view?.blocks ?? [])}`;

describe('bot: the activity log over Slack (R13), to the CSV in the DM', function () {
  this.timeout(60_000);
  const db = testDb();
  const log = new ActivityLog(db);
  let slack: SlackTestBot;
  let partnerId = 0;
  let adminId = 0;
  /** This file's range: the five days up to 300 days ago, in Berlin (no other test writes there). */
  const lastDay = DateTime.now().setZone(BERLIN).startOf('day').minus({ days: 300 });
  const firstDay = lastDay.minus({ days: 4 });
  const iso = (d: DateTime) => d.toISODate()!;

  before(async () => {
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    slack = await startSlackTestBot();
    // users.info as set here (the zone Europe/Berlin), before any turn: the adapter keeps profiles for an hour.
    slack.fake.script(undefined);
    slack.fake.setUser(USER, { realName: 'Demo Admin', locale: 'en-US' });
    const p = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = $1", [TEAM]);
    partnerId = Number(p.rows[0]!.partner_id);
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'slack' AND external_id = $2", [partnerId, USER]);
    adminId = Number(u.rows[0]!.id);
    await db.query('DELETE FROM activity_log WHERE partner_id = $1 AND at >= $2 AND at < $3', [partnerId, firstDay.minus({ days: 1 }).toJSDate(), lastDay.plus({ days: 2 }).toJSDate()]);
    for (let i = 0; i < 5; i++) await log.record({ at: firstDay.plus({ days: i, hours: 9 }).toJSDate(), partnerId, event: 'key_view', outcome: 'ok', userId: adminId });
    await log.record({ at: lastDay.set({ hour: 23, minute: 30 }).toJSDate(), partnerId, event: 'download', outcome: 'ok', ip: '198.51.100.4', userAgent: '@SUM(1+1)' });
  });
  after(async () => {
    await slack.close();
  });
  beforeEach(() => {
    slack.fake.calls.length = 0;
    slack.fake.uploads.clear();
  });

  async function post(body: string): Promise<void> {
    assert.equal((await slack.post(body)).status, 200);
  }
  async function command(text: string, user = USER): Promise<SlackCall> {
    slack.fake.calls.length = 0;
    await post(createSlashCommand({ teamId: TEAM, userId: user, text, responseUrl: slack.fake.responseUrl(`cmd/${randomUUID()}`) }));
    const answer = await slack.answer((c) => c.method === undefined);
    assertValidBlockKit({ text: answer.params.text, blocks: answer.params.blocks });
    return answer;
  }
  async function click(button: any, pred: (c: SlackCall) => boolean = (c) => c.method === undefined, user = USER): Promise<SlackCall> {
    slack.fake.calls.length = 0;
    await post(createBlockAction({ teamId: TEAM, userId: user, value: button.value, actionId: button.action_id, responseUrl: slack.fake.responseUrl(`click/${randomUUID()}`) }));
    return slack.answer(pred);
  }
  const button = (call: SlackCall, action: string) => buttons(call).find((b) => JSON.parse(b.value).action === action);
  const logged = async (event: string, outcome: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = $2 AND outcome = $3', [partnerId, event, outcome])).rows[0]!.n;

  it('/csp activity <from> <to>: read in the users.info zone (23:30 on the last day is in), the summary and the events, with the buttons', async () => {
    const answer = await command(`activity ${iso(firstDay)} ${iso(lastDay)}`);
    const text = texts(answer);
    assert.match(text, /Europe\/Berlin/);
    assert.match(text, /5 key views/);
    assert.match(text, /1 download\b/);
    assert.match(text, /198\.51\.100\.4/);
    assert.ok(button(answer, 'activity.filters'));
    assert.ok(button(answer, 'activity.export'));
    assert.equal(button(answer, 'activity.next'), undefined, 'six events: one page');
  });

  it('Change dates or filters: a modal with datepickers; its submission filters; dates the wrong way round come back with the reason', async () => {
    const list = await command(`activity ${iso(firstDay)} ${iso(lastDay)}`);
    const opened = await click(button(list, 'activity.filters'), (c) => c.method === 'views.open');
    const view = opened.params.view;
    assertValidSlackModal(view);
    const elements = new Map<string, any>((view.blocks as any[]).filter((b) => b.type === 'input').map((b) => [b.element.action_id, b.element]));
    assert.equal(elements.get('from')?.type, 'datepicker');
    assert.equal(elements.get('from')?.initial_date, iso(firstDay));
    assert.equal(elements.get('to')?.initial_date, iso(lastDay));

    const values = (from: string, to: string, kind: string) => ({
      from: { from: { type: 'datepicker', selected_date: from } },
      to: { to: { type: 'datepicker', selected_date: to } },
      kind: { kind: { type: 'static_select', selected_option: { value: kind, text: { type: 'plain_text' as const, text: kind } } } },
    }) as any;
    slack.fake.calls.length = 0;
    await post(createViewSubmission({ teamId: TEAM, userId: USER, view, values: values(iso(firstDay), iso(lastDay), 'downloads') }));
    // The filtered list takes the place of the list whose button opened the modal.
    const filtered = await slack.answer((c) => c.method === undefined && c.params.replace_original === true);
    assert.match(texts(filtered), /198\.51\.100\.4/);
    assert.doesNotMatch(texts(filtered), /Key viewed/);

    slack.fake.calls.length = 0;
    await post(createViewSubmission({ teamId: TEAM, userId: USER, view, values: values(iso(lastDay), iso(firstDay), 'all') }));
    const again = await slack.answer((c) => c.method === 'views.open');
    assertValidSlackModal(again.params.view);
    assert.match(texts(again), /start.*after.*end/i);
  });

  it('Export: "preparing", then the CSV in the DM (UTF-8 with BOM, every row, the formula neutralised, times with the Berlin offset), recorded', async () => {
    const list = await command(`activity ${iso(firstDay)} ${iso(lastDay)}`);
    const before = await logged('log_exported', 'ok');
    // The log keeps its place (the click's answer there is the page again); "preparing" comes below it.
    const kept = await click(button(list, 'activity.export'), (c) => c.method === undefined && c.params.replace_original === true);
    assert.match(texts(kept), /Activity log/);
    const preparing = await slack.answer((c) => c.method === undefined && c.params.replace_original === false);
    assert.match(texts(preparing), /Preparing/i);
    const complete = await slack.answer((c) => c.method === 'files.completeUploadExternal');
    assert.equal(complete.params.channel_id, `D${USER}`, 'into the DM opened with conversations.open');
    assert.match(String(complete.params.initial_comment), /6 events/);
    const asked = slack.fake.callsTo('files.getUploadURLExternal')[0]!;
    assert.equal(asked.params.filename, `activity-log_${iso(firstDay)}_${iso(lastDay)}.csv`);
    const upload = [...slack.fake.uploads.values()][0]!;
    assert.ok(upload.bytes, 'the bytes arrived at the upload URL');
    assert.equal(upload.bytes.length, upload.length, 'the length Slack was told is the length sent');
    assert.deepEqual([...upload.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const rows: string[][] = parse(upload.bytes.subarray(3).toString('utf8'), { relax_column_count: false });
    assert.equal(rows.length, 1 + 6);
    assert.ok(rows.some((r) => r.includes("'@SUM(1+1)")), 'the formula is neutralised');
    assert.ok(rows.slice(1).every((r) => /\+0[12]:00$/.test(r[0]!)));
    await slack.bot.slack?.drain();
    assert.equal(await logged('log_exported', 'ok'), before + 1);
    assert.ok(!slack.bot.logs.some((line) => line.includes('/upload/FUP')), 'the upload URL (it carries its own authorisation) is in no log line');
  });

  it('an app without files:write is told to have the app reinstalled (retrying cannot help); nothing recorded', async () => {
    const list = await command(`activity ${iso(firstDay)} ${iso(lastDay)}`);
    const before = await logged('log_exported', 'ok');
    slack.fake.script((call) => (call.method === 'files.getUploadURLExternal' ? { body: { ok: false, error: 'missing_scope', needed: 'files:write' } } : undefined));
    try {
      slack.fake.calls.length = 0;
      await post(createBlockAction({ teamId: TEAM, userId: USER, value: button(list, 'activity.export').value, actionId: 'x', responseUrl: slack.fake.responseUrl(`x/${randomUUID()}`) }));
      const said = await slack.answer((c) => c.method === undefined && /files:write/.test(texts(c)));
      assert.match(texts(said), /reinstall/);
    } finally {
      slack.fake.script(undefined);
    }
    assert.equal(await logged('log_exported', 'ok'), before);
  });

  it('an upload Slack refuses is said, and not recorded as an export', async () => {
    const list = await command(`activity ${iso(firstDay)} ${iso(lastDay)}`);
    const before = await logged('log_exported', 'ok');
    slack.fake.script((call) => (call.method === 'files.completeUploadExternal' ? { body: { ok: false, error: 'not_allowed_token_type' } } : undefined));
    try {
      slack.fake.calls.length = 0;
      await post(createBlockAction({ teamId: TEAM, userId: USER, value: button(list, 'activity.export').value, actionId: 'x', responseUrl: slack.fake.responseUrl(`x/${randomUUID()}`) }));
      const failed = await slack.answer((c) => c.method === undefined && /could not be delivered/i.test(texts(c)));
      assert.ok(failed);
    } finally {
      slack.fake.script(undefined);
    }
    assert.equal(await logged('log_exported', 'ok'), before);
  });

  it('a tampered cursor is refused; a Sales agent is told which roles may and gets nothing', async () => {
    await command(`activity ${iso(firstDay)} ${iso(lastDay)}`);
    const forged = { value: JSON.stringify({ action: 'activity.next', cursor: Buffer.from('["2020-01-01T00:00:00.000Z","1","x"]').toString('base64url') }), action_id: 'x' };
    assert.match(texts(await click(forged)), /not one I gave out/);

    const sales = await createUser(db, { id: partnerId, tenantId: '', slackTeamId: TEAM }, { channel: 'slack', name: 'Sam Sales', roles: ['sales_agent'] });
    const refused = await command('activity', sales.externalId);
    assert.match(texts(refused), /Global admin/);
    assert.equal(slack.fake.callsTo('files.getUploadURLExternal').length, 0);
  });
});
