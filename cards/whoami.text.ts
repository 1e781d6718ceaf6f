import { roleList, t, type Locale } from './i18n/index.js';
import type { WhoamiScreen } from './screens.js';

export interface WhoamiFact {
  title: string;
  value: string;
}

export function whoamiFacts(screen: WhoamiScreen, locale: Locale): WhoamiFact[] {
  return [
    { title: t(locale, 'whoami.name'), value: screen.displayName?.trim() || t(locale, 'whoami.unknownName') },
    { title: t(locale, 'whoami.partner'), value: screen.partnerName },
    { title: t(locale, 'whoami.roles'), value: screen.roles.length > 0 ? roleList(locale, screen.roles) : '–' },
    { title: t(locale, 'whoami.channel'), value: t(locale, `channel.${screen.channel}`) },
  ];
}

export function whoamiText(screen: WhoamiScreen, locale: Locale): string {
  const lines = [t(locale, 'whoami.title'), ...whoamiFacts(screen, locale).map((f) => `${f.title}: ${f.value}`)];
  if (screen.roles.length === 0) lines.push(t(locale, 'whoami.noRoles'));
  return lines.join('\n');
}
