/**
 * The command registry: the one list of what a user can ask the bot. It drives
 * `help` (filtered by the user's roles), the Teams manifest's commandLists and the
 * Slack manifest's /csp usage hint — a test fails when the manifests drift from it.
 * `available: false` marks a command whose flow is not built yet: it is listed in
 * help as "coming soon" and answered with a clear message, never silently ignored.
 */
import { CAPABILITY_ROLES, type Capability } from '../services/access/capabilities.js';
import type { Role } from '../services/access/roles.js';

export interface CommandSpec {
  /** The word typed in Teams and after `/csp` in Slack. */
  name: string;
  /** Message-catalog key of the one-line description (≤ 128 chars in every locale). */
  descriptionKey: string;
  /** Arguments hint shown in help, e.g. `[customer]`. */
  usage: string;
  /** What the command does, as the access table names it (services/access/capabilities.ts). */
  capability: Capability;
  /** Who may run it: the capability's roles. Empty: everybody of an onboarded partner. */
  roles: readonly Role[];
  /** Whether the flow exists in this build. */
  available: boolean;
  /** Other words for the same command (not listed in help or the manifests). */
  aliases?: readonly string[];
}

type CommandEntry = Omit<CommandSpec, 'roles'>;

/** The registry's rows; each command's roles are its capability's (never written here). */
const ENTRIES: readonly CommandEntry[] = [
  { name: 'help', capability: 'everyone', descriptionKey: 'command.help', usage: '', available: true },
  { name: 'buy', capability: 'buy', descriptionKey: 'command.buy', usage: '[customer] [product]', available: true },
  { name: 'orders', capability: 'orders', descriptionKey: 'command.orders', usage: '[customer]', available: true },
  { name: 'keys', capability: 'keys', descriptionKey: 'command.keys', usage: '[customer]', available: true, aliases: ['software'] },
  { name: 'cancel', capability: 'cancel', descriptionKey: 'command.cancel', usage: '[customer] [order id]', available: true },
  { name: 'activity', capability: 'audit', descriptionKey: 'command.activity', usage: '[from] [to]', available: true },
  { name: 'support', capability: 'support', descriptionKey: 'command.support', usage: '[order id]', available: true },
  { name: 'roles', capability: 'roles', descriptionKey: 'command.roles', usage: '[name]', available: true },
  { name: 'language', capability: 'everyone', descriptionKey: 'command.language', usage: '[en|de|auto]', available: true, aliases: ['sprache'] },
  { name: 'whoami', capability: 'everyone', descriptionKey: 'command.whoami', usage: '', available: true },
];

export const COMMANDS: readonly CommandSpec[] = ENTRIES.map((c) => ({ ...c, roles: CAPABILITY_ROLES[c.capability] }));

export function findCommand(name: string): CommandSpec | undefined {
  const n = name.trim().toLowerCase();
  return COMMANDS.find((c) => c.name === n || c.aliases?.includes(n));
}
