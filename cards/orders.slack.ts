import { act } from './actions.js';
import { actions, button, context, escapeMrkdwn, header, mrkdwn, plain, section, slackMessage, type ButtonElement, type SlackBlock, type SlackMessage } from './blockkit.js';
import { shown, SHOWN } from './buy.text.js';
import { t, type Locale } from './i18n/index.js';
import { hasNext, hasPrevious, orderLine, ordersText, ordersTitle, orderStatusLine, pageText, shownOrders } from './orders.text.js';
import type { OrdersScreen } from './screens.js';

export function ordersSlack(screen: OrdersScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(ordersTitle(screen, locale))];
  const orders = shownOrders(screen);
  if (orders.length === 0) blocks.push(section(plain(t(locale, 'orders.none'))));
  else blocks.push(context([mrkdwn(escapeMrkdwn(t(locale, 'orders.intro')))]));
  // 25 orders at most: 1 section each, 4 blocks around them — well under Slack's 50.
  for (const o of orders) {
    blocks.push(section(plain(`${shown(o.productTitle, SHOWN.title)}\n${orderLine(o, locale)}\n${o.window.state === 'open' ? '🟢' : '⚪'} ${orderStatusLine(o, locale)}`)));
  }
  const paging: ButtonElement[] = [];
  const customerId = screen.customer.id;
  if (hasPrevious(screen)) paging.push(button(t(locale, 'orders.previous'), act.ordersPage(customerId, screen.page - 1), 'previous'));
  if (hasNext(screen)) paging.push(button(t(locale, 'orders.next'), act.ordersPage(customerId, screen.page + 1), 'next'));
  if (screen.totalPages > 1) blocks.push(context([plain(pageText(screen, locale))]));
  if (paging.length > 0) blocks.push(actions(paging));
  return slackMessage(ordersText(screen, locale), blocks);
}
