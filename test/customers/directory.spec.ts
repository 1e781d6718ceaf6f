/**
 * The customer directory (R1) for every flow that starts with a customer: a look-up names
 * its purpose and is allowed to whoever holds that capability — buyers for buy and orders,
 * Admin agents for keys and cancel, auditors for audit, everyone for support — and never
 * shows another partner's customer.
 */
import { strict as assert } from 'node:assert';
import { ForbiddenError, type Role } from '../../services/access/roles.js';
import { CAPABILITY_ROLES } from '../../services/access/capabilities.js';
import type { CustomerPurpose } from '../../services/customers/directory.js';
import { isRefusal } from '../../services/refusal.js';
import { testDb } from '../support/db.js';
import { actorOf, createService, createWorld, type World } from '../purchase/fixtures.js';

describe('services/customers/directory', () => {
  const db = testDb();
  const clock = { now: new Date('2025-06-01T10:00:00Z') };
  const { customers } = createService(db, clock);
  let w: World;

  before(async () => {
    w = await createWorld(db);
  });

  const allowed: Array<[CustomerPurpose, Role[]]> = [
    ['buy', ['global_admin']],
    ['orders', ['admin_agent']],
    ['keys', ['admin_agent']],
    ['cancel', ['admin_agent']],
    ['audit', ['account_admin']],
    ['audit', ['marketing_content_admin']],
    ['support', []],
    ['support', ['sales_agent']],
  ];
  for (const [purpose, roles] of allowed) {
    it(`finds and reads the partner's customers for ${purpose} with roles [${roles.join(', ')}]`, async () => {
      const me = actorOf(w.a, roles);
      const found = await customers.search(me, purpose, 'wingtip');
      assert.deepEqual(found.customers.map((c) => c.id), [w.wingtipAu.id]);
      assert.equal(found.kind, 'one');
      assert.deepEqual(await customers.get(me, purpose, w.wingtipAu.id), found.customers[0]);
    });
  }

  const refused: Array<[CustomerPurpose, Role[]]> = [
    ['buy', ['sales_agent', 'account_admin']],
    ['keys', ['global_admin']],
    ['cancel', ['global_admin', 'sales_agent']],
    ['audit', ['admin_agent', 'sales_agent']],
  ];
  for (const [purpose, roles] of refused) {
    it(`refuses ${purpose} to roles [${roles.join(', ')}], naming the roles it needs`, async () => {
      const me = actorOf(w.a, roles);
      const forbidden = (e: unknown) => e instanceof ForbiddenError && JSON.stringify(e.requiredRoles) === JSON.stringify(CAPABILITY_ROLES[purpose]);
      await assert.rejects(customers.search(me, purpose, 'wingtip'), forbidden);
      await assert.rejects(customers.get(me, purpose, w.wingtipAu.id), forbidden);
    });
  }

  it('R12, R13: a refused look-up for keys is recorded with the customer asked for, one for the activity log as such; other refusals are not', async () => {
    const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND outcome = 'forbidden'", [w.a.partnerId])).rows[0]!.n;
    const before = await count();
    await assert.rejects(customers.get(actorOf(w.a, ['global_admin']), 'keys', w.contosoDe.id), ForbiddenError);
    const { rows } = await db.query<{ event: string; customer_id: string }>(
      "SELECT event, customer_id FROM activity_log WHERE partner_id = $1 AND outcome = 'forbidden' ORDER BY id DESC LIMIT 1",
      [w.a.partnerId],
    );
    assert.deepEqual(rows[0], { event: 'key_view', customer_id: w.contosoDe.id });
    await assert.rejects(customers.get(actorOf(w.a, ['sales_agent']), 'buy', w.contosoDe.id), ForbiddenError);
    assert.equal(await count(), before + 1, 'buying refused: not recorded');
    await assert.rejects(customers.search(actorOf(w.a, ['admin_agent']), 'audit', 'contoso'), ForbiddenError);
    assert.equal(await count(), before + 2);
    const { rows: last } = await db.query<{ event: string }>("SELECT event FROM activity_log WHERE partner_id = $1 AND outcome = 'forbidden' ORDER BY id DESC LIMIT 1", [w.a.partnerId]);
    assert.equal(last[0]!.event, 'log_viewed');
  });

  it("never shows another partner's customer, whatever the purpose: by name, GUID, domain or id", async () => {
    for (const purpose of ['buy', 'keys', 'audit', 'support'] as const) {
      const me = actorOf(w.b, ['admin_agent', 'global_admin', 'account_admin']);
      assert.deepEqual((await customers.search(me, purpose, 'contoso')).customers.map((c) => c.id), [w.woodgrove.id], purpose);
      assert.equal((await customers.search(me, purpose, w.contosoDe.tenantId)).kind, 'none', purpose);
      assert.equal((await customers.search(me, purpose, w.contosoDe.primaryDomain)).kind, 'none', purpose);
      await assert.rejects(customers.get(me, purpose, w.contosoDe.id), (e: unknown) => isRefusal(e, 'customer_not_found'), purpose);
    }
  });

  it('answers ids that are not ids (empty, too long, not a string) as not found', async () => {
    const me = actorOf(w.a, ['admin_agent']);
    for (const id of ['', '   ', 'x'.repeat(101), 42, null, undefined]) {
      await assert.rejects(customers.get(me, 'buy', id), (e: unknown) => isRefusal(e, 'customer_not_found'), String(id));
    }
  });
});
