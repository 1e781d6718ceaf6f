/**
 * Every service refusal (services/refusal.ts) as the notice the user sees: one table, one
 * row per refusal code, so a new capability adds rows here and no mapper of its own — the
 * table does not compile until every code is worded. Anything that is not a refusal is a
 * fault and goes on to the turn's error path.
 */
import type { TurnContext } from 'botbuilder';
import { act } from '../cards/actions.js';
import { notice, notices, purchaseNotices, type NoticeScreen } from '../cards/index.js';
import { isRefusal, type Refusal, type RefusalCode, type RefusalOf } from '../services/refusal.js';
import { show } from './ui.js';

const NOTICES: { [C in RefusalCode]: (refusal: RefusalOf<C>) => NoticeScreen } = {
  forbidden: (r) => notices.forbidden(r.requiredRoles),
  // Any flow's (keys, cancel, support, the log): not worded as the purchase's.
  customer_not_found: () => notice('warning', 'notice.customerNotFound'),
  // purchase (R1–R7)
  product_not_found: () => purchaseNotices.productNotFound(),
  sku_not_found: () => purchaseNotices.skuNotFound(),
  not_sold_in_market: (r) => purchaseNotices.notSoldInMarket(r.productId, r.marketName),
  azure_reservation_unavailable: (r) => purchaseNotices.azureReservationUnavailable(r.marketName, r.listVersion),
  // A refused quantity is shown on the SKU card itself; met anywhere else, the card was stale.
  invalid_quantity: () => purchaseNotices.staleCard(),
  amount_too_large: () => purchaseNotices.amountTooLarge(),
  not_purchasable: (r) => purchaseNotices.notPurchasable(r.productId),
  purchase_prerequisite: (r) => purchaseNotices.prerequisite(r.productId, r.prerequisite),
  purchase_refused: (r) => purchaseNotices.backendRefused(r.backendCode, r.description),
  idempotency_conflict: () => purchaseNotices.staleCard(),
  invalid_request: () => purchaseNotices.staleCard(),
  // keys and downloads (R8–R12, R19)
  item_not_found: () => notice('warning', 'software.itemNotFound'),
  key_not_available: (r) => notice('warning', 'software.keyNotAvailable', { title: r.title }),
  variant_not_found: () => notices.invalidSubmit(),
  // cancelling (R14–R17)
  order_not_found: (r) => notice('warning', 'cancel.refused.orderNotFound', { orderId: r.orderId || '—' }),
  order_of_another_customer: (r) => notice('warning', 'cancel.refused.otherCustomer', { orderId: r.orderId, customer: r.customerName }),
  not_cancellable: (r) => notice('warning', r.reason === 'software_plan' ? 'cancel.refused.softwarePlan' : 'cancel.refused.notCancellable', { title: r.title }),
  // R20: past the window only a support request can help; its button opens the form filled in with this order.
  window_passed: (r) => ({
    ...notice('warning', 'cancel.refused.windowPassed', { orderId: r.orderId }, [{ labelKey: 'action.support', data: act.command('support', r.orderId) }]),
    instants: { closedAt: r.closedAt },
  }),
  already_cancelled: (r) => ({ ...notice('info', 'cancel.refused.alreadyCancelled', { orderId: r.orderId }), instants: { at: r.at } }),
  cancellation_in_progress: (r) => ({ ...notice('info', 'cancel.refused.inProgress', { orderId: r.orderId }), instants: { since: r.since } }),
  nothing_to_cancel: (r) => notice('info', 'cancel.refused.nothingToCancel', { title: r.title }),
  acknowledgement_required: () => notice('warning', 'cancel.refused.acknowledgementRequired'),
  stale_notice: () => notice('warning', 'cancel.refused.staleNotice'),
  // support requests (R20, R21)
  stale_support_card: () => notice('warning', 'support.refused.stale'),
  support_request_not_found: (r) => notice('warning', 'support.refused.requestNotFound', { requestId: r.requestId || '—' }),
  support_request_not_retryable: (r) => notice('info', 'support.refused.notRetryable', { requestId: r.requestId }),
  // the activity log (R13)
  invalid_cursor: () => notice('warning', 'activity.refused.invalidCursor'),
  invalid_range: () => notice('warning', 'activity.refused.invalidRange'),
  // role administration
  user_not_found: () => notice('warning', 'roles.userGone'),
  last_global_admin: () => notice('warning', 'roles.lastGlobalAdmin'),
};

/** A service refusal as the notice the user sees; anything else is rethrown (the turn's error path). */
export function refusalNotice(err: unknown): NoticeScreen {
  if (!isRefusal(err)) throw err;
  // The table pairs each code with its own refusal type; indexing by a union loses that link.
  const word = NOTICES[err.refusal.code] as (refusal: Refusal) => NoticeScreen;
  return word(err.refusal);
}

/** Run a service call; on a refusal show why and answer null (nothing was changed). */
export async function orRefuse<T>(ctx: TurnContext, call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    await show(ctx, refusalNotice(err));
    return null;
  }
}
