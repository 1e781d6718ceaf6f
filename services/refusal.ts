/**
 * The one vocabulary of refusals: every reason a service turns down what a user asked —
 * a missing role, an unknown customer, a quantity out of bounds, the last Global admin —
 * is a member of the discriminated union `Refusal`, thrown as a `RefusalError`.
 *
 * - Each domain names its own members (services/purchase/errors.ts, software/errors.ts,
 *   access/…); this file only joins them, so a new capability adds its members there and
 *   one row per member to the notice table in dialogs/refusals.ts, which does not compile
 *   until every code is worded.
 * - A refusal carries what the user's message needs, typed per code; `message` is for logs
 *   and developers, never shown. Refusals hold no secrets (no keys, no tokens).
 * - Anything that is not a RefusalError is a fault, handled by the turn's error path.
 *
 * A backend's own refusals (services/commerce/errors.ts) are not in this union: the service
 * that called the backend translates them into its own terms.
 */
import type { Role } from './access/roles.js';
import type { ActivityRefusal } from './activity/errors.js';
import type { CancellationRefusal } from './cancellation/errors.js';
import type { PurchaseRefusal } from './purchase/errors.js';
import type { SoftwareRefusal } from './software/errors.js';
import type { SupportRefusal } from './support/errors.js';

/** The actor has none of the roles the capability needs (named, so the user learns whom to ask). */
export interface ForbiddenRefusal {
  code: 'forbidden';
  requiredRoles: readonly Role[];
}

/** R1: an unknown customer id, or a customer of another partner — the two look alike. */
export interface CustomerNotFoundRefusal {
  code: 'customer_not_found';
}

/** Role administration: the user is not one of the actor's partner, or would leave it without a Global admin. */
export type RoleAdminRefusal = { code: 'user_not_found' } | { code: 'last_global_admin' };

export type Refusal = ForbiddenRefusal | CustomerNotFoundRefusal | PurchaseRefusal | SoftwareRefusal | CancellationRefusal | SupportRefusal | ActivityRefusal | RoleAdminRefusal;

export type RefusalCode = Refusal['code'];

/** The refusal of code C, with its fields. */
export type RefusalOf<C extends RefusalCode> = Extract<Refusal, { code: C }>;

export class RefusalError<R extends Refusal = Refusal> extends Error {
  constructor(
    readonly refusal: R,
    message = `refused: ${refusal.code}`,
  ) {
    super(message);
    this.name = 'RefusalError';
  }

  get code(): R['code'] {
    return this.refusal.code;
  }
}

/** A RefusalError for `refusal` (`throw refuse({ code: 'sku_not_found', … })`). */
export function refuse<R extends Refusal>(refusal: R): RefusalError<R> {
  return new RefusalError(refusal);
}

/** Narrows to a refusal, optionally of one of `codes`, with its fields typed accordingly. */
export function isRefusal<C extends RefusalCode = RefusalCode>(err: unknown, ...codes: C[]): err is RefusalError<RefusalOf<C>> {
  if (!(err instanceof RefusalError)) return false;
  const code: RefusalCode = (err as RefusalError).refusal.code;
  return codes.length === 0 || (codes as RefusalCode[]).includes(code);
}
