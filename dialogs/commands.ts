/**
 * The command registry: the one list of what a user can ask the bot. It drives
 * `help` (filtered by the user's roles), the Teams manifest's commandLists and the
 * Slack manifest's /csp usage hint — a test fails when the manifests drift from it.
 * `available: false` marks a command whose flow is not built yet: it is listed in
 * help as "coming soon" and answered with a clear message, never silently ignored.
 */
import type { Role } from '../services/access/roles.js';

export interface CommandSpec {
  /** The word typed in Teams and after `/csp` in Slack. */
  name: string;
  /** Message-catalog key of the one-line description (≤ 128 chars in every locale). */
  descriptionKey: string;
  /** Arguments hint shown in help, e.g. `[customer]`. */
  usage: string;
  /** Empty: everybody of an onboarded partner. */
  roles: readonly Role[];
  /** Whether the flow exists in this build. */
  available: boolean;
  /** Other words for the same command (not listed in help or the manifests). */
  aliases?: readonly string[];
}

const AUDITORS: readonly Role[] = ['global_admin', 'account_admin', 'referral_admin', 'marketing_content_admin'];

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'help', descriptionKey: 'command.help', usage: '', roles: [], available: true },
  { name: 'buy', descriptionKey: 'command.buy', usage: '[customer] [product]', roles: ['admin_agent', 'global_admin'], available: true },
  { name: 'orders', descriptionKey: 'command.orders', usage: '[customer]', roles: ['admin_agent', 'global_admin'], available: true },
  { name: 'keys', descriptionKey: 'command.keys', usage: '[customer]', roles: ['admin_agent'], available: true, aliases: ['software'] },
  { name: 'cancel', descriptionKey: 'command.cancel', usage: '[customer] [order id]', roles: ['admin_agent'], available: false },
  { name: 'activity', descriptionKey: 'command.activity', usage: '[from] [to]', roles: AUDITORS, available: false },
  { name: 'support', descriptionKey: 'command.support', usage: '[order id]', roles: [], available: false },
  { name: 'roles', descriptionKey: 'command.roles', usage: '[name]', roles: ['global_admin'], available: true },
  { name: 'whoami', descriptionKey: 'command.whoami', usage: '', roles: [], available: true },
];

export function findCommand(name: string): CommandSpec | undefined {
  const n = name.trim().toLowerCase();
  return COMMANDS.find((c) => c.name === n || c.aliases?.includes(n));
}
