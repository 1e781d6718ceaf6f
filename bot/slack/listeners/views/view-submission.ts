import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { SlackTurn } from '../../turn.js';

/**
 * A modal submitted. `private_metadata` carries the submit data of the step that
 * opened it (JSON, validated by the dialog runner); the inputs' values are merged
 * in by block id, each input's action_id naming the field.
 */
export function viewSubmission(turn: SlackTurn) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    let data: Record<string, unknown> = { action: '' };
    try {
      const parsed: unknown = JSON.parse(view.private_metadata || '{}');
      if (parsed && typeof parsed === 'object') data = { ...(parsed as Record<string, unknown>) };
    } catch {
      data = { action: '' };
    }
    for (const block of Object.values(view.state.values)) {
      for (const [field, input] of Object.entries(block)) {
        const v = input.value ?? input.selected_option?.value ?? null;
        if (v !== null && v !== undefined) data[field] = v;
      }
    }
    await turn({
      kind: 'view',
      teamId: body.team?.id ?? body.user.team_id ?? '',
      channelId: undefined,
      userId: body.user.id,
      userName: body.user.name ?? null,
      value: data,
      triggerId: body.trigger_id,
      requestKey: `view|${view.id}|${view.hash}`,
    });
  };
}
