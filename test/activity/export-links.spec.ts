/**
 * Teams' export links (R13): issued only to the roles of the view (a refusal recorded), stored
 * as a hash, opened within their time by a user who still has the role (counted and recorded
 * with the client), refused after it (recorded), unknown when forged — and never another
 * partner's range.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { AccessPolicy } from '../../services/access/policy.js';
import { ForbiddenError } from '../../services/access/roles.js';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { ActivityExportLinks, exportFileName, isExportTokenShaped } from '../../services/activity/export-links.js';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { CustomerDirectory } from '../../services/customers/directory.js';
import { isRefusal } from '../../services/refusal.js';
import { createCustomer, createPartner, type TestPartner } from '../commerce/factories.js';
import { actorOf, createWorld, type World } from '../purchase/fixtures.js';
import { testDb } from '../support/db.js';

describe('services/activity — export links (Teams, R13)', () => {
  const db = testDb();
  const access = new AccessPolicy({ activity: new ActivityLog(db) });
  const customers = new CustomerDirectory({ commerce: new EmbeddedCommerceBackend(db), access });
  let clock = new Date('2026-12-07T10:00:00.000Z');
  const links = new ActivityExportLinks({ db, access, customers, linkMinutes: 15, now: () => clock });
  const range = { from: new Date('2026-11-01T00:00:00+01:00'), to: new Date('2026-12-01T00:00:00+01:00') };
  let w: World;
  let p: TestPartner;
  const client = { ip: '198.51.100.9', userAgent: 'Mozilla/5.0' };
  const logged = async (outcome: string) =>
    (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = 'log_exported' AND outcome = $2", [p.partnerId, outcome])).rows[0]!.n;

  before(async () => {
    w = await createWorld(db);
    p = await createPartner(db, 'Export links partner');
    await db.query("INSERT INTO user_roles (user_id, role) VALUES ($1, 'account_admin')", [p.userId]);
  });
  beforeEach(() => {
    clock = new Date('2026-12-07T10:00:00.000Z');
  });

  it('issued: a 43-character token, stored only as its SHA-256, with the range, filter and zone; recorded', async () => {
    const { token, expiresAt, fileName } = await links.issue(actorOf(p, ['account_admin']), { range, filter: { kind: 'downloads' }, zone: 'Europe/Berlin' });
    assert.ok(isExportTokenShaped(token));
    assert.equal(expiresAt.toISOString(), '2026-12-07T10:15:00.000Z');
    assert.equal(fileName, 'activity-log_2026-11-01_2026-11-30.csv');
    const { rows } = await db.query<{ token_hash: Buffer; filter: unknown; zone: string }>('SELECT token_hash, filter, zone FROM activity_exports WHERE partner_id = $1', [p.partnerId]);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.token_hash, createHash('sha256').update(token).digest());
    assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is not stored');
    assert.deepEqual(rows[0]!.filter, { kind: 'downloads' });
    assert.equal(await logged('ok'), 1);

    const opened = await links.redeem(token, client);
    assert.equal(opened.status, 'ok');
    if (opened.status === 'ok') {
      assert.equal(opened.actor.partnerId, p.partnerId);
      assert.deepEqual(opened.request.filter, { kind: 'downloads' });
      assert.equal(opened.request.zone, 'Europe/Berlin');
      assert.deepEqual(opened.request.range, range);
    }
    const row = await db.query("SELECT ip::text AS ip, user_agent FROM activity_log WHERE partner_id = $1 AND event = 'log_exported' ORDER BY id DESC LIMIT 1", [p.partnerId]);
    assert.deepEqual(row.rows[0], { ip: '198.51.100.9/32', user_agent: 'Mozilla/5.0' });
    assert.equal((await db.query('SELECT downloads FROM activity_exports WHERE partner_id = $1', [p.partnerId])).rows[0].downloads, 1);

    clock = new Date('2026-12-07T10:15:00.000Z');
    assert.deepEqual(await links.redeem(token, client), { status: 'expired' });
    assert.equal(await logged('expired'), 1);
  });

  it('refused to issue without the role (recorded as the log refused), for another partner\'s customer, a range the wrong way round, a zone that is none', async () => {
    const before = (await db.query("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = 'log_viewed' AND outcome = 'forbidden'", [p.partnerId])).rows[0].n;
    await assert.rejects(links.issue(actorOf(p, ['admin_agent']), { range, zone: 'UTC' }), ForbiddenError);
    assert.equal((await db.query("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = 'log_viewed' AND outcome = 'forbidden'", [p.partnerId])).rows[0].n, before + 1);
    await assert.rejects(links.issue(actorOf(p, ['account_admin']), { range, filter: { customerId: w.woodgrove.id }, zone: 'UTC' }), (e: unknown) => isRefusal(e) && e.refusal.code === 'customer_not_found');
    await assert.rejects(links.issue(actorOf(p, ['account_admin']), { range: { from: range.to, to: range.from }, zone: 'UTC' }), (e: unknown) => isRefusal(e) && e.refusal.code === 'invalid_range');
    await assert.rejects(links.issue(actorOf(p, ['account_admin']), { range, zone: 'Mars/Olympus' }), RangeError);
  });

  it('opened by a user who lost the role: forbidden (the policy records it), nothing counted; forged tokens are unknown', async () => {
    const own = await createCustomer(db, p, { companyName: 'Export Links GmbH', billingCountry: 'DE' });
    const { token } = await links.issue(actorOf(p, ['account_admin']), { range, filter: { customerId: own.id }, zone: 'UTC' });
    await db.query('DELETE FROM user_roles WHERE user_id = $1', [p.userId]);
    try {
      assert.deepEqual(await links.redeem(token, client), { status: 'forbidden' });
      assert.equal((await db.query('SELECT downloads FROM activity_exports WHERE token_hash = $1', [createHash('sha256').update(token).digest()])).rows[0].downloads, 0);
    } finally {
      await db.query("INSERT INTO user_roles (user_id, role) VALUES ($1, 'account_admin')", [p.userId]);
    }
    for (const forged of ['', 'x', 'A'.repeat(43), `${token.slice(0, 42)}${token.endsWith('A') ? 'B' : 'A'}`, `${token}/`, 42 as unknown as string]) {
      assert.deepEqual(await links.redeem(forged, client), { status: 'unknown' }, String(forged));
    }
  });

  it('names the file by the first and last day in the zone', () => {
    assert.equal(exportFileName({ from: new Date('2026-11-01T04:00:00Z'), to: new Date('2026-12-01T05:00:00Z') }, 'America/New_York'), 'activity-log_2026-11-01_2026-11-30.csv');
    assert.equal(exportFileName(range, 'Not/AZone'), 'activity-log_2026-10-31_2026-11-30.csv', 'an unknown zone is UTC');
  });
});
