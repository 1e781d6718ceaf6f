import { adaptiveCard, factSet, heading, textBlock, type AdaptiveCardJson, type CardElement } from './adaptive.js';
import { t, type Locale } from './i18n/index.js';
import type { WhoamiScreen } from './screens.js';
import { whoamiFacts, whoamiText } from './whoami.text.js';

export function whoamiTeams(screen: WhoamiScreen, locale: Locale): AdaptiveCardJson {
  // FactSet values come from the directory (display name) and our own partner table.
  const body: CardElement[] = [heading(t(locale, 'whoami.title')), factSet(whoamiFacts(screen, locale))];
  if (screen.roles.length === 0) body.push(textBlock(t(locale, 'whoami.noRoles'), { color: 'Warning' }));
  return adaptiveCard(body, { fallbackText: whoamiText(screen, locale) });
}
