/**
 * The channel side of support requests (dialogs/support-channel.ts): who the user is as the
 * channel knows them, and the files they sent with this turn. One SupportChannel serves every
 * channel and picks the side by `ctx.activity.channelId`: 'slack' is Slack (users.info, the
 * modal's file input), anything else is the Bot Framework side (Teams, Emulator, Agents
 * Playground: member info and the activity's attachments).
 *
 * Files are fetched only from where the channel keeps them — Microsoft's hosts for Teams,
 * files.slack.com for Slack (plus the loopback addresses when `allowLoopback`, for the
 * Emulator, the Playground and the tests' fakes) — never through a redirect to another host,
 * within a time bound, and never more than `maxBytes` of a file is kept (FileTooLargeError
 * as soon as there is more). Nothing here throws into the turn: an unknown contact is blanks,
 * a file that cannot be looked up is one whose `read` rejects.
 */
import { TeamsInfo, type TeamsChannelAccount, type TurnContext } from 'botbuilder';
import { WebClient } from '@slack/web-api';
import { isFileAttachment, TEAMS_FILE_DOWNLOAD_INFO } from '../dialogs/input.js';
import { FileTooLargeError, type ContactDetails, type IncomingFile, type SupportChannel } from '../dialogs/support-channel.js';
import type { Logger } from '../services/logger.js';
import { slackProfileOf } from './slack/adapter.js';
import { slackLogger } from './slack/logger.js';

export interface SupportChannelOptions {
  /**
   * Slack (config.slack): the bot token reads files.info and the files themselves; `apiUrl`
   * points the Web API elsewhere (a test's fake). Without a token a Slack turn still gets
   * the contact the adapter read, but no files.
   */
  slack?: { botToken: string | undefined; apiUrl?: string | undefined };
  /**
   * Also fetch files from http(s)://127.0.0.1, localhost and [::1]: the Emulator's and the
   * Agents Playground's uploads, the tests' fakes. Development and tests only.
   */
  allowLoopback: boolean;
  logger: Logger;
  /** Bound of one lookup (Teams member info, Slack files.info); default 3 s, then the fallback. */
  lookupTimeoutMs?: number;
  /** Bound of one file download, headers and body; default 30 s. */
  downloadTimeoutMs?: number;
  /** The fetch that downloads files (tests hand in a stub); default the global one. */
  fetch?: typeof fetch;
}

/** A file's bytes could not be had (not an allowed host, an HTTP error, a redirect elsewhere, a timeout…). */
export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

/** Slack file ids as files.info takes them; anything else in the submit data is forged. */
const SLACK_FILE_ID = /^F[A-Z0-9]{2,30}$/;
/** Slack's file input takes at most 10 files. */
const MAX_SLACK_FILES = 10;
const MAX_REDIRECTS = 3;
/** Hosts (and their subdomains) Teams attachments may be fetched from. */
const MICROSOFT_DOMAINS = ['sharepoint.com', 'sharepoint-df.com', 'microsoft.com', 'botframework.com', 'smba.trafficmanager.net'];
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** An extension for a file the channel sends without a name (a pasted image), so its type can be checked. */
const EXTENSIONS: Record<string, string> = {
  'image/*': 'png',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/json': 'json',
  'application/zip': 'zip',
};

type UrlRule = (url: URL) => boolean;

export function createSupportChannel(opts: SupportChannelOptions): SupportChannel {
  const lookupMs = opts.lookupTimeoutMs ?? 3_000;
  const downloadMs = opts.downloadTimeoutMs ?? 30_000;
  const fetchImpl = opts.fetch ?? fetch;
  const logger = opts.logger.child({ component: 'support-channel' });
  const loopback: UrlRule = (url) => opts.allowLoopback && (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname);
  const microsoftHost: UrlRule = (url) =>
    loopback(url) ||
    (url.protocol === 'https:' && url.port === '' && MICROSOFT_DOMAINS.some((d) => url.hostname === d || url.hostname.endsWith(`.${d}`)));
  const slackFileHost: UrlRule = (url) => loopback(url) || (url.protocol === 'https:' && url.port === '' && url.hostname === 'files.slack.com');
  const slackToken = opts.slack?.botToken;
  const slackClient = slackToken
    ? new WebClient(slackToken, {
        ...(opts.slack?.apiUrl ? { slackApiUrl: opts.slack.apiUrl } : {}),
        // A lookup is bounded (lookupMs) and then reported unreadable: no retrying for minutes behind it.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: lookupMs,
        logger: slackLogger(opts.logger, 'support-channel-slack'),
      })
    : undefined;

  function fileAt(name: string, contentType: string | null, sizeBytes: number | null, url: string, allowed: UrlRule, authorization?: () => Promise<string | undefined>): IncomingFile {
    return {
      name,
      contentType,
      sizeBytes,
      read: async (maxBytes) => download(url, maxBytes, { allowed, authorization, timeoutMs: downloadMs, fetch: fetchImpl }),
    };
  }

  function unreadable(name: string, why: string): IncomingFile {
    return { name, contentType: null, sizeBytes: null, unreadable: true, read: () => Promise.reject(new UnreadableFileError(why)) };
  }

  async function teamsContact(ctx: TurnContext): Promise<ContactDetails> {
    const from = ctx.activity.from as { id?: string; name?: string } | undefined;
    let member: TeamsChannelAccount | undefined;
    if (from?.id) {
      try {
        member = await bounded(TeamsInfo.getMember(ctx, from.id), lookupMs, 'Teams member info');
      } catch (err) {
        // Emulator and Playground (or a Teams hiccup): what the activity says is enough.
        logger.debug({ error: messageOf(err), channelId: ctx.activity.channelId }, 'member info unavailable; contact from the activity');
      }
    }
    const email = [member?.email, member?.userPrincipalName].find(looksLikeMailbox) ?? '';
    return { name: (member?.name || from?.name || '').trim(), email: email.trim(), phone: '' };
  }

  function slackContact(ctx: TurnContext): ContactDetails {
    const profile = slackProfileOf(ctx);
    const from = ctx.activity.from as { id?: string; name?: string } | undefined;
    // The adapter names a user it knows nothing of by their id: that is no name to prefill.
    const fromName = from?.name && from.name !== from.id ? from.name : '';
    return { name: (profile?.realName || profile?.name || fromName).trim(), email: (profile?.email ?? '').trim(), phone: (profile?.phone ?? '').trim() };
  }

  function teamsFiles(ctx: TurnContext): IncomingFile[] {
    const serviceUrl = safeUrl(ctx.activity.serviceUrl);
    const credentials = connectorCredentialsOf(ctx);
    const files: IncomingFile[] = [];
    for (const [i, a] of (ctx.activity.attachments ?? []).entries()) {
      if (a.contentType === TEAMS_FILE_DOWNLOAD_INFO) {
        const content = (a.content ?? {}) as { downloadUrl?: unknown; fileType?: unknown };
        const fileType = typeof content.fileType === 'string' ? content.fileType : '';
        const name = a.name || `file-${i + 1}${fileType ? `.${fileType}` : ''}`;
        // The download URL is pre-authenticated (and short-lived): it gets no credentials.
        if (typeof content.downloadUrl === 'string') files.push(fileAt(name, null, null, content.downloadUrl, microsoftHost));
        else files.push(unreadable(name, 'Teams sent the file without a download URL'));
        continue;
      }
      if (!isFileAttachment(a)) continue;
      const url = safeUrl(a.contentUrl);
      const name = a.name || `attachment-${i + 1}.${EXTENSIONS[a.contentType.toLowerCase()] ?? 'bin'}`;
      // An inline image in Teams lives on the connector (serviceUrl) and wants the bot's token, which
      // goes only where the connector client sends it anyway: the turn's own serviceUrl origin.
      const sameAsConnector = url !== undefined && serviceUrl !== undefined && url.origin === serviceUrl.origin && url.protocol === 'https:';
      const authorization = sameAsConnector && credentials ? () => bearerFrom(credentials) : undefined;
      files.push(fileAt(name, a.contentType === 'image/*' ? null : a.contentType, null, a.contentUrl!, microsoftHost, authorization));
    }
    return files;
  }

  async function slackFiles(ctx: TurnContext): Promise<IncomingFile[]> {
    const userId = ctx.activity.from.id;
    const raw = (ctx.activity.value as { files?: unknown } | null | undefined)?.files;
    if (typeof raw !== 'string' || raw.trim() === '') return [];
    const ids = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    const valid = ids.filter((id) => SLACK_FILE_ID.test(id));
    if (valid.length < ids.length) logger.warn({ ignored: ids.length - valid.length }, 'slack file ids of a wrong shape ignored');
    if (valid.length > MAX_SLACK_FILES) logger.warn({ ignored: valid.length - MAX_SLACK_FILES }, 'more than 10 slack files; the rest ignored');
    const wanted = valid.slice(0, MAX_SLACK_FILES);
    if (wanted.length === 0) return [];
    if (!slackClient || !slackToken) return wanted.map((id) => unreadable(id, 'Slack is not configured on this bot'));
    const token = slackToken;
    const bearer = () => Promise.resolve(`Bearer ${token}`);
    return Promise.all(
      wanted.map(async (id): Promise<IncomingFile> => {
        try {
          const { file } = await bounded(slackClient.files.info({ file: id }), lookupMs, 'Slack files.info');
          const url = file?.url_private_download || file?.url_private;
          if (!file || !url) return unreadable(file?.name || id, `Slack gave no download URL for file ${id}`);
          // A file input's upload belongs to the user who submits it; another's file is not theirs to attach.
          if (file.user !== userId) return unreadable(file.name || id, `file ${id} was not uploaded by this user`);
          return fileAt(file.name || id, file.mimetype || null, typeof file.size === 'number' ? file.size : null, url, slackFileHost, bearer);
        } catch (err) {
          logger.warn({ fileId: id, error: messageOf(err) }, 'slack files.info failed; the file is unreadable');
          return unreadable(id, `Slack could not give file ${id}: ${messageOf(err)}`);
        }
      }),
    );
  }

  return {
    async contactOf(ctx) {
      try {
        return ctx.activity.channelId === 'slack' ? slackContact(ctx) : await teamsContact(ctx);
      } catch (err) {
        logger.warn({ error: messageOf(err) }, 'contact details unavailable');
        return { name: '', email: '', phone: '' };
      }
    },
    async filesOf(ctx) {
      try {
        return ctx.activity.channelId === 'slack' ? await slackFiles(ctx) : teamsFiles(ctx);
      } catch (err) {
        logger.warn({ error: messageOf(err) }, 'files of the turn unavailable');
        return [];
      }
    },
  };
}


/** An address as Teams may give it; a guest's UPN (`…#EXT#@tenant`) is no mailbox. */
function looksLikeMailbox(s: string | undefined): s is string {
  return typeof s === 'string' && !s.includes('#EXT#') && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.trim());
}

function safeUrl(s: string | undefined): URL | undefined {
  if (!s) return undefined;
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `promise`, or a rejection after `ms` (the promise's own later rejection is then ignored). */
async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface SigningCredentials {
  signRequest(resource: { headers: { set(name: string, value: string): void } }): Promise<unknown>;
}

/** The credentials of the turn's connector client (CloudAdapter puts it in turnState), if any. */
function connectorCredentialsOf(ctx: TurnContext): SigningCredentials | undefined {
  const client = ctx.turnState.get<{ credentials?: Partial<SigningCredentials> } | undefined>(ctx.adapter.ConnectorClientKey);
  const credentials = client?.credentials;
  return typeof credentials?.signRequest === 'function' ? (credentials as SigningCredentials) : undefined;
}

/** The Authorization header the connector client would send (none in emulator mode). */
async function bearerFrom(credentials: SigningCredentials): Promise<string | undefined> {
  let authorization: string | undefined;
  await credentials.signRequest({
    headers: {
      set: (name, value) => {
        if (name.toLowerCase() === 'authorization') authorization = value;
      },
    },
  });
  return authorization;
}

interface DownloadOptions {
  allowed: UrlRule;
  authorization: (() => Promise<string | undefined>) | undefined;
  timeoutMs: number;
  fetch: typeof fetch;
}

/**
 * GET `address` and keep at most `maxBytes` of it: FileTooLargeError when the answer says or
 * turns out to be longer (the rest is not read). Redirects are followed only within the same
 * origin; errors name the host, never the URL (a SharePoint download URL carries its token).
 */
async function download(address: string, maxBytes: number, opts: DownloadOptions): Promise<Buffer> {
  let url = safeUrl(address);
  if (!url) throw new UnreadableFileError('the file has no valid address');
  if (!opts.allowed(url)) throw new UnreadableFileError(`files are not fetched from ${url.host || url.protocol}`);
  const host = url.host;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const headers: Record<string, string> = {};
  try {
    const authorization = opts.authorization ? await bounded(opts.authorization(), opts.timeoutMs, 'the bot token') : undefined;
    if (authorization) headers.authorization = authorization;
    for (let hops = 0; ; hops += 1) {
      const res = await opts.fetch(url, { redirect: 'manual', headers, signal });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const next = safeUrl(new URL(res.headers.get('location') ?? '', url).href);
        if (!next || next.origin !== url.origin) throw new UnreadableFileError(`${host} redirected the download to another host`);
        if (hops >= MAX_REDIRECTS) throw new UnreadableFileError(`${host} redirected the download too often`);
        url = next;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new UnreadableFileError(`${host} answered the download with HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel();
        throw new FileTooLargeError(maxBytes);
      }
      return await readAtMost(res, maxBytes);
    }
  } catch (err) {
    if (err instanceof FileTooLargeError || err instanceof UnreadableFileError) throw err;
    const why = err instanceof Error && err.name === 'TimeoutError' ? `took longer than ${opts.timeoutMs} ms` : messageOf(err);
    throw new UnreadableFileError(`the download from ${host} failed: ${why}`);
  }
}

/** The body, stopping (and cancelling the rest) at the first chunk past `maxBytes`. */
async function readAtMost(res: Response, maxBytes: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > maxBytes) {
      await reader.cancel();
      throw new FileTooLargeError(maxBytes);
    }
    chunks.push(value);
    total += value.byteLength;
  }
  return Buffer.concat(chunks, total);
}
