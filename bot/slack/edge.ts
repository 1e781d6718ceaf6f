/**
 * What a signed Slack request must be before Bolt and the listeners see it (issue 14). Slack's own
 * requests always pass; anything else is answered at once — never held for Bolt's 3 s and then a
 * 404, never failed inside the turn:
 *   - take:   a `/csp` command, a click (block_actions) or a modal submitted (view_submission),
 *             its ids usable and its text cleaned of what Postgres cannot store;
 *   - ignore: a request this bot has no listener for (another command, a shortcut, view_closed,
 *             an Events API callback, app_rate_limited, a block_actions without an action…):
 *             acknowledged (200) and logged;
 *   - refuse: not what Slack sends (no user, an id that is not one, a response_url that is no
 *             URL, a modal without its state…): 400 naming the field, and logged.
 */
import { z } from 'zod';
import { cleanStrings, cleanStringsInPlace, isRecord, MAX_REQUEST_DEPTH, TooDeep, unstorable } from '../../services/db/storable.js';

export type SlackVerdict =
  /** `body` is a cleaned copy; `clean(original)` does the same cleaning in place (Socket Mode). */
  | { kind: 'take'; body: Record<string, unknown>; type: string; clean: (original: Record<string, unknown>) => void }
  | { kind: 'ignore'; type: string }
  | { kind: 'refuse'; type: string; detail: string };

/** A Slack id (team, user, channel, view, trigger, action id): short, and stored as sent. */
const slackId = z.string().min(1).max(255).refine((s) => !unstorable(s), 'holds a NUL or an unpaired surrogate');
const httpUrl = z.string().max(2048).refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), 'not an http(s) URL');
const user = z.object({ id: slackId, team_id: slackId.optional(), name: z.string().max(255).optional() }).passthrough();
const team = z.object({ id: slackId }).passthrough();

const command = z.object({
  team_id: slackId,
  user_id: slackId,
  user_name: z.string().max(255).optional(),
  channel_id: slackId.optional(),
  text: z.string().optional(),
  response_url: httpUrl.optional(),
  trigger_id: slackId.optional(),
}).passthrough();

const blockActions = z.object({
  // null in an org-wide install (Bolt: "team property will be null"): the user's team_id is used then.
  team: team.nullish(),
  user,
  channel: z.object({ id: slackId }).passthrough().optional(),
  container: z.object({ is_ephemeral: z.boolean().optional() }).passthrough().optional(),
  response_url: httpUrl.optional(),
  trigger_id: slackId.optional(),
  actions: z.array(z.object({
    action_id: slackId,
    // The card's submit data (JSON): what it holds is the flows' to judge (an invalid submit is answered as one).
    value: z.string().optional(),
    selected_option: z.object({ value: z.string() }).passthrough().nullish(),
    url: z.string().optional(),
  }).passthrough()).min(1),
}).passthrough();

/** A modal input's state: an object per input, inside an object per block. */
const inputState = z.object({
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).passthrough().nullish(),
  selected_date: z.string().nullish(),
  selected_options: z.array(z.object({ value: z.string() }).passthrough()).nullish(),
  files: z.array(z.object({ id: z.string() }).passthrough()).nullish(),
}).passthrough();

const viewSubmission = z.object({
  team: team.nullish(),
  user,
  trigger_id: slackId.optional(),
  view: z.object({
    id: slackId,
    hash: slackId,
    private_metadata: z.string().optional(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), inputState)) }).passthrough(),
  }).passthrough(),
}).passthrough();

/** The command this bot has a listener for. */
export const SLASH_COMMAND = '/csp';

/** What to do with a signed request's body (as Bolt's receiver parsed it). */
export function checkSlackRequest(body: unknown): SlackVerdict {
  if (!isRecord(body)) return { kind: 'refuse', type: 'unreadable', detail: 'body: not an object' };
  const type = typeOf(body);
  // Sorted as Bolt sorts a body (helpers.ts getTypeAndConversation): an event first, then a command…
  if (body.event !== undefined) return { kind: 'ignore', type };
  if (body.command !== undefined) return body.command === SLASH_COMMAND ? shaped(command, body, type) : { kind: 'ignore', type };
  if (body.name !== undefined || body.type === 'block_suggestion') return { kind: 'ignore', type };
  if (body.actions !== undefined || body.type === 'dialog_submission') {
    // Bolt takes a body with `actions` for a click whatever its type: only a block_actions reaches
    // the listener, and one whose actions are gone (an empty list) has nothing to run.
    if (body.type !== 'block_actions' || (Array.isArray(body.actions) && body.actions.length === 0)) return { kind: 'ignore', type };
    return shaped(blockActions, body, type);
  }
  if (body.type === 'view_submission') return shaped(viewSubmission, body, type);
  return { kind: 'ignore', type };
}

function shaped(schema: z.ZodType, body: Record<string, unknown>, type: string): SlackVerdict {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { kind: 'refuse', type, detail: `${issue.path.join('.') || 'body'}: ${issue.message}` };
  }
  try {
    const copy = withCleanJson(cleanStrings(body) as Record<string, unknown>);
    return {
      kind: 'take',
      type,
      body: copy,
      clean: (original) => {
        cleanStringsInPlace(original);
        withCleanJson(original);
      },
    };
  } catch (err) {
    if (!(err instanceof TooDeep)) throw err;
    return { kind: 'refuse', type, detail: err.message };
  }
}

/**
 * A button's value and a modal's metadata are JSON in a string: `\u0000` there is no NUL to the
 * cleaning above, but becomes one when the flow parses it. Cleaned inside the JSON too (kept as sent
 * when it is no JSON: the flow answers that as an invalid submit).
 */
function withCleanJson(body: Record<string, unknown>): Record<string, unknown> {
  const clean = (holder: unknown, key: string) => {
    if (!isRecord(holder) || typeof holder[key] !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(holder[key]);
    } catch {
      return; // Not JSON: the flow refuses it as it is.
    }
    // Rewritten only when it spells what Postgres cannot store: any other value stays as sent, byte
    // for byte (a round trip through JSON would change big numbers, `1.0`, `__proto__` keys).
    if (!holdsUnstorable(parsed)) return;
    try {
      holder[key] = JSON.stringify(cleanStrings(parsed));
    } catch {
      // Nested too deep: the flow refuses it as it is.
    }
  };
  for (const action of Array.isArray(body.actions) ? body.actions : []) {
    clean(action, 'value');
    if (isRecord(action)) clean(action.selected_option, 'value');
  }
  clean(body.view, 'private_metadata');
  return body;
}

/** Whether a string anywhere in `value` (keys too) holds what Postgres cannot store. */
function holdsUnstorable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return unstorable(value);
  if (!value || typeof value !== 'object' || depth > MAX_REQUEST_DEPTH) return false;
  return Object.entries(value).some(([key, item]) => unstorable(key) || holdsUnstorable(item, depth + 1));
}

/** What kind of Slack request a body is, for a log line (never its content). */
export function typeOf(body: unknown): string {
  if (!isRecord(body)) return 'unreadable';
  if (typeof body.command === 'string') return 'slash_command';
  if (isRecord(body.event) && typeof body.event.type === 'string') return `event:${body.event.type.slice(0, 40)}`;
  if (typeof body.type === 'string') return body.type.slice(0, 40);
  return 'unknown';
}
