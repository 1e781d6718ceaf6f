/**
 * The bot's HTTP surface: Teams (/api/messages), Slack (/slack/events, mounted by
 * bot/slack/app.ts), health (/healthz, /readyz). Malformed input is answered with a
 * clear status before any bot code runs.
 */
import { randomUUID } from 'node:crypto';
import express, { type Application, type NextFunction, type Request, type Response } from 'express';
import type { Activity, ActivityHandler } from 'botbuilder';
import { z } from 'zod';
import type { Drain } from './drain.js';
import { SigningKeysUnavailable, TeamsAuthRejected, type TeamsAdapter } from '../teams/adapter.js';
import { withCorrelation, type Logger } from '../../services/logger.js';

export interface Readiness {
  postgres(): Promise<void>;
  queue(): Promise<void>;
}

/** The least an activity must have for the bot to do anything with it. */
const activityShape = z.object({
  type: z.string().min(1).max(64),
  id: z.string().max(512).optional(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.string().max(2048).optional(),
  from: z.object({ id: z.string().min(1).max(512) }).passthrough(),
  conversation: z.object({ id: z.string().min(1).max(1024) }).passthrough(),
  // Every activity Teams sends a bot names the bot as its recipient; the turn reads it (mentions, references).
  recipient: z.object({ id: z.string().max(512) }).passthrough(),
  // A locale that is not one (a number, an object) is dropped, not trusted: the turn — and its
  // error card — then speaks the default language instead of failing before it can answer (issue 14).
  locale: z.string().max(64).optional().catch(undefined),
}).passthrough();

export const MAX_ACTIVITY_BYTES = 256 * 1024;

/**
 * What the turn reads, made safe to use and to store (issue 14): text Postgres cannot hold (NUL,
 * a lone surrogate half) is cleaned in every string, and list items Teams never sends as anything
 * but objects (`entities`, `membersAdded`/`membersRemoved`) are dropped when they are not — such an
 * activity used to reach the turn and fail inside it with an error card.
 */
function storable(activity: Record<string, unknown>): Record<string, unknown> {
  const cleaned = cleanStrings(activity, 0) as Record<string, unknown>;
  for (const field of ['entities', 'membersAdded', 'membersRemoved']) {
    const list = cleaned[field];
    if (list === undefined) continue;
    const objects = Array.isArray(list) ? list.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object' && !Array.isArray(item)) : [];
    cleaned[field] = field === 'entities' ? objects : objects.filter((member) => typeof member.id === 'string');
  }
  return cleaned;
}

/** NUL, and a UTF-16 surrogate half without its other half: JSON carries them, Postgres text cannot. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this finds
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** The same, to test a string for (a global regex keeps state between tests). */
const HAS_UNSTORABLE = new RegExp(UNSTORABLE.source);

/** Deeper than any activity Teams sends: a body nested past it is refused (it would exhaust the stack). */
export const MAX_ACTIVITY_DEPTH = 32;

class TooDeep extends Error {}

/** Every string (keys too) with what Postgres cannot store cleaned out; throws TooDeep past MAX_ACTIVITY_DEPTH. */
function cleanStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE, (c) => (c === '\u0000' ? '' : '\ufffd'));
  if (!value || typeof value !== 'object') return value;
  if (depth >= MAX_ACTIVITY_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return value.map((item) => cleanStrings(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[cleanStrings(key, depth) as string] = cleanStrings(item, depth + 1);
  return out;
}

/**
 * The ids the turn keys users, conversations and requests by must be stored as sent: one holding
 * NUL or a lone surrogate half is refused, not rewritten (two such ids would merge into one).
 */
function unstorableId(body: Record<string, unknown>): string | null {
  const ids: Array<[string, unknown]> = [
    ['id', body.id],
    ['from.id', (body.from as Record<string, unknown> | undefined)?.id],
    ['from.aadObjectId', (body.from as Record<string, unknown> | undefined)?.aadObjectId],
    ['conversation.id', (body.conversation as Record<string, unknown> | undefined)?.id],
    ['recipient.id', (body.recipient as Record<string, unknown> | undefined)?.id],
  ];
  for (const [name, id] of ids) if (typeof id === 'string' && HAS_UNSTORABLE.test(id)) return name;
  return null;
}

/** The activity's timestamps as Dates, the raw strings kept beside them (as botbuilder's validateAndFixActivity does). */
function withDates(activity: Activity): Activity {
  const a = activity as Activity & Record<string, unknown>;
  for (const [field, raw] of [['timestamp', 'rawTimestamp'], ['expiration', 'rawExpiration'], ['localTimestamp', 'rawLocalTimestamp']] as const) {
    const value = a[field];
    if (typeof value === 'string') {
      a[raw] = value;
      a[field] = new Date(value);
    }
  }
  return activity;
}

export function createHttpApp(deps: {
  teamsAdapter: TeamsAdapter;
  teamsBot: ActivityHandler;
  readiness: Readiness;
  logger: Logger;
  /** Express 'trust proxy' (config TRUST_PROXY). */
  trustProxy?: boolean | number | string;
  /** Stops taking requests at shutdown (bot/http/drain.ts): its middleware goes first. */
  drain?: Drain;
}): Application {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express would hash every reply body (the replies of an expectReplies turn
  // included) for a cache validator nobody uses on this server.
  app.set('etag', false);
  // Whose X-Forwarded-For to believe for req.ip (recorded with every download, R12).
  app.set('trust proxy', deps.trustProxy ?? 'loopback');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.header('x-request-id');
    const id = header && /^[A-Za-z0-9._-]{1,64}$/.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // A download or export link's path is its secret token (R11, R13): log the route, not the path.
      // (Express routes case-insensitively: /DOWNLOADS/<token> is a download too.)
      const link = /^\/(downloads|exports)\//i.exec(req.path)?.[1];
      const path = link ? `/${link.toLowerCase()}/[token]` : req.path;
      deps.logger.debug({ correlationId: id, method: req.method, path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'http');
    });
    withCorrelation(id, () => next());
  });
  // After the request log (a shutdown's 503s are logged too), before every route.
  if (deps.drain) app.use(deps.drain.middleware);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Ready means "can serve users" (issue 14): turns, grants and keys need Postgres; the queue only
  // carries work the outbox keeps in Postgres until it is back. So Postgres down is 503 (take this
  // bot out), the queue down is 200 'degraded' (keep it in; jobs wait in the outbox) — a load
  // balancer would otherwise take every bot out on a Redis blip. Each check waits READINESS_CHECK_MS at most.
  app.get('/readyz', async (_req, res) => {
    const [pg, queue] = await Promise.all([withinReadinessTime(() => deps.readiness.postgres()), withinReadinessTime(() => deps.readiness.queue())]);
    const status = pg !== 'ok' ? 'not ready' : queue !== 'ok' ? 'degraded' : 'ready';
    res.status(pg === 'ok' ? 200 : 503).json({ status, postgres: pg, queue });
  });

  app.post(
    '/api/messages',
    express.json({ limit: MAX_ACTIVITY_BYTES, strict: true, type: () => true }),
    async (req: Request, res: Response) => {
      const parsed = activityShape.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        res.status(400).json({ error: 'not a Bot Framework activity', detail: `${issue.path.join('.') || 'body'}: ${issue.message}` });
        return;
      }
      const badId = unstorableId(parsed.data);
      if (badId) {
        res.status(400).json({ error: 'not a Bot Framework activity', detail: `${badId}: holds a NUL or an unpaired surrogate` });
        return;
      }
      let cleaned: Record<string, unknown>;
      try {
        cleaned = storable(parsed.data);
      } catch (err) {
        if (!(err instanceof TooDeep)) throw err;
        res.status(400).json({ error: 'not a Bot Framework activity', detail: `nested deeper than ${MAX_ACTIVITY_DEPTH} levels` });
        return;
      }
      // What botbuilder's CloudAdapter.process does after its own checks, on the activity checked above.
      const activity = withDates(cleaned as unknown as Activity);
      const authHeader = req.header('authorization') ?? '';
      try {
        const answer = await deps.teamsAdapter.runTurn(authHeader, activity, (ctx) => deps.teamsBot.run(ctx));
        res.status(answer?.status ?? 200);
        if (answer?.body) res.send(answer.body);
        res.end();
      } catch (err) {
        // Refused and unavailable are answered in a word: what failed (the key endpoint, its
        // error) is for the operator's log, not for whoever sent the request.
        if (err instanceof TeamsAuthRejected) {
          deps.logger.warn({ reason: err.reason, channelId: activity.channelId }, 'teams request refused: not authenticated');
          res.status(401).set('WWW-Authenticate', 'Bearer').type('text/plain').send('Unauthorized');
          return;
        }
        if (err instanceof SigningKeysUnavailable) {
          deps.logger.error({ err }, 'teams request not checked: the Bot Framework signing keys cannot be fetched');
          res.status(503).set('Retry-After', '30').type('text/plain').send('Service Unavailable');
          return;
        }
        deps.logger.error({ err }, 'teams turn failed');
        if (!res.headersSent) res.status(500).json({ error: 'internal error' });
      }
    },
  );
  return app;
}

/** Last handlers: 404 for unknown paths, 400/413 for unreadable bodies, 500 otherwise. */
export function finishHttpApp(app: Application, logger: Logger): void {
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; statusCode?: number };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'malformed JSON' });
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: 'request too large' });
      return;
    }
    const status = e.status ?? e.statusCode ?? 500;
    if (status >= 500) logger.error({ err }, 'http request failed');
    if (!res.headersSent) res.status(status).json({ error: status >= 500 ? 'internal error' : 'bad request' });
  });
}

/** How long /readyz waits for one check: a hanging Redis or Postgres answers 'unavailable', not a hanging probe. */
export const READINESS_CHECK_MS = 1000;

async function withinReadinessTime(check: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('readiness check timed out')), READINESS_CHECK_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}
