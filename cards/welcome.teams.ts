import { act } from './actions.js';
import { actionSet, adaptiveCard, heading, cardButton, textBlock, type AdaptiveCardJson } from './adaptive.js';
import { t, type Locale } from './i18n/index.js';
import { type WelcomeScreen } from './screens.js';
import { welcomeText, welcomeTitle } from './welcome.text.js';

export function welcomeTeams(screen: WelcomeScreen, locale: Locale): AdaptiveCardJson {
  return adaptiveCard(
    [
      heading(welcomeTitle(screen, locale)),
      textBlock(t(locale, 'welcome.text')),
      textBlock(t(locale, 'welcome.next'), { spacing: 'Small' }),
      actionSet([cardButton(t(locale, 'action.help'), act.command('help'), { style: 'positive' })]),
    ],
    { fallbackText: welcomeText(screen, locale) },
  );
}
