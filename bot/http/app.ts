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
import { cleanStrings, isRecord, TooDeep, unstorable } from '../../services/db/storable.js';

export interface Readiness {
  postgres(): Promise<void>;
  queue(): Promise<void>;
}

/** A text field the reply echoes back to the connector, which refuses any other type in it. */
const text = z.string().nullish();
/**
 * A conversation id becomes a header of every reply (x-ms-conversation-id): one Node cannot put in a
 * header (a control character, anything past Latin-1) would fail the reply inside the turn.
 */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]+$/;

/**
 * The least an activity must have for the bot to do anything with it, and the type of every field
 * the turn or its replies read (issue 14: a field of another type failed inside the turn instead).
 */
const activityShape = z.object({
  // Activity types and channel ids are words ('conversationUpdate', 'msteams'): one of NULs only is none.
  type: z.string().regex(/^[A-Za-z]{1,64}$/, 'not an activity type'),
  id: z.string().max(512).nullish(),
  name: z.string().max(256).nullish(),
  channelId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'not a channel id'),
  // Where replies go: an http(s) URL, or none when every reply is in the answer (see `needsServiceUrl`).
  serviceUrl: z.string().max(2048).refine(isHttpUrl, 'not an http(s) URL').nullish(),
  deliveryMode: text,
  from: z.object({ id: z.string().min(1).max(512), name: text, aadObjectId: text, role: text }).passthrough(),
  conversation: z.object({
    id: z.string().min(1).max(1024).regex(HEADER_SAFE, 'holds a character no HTTP header can carry'),
    name: text, conversationType: text, tenantId: text, aadObjectId: text, role: text,
    isGroup: z.boolean().nullish(),
  }).passthrough(),
  // Every activity Teams sends a bot names the bot as its recipient; the turn reads it (mentions, references).
  recipient: z.object({ id: z.string().max(512), name: text, aadObjectId: text, role: text }).passthrough(),
  // A locale that is not one (a number, an object) is dropped, not trusted: the turn — and its
  // error card — then speaks the default language instead of failing before it can answer (issue 14).
  locale: z.string().max(64).optional().catch(undefined),
}).passthrough()
  .refine((a) => (a.serviceUrl !== undefined && a.serviceUrl !== null) || !needsServiceUrl(a), { path: ['serviceUrl'], message: 'required: this activity is answered through the connector' })
  .refine((a) => a.type !== 'invoke' || ANSWERED_INVOKES.has(a.name ?? ''), { path: ['name'], message: 'not an invoke this bot answers' });

/** The invokes the bot answers: a card's Action.Execute. Teams sends no other to an app whose manifest declares none. */
const ANSWERED_INVOKES: ReadonlySet<string> = new Set(['adaptiveCard/action']);

/** Whether some reply goes through the connector (to serviceUrl): all but a message answered in the response body (expectReplies). */
function needsServiceUrl(a: { type: string; deliveryMode?: string | null }): boolean {
  return a.type === 'invoke' || a.deliveryMode !== 'expectReplies';
}

function isHttpUrl(url: string): boolean {
  return URL.canParse(url) && ['http:', 'https:'].includes(new URL(url).protocol);
}

export const MAX_ACTIVITY_BYTES = 256 * 1024;

/**
 * What the turn reads, made safe to use and to store (issue 14): text Postgres cannot hold (NUL,
 * a lone surrogate half) is cleaned in every string, and what Teams never sends but objects of a
 * kind is dropped when it is not: list items of `entities` (a string type; a mention names whom it
 * mentions, as botbuilder's getMentions reads them), `attachments` (a string contentType),
 * `membersAdded`/`membersRemoved` (an id); `channelData` that is no object (botbuilder reads
 * its fields unguarded) is an empty one. Such an activity used to reach the turn and fail inside it.
 */
function storable(activity: Record<string, unknown>): Record<string, unknown> {
  const cleaned = cleanStrings(activity) as Record<string, unknown>;
  const kept: Record<string, (item: Record<string, unknown>) => boolean> = {
    entities: (e) => typeof e.type === 'string' && (e.type.toLowerCase() !== 'mention' || (isRecord(e.mentioned) && typeof (e.text ?? '') === 'string')),
    attachments: (a) => typeof a.contentType === 'string',
    membersAdded: (m) => typeof m.id === 'string',
    membersRemoved: (m) => typeof m.id === 'string',
  };
  for (const [field, keep] of Object.entries(kept)) {
    const list = cleaned[field];
    if (list === undefined || list === null) continue;
    cleaned[field] = Array.isArray(list) ? list.filter((item) => isRecord(item) && keep(item)) : [];
  }
  if (cleaned.channelData !== undefined && !isRecord(cleaned.channelData)) cleaned.channelData = {};
  if (cleaned.channelId === 'msteams' && cleaned.channelData === undefined) cleaned.channelData = {};
  return cleaned;
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
  for (const [name, id] of ids) if (unstorable(id)) return name;
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
      // Refused before the turn (and before authentication): one info line with what kind of
      // activity it was — protocol fields only, never its content — so that an activity Teams starts
      // sending (a new invoke, after a manifest change) is seen being refused.
      const refuse = (detail: string) => {
        const body = isRecord(req.body) ? req.body : {};
        const word = (v: unknown) => (typeof v === 'string' ? v.slice(0, 64) : undefined);
        deps.logger.info({ type: word(body.type), name: word(body.name), channelId: word(body.channelId), detail: detail.slice(0, 200) }, 'teams: refused an activity (400)');
        res.status(400).json({ error: 'not a Bot Framework activity', detail });
      };
      const parsed = activityShape.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        refuse(`${issue.path.join('.') || 'body'}: ${issue.message}`);
        return;
      }
      const badId = unstorableId(parsed.data);
      if (badId) {
        refuse(`${badId}: holds a NUL or an unpaired surrogate`);
        return;
      }
      let cleaned: Record<string, unknown>;
      try {
        cleaned = storable(parsed.data);
      } catch (err) {
        if (!(err instanceof TooDeep)) throw err;
        refuse(err.message);
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
