/** The partner-centre roles the bot knows (DESIGN §1), and the refusal of a missing role. */
import { RefusalError, type ForbiddenRefusal } from '../refusal.js';

export const ROLES = [
  'admin_agent',
  'sales_agent',
  'helpdesk_agent',
  'global_admin',
  'account_admin',
  'billing_admin',
  'referral_admin',
  'marketing_content_admin',
] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export type Channel = 'msteams' | 'slack';

/** Who is acting: every service method takes one and checks the role itself. */
export interface Actor {
  userId: number;
  partnerId: number;
  channel: Channel;
  externalId: string;
  displayName: string | null;
  roles: readonly Role[];
  /** The language to answer in: the one they chose in chat, else their client's. */
  locale: string;
  /** The language they chose in chat (`language de`), when they chose one. */
  preferredLocale?: string | null;
}

/** Thrown by a service when the actor lacks every one of the required roles: the `forbidden` refusal. */
export class ForbiddenError extends RefusalError<ForbiddenRefusal> {
  constructor(requiredRoles: readonly Role[]) {
    super({ code: 'forbidden', requiredRoles }, `requires one of the roles: ${requiredRoles.join(', ')}`);
    this.name = 'ForbiddenError';
  }

  get requiredRoles(): readonly Role[] {
    return this.refusal.requiredRoles;
  }
}

export function hasAnyRole(actor: Pick<Actor, 'roles'>, required: readonly Role[]): boolean {
  return required.length === 0 || required.some((r) => actor.roles.includes(r));
}

