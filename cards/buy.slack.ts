/**
 * The purchase screens as Block Kit, and the Slack modals of the flow's forms (cards/forms.ts).
 * A Slack message cannot take typed input, so where Teams has an input on the card, Slack
 * has a button that asks for the form — shown as a modal, opened with the click's
 * trigger_id — and a `/csp …` hint.
 * Outside values (company names, search terms, catalog titles) go into plain_text, never
 * mrkdwn: no formatting, links or mentions can be smuggled in.
 */
import { act, type BuyAction, type CustomerStepAction } from './actions.js';
import {
  actions, button, context, header, input, integerInput, labelledFields, mrkdwn, plain, plainTextInput, section, slackMessage, slackModal,
  escapeMrkdwn,
  type ButtonElement, type ModalBlock, type SlackBlock, type SlackMessage, type SlackModalView,
} from './blockkit.js';
import {
  buyConfirmedText, buyCustomerText, buyProductsText, buyReviewText, buySkuText, cancellationTermsText, confirmedFacts, confirmedTitle,
  customerDetails, customerLine, customerName, customerResultText, customerSearchTitle, flowOf, flowOfAction, fromPriceText, kindName, moreCustomers,
  moreProducts, noProductsText, productSubline, productsHeading, quantityErrorText, reservationsUnavailableText, reviewFacts,
  reviewTotal, shown, shownCustomers, shownProducts, shownSkus, SHOWN, skuPriceLine, skuSubline, slackProductSearchCommand, slackSearchCommand,
  termName, billingName,
} from './buy.text.js';
import { t, type Locale, type MessageKey } from './i18n/index.js';
import {
  type BuyConfirmedScreen, type BuyCustomerScreen, type BuyProductsScreen, type BuyReviewScreen, type BuySkuScreen,
  type CustomerSummary, type QuantityFormScreen,
} from './screens.js';

const SEARCH_MAX_LENGTH = 200;

/** The button that stops the flow (flow.stop); `label` where "Cancel" would be ambiguous (the cancel flow). */
export function cancelButton(locale: Locale, label: MessageKey = 'buy.cancel'): ButtonElement {
  return button(t(locale, label), act.stop(), 'cancel');
}

/** A catalog hint with its `{command}` placeholder written as code. */
function commandHint(locale: Locale, key: 'customer.slackHint' | 'buy.products.slackHint', command: string): SlackBlock {
  const [before = '', after = ''] = t(locale, key).split('{command}');
  return context([mrkdwn(`${escapeMrkdwn(before)}\`${escapeMrkdwn(command)}\`${escapeMrkdwn(after)}`)]);
}

export function buyCustomerSlack(screen: BuyCustomerScreen, locale: Locale): SlackMessage {
  const flow = flowOf(screen);
  const blocks: SlackBlock[] = [header(customerSearchTitle(screen, locale))];
  const warn = screen.result === 'none' || screen.result === 'invalidGuid';
  blocks.push(section(plain(`${warn ? ':warning: ' : ''}${customerResultText(screen, locale)}`)));
  const customers = shownCustomers(screen);
  for (const c of customers) {
    blocks.push(
      section(
        plain(`${customerName(c)}\n${customerDetails(c, locale)}`),
        button(t(locale, 'customer.select'), act.customerPick(flow, c.id), c.id),
      ),
    );
  }
  if (moreCustomers(screen)) blocks.push(context([plain(t(locale, 'customer.more', { count: customers.length }))]));
  blocks.push(commandHint(locale, 'customer.slackHint', slackSearchCommand(flow, locale)));
  // Search opens the search as a modal (a message takes no typed input).
  // In the cancel flow "Cancel" would read as cancelling a purchase: there it closes.
  blocks.push(actions([button(t(locale, 'customer.search'), act.customerSearch(flow), 'search', 'primary'), cancelButton(locale, flow === 'cancel' ? 'cancel.close' : 'buy.cancel')]));
  return slackMessage(buyCustomerText(screen, locale), blocks);
}

export function buyProductsSlack(screen: BuyProductsScreen, locale: Locale): SlackMessage {
  const customerId = screen.customer.id;
  const blocks: SlackBlock[] = [
    header(t(locale, 'buy.products.title', { name: customerName(screen.customer) })),
    context([plain(customerLine(screen.customer, locale))]),
  ];
  const r3 = reservationsUnavailableText(screen, locale);
  if (r3) blocks.push(section(plain(`:warning: ${r3}`)));
  blocks.push(
    actions([
      button(t(locale, 'buy.products.all'), act.buyKind(customerId, 'all'), 'all', screen.filterKind === null ? 'primary' : undefined),
      ...screen.kinds.map((kind) =>
        button(kindName(locale, kind), act.buyKind(customerId, kind), kind, screen.filterKind === kind ? 'primary' : undefined),
      ),
    ]),
  );
  blocks.push(section(plain(productsHeading(screen, locale))));
  const products = shownProducts(screen);
  if (products.length === 0) blocks.push(section(plain(noProductsText(screen, locale))));
  for (const p of products) {
    blocks.push(
      section(
        plain(`${shown(p.title, SHOWN.title)}\n${productSubline(p, locale)}\n${fromPriceText(p, screen.taxNote, locale)}`),
        button(t(locale, 'buy.products.select'), act.buyProduct(customerId, p.productId), p.productId),
      ),
    );
  }
  if (moreProducts(screen)) blocks.push(context([plain(t(locale, 'buy.products.more', { count: products.length }))]));
  blocks.push(commandHint(locale, 'buy.products.slackHint', slackProductSearchCommand(locale)));
  blocks.push(actions([button(t(locale, 'buy.search'), act.buySearchProducts(customerId), 'search'), cancelButton(locale)]));
  return slackMessage(buyProductsText(screen, locale), blocks);
}

export function buySkuSlack(screen: BuySkuScreen, locale: Locale): SlackMessage {
  const { product } = screen;
  const blocks: SlackBlock[] = [header(shown(product.title, SHOWN.title)), context([plain(customerLine(screen.customer, locale))])];
  if (screen.quantityError) blocks.push(section(plain(`:warning: ${quantityErrorText(screen.quantityError, locale)}`)));
  if (product.description.trim() !== '') blocks.push(section(plain(shown(product.description, SHOWN.description))));
  if (product.azureHybridBenefit) blocks.push(section(mrkdwn(`:bulb: ${escapeMrkdwn(t(locale, 'buy.sku.ahb'))}`)));
  blocks.push(screen.cancellation.cancellable
    ? context([plain(cancellationTermsText(screen.cancellation, product.kind, locale))])
    : section(mrkdwn(`:warning: *${escapeMrkdwn(cancellationTermsText(screen.cancellation, product.kind, locale))}*`)));
  const skus = shownSkus(screen);
  if (skus.length === 0) blocks.push(section(plain(`:warning: ${t(locale, 'buy.sku.none')}`)));
  else blocks.push(context([plain(t(locale, 'buy.sku.introSlack'))]));
  for (const s of skus) {
    blocks.push(
      section(
        plain(`${shown(s.title, SHOWN.title)}\n${skuSubline(s, locale)}\n${skuPriceLine(s, screen.taxNote, locale)}`),
        button(t(locale, 'buy.sku.choose'), act.buySku(product.productId, s.skuId), s.skuId, s.skuId === screen.selectedSkuId ? 'primary' : undefined),
      ),
    );
  }
  if (screen.skus.length > skus.length) blocks.push(context([plain(t(locale, 'buy.sku.more', { count: skus.length }))]));
  blocks.push(actions([cancelButton(locale)]));
  return slackMessage(buySkuText(screen, locale), blocks);
}

export function buyReviewSlack(screen: BuyReviewScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [];
  if (screen.priceChanged) blocks.push(section(mrkdwn(`:warning: *${escapeMrkdwn(t(locale, 'buy.review.priceChanged'))}*`)));
  blocks.push(header(t(locale, 'buy.review.title')));
  blocks.push(...labelledFields(reviewFacts(screen, locale)));
  const [totalLabel, total] = reviewTotal(screen, locale);
  blocks.push(section(mrkdwn(`*${escapeMrkdwn(totalLabel)}: ${escapeMrkdwn(total)}*`)));
  // A non-refundable purchase is a warning the eye cannot miss, right above Confirm (issue 13).
  if (!screen.cancellation.cancellable) blocks.push(section(mrkdwn(`:warning: *${escapeMrkdwn(cancellationTermsText(screen.cancellation, null, locale))}*`)));
  blocks.push(context([
    ...(screen.cancellation.cancellable ? [plain(cancellationTermsText(screen.cancellation, null, locale))] : []),
    plain(t(locale, 'buy.review.hint')),
  ]));
  blocks.push(
    actions([
      button(t(locale, 'buy.review.confirm'), act.buyConfirm(screen.reviewId), 'confirm', 'primary'),
      cancelButton(locale),
    ]),
  );
  return slackMessage(buyReviewText(screen, locale), blocks);
}

export function buyConfirmedSlack(screen: BuyConfirmedScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(`${screen.existing ? '' : '✅ '}${confirmedTitle(screen, locale)}`)];
  if (screen.existing) blocks.push(section(plain(t(locale, 'buy.confirmed.existing'))));
  // The order id in code style: set apart, easy to select and copy.
  blocks.push(section(mrkdwn(`*${escapeMrkdwn(t(locale, 'buy.label.orderId'))}*\n\`${escapeMrkdwn(shown(screen.orderId, SHOWN.id))}\``)));
  blocks.push(...labelledFields(confirmedFacts(screen, locale)));
  blocks.push(context([plain(t(locale, 'buy.confirmed.keepId'))]));
  blocks.push(actions([button(t(locale, 'buy.viewOrders'), act.command('orders', screen.customer.id), 'orders')]));
  return slackMessage(buyConfirmedText(screen, locale), blocks);
}

// --- modals --------------------------------------------------------------------------

/**
 * The customer search as a modal (R1). Submitting sends `data` (default
 * `{action: 'buy.search'}`; `orders.search` / `software.search` / `cancel.search` for the
 * orders / keys / cancel flow) with `query` merged in — what a Teams search card sends.
 */
export function buySearchModal(locale: Locale, data: CustomerStepAction = act.customerSearch('buy'), initialQuery: string | null = null): SlackModalView {
  const flow = flowOfAction(data.action);
  return slackModal({
    title: t(locale, 'customer.modalTitle'),
    submit: t(locale, 'customer.search'),
    close: t(locale, 'buy.cancel'),
    data,
    blocks: [
      section(plain(t(locale, 'customer.prompt'))),
      input(
        t(locale, 'customer.label'),
        plainTextInput('query', {
          placeholder: t(locale, 'customer.placeholder'),
          maxLength: SEARCH_MAX_LENGTH,
          ...(initialQuery ? { initialValue: initialQuery.slice(0, SEARCH_MAX_LENGTH) } : {}),
        }),
      ),
      context([plain(customerSearchTitle({ kind: 'buyCustomer', flow, query: null, result: 'prompt', customers: [] }, locale))]),
    ],
  });
}

/** The product search as a modal: sends `{action: 'buy.productSearch', customerId, search}` — what the Teams product card sends. */
export function buyProductSearchModal(locale: Locale, customer: CustomerSummary, data?: BuyAction): SlackModalView {
  return slackModal({
    title: t(locale, 'buy.products.modalTitle'),
    submit: t(locale, 'buy.search'),
    close: t(locale, 'buy.cancel'),
    data: data ?? act.buyProductSearch(customer.id),
    blocks: [
      context([plain(customerLine(customer, locale))]),
      input(t(locale, 'buy.products.searchLabel'), plainTextInput('search', { placeholder: t(locale, 'buy.products.searchPlaceholder'), maxLength: SEARCH_MAX_LENGTH })),
    ],
  });
}

/** What the quantity modal shows: the SKU chosen on the SKU screen (the quantity form, without its kind). */
export type BuyQuantityModalModel = Omit<QuantityFormScreen, 'kind'>;

/** The model of the quantity modal for one SKU of a SKU screen (null: no such SKU on it). */
export function quantityModalModel(screen: BuySkuScreen, skuId: string): BuyQuantityModalModel | null {
  const sku = screen.skus.find((s) => s.skuId === skuId);
  if (!sku) return null;
  return {
    customer: screen.customer,
    productId: screen.product.productId,
    productTitle: screen.product.title,
    sku,
    taxNote: screen.taxNote,
    quantity: screen.selectedSkuId === skuId ? screen.quantity : null,
    quantityError: screen.selectedSkuId === skuId ? screen.quantityError : null,
  };
}

/**
 * The quantity of the chosen SKU (R2) as a modal with a whole-number input bounded by
 * the SKU (Slack checks min/max before submitting; the server checks again). Submitting
 * sends `data` (default `{action: 'buy.review', productId, skuId}`) with `quantity`
 * merged in, as a string — what the Teams SKU card sends.
 */
export function buyQuantityModal(model: BuyQuantityModalModel, locale: Locale, data?: BuyAction): SlackModalView {
  const { sku } = model;
  const blocks: ModalBlock[] = [
    section(
      plain(
        `${shown(model.productTitle, SHOWN.title)}\n${shown(sku.title, SHOWN.title)}\n` +
          `${termName(locale, sku.term)} · ${billingName(locale, sku.billing, sku.term)}\n${skuPriceLine(sku, model.taxNote, locale)}`,
      ),
    ),
    context([plain(customerLine(model.customer, locale))]),
  ];
  if (model.quantityError) blocks.push(section(plain(`:warning: ${quantityErrorText(model.quantityError, locale)}`)));
  // Slack refuses a view whose initial value lies outside min/max: prefill only a valid quantity.
  const q = model.quantity;
  const initial = q !== null && Number.isInteger(q) && q >= sku.minQuantity && q <= sku.maxQuantity ? q : null;
  blocks.push(
    input(
      t(locale, 'buy.label.quantity'),
      integerInput('quantity', { min: sku.minQuantity, max: sku.maxQuantity, initial, placeholder: t(locale, 'buy.sku.quantityPlaceholder') }),
      { hint: t(locale, 'buy.sku.quantityHint', { min: sku.minQuantity, max: sku.maxQuantity }) },
    ),
  );
  return slackModal({
    title: t(locale, 'buy.sku.modalTitle'),
    submit: t(locale, 'buy.sku.review'),
    close: t(locale, 'buy.cancel'),
    data: data ?? act.buyReview(model.productId, sku.skuId),
    blocks,
  });
}
