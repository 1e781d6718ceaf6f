import type { App, ViewSubmitAction } from '@slack/bolt';
import type { SlackTurn } from '../../turn.js';
import { viewSubmission } from './view-submission.js';

export function registerViews(app: App, turn: SlackTurn): void {
  app.view<ViewSubmitAction>({ type: 'view_submission' }, viewSubmission(turn));
}
