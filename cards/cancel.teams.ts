/**
 * Cancelling a purchase (R14–R20) as Adaptive Cards 1.5: the customer's purchases, the
 * Important notice with its order choice and acknowledgement (a form: Teams merges `orderId`
 * and `acknowledged` into the data of "Submit cancellation"), the answer to Submit and the
 * two notifications. Outside values (titles, names, ids) are literal TextRuns.
 */
import { act } from './actions.js';
import {
  adaptiveCard, container, heading, inputChoiceSet, inputToggle, labelled, plainText, richText, textBlock, textRun, cardButton,
  type AdaptiveAction, type AdaptiveCardJson, type CardElement,
} from './adaptive.js';
import { cancelButton, plainButton, row } from './buy.teams.js';
import { customerLine, shown, SHOWN } from './buy.text.js';
import {
  anotherLabel, cancellationDelayedText, cancellationFailedText, delayedBody, delayedFacts, cancellationFinishedText, cancelNoticeText, cancelOrderLine, cancelPurchasesText, cancelPurchasesTitle,
  cancelSubmittedText, failureConsequence, failureFacts, failureNextStep, failureReason, finishedBody, hiddenOrdersText, importantNotice,
  moreCancelProducts, moreProductsText, noPurchasesText, noticeFacts, noticeOptions, optionText, orderState, revokedText, selectedOption,
  shownPurchases, submittedBody, submittedCredit, submittedFacts, submittedTitle, type ShownProduct,
} from './cancel.text.js';
import { t, type Locale } from './i18n/index.js';
import type {
  CancellableOrderRow, CancellationDelayedScreen, CancellationFailedScreen, CancellationFinishedScreen, CancelNoticeFormScreen, CancelPurchasesScreen, CancelSubmittedScreen,
} from './screens.js';
import { supportCommandLine } from './support.text.js';

// --- the purchases ----------------------------------------------------------------------------

/** "Order 4711 · quantity 5 · Mar 5, 2025: 58 days left to cancel · credit €1,234.00" on one line, the state in colour. */
function orderLine(order: CancellableOrderRow, locale: Locale): CardElement {
  const open = order.window.state === 'open';
  return richText(
    [textRun(`${cancelOrderLine(order, locale)}: `, { isSubtle: true, size: 'Small' }), textRun(orderState(order, locale), { size: 'Small', weight: open ? 'Bolder' : 'Default' })],
    { spacing: 'None' },
  );
}

function productRow(product: ShownProduct, customerId: string, locale: Locale): CardElement {
  const lines: CardElement[] = [plainText(shown(product.title, SHOWN.title), { weight: 'Bolder' }), ...product.orders.map((o) => orderLine(o, locale))];
  if (product.hidden > 0) lines.push(plainText(hiddenOrdersText(product.hidden, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' }));
  // A product with nothing to cancel now stays listed (its orders say why), without a button.
  if (!product.cancellable) return container(lines, { separator: true, spacing: 'Medium' });
  return row(lines, plainButton(t(locale, 'cancel.purchases.cancelOrder'), act.cancelProduct(customerId, product.productId)));
}

export function cancelPurchasesTeams(screen: CancelPurchasesScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(cancelPurchasesTitle(screen, locale))];
  const products = shownPurchases(screen);
  if (products.length === 0) body.push(plainText(noPurchasesText(screen, locale), {}, { spacing: 'Small' }));
  else {
    body.push(textBlock(t(locale, 'cancel.purchases.intro'), { isSubtle: true, spacing: 'Small' }));
    body.push(container(products.map((p) => productRow(p, screen.customer.id, locale))));
  }
  if (moreCancelProducts(screen)) body.push(textBlock(moreProductsText(locale), { isSubtle: true }));
  // "Close", not "Cancel": in a flow about cancelling, the button that stops it must not sound like it cancels something.
  return adaptiveCard(body, { fallbackText: cancelPurchasesText(screen, locale), actions: [cancelButton(locale, 'cancel.close')] });
}

// --- the Important notice (a form) ------------------------------------------------------------

/** The order: its facts when there is one, else a choice (expanded: every option's days left and credit stay in view). */
function orderPart(form: CancelNoticeFormScreen, locale: Locale): CardElement {
  const options = noticeOptions(form);
  const [one] = options;
  if (!one) return plainText(t(locale, 'cancel.notice.noOrder', { title: shown(form.title, SHOWN.title) }), { color: 'Warning' });
  if (options.length === 1) return container(noticeFacts(one, locale).map(([label, value]) => labelled(label, value)), { spacing: 'Medium' });
  const chosen = selectedOption(form);
  return inputChoiceSet(
    'orderId',
    options.map((o) => ({ title: optionText(o, locale), value: o.orderId })),
    {
      label: t(locale, 'cancel.notice.chooseOrder'),
      style: 'expanded',
      wrap: true,
      isRequired: true,
      errorMessage: t(locale, 'cancel.notice.chooseRequired'),
      ...(chosen ? { value: chosen.orderId } : {}),
      spacing: 'Medium',
    },
  );
}

export function cancelNoticeTeams(form: CancelNoticeFormScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    heading(t(locale, 'cancel.notice.title')),
    plainText(shown(form.title, SHOWN.title), { weight: 'Bolder' }, { spacing: 'Small' }),
    plainText(customerLine(form.customer, locale), { isSubtle: true }, { spacing: 'None' }),
  ];
  if (form.acknowledgementMissing) {
    body.push(container([textBlock(t(locale, 'cancel.notice.acknowledgementMissing'), { weight: 'Bolder', color: 'Attention' })], { style: 'attention' }));
  }
  body.push(orderPart(form, locale));
  // R17, R19: the notice in full, set apart, before the switch that acknowledges it.
  body.push(
    container(
      [textBlock(t(locale, 'cancel.notice.important'), { weight: 'Bolder', size: 'Medium' }), ...importantNotice(form, locale).map((line) => textBlock(line, { spacing: 'Small' }))],
      { style: 'warning', spacing: 'Medium' },
    ),
  );
  const options = noticeOptions(form);
  const [one] = options;
  const actions: AdaptiveAction[] = [];
  if (one) {
    body.push(
      inputToggle('acknowledged', t(locale, 'cancel.notice.acknowledge'), {
        label: t(locale, 'cancel.notice.acknowledgeLabel'),
        valueOn: 'true',
        valueOff: 'false',
        value: 'false',
        wrap: true,
        isRequired: true,
        errorMessage: t(locale, 'cancel.notice.acknowledgementMissing'),
        spacing: 'Medium',
      }),
    );
    // With one order it is baked in; with several Teams merges the choice as `orderId`.
    const submit = act.cancelSubmit(form.customer.id, form.noticeId, options.length === 1 ? one.orderId : undefined);
    actions.push(cardButton(t(locale, 'cancel.notice.submit'), submit, { style: 'destructive' }));
  }
  actions.push(cancelButton(locale, 'cancel.keep'));
  return adaptiveCard(body, { fallbackText: cancelNoticeText(form, locale), actions });
}

// --- submitted --------------------------------------------------------------------------------

export function cancelSubmittedTeams(screen: CancelSubmittedScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    container([heading(submittedTitle(screen, locale)), plainText(submittedBody(screen, locale), {}, { spacing: 'Small' })], { style: screen.existing ? 'emphasis' : 'good' }),
  ];
  if (screen.existing) body.push(container(submittedFacts(screen, locale).map(([label, value]) => labelled(label, value)), { spacing: 'Medium' }));
  body.push(plainText(submittedCredit(screen, locale), { weight: 'Bolder' }, { spacing: 'Medium' }));
  return adaptiveCard(body, {
    fallbackText: cancelSubmittedText(screen, locale),
    actions: [plainButton(anotherLabel(locale), act.command('cancel', screen.customer.id)), plainButton(t(locale, 'buy.viewOrders'), act.command('orders', screen.customer.id))],
  });
}

// --- the notifications --------------------------------------------------------------------------

export function cancellationFinishedTeams(screen: CancellationFinishedScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    container([heading(t(locale, 'cancel.finished.title'))], { style: 'good' }),
    plainText(finishedBody(screen, locale), {}, { spacing: 'Medium' }),
    textBlock(revokedText(screen, locale), { weight: 'Bolder' }),
  ];
  return adaptiveCard(body, { fallbackText: cancellationFinishedText(screen, locale), actions: [plainButton(t(locale, 'buy.viewOrders'), act.command('orders', screen.customerId))] });
}

export function cancellationDelayedTeams(screen: CancellationDelayedScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    container([heading(t(locale, 'cancel.delayed.title'))], { style: 'warning' }),
    plainText(delayedBody(screen, locale), {}, { spacing: 'Medium' }),
    textBlock(t(locale, 'cancel.delayed.meanwhile')),
    container(delayedFacts(screen, locale).map(([label, value]) => labelled(label, value)), { spacing: 'Small' }),
  ];
  return adaptiveCard(body, { fallbackText: cancellationDelayedText(screen, locale), actions: [plainButton(t(locale, 'buy.viewOrders'), act.command('orders', screen.customerId))] });
}

export function cancellationFailedTeams(screen: CancellationFailedScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    container([heading(t(locale, 'cancel.failed.title'))], { style: 'attention' }),
    plainText(failureReason(screen, locale), {}, { spacing: 'Medium' }),
    textBlock(failureConsequence(screen, locale), { weight: 'Bolder' }),
    textBlock(failureNextStep(screen, locale)),
    container(failureFacts(screen, locale).map(([label, value]) => labelled(label, value)), { spacing: 'Small' }),
    // Literal: the order id comes from outside.
    plainText(supportCommandLine(screen.orderId, locale, 'msteams'), {}, { spacing: 'Medium' }),
  ];
  // R20: "Request support" opens the support request of this order, its facts filled in.
  return adaptiveCard(body, {
    fallbackText: cancellationFailedText(screen, locale),
    actions: [
      plainButton(t(locale, 'action.support'), act.command('support', screen.orderId), 'positive'),
      plainButton(t(locale, 'buy.viewOrders'), act.command('orders', screen.customerId)),
    ],
  });
}
