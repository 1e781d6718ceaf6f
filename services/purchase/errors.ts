/**
 * Why the purchase service refused (R1–R7): its members of the refusal vocabulary
 * (services/refusal.ts). Missing roles are the shared `forbidden` refusal (ForbiddenError,
 * services/access/roles.ts), naming the roles required.
 */
import type { QuantityRejection } from '../commerce/rules.js';
import { isRefusal, type CustomerNotFoundRefusal, type RefusalError } from '../refusal.js';

export type PurchaseRefusal =
  /** Unknown id, or a customer of another partner (partner isolation: the two look alike). */
  | CustomerNotFoundRefusal
  | { code: 'product_not_found'; productId: string }
  | { code: 'sku_not_found'; productId: string; skuId: string }
  /** The SKU has no price in the customer's market (its billing country). */
  | { code: 'not_sold_in_market'; productId: string; skuId: string; market: string; marketName: string }
  /**
   * R3: the customer's market is on the Azure reservations unavailable list. `listVersion`
   * names that list (e.g. "2019-11-30"), or is null when the backend could not name it.
   */
  | { code: 'azure_reservation_unavailable'; productId: string; market: string; marketName: string; listVersion: string | null }
  /** Partner Center, asked at purchase time, does not sell the SKU to this customer (any more); nothing was bought. */
  | { code: 'not_purchasable'; productId: string; skuId: string }
  /** The SKU needs a step before it can be bought that the bot does not take (Partner Center: an inventory check, an Azure subscription registration). */
  | { code: 'purchase_prerequisite'; productId: string; prerequisite: string }
  /** The commerce backend refused the purchase (Partner Center's code and description); nothing was bought. */
  | { code: 'purchase_refused'; backendCode: string; description: string }
  /** R2: not a whole number within the SKU's bounds. */
  | { code: 'invalid_quantity'; reason: QuantityRejection; min: number; max: number }
  /** The total does not fit in a safe integer of minor units (absurd catalog data). */
  | { code: 'amount_too_large' }
  /** The idempotency key already bought something else: a bug in how the caller derives keys. */
  | { code: 'idempotency_conflict'; orderId: string | null }
  /** A malformed argument that no user input can produce (e.g. an empty idempotency key). */
  | { code: 'invalid_request'; field: string };

export type PurchaseErrorCode = PurchaseRefusal['code'];

/** Every code, once: a member added to the union fails to compile until it is listed. */
const PURCHASE_CODES: { readonly [C in PurchaseErrorCode]: true } = {
  customer_not_found: true, product_not_found: true, sku_not_found: true, not_sold_in_market: true, azure_reservation_unavailable: true,
  not_purchasable: true, purchase_prerequisite: true, purchase_refused: true, invalid_quantity: true, amount_too_large: true, idempotency_conflict: true, invalid_request: true,
};

/** Narrows to a purchase refusal, optionally of one code, and types its fields accordingly. */
export function isPurchaseError<C extends PurchaseErrorCode>(err: unknown, code?: C): err is RefusalError<Extract<PurchaseRefusal, { code: C }>> {
  return isRefusal(err) && Object.hasOwn(PURCHASE_CODES, err.refusal.code) && (code === undefined || err.refusal.code === code);
}
