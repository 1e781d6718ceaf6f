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
import { currentCorrelationId, type Logger } from '../../services/logger.js';
import { show } from '../../dialogs/ui.js';

export function createTeamsAdapter(config: Config['teams'], logger: Logger): CloudAdapter {
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.appId ?? '',
    MicrosoftAppPassword: config.appPassword ?? '',
    MicrosoftAppType: config.appType,
    MicrosoftAppTenantId: config.appTenantId ?? '',
  };
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(options));
  adapter.onTurnError = async (ctx: TurnContext, error: Error) => {
    await reportTurnError(ctx, error, logger);
  };
  return adapter;
}

/** The one error path of a turn (both channels): log with the correlation id, tell the user. */
export async function reportTurnError(ctx: TurnContext, error: unknown, logger: Logger): Promise<void> {
  const correlationId = currentCorrelationId() ?? ctx.activity.id ?? 'unknown';
  logger.error({ err: error, channel: ctx.activity.channelId, activityType: ctx.activity.type }, 'turn failed');
  try {
    await show(ctx, { kind: 'notice', tone: 'error', messageKey: 'notice.error', params: { correlationId } });
  } catch (sendError) {
    logger.error({ err: sendError }, 'could not tell the user about a failed turn');
  }
}
