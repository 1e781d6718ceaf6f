import { t, type Locale } from './i18n/index.js';
import type { WelcomeScreen } from './screens.js';

export function welcomeTitle(screen: WelcomeScreen, locale: Locale): string {
  const name = screen.displayName?.trim();
  return name ? t(locale, 'welcome.titleNamed', { name }) : t(locale, 'welcome.title');
}

export function welcomeText(screen: WelcomeScreen, locale: Locale): string {
  return [welcomeTitle(screen, locale), t(locale, 'welcome.text'), t(locale, 'welcome.next')].join('\n');
}
