/**
 * What the manifests must say about commands, derived from the command registry
 * (dialogs/commands.ts) and the English catalog. The build script and the tests compare
 * the checked-in manifests with these; any difference is drift and fails.
 */
import { COMMANDS, type CommandSpec } from '../dialogs/commands.js';
import { tKey } from '../cards/i18n/index.js';

/** Teams' documented limits for a bot's command menu (stricter than the newest schema). */
export const TEAMS_COMMAND_LIMITS = { commandsPerList: 10, title: 32, description: 128 } as const;
export const SLACK_USAGE_HINT_MAX = 1000;
export const TEAMS_BOT_SCOPES = ['personal', 'team', 'groupChat'] as const;

export interface TeamsCommandList {
  scopes: Array<(typeof TEAMS_BOT_SCOPES)[number]>;
  commands: Array<{ title: string; description: string }>;
}

export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ManifestError';
  }
}

/** One list per scope, every command in registry order, English descriptions. */
export function teamsCommandLists(commands: readonly CommandSpec[] = COMMANDS): TeamsCommandList[] {
  const problems: string[] = [];
  if (commands.length > TEAMS_COMMAND_LIMITS.commandsPerList) {
    problems.push(`${commands.length} commands, but a Teams command list holds at most ${TEAMS_COMMAND_LIMITS.commandsPerList}`);
  }
  const items = commands.map((c) => {
    const description = tKey('en', c.descriptionKey);
    if (c.name.length > TEAMS_COMMAND_LIMITS.title) problems.push(`command title "${c.name}" is over ${TEAMS_COMMAND_LIMITS.title} chars`);
    if (description === c.descriptionKey) problems.push(`command "${c.name}": ${c.descriptionKey} is not in the message catalog`);
    if (description.length > TEAMS_COMMAND_LIMITS.description) {
      problems.push(`command "${c.name}": description is ${description.length} chars, over ${TEAMS_COMMAND_LIMITS.description}`);
    }
    return { title: c.name, description };
  });
  if (problems.length > 0) throw new ManifestError(problems);
  return TEAMS_BOT_SCOPES.map((scope) => ({ scopes: [scope], commands: items }));
}

/** "help | buy [customer] [product] | …" for Slack's /csp. */
export function slackUsageHint(commands: readonly CommandSpec[] = COMMANDS): string {
  const hint = commands.map((c) => [c.name, c.usage].filter((w) => w.length > 0).join(' ')).join(' | ');
  if (hint.length > SLACK_USAGE_HINT_MAX) throw new ManifestError([`the /csp usage hint is ${hint.length} chars, over ${SLACK_USAGE_HINT_MAX}`]);
  return hint;
}
