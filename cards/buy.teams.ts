/**
 * The purchase screens as Adaptive Cards 1.5. Inputs sit on the cards (Teams merges their
 * values into the submit data of a button with associatedInputs 'auto'); buttons that must
 * work whatever the inputs hold (pick from a list, filters, Cancel) use 'none'.
 * Outside values (company names, search terms, catalog titles) are literal TextRuns.
 */
import { act, type CardAction } from './actions.js';
import {
  actionSet, adaptiveCard, column, columnSet, container, heading, inputChoiceSet, inputNumber, inputText, labelled, plainText,
  cardButton, textBlock,
  type AdaptiveAction, type AdaptiveCardJson, type CardElement, type CardButton,
} from './adaptive.js';
import {
  buyConfirmedText, buyCustomerText, buyProductsText, buyReviewText, buySkuText, cancellationTermsText, confirmedFacts, confirmedTitle,
  customerDetails, customerLine, customerName, customerResultText, customerSearchTitle, flowOf, fromPriceText, kindName, moreCustomers,
  moreProducts, noProductsText, priceText, productSubline, quantityRange, productsHeading, quantityBounds, quantityErrorText, reservationsUnavailableText, reviewFacts,
  reviewTotal, shown, shownCustomers, shownProducts, shownSkus, SHOWN, skuPriceLine, skuSubline, termName,
} from './buy.text.js';
import type { ProductKind } from '../services/commerce/types.js';
import { t, type Locale, type MessageKey } from './i18n/index.js';
import {
  type BuyConfirmedScreen, type BuyCustomerScreen, type BuyProductsScreen, type BuyReviewScreen, type BuySkuScreen, type SkuOption, type TaxNote,
} from './screens.js';

/** Max characters typed into a search box: longer searches find nothing useful. */
const SEARCH_MAX_LENGTH = 200;

/** A button that ignores (and does not validate) the card's inputs. */
export function plainButton(title: string, data: CardAction, style?: CardButton['style']): CardButton {
  return cardButton(title, data, { associatedInputs: 'none', ...(style ? { style } : {}) });
}

/** The button that stops the flow (flow.stop); `label` where "Cancel" would be ambiguous (the cancel flow). */
export function cancelButton(locale: Locale, label: MessageKey = 'buy.cancel'): CardButton {
  return plainButton(t(locale, label), act.stop());
}

/** One row of a list: literal lines on the left, a button on the right. */
export function row(lines: CardElement[], button: CardButton): CardElement {
  return columnSet(
    [
      column(lines, { width: 'stretch' }),
      column([actionSet([button])], { width: 'auto', verticalContentAlignment: 'Center' }),
    ],
    { separator: true, spacing: 'Medium' },
  );
}

export function buyCustomerTeams(screen: BuyCustomerScreen, locale: Locale): AdaptiveCardJson {
  const flow = flowOf(screen);
  const body: CardElement[] = [heading(customerSearchTitle(screen, locale))];
  const tone = screen.result === 'none' || screen.result === 'invalidGuid' ? 'Warning' : 'Default';
  // The result text quotes what was typed: literal, never markdown.
  body.push(plainText(customerResultText(screen, locale), { color: tone }, { spacing: 'Small' }));
  const customers = shownCustomers(screen);
  if (customers.length > 0) {
    body.push(
      container(
        customers.map((c) =>
          row(
            [plainText(customerName(c), { weight: 'Bolder' }), plainText(customerDetails(c, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' })],
            plainButton(t(locale, 'customer.select'), act.customerPick(flow, c.id)),
          ),
        ),
      ),
    );
    if (moreCustomers(screen)) body.push(textBlock(t(locale, 'customer.more', { count: customers.length }), { isSubtle: true }));
  }
  body.push(
    inputText('query', {
      label: screen.result === 'prompt' ? t(locale, 'customer.label') : t(locale, 'customer.searchAgain'),
      placeholder: t(locale, 'customer.placeholder'),
      maxLength: SEARCH_MAX_LENGTH,
      isRequired: true,
      errorMessage: t(locale, 'customer.required'),
      // A search that found nothing stays in the box, to correct a typo.
      ...(screen.query && screen.result !== 'many' ? { value: screen.query.slice(0, SEARCH_MAX_LENGTH) } : {}),
      spacing: 'Medium',
    }),
    actionSet([cardButton(t(locale, 'customer.search'), act.customerSearch(flow), { style: 'positive' })]),
  );
  // In the cancel flow "Cancel" would read as cancelling a purchase: there it closes.
  return adaptiveCard(body, { fallbackText: buyCustomerText(screen, locale), actions: [cancelButton(locale, flow === 'cancel' ? 'cancel.close' : 'buy.cancel')] });
}

export function buyProductsTeams(screen: BuyProductsScreen, locale: Locale): AdaptiveCardJson {
  const customerId = screen.customer.id;
  const body: CardElement[] = [
    heading(t(locale, 'buy.products.title', { name: customerName(screen.customer) })),
    plainText(customerLine(screen.customer, locale), { isSubtle: true }, { spacing: 'None' }),
  ];
  const r3 = reservationsUnavailableText(screen, locale);
  if (r3) body.push(container([plainText(r3)], { style: 'warning' }));

  const filters: AdaptiveAction[] = [
    plainButton(t(locale, 'buy.products.all'), act.buyKind(customerId, 'all'), screen.filterKind === null ? 'positive' : undefined),
    ...screen.kinds.map((kind) =>
      plainButton(kindName(locale, kind), act.buyKind(customerId, kind), screen.filterKind === kind ? 'positive' : undefined),
    ),
  ];
  // Three to a row: a row of five long (German) kind names would be cut off.
  for (let i = 0; i < filters.length; i += 3) body.push(actionSet(filters.slice(i, i + 3), { spacing: i === 0 ? 'Medium' : 'Small' }));
  body.push(
    inputText('search', {
      label: t(locale, 'buy.products.searchLabel'),
      placeholder: t(locale, 'buy.products.searchPlaceholder'),
      maxLength: SEARCH_MAX_LENGTH,
      ...(screen.search ? { value: screen.search.slice(0, SEARCH_MAX_LENGTH) } : {}),
    }),
    actionSet([cardButton(t(locale, 'buy.search'), act.buyProductSearch(customerId))]),
  );

  body.push(plainText(productsHeading(screen, locale), { weight: 'Bolder' }, { spacing: 'Large' }));
  const products = shownProducts(screen);
  if (products.length === 0) body.push(textBlock(noProductsText(screen, locale)));
  else {
    body.push(
      container(
        products.map((p) =>
          row(
            [
              plainText(shown(p.title, SHOWN.title), { weight: 'Bolder' }),
              plainText(productSubline(p, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' }),
              plainText(fromPriceText(p, screen.taxNote, locale), {}, { spacing: 'None' }),
            ],
            plainButton(t(locale, 'buy.products.select'), act.buyProduct(customerId, p.productId)),
          ),
        ),
      ),
    );
  }
  if (moreProducts(screen)) body.push(textBlock(t(locale, 'buy.products.more', { count: products.length }), { isSubtle: true }));
  return adaptiveCard(body, { fallbackText: buyProductsText(screen, locale), actions: [cancelButton(locale)] });
}

export function buySkuTeams(screen: BuySkuScreen, locale: Locale): AdaptiveCardJson {
  const { product } = screen;
  const body: CardElement[] = [
    heading(shown(product.title, SHOWN.title)),
    plainText(customerLine(screen.customer, locale), { isSubtle: true }, { spacing: 'None' }),
  ];
  if (product.description.trim() !== '') body.push(plainText(shown(product.description, SHOWN.description)));
  if (product.azureHybridBenefit) body.push(container([textBlock(t(locale, 'buy.sku.ahb'))], { style: 'good' }));
  body.push(cancellationTermsTeams(screen.cancellation, product.kind, locale));

  const skus = shownSkus(screen);
  const bounds = quantityBounds(skus);
  if (skus.length === 0 || !bounds) {
    body.push(textBlock(t(locale, 'buy.sku.none'), { color: 'Warning' }));
    return adaptiveCard(body, { fallbackText: buySkuText(screen, locale), actions: [cancelButton(locale)] });
  }
  body.push(
    container(
      skus.map((s) =>
        container(
          [
            plainText(shown(s.title, SHOWN.title), { weight: 'Bolder' }),
            plainText(skuSubline(s, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' }),
            plainText(skuPriceLine(s, screen.taxNote, locale), {}, { spacing: 'None' }),
          ],
          { separator: true, spacing: 'Medium' },
        ),
      ),
    ),
  );
  if (screen.skus.length > skus.length) body.push(textBlock(t(locale, 'buy.sku.more', { count: skus.length }), { isSubtle: true }));

  body.push(textBlock(t(locale, skus.length === 1 ? 'buy.sku.introOne' : 'buy.sku.intro'), { spacing: 'Large' }));
  if (screen.quantityError) body.push(container([textBlock(quantityErrorText(screen.quantityError, locale), { color: 'Attention' })], { style: 'attention' }));

  // One SKU: nothing to choose, the button carries it. Several: the choice is an input named like the data field.
  const reviewData = act.buyReview(product.productId, skus.length === 1 ? skus[0]!.skuId : undefined);
  // One range for all the options, or each option with its own (the label then says so).
  const sameBounds = skus.every((s) => s.minQuantity === skus[0]!.minQuantity && s.maxQuantity === skus[0]!.maxQuantity);
  if (skus.length > 1) {
    const selected = skus.some((s) => s.skuId === screen.selectedSkuId) ? screen.selectedSkuId : null;
    body.push(
      inputChoiceSet(
        'skuId',
        skus.map((s) => ({
          title: skuChoiceTitle(s, screen.taxNote, locale, !sameBounds),
          value: s.skuId,
        })),
        {
          style: 'compact',
          label: t(locale, 'buy.sku.chooseLabel'),
          placeholder: t(locale, 'buy.sku.choosePlaceholder'),
          isRequired: true,
          errorMessage: t(locale, 'buy.sku.chooseRequired'),
          wrap: true,
          ...(selected ? { value: selected } : {}),
        },
      ),
    );
  }
  body.push(
    inputNumber('quantity', {
      label: sameBounds || skus.length <= 1
        ? `${t(locale, 'buy.label.quantity')} (${quantityRange(bounds.min, bounds.max, locale)})`
        : t(locale, 'buy.label.quantityPerOption'),
      placeholder: t(locale, 'buy.sku.quantityPlaceholder'),
      // Client-side check only; the server checks the chosen SKU's own bounds.
      min: bounds.min,
      max: bounds.max,
      isRequired: true,
      errorMessage: t(locale, 'buy.sku.quantityRequired'),
      ...(screen.quantity !== null ? { value: screen.quantity } : {}),
    }),
  );
  return adaptiveCard(body, {
    fallbackText: buySkuText(screen, locale),
    actions: [cardButton(t(locale, 'buy.sku.review'), reviewData, { style: 'positive' }), cancelButton(locale)],
  });
}

/**
 * The cancellation terms: a non-refundable purchase as a warning the eye cannot miss (issue 13:
 * it was small grey text), a cancellation window as a quiet note.
 */
function cancellationTermsTeams(terms: BuySkuScreen['cancellation'], kind: ProductKind | null, locale: Locale): CardElement {
  const text = cancellationTermsText(terms, kind, locale);
  return terms.cancellable ? textBlock(text, { isSubtle: true }) : container([textBlock(`⚠ ${text}`, { weight: 'Bolder' })], { style: 'warning' });
}

/**
 * An SKU in the drop-down: its title, the term unless the title already names it ("2 Core
 * License Pack – 1 year"), the price, and its quantity range when the options' ranges differ.
 */
export function skuChoiceTitle(s: SkuOption, taxNote: TaxNote, locale: Locale, withRange: boolean): string {
  const term = termName(locale, s.term);
  const parts = [shown(s.title, SHOWN.title)];
  if (!s.title.toLowerCase().includes(term.toLowerCase())) parts.push(term);
  parts.push(priceText(s.unitPriceMinor, s.currency, taxNote, locale));
  if (withRange) parts.push(quantityRange(s.minQuantity, s.maxQuantity, locale));
  return parts.join(' · ');
}

export function buyReviewTeams(screen: BuyReviewScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [];
  if (screen.priceChanged) body.push(container([textBlock(t(locale, 'buy.review.priceChanged'), { weight: 'Bolder' })], { style: 'warning' }));
  body.push(heading(t(locale, 'buy.review.title')));
  body.push(container(reviewFacts(screen, locale).map(([label, value]) => labelled(label, value))));
  const [totalLabel, total] = reviewTotal(screen, locale);
  body.push(plainText(`${totalLabel}: ${total}`, { size: 'Large', weight: 'Bolder' }, { spacing: 'Medium', separator: true }));
  body.push(cancellationTermsTeams(screen.cancellation, null, locale));
  body.push(textBlock(t(locale, 'buy.review.hint'), { isSubtle: true, spacing: 'Small' }));
  return adaptiveCard(body, {
    fallbackText: buyReviewText(screen, locale),
    actions: [
      plainButton(t(locale, 'buy.review.confirm'), act.buyConfirm(screen.reviewId), 'positive'),
      cancelButton(locale),
    ],
  });
}

export function buyConfirmedTeams(screen: BuyConfirmedScreen, locale: Locale): AdaptiveCardJson {
  const top: CardElement[] = [heading(confirmedTitle(screen, locale))];
  if (screen.existing) top.push(textBlock(t(locale, 'buy.confirmed.existing'), { spacing: 'Small' }));
  const body: CardElement[] = [
    container(top, { style: screen.existing ? 'emphasis' : 'good' }),
    plainText(t(locale, 'buy.label.orderId'), { isSubtle: true }, { spacing: 'Medium' }),
    // Large and on its own, so it is easy to read out and select for copying.
    plainText(screen.orderId, { size: 'ExtraLarge', weight: 'Bolder' }, { spacing: 'None' }),
    container(confirmedFacts(screen, locale).map(([label, value]) => labelled(label, value)), { spacing: 'Medium' }),
    textBlock(t(locale, 'buy.confirmed.keepId'), { isSubtle: true }),
  ];
  return adaptiveCard(body, {
    fallbackText: buyConfirmedText(screen, locale),
    actions: [plainButton(t(locale, 'buy.viewOrders'), act.command('orders', screen.customer.id))],
  });
}
