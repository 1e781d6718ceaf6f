import { actions, button, plain, section, slackMessage, type SlackBlock, type SlackMessage } from './blockkit.js';
import { t, type Locale } from './i18n/index.js';
import { noticeMessage, noticeText } from './notice.text.js';
import type { NoticeScreen, NoticeTone } from './screens.js';

const EMOJI: Record<NoticeTone, string> = { info: ':information_source:', warning: ':warning:', error: ':x:' };

export function noticeSlack(screen: NoticeScreen, locale: Locale): SlackMessage {
  // plain_text: params may hold what the user typed — no mrkdwn, so no links or mentions.
  const blocks: SlackBlock[] = [section(plain(`${EMOJI[screen.tone]} ${noticeMessage(screen, locale)}`))];
  if (screen.actions && screen.actions.length > 0) {
    blocks.push(actions(screen.actions.map((a, i) => button(t(locale, a.labelKey), a.data, a.data.action === 'command' ? a.data.command : String(i)))));
  }
  return slackMessage(noticeText(screen, locale), blocks);
}
