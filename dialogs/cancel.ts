/**
 * `cancel [customer] [order id]` (R14–R18): the customer (the shared customer step) → the
 * customer's software purchases and where each stands → the order to cancel and the
 * Important notice, acknowledged → Submit → "submitted; I will tell you when it has finished"
 * (the tracking job tells them, services/cancellation/tracking.ts) → another order of the same
 * customer, if they like (R17: several, one after another).
 *
 * What the user typed is read once: an order id (10 to 64 letters and digits, e.g.
 * 7DK3XKQSZDRA — one without a digit only when the partner has that order) and the rest as the customer ("cancel order 7DK3… for
 * contoso" works as well as "cancel contoso 7DK3…"). With an order id only, the customer is
 * the order's. Filler words (order, for, of; Bestellung, für, von) are ignored.
 *
 * How `cancel` is told apart (the runner, dialogs/runner.ts): a bare `cancel` while a flow
 * runs stops that flow, as it always did; a bare `cancel` with none running, and `cancel`
 * with anything after it, start this flow. `stop` only ever stops the running flow.
 *
 * The notice a Submit answers is the one this flow showed last (its id and the orders it
 * offered are kept in the flow's state; dialog state is per user, so another user's card has
 * no flow here): a Submit for another notice, or for an order it did not offer, is stale.
 */
import { Dialog, DialogReason, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import type { CancelAction } from '../cards/actions.js';
import { notices, type CancellableOrderRow, type CancelNoticeFormScreen } from '../cards/index.js';
import type { CancellablePurchase, CancellationNotice, CancellationService, SubmitResult } from '../services/cancellation/cancellation-service.js';
import type { CustomerView } from '../services/customers/directory.js';
import { isRefusal, refuse } from '../services/refusal.js';
import { assertNever, parseCancelAction } from './actions.js';
import { CUSTOMER_STEP, type CustomerStepOptions, type CustomerStepResult } from './customer-step.js';
import { submitted } from './input.js';
import { customerSummary } from './purchase-views.js';
import { orRefuse, refusalNotice } from './refusals.js';
import { finishFlow } from './runner.js';
import { requireActor, show } from './ui.js';

export const CANCEL_DIALOG = 'cancel';

interface CancelState {
  customerId?: string;
  /** The customer's purchases were listed: a notice refused leaves the user there. */
  listed?: true;
  /** An order id the user typed with the command: its notice follows the customer step. */
  orderId?: string;
  /** The notice last shown: what a Submit may answer. */
  notice?: { noticeId: string; productId: string; orderIds: string[] };
}

/** Shaped like an order id: 10–128 letters, digits, dashes and underscores (the embedded backend's are 12, Partner Center's longer and case-sensitive). */
const ORDER_ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9_-]{9,127}$/;
const FILLER = new Set(['order', 'orders', 'for', 'of', 'the', 'customer', 'bestellung', 'für', 'fuer', 'von', 'kunde']);
const GUID_LIKE = /^\{?[0-9a-f]{8}-/i;

export interface CancelArgs {
  orderId: string | null;
  /** The customer words (the rest), or null. */
  query: string | null;
  /**
   * Words shaped like an order id but without a digit ("Pharmaceuticals" is one, and so is one
   * order id in about 90): an order id only if the partner has such an order — the flow asks.
   */
  candidates: string[];
}

/**
 * What `cancel …` said: an order id (the first order-id-shaped word with a digit, or one of
 * `knownOrderIds`) and the customer query (the rest, filler words left out).
 */
export function parseCancelArgs(args: string, knownOrderIds: ReadonlySet<string> = new Set()): CancelArgs {
  const words = args.trim().split(/\s+/).filter(Boolean);
  let orderId: string | null = null;
  const rest: string[] = [];
  const candidates: string[] = [];
  for (const w of words) {
    const bare = w.replace(/[.,;:!?]+$/, '');
    const shaped = ORDER_ID_SHAPE.test(bare) && !GUID_LIKE.test(bare) && !bare.includes('.');
    if (!orderId && shaped && (/\d/.test(bare) || knownOrderIds.has(bare.toUpperCase()))) {
      orderId = bare.toUpperCase();
      continue;
    }
    if (shaped) candidates.push(bare.toUpperCase());
    if (!FILLER.has(bare.toLowerCase())) rest.push(w);
  }
  const query = rest.join(' ').trim();
  return { orderId, query: query === '' ? null : query, candidates: orderId ? [] : candidates };
}

function utcDate(iso: string): string {
  return iso.slice(0, 10);
}

export function cancellableRow(p: CancellablePurchase): CancellableOrderRow {
  return {
    orderId: p.orderId,
    title: p.title,
    quantity: p.quantity,
    purchaseDate: utcDate(p.purchasedAt),
    window: p.state,
    statusAt: p.statusAt,
    ...(p.credit ? { credit: p.credit } : {}),
  };
}

function noticeForm(n: CancellationNotice, extra: Pick<CancelNoticeFormScreen, 'selectedOrderId' | 'acknowledgementMissing'> = {}): CancelNoticeFormScreen {
  return {
    kind: 'cancelNoticeForm',
    customer: customerSummary(n.customer),
    productId: n.productId,
    title: n.title,
    options: n.options.map(cancellableRow),
    noticeId: n.noticeId,
    ...extra,
  };
}

export class CancelDialog extends Dialog<{ args?: string }> {
  constructor(private readonly cancellations: CancellationService) {
    super(CANCEL_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    const state: CancelState = {};
    dc.activeDialog!.state = state;
    const args = options?.args ?? '';
    const first = parseCancelArgs(args);
    let { orderId, query } = first;
    if (!orderId && first.candidates.length > 0) {
      // A word without a digit is an order id only when the partner has that order.
      const known = await orRefuse(dc.context, () => this.cancellations.knownOrderId(requireActor(dc.context), first.candidates));
      if (known === null) return dc.endDialog();
      if (known) ({ orderId, query } = parseCancelArgs(args, new Set([known.toUpperCase()])));
    }
    if (orderId) {
      state.orderId = orderId;
      // `cancel <order id>`: the order names its customer; with customer words too, when they name that customer.
      const found = await orRefuse(dc.context, () => this.cancellations.customerOfOrder(requireActor(dc.context), orderId, query ?? undefined));
      if (!found) return dc.endDialog();
      if (found.named) return this.afterCustomer(dc, state, found.customer);
      // The words name other customers only: the user picks one, and the notice says the order is not theirs.
    }
    // A customer id (a button), else a name, tenant id or domain.
    return dc.beginDialog(CUSTOMER_STEP, { flow: 'cancel', query, byId: true } satisfies CustomerStepOptions);
  }

  override async resumeDialog(dc: DialogContext, _reason: DialogReason, result?: CustomerStepResult): Promise<DialogTurnResult> {
    if (!result?.customer) return dc.endDialog();
    return this.afterCustomer(dc, dc.activeDialog!.state as CancelState, result.customer);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as CancelState;
    const submit = submitted(dc.context);
    const action = submit ? parseCancelAction(submit) : null;
    // Every action names the customer of the card it came from: another customer's card is stale.
    if (action && state.customerId && action.customerId === state.customerId) {
      switch (action.action) {
        case 'cancel.product':
          return this.showNotice(dc, state, { productId: action.productId });
        case 'cancel.submit':
          return this.submit(dc, state, action);
        default:
          return assertNever(action);
      }
    }
    await show(dc.context, action ? refusalNotice(refuse({ code: 'stale_notice' })) : notices.invalidSubmit());
    return Dialog.EndOfTurn;
  }

  // --- steps -----------------------------------------------------------------------

  private async afterCustomer(dc: DialogContext, state: CancelState, customer: CustomerView): Promise<DialogTurnResult> {
    state.customerId = customer.id;
    const orderId = state.orderId;
    delete state.orderId;
    if (orderId) return this.showNotice(dc, state, { orderId });
    return this.showList(dc, state, customer.id);
  }

  /** Step 2: the customer's software purchases with their states. */
  private async showList(dc: DialogContext, state: CancelState, customerId: string): Promise<DialogTurnResult> {
    const overview = await orRefuse(dc.context, () => this.cancellations.purchases(requireActor(dc.context), customerId));
    if (!overview) return dc.endDialog();
    state.listed = true;
    delete state.notice;
    await show(dc.context, {
      kind: 'cancelPurchases',
      customer: customerSummary(overview.customer),
      products: overview.products.map((p) => ({ productId: p.productId, title: p.title, orders: p.purchases.map(cancellableRow) })),
    });
    if (overview.products.length === 0) {
      finishFlow(dc.context);
      return dc.endDialog();
    }
    return Dialog.EndOfTurn;
  }

  /** Steps 3–4: the order(s) to choose from, the Important notice and the acknowledgement. */
  private async showNotice(dc: DialogContext, state: CancelState, pick: { orderId: string } | { productId: string }): Promise<DialogTurnResult> {
    const n = await orRefuse(dc.context, () => this.cancellations.notice(requireActor(dc.context), state.customerId!, pick));
    if (!n) {
      // Nothing to cancel by that name: with no list shown (`cancel <order id>`), there is nothing to go back to.
      return state.listed ? Dialog.EndOfTurn : dc.endDialog();
    }
    state.notice = { noticeId: n.noticeId, productId: n.productId, orderIds: n.options.map((o) => o.orderId) };
    await show(dc.context, noticeForm(n));
    return Dialog.EndOfTurn;
  }

  /** Step 5: submit; a missing acknowledgement shows the notice again, saying so. */
  private async submit(dc: DialogContext, state: CancelState, action: Extract<CancelAction, { action: 'cancel.submit' }>): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const shown = state.notice;
    const orderId = action.orderId ?? (shown?.orderIds.length === 1 ? shown.orderIds[0] : undefined);
    // A Submit answers the notice shown last, for an order it offered (an older card, a tampered one: stale).
    if (!shown || shown.noticeId !== action.noticeId || !orderId || !shown.orderIds.includes(orderId)) {
      await show(ctx, refusalNotice(refuse({ code: 'stale_notice' })));
      return Dialog.EndOfTurn;
    }
    const me = requireActor(ctx);
    let result: SubmitResult;
    try {
      // A notice submitted already is answered with its cancellation, acknowledged or not (the service checks that first).
      result = await this.cancellations.submit(me, {
        customerId: state.customerId!, orderId, noticeId: action.noticeId, acknowledged: action.acknowledged === true,
        conversation: { channel: ctx.activity.channelId, conversationId: ctx.activity.conversation.id },
      });
    } catch (err) {
      if (isRefusal(err, 'acknowledgement_required')) return this.askAcknowledgement(dc, state, shown, orderId);
      await show(ctx, refusalNotice(err));
      return Dialog.EndOfTurn;
    }
    const c = result.cancellation;
    await show(ctx, {
      kind: 'cancelSubmitted',
      customer: customerSummary(c.customer),
      orderId: c.orderId,
      title: c.title,
      creditMinor: c.creditMinor,
      currency: c.currency,
      existing: result.status === 'existing',
    }, { keep: true });
    // Submitted: `cancel` now has nothing to undo. The card is its record: "Cancel another order" is
    // a new task below it (`cancel <customer id>`), not a step in this card's place.
    finishFlow(ctx);
    return Dialog.EndOfTurn;
  }

  /** The same notice again (its id unchanged, the chosen order kept), saying that the acknowledgement is required. */
  private async askAcknowledgement(dc: DialogContext, state: CancelState, shown: NonNullable<CancelState['notice']>, orderId: string): Promise<DialogTurnResult> {
    const n = await orRefuse(dc.context, () => this.cancellations.notice(requireActor(dc.context), state.customerId!, { productId: shown.productId }));
    if (!n) return Dialog.EndOfTurn;
    const options = n.options.filter((o) => shown.orderIds.includes(o.orderId));
    if (options.length === 0) {
      await show(dc.context, refusalNotice(refuse({ code: 'acknowledgement_required' })));
      return Dialog.EndOfTurn;
    }
    await show(dc.context, noticeForm({ ...n, noticeId: shown.noticeId, options }, { selectedOrderId: orderId, acknowledgementMissing: true }));
    return Dialog.EndOfTurn;
  }
}
