/**
 * The Bot Framework CloudAdapter. Without MicrosoftAppId it runs in emulator mode
 * (no token checked — local use only); with it, every request must carry a valid
 * Bot Framework token or gets 401.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
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

export function createTeamsAdapter(config: Config['teams'], logger: Logger): CloudAdapter {
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.appId ?? '',
    MicrosoftAppPassword: config.appPassword ?? '',
    MicrosoftAppType: config.appType,
    MicrosoftAppTenantId: config.appTenantId ?? '',
  };
  const adapter = new CloudAdapter(new ClientCachingAuthentication(new ConfigurationBotFrameworkAuthentication(options)));
  adapter.onTurnError = async (ctx: TurnContext, error: Error) => {
    // A proactive send (continueConversationAsync: notifications, a key sent to a personal
    // chat) must fail to its caller, which retries or reports it — not be swallowed here
    // and answered with an error card sent to the very conversation that just failed.
    if (isProactive(ctx)) throw error;
    await reportTurnError(ctx, error, logger);
  };
  return adapter;
}
