import type { Channel } from '../services/access/roles.js';
import { t, tKey, type Locale, type MessageKey } from './i18n/index.js';
import type { HelpCommand, HelpScreen } from './screens.js';

const ARGUMENTS: Record<string, MessageKey> = {
  customer: 'arg.customer',
  product: 'arg.product',
  'order id': 'arg.orderId',
  from: 'arg.from',
  to: 'arg.to',
  name: 'arg.name',
};

/** The registry's usage (`[customer] [product]`, English as in the manifests) in the reader's language. */
export function localUsage(usage: string, locale: Locale): string {
  return usage.replace(/\[([^\]]+)\]/g, (whole, word: string) => {
    const key = ARGUMENTS[word];
    return key ? `[${t(locale, key)}]` : whole;
  });
}

/** How the user types the command: `/csp buy [customer] [product]` on Slack, `buy [customer] [product]` in Teams. */
export function commandLine(command: Pick<HelpCommand, 'name' | 'usage'>, channel: Channel, locale: Locale = 'en'): string {
  const words = [channel === 'slack' ? '/csp' : '', command.name, localUsage(command.usage, locale)].filter((w) => w.length > 0);
  return words.join(' ');
}

export function helpText(screen: HelpScreen, locale: Locale): string {
  if (screen.commands.length === 0) return `${t(locale, 'help.title')}\n${t(locale, 'help.noCommands')}`;
  const lines = screen.commands.map((c) => {
    const soon = c.available ? '' : ` (${t(locale, 'help.comingSoon')})`;
    return `• ${commandLine(c, screen.channel, locale)}: ${tKey(locale, c.descriptionKey)}${soon}`;
  });
  return [t(locale, 'help.title'), ...lines].join('\n');
}
