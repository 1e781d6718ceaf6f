/**
 * Cancelling a purchase (R14–R20) as plain text, and the wording the Teams and Slack
 * renderers share: where each order stands (R15, R16), the credit (R17), the Important
 * notice (R17, R19), the answer to Submit (R18) and the two notifications (R18–R20).
 * The text is also each card's fallbackText and a notification's preview: facts only.
 */
import { customerLine, customerName, daysLeft, shown, SHOWN, windowSentence, windowShort } from './buy.text.js';
import { formatDate, formatInstant, formatMoney, formatNumber } from './format.js';
import { pluralCategory, t, type Locale, type MessageKey } from './i18n/index.js';
import {
  CARD_LIMITS,
  type CancellableOrderRow, type CancellationDelayedScreen, type CancellationFailedScreen, type CancellationFinishedScreen, type CancelNoticeFormScreen, type CancelPurchasesScreen,
  type CancelSubmittedScreen, type CreditView,
} from './screens.js';
import { supportCommandLine } from './support.text.js';

function plural(locale: Locale, count: number, one: MessageKey, other: MessageKey): string {
  return pluralCategory(locale, count) === 'one' ? t(locale, one) : t(locale, other, { count });
}

export function creditAmount(credit: Pick<CreditView, 'amountMinor' | 'currency'>, locale: Locale): string {
  return formatMoney(credit.amountMinor, credit.currency, locale);
}

/** "Order 4711 · quantity 5 · Mar 5, 2025" */
export function cancelOrderLine(order: CancellableOrderRow, locale: Locale): string {
  return t(locale, 'orders.line', { orderId: shown(order.orderId, SHOWN.id), quantity: order.quantity, date: formatDate(order.purchaseDate, locale) });
}

/**
 * Where an order stands: "58 days left to cancel · credit €1,234.00", "Cancellation window
 * passed on …", "Software plan: cannot be cancelled", "Cancellation in progress since …",
 * "Cancelled on …".
 */
export function orderState(order: CancellableOrderRow, locale: Locale): string {
  const { window } = order;
  switch (window.state) {
    case 'open': {
      const left = windowShort(window, locale);
      return order.credit ? `${left} · ${t(locale, 'cancel.creditShort', { amount: creditAmount(order.credit, locale) })}` : left;
    }
    case 'passed':
      return windowSentence(window, locale);
    case 'cancelling':
      return t(locale, 'cancel.inProgressSince', { date: formatInstant(order.statusAt, locale) });
    case 'cancelled':
      return t(locale, 'cancel.cancelledOn', { date: formatInstant(order.statusAt, locale) });
    case 'notCancellable':
      return windowShort(window, locale);
  }
}

// --- the purchases (R14–R16) -----------------------------------------------------------

/** A product as a card lists it. */
export interface ShownProduct {
  productId: string;
  title: string;
  /** Its newest orders, as many as the card has room for. */
  orders: CancellableOrderRow[];
  /** Its orders left out. */
  hidden: number;
  /** Some order of it (listed or not) can be cancelled now: the card offers "Cancel an order…". */
  cancellable: boolean;
}

/**
 * The products a card lists (at most CARD_LIMITS.cancelProducts, in the order given) and their
 * orders: at most CARD_LIMITS.cancelOrders in all, dealt out one round at a time — each
 * product's newest first — so every product listed shows its newest orders and one product's
 * long history cannot push the others' out.
 */
export function shownPurchases(screen: CancelPurchasesScreen): ShownProduct[] {
  const products = screen.products.slice(0, CARD_LIMITS.cancelProducts);
  const counts = products.map(() => 0);
  let budget = CARD_LIMITS.cancelOrders;
  for (let round = 0, dealt = true; dealt && budget > 0; round++) {
    dealt = false;
    for (const [i, p] of products.entries()) {
      if (budget > 0 && round < p.orders.length) {
        counts[i] = round + 1;
        budget--;
        dealt = true;
      }
    }
  }
  return products.map((p, i) => {
    const count = counts[i] ?? 0;
    return {
      productId: p.productId,
      title: p.title,
      orders: p.orders.slice(0, count),
      hidden: p.orders.length - count,
      cancellable: p.orders.some((o) => o.window.state === 'open'),
    };
  });
}

export function moreCancelProducts(screen: CancelPurchasesScreen): boolean {
  return screen.products.length > CARD_LIMITS.cancelProducts;
}

export function cancelPurchasesTitle(screen: CancelPurchasesScreen, locale: Locale): string {
  return t(locale, 'cancel.purchases.title', { name: customerName(screen.customer) });
}

/** "Contoso Ltd has no software purchases to cancel." */
export function noPurchasesText(screen: CancelPurchasesScreen, locale: Locale): string {
  return t(locale, 'cancel.purchases.none', { customer: customerName(screen.customer) });
}

export function hiddenOrdersText(count: number, locale: Locale): string {
  return plural(locale, count, 'cancel.purchases.moreOrders.one', 'cancel.purchases.moreOrders.other');
}

export function moreProductsText(locale: Locale): string {
  return t(locale, 'cancel.purchases.moreProducts', { count: CARD_LIMITS.cancelProducts });
}

export function cancelPurchasesText(screen: CancelPurchasesScreen, locale: Locale): string {
  const products = shownPurchases(screen);
  const lines = [cancelPurchasesTitle(screen, locale), products.length === 0 ? noPurchasesText(screen, locale) : t(locale, 'cancel.purchases.intro')];
  for (const p of products) {
    lines.push(`• ${shown(p.title, SHOWN.title)}`);
    for (const o of p.orders) lines.push(`  ${cancelOrderLine(o, locale)}: ${orderState(o, locale)}`);
    if (p.hidden > 0) lines.push(`  ${hiddenOrdersText(p.hidden, locale)}`);
  }
  if (moreCancelProducts(screen)) lines.push(moreProductsText(locale));
  return lines.join('\n');
}

// --- the Important notice (R14, R15, R17, R19) --------------------------------------------

/** The orders a notice offers (at most CARD_LIMITS.cancelOrders). */
export function noticeOptions(form: CancelNoticeFormScreen): CancellableOrderRow[] {
  return form.options.slice(0, CARD_LIMITS.cancelOrders);
}

/** The order preselected: `selectedOrderId` when it is offered, else the first. */
/** The order chosen already (shown again after Submit without the acknowledgement); none at first: cancelling is chosen, not defaulted. */
export function selectedOption(form: CancelNoticeFormScreen): CancellableOrderRow | undefined {
  return noticeOptions(form).find((o) => o.orderId === form.selectedOrderId);
}

/**
 * A choice of the order picker: "ORD-1 · bought Mar 5, 2025 · 58 days left · credit €1,234.00";
 * `short` (Slack's 75 characters): "ORD-1 · Mar 5, 2025 · 58 days left · credit €1,234.00".
 */
export function optionText(order: CancellableOrderRow, locale: Locale, short = false): string {
  const params = {
    orderId: shown(order.orderId, SHOWN.id),
    date: formatDate(order.purchaseDate, locale),
    left: order.window.state === 'open' ? daysLeft(order.window.daysLeft, locale) : windowShort(order.window, locale),
    credit: order.credit ? creditAmount(order.credit, locale) : '—',
  };
  return t(locale, short ? 'cancel.notice.optionShort' : 'cancel.notice.option', params);
}

/** The one order of a notice, as label/value pairs. */
export function noticeFacts(order: CancellableOrderRow, locale: Locale): Array<[string, string]> {
  return [
    [t(locale, 'buy.label.orderId'), shown(order.orderId, SHOWN.id)],
    [t(locale, 'buy.label.product'), shown(order.title, SHOWN.title)],
    [t(locale, 'buy.label.quantity'), formatNumber(order.quantity, locale)],
    [t(locale, 'buy.label.purchaseDate'), formatDate(order.purchaseDate, locale)],
    [t(locale, 'buy.label.cancellation'), windowSentence(order.window, locale)],
    [t(locale, 'cancel.label.credit'), order.credit ? creditAmount(order.credit, locale) : '—'],
  ];
}

const POLICY: { readonly [P in CreditView['policy']]: MessageKey } = {
  full: 'cancel.notice.policyFull',
  prorated: 'cancel.notice.policyProrated',
  mixed: 'cancel.notice.policyMixed',
};

/** The credit rule of the orders offered: one policy when they share it, else both rules. */
export function creditPolicy(form: CancelNoticeFormScreen): CreditView['policy'] {
  const policies = new Set(noticeOptions(form).flatMap((o) => (o.credit ? [o.credit.policy] : [])));
  const [only] = policies;
  return policies.size === 1 && only ? only : 'mixed';
}

/** R17, R19: what cancelling does, in the reader's language (the Important notice's lines). */
export function importantNotice(form: CancelNoticeFormScreen, locale: Locale): string[] {
  const lines = [t(locale, 'cancel.notice.revoke'), t(locale, 'cancel.notice.uninstall'), t(locale, POLICY[creditPolicy(form)])];
  const options = noticeOptions(form);
  const [one] = options;
  if (options.length === 1 && one?.credit) lines.push(t(locale, 'cancel.notice.creditToday', { amount: creditAmount(one.credit, locale) }));
  else if (options.length > 1) lines.push(t(locale, 'cancel.notice.creditEach'));
  return lines;
}

/** "Cancel a purchase: Windows Server 2022 Datacenter" */
export function noticeHeading(form: CancelNoticeFormScreen, locale: Locale): string {
  return `${t(locale, 'cancel.notice.title')}: ${shown(form.title, SHOWN.title)}`;
}

export function cancelNoticeText(form: CancelNoticeFormScreen, locale: Locale): string {
  const lines = [noticeHeading(form, locale), customerLine(form.customer, locale)];
  if (form.acknowledgementMissing) lines.push(t(locale, 'cancel.notice.acknowledgementMissing'));
  const options = noticeOptions(form);
  const [one] = options;
  if (!one) lines.push(t(locale, 'cancel.notice.noOrder', { title: shown(form.title, SHOWN.title) }));
  else if (options.length === 1) for (const [label, value] of noticeFacts(one, locale)) lines.push(`${label}: ${value}`);
  else {
    lines.push(`${t(locale, 'cancel.notice.chooseOrder')}:`);
    for (const o of options) lines.push(`• ${optionText(o, locale)}`);
  }
  lines.push(`${t(locale, 'cancel.notice.important')}: ${importantNotice(form, locale).join(' ')}`);
  return lines.join('\n');
}

// --- submitted (R17, R18) -------------------------------------------------------------------

export function submittedTitle(screen: CancelSubmittedScreen, locale: Locale): string {
  return t(locale, screen.existing ? 'cancel.submitted.existingTitle' : 'cancel.submitted.title');
}

/** What happens now; a repeated submit says that nothing new was done. */
export function submittedBody(screen: CancelSubmittedScreen, locale: Locale): string {
  if (screen.existing) return t(locale, 'cancel.submitted.existing');
  return t(locale, 'cancel.submitted.body', { orderId: shown(screen.orderId, SHOWN.id), title: shown(screen.title, SHOWN.title), customer: customerName(screen.customer) });
}

/** The facts a repeated submit repeats. */
export function submittedFacts(screen: CancelSubmittedScreen, locale: Locale): Array<[string, string]> {
  return [
    [t(locale, 'buy.label.orderId'), shown(screen.orderId, SHOWN.id)],
    [t(locale, 'buy.label.product'), shown(screen.title, SHOWN.title)],
    [t(locale, 'buy.label.customer'), customerName(screen.customer)],
  ];
}

export function submittedCredit(screen: CancelSubmittedScreen, locale: Locale): string {
  return t(locale, 'cancel.submitted.credit', { amount: creditAmount({ amountMinor: screen.creditMinor, currency: screen.currency }, locale) });
}

/** "Cancel another order" (the customer is named above the button: a label that repeated it outgrew the card). */
export function anotherLabel(locale: Locale): string {
  return t(locale, 'cancel.submitted.another');
}

export function cancelSubmittedText(screen: CancelSubmittedScreen, locale: Locale): string {
  const lines = [submittedTitle(screen, locale), submittedBody(screen, locale)];
  if (screen.existing) for (const [label, value] of submittedFacts(screen, locale)) lines.push(`${label}: ${value}`);
  lines.push(submittedCredit(screen, locale));
  return lines.join('\n');
}

// --- the notifications (R18–R20) -------------------------------------------------------------

function orderParams(screen: CancellationFinishedScreen | CancellationDelayedScreen | CancellationFailedScreen): { orderId: string; title: string; customer: string } {
  return { orderId: shown(screen.orderId, SHOWN.id), title: shown(screen.title, SHOWN.title), customer: shown(screen.customerName, SHOWN.companyName) };
}

export function finishedBody(screen: CancellationFinishedScreen, locale: Locale): string {
  return t(locale, 'cancel.finished.body', { ...orderParams(screen), amount: creditAmount({ amountMinor: screen.creditMinor, currency: screen.currency }, locale) });
}

/** R19: "All activation keys and download links … are revoked (3 keys, 2 links). The customer must …" */
export function revokedText(screen: CancellationFinishedScreen, locale: Locale): string {
  // Nothing had been issued: "revoked (0 keys, 0 links)" would read as if something went wrong.
  if (screen.keysRevoked === 0 && screen.linksRevoked === 0) return t(locale, 'cancel.finished.noneIssued');
  return t(locale, 'cancel.finished.revoked', {
    keys: plural(locale, screen.keysRevoked, 'cancel.count.keys.one', 'cancel.count.keys.other'),
    links: plural(locale, screen.linksRevoked, 'cancel.count.links.one', 'cancel.count.links.other'),
  });
}

export function cancellationFinishedText(screen: CancellationFinishedScreen, locale: Locale): string {
  return [t(locale, 'cancel.finished.title'), finishedBody(screen, locale), revokedText(screen, locale)].join('\n');
}

/** R18: not finished yet after `minutes`; still followed; told when it has finished. */
export function delayedBody(screen: CancellationDelayedScreen, locale: Locale): string {
  return t(locale, 'cancel.delayed.body', { ...orderParams(screen), duration: durationText(screen.minutes, locale) });
}

/** What the user's reference for it is (and the order), should they ask Microsoft meanwhile. */
export function delayedFacts(screen: CancellationDelayedScreen, locale: Locale): Array<[string, string]> {
  return referenceFacts(screen, locale);
}

/** The order and the cancellation's reference: what a question to Microsoft or a support request quotes. */
function referenceFacts(screen: { orderId: string; cancellationId: string }, locale: Locale): Array<[string, string]> {
  return [[t(locale, 'buy.label.orderId'), shown(screen.orderId, SHOWN.id)], [t(locale, 'cancel.label.reference'), shown(screen.cancellationId, SHOWN.id)]];
}

export function cancellationDelayedText(screen: CancellationDelayedScreen, locale: Locale): string {
  const lines = [t(locale, 'cancel.delayed.title'), delayedBody(screen, locale), t(locale, 'cancel.delayed.meanwhile')];
  for (const [label, value] of delayedFacts(screen, locale)) lines.push(`${label}: ${value}`);
  return lines.join('\n');
}

/** "90 minutes", "36 hours", "7 days" (a duration after "after"/"nach"). */
export function durationText(minutes: number, locale: Locale): string {
  if (minutes < 120) return plural(locale, minutes, 'cancel.duration.minutes.one', 'cancel.duration.minutes.other');
  if (minutes < 48 * 60) return plural(locale, Math.round(minutes / 60), 'cancel.duration.hours.one', 'cancel.duration.hours.other');
  return plural(locale, Math.round(minutes / 1440), 'cancel.duration.days.one', 'cancel.duration.days.other');
}

const FAILURE: { readonly [R in CancellationFailedScreen['reason']]: MessageKey } = {
  window_passed: 'cancel.failed.window_passed',
  not_cancellable: 'cancel.failed.not_cancellable',
  not_found: 'cancel.failed.not_found',
  failed: 'cancel.failed.failed',
  needs_information: 'cancel.failed.needs_information',
  timed_out: 'cancel.failed.timed_out',
};

/** R20: why the cancellation did not finish. */
export function failureReason(screen: CancellationFailedScreen, locale: Locale): string {
  if (screen.reason === 'timed_out' && screen.followedMinutes === undefined) return t(locale, 'cancel.failed.timed_outUnbounded', orderParams(screen));
  return t(locale, FAILURE[screen.reason], { ...orderParams(screen), ...(screen.followedMinutes !== undefined ? { duration: durationText(screen.followedMinutes, locale) } : {}) });
}

/** The order is not cancelled (timed out: not yet); its keys and links still work. */
export function failureConsequence(screen: CancellationFailedScreen, locale: Locale): string {
  return t(locale, screen.reason === 'timed_out' ? 'cancel.failed.notYetCancelled' : 'cancel.failed.notCancelled');
}

/** How to go on: a support request in Partner Center, quoting the facts that follow (timed out: first, whether Partner Center did cancel it). */
export function failureNextStep(screen: CancellationFailedScreen, locale: Locale): string {
  return screen.reason === 'timed_out' ? `${t(locale, 'cancel.failed.checkAgain')} ${t(locale, 'cancel.failed.supportTimedOut')}` : t(locale, 'cancel.failed.support');
}

/** What a support request quotes: the order, the cancellation reference and the backend's code when known. */
export function failureFacts(screen: CancellationFailedScreen, locale: Locale): Array<[string, string]> {
  const facts = referenceFacts(screen, locale);
  if (screen.code) facts.push([t(locale, 'cancel.label.code'), shown(screen.code, SHOWN.id)]);
  return facts;
}

export function cancellationFailedText(screen: CancellationFailedScreen, locale: Locale): string {
  const lines = [t(locale, 'cancel.failed.title'), failureReason(screen, locale), failureConsequence(screen, locale), failureNextStep(screen, locale)];
  for (const [label, value] of failureFacts(screen, locale)) lines.push(`${label}: ${value}`);
  // R20: or file it from here ("support ORD-1"; the text does not know its channel: the Teams form).
  lines.push(supportCommandLine(screen.orderId, locale));
  return lines.join('\n');
}
