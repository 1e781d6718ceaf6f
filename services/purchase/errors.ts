/**
 * Why the purchase service refused (R1–R7). Each refusal is a discriminated union
 * member, so a dialog can `switch (err.refusal.code)` and get the details it needs for
 * its message with their types. Missing roles are not a PurchaseError: they throw
 * ForbiddenError (services/access/roles.ts), naming the roles required.
 */
import type { QuantityRejection } from '../commerce/rules.js';
import { isRefusal, RefusalError } from '../refusal.js';

export type PurchaseRefusal =
  /** Unknown id, or a customer of another partner (partner isolation: the two look alike). */
  | { code: 'customer_not_found' }
  | { code: 'product_not_found'; productId: string }
  | { code: 'sku_not_found'; productId: string; skuId: string }
  /** The SKU has no price in the customer's market (its billing country). */
  | { code: 'not_sold_in_market'; productId: string; skuId: string; market: string; marketName: string }
  /**
   * R3: the customer's market is on the Azure reservations unavailable list. `listVersion`
   * names that list (e.g. "2019-11-30"), or is null when the backend could not name it.
   */
  | { code: 'azure_reservation_unavailable'; productId: string; market: string; marketName: string; listVersion: string | null }
  /** R2: not a whole number within the SKU's bounds. */
  | { code: 'invalid_quantity'; reason: QuantityRejection; min: number; max: number }
  /** The total does not fit in a safe integer of minor units (absurd catalog data). */
  | { code: 'amount_too_large' }
  /** The idempotency key already bought something else: a bug in how the caller derives keys. */
  | { code: 'idempotency_conflict'; orderId: string | null }
  /** A malformed argument that no user input can produce (e.g. an empty idempotency key). */
  | { code: 'invalid_request'; field: string };

export type PurchaseErrorCode = PurchaseRefusal['code'];

const MESSAGES: { [C in PurchaseErrorCode]: string } = {
  customer_not_found: 'The customer was not found.',
  product_not_found: 'The product does not exist.',
  sku_not_found: 'The product has no such SKU.',
  not_sold_in_market: "The SKU is not sold in the customer's market.",
  azure_reservation_unavailable: "Azure reservations are not available in the customer's market.",
  invalid_quantity: 'The quantity is not a whole number within the allowed range.',
  amount_too_large: 'The amount is too large.',
  idempotency_conflict: 'This purchase key was already used for a different order.',
  invalid_request: 'The request is malformed.',
};

export class PurchaseError extends RefusalError<PurchaseRefusal> {
  constructor(refusal: PurchaseRefusal) {
    super(refusal, MESSAGES[refusal.code]);
    this.name = 'PurchaseError';
  }
}

/** Narrows to a PurchaseError, optionally of one code, and types its refusal accordingly. */
export function isPurchaseError<C extends PurchaseErrorCode>(err: unknown, code?: C): err is PurchaseError & { refusal: Extract<PurchaseRefusal, { code: C }> } {
  return isRefusal<PurchaseRefusal, PurchaseError, C>(PurchaseError, err, code);
}
