import type { Channel } from '../services/access/roles.js';
import { t, tKey, type Locale } from './i18n/index.js';
import type { HelpCommand, HelpScreen } from './screens.js';

/** How the user types the command: `/csp buy [customer] [product]` on Slack, `buy [customer] [product]` in Teams. */
export function commandLine(command: Pick<HelpCommand, 'name' | 'usage'>, channel: Channel): string {
  const words = [channel === 'slack' ? '/csp' : '', command.name, command.usage].filter((w) => w.length > 0);
  return words.join(' ');
}

export function helpText(screen: HelpScreen, locale: Locale): string {
  if (screen.commands.length === 0) return `${t(locale, 'help.title')}\n${t(locale, 'help.noCommands')}`;
  const lines = screen.commands.map((c) => {
    const soon = c.available ? '' : ` (${t(locale, 'help.comingSoon')})`;
    return `• ${commandLine(c, screen.channel)}: ${tKey(locale, c.descriptionKey)}${soon}`;
  });
  return [t(locale, 'help.title'), ...lines].join('\n');
}
