/**
 * Why the cancellation service refused (R14–R17): its members of the refusal vocabulary
 * (services/refusal.ts). A missing role is the shared `forbidden` refusal naming the Admin
 * agent role (R14); an unknown customer the shared `customer_not_found`.
 */
import type { CustomerNotFoundRefusal } from '../refusal.js';

export type CancellationRefusal =
  | CustomerNotFoundRefusal
  /** Unknown or malformed order id, or another partner's order (the two look alike). */
  | { code: 'order_not_found'; orderId: string }
  /** The partner's order, but of another customer than the one the user chose. */
  | { code: 'order_of_another_customer'; orderId: string; customerName: string }
  /** R16: a software plan (SUSE Linux, Red Hat) or a product the catalog marks non-cancellable. */
  | { code: 'not_cancellable'; orderId: string; title: string; reason: 'software_plan' | 'not_cancellable' }
  /** R15: the window closed at `closedAt` (ISO instant). */
  | { code: 'window_passed'; orderId: string; closedAt: string }
  | { code: 'already_cancelled'; orderId: string; at: string }
  /** A cancellation of the order is under way (requested at `since`). */
  | { code: 'cancellation_in_progress'; orderId: string; since: string }
  /** The product has purchases, none of which can be cancelled now. */
  | { code: 'nothing_to_cancel'; title: string }
  /** R17: Submit without the acknowledgement of the Important notice. */
  | { code: 'acknowledgement_required' }
  /** The notice card is not the one the user was last shown, or was already used for another order. */
  | { code: 'stale_notice' };

export type CancellationRefusalCode = CancellationRefusal['code'];
