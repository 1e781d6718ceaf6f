import type { App } from '@slack/bolt';
import type { SlackTurn } from '../../turn.js';
import { cspCommand } from './csp.js';

export function registerCommands(app: App, turn: SlackTurn): void {
  app.command('/csp', cspCommand(turn));
}
