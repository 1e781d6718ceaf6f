/**
 * The roles flow as a turn table through /api/messages (expectReplies): what the user
 * does, what the bot shows — with `cancel` at every step, help in the middle, tampered
 * and foreign submits, and a restart between two steps.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { startTestBot, cardText, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createMessageActivity, createPartner, createUser, type TestPartner } from '../support/factories.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';

type Turn = { text?: string; value?: Record<string, unknown> };

describe('dialogs/roles (Teams turn table)', () => {
  const db = testDb();
  let bot: TestBot;
  let partner: TestPartner;
  let admin: { id: number; externalId: string };
  let sam: { id: number; externalId: string };
  let conversationId: string;

  beforeEach(async () => {
    bot = await startTestBot();
    partner = await createPartner(db, 'Roles Partner');
    admin = await createUser(db, partner, { roles: ['global_admin'], name: 'Gina Admin' });
    sam = await createUser(db, partner, { roles: ['sales_agent'], name: 'Sam Sales' });
    conversationId = `a:${randomUUID()}`;
  });
  afterEach(async () => bot.close());

  async function turn(t: Turn, who = admin, bot_ = bot): Promise<string> {
    const res = await bot_.post('/api/messages', createMessageActivity({ tenantId: partner.tenantId, aadObjectId: who.externalId, conversationId, name: who === admin ? 'Gina Admin' : 'Sam Sales', ...t }));
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    for (const a of body.activities ?? []) for (const att of a.attachments ?? []) assertValidAdaptiveCard(att.content);
    return cardText(body.activities ?? []);
  }

  async function rolesOf(userId: number): Promise<string[]> {
    const { rows } = await db.query('SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role', [userId]);
    return rows.map((r) => r.role);
  }

  const steps: Array<{ name: string; turn: () => Turn; expect: RegExp }> = [
    { name: 'list', turn: () => ({ text: 'roles' }), expect: /Sam Sales/ },
    { name: 'user', turn: () => ({ value: { action: 'roles.pick', userId: sam.id } }), expect: /Roles of Sam Sales[\s\S]*Grant Admin agent/ },
    { name: 'confirm', turn: () => ({ value: { action: 'roles.toggle', userId: sam.id, role: 'admin_agent', grant: true } }), expect: /Grant the role Admin agent to Sam Sales\?/ },
    { name: 'apply', turn: () => ({ value: { action: 'roles.confirm', userId: sam.id, role: 'admin_agent', grant: true } }), expect: /Sam Sales now has the role Admin agent/ },
  ];

  it('the list says where each user talks to the bot, so two of one name (or the demo Slack user) are told apart (issue 13)', async () => {
    const slackTwin = await createUser(db, partner, { channel: 'slack', roles: ['sales_agent'], name: 'Sam Sales' });
    try {
      const list = await turn({ text: 'roles Sam Sales' });
      assert.match(list, /Microsoft Teams · Sales agent/);
      assert.match(list, /Slack · Sales agent/);
    } finally {
      await db.query('DELETE FROM users WHERE id = $1', [slackTwin.id]);
    }
  });

  it('grants a role: list → user → confirm → applied', async () => {
    for (const step of steps) assert.match(await turn(step.turn()), step.expect, step.name);
    assert.deepEqual(await rolesOf(sam.id), ['admin_agent', 'sales_agent']);
    // The flow goes on with the same user; revoking works the same way.
    const other = await turn({ value: { action: 'roles.toggle', userId: sam.id, role: 'sales_agent', grant: false } });
    assert.match(other, /Revoke the role Sales agent from Sam Sales\?/);
    assert.doesNotMatch(other, /your own/);
    assert.match(await turn({ value: { action: 'roles.confirm', userId: sam.id, role: 'sales_agent', grant: false } }), /no longer has the role Sales agent/);
    assert.deepEqual(await rolesOf(sam.id), ['admin_agent']);
    assert.match(await turn({ value: { action: 'roles.done' } }), /Done/);
  });

  for (let at = 1; at < steps.length; at++) {
    it(`cancel after step "${steps[at - 1]!.name}" ends the flow and changes nothing`, async () => {
      for (const step of steps.slice(0, at)) await turn(step.turn());
      assert.match(await turn({ text: 'cancel' }), /Stopped your [\w ]+\. Nothing was changed\./);
      // The next step's submit now belongs to no flow.
      assert.match(await turn(steps[at]!.turn()), /Nothing was changed/);
      assert.deepEqual(await rolesOf(sam.id), ['sales_agent']);
    });
  }

  it('cancel from the confirmation card’s button (a submit without text)', async () => {
    for (const step of steps.slice(0, 3)) await turn(step.turn());
    assert.match(await turn({ value: { action: 'command', command: 'cancel' } }), /Stopped your [\w ]+\. Nothing was changed/);
    assert.deepEqual(await rolesOf(sam.id), ['sales_agent']);
  });

  it('help in the middle shows help and keeps the flow', async () => {
    for (const step of steps.slice(0, 2)) await turn(step.turn());
    const help = await turn({ text: 'help' });
    assert.match(help, /CSP Software Desk: help/);
    // Told that the flow still waits, and how to end it (issue 13).
    assert.match(help, /Your role change is still open and waits for your answer on its last card\. Type stop to end it\./);
    assert.match(await turn(steps[2]!.turn()), steps[2]!.expect);
    // A flow that has ended waits for nothing: no reminder.
    await turn(steps[3]!.turn());
    assert.match(await turn({ value: { action: 'roles.done' } }), /roles/);
    assert.doesNotMatch(await turn({ text: 'help' }), /still open/);
  });

  it('a tampered confirm (another role than the one shown) changes nothing', async () => {
    for (const step of steps.slice(0, 3)) await turn(step.turn());
    assert.match(await turn({ value: { action: 'roles.confirm', userId: sam.id, role: 'global_admin', grant: true } }), /Nothing was changed/);
    assert.deepEqual(await rolesOf(sam.id), ['sales_agent']);
  });

  it('a submit that does not fit the step re-shows the step', async () => {
    await turn(steps[0]!.turn());
    const text = await turn({ value: { action: 'roles.toggle', userId: sam.id, role: 'admin_agent', grant: true } });
    assert.match(text, /Nothing was changed/);
    assert.match(text, /Sam Sales/);
  });

  it('a button on an older card of another user does nothing', async () => {
    await turn(steps[0]!.turn());
    await turn({ value: { action: 'roles.pick', userId: sam.id } });
    await turn({ value: { action: 'roles.done' } });
    await turn(steps[0]!.turn());
    assert.match(await turn({ value: { action: 'roles.pick', userId: admin.id } }), /Roles of Gina Admin/);
    // Sam's card from before, pressed now that the flow shows Gina.
    const text = await turn({ value: { action: 'roles.toggle', userId: sam.id, role: 'global_admin', grant: true } });
    assert.match(text, /Nothing was changed/);
    assert.doesNotMatch(text, /Grant the role/);
    assert.deepEqual(await rolesOf(sam.id), ['sales_agent']);
  });

  it('an unknown command in the middle of a flow gets help, and the flow keeps waiting', async () => {
    for (const step of steps.slice(0, 2)) await turn(step.turn());
    const text = await turn({ text: 'frobnicate' });
    assert.match(text, /frobnicate/);
    assert.match(text, /CSP Software Desk: help/);
    assert.match(await turn(steps[2]!.turn()), steps[2]!.expect);
  });

  it('`cancel <something>` is the purchase-cancellation command, not the flow stop word', async () => {
    await turn(steps[0]!.turn());
    // Gina is no Admin agent, so the command is refused — and the roles flow goes on.
    assert.match(await turn({ text: 'cancel Fabrikam ORD-1' }), /Required role: Admin agent/);
    assert.match(await turn(steps[1]!.turn()), steps[1]!.expect);
  });

  it('a search with no match says so, and a very long search is cut', async () => {
    assert.match(await turn({ text: 'roles nobody-here' }), /No user’s name matches “nobody-here”/);
    const long = await turn({ text: `roles ${'ä'.repeat(1990)}` });
    assert.ok(long.length < 600, `the card stays short (${long.length} chars)`);
  });

  it('a confirm pressed by another user of the same chat does nothing', async () => {
    await db.query(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'global_admin')`, [sam.id]);
    for (const step of steps.slice(0, 3)) await turn(step.turn());
    assert.match(await turn(steps[3]!.turn(), sam), /Nothing was changed/);
    assert.deepEqual(await rolesOf(sam.id), ['global_admin', 'sales_agent']);
  });

  it('a user of another partner cannot be picked', async () => {
    const other = await createPartner(db, 'Elsewhere');
    const stranger = await createUser(db, other, { roles: [] });
    await turn(steps[0]!.turn());
    assert.match(await turn({ value: { action: 'roles.pick', userId: stranger.id } }), /not in your organisation/);
  });

  it('the flow survives a restart of the bot between two steps (state in Postgres)', async () => {
    for (const step of steps.slice(0, 2)) await turn(step.turn());
    await bot.close();
    bot = await startTestBot();
    assert.match(await turn(steps[2]!.turn()), steps[2]!.expect);
    assert.match(await turn(steps[3]!.turn()), steps[3]!.expect);
    assert.deepEqual(await rolesOf(sam.id), ['admin_agent', 'sales_agent']);
  });

  it('refuses the last Global admin’s own demotion', async () => {
    await turn(steps[0]!.turn());
    await turn({ value: { action: 'roles.pick', userId: admin.id } });
    // Revoking one's own Global admin role is warned about before the confirmation (issue 13); another user's is not.
    const own = await turn({ value: { action: 'roles.toggle', userId: admin.id, role: 'global_admin', grant: false } });
    assert.match(own, /This is your own Global admin role: once revoked, you can no longer manage roles/);
    assert.match(await turn({ value: { action: 'roles.confirm', userId: admin.id, role: 'global_admin', grant: false } }), /last Global admin/);
    assert.deepEqual(await rolesOf(admin.id), ['global_admin']);
  });

  it('pages through many users', async () => {
    for (let i = 0; i < 11; i++) await createUser(db, partner, { name: `Extra ${i}` });
    const first = await turn({ text: 'roles' });
    assert.match(first, /Users 1–10 of 13/);
    assert.match(await turn({ value: { action: 'roles.page', offset: 10 } }), /Users 11–13 of 13/);
  });

  it('filters by name: roles sam', async () => {
    const text = await turn({ text: 'roles sam' });
    assert.match(text, /Sam Sales/);
    assert.doesNotMatch(text, /Gina Admin/);
  });
});
