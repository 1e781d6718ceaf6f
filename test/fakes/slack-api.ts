/**
 * A local stand-in for the Slack Web API. Give `@slack/web-api`'s WebClient
 * `slackApiUrl: fake.apiUrl` (Bolt: `clientOptions: { slackApiUrl }`) and it talks to this
 * server. Slack's `response_url`s can point here too: `fake.responseUrl('any/path')`.
 *
 * Default answers (HTTP 200):
 *   /api/auth.test          { ok, url, team, team_id, user, user_id, bot_id }
 *   /api/chat.postMessage   { ok, channel, ts, message }
 *   /api/chat.postEphemeral { ok, message_ts }
 *   /api/chat.update        { ok, channel, ts }
 *   /api/views.open|update|push|publish  { ok, view: { id, hash, ...the view sent } }
 *   /api/users.info         { ok, user: { id, name, real_name, tz, locale: 'en-US', profile } }
 *   /api/conversations.open { ok, channel: { id: 'D<user>' } }
 *   any other /api/<method> { ok: true }
 *   any other POST path (a response_url)  { ok: true }
 *
 * Every call is recorded with its parsed parameters (form-encoded values that hold JSON,
 * like `blocks` or `view`, are parsed). Scripting as in the bot-connector fake:
 * `script(fn)` per call, `enqueue(...replies)` for the next calls in order (the shared
 * server, recording and scripting of ./harness.ts).
 */
import type http from 'node:http';
import { parseFormBody, parseJsonBody, startFakeServer, type FakeScript } from './harness.js';

export interface SlackCall {
  index: number;
  /** Web API method (`chat.postMessage`), or undefined for a response_url call. */
  method: string | undefined;
  path: string;
  headers: http.IncomingHttpHeaders;
  params: Record<string, any>;
  status: number;
}

export interface SlackReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type SlackScript = FakeScript<Omit<SlackCall, 'status'>, SlackReply>;

export interface FakeSlackApi {
  /** Base URL for WebClient's `slackApiUrl` (ends in `/api/`). */
  apiUrl: string;
  /** The server's origin (`http://127.0.0.1:PORT`). */
  url: string;
  /** A URL on this server to use as a Slack `response_url`. */
  responseUrl(path?: string): string;
  calls: SlackCall[];
  /** Calls of one Web API method (or of response_url paths with `'response_url'`). */
  callsTo(method: string): SlackCall[];
  script(fn: SlackScript | undefined): void;
  enqueue(...replies: SlackReply[]): void;
  reset(): void;
  close(): Promise<void>;
}

export const slackReplies = {
  ok: (extra: Record<string, unknown> = {}): SlackReply => ({ body: { ok: true, ...extra } }),
  /** A platform error (HTTP 200, `ok: false`), e.g. `channel_not_found`, `not_in_channel`. */
  error: (error: string): SlackReply => ({ body: { ok: false, error } }),
  /** HTTP 429 with Retry-After, as Slack answers a rate-limited call. */
  rateLimited: (retryAfterSeconds = 1): SlackReply => ({
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { ok: false, error: 'ratelimited' },
  }),
  status: (status: number, body?: unknown): SlackReply => ({ status, body }),
};

/** WebClient posts form-encoded parameters; a response_url gets JSON. */
function parseParams(raw: string, contentType: string | undefined): Record<string, any> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) return parseJsonBody(raw, { _raw: raw }) as Record<string, any>;
  return parseFormBody(raw);
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  let counter = 0;

  function defaultBody(call: Omit<SlackCall, 'status'>): Record<string, unknown> {
    counter += 1;
    const p = call.params;
    switch (call.method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.test/', team: 'Fake Team', team_id: 'TFAKE', user: 'cspbot', user_id: 'UBOT', bot_id: 'BFAKE' };
      case 'chat.postMessage': {
        const ts = `${1_700_000_000 + counter}.${String(counter).padStart(6, '0')}`;
        return { ok: true, channel: p.channel, ts, message: { type: 'message', text: p.text, blocks: p.blocks, ts, bot_id: 'BFAKE' } };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${1_700_000_000 + counter}.000000` };
      case 'chat.update':
        return { ok: true, channel: p.channel, ts: p.ts, text: p.text };
      case 'views.open':
      case 'views.update':
      case 'views.push':
      case 'views.publish':
        return { ok: true, view: { id: p.view_id ?? `VFAKE${counter}`, hash: `h${counter}`, ...(p.view as object | undefined) } };
      case 'users.info':
        return {
          ok: true,
          user: { id: p.user, name: `user-${p.user}`, real_name: `User ${p.user}`, tz: 'Europe/Berlin', locale: 'en-US', profile: { email: `${p.user}@example.test`, display_name: `User ${p.user}` } },
        };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(p.users ?? 'X').split(',')[0]}` } };
      default:
        return { ok: true };
    }
  }

  const server = await startFakeServer<Omit<SlackCall, 'status'>, SlackReply>({
    describe: ({ index, path, query, headers, raw }) => ({
      index,
      method: /^\/api\/([A-Za-z0-9_.]+)\/?$/.exec(path)?.[1],
      path,
      headers,
      params: { ...query, ...parseParams(raw, headers['content-type']) },
    }),
    defaultReply: (call) => ({ body: defaultBody(call) }),
  });
  const calls: SlackCall[] = server.recorded;
  const url = server.origin;

  return {
    apiUrl: `${url}/api/`,
    url,
    responseUrl: (path = `response/${Math.random().toString(36).slice(2)}`) => `${url}/${path.replace(/^\//, '')}`,
    calls,
    callsTo: (method) => calls.filter((c) => (method === 'response_url' ? c.method === undefined : c.method === method)),
    ...server.controls,
  };
}
