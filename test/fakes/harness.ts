/**
 * The machinery the local HTTP fakes (bot-connector.ts, slack-api.ts, …) share, so that a
 * fake only says what it records of a request (its routes) and what it answers by default.
 *
 * `startFakeServer({ describe, defaultReply })` starts an http.Server on 127.0.0.1 on a free
 * port. For every request it reads the whole body, lets the fake's `describe` turn it into
 * what the fake records (and what a test's script sees), picks the answer — the next
 * `enqueue`d reply, else the `script`'s answer, else `defaultReply` — records the request
 * with the status it is answered with, and answers with a JSON body, after `delayMs` when
 * the reply asks for one (a slow service).
 *
 * The fake hands its tests `recorded` (one array, kept across `reset()`, so a test may hold
 * on to it or empty it) and spreads `controls` (`script`, `enqueue`, `reset`, `close`) into
 * its own interface. `parseJsonBody` / `parseFormBody` read the body as the fake needs it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer of a fake. */
export interface FakeReply {
  /** HTTP status; 200 when left out. */
  status?: number;
  /** Headers on top of `content-type: application/json; charset=utf-8`. */
  headers?: Record<string, string>;
  /** Sent as JSON; no body when undefined. */
  body?: unknown;
  /** Answer only after this many ms. */
  delayMs?: number;
}

/** A request as the harness read it, for the fake's `describe`. */
export interface RawRequest {
  /** 0-based order of arrival. */
  index: number;
  /** HTTP method. */
  method: string;
  /** The path, without the query string. */
  path: string;
  /** The query string's parameters. */
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** The body as UTF-8 text ('' when there is none). */
  raw: string;
}

/** Decides the answer to one request; `undefined` means the default answer. */
export type FakeScript<Seen, Reply> = (seen: Seen) => Reply | undefined;

/** What a fake declares: what it records of a request, and its default answers. */
export interface FakeServerSpec<Seen extends object, Reply extends FakeReply> {
  /** What the fake records of a request (and what a script is given), without the status. */
  describe(req: RawRequest): Seen;
  /** The answer when no reply is queued and no script answers. */
  defaultReply(seen: Seen): Reply;
}

/** The scripting controls every fake offers; a fake spreads them into its interface. */
export interface FakeControls<Seen, Reply> {
  /** Decide the answer per request; `undefined` from `fn` means the default answer. */
  script: (fn: FakeScript<Seen, Reply> | undefined) => void;
  /** Answer the next requests with these replies, in order (before the script). */
  enqueue: (...replies: Reply[]) => void;
  /** Forget recorded requests, queued replies and the script. */
  reset: () => void;
  close: () => Promise<void>;
}

export interface FakeServer<Seen, Reply> {
  /** The server's origin, `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  /** Every request received, in order, with the status it was answered with. */
  recorded: (Seen & { status: number })[];
  controls: FakeControls<Seen, Reply>;
}

/** A JSON body parsed, or `fallback` when the body is empty or not JSON. */
export function parseJsonBody(raw: string, fallback: unknown): unknown {
  if (!raw) return fallback;
  try {
    return JSON.parse(raw);
  } catch {
    return fallback;
  }
}

/**
 * A form-encoded body (`a=1&b=2`) as an object. Values that hold a JSON object or array
 * (as Slack's `blocks` or `view`) are parsed; one that does not parse stays a string.
 */
export function parseFormBody(raw: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const t = v.trim();
    const looksLikeJson = (t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'));
    out[k] = looksLikeJson ? parseJsonBody(t, v) : v;
  }
  return out;
}

/** Starts a fake on a free port of 127.0.0.1; resolves once it listens. */
export async function startFakeServer<Seen extends object, Reply extends FakeReply>(spec: FakeServerSpec<Seen, Reply>): Promise<FakeServer<Seen, Reply>> {
  const recorded: (Seen & { status: number })[] = [];
  let queued: Reply[] = [];
  let scriptFn: FakeScript<Seen, Reply> | undefined;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path, query] = (req.url ?? '/').split('?') as [string, string | undefined];
      const seen = spec.describe({
        index: recorded.length,
        method: req.method ?? 'GET',
        path,
        query: Object.fromEntries(new URLSearchParams(query ?? '')),
        headers: req.headers,
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = queued.shift() ?? scriptFn?.(seen) ?? spec.defaultReply(seen);
      const status = reply.status ?? 200;
      // Recorded at arrival, so a test sees a slow request before its answer.
      recorded.push({ ...seen, status });
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    recorded,
    controls: {
      script: (fn) => {
        scriptFn = fn;
      },
      enqueue: (...replies) => {
        queued.push(...replies);
      },
      reset: () => {
        recorded.length = 0;
        queued = [];
        scriptFn = undefined;
      },
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    },
  };
}
