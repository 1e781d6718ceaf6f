/**
 * Business refusals of a commerce backend, typed per code: the service that called the
 * backend switches on `refusal.code` and reads its fields to translate it into its own
 * refusal (services/refusal.ts). `message` is for logs.
 */
import type { QuantityRejection } from './rules.js';

/** Where in the request a line-level refusal points. */
interface LineRef {
  lineIndex: number;
  productId: string;
  skuId: string;
}

export type CommerceRefusal =
  | { code: 'customer_not_found' }
  | ({ code: 'product_not_found' } & LineRef)
  | ({ code: 'sku_not_found' } & LineRef)
  /** The SKU has no price in the customer's market, so it cannot be sold there. */
  | ({ code: 'price_unavailable'; market: string } & LineRef)
  /** R3: the customer's market is on the Azure reservations unavailable list `listVersion`. */
  | ({ code: 'azure_reservation_unavailable'; market: string; listVersion: string | null } & LineRef)
  | ({ code: 'invalid_quantity'; reason: QuantityRejection; min: number; max: number } & LineRef)
  | { code: 'empty_order' }
  | { code: 'duplicate_line'; lineIndex: number }
  | { code: 'too_many_lines'; max: number }
  /** The idempotency key was already used for a different purchase, order `orderId`. */
  | { code: 'idempotency_conflict'; orderId: string }
  | { code: 'invalid_idempotency_key' }
  /** A total does not fit in a safe integer of minor units. */
  | { code: 'amount_overflow' }
  /**
   * Partner Center (at purchase time) does not sell the SKU to this customer, though the cached
   * catalog did (withdrawn since, or not for this customer); `partnerCenterCode` its cart error code, if any.
   */
  | ({ code: 'not_purchasable'; partnerCenterCode: string } & LineRef)
  /** The SKU needs a step before it can be bought that this product does not take (Partner Center: InventoryCheck, AzureSubscriptionRegistration). */
  | ({ code: 'purchase_prerequisite'; prerequisite: string } & LineRef)
  /** The backend refused the purchase itself (Partner Center: a checkout without an order, its code and description); nothing was bought. */
  | { code: 'purchase_refused'; partnerCenterCode: string; description: string }
  /** The caller's `accept` turned the priced draft down (e.g. the price changed since the review); nothing was bought. */
  | { code: 'draft_not_accepted' }
  // --- cancelling (requestCancellation, cancellationStatus) ---
  | { code: 'order_not_found' }
  /** R15: the window closed at `closedAt` (Partner Center error 900117). */
  | { code: 'cancellation_window_passed'; closedAt: string }
  /** R16: a line that cannot be cancelled (SUSE Linux / Red Hat software plans, or as the catalog says). */
  | { code: 'not_cancellable'; lineNumber: number }
  | { code: 'already_cancelled' }
  /** Another cancellation of the order is under way. */
  | { code: 'cancellation_in_progress' }
  /** The request names no line, a line the order does not have, or reuses a request id for another order. */
  | { code: 'invalid_cancellation'; reason: 'no_lines' | 'unknown_line' | 'request_id' }
  /** No cancellation with this request id for the partner's order. */
  | { code: 'cancellation_not_found' };

export type CommerceErrorCode = CommerceRefusal['code'];

export class CommerceError<R extends CommerceRefusal = CommerceRefusal> extends Error {
  constructor(
    readonly refusal: R,
    message: string,
  ) {
    super(message);
    this.name = 'CommerceError';
  }

  get code(): R['code'] {
    return this.refusal.code;
  }

  /** The refusal's fields (its code included). */
  get details(): R {
    return this.refusal;
  }
}

export function isCommerceError<C extends CommerceErrorCode = CommerceErrorCode>(err: unknown, code?: C): err is CommerceError<Extract<CommerceRefusal, { code: C }>> {
  return err instanceof CommerceError && (code === undefined || err.code === code);
}
