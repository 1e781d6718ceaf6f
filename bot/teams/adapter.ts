/**
 * The Bot Framework CloudAdapter. Without MicrosoftAppId it runs in emulator mode
 * (no token checked — local use only); with it, every request must carry a valid
 * Bot Framework token or gets 401.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Config } from '../../services/config.js';
import type { Logger } from '../../services/logger.js';
import { reportTurnError } from '../turn-error.js';
import { ClientCachingAuthentication } from './client-cache.js';

/** The turn botbuilder makes up for continueConversationAsync. */
function isProactive(ctx: TurnContext): boolean {
  return ctx.activity.type === 'event' && ctx.activity.name === 'ContinueConversation';
}

/**
 * CloudAdapter with its turn entry open to our own HTTP route (bot/http/app.ts), which has
 * already read and checked the activity: `process(req, res)` would check it again by
 * building three zod schemas per request (botbuilder's cloudAdapter.js), about 3% of a
 * purchase turn's CPU in the benchmark.
 */
export class TeamsAdapter extends CloudAdapter {
  /** Authenticates `authHeader` (401 via AuthenticationError when it fails) and runs the turn; for expectReplies the replies are in the answer's body. */
  runTurn(authHeader: string, activity: Activity, logic: (ctx: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

export function createTeamsAdapter(config: Config['teams'], logger: Logger): TeamsAdapter {
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.appId ?? '',
    MicrosoftAppPassword: config.appPassword ?? '',
    MicrosoftAppType: config.appType,
    MicrosoftAppTenantId: config.appTenantId ?? '',
  };
  const adapter = new TeamsAdapter(new ClientCachingAuthentication(new ConfigurationBotFrameworkAuthentication(options)));
  adapter.onTurnError = async (ctx: TurnContext, error: Error) => {
    // A proactive send (continueConversationAsync: notifications, a key sent to a personal
    // chat) must fail to its caller, which retries or reports it — not be swallowed here
    // and answered with an error card sent to the very conversation that just failed.
    if (isProactive(ctx)) throw error;
    await reportTurnError(ctx, error, logger);
  };
  return adapter;
}
