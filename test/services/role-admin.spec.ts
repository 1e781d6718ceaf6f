import { strict as assert } from 'node:assert';
import { RoleAdministration, LastGlobalAdminError, UserNotFoundError } from '../../services/access/role-admin.js';
import { ForbiddenError, type Actor, type Role } from '../../services/access/roles.js';
import { testDb } from '../support/db.js';
import { createPartner, createUser, type TestPartner } from '../support/factories.js';

function actor(partner: TestPartner, user: { id: number; externalId: string }, roles: Role[]): Actor {
  return { userId: user.id, partnerId: partner.id, channel: 'msteams', externalId: user.externalId, displayName: 'x', roles, locale: 'en' };
}

describe('services/access/role-admin', () => {
  const db = testDb();
  const admin = new RoleAdministration(db);
  let partner: TestPartner;
  let ga: { id: number; externalId: string };
  let agent: { id: number; externalId: string };

  beforeEach(async () => {
    partner = await createPartner(db);
    ga = await createUser(db, partner, { roles: ['global_admin'], name: 'Gina Admin' });
    agent = await createUser(db, partner, { roles: ['sales_agent'], name: 'Sam Sales' });
  });

  it('lets a Global admin list, grant and revoke roles in their own organisation', async () => {
    const me = actor(partner, ga, ['global_admin']);
    const { users, total } = await admin.listUsers(me);
    assert.equal(total, 2);
    assert.deepEqual(users.map((u) => u.displayName).sort(), ['Gina Admin', 'Sam Sales']);
    assert.deepEqual(await admin.setRole(me, { userId: agent.id, role: 'admin_agent', grant: true }), ['admin_agent', 'sales_agent']);
    assert.deepEqual(await admin.setRole(me, { userId: agent.id, role: 'admin_agent', grant: true }), ['admin_agent', 'sales_agent']);
    assert.deepEqual(await admin.setRole(me, { userId: agent.id, role: 'sales_agent', grant: false }), ['admin_agent']);
    assert.deepEqual((await admin.listUsers(me, { search: 'sam' })).users.map((u) => u.displayName), ['Sam Sales']);
  });

  it('refuses anyone who is not a Global admin, changing nothing', async () => {
    const notMe = actor(partner, agent, ['sales_agent', 'admin_agent']);
    await assert.rejects(admin.listUsers(notMe), ForbiddenError);
    await assert.rejects(admin.setRole(notMe, { userId: agent.id, role: 'global_admin', grant: true }), ForbiddenError);
    const { rows } = await db.query('SELECT role FROM user_roles WHERE user_id = $1', [agent.id]);
    assert.deepEqual(rows.map((r) => r.role), ['sales_agent']);
  });

  it('never reaches a user of another partner', async () => {
    const other = await createPartner(db, 'Other');
    const stranger = await createUser(db, other, { roles: [] });
    const me = actor(partner, ga, ['global_admin']);
    await assert.rejects(admin.setRole(me, { userId: stranger.id, role: 'global_admin', grant: true }), UserNotFoundError);
    await assert.rejects(admin.getUser(me, stranger.id), UserNotFoundError);
    assert.ok(!(await admin.listUsers(me)).users.some((u) => u.id === stranger.id));
  });

  it('keeps at least one Global admin', async () => {
    const me = actor(partner, ga, ['global_admin']);
    await assert.rejects(admin.setRole(me, { userId: ga.id, role: 'global_admin', grant: false }), LastGlobalAdminError);
    await admin.setRole(me, { userId: agent.id, role: 'global_admin', grant: true });
    assert.deepEqual(await admin.setRole(me, { userId: ga.id, role: 'global_admin', grant: false }), []);
  });
});
