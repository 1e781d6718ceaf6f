/**
 * Every action a card button (or a Slack modal) can send back: one discriminated union, and
 * the typed constructors the renderers build buttons with (`act.buyProduct(…)`), so no card
 * can send an action no flow knows. The flows read them back with one parser per flow
 * (dialogs/actions.ts) and `switch` over them exhaustively, as teams.ts' card examples do.
 *
 * Actions carry opaque ids only — never a key, a download URL or a price the server would
 * trust. Teams merges a card's input values into the action (`query`, `quantity`, `skuId`…);
 * Slack modals merge theirs the same way (bot/slack/listeners/views).
 */
import type { Role } from '../services/access/roles.js';
import type { ProductKind } from '../services/commerce/types.js';
import type { CustomerSearchFlow, SubmitData } from './screens.js';

/** Any flow: stop the running flow (the Cancel buttons). With no flow running it starts nothing. */
export type StopAction = { action: 'flow.stop' };
/**
 * Run a command as if typed (help's buttons, "View orders"): a new task, answered below the card.
 * `inPlace`: the command's answer takes the card's place instead (the language card's choices,
 * whose card would otherwise go on saying the old language).
 */
export type CommandAction = { action: 'command'; command: string; args?: string; inPlace?: true };

/**
 * Whether a button starts a task of its own (a command, answered below its card, and never part of
 * the card's task) — as opposed to a step of the card's task, answered in the card's place.
 */
export function startsNewTask(data: { action: string; inPlace?: unknown }): boolean {
  return data.action === 'command' && data.inPlace !== true;
}

/** The customer step (R1) of the flow `F`: search (Teams: the card's box; Slack: a modal) or pick one of a list. */
export type CustomerStepAction<F extends CustomerSearchFlow = CustomerSearchFlow> =
  | { action: `${F}.search`; query?: string }
  | { action: `${F}.customer`; customerId: string };

export type BuyAction =
  /** Product filter; 'all' clears it. */
  | { action: 'buy.kind'; customerId?: string; kind: ProductKind | 'all' }
  /** A product search (Teams: the card's box; Slack: the modal); no text clears the search. */
  | { action: 'buy.productSearch'; customerId?: string; search?: string }
  /** Slack: open the product search modal. */
  | { action: 'buy.searchProducts'; customerId?: string }
  | { action: 'buy.product'; customerId?: string; productId: string }
  /** Slack: a SKU chosen; the quantity is asked in a modal. */
  | { action: 'buy.sku'; productId: string; skuId: string }
  /** The SKU and quantity to review (Teams: inputs on the SKU card; Slack: the quantity modal). */
  | { action: 'buy.review'; productId: string; skuId?: string; quantity?: string | number }
  | { action: 'buy.confirm'; reviewId: string };

export type OrdersAction = { action: 'orders.page'; customerId: string; page: number };

export type SoftwareAction =
  | { action: 'software.item'; orderId: string; lineNumber: number }
  /** Teams: the three pickers merged in; Slack: one button per existing combination (its variant id). */
  | { action: 'software.get'; orderId: string; lineNumber: number; variantId?: number; version?: string; language?: string; fileType?: string }
  /** Slack reports a click on the Download link button too; it needs no answer. */
  | { action: 'software.download' };

export type RolesAction =
  | { action: 'roles.page'; offset: number }
  | { action: 'roles.pick'; userId: number }
  | { action: 'roles.toggle'; userId: number; role: Role; grant: boolean }
  | { action: 'roles.confirm'; userId: number; role: Role; grant: boolean }
  | { action: 'roles.done' };

export type CancelAction =
  /** Step 3: cancel an order of this product (the notice form follows). */
  | { action: 'cancel.product'; customerId: string; productId: string }
  /** Step 5: Submit; the form's inputs `orderId` and `acknowledged` ('true' when on) are merged in. */
  | { action: 'cancel.submit'; customerId: string; noticeId: string; orderId?: string; acknowledged?: string | boolean };

/**
 * Support requests (R21). The form's inputs (impact, title, description, refundReason, amount,
 * contactName, contactEmail, contactPhone; on Slack `files`, the file input's ids joined by
 * commas) are merged into `support.review`, as Teams and the Slack modal merge them.
 */
export type SupportAction =
  /** `support` without an order id: file a request for this order (a cancellation that could not be completed). */
  | { action: 'support.order'; orderId: string }
  /** The form filled in: check it and show the review. */
  | { action: 'support.review'; draftId: string; [field: string]: string | number | boolean }
  /** Back from the review to the form, values kept. */
  | { action: 'support.edit'; reviewId: string }
  /** Submit the reviewed request. */
  | { action: 'support.submit'; reviewId: string };

/**
 * The activity log (R13). The range and filters live in the flow's state; only the paging
 * cursor travels on a button (opaque, and checked by the service against the range and filters).
 */
export type ActivityAction =
  /** The next page after `cursor`. */
  | { action: 'activity.next'; cursor: string }
  /** Show the range and filter form (Slack: a modal). */
  | { action: 'activity.filters' }
  /** The form's Apply: `from`, `to` (YYYY-MM-DD), `kind`, `customerId`, `userId` merged in. */
  | { action: 'activity.apply'; from?: string; to?: string; kind?: string; customerId?: string; userId?: string | number }
  /** Back from the form to the list, nothing changed. */
  | { action: 'activity.back' }
  /** Clear the customer, user and kind filters (the range stays). */
  | { action: 'activity.clear' }
  /** Export the whole range (with the filters) as CSV. */
  | { action: 'activity.export' };

export type CardAction = StopAction | CommandAction | CustomerStepAction | BuyAction | OrdersAction | SoftwareAction | CancelAction | RolesAction | SupportAction | ActivityAction;
export type CardActionName = CardAction['action'];

/** The typed constructors renderers build buttons and modals with. */
export const act = {
  stop: (): StopAction => ({ action: 'flow.stop' }),
  command: (command: string, args?: string): CommandAction => ({ action: 'command', command, ...(args !== undefined ? { args } : {}) }),
  commandInPlace: (command: string, args?: string): CommandAction => ({ ...act.command(command, args), inPlace: true }),
  customerSearch: <F extends CustomerSearchFlow>(flow: F): CustomerStepAction<F> => ({ action: `${flow}.search` }),
  customerPick: <F extends CustomerSearchFlow>(flow: F, customerId: string): CustomerStepAction<F> => ({ action: `${flow}.customer`, customerId }),
  buyKind: (customerId: string, kind: ProductKind | 'all'): BuyAction => ({ action: 'buy.kind', customerId, kind }),
  buyProductSearch: (customerId: string): BuyAction => ({ action: 'buy.productSearch', customerId }),
  buySearchProducts: (customerId: string): BuyAction => ({ action: 'buy.searchProducts', customerId }),
  buyProduct: (customerId: string, productId: string): BuyAction => ({ action: 'buy.product', customerId, productId }),
  buySku: (productId: string, skuId: string): BuyAction => ({ action: 'buy.sku', productId, skuId }),
  /** Teams merges `skuId` and `quantity` from the card's inputs; the Slack modal passes `skuId` and merges `quantity`. */
  buyReview: (productId: string, skuId?: string): BuyAction => ({ action: 'buy.review', productId, ...(skuId !== undefined ? { skuId } : {}) }),
  buyConfirm: (reviewId: string): BuyAction => ({ action: 'buy.confirm', reviewId }),
  ordersPage: (customerId: string, page: number): OrdersAction => ({ action: 'orders.page', customerId, page }),
  softwareItem: (orderId: string, lineNumber: number): SoftwareAction => ({ action: 'software.item', orderId, lineNumber }),
  /** Teams merges version, language and fileType from the pickers. */
  softwareGet: (orderId: string, lineNumber: number, variantId?: number): SoftwareAction => ({ action: 'software.get', orderId, lineNumber, ...(variantId !== undefined ? { variantId } : {}) }),
  softwareDownload: (): SoftwareAction => ({ action: 'software.download' }),
  cancelProduct: (customerId: string, productId: string): CancelAction => ({ action: 'cancel.product', customerId, productId }),
  /** Teams merges `orderId` and `acknowledged` from the card's inputs; the Slack modal merges them the same way. */
  cancelSubmit: (customerId: string, noticeId: string, orderId?: string): CancelAction => ({
    action: 'cancel.submit', customerId, noticeId, ...(orderId !== undefined ? { orderId } : {}),
  }),
  supportOrder: (orderId: string): SupportAction => ({ action: 'support.order', orderId }),
  /** Teams merges the form's inputs; the Slack modal merges them the same way. */
  supportReview: (draftId: string): SupportAction => ({ action: 'support.review', draftId }),
  supportEdit: (reviewId: string): SupportAction => ({ action: 'support.edit', reviewId }),
  supportSubmit: (reviewId: string): SupportAction => ({ action: 'support.submit', reviewId }),
  activityNext: (cursor: string): ActivityAction => ({ action: 'activity.next', cursor }),
  activityFilters: (): ActivityAction => ({ action: 'activity.filters' }),
  /** Teams merges the form's inputs; the Slack modal merges them the same way. */
  activityApply: (): ActivityAction => ({ action: 'activity.apply' }),
  activityClear: (): ActivityAction => ({ action: 'activity.clear' }),
  activityBack: (): ActivityAction => ({ action: 'activity.back' }),
  activityExport: (): ActivityAction => ({ action: 'activity.export' }),
  rolesPage: (offset: number): RolesAction => ({ action: 'roles.page', offset }),
  rolesPick: (userId: number): RolesAction => ({ action: 'roles.pick', userId }),
  rolesToggle: (userId: number, role: Role, grant: boolean): RolesAction => ({ action: 'roles.toggle', userId, role, grant }),
  rolesConfirm: (userId: number, role: Role, grant: boolean): RolesAction => ({ action: 'roles.confirm', userId, role, grant }),
  rolesDone: (): RolesAction => ({ action: 'roles.done' }),
} as const;

/** An action as the flat submit data a card carries (what Slack encodes into a button's value). */
export function submitDataOf(action: CardAction): SubmitData {
  return action;
}
