/**
 * Why the support service refused (R20, R21): its members of the refusal vocabulary
 * (services/refusal.ts). An unknown order, or another partner's, is the cancellation
 * service's `order_not_found` (the two look alike); a field the user typed wrong is not a
 * refusal but a problem shown beside the field (SupportService.check).
 */
export type SupportRefusal =
  /** A review card that is not the one the flow showed last, or a review submitted before by someone else. */
  | { code: 'stale_support_card' }
  /** `support retry <id>`: the user has no request of that number. */
  | { code: 'support_request_not_found'; requestId: string }
  /** `support retry <id>`: filed already, or being filed. */
  | { code: 'support_request_not_retryable'; requestId: string };
