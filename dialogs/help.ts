/** `help`: the commands this user's roles allow — generated from the command registry. */
import type { TurnContext } from 'botbuilder';
import { COMMANDS } from './commands.js';
import { hasAnyRole, type Actor } from '../services/access/roles.js';
import { show } from './ui.js';

export function commandsFor(actor: Pick<Actor, 'roles'>) {
  return COMMANDS.filter((c) => hasAnyRole(actor, c.roles));
}

export async function showHelp(ctx: TurnContext, actor: Actor): Promise<void> {
  await show(ctx, {
    kind: 'help',
    // How a command is typed depends on the user's channel (`/csp help` on Slack).
    channel: actor.channel,
    commands: commandsFor(actor).map((c) => ({ name: c.name, usage: c.usage, descriptionKey: c.descriptionKey, available: c.available })),
  });
}
