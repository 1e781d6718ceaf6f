/**
 * Fuzz (issue 14): random and mutated Teams activities and Slack requests against the running
 * bot — the real HTTP server, in a schema of its own seeded with the demo data, with the fake
 * Bot Connector and the fake Slack Web API outside. Whatever arrives, the bot:
 *   - never answers 5xx, and never hangs (a request still open after 10 s fails the case);
 *   - never logs at error level (pino level ≥ 50);
 *   - answers every well-formed request (Teams: an activity in the expectReplies body, or the
 *     card of an invoke's answer; Slack: a call to the response_url or the Web API);
 *   - changes nothing in the database when it refuses a request (4xx).
 *
 * Seeded and bounded: FUZZ_SEED picks the cases (DEFAULT_SEED when unset, so `npm test` runs the
 * same ones every time), FUZZ_RUNS how many per property, FUZZ_PATH replays one counterexample
 * (fast-check's path, printed with the seed on failure); each property starts no new case after
 * TIME_BUDGET_MS.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import type { Db } from '../../services/db/pool.js';
import { createLogger } from '../../services/logger.js';
import { PLAYGROUND_TENANT_ID, seedDemoData } from '../../services/seed/demo.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { isolatedDb } from '../jobs/support.js';
import { createBlockAction, createCardActionInvoke, createMessageActivity, createSlashCommand, createViewSubmission, slackSignature, type ViewInputState } from '../support/factories.js';
import { DEMO_SLACK_ADMIN, SLACK_TEST_SECRET, startSlackTestBot, type SlackTestBot } from '../support/slack.js';
import { ALEX } from '../support/turn-table.js';

const SPEC_FILE = 'test/fuzz/fuzz.spec.ts';
const DEFAULT_SEED = 1402;
const SEED = intFromEnv('FUZZ_SEED', DEFAULT_SEED);
const RUNS = intFromEnv('FUZZ_RUNS', 200);
const REPLAY_PATH = process.env.FUZZ_PATH;
/** Per property: past it no new case starts (the cases run so far count; a failure is still reported). */
const TIME_BUDGET_MS = 20_000;
/** Fewer cases than this in the time budget fail the property (it would prove little). */
const MIN_RUNS = 50;
/** Slack wants its answer within 3 s; a request still open after this hangs. */
const REQUEST_TIMEOUT_MS = 10_000;
const DEMO_SLACK_TEAM = 'T0DEMO0001';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, not "${raw}"`);
  return n;
}

/** Runs `property` with the suite's seed; a failure says how to run exactly that case again. */
async function checkProperty<Ts>(title: string, property: fc.IAsyncProperty<Ts>): Promise<void> {
  const details = await fc.check(property, {
    seed: SEED,
    numRuns: RUNS,
    ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}),
    plugins: [fc.interruptAfterTimeLimit(TIME_BUDGET_MS)],
  });
  // Cut short by the time budget before it tried enough cases: too slow to prove anything.
  const floor = Math.min(RUNS, MIN_RUNS);
  if (!details.failed && details.numRuns < floor && !REPLAY_PATH) throw new Error(`${title}: only ${details.numRuns} cases ran within ${TIME_BUDGET_MS} ms (at least ${floor} wanted)`);
  if (!details.failed) return;
  const path = details.counterexamplePath ? ` FUZZ_PATH=${details.counterexamplePath}` : '';
  const replay = `FUZZ_SEED=${details.seed}${path} npx mocha --no-config --node-option import=tsx --require test/setup.ts --timeout 20000 --exit ${SPEC_FILE} --grep ${JSON.stringify(title)}`;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`${clip(fc.defaultReportMessage(details) ?? 'property failed', 4000)}\n\nFailure: ${cause}\n\nReplay with:\n  ${replay}\n`);
}

// ---------------------------------------------------------------------------------------------
// Mutations: a path into the request and what to do there.

type Key = string | number;
type Mutation = { path: Key[]; op: 'delete' } | { path: Key[]; op: 'set'; value: unknown };

/** `base` with `mutations` applied (on copies: values are shared constants); a path through a non-object is skipped, a missing object made. */
function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(base);
  for (const m of mutations) {
    if (m.path.length === 0) {
      root = m.op === 'set' ? structuredClone(m.value) : undefined;
      continue;
    }
    let node: unknown = root;
    for (const key of m.path.slice(0, -1)) {
      if (!isObject(node)) break;
      node[key] ??= {};
      node = node[key];
    }
    if (!isObject(node)) continue;
    const last = m.path[m.path.length - 1]!;
    if (m.op === 'delete') delete node[last];
    else node[last] = structuredClone(m.value);
  }
  return root;
}

function isObject(v: unknown): v is Record<Key, unknown> {
  return typeof v === 'object' && v !== null;
}

/** A value nested `depth` levels deep (objects and arrays in turn). */
function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { n: v };
  return v;
}

/** What Postgres cannot store, and what a client should never send, in strings. */
const nastyString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '29:\u0000', '\ud800', 'x\udc00y', '\udfff\ud800', '<at>CSP Software Desk</at>', '%00', '\\u0000', '{', 'null', '../../etc/passwd', "'; DROP TABLE users; --", 'ＨＥＬＰ', 'help\u200b', '🧨💥', 'ß'.repeat(300)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 513, max: 5_000 }).map((n) => 'x'.repeat(n)),
);

/** A wrong value of any JSON type, at most a few levels deep. */
const shallowJunk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(null, 0, -1, 1.5, 2 ** 53, true, false, [], {}, [null], [1, 'clientInfo', null], [{}], { id: null }, { id: 7 }, { '': '' }) },
  { weight: 3, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Anything a field may be replaced with: also nesting past the edge's limit, and activity types. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 7, arbitrary: shallowJunk },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 60 }).map(nested) },
  // Past the 256 KB an activity may have (413).
  { weight: 1, arbitrary: fc.constant('z'.repeat(300 * 1024)) },
  { weight: 1, arbitrary: fc.constantFrom('message', 'invoke', 'conversationUpdate', 'messageReaction', 'typing', 'event', 'endOfConversation', 'installationUpdate', 'messageUpdate', 'messageDelete', 'trace', 'handoff', 'command', 'unknownType') },
);

/** One to three mutations at `paths`: a field deleted, or set to `value`. */
function mutations(paths: readonly Key[][], value: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation[]> {
  const path = fc.constantFrom(...paths);
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    path.map((p): Mutation => ({ path: p, op: 'delete' })),
    fc.tuple(path, value).map(([p, v]): Mutation => ({ path: p, op: 'set', value: v })),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 });
}

const noMutation = fc.constant<Mutation[]>([]);

// ---------------------------------------------------------------------------------------------
// What users type and click.

const COMMAND_WORDS = ['help', 'buy', 'orders', 'keys', 'software', 'cancel', 'support', 'activity', 'roles', 'language', 'sprache', 'whoami', 'HELP', 'Buy', '/csp', 'frobnicate', 'stop'];
const ARG_WORDS = ['', 'contoso', 'Contoso GmbH', 'fabrikam', 'wingtip', 'nobody', 'windows server', 'sql', 'DG7GMGF0D7FV', 'ORD-2025-000001', 'de', 'en', 'auto', 'fr', '2025-01-01 2025-12-31', 'yesterday today', 'last week', '-1', '0', '99999999999', 'alex', 'Megan Bowen'];

const commandText = fc
  .tuple(fc.constantFrom(...COMMAND_WORDS), fc.oneof(fc.constantFrom(...ARG_WORDS), fc.string({ unit: 'grapheme', maxLength: 30 }), nastyString))
  .map(([cmd, args]) => `${cmd} ${args}`.trim());

const messageText = fc.oneof(
  { weight: 5, arbitrary: commandText },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
  { weight: 1, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer({ min: 1_990, max: 6_000 }).map((n) => 'y'.repeat(n)) },
);

/** The actions the cards send (cards/actions.ts), and a few they never do. */
const ACTIONS = [
  'buy.kind', 'buy.productSearch', 'buy.searchProducts', 'buy.product', 'buy.sku', 'buy.review', 'buy.confirm', 'buy.search', 'buy.customer',
  'orders.page', 'orders.search', 'orders.customer', 'software.item', 'software.get', 'software.download', 'software.search', 'software.customer',
  'cancel.product', 'cancel.submit', 'cancel.search', 'cancel.customer', 'support.order', 'support.review', 'support.edit', 'support.submit',
  'roles.page', 'roles.pick', 'roles.toggle', 'roles.confirm', 'roles.done', 'activity.apply', 'activity.back', 'activity.clear', 'activity.export',
  'activity.filters', 'activity.next', 'flow.stop', 'command', 'transferMoney', 'Buy.Confirm', '', '9lives',
];
const FIELDS = [
  'customerId', 'productId', 'skuId', 'quantity', 'reviewId', 'query', 'search', 'kind', 'orderId', 'lineNumber', 'variantId', 'version', 'language', 'fileType',
  'page', 'offset', 'userId', 'role', 'grant', 'noticeId', 'acknowledged', 'draftId', 'impact', 'title', 'description', 'amount', 'contactEmail', 'files',
  'from', 'to', 'event', 'outcome', 'task', 'command', 'args', 'inPlace', 'cursor',
];
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('DG7GMGF0D7FV', 'DG7GMGF0DT1M', '0001', '0002', 'all', 'software', 'server', '1', '16', '0', '-3', '1e9', 'true', 'false', 'admin_agent', 'global_admin', 'sales_agent', 'de', 'abc123def', 'ORD-2025-000001', '2025-02-30', '') },
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.double()) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: shallowJunk },
);

/** A card's submit data: mostly a real action with (maybe wrong) fields, sometimes none of ours. */
const submitValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ACTIONS), fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 5 })).map(([action, data]) => ({ ...data, action })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...COMMAND_WORDS), fc.constantFrom(...ARG_WORDS)).map(([command, args]) => ({ action: 'command', command, args })) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: shallowJunk },
);

// ---------------------------------------------------------------------------------------------
// Teams: Alex Wilber (Admin agent, Global admin) of the demo tenant.

/** A new conversation, one the property's cases share (multi-step flows), a group chat (new or shared). */
type Where = 'fresh' | 'shared' | 'group' | 'sharedGroup';
type TeamsCase =
  | { kind: 'message'; where: Where; locale: string; text: string; mutations: Mutation[] }
  | { kind: 'submit' | 'invoke'; where: Where; locale: string; value: unknown; mutations: Mutation[] }
  | { kind: 'welcome'; where: Where; locale: string; mutations: Mutation[] };

const where = fc.constantFrom<Where>('fresh', 'fresh', 'shared', 'shared', 'group', 'sharedGroup');
const locale = fc.constantFrom('en-US', 'en-US', 'de-DE', 'en-GB', 'fr-FR', 'de', 'zz-ZZ', '', 'x-klingon');

const teamsRequest = (m: fc.Arbitrary<Mutation[]>): fc.Arbitrary<TeamsCase> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('message' as const), where, locale, text: messageText, mutations: m }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('submit' as const), where, locale, value: submitValue, mutations: m }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('invoke' as const), where, locale, value: submitValue, mutations: m }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('welcome' as const), where: fc.constant<Where>('fresh'), locale, mutations: m }) },
  );

const TEAMS_PATHS: Key[][] = [
  [], ['type'], ['id'], ['name'], ['channelId'], ['serviceUrl'], ['timestamp'], ['localTimestamp'], ['from'], ['from', 'id'], ['from', 'aadObjectId'], ['from', 'name'],
  ['recipient'], ['recipient', 'id'], ['recipient', 'name'], ['conversation'], ['conversation', 'id'], ['conversation', 'tenantId'], ['conversation', 'conversationType'],
  ['conversation', 'isGroup'], ['conversation', 'name'], ['channelData'], ['channelData', 'tenant'], ['channelData', 'tenant', 'id'], ['locale'], ['text'], ['textFormat'],
  ['value'], ['value', 'action'], ['value', 'action', 'data'], ['value', 'action', 'verb'], ['value', 'action', 'type'], ['value', 'action', 'data', 'action'], ['entities'],
  ['entities', 0], ['attachments'], ['attachments', 0], ['membersAdded'], ['membersAdded', 0], ['membersRemoved'], ['deliveryMode'], ['replyToId'], ['localTimezone'], ['expiration'],
];

/** Where a case's activity goes: the fake connector's URL, and the conversations cases share. */
interface TeamsEnv {
  serviceUrl: string;
  shared: string;
  sharedGroup: string;
}

const MENTION = { type: 'mention', mentioned: { id: '28:bot', name: 'CSP Software Desk' }, text: '<at>CSP Software Desk</at>' };

/** The activity of a case, its mutations applied: replies in the answer (expectReplies; an invoke's in its answer) or through the connector. */
function teamsActivity(c: TeamsCase, env: TeamsEnv): unknown {
  const inGroup = c.where === 'group' || c.where === 'sharedGroup';
  const common = {
    tenantId: PLAYGROUND_TENANT_ID, aadObjectId: ALEX, name: 'Alex Wilber', serviceUrl: env.serviceUrl, locale: c.locale,
    conversationId: { fresh: `a:${randomUUID()}`, shared: env.shared, group: `19:${randomUUID()}@thread.v2`, sharedGroup: env.sharedGroup }[c.where],
    conversationType: inGroup ? ('groupChat' as const) : ('personal' as const),
  };
  const mention = inGroup ? { entities: [MENTION] } : {};
  const activity = (() => {
    switch (c.kind) {
      case 'message':
        return { ...createMessageActivity({ ...common, text: inGroup ? `<at>CSP Software Desk</at> ${c.text}` : c.text }), ...mention };
      case 'submit':
        return { ...createMessageActivity({ ...common, value: c.value }), ...mention };
      case 'invoke':
        return { ...createCardActionInvoke({ ...common, data: c.value }), ...mention };
      case 'welcome':
        return { ...createMessageActivity(common), type: 'conversationUpdate', membersAdded: [{ id: `29:${ALEX}`, name: 'Alex Wilber', aadObjectId: ALEX }] };
    }
  })();
  return mutate(activity, c.mutations);
}

const teamsCase: fc.Arbitrary<TeamsCase> = fc
  .oneof(teamsRequest(noMutation), teamsRequest(mutations(TEAMS_PATHS, junk)))

// ---------------------------------------------------------------------------------------------
// Slack: the demo workspace's admin, someone it does not know, and a workspace not onboarded.

type Signing = 'valid' | 'unsigned' | 'wrongSecret' | 'stale' | 'future' | 'tampered' | 'garbledTimestamp';
type SlackUser = 'admin' | 'stranger' | 'otherTeam';
type SlackCase =
  | { kind: 'command'; user: SlackUser; text: string; signing: Signing; mutations: Mutation[] }
  | { kind: 'action'; user: SlackUser; actionId: string; value: string; signing: Signing; mutations: Mutation[] }
  | { kind: 'view'; user: SlackUser; metadata: string; inputs: Record<string, Record<string, ViewInputState>>; signing: Signing; mutations: Mutation[] }
  | { kind: 'payload'; user: SlackUser; payload: string; signing: Signing; mutations: Mutation[] }
  | { kind: 'events'; user: SlackUser; json: unknown; signing: Signing; mutations: Mutation[] };

const slackUser = fc.constantFrom<SlackUser>('admin', 'admin', 'admin', 'stranger', 'otherTeam');
const badSigning = fc.constantFrom<Signing>('unsigned', 'wrongSecret', 'stale', 'future', 'tampered', 'garbledTimestamp');
const asJson = (v: unknown) => JSON.stringify(v) ?? 'undefined';

const buttonValue = fc.oneof({ weight: 4, arbitrary: submitValue.map(asJson) }, { weight: 1, arbitrary: nastyString });
// Slack makes one up when a button has none: never empty.
const actionId = fc.oneof(fc.constantFrom('command:help', 'step', 'buy.product', 'x'), fc.string({ minLength: 1, maxLength: 20 }));

/** A modal input's state as Slack sends it. */
const option = (value: fc.Arbitrary<string>) => fc.record({ value, text: fc.constant({ type: 'plain_text' as const, text: 'x' }) });
const inputState: fc.Arbitrary<ViewInputState> = fc.oneof(
  fc.record({ type: fc.constant('plain_text_input'), value: fc.oneof(fc.constant(null), fc.constantFrom('5', '', 'Contoso', 'alex@contoso.test'), nastyString) }),
  fc.record({ type: fc.constant('number_input'), value: fc.oneof(fc.constant(null), fc.constantFrom('5', '0', '-1', '1.5', 'abc', '99999999999999999999')) }),
  fc.record({ type: fc.constant('static_select'), selected_option: fc.oneof(fc.constant(null), option(nastyString)) }),
  fc.record({ type: fc.constant('checkboxes'), selected_options: fc.array(option(fc.constantFrom('true', 'a', '')), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('datepicker'), selected_date: fc.constantFrom('2025-01-01', '', 'never') }),
  fc.record({ type: fc.constant('file_input'), files: fc.array(fc.record({ id: fc.constantFrom('F0001', '', 'F\u0000'), name: fc.constant('x.pdf') }), { maxLength: 2 }) }),
);
const viewInputs = fc.dictionary(fc.constantFrom('b1', 'b2', 'quantity', 'orderId', 'acknowledged', 'description'), fc.dictionary(fc.constantFrom(...FIELDS), inputState, { maxKeys: 2 }), { maxKeys: 3 });

const slackRequest = (signing: fc.Arbitrary<Signing>, m: fc.Arbitrary<Mutation[]>): fc.Arbitrary<SlackCase> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('command' as const), user: slackUser, text: messageText, signing, mutations: m }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('action' as const), user: slackUser, actionId, value: buttonValue, signing, mutations: m }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('view' as const), user: slackUser, metadata: buttonValue, inputs: viewInputs, signing, mutations: m }) },
  );

const PAYLOAD_TYPES = ['block_actions', 'view_submission', 'shortcut', 'message_action', 'view_closed', 'block_suggestion', 'interactive_message', 'dialog_submission', 'workflow_step_edit', 'unknown', ''];
const SLASH_PATHS: Key[][] = [['team_id'], ['user_id'], ['user_name'], ['command'], ['text'], ['response_url'], ['trigger_id'], ['channel_id'], ['api_app_id'], ['enterprise_id'], ['ssl_check'], ['payload']];
const PAYLOAD_PATHS: Key[][] = [
  ['type'], ['team'], ['team', 'id'], ['user'], ['user', 'id'], ['user', 'team_id'], ['user', 'name'], ['channel'], ['channel', 'id'], ['container'], ['container', 'is_ephemeral'],
  ['container', 'channel_id'], ['response_url'], ['trigger_id'], ['actions'], ['actions', 0], ['actions', 0, 'action_id'], ['actions', 0, 'value'], ['actions', 0, 'type'],
  ['actions', 0, 'selected_option'], ['actions', 0, 'url'], ['actions', 1], ['view'], ['view', 'id'], ['view', 'hash'], ['view', 'private_metadata'], ['view', 'state'],
  ['view', 'state', 'values'], ['view', 'state', 'values', 'b1'], ['view', 'callback_id'], ['api_app_id'], ['enterprise'], ['is_enterprise_install'],
];
/** Never a URL outside this machine: a response_url the bot would post to. */
const slackJunk: fc.Arbitrary<unknown> = fc.oneof(junk, fc.constantFrom(...PAYLOAD_TYPES), fc.constantFrom(DEMO_SLACK_ADMIN, DEMO_SLACK_TEAM, '/other', '/CSP', 'not a url'));
/** Form fields are strings: a slash command's mutations set strings. */
const slashJunk: fc.Arbitrary<unknown> = fc.oneof(nastyString, fc.constantFrom('/other', '/CSP', '/csp', 'not a url', '1', DEMO_SLACK_TEAM, DEMO_SLACK_ADMIN));

/** The form (or JSON) body of a case, and its content type. */
function slackRequestBody(c: SlackCase, responseUrl: string): { body: string; type: string } {
  const ids = c.user === 'admin' ? { teamId: DEMO_SLACK_TEAM, userId: DEMO_SLACK_ADMIN }
    : { teamId: c.user === 'stranger' ? DEMO_SLACK_TEAM : 'T0UNKNOWN9', userId: `U0FUZZ${randomUUID().slice(0, 6).toUpperCase()}` };
  const FORM = 'application/x-www-form-urlencoded';
  const form = (payload: unknown) => ({ body: new URLSearchParams({ payload: asJson(payload) }).toString(), type: FORM });
  const payloadOf = (encoded: string) => JSON.parse(new URLSearchParams(encoded).get('payload')!) as unknown;
  switch (c.kind) {
    case 'command': {
      const fields = Object.fromEntries(new URLSearchParams(createSlashCommand({ ...ids, text: c.text, responseUrl })));
      const mutated = mutate(fields, c.mutations);
      const pairs = Object.entries(isObject(mutated) ? mutated : {}).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : asJson(v)]);
      return { body: new URLSearchParams(pairs).toString(), type: FORM };
    }
    case 'action':
      return form(mutate(payloadOf(createBlockAction({ ...ids, value: c.value, actionId: c.actionId, responseUrl })), c.mutations));
    case 'view':
      return form(mutate(payloadOf(createViewSubmission({ ...ids, view: { private_metadata: c.metadata }, values: c.inputs })), c.mutations));
    case 'payload':
      return { body: new URLSearchParams({ payload: c.payload }).toString(), type: FORM };
    case 'events':
      return { body: asJson(c.json), type: 'application/json' };
  }
}

const slackCase: fc.Arbitrary<SlackCase> = fc.oneof(
  // Well-formed: a slash command, a click, a modal submitted, signed as Slack signs them.
  { weight: 4, arbitrary: slackRequest(fc.constant<Signing>('valid'), noMutation) },
  // Signed, but not what Slack sends (or not for this bot).
  { weight: 2, arbitrary: fc.oneof(
    fc.record({ kind: fc.constant('command' as const), user: slackUser, text: messageText, signing: fc.constant<Signing>('valid'), mutations: mutations(SLASH_PATHS, slashJunk) }),
    fc.record({ kind: fc.constant('action' as const), user: slackUser, actionId, value: buttonValue, signing: fc.constant<Signing>('valid'), mutations: mutations(PAYLOAD_PATHS, slackJunk) }),
    fc.record({ kind: fc.constant('view' as const), user: slackUser, metadata: buttonValue, inputs: viewInputs, signing: fc.constant<Signing>('valid'), mutations: mutations(PAYLOAD_PATHS, slackJunk) }),
  ) },
  // A payload Slack never sends, or sends without a listener here (shortcut, view_closed…).
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('payload' as const),
    user: slackUser,
    payload: fc.oneof(
      fc.constantFrom('null', '1', '"x"', '[]', '{}', '{', '', 'undefined', '[null]'),
      fc.tuple(fc.constantFrom(...PAYLOAD_TYPES), fc.dictionary(fc.constantFrom('callback_id', 'trigger_id', 'action_id', 'value', 'view', 'message', 'actions', 'response_url', 'name'), shallowJunk, { maxKeys: 3 }))
        .map(([type, rest]) => asJson({ ...rest, type, team: { id: DEMO_SLACK_TEAM }, user: { id: DEMO_SLACK_ADMIN } })),
    ),
    signing: fc.constant<Signing>('valid'),
    mutations: noMutation,
  }) },
  // Events API (JSON): url_verification, event callbacks, anything.
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('events' as const),
    user: slackUser,
    json: fc.oneof(
      fc.record({ type: fc.constant('url_verification'), challenge: fc.oneof(fc.string({ maxLength: 20 }), shallowJunk) }),
      fc.record({
        type: fc.constant('event_callback'),
        team_id: fc.constant(DEMO_SLACK_TEAM),
        event: fc.oneof(fc.record({ type: fc.constantFrom('app_mention', 'message', 'app_home_opened', 'member_joined_channel'), user: fc.constant(DEMO_SLACK_ADMIN), text: messageText, channel: fc.constant('C0TEST0001') }), shallowJunk),
      }),
      fc.record({ type: fc.constantFrom('app_rate_limited', 'block_actions', 'nonsense'), token: fc.constant('x') }),
      shallowJunk,
    ),
    signing: fc.constant<Signing>('valid'),
    mutations: noMutation,
  }) },
  // Not from Slack: no signature, another secret, a stale or future timestamp, a changed body.
  { weight: 2, arbitrary: slackRequest(badSigning, fc.oneof(noMutation, mutations(PAYLOAD_PATHS, slackJunk))) },
);

/** The headers of a request signed as `signing` says (and its body, changed after signing when tampered). */
function signed(signing: Signing, body: string): { headers: Record<string, string>; body: string } {
  const now = Math.floor(Date.now() / 1000);
  switch (signing) {
    case 'valid':
      return { headers: slackSignature(SLACK_TEST_SECRET, body), body };
    case 'unsigned':
      return { headers: {}, body };
    case 'wrongSecret':
      return { headers: slackSignature('another-signing-secret-000000', body), body };
    case 'stale':
      return { headers: slackSignature(SLACK_TEST_SECRET, body, now - 600), body };
    case 'future':
      return { headers: slackSignature(SLACK_TEST_SECRET, body, now + 600), body };
    case 'tampered':
      return { headers: slackSignature(SLACK_TEST_SECRET, body), body: `${body}&user_id=${DEMO_SLACK_ADMIN}` };
    case 'garbledTimestamp':
      return { headers: { ...slackSignature(SLACK_TEST_SECRET, body), 'x-slack-request-timestamp': 'yesterday' }, body };
  }
}

// ---------------------------------------------------------------------------------------------
// The bot, its log and its database.

/** POSTs with a deadline: a request still open after REQUEST_TIMEOUT_MS fails the case (it hangs). */
async function send(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') throw new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: the request hangs`, { cause: err });
    throw err;
  }
  return { status: res.status, text: await res.text() };
}

/** The log lines at error level or above (pino: error 50, fatal 60). */
function errorLines(lines: readonly string[]): string[] {
  return lines.flatMap((chunk) => chunk.split('\n')).filter((line) => Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) >= 50);
}

/**
 * A cheap fingerprint of every table in the schema: its row count and its newest row version's
 * transaction id (xmin) — an insert, update or delete changes one of them.
 */
async function fingerprinter(db: Db): Promise<() => Promise<string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const sql = tables
    .map(({ name }) => `SELECT ${pg.escapeLiteral(name)} AS t, count(*)::text AS n, coalesce(max(xmin::text::bigint), 0)::text AS x FROM ${pg.escapeIdentifier(name)}`)
    .join(' UNION ALL ');
  return async () => {
    const { rows } = await db.query<{ t: string; n: string; x: string }>(sql);
    return rows.map((r) => `${r.t}:${r.n}:${r.x}`).join(' ');
  };
}

/** The tables whose fingerprint differs. */
function changedTables(before: string, after: string): string[] {
  const was = new Set(before.split(' '));
  return after.split(' ').filter((t) => !was.has(t)).map((t) => t.split(':')[0]!);
}

const clip = (s: string, max = 600) => (s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s);

describe('fuzz: random and mutated requests against the running bot (issue 14)', function () {
  this.timeout(90_000);
  let isolated: { db: Db; drop: () => Promise<void> };
  let slack: SlackTestBot;
  let connector: FakeBotConnector;
  let fingerprint: () => Promise<string>;

  before(async function () {
    this.timeout(60_000);
    isolated = await isolatedDb('fuzz');
    await seedDemoData(isolated.db, { logger: createLogger({ level: 'silent' }) });
    connector = await startFakeBotConnector();
    slack = await startSlackTestBot({ db: isolated.db });
    fingerprint = await fingerprinter(isolated.db);
  });
  after(async () => {
    await slack?.close();
    await connector?.close();
    await isolated?.drop();
  });

  const teamsTitle = 'Teams: no 5xx, no error logged, an answer to every well-formed activity, nothing stored for a refused one';
  it(teamsTitle, async () => {
    const env: TeamsEnv = { serviceUrl: connector.url, shared: `a:fuzz-${randomUUID()}`, sharedGroup: `19:fuzz-${randomUUID()}@thread.v2` };
    await checkProperty(teamsTitle, fc.asyncProperty(teamsCase, async (c) => {
      const activity = teamsActivity(c, env);
      const wellFormed = c.mutations.length === 0;
      const logsBefore = slack.bot.logs.length;
      const dbBefore = wellFormed ? '' : await fingerprint();

      const res = await send(`${slack.bot.url}/api/messages`, activity === undefined ? '' : JSON.stringify(activity), { 'content-type': 'application/json' });
      const context = `HTTP ${res.status}: ${clip(res.text)}`;
      assert.ok(res.status < 500, `5xx — ${context}`);
      assert.deepEqual(errorLines(slack.bot.logs.slice(logsBefore)), [], `an error was logged — ${context}`);
      if (wellFormed) {
        assert.equal(res.status, 200, `a well-formed activity refused — ${context}`);
        const answer = JSON.parse(res.text || 'null');
        if (c.kind === 'invoke') assert.ok(isObject(answer) && isObject(answer.value), `an invoke answered without a card — ${context}`);
        else assert.ok(Array.isArray(answer?.activities) && answer.activities.length > 0, `no reply to a well-formed ${c.kind} — ${context}`);
      }
      if (res.status >= 400 && res.status < 500) {
        assert.deepEqual(changedTables(dbBefore, await fingerprint()), [], `refused (${context}), yet the database changed`);
      }
    }));
  });

  const slackTitle = 'Slack: no 5xx, no hang, no error logged, an answer to every well-formed request, nothing stored for a refused one';
  it(slackTitle, async () => {
    let n = 0;
    await checkProperty(slackTitle, fc.asyncProperty(slackCase, async (c) => {
      n += 1;
      const request = slackRequestBody(c, slack.fake.responseUrl(`fuzz/${n}/${randomUUID().slice(0, 8)}`));
      const { headers, body } = signed(c.signing, request.body);
      const wellFormed = c.signing === 'valid' && c.mutations.length === 0 && (c.kind === 'command' || c.kind === 'action' || c.kind === 'view');
      await slack.bot.slack!.drain();
      const logsBefore = slack.bot.logs.length;
      const callsBefore = slack.fake.calls.length;
      const dbBefore = wellFormed ? '' : await fingerprint();

      const res = await send(`${slack.bot.url}/slack/events`, body, { 'content-type': request.type, ...headers });
      // The turn runs after ack(): wait for it before reading the log, the fake and the database.
      await new Promise((resolve) => setImmediate(resolve));
      await slack.bot.slack!.drain();
      const context = `HTTP ${res.status}: ${clip(res.text)}; request ${clip(body, 300)}`;
      assert.ok(res.status < 500, `5xx — ${context}`);
      assert.deepEqual(errorLines(slack.bot.logs.slice(logsBefore)), [], `an error was logged — ${context}`);
      if (wellFormed) {
        assert.equal(res.status, 200, `a well-formed request refused — ${context}`);
        const answers = slack.fake.calls.slice(callsBefore).filter((call) => call.method !== 'users.info');
        assert.ok(answers.length > 0, `no answer to a well-formed ${c.kind} — ${context}`);
      }
      if (res.status >= 400 && res.status < 500) {
        assert.deepEqual(changedTables(dbBefore, await fingerprint()), [], `refused (${context}), yet the database changed`);
      }
    }));
  });
});
