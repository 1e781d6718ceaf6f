import { act } from './actions.js';
import { button, context, escapeMrkdwn, header, mrkdwn, section, slackMessage, type SlackBlock, type SlackMessage } from './blockkit.js';
import { commandLine, helpText } from './help.text.js';
import { t, tKey, type Locale } from './i18n/index.js';
import { type HelpCommand, type HelpScreen } from './screens.js';

function commandSection(command: HelpCommand, screen: HelpScreen, locale: Locale): SlackBlock {
  const line = `\`${escapeMrkdwn(commandLine(command, screen.channel, locale))}\``;
  const description = escapeMrkdwn(tKey(locale, command.descriptionKey));
  if (!command.available) {
    return section(mrkdwn(`${line}\n${description}\n_${escapeMrkdwn(t(locale, 'help.comingSoon'))}_`));
  }
  return section(mrkdwn(`${line}\n${description}`), button(command.name, act.command(command.name), command.name));
}

export function helpSlack(screen: HelpScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(t(locale, 'help.title'))];
  if (screen.commands.length === 0) {
    blocks.push(section(mrkdwn(escapeMrkdwn(t(locale, 'help.noCommands')))));
  } else {
    blocks.push(context([mrkdwn(escapeMrkdwn(t(locale, 'help.intro')))]));
    // 2 blocks above + one per command: the registry would need 48 commands to reach Slack's 50.
    blocks.push(...screen.commands.map((c) => commandSection(c, screen, locale)));
  }
  return slackMessage(helpText(screen, locale), blocks);
}
