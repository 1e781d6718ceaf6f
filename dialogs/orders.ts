/**
 * `orders [customer]`: a customer's orders, newest first, a page at a time, with the days
 * left in each cancellation window (R15). The customer is the shared customer step (R1); the
 * "View orders" button after a purchase passes the customer's id.
 */
import { Dialog, DialogReason, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { notices } from '../cards/index.js';
import type { PurchaseService } from '../services/purchase/purchase-service.js';
import { assertNever, parseOrdersAction } from './actions.js';
import { CUSTOMER_STEP, type CustomerStepOptions, type CustomerStepResult } from './customer-step.js';
import { submitted } from './input.js';
import { customerSummary, orderRow } from './purchase-views.js';
import { orRefuse } from './refusals.js';
import { finishFlow } from './runner.js';
import { requireActor, show } from './ui.js';

export const ORDERS_DIALOG = 'orders';

interface OrdersState {
  step: 'customer' | 'list';
  customerId?: string;
}

export class OrdersDialog extends Dialog<{ args?: string }> {
  constructor(private readonly purchases: PurchaseService) {
    super(ORDERS_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    dc.activeDialog!.state = { step: 'customer' } satisfies OrdersState;
    // A customer id (the "View orders" button), else a name, tenant id or domain.
    return dc.beginDialog(CUSTOMER_STEP, { flow: 'orders', query: options?.args ?? null, byId: true } satisfies CustomerStepOptions);
  }

  override async resumeDialog(dc: DialogContext, _reason: DialogReason, result?: CustomerStepResult): Promise<DialogTurnResult> {
    if (!result?.customer) return dc.endDialog();
    return this.showPage(dc, dc.activeDialog!.state as OrdersState, result.customer.id, 1);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as OrdersState;
    // Saved at its customer step before that step was a dialog of its own: begin it now, with this turn.
    if (state.step === 'customer') return dc.beginDialog(CUSTOMER_STEP, { flow: 'orders', answerThisTurn: true } satisfies CustomerStepOptions);
    const submit = submitted(dc.context);
    const action = submit ? parseOrdersAction(submit) : null;
    if (action) {
      switch (action.action) {
        case 'orders.page':
          // Only the list shown now pages: a page button of another customer's list is refused as invalid.
          if (state.step === 'list' && action.customerId === state.customerId) return this.showPage(dc, state, state.customerId, Math.max(1, action.page));
          break;
        default:
          return assertNever(action.action);
      }
    }
    await show(dc.context, notices.invalidSubmit());
    finishFlow(dc.context);
    return Dialog.EndOfTurn;
  }

  private async showPage(dc: DialogContext, state: OrdersState, customerId: string, page: number): Promise<DialogTurnResult> {
    const history = await orRefuse(dc.context, () => this.purchases.orders(requireActor(dc.context), customerId, { page }));
    if (!history) return dc.endDialog();
    state.step = 'list';
    state.customerId = history.customer.id;
    await show(dc.context, {
      kind: 'orders',
      customer: customerSummary(history.customer),
      orders: history.orders.map(orderRow),
      page: history.page,
      totalPages: history.totalPages,
    });
    finishFlow(dc.context);
    return Dialog.EndOfTurn;
  }
}
