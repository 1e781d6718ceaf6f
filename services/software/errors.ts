/**
 * Why the software service refused (R8–R12, R19): its members of the refusal vocabulary
 * (services/refusal.ts). A missing role is the shared `forbidden` refusal (ForbiddenError,
 * services/access/roles.ts) naming the role — Admin agent (R8).
 */
import { isRefusal, type CustomerNotFoundRefusal, type RefusalError } from '../refusal.js';

export type SoftwareRefusal =
  /** Unknown id, or a customer of another partner (the two look alike). */
  | CustomerNotFoundRefusal
  /** The order line is not one of this customer's purchases with downloads. */
  | { code: 'item_not_found' }
  /** R19: the purchase was cancelled (or is being cancelled); keys and links are revoked. */
  | { code: 'key_not_available'; title: string }
  /** The product has no such Version × Language × File type. */
  | { code: 'variant_not_found'; version: string; language: string; fileType: string };

export type SoftwareErrorCode = SoftwareRefusal['code'];

/** Every code, once: a member added to the union fails to compile until it is listed. */
const SOFTWARE_CODES: { readonly [C in SoftwareErrorCode]: true } = { customer_not_found: true, item_not_found: true, key_not_available: true, variant_not_found: true };

/** Narrows to a software refusal, optionally of one code, and types its fields accordingly. */
export function isSoftwareError<C extends SoftwareErrorCode>(err: unknown, code?: C): err is RefusalError<Extract<SoftwareRefusal, { code: C }>> {
  return isRefusal(err) && Object.hasOwn(SOFTWARE_CODES, err.refusal.code) && (code === undefined || err.refusal.code === code);
}
