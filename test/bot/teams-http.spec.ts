import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { connectorReplies, startFakeBotConnector } from '../fakes/bot-connector.js';
import { startTestBot, cardText, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createCardActionInvoke, createMessageActivity, createPartner, createUser, type TestPartner } from '../support/factories.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';

function cardsOf(body: any): any[] {
  return (body.activities ?? []).flatMap((a: any) => (a.attachments ?? []).map((att: any) => att.content));
}

describe('bot: Teams over /api/messages', () => {
  let bot: TestBot;
  let partner: TestPartner;
  let admin: { id: number; externalId: string };
  let sales: { id: number; externalId: string };
  const db = testDb();

  before(async () => {
    bot = await startTestBot();
    partner = await createPartner(db, 'Teams Partner');
    admin = await createUser(db, partner, { roles: ['admin_agent', 'global_admin'] });
    sales = await createUser(db, partner, { roles: ['sales_agent'] });
  });
  after(async () => bot.close());

  async function say(user: { externalId: string }, opts: { text?: string; value?: unknown; locale?: string; id?: string; tenantId?: string; conversationId?: string }) {
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: opts.tenantId ?? partner.tenantId, aadObjectId: user.externalId, ...opts }));
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    for (const card of cardsOf(body)) assertValidAdaptiveCard(card);
    return body;
  }

  it('answers help with a help card listing the commands the roles allow', async () => {
    const body = await say(admin, { text: 'help' });
    const text = cardText(body.activities);
    assert.match(text, /^buy \[customer\]/m);
    assert.match(text, /^roles\b/m);
    assert.match(text, /^whoami$/m);
  });

  it('answers without an ETag or X-Powered-By (replies are not cached; nothing to fingerprint)', async () => {
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'help' }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), null);
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  it('in a group chat, strips the @mention of the bot, and answers a mention without text (a card submit) instead of failing', async () => {
    const mention = { type: 'mention', mentioned: { id: '28:bot', name: 'CSP Software Desk' }, text: '<at>CSP Software Desk</at>' };
    const group = { conversationType: 'groupChat' as const, conversationId: `19:${randomUUID()}@thread.v2` };
    const base = createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, ...group });
    const typed = await bot.post('/api/messages', { ...base, text: '<at>CSP Software Desk</at> help', entities: [mention] });
    assert.equal(typed.status, 200);
    assert.match(cardText(typed.json().activities), /^buy \[customer\]/m, 'the mention is not part of the command');
    const submit = await bot.post('/api/messages', { ...createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, ...group }), value: { action: 'command', command: 'whoami' }, entities: [mention] });
    assert.equal(submit.status, 200);
    const answer = cardText(submit.json().activities);
    assert.doesNotMatch(answer, /something went wrong/i);
    assert.match(answer, /Teams Partner/);
  });

  it('lists only the commands a Sales agent may use', async () => {
    const text = cardText((await say(sales, { text: 'help' })).activities);
    assert.match(text, /^whoami$/m);
    assert.doesNotMatch(text, /^buy\b/m);
    assert.doesNotMatch(text, /^roles\b/m);
  });

  it('speaks German to a German Teams client', async () => {
    const text = cardText((await say(admin, { text: 'help', locale: 'de-DE' })).activities);
    assert.match(text, /Befehle/);
    assert.match(text, /^buy \[Kunde\] \[Produkt\]/m);
  });

  it('answers an unknown command with a notice and help, not silence', async () => {
    const text = cardText((await say(admin, { text: 'frobnicate now' })).activities);
    assert.match(text, /frobnicate/);
    assert.match(text, /whoami/);
  });

  it('refuses a command the role does not allow, naming the role', async () => {
    const text = cardText((await say(sales, { text: 'roles' })).activities);
    assert.match(text, /Global admin/);
  });

  it('answers a card submit without text (help button)', async () => {
    const text = cardText((await say(admin, { value: { action: 'command', command: 'whoami' } })).activities);
    assert.match(text, /Teams Partner/);
    assert.match(text, /Admin agent/);
  });

  it('answers a tampered or action-less card submit politely, without an exception', async () => {
    for (const value of [{ foo: 'bar' }, { action: 'command', command: '../../etc' }, { action: 'transferMoney', to: 'me' }]) {
      const body = await say(admin, { value });
      assert.match(cardText(body.activities), /Nothing was changed/);
    }
  });

  it('refuses oversized text', async () => {
    const text = cardText((await say(admin, { text: 'x'.repeat(5000) })).activities);
    assert.match(text, /too long/);
  });

  it('tells a user of an unknown tenant that the organisation is not onboarded, and stores nothing', async () => {
    const tenant = randomUUID();
    const text = cardText((await say({ externalId: randomUUID() }, { text: 'help', tenantId: tenant })).activities);
    assert.match(text, /not set up/);
    assert.match(text, new RegExp(tenant));
    const { rows } = await db.query('SELECT count(*)::int AS n FROM conversation_refs WHERE reference->>\'conversation\' LIKE $1', [`%${tenant}%`]);
    assert.equal(rows[0].n, 0);
  });

  it('never takes a tenant from another Bot Framework channel (Web Chat, Direct Line)', async () => {
    const activity = { ...createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'whoami' }), channelId: 'webchat' };
    const res = await bot.post('/api/messages', activity);
    const text = cardText(res.json().activities);
    assert.match(text, /not set up/);
    assert.doesNotMatch(text, /Teams Partner/);
  });

  it('stores the conversation reference on every inbound activity (upsert)', async () => {
    const user = await createUser(db, partner, { roles: [] });
    await say(user, { text: 'whoami' });
    await say(user, { text: 'help' });
    const { rows } = await db.query('SELECT reference, conversation_type, active FROM conversation_refs WHERE user_id = $1', [user.id]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].conversation_type, 'personal');
    assert.equal(rows[0].reference.conversation.tenantId, partner.tenantId);
    assert.equal(rows[0].reference.activityId, undefined, 'proactive messages answer no earlier activity');
    assert.equal(rows[0].active, true);
  });

  it('does not repeat the effect of a resent activity (same id): the resend, whose response body was lost, gets the first answer again', async () => {
    const id = randomUUID();
    const first = await say(admin, { text: 'whoami', id });
    const again = await say(admin, { text: 'whoami', id });
    assert.ok(first.activities.length > 0);
    assert.deepEqual(again.activities.map((a: any) => a.attachments), first.activities.map((a: any) => a.attachments));
  });

  it('a request claiming another tenant with a user\'s conversation and activity ids neither reaches that user\'s flow nor counts as their resend (issue 14)', async () => {
    const other = await createPartner(db, 'Claiming Partner');
    // Emulator mode trusts the tenant it is sent: the same user and conversation ids, another tenant.
    await createUser(db, other, { roles: ['global_admin'], externalId: admin.externalId });
    const conversationId = `a:${randomUUID()}`;
    const id = randomUUID();
    assert.match(cardText((await say(admin, { text: 'buy', conversationId, id })).activities), /choose the customer/);
    const claimed = cardText((await say(admin, { text: 'whoami', conversationId, id, tenantId: other.tenantId })).activities);
    assert.match(claimed, /Claiming Partner/, 'run as the claiming tenant, not answered with the first tenant\'s kept answer');
    await say(admin, { text: 'cancel', conversationId, tenantId: other.tenantId });
    const searched = cardText((await say(admin, { text: 'contoso', conversationId })).activities);
    assert.match(searched, /No customer matches “contoso”/, 'the first tenant\'s purchase still runs: the search term went to its customer step');
  });

  it('a reply to a serviceUrl that refuses connections is not retried (it held the request 10–13 s); one that answers 503 is, twice (issue 14)', async () => {
    // Takes each connection and drops it at once (ECONNRESET), counting them.
    let connections = 0;
    const refusing = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const connector = await startFakeBotConnector();
    try {
      const send = (serviceUrl: string) => bot.post('/api/messages', createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'help', serviceUrl, expectReplies: false }));
      const refused = await send(`http://127.0.0.1:${(refusing.address() as AddressInfo).port}/`);
      assert.ok(refused.status < 600);
      assert.equal(connections, 2, 'the help card and the error notice: one connection each, no retries');
      connector.script(() => connectorReplies.status(503));
      await send(connector.url);
      const posts = connector.requests.filter((r) => r.method === 'POST');
      assert.equal(posts.length, 6, 'the help card and the error notice: each tried 3 times');
    } finally {
      await connector.close();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('keeps one partner from seeing another (a user of partner B is recognised as partner B)', async () => {
    const other = await createPartner(db, 'Other Partner');
    const stranger = await createUser(db, other, { roles: ['global_admin'] });
    const text = cardText((await say(stranger, { text: 'whoami', tenantId: other.tenantId })).activities);
    assert.match(text, /Other Partner/);
    assert.doesNotMatch(text, /Teams Partner/);
  });

  describe('bad requests', () => {
    /** The activity (whoami, in some way malformed) is answered, and nothing is logged as an error. */
    async function answersWhoami(what: string, activity: unknown): Promise<void> {
      const before = bot.logs.length;
      const res = await bot.post('/api/messages', JSON.stringify(activity));
      assert.equal(res.status, 200, what);
      assert.match(cardText(res.json().activities), /Your account/, what);
      assert.deepEqual(bot.logs.slice(before).filter((l) => /"level":(50|60)/.test(l)), [], what);
    }
    it('400 on malformed JSON', async () => {
      const res = await bot.post('/api/messages', '{"type": "message",');
      assert.equal(res.status, 400);
      assert.match(res.text, /malformed JSON/);
    });
    it('400 on a body that is not an activity', async () => {
      for (const body of ['[1,2,3]', '"hello"', '{"hello":"world"}', '{"type":"message","channelId":"msteams"}']) {
        const res = await bot.post('/api/messages', body);
        assert.equal(res.status, 400, body);
      }
    });
    it('parseable but malformed activities get a clear answer at the edge, never an error inside the turn (issue 14)', async () => {
      const base = () => createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'whoami' }) as any;
      const errorsSince = (n: number) => bot.logs.slice(n).filter((l) => /"level":(50|60)/.test(l));
      // What Postgres cannot store (NUL, a lone surrogate half), in names, ids and text: cleaned, and the turn answers.
      for (const [what, activity] of [
        ['NUL in the name', { ...base(), from: { ...base().from, name: 'Ada\u0000 Admin' } }],
        ['a lone surrogate in the conversation name', { ...base(), conversation: { ...base().conversation, name: 'Team \ud800' } }],
        ['NUL in the text', { ...base(), text: 'who\u0000ami' }],
        ['NUL in a key of channelData', { ...base(), channelData: { ...base().channelData, 'x\u0000y': 1 } }],
        ['entities that are not objects', { ...base(), entities: [1, 'clientInfo', null] }],
      ] as const) await answersWhoami(what, activity);
      // membersAdded: [null] — nobody to greet, nothing fails.
      const before = bot.logs.length;
      const update = await bot.post('/api/messages', { ...base(), type: 'conversationUpdate', membersAdded: [null, 7] });
      assert.equal(update.status, 200);
      assert.deepEqual(errorsSince(before), []);
      // An id holding what Postgres cannot store is refused, not rewritten (two such ids would become one).
      for (const [field, activity] of [
        ['from.id', { ...base(), from: { ...base().from, id: '29:\u0000' } }],
        ['conversation.id', { ...base(), conversation: { ...base().conversation, id: `a:${randomUUID()}\ud800` } }],
      ] as const) {
        const refused = await bot.post('/api/messages', JSON.stringify(activity));
        assert.equal(refused.status, 400, field);
        assert.match(refused.text, new RegExp(field.replace('.', '\\.')));
      }
      // Nested past any activity Teams sends (it would exhaust the stack): 400, before the turn.
      const deep = JSON.stringify({ ...base(), value: 'DEEP' }).replace('"DEEP"', '['.repeat(5000) + ']'.repeat(5000));
      const tooDeep = await bot.post('/api/messages', deep);
      assert.equal(tooDeep.status, 400);
      assert.match(tooDeep.text, /nested deeper/);
      // No recipient: not an activity Teams sends a bot — 400, naming the field.
      const { recipient: _recipient, ...noRecipient } = base();
      const res = await bot.post('/api/messages', noRecipient);
      assert.equal(res.status, 400);
      assert.match(res.text, /recipient/);
    });
    it('fields the turn and its replies read are checked at the edge: 400 naming the field, nothing stored; lists and channelData cleaned (issue 14, found by the fuzz suite)', async () => {
      const base = () => createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'whoami' }) as any;
      const errorsSince = (n: number) => bot.logs.slice(n).filter((l) => /"level":(50|60)/.test(l));
      const invoke = () => createCardActionInvoke({ tenantId: partner.tenantId, aadObjectId: admin.externalId, data: { action: 'command', command: 'whoami', args: '' } }) as any;
      const withoutServiceUrl = () => {
        const { serviceUrl: _s, ...rest } = invoke();
        return rest;
      };
      const usersBefore = (await db.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n;
      // Refused: the replies would go to botbuilder's default (the public Bot Framework) or fail to
      // serialise; a conversation id past Latin-1 cannot be a header; a type of NULs is none.
      for (const [field, activity] of [
        ['serviceUrl', withoutServiceUrl()],
        ['serviceUrl', { ...invoke(), serviceUrl: 'ftp://127.0.0.1/' }],
        ['serviceUrl', { ...base(), deliveryMode: undefined, serviceUrl: 'not a url' }],
        ['conversation.id', { ...base(), conversation: { ...base().conversation, id: 'a:💥' } }],
        ['conversation.id', { ...base(), conversation: { ...base().conversation, id: 'a:\u0007' } }],
        ['conversation.isGroup', { ...base(), conversation: { ...base().conversation, isGroup: 'yes' } }],
        ['from.name', { ...base(), from: { ...base().from, name: 7 } }],
        ['from.aadObjectId', { ...base(), from: { ...base().from, aadObjectId: false } }],
        ['recipient.name', { ...base(), recipient: { ...base().recipient, name: {} } }],
        ['type', { ...base(), type: '\u0000' }],
        ['channelId', { ...base(), channelId: '\u0000\u0000' }],
        ['name', { ...invoke(), name: 'task/fetch' }],
        ['name', { ...invoke(), name: undefined }],
      ] as const) {
        const before = bot.logs.length;
        const res = await bot.post('/api/messages', JSON.stringify(activity));
        assert.equal(res.status, 400, `${field}: ${res.text}`);
        assert.match(res.json().detail, new RegExp(`^${field.replace('.', '\\.')}:`), field);
        assert.deepEqual(errorsSince(before), [], field);
      }
      const usersAfter = (await db.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n;
      assert.equal(usersAfter, usersBefore);
      // Cleaned, and the turn answers: what Teams never sends but as objects of a kind is dropped.
      for (const [what, activity] of [
        ['attachments [null]', { ...base(), attachments: [null] }],
        ['attachments not a list', { ...base(), attachments: 'x' }],
        ['an attachment whose contentType is a number', { ...base(), attachments: [{ contentType: 5 }] }],
        ['an entity without a type', { ...base(), entities: [{}] }],
        ['a mention without whom it mentions', { ...base(), entities: [{ type: 'mention', text: '<at>x</at>' }] }],
        ['channelData a string', { ...base(), channelData: 'x' }],
      ] as const) await answersWhoami(what, activity);
      // A step waiting for typed text reads the attachments (files for the support form): [null] there too.
      const conversationId = `a:${randomUUID()}`;
      await say(admin, { text: 'buy', conversationId });
      const before = bot.logs.length;
      const typed = await bot.post('/api/messages', { ...createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'contoso', conversationId }), attachments: [null, { contentType: 5 }] });
      assert.equal(typed.status, 200);
      assert.deepEqual(errorsSince(before), []);
      // A Teams messageUpdate without channelData (botbuilder reads channelData.eventType): nothing fails.
      const update = await bot.post('/api/messages', { ...base(), type: 'messageUpdate', channelData: undefined });
      assert.equal(update.status, 200);
      assert.deepEqual(errorsSince(before), []);
    });
    it('real Teams shapes the bot does not act on pass the edge (200, nothing logged as an error); a refusal is one info line naming the kind, not the content (issue 14, review)', async () => {
      const base = () => createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'whoami' }) as any;
      const before = bot.logs.length;
      for (const [what, activity] of [
        ['messageReaction', { ...base(), type: 'messageReaction', text: undefined, reactionsAdded: [{ type: 'like' }], replyToId: '1:abc' }],
        ['installationUpdate', { ...base(), type: 'installationUpdate', text: undefined, action: 'add' }],
        ['a channel conversationUpdate (isGroup true, a team)', { ...base(), type: 'conversationUpdate', text: undefined, conversation: { ...base().conversation, id: '19:abc@thread.tacv2', conversationType: 'channel', isGroup: true }, channelData: { ...base().channelData, team: { id: '19:team@thread.tacv2' }, eventType: 'channelCreated', channel: { id: '19:new@thread.tacv2' } } }],
        ['from.role null, serviceUrl null on an expectReplies message', { ...base(), from: { ...base().from, role: null }, serviceUrl: null }],
      ] as const) {
        const res = await bot.post('/api/messages', JSON.stringify(activity));
        assert.equal(res.status, 200, `${what}: ${res.text}`);
      }
      assert.deepEqual(bot.logs.slice(before).filter((l) => /"level":(50|60)/.test(l)), []);
      const signin = await bot.post('/api/messages', { ...base(), type: 'invoke', name: 'signin/verifyState', value: { state: 'secret-ish-123' }, deliveryMode: undefined });
      assert.equal(signin.status, 400);
      const refused = bot.logs.slice(before).filter((l) => l.includes('teams: refused an activity (400)'));
      assert.equal(refused.length, 1);
      assert.match(refused[0]!, /"name":"signin\/verifyState"/);
      assert.doesNotMatch(refused[0]!, /secret-ish-123|whoami/);
    });
    it('a locale that is not a string is dropped: the turn answers (in English) instead of failing before it can (issue 14)', async () => {
      for (const locale of [123, { tag: 'de-DE' }, ['de']]) {
        const activity = { ...createMessageActivity({ tenantId: partner.tenantId, aadObjectId: admin.externalId, text: 'whoami' }), locale };
        const res = await bot.post('/api/messages', activity);
        assert.equal(res.status, 200, JSON.stringify(locale));
        assert.match(cardText(res.json().activities), /Your account/, JSON.stringify(locale));
      }
    });
    it('413 on an oversized body', async () => {
      const res = await bot.post('/api/messages', { type: 'message', text: 'x'.repeat(300 * 1024) });
      assert.equal(res.status, 413);
    });
    it('404 on an unknown path', async () => {
      const res = await bot.post('/api/nothing', {});
      assert.equal(res.status, 404);
    });
  });
});

describe('bot: Teams authentication', () => {
  let bot: TestBot;
  before(async () => {
    bot = await startTestBot({ env: { MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'not-a-real-secret' } });
  });
  after(async () => bot.close());

  it('401 without a Bot Framework token when an app id is configured', async () => {
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: randomUUID(), aadObjectId: randomUUID(), text: 'help' }));
    assert.equal(res.status, 401);
  });

  it('401 with a forged token', async () => {
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: randomUUID(), aadObjectId: randomUUID(), text: 'help' }), {
      authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJtZSJ9.',
    });
    assert.equal(res.status, 401);
  });
});

describe('bot: health', () => {
  let bot: TestBot;
  let queue: 'up' | 'down' | 'hanging' = 'up';
  let postgresUp = true;
  before(async () => {
    // The run's database, with the readiness probe's `SELECT 1` failing while `postgresUp` is false.
    const db = testDb();
    const probed = new Proxy(db, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'query' || typeof value !== 'function') return value;
        return (...args: unknown[]) => (args[0] === 'SELECT 1' && !postgresUp ? Promise.reject(new Error('down')) : (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    bot = await startTestBot({
      db: probed,
      queuePing: () => (queue === 'up' ? Promise.resolve() : queue === 'down' ? Promise.reject(new Error('down')) : new Promise<void>(() => {})),
    });
  });
  after(async () => bot.close());
  afterEach(() => {
    queue = 'up';
    postgresUp = true;
  });

  it('/healthz is up and /readyz reports Postgres and the queue', async () => {
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
    const ready = await fetch(`${bot.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', postgres: 'ok', queue: 'ok' });
  });

  it('the queue down or hanging: still ready to serve users (200, degraded) — jobs wait in the outbox (issue 14)', async () => {
    for (const state of ['down', 'hanging'] as const) {
      queue = state;
      const res = await fetch(`${bot.url}/readyz`);
      assert.equal(res.status, 200, state);
      assert.deepEqual(await res.json(), { status: 'degraded', postgres: 'ok', queue: 'unavailable' }, state);
    }
  });

  it('Postgres down: not ready (503), whatever the queue says', async () => {
    postgresUp = false;
    const res = await fetch(`${bot.url}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'not ready', postgres: 'unavailable', queue: 'ok' });
  });
});
