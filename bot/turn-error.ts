import type { TurnContext } from 'botbuilder';
import { notices, type NoticeScreen } from '../cards/index.js';
import { answerAsNewMessages, show } from '../dialogs/ui.js';
import { currentCorrelationId, type Logger } from '../services/logger.js';

/** A failed turn, logged with its correlation id; the notice to tell the user (with a "Request support" button). */
export function turnErrorNotice(ctx: TurnContext, error: unknown, logger: Logger): NoticeScreen {
  const correlationId = currentCorrelationId() ?? ctx.activity.id ?? 'unknown';
  logger.error({ err: error, channel: ctx.activity.channelId, activityType: ctx.activity.type }, 'turn failed');
  return notices.error(correlationId);
}

/** The one error path of a turn (both channels): log with the correlation id, tell the user. */
export async function reportTurnError(ctx: TurnContext, error: unknown, logger: Logger): Promise<void> {
  const notice = turnErrorNotice(ctx, error, logger);
  try {
    // A new message, also after a click on a card: the card stays, to be tried again.
    answerAsNewMessages(ctx);
    await show(ctx, notice);
  } catch (sendError) {
    logger.error({ err: sendError }, 'could not tell the user about a failed turn');
  }
}
