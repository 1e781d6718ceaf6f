import { formatInstant } from './format.js';
import { isMessageKey, roleAlternatives, t, type Locale, type MessageParams } from './i18n/index.js';
import type { NoticeScreen } from './screens.js';

export function noticeMessage(screen: NoticeScreen, locale: Locale): string {
  const params: MessageParams = { ...screen.params };
  if (screen.roles) params.roles = roleAlternatives(locale, screen.roles);
  for (const [name, iso] of Object.entries(screen.instants ?? {})) params[name] = formatInstant(iso, locale);
  if (screen.task) params.task = taskName(locale, screen.task);
  return t(locale, screen.messageKey, params);
}

export function noticeText(screen: NoticeScreen, locale: Locale): string {
  return noticeMessage(screen, locale);
}

/** A task named for the reader by the command that started it ("purchase" / "Kauf" for buy); the command itself for one without a name. */
export function taskName(locale: Locale, command: string): string {
  const key = `task.${command}`;
  return isMessageKey(key) ? t(locale, key) : command;
}
