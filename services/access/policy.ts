/**
 * The role check of a capability (services/access/capabilities.ts) that also records the
 * refusals the activity log must hold: a user without the Admin agent role asking for keys
 * or downloads is a failed key access (R12), recorded with who, when and what was asked for.
 * The dialog runner checks a command through it before a flow starts, and the services check
 * their own methods through it again — one mechanism, so no caller special-cases the record.
 */
import type { ActivityEvent, ActivityLog } from '../activity/activity-log.js';
import { may, rolesFor, type Capability } from './capabilities.js';
import { ForbiddenError, type Actor } from './roles.js';

/** Capabilities whose refusals are recorded in the activity log, as which event. */
const RECORDED_REFUSALS: Partial<Record<Capability, ActivityEvent>> = {
  keys: 'key_view',
  /** R13: a user without one of the log's roles asking to see it. */
  audit: 'log_viewed',
};

/** What the refused request was about, as the user or a card said it (untrusted; stored only when well-formed). */
export interface RefusedRequest {
  customerId?: unknown;
  orderId?: unknown;
  lineNumber?: unknown;
}

export class AccessPolicy {
  private readonly now: () => Date;

  constructor(private readonly deps: { activity: ActivityLog; now?: () => Date }) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Resolves when the actor holds the capability; else records the refusal where required and throws ForbiddenError. */
  async require(actor: Actor, capability: Capability, about: RefusedRequest = {}): Promise<void> {
    if (may(actor, capability)) return;
    const event = RECORDED_REFUSALS[capability];
    if (event) {
      await this.deps.activity.record({
        at: this.now(), partnerId: actor.partnerId, event, outcome: 'forbidden', userId: actor.userId,
        customerId: typeof about.customerId === 'string' ? about.customerId : null,
        orderId: typeof about.orderId === 'string' ? about.orderId : null,
        lineNumber: typeof about.lineNumber === 'number' ? about.lineNumber : null,
      });
    }
    throw new ForbiddenError(rolesFor(capability));
  }
}
