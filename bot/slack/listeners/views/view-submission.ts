import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewStateValue, ViewSubmitAction } from '@slack/bolt';
import { takeModalOrigin } from '../../adapter.js';
import type { SlackTurn } from '../../turn.js';

/**
 * What one input of a submitted modal holds, as the string a Teams card would send for it:
 * the typed text, the chosen option's value (a select), the picked day (a datepicker), the ticked options' values joined
 * by commas (a checkbox group: one box of value 'true' gives 'true'), or the uploaded files'
 * ids joined by commas (a file input: 'F1,F2'; the flow reads them through files.info, never
 * through the URLs the payload carries). Null when it holds nothing (left empty, nothing
 * chosen, no box ticked, no file): the field is then left out.
 */
export function inputValue(input: ViewStateValue): string | null {
  if (typeof input.value === 'string') return input.value;
  if (input.selected_option) return input.selected_option.value;
  // A datepicker: YYYY-MM-DD, as a Teams Input.Date sends it.
  if (typeof input.selected_date === 'string' && input.selected_date !== '') return input.selected_date;
  if (Array.isArray(input.selected_options) && input.selected_options.length > 0) return input.selected_options.map((o) => o.value).join(',');
  if (Array.isArray(input.files)) {
    const ids = input.files.map((f) => f.id).filter((id) => typeof id === 'string' && id !== '');
    if (ids.length > 0) return ids.join(',');
  }
  return null;
}

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
        const v = inputValue(input);
        if (v !== null) data[field] = v;
      }
    }
    // The message whose click opened the modal: the answer takes its place.
    const origin = takeModalOrigin(data);
    await turn({
      kind: 'view',
      teamId: body.team?.id ?? body.user.team_id ?? '',
      channelId: origin?.channelId,
      ...(origin ? { responseUrl: origin.responseUrl, ...(origin.ephemeral !== undefined ? { ephemeralOrigin: origin.ephemeral } : {}) } : {}),
      userId: body.user.id,
      userName: body.user.name ?? null,
      value: data,
      triggerId: body.trigger_id,
      requestKey: `view|${view.id}|${view.hash}`,
    });
  };
}
