/**
 * The purchase screens as plain text (fallback text, notifications, Slack's `text`), and
 * the wording both card renderers share: prices with their tax note (R4), cancellation
 * terms (R15, R16), quantity errors (R2), the R3 and R5 notes.
 */
import type { BillingCycle, OrderStatus, ProductKind, Term } from '../services/commerce/types.js';
import { clamp } from './blockkit.js';
import { countryName, formatDate, formatInstant, formatMoney, formatNumber } from './format.js';
import { pluralCategory, t, type Locale, type MessageKey } from './i18n/index.js';
import {
  CARD_LIMITS,
  type BuyConfirmedScreen, type BuyCustomerScreen, type BuyProductsScreen, type BuyReviewScreen, type BuySkuScreen,
  type CancellationTermsView, type CancellationWindowView, type CustomerOption, type CustomerSearchFlow, type CustomerSummary,
  type ProductOption, type QuantityError, type SkuOption, type TaxNote,
} from './screens.js';

/**
 * How much of an outside string a card shows. Long values are clamped with an ellipsis:
 * a 300-character company name must not push the rest of the card out of view.
 */
export const SHOWN = { companyName: 120, query: 60, title: 150, publisher: 80, description: 600, domain: 100, id: 100 } as const;

export function shown(text: string, max: number): string {
  return clamp(text.trim(), max);
}

export function kindName(locale: Locale, kind: ProductKind): string {
  return t(locale, `productKind.${kind}`);
}

export function termName(locale: Locale, term: Term): string {
  return t(locale, `term.${term}`);
}

/**
 * How it is paid. A single payment for a term of a year or more is "paid upfront for the term",
 * not "paid once", which reads like perpetual software (issue 13: a 1-year subscription said so).
 */
export function billingName(locale: Locale, billing: BillingCycle, term?: Term): string {
  if (billing === 'one_time' && term !== undefined && term !== 'one_time') return t(locale, 'billing.upfrontForTerm');
  return t(locale, `billing.${billing}`);
}

export function statusName(locale: Locale, status: OrderStatus): string {
  return t(locale, `orderStatus.${status}`);
}

/** R4: every price says whether tax is included. "€12.00 excl. tax" / "12,00 € ohne Steuern". */
export function priceText(minor: number, currency: string, taxNote: TaxNote, locale: Locale): string {
  return t(locale, taxNote === 'incl' ? 'price.incl' : 'price.excl', { price: formatMoney(minor, currency, locale) });
}

export function fromPriceText(product: ProductOption, taxNote: TaxNote, locale: Locale): string {
  if (product.fromPriceMinor === null) return t(locale, 'price.none');
  return t(locale, 'price.from', { price: priceText(product.fromPriceMinor, product.currency, taxNote, locale) });
}

/** "1–100" / "5" (when the SKU allows exactly one quantity), numbers formatted for the locale. */
export function quantityRange(min: number, max: number, locale: Locale): string {
  return min === max ? formatNumber(min, locale) : `${formatNumber(min, locale)}–${formatNumber(max, locale)}`;
}

/** "Contoso Ltd · Germany · prices in EUR" */
export function customerLine(customer: CustomerSummary, locale: Locale): string {
  return t(locale, 'buy.customerLine', {
    name: shown(customer.companyName, SHOWN.companyName),
    country: countryName(customer.countryCode, locale),
    currency: customer.currency,
  });
}

export function customerName(customer: Pick<CustomerSummary, 'companyName'>): string {
  return shown(customer.companyName, SHOWN.companyName);
}

// --- customer search (R1) ----------------------------------------------------------

export function flowOf(screen: BuyCustomerScreen): CustomerSearchFlow {
  return screen.flow ?? 'buy';
}

const SEARCH_TITLE: { readonly [F in CustomerSearchFlow]: MessageKey } = {
  buy: 'customer.titleBuy',
  orders: 'customer.titleOrders',
  software: 'customer.titleSoftware',
  cancel: 'customer.titleCancel',
};

/** The command each flow is started with (the software flow is `keys`). */
const FLOW_COMMAND: { readonly [F in CustomerSearchFlow]: string } = { buy: 'buy', orders: 'orders', software: 'keys', cancel: 'cancel' };

/** The flow of a customer-step action (`cancel.search` → 'cancel'); 'buy' for anything else. */
export function flowOfAction(action: string): CustomerSearchFlow {
  const prefix = action.slice(0, action.indexOf('.'));
  return Object.hasOwn(FLOW_COMMAND, prefix) ? (prefix as CustomerSearchFlow) : 'buy';
}

export function customerSearchTitle(screen: BuyCustomerScreen, locale: Locale): string {
  return t(locale, SEARCH_TITLE[flowOf(screen)]);
}

/** What the search found, or the prompt. Contains the query: show it as literal text. */
export function customerResultText(screen: BuyCustomerScreen, locale: Locale): string {
  const query = shown(screen.query ?? '', SHOWN.query);
  switch (screen.result) {
    case 'prompt':
      return t(locale, 'customer.prompt');
    case 'many':
      return t(locale, 'customer.many', { query });
    case 'none':
      // Suggest the other ways to search than the one just tried (R1: name, tenant ID, domain).
      return t(locale, screen.searchedBy === 'domain' ? 'customer.noneDomain' : screen.searchedBy === 'guid' ? 'customer.noneTenant' : screen.searchedBy === 'idOrGuid' ? 'customer.noneIdOrTenant' : 'customer.none', { query });
    case 'invalidGuid':
      return t(locale, 'customer.invalidGuid', { query });
  }
}

export function shownCustomers(screen: BuyCustomerScreen): CustomerOption[] {
  return screen.result === 'many' ? screen.customers.slice(0, CARD_LIMITS.customers) : [];
}

/** More customers matched than the card lists. */
export function moreCustomers(screen: BuyCustomerScreen): boolean {
  return screen.result === 'many' && (screen.more === true || screen.customers.length > CARD_LIMITS.customers);
}

export function customerDetails(c: CustomerOption, locale: Locale): string {
  return t(locale, 'customer.details', { domain: shown(c.domain, SHOWN.domain), tenantId: shown(c.tenantId, SHOWN.id), country: countryName(c.countryCode, locale) });
}

/** Slack: "/csp buy [customer]" (or orders, keys) in the reader's language. */
export function slackSearchCommand(flow: CustomerSearchFlow, locale: Locale): string {
  return `/csp ${FLOW_COMMAND[flow]} [${t(locale, 'arg.customer')}]`;
}

export function buyCustomerText(screen: BuyCustomerScreen, locale: Locale): string {
  const lines = [customerSearchTitle(screen, locale), customerResultText(screen, locale)];
  for (const c of shownCustomers(screen)) lines.push(`• ${customerName(c)} (${customerDetails(c, locale)})`);
  if (moreCustomers(screen)) lines.push(t(locale, 'customer.more', { count: shownCustomers(screen).length }));
  return lines.join('\n');
}

// --- products (R2, R3) -------------------------------------------------------------

export function shownProducts(screen: BuyProductsScreen): ProductOption[] {
  return screen.products.slice(0, CARD_LIMITS.products);
}

export function moreProducts(screen: BuyProductsScreen): boolean {
  return screen.more || screen.products.length > CARD_LIMITS.products;
}

/** R3: said plainly, with the list's version when known. */
export function reservationsUnavailableText(screen: BuyProductsScreen, locale: Locale): string | null {
  const info = screen.azureReservationsUnavailable;
  if (!info) return null;
  const country = countryName(screen.customer.countryCode, locale);
  return info.listVersion
    ? t(locale, 'buy.reservationsUnavailableVersion', { country, version: shown(info.listVersion, 40) })
    : t(locale, 'buy.reservationsUnavailable', { country });
}

/** Why the list is empty: nothing matches, or Azure reservations did and R3 keeps them out. */
/**
 * Why the list is empty, as far as the bot knows: a search matched nothing in the catalog this
 * customer's market may buy (it says nothing of other markets: the product may exist nowhere), a
 * kind has no products there, or the market has none at all.
 */
export function noProductsText(screen: BuyProductsScreen, locale: Locale): string {
  const country = countryName(screen.customer.countryCode, locale);
  if (screen.azureReservationsUnavailable?.matched) return t(locale, 'buy.products.onlyReservations', { country });
  if (screen.search) return t(locale, 'buy.products.noneMatching', { search: shown(screen.search, SHOWN.query), country });
  if (screen.filterKind) return t(locale, 'buy.products.noneOfKind', { kind: kindName(locale, screen.filterKind), country });
  return t(locale, 'buy.products.none', { country });
}

/** "Products matching “sql”", "Showing: Software plan", or the general intro. */
export function productsHeading(screen: BuyProductsScreen, locale: Locale): string {
  if (screen.search) return t(locale, 'buy.products.matching', { search: shown(screen.search, SHOWN.query) });
  if (screen.filterKind) return t(locale, 'buy.products.ofKind', { kind: kindName(locale, screen.filterKind) });
  return t(locale, 'buy.products.intro');
}

export function productSubline(p: ProductOption, locale: Locale): string {
  return `${kindName(locale, p.kind)} · ${shown(p.publisher, SHOWN.publisher)}`;
}

export function slackProductSearchCommand(locale: Locale): string {
  return `/csp buy [${t(locale, 'arg.customer')}] [${t(locale, 'arg.product')}]`;
}

export function buyProductsText(screen: BuyProductsScreen, locale: Locale): string {
  const lines = [t(locale, 'buy.products.title', { name: customerName(screen.customer) }), productsHeading(screen, locale)];
  const r3 = reservationsUnavailableText(screen, locale);
  if (r3) lines.push(r3);
  const products = shownProducts(screen);
  if (products.length === 0) lines.push(noProductsText(screen, locale));
  for (const p of products) lines.push(`• ${shown(p.title, SHOWN.title)} (${productSubline(p, locale)}): ${fromPriceText(p, screen.taxNote, locale)}`);
  if (moreProducts(screen)) lines.push(t(locale, 'buy.products.more', { count: products.length }));
  return lines.join('\n');
}

// --- SKU and quantity (R2, R4, R5, R16) -------------------------------------------

export function shownSkus(screen: BuySkuScreen): SkuOption[] {
  return screen.skus.slice(0, CARD_LIMITS.skus);
}

/** R15/R16 before buying. */
export function cancellationTermsText(terms: CancellationTermsView, kind: ProductKind | null, locale: Locale): string {
  if (!terms.cancellable) return t(locale, kind === 'software_plan' ? 'buy.sku.softwarePlanNotCancellable' : 'buy.sku.notCancellable');
  return terms.windowDays === null ? t(locale, 'buy.sku.cancellableNoDays') : t(locale, 'buy.sku.cancellable', { days: terms.windowDays });
}

/** "1 year · Annually · Quantity 1–100" */
export function skuSubline(sku: SkuOption, locale: Locale): string {
  return `${termName(locale, sku.term)} · ${billingName(locale, sku.billing, sku.term)} · ${t(locale, 'buy.label.quantity')} ${quantityRange(sku.minQuantity, sku.maxQuantity, locale)}`;
}

export function skuPriceLine(sku: SkuOption, taxNote: TaxNote, locale: Locale): string {
  return `${t(locale, 'buy.label.unitPrice')}: ${priceText(sku.unitPriceMinor, sku.currency, taxNote, locale)}`;
}

export function quantityErrorText(error: QuantityError, locale: Locale): string {
  const key: MessageKey = `quantity.${error.reason}`;
  return t(locale, key, { min: error.min, max: error.max });
}

/** The bounds the quantity input enforces: wide enough for every SKU offered (the server checks the chosen one exactly). */
export function quantityBounds(skus: readonly SkuOption[]): { min: number; max: number } | null {
  if (skus.length === 0) return null;
  return { min: Math.min(...skus.map((s) => s.minQuantity)), max: Math.max(...skus.map((s) => s.maxQuantity)) };
}

export function buySkuText(screen: BuySkuScreen, locale: Locale): string {
  const lines = [shown(screen.product.title, SHOWN.title), customerLine(screen.customer, locale)];
  if (screen.quantityError) lines.push(quantityErrorText(screen.quantityError, locale));
  if (screen.product.azureHybridBenefit) lines.push(t(locale, 'buy.sku.ahb'));
  lines.push(cancellationTermsText(screen.cancellation, screen.product.kind, locale));
  const skus = shownSkus(screen);
  if (skus.length === 0) lines.push(t(locale, 'buy.sku.none'));
  for (const s of skus) lines.push(`• ${shown(s.title, SHOWN.title)}: ${skuSubline(s, locale)}; ${skuPriceLine(s, screen.taxNote, locale)}`);
  return lines.join('\n');
}

// --- review (R6) ---------------------------------------------------------------------

export function reviewFacts(screen: BuyReviewScreen, locale: Locale): Array<[string, string]> {
  return [
    [t(locale, 'buy.label.customer'), customerLine(screen.customer, locale)],
    [t(locale, 'buy.label.product'), shown(screen.productTitle, SHOWN.title)],
    [t(locale, 'buy.label.sku'), shown(screen.skuTitle, SHOWN.title)],
    [t(locale, 'buy.label.term'), termName(locale, screen.term)],
    [t(locale, 'buy.label.billing'), billingName(locale, screen.billing, screen.term)],
    [t(locale, 'buy.label.quantity'), formatNumber(screen.quantity, locale)],
    [t(locale, 'buy.label.unitPrice'), priceText(screen.unitPriceMinor, screen.currency, screen.taxNote, locale)],
  ];
}

export function reviewTotal(screen: BuyReviewScreen, locale: Locale): [string, string] {
  return [t(locale, 'buy.label.total'), priceText(screen.totalMinor, screen.currency, screen.taxNote, locale)];
}

export function buyReviewText(screen: BuyReviewScreen, locale: Locale): string {
  const lines: string[] = [];
  if (screen.priceChanged) lines.push(t(locale, 'buy.review.priceChanged'));
  lines.push(t(locale, 'buy.review.title'));
  for (const [label, value] of [...reviewFacts(screen, locale), reviewTotal(screen, locale)]) lines.push(`${label}: ${value}`);
  lines.push(cancellationTermsText(screen.cancellation, null, locale), t(locale, 'buy.review.hint'));
  return lines.join('\n');
}

// --- confirmation and cancellation windows (R7, R15) ---------------------------------

/** "58 days left" / "noch 58 Tage". */
export function daysLeft(days: number, locale: Locale): string {
  return pluralCategory(locale, days) === 'one' ? t(locale, 'window.left.one') : t(locale, 'window.left.other', { days });
}

/** In a sentence (confirmation): "Can be cancelled until Apr 3, 2025 (59 days left)." */
export function windowSentence(window: CancellationWindowView, locale: Locale): string {
  switch (window.state) {
    case 'open':
      return window.closesAt
        ? t(locale, 'window.openUntil', { date: formatInstant(window.closesAt, locale), left: daysLeft(window.daysLeft, locale) })
        : t(locale, 'window.open', { left: daysLeft(window.daysLeft, locale) });
    case 'passed':
      return window.closedAt ? t(locale, 'window.passedOn', { date: formatInstant(window.closedAt, locale) }) : t(locale, 'window.passed');
    default:
      return windowShort(window, locale);
  }
}

/** In a list (orders): "12 days left to cancel", "Cancellation window passed". */
export function windowShort(window: CancellationWindowView, locale: Locale): string {
  switch (window.state) {
    case 'open':
      return t(locale, 'window.openShort', { left: daysLeft(window.daysLeft, locale) });
    case 'passed':
      return t(locale, 'window.passed');
    case 'notCancellable':
      return t(locale, window.reason === 'software_plan' ? 'window.softwarePlan' : 'window.notCancellable');
    case 'cancelling':
      return t(locale, 'window.cancelling');
    case 'cancelled':
      return t(locale, 'window.cancelled');
  }
}

export function confirmedTitle(screen: BuyConfirmedScreen, locale: Locale): string {
  return t(locale, screen.existing ? 'buy.confirmed.existingTitle' : 'buy.confirmed.title');
}

export function confirmedFacts(screen: BuyConfirmedScreen, locale: Locale): Array<[string, string]> {
  return [
    [t(locale, 'buy.label.customer'), customerName(screen.customer)],
    [t(locale, 'buy.label.product'), `${shown(screen.productTitle, SHOWN.title)} · ${shown(screen.skuTitle, SHOWN.title)}`],
    [t(locale, 'buy.label.quantity'), formatNumber(screen.quantity, locale)],
    [t(locale, 'buy.label.total'), priceText(screen.totalMinor, screen.currency, screen.taxNote, locale)],
    [t(locale, 'buy.label.purchaseDate'), formatDate(screen.purchaseDate, locale)],
    [t(locale, 'buy.label.cancellation'), windowSentence(screen.cancellation, locale)],
  ];
}

export function buyConfirmedText(screen: BuyConfirmedScreen, locale: Locale): string {
  const lines = [confirmedTitle(screen, locale)];
  if (screen.existing) lines.push(t(locale, 'buy.confirmed.existing'));
  lines.push(`${t(locale, 'buy.label.orderId')}: ${screen.orderId}`);
  for (const [label, value] of confirmedFacts(screen, locale)) lines.push(`${label}: ${value}`);
  return lines.join('\n');
}
