/** `help`: the commands this user's roles allow — generated from the command registry. */
import type { TurnContext } from 'botbuilder';
import { COMMANDS } from './commands.js';
import { hasAnyRole, type Actor } from '../services/access/roles.js';
import { show, isSlack } from './ui.js';

export function commandsFor(actor: Pick<Actor, 'roles'>) {
  return COMMANDS.filter((c) => hasAnyRole(actor, c.roles));
}

export async function showHelp(ctx: TurnContext, actor: Actor): Promise<void> {
  await show(ctx, {
    kind: 'help',
    channel: isSlack(ctx) ? 'slack' : 'msteams',
    commands: commandsFor(actor).map((c) => ({ name: c.name, usage: c.usage, descriptionKey: c.descriptionKey, available: c.available })),
  });
}
