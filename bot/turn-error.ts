import type { TurnContext } from 'botbuilder';
import { DialogContextError } from 'botbuilder-dialogs';
import { notices, type NoticeScreen } from '../cards/index.js';
import { answerAsNewMessages, show } from '../dialogs/ui.js';
import { currentCorrelationId, type Logger } from '../services/logger.js';
import { partnerCenterTrouble } from '../services/partner-center/errors.js';

/**
 * A failed turn, logged with its correlation id; the notice to tell the user: Partner Center not
 * answering (the user may simply repeat: purchases and cancellations are idempotent), its consent
 * to be renewed by the operator, or anything else (with a "Request support" button).
 */
export function turnErrorNotice(ctx: TurnContext, thrown: unknown, logger: Logger): NoticeScreen {
  const correlationId = currentCorrelationId() ?? ctx.activity.id ?? 'unknown';
  // botbuilder-dialogs wraps what a dialog throws (DialogContextError, the original as `error`).
  let error = thrown;
  while (error instanceof DialogContextError) error = error.error;
  const log = { err: error, channel: ctx.activity.channelId, activityType: ctx.activity.type };
  switch (partnerCenterTrouble(error)) {
    case 'consent':
      // The token source logged the operator's error line already (naming the consent command).
      logger.warn(log, 'turn failed: Partner Center consent');
      return notices.backendConsent(correlationId);
    case 'unavailable':
      logger.warn(log, 'turn failed: Partner Center did not answer');
      return notices.backendUnavailable(correlationId);
    case undefined:
      break;
  }
  logger.error(log, 'turn failed');
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
