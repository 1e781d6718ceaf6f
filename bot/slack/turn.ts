import type { SlackInbound } from './adapter.js';

/** Runs one Slack request as a dialog turn (built in bot/slack/app.ts). */
export type SlackTurn = (inbound: SlackInbound) => Promise<void>;
