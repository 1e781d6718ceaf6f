/**
 * The activity log in Teams (R12, R13) as a turn table through /api/messages on the demo
 * partner: `activity [from] [to]` typed in the user's language and read in their time zone
 * (Teams' localTimezone) → the summary and a page → Next page → the filter card (date
 * pickers, kind, customer, user) → Clear → Export (a short-lived link in the personal chat,
 * opened: the CSV, recorded; expired: refused). And the bad input: a range the wrong way
 * round, a date that is not one, a range over a year, a future range, a range past the
 * retention, another partner's customer as a filter, a tampered paging cursor, a user
 * without the role (told which role, recorded), an export asked in a group chat.
 *
 * The events are written straight into the log, on days long before any other test's events
 * (which happen "now"), so the lists here show exactly them.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { ActivityLog, type ActivityEntry } from '../../services/activity/activity-log.js';
import { cardText } from '../support/bot-harness.js';
import { ALEX, demoTurnTable, MEGAN, type Turn } from '../support/turn-table.js';

const BERLIN = 'Europe/Berlin';

/** Every card action's data in the answer, in order. */
function actionsOf(activities: any[]): any[] {
  const found: any[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if ((o.type === 'Action.Submit' || o.type === 'Action.Execute') && o.data) found.push(o.data);
      if (o.type === 'Action.OpenUrl') found.push({ openUrl: o.url, title: o.title });
      Object.values(o).forEach(walk);
    }
  };
  walk(activities);
  return found;
}

/** Every input of the answer's cards, by id. */
function inputsOf(activities: any[]): Map<string, any> {
  const found = new Map<string, any>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') found.set(o.id, o);
      Object.values(o).forEach(walk);
    }
  };
  walk(activities);
  return found;
}

describe('dialogs/activity (Teams turn table)', function () {
  this.timeout(60_000);
  const tt = demoTurnTable('Activity Test');
  const { db } = tt;
  const log = new ActivityLog(db);
  /** The last day of this file's range: 200 days ago in Berlin; the range is the ten days up to it. */
  const lastDay = DateTime.now().setZone(BERLIN).startOf('day').minus({ days: 200 });
  const firstDay = lastDay.minus({ days: 9 });
  const iso = (d: DateTime) => d.toISODate()!;
  const german = (d: DateTime) => d.toFormat('d.M.yyyy');
  const turn = (t: Turn, who?: string, opts?: Parameters<typeof tt.turn>[2]) => tt.turn({ localTimezone: BERLIN, ...t }, who, opts);
  const turnRaw = (t: Turn, who?: string, opts?: Parameters<typeof tt.turnRaw>[2]) => tt.turnRaw({ localTimezone: BERLIN, ...t }, who, opts);
  const record = (e: Partial<ActivityEntry> & { at: Date }) =>
    log.record({ partnerId: tt.partnerId, event: 'key_view', outcome: 'ok', userId: tt.alexUserId, customerId: tt.customer.id, orderId: null, ...e });
  const logged = async (event: string, outcome: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = $2 AND outcome = $3', [tt.partnerId, event, outcome])).rows[0]!.n;

  /** Twelve events in the range (the last at 23:30 Berlin time on its last day), one just after it. */
  async function seedRange(): Promise<void> {
    await db.query('DELETE FROM activity_log WHERE partner_id = $1 AND at >= $2 AND at < $3', [tt.partnerId, firstDay.minus({ days: 1 }).toJSDate(), lastDay.plus({ days: 2 }).toJSDate()]);
    for (let i = 0; i < 10; i++) await record({ at: firstDay.plus({ days: i, hours: 10 }).toJSDate() });
    await record({ at: lastDay.set({ hour: 12 }).toJSDate(), event: 'download', userId: null, ip: '203.0.113.7', userAgent: '=HYPERLINK("http://evil.example")' });
    await record({ at: lastDay.set({ hour: 23, minute: 30 }).toJSDate(), event: 'download', outcome: 'expired', userId: null, ip: '203.0.113.8', userAgent: 'curl/8.4' });
    await record({ at: lastDay.plus({ days: 1 }).set({ hour: 0, minute: 30 }).toJSDate() }); // the next day in Berlin: out
  }

  beforeEach(seedRange);

  it('typed dates in German are read in the user\'s zone: the summary, the newest first (23:30 on the last day is in), Next page continues where the first ended', async () => {
    const first = await turnRaw({ text: `activity ${german(firstDay)} ${german(lastDay)}` });
    const text = cardText(first);
    assert.match(text, /Activity log/);
    assert.match(text, /Europe\/Berlin/);
    assert.match(text, /10 key views/);
    assert.match(text, /1 download\b/);
    assert.match(text, /1 refusal\b/);
    assert.match(text, /23:30:00|11:30:00\sPM/, 'the event at 23:30 local time on the last day is listed, in local time');
    assert.match(text, /203\.0\.113\.8/);
    const next = actionsOf(first).find((a) => a.action === 'activity.next');
    assert.ok(next, 'twelve events, ten a page: a Next page button');
    const actions = actionsOf(first).map((a) => a.action ?? 'openUrl');
    assert.deepEqual(actions.filter((a) => a.startsWith('activity.')), ['activity.next', 'activity.filters', 'activity.export']);

    const second = await turnRaw({ value: next });
    const secondText = cardText(second);
    assert.match(secondText, /Page 2/);
    assert.equal(actionsOf(second).some((a) => a.action === 'activity.next'), false, 'the last page has no Next');
    // The two oldest key views are on page 2; the first page's newest are not repeated.
    assert.doesNotMatch(secondText, /203\.0\.113/);
  });

  it('words: "last 7 days" and a month name are ranges; no argument is the last 30 days', async () => {
    assert.match(await turn({ text: 'activity last 7 days' }), /Activity log/);
    assert.match(await turn({ text: 'activity' }), /Activity log/);
    const month = firstDay.setLocale('en').toFormat('LLLL yyyy');
    assert.match(await turn({ text: `activity ${month}` }), /Activity log/);
  });

  it('the filter card: date pickers and selects; Apply with a customer and a kind filters; Clear shows all again', async () => {
    await turn({ text: `activity ${iso(firstDay)} ${iso(lastDay)}` });
    const form = await turnRaw({ value: { action: 'activity.filters' } });
    const inputs = inputsOf(form);
    assert.equal(inputs.get('from')?.type, 'Input.Date');
    assert.equal(inputs.get('to')?.type, 'Input.Date');
    assert.equal(inputs.get('from')?.value, iso(firstDay));
    assert.equal(inputs.get('to')?.value, iso(lastDay));
    assert.ok(JSON.stringify(inputs.get('customerId')).includes(tt.customer.id), 'the customer of the range is offered');
    const apply = actionsOf(form).find((a) => a.action === 'activity.apply');
    assert.ok(apply);
    const back = actionsOf(form).find((a) => a.action === 'activity.back');
    assert.ok(back, 'the form goes back to the list without changing anything');
    assert.match(await turn({ value: back }), /10 key views/);

    const downloads = await turn({ value: { ...apply, from: iso(firstDay), to: iso(lastDay), kind: 'downloads', customerId: tt.customer.id, userId: 'all' } });
    assert.match(downloads, new RegExp(tt.customer.name));
    assert.doesNotMatch(downloads, /Key viewed/);
    assert.match(downloads, /203\.0\.113\.7/);

    const refusals = await turn({ value: { ...apply, from: iso(firstDay), to: iso(lastDay), kind: 'refusals', customerId: 'all', userId: 'all' } });
    assert.match(refusals, /203\.0\.113\.8/);
    assert.doesNotMatch(refusals, /203\.0\.113\.7/);

    const cleared = await turn({ value: { action: 'activity.clear' } });
    assert.match(cleared, /10 key views/);
  });

  it('bad input: wrong way round, not a date, over a year, in the future, past the retention — each said, nothing shown', async () => {
    assert.match(await turn({ text: `activity ${iso(lastDay)} ${iso(firstDay)}` }), /start.*after.*end/i);
    assert.match(await turn({ text: 'activity banana' }), /could not read “banana” as a date/i);
    assert.match(await turn({ text: `activity ${iso(lastDay.minus({ days: 400 }))} ${iso(lastDay)}` }), /at most 366 days/);
    const future = DateTime.now().setZone(BERLIN).plus({ days: 40 });
    assert.match(await turn({ text: `activity ${iso(future)} ${iso(future.plus({ days: 3 }))}` }), /future/);
    const old = DateTime.now().setZone(BERLIN).minus({ months: 20 });
    assert.match(await turn({ text: `activity ${iso(old)} ${iso(old.plus({ days: 5 }))}` }), /13 months/);
    // Reaching past the retention: shown from what the log keeps, and said.
    const across = DateTime.now().setZone(BERLIN).minus({ months: 13, days: 10 });
    const clipped = await turn({ text: `activity ${iso(across)} ${iso(across.plus({ days: 30 }))}` });
    assert.match(clipped, /Activity log/);
    assert.match(clipped, /keeps events for 13 months/);
    // The notice offers the pickers; the flow starts on the last 30 days.
    const notice = await turnRaw({ text: 'activity 32.13.2026' });
    const pick = actionsOf(notice).find((a) => a.action === 'activity.filters');
    assert.ok(pick, 'a way to pick the dates instead');
    assert.ok(inputsOf(await turnRaw({ value: pick })).has('from'));
  });

  it('the form\'s Apply: dates the wrong way round show the form again with the reason; another partner\'s customer, a forged kind or user are refused and change nothing', async () => {
    await turn({ text: `activity ${iso(firstDay)} ${iso(lastDay)}` });
    const wrong = await turnRaw({ value: { action: 'activity.apply', from: iso(lastDay), to: iso(firstDay), kind: 'all', customerId: 'all', userId: 'all' } });
    assert.match(cardText(wrong), /start.*after.*end/i);
    assert.equal(inputsOf(wrong).get('from')?.value, iso(lastDay), 'the dates as picked stay in the pickers');

    const other = await db.query<{ id: string }>('SELECT id FROM customers WHERE partner_id <> $1 LIMIT 1', [tt.partnerId]);
    assert.ok(other.rows[0], 'the demo data has another partner with customers');
    const refused = await turn({ value: { action: 'activity.apply', from: iso(firstDay), to: iso(lastDay), kind: 'all', customerId: other.rows[0].id, userId: 'all' } });
    assert.match(refused, /customer was not found in your organisation\. Nothing was changed/);
    assert.doesNotMatch(refused, /Nothing was bought/, 'worded for any flow, not the purchase\'s (issue 14)');
    assert.doesNotMatch(refused, /Activity log/);
    assert.match(await turn({ value: { action: 'activity.apply', from: iso(firstDay), to: iso(lastDay), kind: 'everything', customerId: 'all', userId: 'all' } }), /no longer works|not valid/);
    assert.match(await turn({ value: { action: 'activity.apply', from: iso(firstDay), to: iso(lastDay), kind: 'all', customerId: 'all', userId: '99999999' } }), /user/i);
    // The range and filters in force are unchanged: Clear shows the first range, all of it.
    assert.match(await turn({ value: { action: 'activity.clear' } }), /10 key views/);
  });

  it('a tampered or another range\'s paging cursor is refused, nothing shown; a stale card\'s action after another command is refused', async () => {
    const first = await turnRaw({ text: `activity ${iso(firstDay)} ${iso(lastDay)}` });
    const next = actionsOf(first).find((a) => a.action === 'activity.next');
    const tampered = Buffer.from(JSON.stringify(['2020-01-01T00:00:00.000Z', '1', 'forged'])).toString('base64url');
    assert.match(await turn({ value: { action: 'activity.next', cursor: tampered } }), /not one I gave out/);
    assert.match(await turn({ value: { action: 'activity.next', cursor: 'not a cursor!' } }), /not one I gave out/);
    // The old card's Next, after a new log was opened: a button of another task (issue 13).
    await turn({ text: 'activity last 7 days' });
    assert.match(await turn({ value: next }), /no longer works/);
    // The same cursor without its card's task (forged): the service refuses it as another range's.
    const { task: _task, ...forged } = next;
    assert.match(await turn({ value: forged }), /not one I gave out/);
    await turn({ text: 'whoami' });
    await turn({ text: 'orders' });
    assert.match(await turn({ value: next }), /no longer works|not valid/);
    // With no flow running at all: the card's task has ended, said as such with a next step (issue 13).
    await turn({ text: 'stop' });
    const stale = await turn({ value: next });
    // Named as the log it came from, with a way to open one anew (the card it replaces was an older log).
    assert.match(stale, /That button no longer works: it belongs to an earlier activity log, which has ended or is not yours\. Nothing was changed\.\nStart again/);
  });

  it('R13: a Sales agent is told which roles may, and the refusal is recorded; a forged Export card of theirs exports nothing', async () => {
    const before = await logged('log_viewed', 'forbidden');
    const refused = await turn({ text: 'activity' }, MEGAN);
    assert.match(refused, /Global admin/);
    assert.match(refused, /Account admin/);
    assert.doesNotMatch(refused, /Activity log/);
    assert.equal(await logged('log_viewed', 'forbidden'), before + 1);
    const exportsBefore = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_exports')).rows[0]!.n;
    const forged = await turnRaw({ value: { action: 'activity.export' } }, MEGAN);
    assert.match(cardText(forged), /no longer works|not valid/);
    assert.doesNotMatch(JSON.stringify(forged), /\/exports\//);
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_exports')).rows[0]!.n, exportsBefore);
  });

  it('Export in the personal chat: a short-lived link; opened, the CSV (BOM, header, every row, formulas neutralised), recorded; expired: 410, recorded', async () => {
    await turn({ text: `activity ${iso(firstDay)} ${iso(lastDay)}` });
    const issuedBefore = await logged('log_exported', 'ok');
    const answer = await turnRaw({ value: { action: 'activity.export' } });
    const link = actionsOf(answer).find((a) => a.openUrl)?.openUrl as string;
    assert.ok(link && /\/exports\/[A-Za-z0-9_-]{43}$/.test(link), `an export link: ${link}`);
    assert.doesNotMatch(JSON.stringify(answer.map((a) => a.summary ?? '')), /exports\//, 'the link is not in the notification summary');
    assert.equal(await logged('log_exported', 'ok'), issuedBefore + 1, 'issuing the link is recorded');

    const res = await fetch(link.replace(/^https?:\/\/[^/]+/, tt.bot.url), { headers: { 'user-agent': 'Mozilla/5.0 test' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`activity-log_${iso(firstDay)}_${iso(lastDay)}\\.csv`));
    const body = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const rows: string[][] = parse(body.subarray(3).toString('utf8'), { relax_column_count: false });
    assert.equal(rows[0]![0], 'When');
    assert.equal(rows.length, 1 + 12, 'the header and every event of the range');
    assert.ok(rows.slice(1).every((r) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/.test(r[0]!)), 'ISO 8601 with the Berlin offset');
    assert.ok(rows.some((r) => r.includes("'=HYPERLINK(\"http://evil.example\")")), 'the formula is neutralised');
    assert.equal(await logged('log_exported', 'ok'), issuedBefore + 2, 'opening it is recorded');
    // A link-preview bot only looks (nothing recorded); another method is 405; the token is in no log line.
    const preview = await fetch(link.replace(/^https?:\/\/[^/]+/, tt.bot.url), { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
    assert.equal(preview.status, 200);
    assert.match(preview.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await logged('log_exported', 'ok'), issuedBefore + 2);
    assert.equal((await fetch(link.replace(/^https?:\/\/[^/]+/, tt.bot.url), { method: 'POST' })).status, 405);
    assert.equal((await fetch(link.replace(/^https?:\/\/[^/]+/, tt.bot.url), { method: 'HEAD' })).status, 405, 'HEAD neither streams nor counts');
    assert.equal(await logged('log_exported', 'ok'), issuedBefore + 2);
    const token = link.split('/').pop()!;
    assert.ok(!tt.bot.logs.some((line) => line.includes(token)), 'the token is never logged');

    await db.query("UPDATE activity_exports SET expires_at = now() - interval '1 second', created_at = now() - interval '1 hour'");
    const expiredBefore = await logged('log_exported', 'expired');
    const late = await fetch(link.replace(/^https?:\/\/[^/]+/, tt.bot.url));
    assert.equal(late.status, 410);
    assert.equal(await logged('log_exported', 'expired'), expiredBefore + 1);
    const unknown = await fetch(`${tt.bot.url}/exports/${'A'.repeat(43)}`);
    assert.equal(unknown.status, 404);
  });

  it('the log\'s own use is in the log: a refused look and an export are listed (newest first) and counted', async () => {
    await turn({ text: 'activity' }, MEGAN);
    await turn({ text: 'activity today' });
    await turnRaw({ value: { action: 'activity.export' } });
    const today = await turn({ text: 'activity today' });
    assert.match(today, /Activity log exported/);
    assert.match(today, /Refused \(activity log\): no permission/);
    assert.match(today, /Megan Bowen/);
    assert.match(today, /[1-9]\d* exports? of the log/);
  });

  it('an export link stops working when its user loses the role', async () => {
    await turn({ text: `activity ${iso(firstDay)} ${iso(lastDay)}` });
    const link = actionsOf(await turnRaw({ value: { action: 'activity.export' } })).find((a) => a.openUrl)?.openUrl as string;
    const roles = await db.query<{ role: string }>('DELETE FROM user_roles WHERE user_id = $1 RETURNING role', [tt.alexUserId]);
    try {
      const res = await fetch(link.replace(/^https?:\/\/[^/]+/, tt.bot.url));
      assert.equal(res.status, 403);
    } finally {
      for (const r of roles.rows) await db.query('INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING', [tt.alexUserId, r.role]);
    }
  });

  it('Export from a group chat: the link goes to the personal chat, never into the group; without a personal chat, none is made', async () => {
    const group = { conversationType: 'groupChat' as const, conversationId: `19:${randomUUID()}@thread.v2` };
    await db.query("UPDATE conversation_refs SET active = false WHERE user_id = $1 AND conversation_type = 'personal'", [tt.alexUserId]);
    await turn({ text: `activity ${iso(firstDay)} ${iso(lastDay)}` }, ALEX, group);
    const exportsBefore = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_exports')).rows[0]!.n;
    const none = await turnRaw({ value: { action: 'activity.export' } }, ALEX, group);
    assert.match(cardText(none), /open a personal chat with me/i);
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_exports')).rows[0]!.n, exportsBefore, 'no link made');

    // Alex opens a personal chat (its reference points at the fake Bot Connector), then asks in the group again.
    await turn({ text: 'help' }, ALEX, { conversationId: `a:${randomUUID()}`, serviceUrl: tt.connector.url });
    await turn({ text: `activity ${iso(firstDay)} ${iso(lastDay)}` }, ALEX, group);
    const answer = await turnRaw({ value: { action: 'activity.export' } }, ALEX, group);
    assert.match(cardText(answer), /personal chat/);
    assert.doesNotMatch(JSON.stringify(answer), /\/exports\//, 'no link in the group');
    const delivered = tt.connector.delivered();
    assert.equal(delivered.length, 1);
    assert.match(JSON.stringify(delivered[0]), /\/exports\/[A-Za-z0-9_-]{43}/);
    assert.notEqual(tt.connector.requests[0]!.conversationId, group.conversationId, 'not posted into the group');
  });
});
