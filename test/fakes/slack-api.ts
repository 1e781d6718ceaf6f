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
 *   /api/users.info         { ok, user: { id, name, real_name, tz, locale: 'en-US', profile: { email, display_name, real_name, phone } } }
 *                           (a user given to `setUser` as set there; any other one made up from its id)
 *   /api/files.info         { ok, file: { id, name, title, mimetype, filetype, user, size, url_private, url_private_download } }
 *                           for a file given to `addFile`, else { ok: false, error: 'file_not_found' }
 *   /api/conversations.open { ok, channel: { id: 'D<user>' } }
 *   /api/files.getUploadURLExternal  { ok, upload_url (on the file server), file_id }; the bytes
 *                           POSTed there are kept in `uploads` (with the length asked for)
 *   /api/files.completeUploadExternal { ok, files: [{ id, title }] }
 *   any other /api/<method> { ok: true }
 *   any other POST path (a response_url)  { ok: true }
 *
 * Every call is recorded with its parsed parameters (form-encoded values that hold JSON,
 * like `blocks` or `view`, are parsed). Scripting as in the bot-connector fake:
 * `script(fn)` per call, `enqueue(...replies)` for the next calls in order (the shared
 * server, recording and scripting of ./harness.ts).
 *
 * Files live on a second server, `filesUrl`, as Slack keeps them on files.slack.com: the
 * `url_private(_download)` that files.info gives point there. It serves a file's bytes only to
 * `Authorization: Bearer <botToken>` (else 403) and records every download in `downloads`,
 * with whether the whole body went out (a reader that stops early leaves `completed` false).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFormBody, parseJsonBody, startFakeServer, type FakeScript } from './harness.js';

/** The bot token the fake's file server accepts by default: the one test/support/slack.ts gives the bot. */
export const FAKE_SLACK_BOT_TOKEN = 'xoxb-test-token';

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

/** What users.info says of a user given to `setUser` (left out: not in the answer). */
export interface FakeSlackUser {
  realName?: string;
  displayName?: string;
  email?: string;
  phone?: string;
  locale?: string;
}

/** A file uploaded through files.getUploadURLExternal: what was asked for, and the bytes POSTed to its URL. */
export interface FakeSlackUpload {
  fileId: string;
  filename: string;
  /** The length files.getUploadURLExternal was told. */
  length: number;
  /** The bytes received at the upload URL; null until they arrive. */
  bytes: Buffer | null;
}

/** A file files.info knows and the file server serves. */
export interface FakeSlackFile {
  /** `F…` */
  id: string;
  name: string;
  mimetype: string;
  /** Who uploaded it (a user id). */
  user: string;
  content: Buffer | string;
  /** The size files.info reports; the content's length when left out. */
  size?: number;
  /** Send the bytes without a Content-Length (chunked), so only reading tells how long it is. */
  chunked?: boolean;
}

export interface FakeSlackDownload {
  path: string;
  fileId: string | undefined;
  /** The Authorization header the request carried. */
  authorization: string | undefined;
  status: number;
  /** The whole file was sent (false: the reader hung up first, or it was refused). */
  completed: boolean;
  /** Resolves once the answer is over (sent, or its reader gone); `completed` is final then. */
  ended: Promise<void>;
}

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
  /** users.info answers `user` for `id` (until reset). */
  setUser(id: string, user: FakeSlackUser): void;
  /** files.info knows `file`, and the file server serves it (until reset). */
  addFile(file: FakeSlackFile): void;
  /** Origin of the file server (the stand-in for https://files.slack.com). */
  filesUrl: string;
  /** Every request to the file server, in order. */
  downloads: FakeSlackDownload[];
  /** Files uploaded with files.getUploadURLExternal, by file id. */
  uploads: Map<string, FakeSlackUpload>;
  /** Forget calls, downloads, queued replies, the script, users and files. */
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

export async function startFakeSlackApi(opts: { botToken?: string } = {}): Promise<FakeSlackApi> {
  let counter = 0;
  const users = new Map<string, FakeSlackUser>();
  const files = new Map<string, FakeSlackFile>();
  const uploads = new Map<string, FakeSlackUpload>();
  const fileServer = await startFileServer(files, opts.botToken ?? FAKE_SLACK_BOT_TOKEN, uploads);

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
      case 'users.info': {
        const set = users.get(String(p.user));
        if (set) {
          const profile = { email: set.email, phone: set.phone, display_name: set.displayName, real_name: set.realName };
          return { ok: true, user: { id: p.user, name: `user-${p.user}`, real_name: set.realName, tz: 'Europe/Berlin', locale: set.locale ?? 'en-US', profile } };
        }
        return {
          ok: true,
          user: { id: p.user, name: `user-${p.user}`, real_name: `User ${p.user}`, tz: 'Europe/Berlin', locale: 'en-US', profile: { email: `${p.user}@example.test`, display_name: `User ${p.user}` } },
        };
      }
      case 'files.info': {
        const file = files.get(String(p.file));
        if (!file) return { ok: false, error: 'file_not_found' };
        const base = `${fileServer.url}/files-pri/TFAKE-${file.id}`;
        return {
          ok: true,
          file: {
            id: file.id,
            name: file.name,
            title: file.name,
            mimetype: file.mimetype,
            filetype: file.name.split('.').pop() ?? '',
            user: file.user,
            size: file.size ?? Buffer.byteLength(file.content),
            url_private: `${base}/${encodeURIComponent(file.name)}`,
            url_private_download: `${base}/download/${encodeURIComponent(file.name)}`,
          },
        };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(p.users ?? 'X').split(',')[0]}` } };
      case 'files.getUploadURLExternal': {
        const fileId = `FUP${counter}`;
        uploads.set(fileId, { fileId, filename: String(p.filename), length: Number(p.length), bytes: null });
        return { ok: true, upload_url: `${fileServer.url}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const list = (typeof p.files === 'string' ? JSON.parse(p.files) : p.files) as Array<{ id: string; title?: string }>;
        return { ok: true, files: list.map((f) => ({ id: f.id, title: f.title })) };
      }
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
    setUser: (id, user) => {
      users.set(id, user);
    },
    addFile: (file) => {
      files.set(file.id, file);
    },
    filesUrl: fileServer.url,
    downloads: fileServer.downloads,
    uploads,
    reset: () => {
      server.controls.reset();
      users.clear();
      files.clear();
      uploads.clear();
      fileServer.downloads.length = 0;
    },
    close: async () => {
      await Promise.all([server.controls.close(), fileServer.close()]);
    },
  };
}

const FILE_PATH = /^\/files-pri\/TFAKE-([^/]+)\/(?:download\/)?[^/]+$/;

/** The stand-in for files.slack.com: a file's bytes, to the bot token only, in 64 KiB chunks. */
async function startFileServer(
  files: Map<string, FakeSlackFile>, botToken: string, uploads: Map<string, FakeSlackUpload>,
): Promise<{ url: string; downloads: FakeSlackDownload[]; close(): Promise<void> }> {
  const downloads: FakeSlackDownload[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    // An upload URL (files.getUploadURLExternal): it carries its own authorisation, as Slack's does.
    const uploadId = /^\/upload\/([A-Z0-9]+)$/.exec(path)?.[1];
    if (uploadId !== undefined) {
      const upload = uploads.get(uploadId);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!upload || req.method !== 'POST') {
          res.writeHead(404).end();
          return;
        }
        upload.bytes = Buffer.concat(chunks);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${upload.bytes.length}`);
      });
      return;
    }
    const fileId = FILE_PATH.exec(path)?.[1];
    const file = fileId ? files.get(decodeURIComponent(fileId)) : undefined;
    const authorization = req.headers.authorization;
    const status = !file ? 404 : authorization !== `Bearer ${botToken}` ? 403 : 200;
    let onEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      onEnded = resolve;
    });
    res.on('close', () => onEnded());
    const download: FakeSlackDownload = { path, fileId, authorization, status, completed: false, ended };
    downloads.push(download);
    if (status !== 200 || !file) {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 403 ? 'not authorized' : 'not found');
      return;
    }
    const bytes = Buffer.from(file.content);
    res.writeHead(200, { 'content-type': file.mimetype, ...(file.chunked ? {} : { 'content-length': String(bytes.length) }) });
    res.on('finish', () => {
      download.completed = true;
    });
    let offset = 0;
    const pump = () => {
      while (offset < bytes.length) {
        const chunk = bytes.subarray(offset, offset + 65_536);
        offset += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    downloads,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
