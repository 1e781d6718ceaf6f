/**
 * The Slack side: a Bolt App on the bot's own HTTP server (`/slack/events`, signature
 * verified by Bolt's ExpressReceiver: forged or stale requests get 401), or in Socket
 * Mode when SLACK_APP_TOKEN is set. Listeners ack() first and then run the turn.
 */
import { App, ExpressReceiver } from '@slack/bolt';
import { slackLogger } from './logger.js';
import type { Application, Request, Response } from 'express';
import { checkSlackRequest, typeOf, type SlackVerdict } from './edge.js';
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
        receiver: new CheckedReceiver(logger, {
          signingSecret: config.signingSecret,
          endpoints: '/slack/events',
          app: opts.expressApp,
          logger: slackLogger(logger, 'slack-bolt'),
          // What Bolt still cannot make sense of after the edge check: a 400 and a line saying what it was.
          processEventErrorHandler: async ({ error, request, response }) => {
            const type = typeOf((request as { body?: unknown }).body);
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
  // Over HTTP the receiver has checked (and cleaned) the request before Bolt sees it: checking it
  // again here would copy every body twice. In Socket Mode this is the check: what the listeners
  // cannot take is acknowledged (Slack would send an unanswered one again) and logged; what they
  // take is cleaned in place (Bolt's `payload`, `action`, `view` and `command` are references into
  // the body).
  if (socketMode) {
    app.use(async (args) => {
      const verdict = checkSlackRequest(args.body);
      if (verdict.kind === 'take') {
        verdict.clean(args.body as unknown as Record<string, unknown>);
        await args.next();
        return;
      }
      logVerdict(logger, verdict);
      if ('ack' in args && typeof args.ack === 'function') await args.ack();
    });
  }

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

/**
 * Bolt's HTTP receiver with the edge check (bot/slack/edge.ts) between the signature check and Bolt:
 * a request no listener takes is acknowledged at once, one that is not what Slack sends is refused,
 * and the rest goes on cleaned.
 */
class CheckedReceiver extends ExpressReceiver {
  constructor(
    private readonly log: Logger,
    options: ConstructorParameters<typeof ExpressReceiver>[0],
  ) {
    super(options);
  }

  override async requestHandler(req: Request, res: Response): Promise<void> {
    const verdict = checkSlackRequest(req.body);
    if (verdict.kind === 'take') {
      req.body = verdict.body;
      await super.requestHandler(req, res);
      return;
    }
    logVerdict(this.log, verdict);
    if (verdict.kind === 'ignore') res.status(200).end();
    else res.status(400).json({ error: 'malformed Slack request', detail: verdict.detail });
  }
}

function logVerdict(logger: Logger, verdict: Exclude<SlackVerdict, { kind: 'take' }>): void {
  if (verdict.kind === 'ignore') logger.info({ type: verdict.type }, 'slack: acknowledged a request the bot does not handle');
  else logger.warn({ type: verdict.type, detail: verdict.detail }, 'slack: refused a request it could not read (400)');
}
