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
 * `script(fn)` per call, `enqueue(...replies)` for the next calls in order.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

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

export type SlackScript = (call: Omit<SlackCall, 'status'>) => SlackReply | undefined;

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

function parseParams(raw: string, contentType: string | undefined): Record<string, any> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, any>;
    } catch {
      return { _raw: raw };
    }
  }
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const t = v.trim();
    if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
      try {
        out[k] = JSON.parse(t);
        continue;
      } catch {
        // keep the string
      }
    }
    out[k] = v;
  }
  return out;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: SlackCall[] = [];
  let queued: SlackReply[] = [];
  let scriptFn: SlackScript | undefined;
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

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const [path, query] = (req.url ?? '/').split('?') as [string, string | undefined];
      const m = /^\/api\/([A-Za-z0-9_.]+)\/?$/.exec(path);
      const params = { ...Object.fromEntries(new URLSearchParams(query ?? '')), ...parseParams(raw, req.headers['content-type']) };
      const call: Omit<SlackCall, 'status'> = { index: calls.length, method: m?.[1], path, headers: req.headers, params };
      const reply = queued.shift() ?? scriptFn?.(call) ?? { body: defaultBody(call) };
      const status = reply.status ?? 200;
      calls.push({ ...call, status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${url}/api/`,
    url,
    responseUrl: (path = `response/${Math.random().toString(36).slice(2)}`) => `${url}/${path.replace(/^\//, '')}`,
    calls,
    callsTo: (method) => calls.filter((c) => (method === 'response_url' ? c.method === undefined : c.method === method)),
    script(fn) {
      scriptFn = fn;
    },
    enqueue(...replies) {
      queued.push(...replies);
    },
    reset() {
      calls.length = 0;
      queued = [];
      scriptFn = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
