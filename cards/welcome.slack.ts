import { act } from './actions.js';
import { actions, button, escapeMrkdwn, header, mrkdwn, section, slackMessage, type SlackMessage } from './blockkit.js';
import { t, type Locale } from './i18n/index.js';
import { type WelcomeScreen } from './screens.js';
import { welcomeText, welcomeTitle } from './welcome.text.js';

export function welcomeSlack(screen: WelcomeScreen, locale: Locale): SlackMessage {
  return slackMessage(welcomeText(screen, locale), [
    header(welcomeTitle(screen, locale)),
    section(mrkdwn(`${escapeMrkdwn(t(locale, 'welcome.text'))}\n${escapeMrkdwn(t(locale, 'welcome.next'))}`)),
    actions([button(t(locale, 'action.help'), act.command('help'), 'help', 'primary')]),
  ]);
}
