import type { TurnContext } from 'botbuilder';
import { notices } from '../cards/index.js';
import { answerAsNewMessages, show } from '../dialogs/ui.js';
import { currentCorrelationId, type Logger } from '../services/logger.js';

/** The one error path of a turn (both channels): log with the correlation id, tell the user. */
export async function reportTurnError(ctx: TurnContext, error: unknown, logger: Logger): Promise<void> {
  const correlationId = currentCorrelationId() ?? ctx.activity.id ?? 'unknown';
  logger.error({ err: error, channel: ctx.activity.channelId, activityType: ctx.activity.type }, 'turn failed');
  try {
    // With a "Request support" button: the support flow takes it from there. A new message, also
    // after a click on a card: the card stays, to be tried again.
    answerAsNewMessages(ctx);
    await show(ctx, notices.error(correlationId));
  } catch (sendError) {
    logger.error({ err: sendError }, 'could not tell the user about a failed turn');
  }
}
