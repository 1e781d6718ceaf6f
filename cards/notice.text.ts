import { formatInstant } from './format.js';
import { roleAlternatives, t, type Locale, type MessageParams } from './i18n/index.js';
import type { NoticeScreen } from './screens.js';

export function noticeMessage(screen: NoticeScreen, locale: Locale): string {
  const params: MessageParams = { ...screen.params };
  if (screen.roles) params.roles = roleAlternatives(locale, screen.roles);
  for (const [name, iso] of Object.entries(screen.instants ?? {})) params[name] = formatInstant(iso, locale);
  return t(locale, screen.messageKey, params);
}

export function noticeText(screen: NoticeScreen, locale: Locale): string {
  return noticeMessage(screen, locale);
}
