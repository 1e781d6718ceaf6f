import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { PartnerDirectory } from '../../services/access/directory.js';
import { testDb } from '../support/db.js';
import { createPartner } from '../support/factories.js';

describe('services/access/directory', () => {
  const db = testDb();
  const directory = new PartnerDirectory(db);

  it('recognises a partner by Teams tenant id or Slack team id, and nobody else', async () => {
    const p = await createPartner(db, 'Known');
    assert.equal((await directory.resolvePartner('msteams', p.tenantId))?.id, p.id);
    assert.equal((await directory.resolvePartner('slack', p.slackTeamId))?.id, p.id);
    assert.equal(await directory.resolvePartner('slack', p.tenantId), null, 'a tenant id is not a Slack team id');
    assert.equal(await directory.resolvePartner('msteams', randomUUID()), null);
  });

  it('upserts the user of a turn and returns their roles', async () => {
    const p = await createPartner(db);
    const seen = { partnerId: p.id, channel: 'msteams' as const, externalId: randomUUID(), displayName: 'Ada', locale: 'de-DE' };
    const first = await directory.actorFor(seen);
    assert.deepEqual(first.roles, []);
    await db.query(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'admin_agent')`, [first.userId]);
    const again = await directory.actorFor({ ...seen, displayName: null, locale: 'en-US' });
    assert.equal(again.userId, first.userId);
    assert.deepEqual(again.roles, ['admin_agent']);
    assert.equal(again.displayName, 'Ada', 'a missing name does not erase the known one');
    assert.equal(again.locale, 'en-US');
  });

  it('creates bootstrap Global admins from configuration, onboarding their tenant, idempotently', async () => {
    const tenant = randomUUID();
    const admins = [{ channel: 'msteams' as const, partnerExternalId: tenant, userExternalId: 'aad-boot-1' }];
    await directory.bootstrapGlobalAdmins(admins);
    await directory.bootstrapGlobalAdmins(admins);
    const partner = await directory.resolvePartner('msteams', tenant);
    assert.ok(partner, 'the tenant is onboarded');
    const actor = await directory.actorFor({ partnerId: partner.id, channel: 'msteams', externalId: 'aad-boot-1', displayName: 'Boot', locale: 'en' });
    assert.deepEqual(actor.roles, ['global_admin']);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM users WHERE partner_id = $1', [partner.id]);
    assert.equal(rows[0].n, 1);
  });
});
