/**
 * `orders [customer]`: a customer's orders, newest first, a page at a time, with the days
 * left in each cancellation window (R15). The customer is found as in `buy` (R1); the
 * "View orders" button after a purchase passes the customer's id.
 */
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { notices } from '../cards/index.js';
import { isPurchaseError } from '../services/purchase/errors.js';
import type { CustomerDirectory } from '../services/customers/directory.js';
import type { PurchaseService } from '../services/purchase/purchase-service.js';
import { parseTurnInput } from './input.js';
import { customerSummary, orderRow } from './purchase-views.js';
import { orRefuse } from './refusals.js';
import { finishFlow } from './runner.js';
import { askCustomer, customerQuery, searchCustomer } from './customer-step.js';
import { requireActor, show } from './ui.js';

export const ORDERS_DIALOG = 'orders';

interface OrdersState {
  step: 'customer' | 'list';
  customerId?: string;
}

export class OrdersDialog extends Dialog<{ args?: string }> {
  constructor(
    private readonly purchases: PurchaseService,
    private readonly customers: CustomerDirectory,
  ) {
    super(ORDERS_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    const state: OrdersState = { step: 'customer' };
    dc.activeDialog!.state = state;
    const query = options?.args?.trim().slice(0, 200) ?? '';
    if (!query) return this.ask(dc, null, 'prompt');
    // A customer id (the "View orders" button), else a name, tenant id or domain.
    try {
      const customer = await this.customers.get(requireActor(dc.context), 'orders', query);
      return this.showPage(dc, state, customer.id, 1);
    } catch (err) {
      if (!isPurchaseError(err, 'customer_not_found')) throw err;
    }
    return this.search(dc, state, query);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as OrdersState;
    const input = parseTurnInput(dc.context.activity);
    const submit = input.kind === 'submit' ? input : null;
    if (state.step === 'list') {
      if (submit?.action === 'orders.page' && submit.data.customerId === state.customerId && Number.isSafeInteger(Number(submit.data.page))) {
        return this.showPage(dc, state, state.customerId!, Math.max(1, Number(submit.data.page)));
      }
      await show(dc.context, notices.invalidSubmit());
      finishFlow(dc.context);
      return Dialog.EndOfTurn;
    }
    if (submit?.action === 'orders.customer' && typeof submit.data.customerId === 'string') {
      return this.showPage(dc, state, submit.data.customerId, 1);
    }
    const query = customerQuery(input, 'orders');
    if (query) return this.search(dc, state, query);
    await show(dc.context, notices.invalidSubmit());
    return this.ask(dc, null, 'prompt');
  }

  private ask(dc: DialogContext, query: string | null, result: 'prompt' | 'none' | 'invalidGuid'): Promise<DialogTurnResult> {
    return askCustomer(dc, 'orders', query, result);
  }

  private search(dc: DialogContext, state: OrdersState, query: string): Promise<DialogTurnResult> {
    return searchCustomer(dc, { flow: 'orders', customers: this.customers, query, onOne: (customerId) => this.showPage(dc, state, customerId, 1) });
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
