/**
 * Who may do what: one row per capability, naming the roles that grant it (DESIGN §1 and
 * R6, R8, R13, R14, R21). The services check their capability against this table, the
 * command registry (dialogs/commands.ts) shows and gates commands by it, and the customer
 * directory takes a capability as the purpose of a look-up — so a role set is written
 * once, here, never as literals in a service, a dialog or the registry.
 */
import { ForbiddenError, hasAnyRole, type Actor, type Role } from './roles.js';

/** An empty list: every user of an onboarded partner. */
export const CAPABILITY_ROLES = {
  /** R6: buy on behalf of a customer. */
  buy: ['admin_agent', 'global_admin'],
  /** A customer's orders (the purchase's own history). */
  orders: ['admin_agent', 'global_admin'],
  /** R8: activation keys and downloads. */
  keys: ['admin_agent'],
  /** R14: cancel a purchase (not a Global admin, not a Sales agent). */
  cancel: ['admin_agent'],
  /** R13: who accessed keys and downloaded software. */
  audit: ['global_admin', 'account_admin', 'referral_admin', 'marketing_content_admin'],
  /** R21: refund and cancellation support requests. */
  support: [],
  /** Grant and revoke roles. */
  roles: ['global_admin'],
  /** help, whoami. */
  everyone: [],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITY_ROLES;

export function rolesFor(capability: Capability): readonly Role[] {
  return CAPABILITY_ROLES[capability];
}

export function may(actor: Pick<Actor, 'roles'>, capability: Capability): boolean {
  return hasAnyRole(actor, CAPABILITY_ROLES[capability]);
}

/** Throws ForbiddenError naming the capability's roles unless the actor has one of them. */
export function requireCapability(actor: Pick<Actor, 'roles'>, capability: Capability): void {
  if (!may(actor, capability)) throw new ForbiddenError(CAPABILITY_ROLES[capability]);
}
