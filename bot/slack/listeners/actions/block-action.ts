import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackTurn } from '../../turn.js';

/**
 * A button or menu in one of our messages. Its `value` is the card's submit data as
 * JSON; it is passed on as-is and validated by the dialog runner, which answers
 * anything malformed as an invalid submit ("nothing was changed"). Clicks on link
 * buttons are acknowledged and otherwise ignored.
 */
export function blockAction(turn: SlackTurn) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    // A link button (e.g. Download) opens its URL in the browser; Slack reports the click
    // too, but there is nothing for the bot to do.
    if ('url' in action && typeof action.url === 'string' && action.url !== '') return;
    const raw = 'value' in action && typeof action.value === 'string' ? action.value
      : 'selected_option' in action && action.selected_option ? action.selected_option.value : undefined;
    await turn({
      kind: 'action',
      teamId: body.team?.id ?? body.user.team_id ?? '',
      channelId: body.channel?.id,
      userId: body.user.id,
      userName: body.user.name ?? null,
      // The JSON string as sent; validated with the other submit data in dialogs/input.ts.
      value: raw ?? { action: '' },
      responseUrl: body.response_url,
      ephemeralOrigin: body.container?.is_ephemeral === true,
      triggerId: body.trigger_id,
      requestKey: `${body.trigger_id}|${action.action_id}`,
    });
  };
}
