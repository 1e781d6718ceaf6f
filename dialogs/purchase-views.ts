/**
 * The purchase service's answers as the screens of cards/ want them — shared by the `buy`
 * and `orders` flows (refusals: dialogs/refusals.ts).
 */
import type { BuySkuScreen, CustomerOption, CustomerSummary, OrderRow, ProductOption } from '../cards/index.js';
import type { CustomerView } from '../services/customers/directory.js';
import type { CancellationTerms, OfferView, OffersView, OrderView } from '../services/purchase/purchase-service.js';

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
  return {
    orderId: o.orderId, productTitle: o.productTitle, quantity: o.quantity, status: o.status, purchaseDate: o.purchaseDate, window: o.cancellation,
    ...(o.statusAt && (o.cancellation.state === 'cancelled' || o.cancellation.state === 'cancelling') ? { statusAt: o.statusAt.toISOString() } : {}),
    ...(o.credit ? { credit: o.credit } : {}),
  };
}
