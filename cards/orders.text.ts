/** The order history as plain text, and the wording both card renderers share. */
import { customerName, shown, SHOWN, statusName, windowShort } from './buy.text.js';
import { formatDate, formatInstant, formatMoney } from './format.js';
import { t, type Locale } from './i18n/index.js';
import { CARD_LIMITS, type OrderRow, type OrdersScreen } from './screens.js';

export function shownOrders(screen: OrdersScreen): OrderRow[] {
  return screen.orders.slice(0, CARD_LIMITS.orders);
}

export function ordersTitle(screen: OrdersScreen, locale: Locale): string {
  return t(locale, 'orders.title', { name: customerName(screen.customer) });
}

/** "Order 4711 · quantity 5 · Mar 5, 2025" */
export function orderLine(order: OrderRow, locale: Locale): string {
  return t(locale, 'orders.line', { orderId: shown(order.orderId, SHOWN.id), quantity: order.quantity, date: formatDate(order.purchaseDate, locale) });
}

/**
 * "Completed · 12 days left to cancel"; once cancelling or cancelled the status says it all, with
 * when ("Cancelled on Mar 9, 2025, 10:00 AM UTC · credit €1,234.00").
 */
export function orderStatusLine(order: OrderRow, locale: Locale): string {
  const status = statusName(locale, order.status);
  const at = order.statusAt ? formatInstant(order.statusAt, locale) : null;
  if (order.window.state === 'cancelled') {
    const line = at ? t(locale, 'cancel.cancelledOn', { date: at }) : status;
    return order.credit ? `${line} · ${t(locale, 'cancel.creditShort', { amount: formatMoney(order.credit.amountMinor, order.credit.currency, locale) })}` : line;
  }
  if (order.window.state === 'cancelling') return at ? t(locale, 'cancel.inProgressSince', { date: at }) : status;
  return `${status} · ${windowShort(order.window, locale)}`;
}

export function pageText(screen: OrdersScreen, locale: Locale): string {
  return t(locale, 'orders.page', { page: screen.page, pages: Math.max(1, screen.totalPages) });
}

export function hasPrevious(screen: OrdersScreen): boolean {
  return screen.page > 1;
}

export function hasNext(screen: OrdersScreen): boolean {
  return screen.page < screen.totalPages;
}

export function ordersText(screen: OrdersScreen, locale: Locale): string {
  const lines = [ordersTitle(screen, locale)];
  const orders = shownOrders(screen);
  lines.push(t(locale, orders.length === 0 ? 'orders.none' : 'orders.intro'));
  for (const o of orders) lines.push(`• ${shown(o.productTitle, SHOWN.title)}: ${orderLine(o, locale)}; ${orderStatusLine(o, locale)}`);
  if (screen.totalPages > 1) lines.push(pageText(screen, locale));
  return lines.join('\n');
}
