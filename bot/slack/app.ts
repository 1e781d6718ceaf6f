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
        }),
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
