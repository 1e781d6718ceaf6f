import { act } from './actions.js';
import { adaptiveCard, container, heading, plainText, cardButton, textBlock, type AdaptiveCardJson, type AdaptiveAction, type CardElement } from './adaptive.js';
import { shown, SHOWN } from './buy.text.js';
import { t, type Locale } from './i18n/index.js';
import { hasNext, hasPrevious, orderLine, ordersText, ordersTitle, orderStatusLine, pageText, shownOrders } from './orders.text.js';
import type { OrderRow, OrdersScreen } from './screens.js';

function orderRow(order: OrderRow, locale: Locale): CardElement {
  const open = order.window.state === 'open';
  return container(
    [
      plainText(shown(order.productTitle, SHOWN.title), { weight: 'Bolder' }),
      plainText(orderLine(order, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' }),
      plainText(orderStatusLine(order, locale), { weight: open ? 'Bolder' : 'Default' }, { spacing: 'None' }),
    ],
    { separator: true, spacing: 'Medium' },
  );
}

export function ordersTeams(screen: OrdersScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(ordersTitle(screen, locale))];
  const orders = shownOrders(screen);
  if (orders.length === 0) body.push(textBlock(t(locale, 'orders.none')));
  else {
    body.push(textBlock(t(locale, 'orders.intro'), { isSubtle: true, spacing: 'Small' }));
    body.push(container(orders.map((o) => orderRow(o, locale))));
  }
  if (screen.totalPages > 1) body.push(plainText(pageText(screen, locale), { isSubtle: true }, { spacing: 'Medium' }));
  const paging: AdaptiveAction[] = [];
  const customerId = screen.customer.id;
  if (hasPrevious(screen)) paging.push(cardButton(t(locale, 'orders.previous'), act.ordersPage(customerId, screen.page - 1)));
  if (hasNext(screen)) paging.push(cardButton(t(locale, 'orders.next'), act.ordersPage(customerId, screen.page + 1)));
  return adaptiveCard(body, { fallbackText: ordersText(screen, locale), actions: paging });
}
