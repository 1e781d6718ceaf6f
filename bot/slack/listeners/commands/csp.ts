import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { SlackTurn } from '../../turn.js';

/** `/csp <command> [args]` — ack at once, then run the turn (the reply goes to response_url). */
export function cspCommand(turn: SlackTurn) {
  return async ({ ack, command }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    await turn({
      kind: 'command',
      teamId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      userName: command.user_name ?? null,
      text: command.text ?? '',
      responseUrl: command.response_url,
      triggerId: command.trigger_id,
      requestKey: command.trigger_id,
    });
  };
}
