import { strict as assert } from 'node:assert';
import { DateTime } from 'luxon';
import { AccessPolicy } from '../../services/access/policy.js';
import { ForbiddenError, type Role } from '../../services/access/roles.js';
import { ActivityLog, type ActivityEntry } from '../../services/activity/activity-log.js';
import { ActivityQuery, type ActivityRange } from '../../services/activity/activity-query.js';
import { parseActivityRange } from '../../services/activity/date-range.js';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { CustomerDirectory } from '../../services/customers/directory.js';
import { isRefusal } from '../../services/refusal.js';
import { createCustomer, createPartner, type TestCustomer, type TestPartner } from '../commerce/factories.js';
import { actorOf, createWorld, type World } from '../purchase/fixtures.js';
import { testDb } from '../support/db.js';

const AUDITOR: Role[] = ['account_admin'];
const refused = (code: string) => (err: unknown) => {
  assert.ok(isRefusal(err), `expected the refusal ${code}, got ${String(err)}`);
  assert.equal(err.refusal.code, code);
  return true;
};

describe('services/activity — reading the activity log (R13)', () => {
  const db = testDb();
  const activity = new ActivityLog(db);
  const access = new AccessPolicy({ activity });
  const query = new ActivityQuery({ db, access, customers: new CustomerDirectory({ commerce: new EmbeddedCommerceBackend(db), access }) });
  let w: World;
  let p: TestPartner;
  let customer: TestCustomer;
  const T0 = new Date('2026-11-10T12:00:00.000Z');
  const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
  const record = (e: Partial<ActivityEntry> & { at: Date }, partner = p) =>
    activity.record({ partnerId: partner.partnerId, event: 'key_view', outcome: 'ok', userId: partner.userId, customerId: customer.id, ...e });
  const range: ActivityRange = { from: at(0), to: at(60) };
  const auditor = () => actorOf(p, AUDITOR);

  before(async () => {
    w = await createWorld(db);
    // A partner of its own: this file's events only.
    p = await createPartner(db, 'Activity view partner');
    customer = await createCustomer(db, p, { companyName: 'Log Test GmbH', billingCountry: 'DE' });
    await record({ at: at(0) }); // on the range's first instant: in
    await record({ at: at(10), event: 'download', userId: null, ip: '203.0.113.7', userAgent: 'curl/8' });
    await record({ at: at(10), event: 'download', userId: null, ip: '203.0.113.8', userAgent: 'curl/8' }); // a tie on `at`
    await record({ at: at(20), event: 'link_issued' });
    await record({ at: at(30), event: 'key_view', outcome: 'forbidden' });
    await record({ at: at(40), event: 'download', outcome: 'expired', userId: null, ip: '203.0.113.7' });
    await record({ at: at(59) });
    await record({ at: at(60) }); // on the range's end: out (exclusive)
    await record({ at: at(-1) }); // before: out
    await record({ at: at(30), event: 'cancellation_requested' }); // not a key or download event: not in this view
    await record({ at: at(30) }, w.b); // another partner's: never
  });

  async function all(filter = {}, limit = 3) {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const page = await query.page(auditor(), { range, filter, cursor, limit });
      seen.push(...page.entries.map((e) => `${e.at.slice(11, 16)} ${e.event} ${e.outcome}`));
      cursor = page.next;
      if (!cursor) break;
    }
    return seen;
  }

  it('the range, newest first, page after page: the first instant in, the end out, ties on the instant kept in order, other events and partners never', async () => {
    assert.deepEqual(await all(), [
      '12:59 key_view ok', '12:40 download expired', '12:30 key_view forbidden', '12:20 link_issued ok', '12:10 download ok', '12:10 download ok', '12:00 key_view ok',
    ]);
    assert.deepEqual(await all({}, 100), await all({}, 1), 'the same rows whatever the page size');
  });

  it('the next page continues exactly where the last one ended while new events arrive', async () => {
    const first = await query.page(auditor(), { range, limit: 2 });
    await record({ at: at(50) }); // a new event inside the range, newer than the page's last row
    const rest: string[] = [];
    let cursor = first.next;
    while (cursor) {
      const page = await query.page(auditor(), { range, cursor, limit: 2 });
      rest.push(...page.entries.map((e) => e.id));
      cursor = page.next;
    }
    const ids = [...first.entries.map((e) => e.id), ...rest];
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    assert.equal(first.entries[0]!.at, at(59).toISOString());
    assert.equal(ids.length, 7, 'every row of the first look, the one added above the first page not inserted into later ones');
    await db.query('DELETE FROM activity_log WHERE partner_id = $1 AND at = $2', [p.partnerId, at(50)]);
  });

  it('who, what and the summary line: chat users by name, downloads by address and user agent; counts of the range', async () => {
    const page = await query.page(auditor(), { range, limit: 100 });
    const download = page.entries.find((e) => e.event === 'download' && e.outcome === 'ok')!;
    assert.deepEqual({ user: download.user, ip: download.ip, ua: download.userAgent }, { user: null, ip: download.ip, ua: 'curl/8' });
    assert.match(download.ip ?? '', /^203\.0\.113\.[78]$/);
    assert.equal(page.entries.find((e) => e.event === 'link_issued')?.user?.displayName, 'Test User');
    assert.deepEqual(await query.summary(auditor(), { range }), { keyViews: 2, linksIssued: 1, downloads: 2, refusals: 2, exports: 0, users: 1, clients: 2 });
  });

  it('filters: kind (key access, downloads, refusals), user, customer — another partner\'s customer or user is unknown', async () => {
    assert.deepEqual((await all({ kind: 'downloads' }, 100)).map((r) => r.split(' ')[1]), ['download', 'download', 'download']);
    assert.deepEqual((await all({ kind: 'refusals' }, 100)).map((r) => r.split(' ')[2]), ['expired', 'forbidden']);
    assert.deepEqual((await all({ kind: 'keys' }, 100)).map((r) => r.split(' ')[1]), ['key_view', 'key_view', 'link_issued', 'key_view']);
    assert.equal((await all({ userId: p.userId }, 100)).length, 4);
    assert.equal((await all({ customerId: customer.id }, 100)).length, 7);
    await assert.rejects(query.page(auditor(), { range, filter: { customerId: w.woodgrove.id } }), refused('customer_not_found'));
    await assert.rejects(query.page(auditor(), { range, filter: { userId: w.b.userId } }), refused('user_not_found'));
  });

  it('a tampered cursor, one of another range, a range the wrong way round: refused', async () => {
    const { next } = await query.page(auditor(), { range, limit: 2 });
    assert.ok(next);
    const [atText, id, scope] = JSON.parse(Buffer.from(next, 'base64url').toString()) as [string, string, string];
    for (const bad of ['x', 'not base64!', Buffer.from('[1,2,3]').toString('base64url'), Buffer.from(JSON.stringify([atText, `${id}; DROP TABLE users`, scope])).toString('base64url'), 'A'.repeat(500)]) {
      await assert.rejects(query.page(auditor(), { range, cursor: bad }), refused('invalid_cursor'), bad);
    }
    await assert.rejects(query.page(auditor(), { range: { from: at(0), to: at(59) }, cursor: next }), refused('invalid_cursor'));
    await assert.rejects(query.page(auditor(), { range, filter: { kind: 'downloads' }, cursor: next }), refused('invalid_cursor'));
    await assert.rejects(query.page(auditor(), { range: { from: at(60), to: at(0) } }), refused('invalid_range'));
  });

  it('who may (R13): Global admin, Account admin, Referral admin, Marketing content admin; anyone else is told the roles, and the refusal is recorded', async () => {
    for (const roles of [['global_admin'], ['account_admin'], ['referral_admin'], ['marketing_content_admin']] as Role[][]) {
      assert.ok((await query.page(actorOf(p, roles), { range })).entries.length > 0, roles.join());
    }
    for (const roles of [['admin_agent'], ['sales_agent'], []] as Role[][]) {
      await assert.rejects(query.page(actorOf(p, roles), { range }), (err: unknown) => err instanceof ForbiddenError && err.requiredRoles.includes('account_admin'));
    }
    const { rows } = await db.query("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = 'log_viewed' AND outcome = 'forbidden'", [p.partnerId]);
    assert.equal(rows[0].n, 3);
  });

  it('range edges in two time zones, on Postgres: a typed range is whole local days — 23:30 on the last day in, 00:30 the next day out, midnight of the first day in', async () => {
    const edges = await createPartner(db, 'Activity edges partner');
    for (const zone of ['Europe/Berlin', 'America/Los_Angeles']) {
      await db.query('DELETE FROM activity_log WHERE partner_id = $1', [edges.partnerId]);
      const local = (iso: string) => DateTime.fromISO(iso, { zone }).toJSDate();
      for (const [when, detail] of [['2026-11-01T00:00', 'first midnight'], ['2026-11-30T23:30', 'last evening'], ['2026-12-01T00:30', 'next day'], ['2026-10-31T23:59', 'day before']] as const) {
        await activity.record({ at: local(when), partnerId: edges.partnerId, event: 'key_view', outcome: 'ok', userId: edges.userId, detail });
      }
      const r = parseActivityRange('1.11.2026 30.11.2026', { zone, locale: 'de-DE', now: new Date('2026-12-07T12:00:00Z'), retentionMonths: 13 });
      assert.ok(r.ok, zone);
      const page = await query.page(actorOf(edges, AUDITOR), { range: { from: r.from, to: r.to }, limit: 100 });
      assert.deepEqual(page.entries.map((e) => e.detail), ['last evening', 'first midnight'], zone);
    }
  });
});
