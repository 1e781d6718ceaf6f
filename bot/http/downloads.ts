/**
 * The download side of download links (R10–R12): GET /downloads/:token counts one download
 * and hands out the file; HEAD and link-preview bots only look, never count. Pages are tiny
 * self-contained HTML in English or German. The token is a secret (R11): it is never
 * logged, never echoed, and never leaks through a Referer header.
 */
import { posix } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { formatInstant } from '../../cards/format.js';
import { t, type Locale, type MessageKey } from '../../cards/i18n/index.js';
import type { Logger } from '../../services/logger.js';
import type { ArtifactResponse, ArtifactStore } from '../../services/software/artifacts.js';
import { isTokenShaped } from '../../services/software/software-service.js';
import type { DownloadClient, Redemption } from '../../services/software/types.js';

/** Default requests per client address and minute before 429 (config DOWNLOADS_PER_MINUTE): a browser needs a handful; a token-guessing flood many. */
export const DOWNLOADS_PER_MINUTE = 120;

export interface DownloadDeps {
  /** Counts one download atomically if the link is usable; never throws for a bad token (status 'unknown'). */
  redeem(token: string, client: DownloadClient): Promise<Redemption>;
  /** The same verdict without counting (HEAD, link-preview bots). */
  inspect(token: string): Promise<Redemption>;
  artifacts: ArtifactStore;
  logger: Logger;
  /** The 429 budget per client address (default: createDownloadLimiter() — per process, DOWNLOADS_PER_MINUTE a minute). */
  limiter?: LinkBudget;
}

/** What a link path asks of its budget (a rate-limiter-flexible limiter fits). */
export type LinkBudget = Pick<RateLimiterAbstract, 'consume'>;

/** After Redis failed a budget check, how long the process's own budget answers alone before Redis is asked again. */
export const SHARED_BUDGET_PAUSE_MS = 10_000;

/**
 * The download budget per client address and minute. With `redis` (REDIS_URL) the budget is
 * shared by every bot process (keys under `keyPrefix`); while Redis cannot be reached, each
 * process falls back to a budget of its own rather than refusing or letting everything through.
 * Without it: per process (one process, e.g. `npm start`).
 */
export function createDownloadLimiter(opts: { perMinute?: number; redis?: Redis; keyPrefix?: string } = {}): LinkBudget {
  const budget = { points: opts.perMinute ?? DOWNLOADS_PER_MINUTE, duration: 60 };
  const local = new RateLimiterMemory(budget);
  if (!opts.redis) return local;
  const shared = new RateLimiterRedis({ ...budget, storeClient: opts.redis, keyPrefix: opts.keyPrefix ?? 'csp:downloads' });
  return new SharedBudget(shared, local);
}

/**
 * The shared budget, and the process's own while Redis fails. A failed check (Redis down, or hanging
 * until its command timeout) sends the next SHARED_BUDGET_PAUSE_MS of requests straight to the local
 * budget: while Redis hangs, one request waits for the timeout, not every download (issue 14).
 */
class SharedBudget implements LinkBudget {
  private failedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly shared: RateLimiterRedis,
    private readonly local: RateLimiterMemory,
  ) {}

  async consume(key: string | number, points?: number): Promise<RateLimiterRes> {
    if (Date.now() - this.failedAt < SHARED_BUDGET_PAUSE_MS) return this.local.consume(key, points);
    try {
      return await this.shared.consume(key, points);
    } catch (err) {
      // A spent budget is an answer; anything else is Redis failing.
      if (err instanceof RateLimiterRes) throw err;
      this.failedAt = Date.now();
      return this.local.consume(key, points);
    }
  }
}

/** What logs say instead of the path: the token never reaches a log line. */
const LINK_PATH = '/downloads/[token]';

/** User agents of chat link unfurlers: they fetch every pasted link and must not use up downloads. */
export const PREVIEW_BOTS = /Slackbot-LinkExpanding|Slack-ImgProxy|SkypeUriPreview|Teams link preview|facebookexternalhit|Twitterbot|Discordbot|WhatsApp|LinkedInBot|TelegramBot/i;

const MAX_USER_AGENT = 512;

/** Headers of every answer on a link path: no referrer, no caching, no indexing, no sniffing. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Robots-Tag': 'noindex',
  'X-Content-Type-Options': 'nosniff',
};

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

type Refusal = Exclude<Redemption, { status: 'ok' }>;

/**
 * What every request on a link path (a download link, an export link) goes through first: the
 * security headers, then the client address's budget (429 with Retry-After when it is spent).
 */
export function linkGuards(limiter: LinkBudget): Array<(req: Request, res: Response, next: NextFunction) => void> {
  return [
    (_req, res, next) => {
      res.set(SECURITY_HEADERS);
      next();
    },
    (req, res, next) => {
      limiter.consume(req.ip ?? 'unknown').then(
        () => next(),
        (rejection: unknown) => {
          const wait = rejection instanceof RateLimiterRes ? Math.ceil(rejection.msBeforeNext / 1000) : 60;
          res.set('Retry-After', String(wait)).status(429).type('text/plain').send('Too many requests. Try again in a minute.');
        },
      );
    },
  ];
}

/** The paths of links (download and export links), lower-cased, as they are routed. */
const LINK_PATHS = ['/downloads/', '/exports/'];

/**
 * A path that names a link path in another spelling — `//downloads/…`, `/./downloads/…`,
 * `/%2e/downloads/…` — is not routed to it (its answer is the generic 404), but it may carry a
 * token all the same: its answer gets the link headers too (no referrer, no caching) (issue 14).
 */
function linkPathSpellings(req: Request, res: Response, next: NextFunction): void {
  let path = req.path;
  try {
    path = decodeURIComponent(path);
  } catch {
    // Not percent-encoding: read as it is.
  }
  const normal = posix.normalize(path.replace(/\/+/g, '/')).toLowerCase();
  if (LINK_PATHS.some((p) => normal.startsWith(p))) res.set(SECURITY_HEADERS);
  next();
}

export function createDownloadRouter(deps: DownloadDeps): Router {
  const router = express.Router();
  // Guessing tokens is hopeless (256 bits), but a flood of them would still cost the database
  // work and fill the activity log: each client address gets a budget per minute.
  const limiter = deps.limiter ?? createDownloadLimiter();

  // However a link path is spelt, its answer carries the link headers, a 404 included.
  router.use(linkPathSpellings);
  router
    .route('/downloads/:token')
    .all(...linkGuards(limiter))
    .head(async (req: Request, res: Response) => {
      const token = tokenOf(req);
      if (!token) {
        res.status(404).end();
        return;
      }
      try {
        const verdict = await deps.inspect(token);
        res.status(verdict.status === 'ok' ? 200 : statusOf(verdict)).end();
      } catch (err) {
        deps.logger.error({ err: withoutToken(err, token), linkPath: LINK_PATH, method: 'HEAD' }, 'download link check failed');
        res.status(500).end();
      }
    })
    .get(async (req: Request, res: Response) => {
      const lang = languageOf(req);
      const token = tokenOf(req);
      if (!token) {
        sendPage(res, 404, lang, notFoundPage(lang));
        return;
      }
      const userAgent = (req.get('user-agent') ?? '').slice(0, MAX_USER_AGENT);
      try {
        if (PREVIEW_BOTS.test(userAgent)) {
          const verdict = await deps.inspect(token);
          if (verdict.status === 'ok') sendPage(res, 200, lang, previewPage(lang));
          else sendRefusal(res, lang, verdict);
          return;
        }
        const verdict = await deps.redeem(token, { ip: req.ip ?? null, userAgent: userAgent || null });
        if (verdict.status !== 'ok') {
          sendRefusal(res, lang, verdict);
          return;
        }
        sendArtifact(res, await deps.artifacts.open(verdict.file));
      } catch (err) {
        deps.logger.error({ err: withoutToken(err, token), linkPath: LINK_PATH, method: 'GET' }, 'download failed');
        if (!res.headersSent) sendPage(res, 500, lang, errorPage(lang));
        else res.end();
      }
    })
    .all((req: Request, res: Response) => {
      const lang = languageOf(req);
      res.set('Allow', 'GET, HEAD');
      sendPage(res, 405, lang, methodPage(lang));
    });

  // A link cut short at a slash, or with extra path after the token: the same 404 page.
  router.all(['/downloads', '/downloads/{*rest}'], (req: Request, res: Response) => {
    res.set(SECURITY_HEADERS);
    const lang = languageOf(req);
    if (req.method === 'HEAD') res.status(404).end();
    else sendPage(res, 404, lang, notFoundPage(lang));
  });

  return router;
}

function tokenOf(req: Request): string | null {
  const token: unknown = req.params.token;
  return isTokenShaped(token) ? token : null;
}

export function languageOf(req: Request): Locale {
  return req.acceptsLanguages('en', 'de') === 'de' ? 'de' : 'en';
}

function statusOf(verdict: Refusal): 404 | 410 {
  return verdict.status === 'unknown' ? 404 : 410;
}

function sendRefusal(res: Response, lang: Locale, verdict: Refusal): void {
  sendPage(res, statusOf(verdict), lang, verdict.status === 'unknown' ? notFoundPage(lang) : gonePage(lang, verdict));
}

function sendArtifact(res: Response, artifact: ArtifactResponse): void {
  if (artifact.kind === 'redirect') {
    res.status(302).set('Location', artifact.url).end();
    return;
  }
  res.status(200).set({
    'Content-Type': artifact.contentType,
    'Content-Disposition': attachmentHeader(artifact.fileName),
    'Content-Length': String(artifact.body.length),
  });
  res.end(artifact.body);
}

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266,
 * RFC 8187). Path separators and control characters are dropped first.
 */
export function attachmentHeader(fileName: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = fileName.replace(/[\u0000-\u001f\u007f/\\]+/g, '_').trim().slice(0, 200) || 'download';
  const ascii = cleaned.replace(/[^\x20-\x7e]|["%;]/g, '_');
  const encoded = encodeURIComponent(cleaned).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A copy of an error that is safe to log: no copy of the token in its message or stack. */
export function withoutToken(err: unknown, token: string): unknown {
  const scrub = (text: string): string => text.split(token).join('[token]');
  if (err instanceof Error) {
    const safe = new Error(scrub(err.message));
    safe.name = err.name;
    safe.stack = err.stack === undefined ? undefined : scrub(err.stack);
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') Object.assign(safe, { code });
    return safe;
  }
  return typeof err === 'string' ? scrub(err) : err;
}

// ---- pages -----------------------------------------------------------------------------

export interface Page {
  title: string;
  paragraphs: string[];
}

export function sendPage(res: Response, status: number, lang: Locale, page: Page): void {
  res.status(status).set({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': PAGE_CSP,
    'Content-Language': lang,
  });
  res.end(renderPage(lang, page));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderPage(lang: Locale, page: Page): string {
  const body = page.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(page.title)}</title>
<style>body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}h1{font-size:1.4rem}</style>
</head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
${body}
</main>
</body>
</html>
`;
}

/** A page of the catalog's `download.*` texts: the customer's language, the bot's wording and date format. */
const page = (lang: Locale, title: MessageKey, ...paragraphs: string[]): Page => ({ title: t(lang, title), paragraphs });

function notFoundPage(lang: Locale): Page {
  return page(lang, 'download.notFound.title', t(lang, 'download.notFound.body'));
}

function gonePage(lang: Locale, verdict: Exclude<Refusal, { status: 'unknown' }>): Page {
  switch (verdict.status) {
    case 'expired':
      return page(lang, 'download.expired.title', t(lang, 'download.expired.body', { date: formatInstant(verdict.expiresAt.toISOString(), lang) }), t(lang, 'download.askAgain'));
    case 'used_up':
      return page(lang, 'download.usedUp.title', t(lang, 'download.usedUp.body', { max: verdict.maxDownloads }), t(lang, 'download.askAgain'));
    case 'revoked':
      switch (verdict.reason) {
        case 'cancelled':
          return page(lang, 'download.revoked.title', t(lang, 'download.revoked.cancelled'), t(lang, 'download.revoked.noNewLink'));
        case 'undelivered':
          return page(lang, 'download.revoked.title', t(lang, 'download.revoked.undelivered'), t(lang, 'download.askAgain'));
        case 'admin':
          return page(lang, 'download.revoked.title', t(lang, 'download.revoked.byAdmin'), t(lang, 'download.askAgain'));
      }
  }
}

function previewPage(lang: Locale): Page {
  return page(lang, 'download.preview.title', t(lang, 'download.openInBrowser'));
}

function errorPage(lang: Locale): Page {
  return page(lang, 'download.error.title', t(lang, 'download.error.body'));
}

function methodPage(lang: Locale): Page {
  return page(lang, 'download.method.title', t(lang, 'download.openInBrowser'));
}
