import {
  actionSet, adaptiveCard, container, plainText, cardButton,
  type AdaptiveCardJson, type CardElement, type ContainerStyle, type TextColor,
} from './adaptive.js';
import { t, type Locale } from './i18n/index.js';
import { noticeMessage, noticeText } from './notice.text.js';
import type { NoticeScreen, NoticeTone } from './screens.js';

const STYLE: Record<NoticeTone, { container: ContainerStyle; color: TextColor }> = {
  info: { container: 'emphasis', color: 'Default' },
  warning: { container: 'warning', color: 'Default' },
  error: { container: 'attention', color: 'Attention' },
};

export function noticeTeams(screen: NoticeScreen, locale: Locale): AdaptiveCardJson {
  const style = STYLE[screen.tone];
  // plainText: params may hold what the user typed (an unknown command) — never markdown.
  const items: CardElement[] = [plainText(noticeMessage(screen, locale), { color: style.color })];
  const body: CardElement[] = [container(items, { style: style.container })];
  if (screen.actions && screen.actions.length > 0) {
    body.push(actionSet(screen.actions.map((a) => cardButton(t(locale, a.labelKey), a.data))));
  }
  return adaptiveCard(body, { fallbackText: noticeText(screen, locale) });
}
