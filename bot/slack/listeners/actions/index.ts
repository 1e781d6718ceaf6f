import type { App, BlockAction } from '@slack/bolt';
import type { SlackTurn } from '../../turn.js';
import { blockAction } from './block-action.js';

export function registerActions(app: App, turn: SlackTurn): void {
  app.action<BlockAction>({ type: 'block_actions' }, blockAction(turn));
}
