/**
 * The Slack side: a Bolt App on the bot's own HTTP server (`/slack/events`, signature
 * verified by Bolt's ExpressReceiver: forged or stale requests get 401), or in Socket
 * Mode when SLACK_APP_TOKEN is set. Listeners ack() first and then run the turn.
 */
import { App, ExpressReceiver } from '@slack/bolt';
import { slackLogger } from './logger.js';
import type { Application } from 'express';
import { withCorrelation, type Logger } from '../../services/logger.js';
import type { Config } from '../../services/config.js';
import type { DialogRunner } from '../../dialogs/runner.js';
import { reportTurnError } from '../turn-error.js';
import { SlackAdapter } from './adapter.js';
import { registerActions } from './listeners/actions/index.js';
import { registerCommands } from './listeners/commands/index.js';
import { registerViews } from './listeners/views/index.js';
import type { SlackTurn } from './turn.js';


export interface SlackSide {
  app: App;
  adapter: SlackAdapter;
  socketMode: boolean;
  /** Resolves when every turn that was started has finished (graceful shutdown). */
  drain(): Promise<void>;
}

export function createSlackSide(opts: {
  config: Config['slack'];
  expressApp: Application;
  runner: DialogRunner;
  logger: Logger;
}): SlackSide | null {
  const { config, logger } = opts;
  if (!config.signingSecret || !config.botToken) return null;
  const socketMode = Boolean(config.appToken);
  const clientOptions = config.apiUrl ? { slackApiUrl: config.apiUrl } : {};
  const common = {
    token: config.botToken,
    logger: slackLogger(logger, 'slack-bolt'),
    clientOptions,
  };
  if (!socketMode) {
    // Bolt refuses requests signed more than 5 minutes ago; one "signed" in the future is
    // just as suspicious (a replay prepared in advance, or a skewed clock).
    opts.expressApp.use('/slack/events', (req, res, next) => {
      const ts = Number(req.header('x-slack-request-timestamp'));
      if (Number.isFinite(ts) && ts - Date.now() / 1000 > 300) {
        res.status(401).json({ error: 'request timestamp is in the future' });
        return;
      }
      next();
    });
  }
  const app = socketMode
    ? new App({ ...common, socketMode: true, appToken: config.appToken })
    : new App({
        ...common,
        receiver: new ExpressReceiver({
          signingSecret: config.signingSecret,
          endpoints: '/slack/events',
          app: opts.expressApp,
          logger: slackLogger(logger, 'slack-bolt'),
          // A signed request Bolt cannot make sense of (payload=null, no user, a view_submission
          // without its view…) was a 500 with nothing logged: a 400, and a line saying what it was.
          processEventErrorHandler: async ({ error, request, response }) => {
            const type = payloadTypeOf((request as { body?: unknown }).body);
            if (response.headersSent) {
              logger.error({ err: error, type }, 'slack: a request failed after it was acknowledged');
              return false;
            }
            logger.warn({ err: error, type }, 'slack: refused a request it could not read (400)');
            response.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
            response.end(JSON.stringify({ error: 'malformed Slack request' }));
            await Promise.resolve();
            return true;
          },
        }),
      });
  // Payload types without a listener here (shortcuts, message actions, view_closed, block_suggestion,
  // Events API callbacks) are acknowledged at once and logged: Bolt held them 3 s, then answered 404.
  app.use(async (args) => {
    const body = args.body as { type?: unknown; command?: unknown; actions?: unknown };
    // A block_actions without an action would never reach the listener (Bolt's action matching drops it).
    const action = body.type === 'block_actions' && Array.isArray(body.actions) && body.actions.length > 0;
    if (typeof body.command === 'string' || action || body.type === 'view_submission') {
      await args.next();
      return;
    }
    logger.info({ type: payloadTypeOf(body) }, 'slack: acknowledged a request the bot does not handle');
    if ('ack' in args && typeof args.ack === 'function') await args.ack();
  });

  const adapter = new SlackAdapter(app.client, logger);
  adapter.onTurnError = (ctx, error) => reportTurnError(ctx, error, logger);

  const inFlight = new Set<Promise<void>>();
  const turn: SlackTurn = (inbound) => {
    const work = withCorrelation(`slack:${inbound.teamId}:${inbound.requestKey ?? Date.now()}`, () =>
      adapter.processInbound(inbound, (ctx, who) => opts.runner.run(ctx, who)),
    );
    inFlight.add(work);
    return work.finally(() => inFlight.delete(work));
  };
  registerCommands(app, turn);
  registerActions(app, turn);
  registerViews(app, turn);
  app.error(async (error) => {
    logger.error({ err: error }, 'slack listener failed');
    await Promise.resolve();
  });
  return {
    app,
    adapter,
    socketMode,
    drain: async () => {
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** What kind of Slack request a body is, for a log line (never its content). */
function payloadTypeOf(body: unknown): string {
  if (!body || typeof body !== 'object') return 'unreadable';
  const b = body as { type?: unknown; command?: unknown; payload?: unknown };
  if (typeof b.command === 'string') return 'slash_command';
  if (typeof b.type === 'string') return b.type.slice(0, 40);
  return typeof b.payload === 'string' ? 'unreadable payload' : 'unknown';
}
