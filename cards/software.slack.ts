/**
 * Keys and downloads (R8–R12, R19) as Block Kit. A Slack message cannot carry picker
 * values into a button's submit (bot/slack/listeners/actions/block-action.ts passes on
 * only the clicked element's value), so the choices screen offers one button per
 * combination that exists, each sending `{action: 'software.get', orderId, lineNumber,
 * variantId}`. Outside values go into plain_text; the key into a code span.
 */
import { act } from './actions.js';
import {
  actions, button, context, escapeMrkdwn, header, labelledFields, mrkdwn, plain, section, slackMessage,
  type ButtonElement, type SlackBlock, type SlackMessage,
} from './blockkit.js';
import { shown, SHOWN } from './buy.text.js';
import { t, type Locale } from './i18n/index.js';
import { type SoftwareChoicesScreen, type SoftwareKeysScreen, type SoftwareListScreen } from './screens.js';
import {
  againText, expiryText, hasChoices, itemContext, keysFacts, missingText, moreSoftware, moreVariants, shownSoftware, shownVariants,
  softwareChoicesText, softwareEmptyText, softwareIntroKey, softwareKeysText, softwareLine, softwareListText, softwareStatusLine, softwareTitle, variantText,
} from './software.text.js';

function cancelButton(locale: Locale): ButtonElement {
  // "Close": next to "Cancelled · Key not available", "Cancel" reads as cancelling a purchase.
  return button(t(locale, 'cancel.close'), act.stop(), 'cancel');
}

export function softwareListSlack(screen: SoftwareListScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(softwareTitle(screen, locale))];
  const items = shownSoftware(screen);
  if (items.length === 0) blocks.push(section(plain(softwareEmptyText(screen, locale))));
  else blocks.push(context([plain(t(locale, softwareIntroKey(items)))]));
  // 25 items at most: one section each, 4 blocks around them — well under Slack's 50.
  for (const item of items) {
    const text = plain(`${shown(item.title, SHOWN.title)}\n${softwareLine(item, locale)}\n${item.keyAvailable ? '🔑' : '⛔'} ${softwareStatusLine(item, locale)}`);
    // R19: a cancelled purchase stays listed, without a button.
    blocks.push(
      item.keyAvailable
        ? section(text, button(t(locale, 'software.get'), act.softwareItem(item.orderId, item.lineNumber), `${item.orderId}:${item.lineNumber}`))
        : section(text),
    );
  }
  if (moreSoftware(screen)) blocks.push(context([plain(t(locale, 'software.more', { count: items.length }))]));
  blocks.push(actions([cancelButton(locale)]));
  return slackMessage(softwareListText(screen, locale), blocks);
}

function isSelected(screen: SoftwareChoicesScreen, v: SoftwareChoicesScreen['variants'][number]): boolean {
  const s = screen.selected;
  return s !== undefined && s.version === v.version && s.language === v.language && s.fileType === v.fileType;
}

export function softwareChoicesSlack(screen: SoftwareChoicesScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(shown(screen.item.title, SHOWN.title)), context([plain(itemContext(screen, locale))])];
  const missing = missingText(screen, locale);
  if (missing) blocks.push(section(plain(`⚠️ ${missing}`)));
  if (!hasChoices(screen)) {
    blocks.push(section(plain(`⚠️ ${t(locale, 'software.choices.none')}`)));
  } else {
    blocks.push(section(plain(t(locale, 'software.choices.introSlack'))));
    const { orderId, lineNumber } = screen.item;
    // 20 at most: within one actions block's 25 elements.
    const variants = shownVariants(screen);
    blocks.push(
      actions(
        variants.map((v) =>
          button(variantText(v, locale), act.softwareGet(orderId, lineNumber, v.id), `v${v.id}`, isSelected(screen, v) ? 'primary' : undefined),
        ),
      ),
    );
    if (moreVariants(screen)) blocks.push(context([plain(t(locale, 'software.choices.moreVariants', { count: variants.length }))]));
  }
  blocks.push(actions([cancelButton(locale)]));
  return slackMessage(softwareChoicesText(screen, locale), blocks);
}

/** A link button. Slack still sends a block action when it is clicked: its value says only that. */
interface UrlButtonElement extends ButtonElement {
  url: string;
}

function downloadButton(label: string, url: string): UrlButtonElement {
  return { ...button(label, act.softwareDownload(), 'download', 'primary'), url };
}

/** The key as a code span, set apart and easy to copy; as plain text if it could break out of one. */
function keyBlock(label: string, key: string): SlackBlock {
  if (/[`\n\r]/.test(key)) return section(plain(`${label}\n${key}`));
  return section(mrkdwn(`*${escapeMrkdwn(label)}*\n\`${escapeMrkdwn(key)}\``));
}

export function softwareKeysSlack(screen: SoftwareKeysScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [];
  if (screen.simulated) blocks.push(section(mrkdwn(`:warning: *${escapeMrkdwn(t(locale, 'software.keys.simulated'))}*`)));
  blocks.push(header(t(locale, 'software.keys.title')), section(plain(shown(screen.item.title, SHOWN.title))));
  blocks.push(...labelledFields(keysFacts(screen, locale)));
  blocks.push(keyBlock(t(locale, 'software.keys.key'), screen.activationKey));
  // The link as text too, to copy into a message to the customer (opening it would use a download).
  blocks.push(section(mrkdwn(`${escapeMrkdwn(t(locale, 'software.keys.link'))}\n\`${screen.downloadUrl}\``)));
  blocks.push(actions([downloadButton(t(locale, 'software.keys.download'), screen.downloadUrl)]));
  blocks.push(context([plain(expiryText(screen, locale)), plain(againText(screen, locale))]));
  blocks.push(section(mrkdwn(`:lock: *${escapeMrkdwn(t(locale, 'software.keys.private'))}*`)));
  return slackMessage(softwareKeysText(screen, locale), blocks);
}
