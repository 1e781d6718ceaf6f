import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { PartnerDirectory, type TurnEntry } from '../../services/access/directory.js';
import { ProcessLiveness } from '../../services/db/liveness.js';
import { createLogger } from '../../services/logger.js';
import { testDb } from '../support/db.js';
import { createPartner } from '../support/factories.js';

describe('services/access/directory', () => {
  const db = testDb();
  const directory = new PartnerDirectory(db);

  function entry(p: { tenantId: string }, over: Partial<TurnEntry> = {}): TurnEntry {
    return {
      channel: 'msteams', partnerExternalId: p.tenantId, userExternalId: randomUUID(), displayName: 'Ada', locale: 'de-DE',
      conversationId: `a:${randomUUID()}`, conversationType: 'personal', reference: { serviceUrl: 'http://x/' }, requestKey: randomUUID(),
      ...over,
    };
  }

  it('recognises a partner by Teams tenant id or Slack team id, and nobody else', async () => {
    const p = await createPartner(db, 'Known');
    assert.equal((await directory.enterTurn(entry(p)))?.partner.id, p.id);
    assert.equal((await directory.enterTurn(entry(p, { channel: 'slack', partnerExternalId: p.slackTeamId })))?.partner.id, p.id);
    assert.equal(await directory.enterTurn(entry(p, { channel: 'slack' })), null, 'a tenant id is not a Slack team id');
    assert.equal(await directory.enterTurn(entry({ tenantId: randomUUID() })), null);
  });

  it('enters a turn: upserts the user with their roles, stores the reference, records the request', async () => {
    const p = await createPartner(db);
    const e = entry(p);
    const first = (await directory.enterTurn(e))!;
    assert.equal(first.partner.id, p.id);
    assert.deepEqual(first.actor.roles, []);
    assert.equal(first.firstDelivery, true);
    await db.query(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'admin_agent')`, [first.actor.userId]);
    const again = (await directory.enterTurn({ ...e, displayName: null, locale: 'en-US', requestKey: randomUUID(), reference: { serviceUrl: 'http://moved/' } }))!;
    assert.equal(again.actor.userId, first.actor.userId);
    assert.deepEqual(again.actor.roles, ['admin_agent']);
    assert.equal(again.actor.displayName, 'Ada', 'a missing name does not erase the known one');
    assert.equal(again.actor.locale, 'en-US');
    const refs = await db.query('SELECT reference FROM conversation_refs WHERE conversation_id = $1', [e.conversationId]);
    assert.deepEqual(refs.rows.map((r) => r.reference), [{ serviceUrl: 'http://moved/' }], 'one reference, kept up to date');
  });

  it('rewrites the user and the reference only when something changed, or at most once a minute', async () => {
    const p = await createPartner(db);
    const e = entry(p);
    const first = (await directory.enterTurn(e))!;
    // xmin: the transaction that wrote the row version; unchanged means "not written".
    const versions = async () =>
      (await db.query<{ u: string; r: string }>(
        'SELECT (SELECT xmin::text FROM users WHERE id = $1) AS u, (SELECT xmin::text FROM conversation_refs WHERE conversation_id = $2) AS r',
        [first.actor.userId, e.conversationId],
      )).rows[0]!;
    const turn = (over: Partial<TurnEntry> = {}) => directory.enterTurn({ ...e, requestKey: randomUUID(), ...over });
    const v0 = await versions();
    assert.equal((await turn())!.actor.displayName, 'Ada');
    assert.deepEqual(await versions(), v0, 'the same user in the same conversation: nothing rewritten');
    assert.equal((await turn({ displayName: null }))!.actor.displayName, 'Ada');
    assert.deepEqual(await versions(), v0, 'no name given: the known one stays, nothing rewritten');

    await turn({ locale: 'en-US' });
    const v1 = await versions();
    assert.notEqual(v1.u, v0.u, 'another locale');
    assert.equal(v1.r, v0.r);
    await turn({ locale: 'en-US', reference: { serviceUrl: 'http://moved/' } });
    const v2 = await versions();
    assert.notEqual(v2.r, v1.r, 'another reference');
    assert.equal(v2.u, v1.u);

    await db.query("UPDATE conversation_refs SET active = false, inactive_reason = 'blocked' WHERE conversation_id = $1", [e.conversationId]);
    await turn({ locale: 'en-US', reference: { serviceUrl: 'http://moved/' } });
    const ref = await db.query('SELECT active, inactive_reason FROM conversation_refs WHERE conversation_id = $1', [e.conversationId]);
    assert.deepEqual(ref.rows[0], { active: true, inactive_reason: null }, 'writing again reactivates the conversation');

    await db.query("UPDATE users SET last_seen_at = now() - interval '2 minutes' WHERE id = $1", [first.actor.userId]);
    await db.query("UPDATE conversation_refs SET updated_at = now() - interval '2 minutes' WHERE conversation_id = $1", [e.conversationId]);
    const v3 = await versions();
    await turn({ locale: 'en-US', reference: { serviceUrl: 'http://moved/' } });
    const v4 = await versions();
    assert.ok(v4.u !== v3.u && v4.r !== v3.r, 'over a minute since: last seen and last used are brought up to date');
    const fresh = await db.query<{ fresh: boolean }>(
      "SELECT (SELECT last_seen_at > now() - interval '10 seconds' FROM users WHERE id = $1) AND (SELECT updated_at > now() - interval '10 seconds' FROM conversation_refs WHERE conversation_id = $2) AS fresh",
      [first.actor.userId, e.conversationId],
    );
    assert.equal(fresh.rows[0]!.fresh, true);
  });

  it('recognises a resent request', async () => {
    const p = await createPartner(db);
    const e = entry(p);
    assert.equal((await directory.enterTurn(e))!.firstDelivery, true);
    assert.equal((await directory.enterTurn(e))!.firstDelivery, false);
    assert.equal((await directory.enterTurn({ ...e, requestKey: undefined }))!.firstDelivery, true, 'no request id: nothing to compare');
  });

  describe('a turn cut off mid-way (issue 14): its redelivery runs again once the process running it is gone, never while it lives, never once it finished', () => {
    const holders: ProcessLiveness[] = [];
    const hold = async () => {
      const l = await ProcessLiveness.hold(db, createLogger({ level: 'silent' }));
      holders.push(l);
      return l;
    };
    after(async () => Promise.all(holders.map((l) => l.close())));

    it('taken over from a dead owner, by one redelivery only', async () => {
      const p = await createPartner(db);
      const [a, b, c] = [await hold(), await hold(), await hold()];
      const e = entry(p);
      assert.equal((await directory.enterTurn({ ...e, owner: a.id }))!.firstDelivery, true);
      assert.equal((await directory.enterTurn({ ...e, owner: b.id }))!.firstDelivery, false, 'its owner lives: a turn in flight');
      assert.equal((await directory.enterTurn({ ...e, owner: a.id }))!.firstDelivery, false, 'the owner itself: the same turn in flight');
      await a.close();
      const [byB, byC] = await Promise.all([directory.enterTurn({ ...e, owner: b.id }), directory.enterTurn({ ...e, owner: c.id })]);
      assert.deepEqual([byB!.firstDelivery, byC!.firstDelivery].sort(), [false, true], 'the owner is gone: exactly one redelivery takes the turn over');
      const taker = byB!.firstDelivery ? b : c;
      const { rows } = await db.query('SELECT owner, finished_at FROM processed_inbound WHERE request_key = $1', [e.requestKey]);
      assert.deepEqual(rows, [{ owner: taker.id, finished_at: null }]);
    });

    it('several turns of one dead owner, redelivered at once: each is taken over (the questions do not take each other for the owner)', async () => {
      const p = await createPartner(db);
      const [a, b] = [await hold(), await hold()];
      const entries = Array.from({ length: 8 }, () => entry(p));
      for (const e of entries) assert.equal((await directory.enterTurn({ ...e, owner: a.id }))!.firstDelivery, true);
      await a.close();
      const again = await Promise.all(entries.map((e) => directory.enterTurn({ ...e, owner: b.id })));
      assert.deepEqual(again.map((t) => t!.firstDelivery), entries.map(() => true));
    });

    it('never once finished, whether or not its owner lives; a failed turn is released for a retry', async () => {
      const p = await createPartner(db);
      const [a, b] = [await hold(), await hold()];
      const e = entry(p);
      assert.equal((await directory.enterTurn({ ...e, owner: a.id }))!.firstDelivery, true);
      await directory.finishTurn('msteams', e.requestKey!, null);
      await a.close();
      assert.equal((await directory.enterTurn({ ...e, owner: b.id }))!.firstDelivery, false, 'finished: a resend, not run again');

      const failed = entry(p);
      assert.equal((await directory.enterTurn({ ...failed, owner: b.id }))!.firstDelivery, true);
      await directory.releaseTurn('msteams', failed.requestKey!, b.id);
      assert.equal((await directory.enterTurn({ ...failed, owner: b.id }))!.firstDelivery, true, 'released: a redelivery runs it again');
    });

    it('a request recorded without an owner is never taken over', async () => {
      const p = await createPartner(db);
      const b = await hold();
      const e = entry(p);
      assert.equal((await directory.enterTurn(e))!.firstDelivery, true);
      assert.equal((await directory.enterTurn({ ...e, owner: b.id }))!.firstDelivery, false);
    });
  });

  it('stores nothing for a tenant that is not onboarded', async () => {
    const e = entry({ tenantId: randomUUID() });
    assert.equal(await directory.enterTurn(e), null);
    const { rows } = await db.query('SELECT (SELECT count(*) FROM users WHERE external_id = $1)::int AS users, (SELECT count(*) FROM processed_inbound WHERE request_key = $2)::int AS seen', [e.userExternalId, e.requestKey]);
    assert.deepEqual(rows[0], { users: 0, seen: 0 });
  });

  it('two first turns of a new user at once make one user', async () => {
    const p = await createPartner(db);
    const e = entry(p);
    const [a, b] = await Promise.all([directory.enterTurn({ ...e, requestKey: randomUUID() }), directory.enterTurn({ ...e, requestKey: randomUUID() })]);
    assert.equal(a!.actor.userId, b!.actor.userId);
  });

  it('creates bootstrap Global admins from configuration, onboarding their tenant, idempotently', async () => {
    const tenant = randomUUID();
    const admins = [{ channel: 'msteams' as const, partnerExternalId: tenant, userExternalId: 'aad-boot-1' }];
    await directory.bootstrapGlobalAdmins(admins);
    await directory.bootstrapGlobalAdmins(admins);
    const entered = await directory.enterTurn(entry({ tenantId: tenant }, { userExternalId: 'aad-boot-1' }));
    assert.ok(entered, 'the tenant is onboarded');
    assert.deepEqual(entered.actor.roles, ['global_admin']);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM users WHERE partner_id = $1', [entered.partner.id]);
    assert.equal(rows[0].n, 1);
  });

  it('reads the turn\'s dialog state in the same round trip when asked (stateKey)', async () => {
    const p = await createPartner(db, 'With state');
    const key = `msteams/conversations/a:${randomUUID()}/users/29:x`;
    assert.equal((await directory.enterTurn(entry(p, { stateKey: key })))?.state, null, 'nothing stored yet');
    await db.query('INSERT INTO bot_state (key, document) VALUES ($1, $2)', [key, JSON.stringify({ dialogState: { stack: [] } })]);
    const entered = await directory.enterTurn(entry(p, { stateKey: key }));
    assert.deepEqual(entered?.state?.document, { dialogState: { stack: [] } });
    assert.match(entered.state.etag, /^\d+$/);
    assert.equal((await directory.enterTurn(entry(p)))?.state, null, 'no key, no state');
  });
});
