/**
 * Why the software service refused (R8–R12, R19). A missing role is not a SoftwareError:
 * it throws ForbiddenError (services/access/roles.ts) naming the role — Admin agent (R8).
 */
import { isRefusal, RefusalError } from '../refusal.js';

export type SoftwareRefusal =
  /** Unknown id, or a customer of another partner (the two look alike). */
  | { code: 'customer_not_found' }
  /** The order line is not one of this customer's purchases with downloads. */
  | { code: 'item_not_found' }
  /** R19: the purchase was cancelled (or is being cancelled); keys and links are revoked. */
  | { code: 'key_not_available'; title: string }
  /** The product has no such Version × Language × File type. */
  | { code: 'variant_not_found'; version: string; language: string; fileType: string };

export type SoftwareErrorCode = SoftwareRefusal['code'];

const MESSAGES: { [C in SoftwareErrorCode]: string } = {
  customer_not_found: 'The customer was not found.',
  item_not_found: "The purchase is not one of this customer's.",
  key_not_available: 'The purchase was cancelled; its keys and links are revoked.',
  variant_not_found: 'The product has no such version, language and file type.',
};

export class SoftwareError extends RefusalError<SoftwareRefusal> {
  constructor(refusal: SoftwareRefusal) {
    super(refusal, MESSAGES[refusal.code]);
    this.name = 'SoftwareError';
  }
}

export function isSoftwareError<C extends SoftwareErrorCode>(err: unknown, code?: C): err is SoftwareError & { refusal: Extract<SoftwareRefusal, { code: C }> } {
  return isRefusal<SoftwareRefusal, SoftwareError, C>(SoftwareError, err, code);
}
