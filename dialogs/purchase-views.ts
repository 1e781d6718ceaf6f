/**
 * The purchase service's answers as the screens of cards/ want them, and its refusals
 * as notices — shared by the `buy` and `orders` flows.
 */
import type { TurnContext } from 'botbuilder';
import { notices, purchaseNotices, type BuySkuScreen, type Screen, type CustomerOption, type CustomerSummary, type NoticeScreen, type OrderRow, type ProductOption } from '../cards/index.js';
import type { CancellationTerms, CustomerView, OfferView, OffersView, OrderView } from '../services/purchase/purchase-service.js';
import { isPurchaseError } from '../services/purchase/errors.js';
import { ForbiddenError } from '../services/access/roles.js';
import { show } from './ui.js';

export function customerSummary(c: CustomerView): CustomerSummary {
  return { id: c.id, companyName: c.companyName, countryCode: c.market.countryCode, currency: c.market.currency };
}

export function customerOption(c: CustomerView): CustomerOption {
  return { id: c.id, companyName: c.companyName, domain: c.primaryDomain, tenantId: c.tenantId, countryCode: c.market.countryCode };
}

export function productOptions(offers: OffersView): ProductOption[] {
  return offers.groups.flatMap((g) =>
    g.offers.map((o) => ({
      productId: o.id,
      title: o.title,
      kind: o.kind,
      publisher: o.publisher,
      fromPriceMinor: o.skus.length ? Math.min(...o.skus.map((s) => s.unitPriceMinor)) : null,
      currency: offers.customer.market.currency,
    })),
  );
}

export function cancellationTerms(c: CancellationTerms): { cancellable: boolean; windowDays: number | null } {
  return c.cancellable ? { cancellable: true, windowDays: c.windowDays } : { cancellable: false, windowDays: null };
}

export function skuScreen(customer: CustomerView, offer: OfferView, extra: Pick<BuySkuScreen, 'selectedSkuId' | 'quantity' | 'quantityError'>): BuySkuScreen {
  return {
    kind: 'buySku',
    customer: customerSummary(customer),
    product: { productId: offer.id, title: offer.title, kind: offer.kind, description: offer.description, azureHybridBenefit: offer.azureHybridBenefit },
    skus: offer.skus.map((s) => ({
      skuId: s.skuId, title: s.title, term: s.term, billing: s.billing, minQuantity: s.minQuantity, maxQuantity: s.maxQuantity,
      unitPriceMinor: s.unitPriceMinor, currency: s.currency,
    })),
    taxNote: customer.taxNote,
    cancellation: cancellationTerms(offer.cancellation),
    ...extra,
  };
}

export function orderRow(o: OrderView): OrderRow {
  return { orderId: o.orderId, productTitle: o.productTitle, quantity: o.quantity, status: o.status, purchaseDate: o.purchaseDate, window: o.cancellation };
}

/** A service refusal as the notice the user sees; anything else is rethrown (the turn's error path). */
export function refusalNotice(err: unknown): NoticeScreen {
  if (err instanceof ForbiddenError) return notices.forbidden(err.requiredRoles);
  if (!isPurchaseError(err)) throw err;
  const r = err.refusal;
  switch (r.code) {
    case 'customer_not_found':
      return purchaseNotices.customerNotFound();
    case 'product_not_found':
      return purchaseNotices.productNotFound();
    case 'sku_not_found':
      return purchaseNotices.skuNotFound();
    case 'not_sold_in_market':
      return purchaseNotices.notSoldInMarket(r.productId, r.marketName);
    case 'azure_reservation_unavailable':
      return purchaseNotices.azureReservationUnavailable(r.marketName, r.listVersion);
    case 'amount_too_large':
      return purchaseNotices.amountTooLarge();
    default:
      return purchaseNotices.staleCard();
  }
}

/**
 * Run a service call; on a refusal show why and answer null (nothing was changed).
 * `toNotice` words the refusals of another service (it rethrows what is no refusal).
 */
export async function orRefuse<T>(ctx: TurnContext, call: () => Promise<T>, toNotice: (err: unknown) => Screen = refusalNotice): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    await show(ctx, toNotice(err));
    return null;
  }
}
