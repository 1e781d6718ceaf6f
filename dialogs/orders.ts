/**
 * `orders [customer]`: a customer's orders, newest first, a page at a time, with the days
 * left in each cancellation window (R15). The customer is found as in `buy` (R1); the
 * "View orders" button after a purchase passes the customer's id.
 */
import type { TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { notices } from '../cards/index.js';
import type { Actor } from '../services/access/roles.js';
import { isPurchaseError } from '../services/purchase/errors.js';
import type { PurchaseService } from '../services/purchase/purchase-service.js';
import { parseTurnInput } from './input.js';
import { customerOption, customerSummary, orRefuse, orderRow } from './purchase-views.js';
import { expectText, finishFlow } from './runner.js';
import { actorOf, show } from './ui.js';

export const ORDERS_DIALOG = 'orders';

interface OrdersState {
  step: 'customer' | 'list';
  customerId?: string;
}

function actor(ctx: TurnContext): Actor {
  const a = actorOf(ctx);
  if (!a) throw new Error('orders dialog without an actor');
  return a;
}

export class OrdersDialog extends Dialog<{ args?: string }> {
  constructor(private readonly purchases: PurchaseService) {
    super(ORDERS_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    const state: OrdersState = { step: 'customer' };
    dc.activeDialog!.state = state;
    const query = options?.args?.trim().slice(0, 200) ?? '';
    if (!query) return this.ask(dc, null, 'prompt');
    // A customer id (the "View orders" button), else a name, tenant id or domain.
    try {
      const customer = await this.purchases.customer(actor(dc.context), query);
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
    const query = submit?.action === 'orders.search' && typeof submit.data.query === 'string' ? submit.data.query.trim() : input.kind === 'command' ? `${input.name} ${input.args}`.trim() : '';
    if (query) return this.search(dc, state, query.slice(0, 200));
    await show(dc.context, notices.invalidSubmit());
    return this.ask(dc, null, 'prompt');
  }

  private async ask(dc: DialogContext, query: string | null, result: 'prompt' | 'none' | 'invalidGuid'): Promise<DialogTurnResult> {
    await show(dc.context, { kind: 'buyCustomer', flow: 'orders', query, result, customers: [] });
    expectText(dc.context);
    return Dialog.EndOfTurn;
  }

  private async search(dc: DialogContext, state: OrdersState, query: string): Promise<DialogTurnResult> {
    const found = await orRefuse(dc.context, () => this.purchases.findCustomers(actor(dc.context), query));
    if (!found) return dc.endDialog();
    if (found.kind === 'one') return this.showPage(dc, state, found.customers[0]!.id, 1);
    if (found.kind === 'many') {
      await show(dc.context, { kind: 'buyCustomer', flow: 'orders', query, result: 'many', customers: found.customers.map(customerOption), more: found.hasMore });
      expectText(dc.context);
      return Dialog.EndOfTurn;
    }
    return this.ask(dc, query, found.kind);
  }

  private async showPage(dc: DialogContext, state: OrdersState, customerId: string, page: number): Promise<DialogTurnResult> {
    const history = await orRefuse(dc.context, () => this.purchases.orders(actor(dc.context), customerId, { page }));
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
