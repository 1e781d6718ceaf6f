/** Business refusals of the commerce backend. Dialogs switch on `code` to explain them. */

export type CommerceErrorCode =
  | 'customer_not_found'
  | 'product_not_found'
  | 'sku_not_found'
  /** The SKU has no price in the customer's market, so it cannot be sold there. */
  | 'price_unavailable'
  /** R3: the customer's market is on the Azure reservations unavailable list. */
  | 'azure_reservation_unavailable'
  | 'invalid_quantity'
  | 'empty_order'
  | 'duplicate_line'
  | 'too_many_lines'
  /** The idempotency key was already used for a different purchase. */
  | 'idempotency_conflict'
  | 'invalid_idempotency_key'
  /** A total does not fit in a safe integer of minor units. */
  | 'amount_overflow'
  /** The caller's `accept` turned the priced draft down (e.g. the price changed since the review); nothing was bought. */
  | 'draft_not_accepted';

export class CommerceError extends Error {
  constructor(
    readonly code: CommerceErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'CommerceError';
  }
}

export function isCommerceError(err: unknown, code?: CommerceErrorCode): err is CommerceError {
  return err instanceof CommerceError && (code === undefined || err.code === code);
}
