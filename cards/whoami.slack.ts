import { context, escapeMrkdwn, fieldsSection, header, mrkdwn, slackMessage, type SlackBlock, type SlackMessage } from './blockkit.js';
import { t, type Locale } from './i18n/index.js';
import type { WhoamiScreen } from './screens.js';
import { whoamiFacts, whoamiText } from './whoami.text.js';

export function whoamiSlack(screen: WhoamiScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [
    header(t(locale, 'whoami.title')),
    fieldsSection(whoamiFacts(screen, locale).map((f) => mrkdwn(`*${escapeMrkdwn(f.title)}*\n${escapeMrkdwn(f.value)}`))),
  ];
  if (screen.roles.length === 0) blocks.push(context([mrkdwn(`:warning: ${escapeMrkdwn(t(locale, 'whoami.noRoles'))}`)]));
  return slackMessage(whoamiText(screen, locale), blocks);
}
