/**
 * Cancelling a purchase (R14–R20) as Block Kit, and the Important notice as a modal: a
 * select `orderId` (when there are several orders) and a checkbox `acknowledged` (value
 * 'true'), which the view_submission listener (bot/slack/listeners/views) merges into the
 * modal's private_metadata — `{action: 'cancel.submit', customerId, noticeId[, orderId]}` —
 * exactly as Teams merges the card's inputs. Outside values go into plain_text.
 */
import { act } from './actions.js';
import {
  actions, button, checkboxes, context, escapeMrkdwn, header, input, labelledFields, mrkdwn, option, plain, section, slackMessage, slackModal,
  staticSelect, SLACK_LIMITS,
  type ModalBlock, type SlackBlock, type SlackMessage, type SlackModalView,
} from './blockkit.js';
import { cancelButton } from './buy.slack.js';
import { customerLine, shown, SHOWN } from './buy.text.js';
import {
  anotherLabel, cancellationDelayedText, cancellationFailedText, delayedBody, delayedFacts, cancellationFinishedText, cancelOrderLine, cancelPurchasesText, cancelPurchasesTitle, cancelSubmittedText,
  failureConsequence, failureFacts, failureNextStep, failureReason, finishedBody, hiddenOrdersText, importantNotice, moreCancelProducts,
  moreProductsText, noPurchasesText, noticeFacts, noticeOptions, optionText, orderState, revokedText, selectedOption, shownPurchases,
  submittedBody, submittedCredit, submittedFacts, submittedTitle, type ShownProduct,
} from './cancel.text.js';
import { t, type Locale } from './i18n/index.js';
import type {
  CancellableOrderRow, CancellationDelayedScreen, CancellationFailedScreen, CancellationFinishedScreen, CancelNoticeFormScreen, CancelPurchasesScreen, CancelSubmittedScreen,
} from './screens.js';
import { supportCommandLine } from './support.text.js';

// --- the purchases ----------------------------------------------------------------------------

/** One section per product, its orders as lines (10 products at most: well under Slack's 50 blocks). */
function productSection(product: ShownProduct, customerId: string, locale: Locale): SlackBlock {
  const lines = [shown(product.title, SHOWN.title)];
  for (const o of product.orders) lines.push(`${o.window.state === 'open' ? '🟢' : '⚪'} ${cancelOrderLine(o, locale)}: ${orderState(o, locale)}`);
  if (product.hidden > 0) lines.push(hiddenOrdersText(product.hidden, locale));
  const text = plain(lines.join('\n'));
  return product.cancellable
    ? section(text, button(t(locale, 'cancel.purchases.cancelOrder'), act.cancelProduct(customerId, product.productId), product.productId))
    : section(text);
}

export function cancelPurchasesSlack(screen: CancelPurchasesScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(cancelPurchasesTitle(screen, locale))];
  const products = shownPurchases(screen);
  if (products.length === 0) blocks.push(section(plain(noPurchasesText(screen, locale))));
  else blocks.push(context([plain(t(locale, 'cancel.purchases.intro'))]));
  for (const p of products) blocks.push(productSection(p, screen.customer.id, locale));
  if (moreCancelProducts(screen)) blocks.push(context([plain(moreProductsText(locale))]));
  // "Close", not "Cancel": in a flow about cancelling, the button that stops it must not sound like it cancels something.
  blocks.push(actions([cancelButton(locale, 'cancel.close')]));
  return slackMessage(cancelPurchasesText(screen, locale), blocks);
}

// --- the Important notice (a modal) -------------------------------------------------------------

/** A select option: the full wording when it fits Slack's 75 characters, else the short one. */
function orderOption(order: CancellableOrderRow, locale: Locale) {
  const full = optionText(order, locale);
  return option(full.length <= SLACK_LIMITS.optionText ? full : optionText(order, locale, true), order.orderId);
}

/**
 * The Important notice as a modal (R14, R15, R17, R19). Submitting sends
 * `{action: 'cancel.submit', customerId, noticeId}` (with `orderId` when there is one order),
 * the select's `orderId` and, when ticked, `acknowledged: 'true'` merged in. The checkbox is
 * a required input, as the Teams toggle is: Slack itself keeps the modal open until it is
 * ticked; a submission without it (forged, or from an older client) is refused by the bot.
 */
export function cancelNoticeModal(form: CancelNoticeFormScreen, locale: Locale): SlackModalView {
  const blocks: ModalBlock[] = [section(plain(`${shown(form.title, SHOWN.title)}\n${customerLine(form.customer, locale)}`))];
  if (form.acknowledgementMissing) blocks.push(section(mrkdwn(`:warning: *${escapeMrkdwn(t(locale, 'cancel.notice.acknowledgementMissing'))}*`)));
  const options = noticeOptions(form);
  const [one] = options;
  if (!one) blocks.push(section(plain(`:warning: ${t(locale, 'cancel.notice.noOrder', { title: shown(form.title, SHOWN.title) })}`)));
  else if (options.length === 1) blocks.push(...labelledFields(noticeFacts(one, locale)));
  else {
    const initial = selectedOption(form)?.orderId;
    blocks.push(input(t(locale, 'cancel.notice.chooseOrder'), staticSelect('orderId', options.map((o) => orderOption(o, locale)), initial ? { initial } : {})));
  }
  blocks.push(
    section(mrkdwn(`:warning: *${escapeMrkdwn(t(locale, 'cancel.notice.important'))}*\n${importantNotice(form, locale).map(escapeMrkdwn).join('\n')}`)),
  );
  if (one) {
    blocks.push(
      input(t(locale, 'cancel.notice.acknowledgeLabel'), checkboxes('acknowledged', [option(t(locale, 'cancel.notice.acknowledge'), 'true')]), {
        hint: t(locale, 'cancel.notice.acknowledgeHint'),
      }),
    );
  }
  return slackModal({
    title: t(locale, 'cancel.notice.title'),
    // Without an order there is nothing to submit: the modal only closes.
    ...(one ? { submit: t(locale, 'cancel.notice.submit') } : {}),
    close: t(locale, 'cancel.keep'),
    data: act.cancelSubmit(form.customer.id, form.noticeId, options.length === 1 ? one?.orderId : undefined),
    blocks,
  });
}

// --- submitted --------------------------------------------------------------------------------

export function cancelSubmittedSlack(screen: CancelSubmittedScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(`${screen.existing ? '' : '✅ '}${submittedTitle(screen, locale)}`), section(plain(submittedBody(screen, locale)))];
  if (screen.existing) blocks.push(...labelledFields(submittedFacts(screen, locale)));
  blocks.push(section(mrkdwn(`*${escapeMrkdwn(submittedCredit(screen, locale))}*`)));
  blocks.push(
    actions([
      button(anotherLabel(locale), act.command('cancel', screen.customer.id), 'another'),
      button(t(locale, 'buy.viewOrders'), act.command('orders', screen.customer.id), 'orders'),
    ]),
  );
  return slackMessage(cancelSubmittedText(screen, locale), blocks);
}

// --- the notifications --------------------------------------------------------------------------

export function cancellationFinishedSlack(screen: CancellationFinishedScreen, locale: Locale): SlackMessage {
  return slackMessage(cancellationFinishedText(screen, locale), [
    header(`✅ ${t(locale, 'cancel.finished.title')}`),
    section(plain(finishedBody(screen, locale))),
    section(mrkdwn(`:warning: *${escapeMrkdwn(revokedText(screen, locale))}*`)),
    actions([button(t(locale, 'buy.viewOrders'), act.command('orders', screen.customerId), 'orders')]),
  ]);
}

export function cancellationDelayedSlack(screen: CancellationDelayedScreen, locale: Locale): SlackMessage {
  return slackMessage(cancellationDelayedText(screen, locale), [
    header(`⏳ ${t(locale, 'cancel.delayed.title')}`),
    section(plain(delayedBody(screen, locale))),
    section(plain(t(locale, 'cancel.delayed.meanwhile'))),
    ...labelledFields(delayedFacts(screen, locale)),
    actions([button(t(locale, 'buy.viewOrders'), act.command('orders', screen.customerId), 'orders')]),
  ]);
}

export function cancellationFailedSlack(screen: CancellationFailedScreen, locale: Locale): SlackMessage {
  return slackMessage(cancellationFailedText(screen, locale), [
    header(`⚠️ ${t(locale, 'cancel.failed.title')}`),
    section(plain(failureReason(screen, locale))),
    section(mrkdwn(`*${escapeMrkdwn(failureConsequence(screen, locale))}*`)),
    section(plain(failureNextStep(screen, locale))),
    ...labelledFields(failureFacts(screen, locale)),
    context([plain(supportCommandLine(screen.orderId, locale, 'slack'))]),
    // R20: "Request support" opens the support request of this order, its facts filled in.
    actions([
      button(t(locale, 'action.support'), act.command('support', screen.orderId), 'support', 'primary'),
      button(t(locale, 'buy.viewOrders'), act.command('orders', screen.customerId), 'orders'),
    ]),
  ]);
}
