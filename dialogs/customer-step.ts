/**
 * The customer step (R1) of every flow that starts with a customer — `buy`, `orders`, `keys`
 * — as a child dialog: a flow begins it with what it is for and what the user already said,
 * and it ends with the chosen customer (or with nothing, after telling the user why, when the
 * look-up was refused). The customer card asks for a search (or asks again, saying why),
 * lists several matches, or ends at once with exactly one (BotBuilder's MainDialog →
 * beginDialog(child) composition; the flow continues in its resumeDialog).
 */
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { notices, type CustomerSearchFlow } from '../cards/index.js';
import { parseGuid } from '../services/commerce/rules.js';
import { isRefusal } from '../services/refusal.js';
import type { CustomerDirectory, CustomerPurpose, CustomerView } from '../services/customers/directory.js';
import { assertNever, parseCustomerStepAction } from './actions.js';
import { submitted, typedText } from './input.js';
import { customerOption } from './purchase-views.js';
import { orRefuse, refusalNotice } from './refusals.js';
import { expectText } from './runner.js';
import { requireActor, show } from './ui.js';

export const CUSTOMER_STEP = 'customerStep';

/** What each flow's customer step is for: the capability the look-up checks. */
const PURPOSE: Record<CustomerSearchFlow, CustomerPurpose> = { buy: 'buy', orders: 'orders', software: 'keys', cancel: 'cancel' };

const MAX_QUERY_LENGTH = 200;

export interface CustomerStepOptions {
  flow: CustomerSearchFlow;
  /** What the user already said (the command's arguments); none: ask. */
  query?: string | null;
  /** The query may be a customer's id (a button that names the customer): when it looks like one, look it up as one first. */
  byId?: boolean;
  /**
   * Begun in the middle of a turn that already answers it (a flow whose state was saved before
   * it had this step): take this turn's input as the answer instead of asking.
   */
  answerThisTurn?: boolean;
}

/** The step's result: the customer chosen; undefined when the step ended without one (refused). */
export interface CustomerStepResult {
  customer: CustomerView;
}

interface CustomerStepState {
  flow: CustomerSearchFlow;
}

function clampQuery(text: string | null | undefined): string | null {
  return text?.trim().slice(0, MAX_QUERY_LENGTH) || null;
}

export class CustomerStepDialog extends Dialog<CustomerStepOptions> {
  constructor(private readonly customers: CustomerDirectory) {
    super(CUSTOMER_STEP);
  }

  override async beginDialog(dc: DialogContext, options?: CustomerStepOptions): Promise<DialogTurnResult> {
    const flow = options?.flow ?? 'buy';
    dc.activeDialog!.state = { flow } satisfies CustomerStepState;
    if (options?.answerThisTurn) return this.continueDialog(dc);
    const query = clampQuery(options?.query);
    if (!query) return this.ask(dc, flow, null, 'prompt');
    // Customer ids are GUIDs: anything else is a search, never a look-up by id.
    if (options?.byId && parseGuid(query)) {
      const byId = await this.byId(dc, flow, query);
      if (byId) return byId;
      return this.search(dc, flow, query, true);
    }
    return this.search(dc, flow, query);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const { flow } = dc.activeDialog!.state as CustomerStepState;
    const submit = submitted(dc.context);
    const action = submit ? parseCustomerStepAction(flow, submit) : null;
    if (!action) {
      // Typed text is a search (the step asked for text); anything else does not fit this step.
      const typed = submit ? null : clampQuery(typedText(dc.context));
      if (typed) return this.search(dc, flow, typed);
      await show(dc.context, notices.invalidSubmit());
      return this.ask(dc, flow, null, 'prompt');
    }
    switch (action.kind) {
      case 'pick':
        return this.pick(dc, flow, action.customerId);
      case 'search': {
        const query = clampQuery(action.query);
        if (query) return this.search(dc, flow, query);
        // Asked for the search itself (a Slack button): the form, as a modal there.
        await show(dc.context, { kind: 'customerSearchForm', flow, query: null });
        expectText(dc.context);
        return Dialog.EndOfTurn;
      }
      default:
        return assertNever(action);
    }
  }

  private done(dc: DialogContext, customer: CustomerView): Promise<DialogTurnResult> {
    return dc.endDialog({ customer } satisfies CustomerStepResult);
  }

  /** The customer card asking for a search: first ('prompt'), or again after none matched or a malformed tenant ID. */
  private async ask(dc: DialogContext, flow: CustomerSearchFlow, query: string | null, result: 'prompt' | 'none' | 'invalidGuid', searchedBy?: 'name' | 'guid' | 'domain' | 'idOrGuid'): Promise<DialogTurnResult> {
    await show(dc.context, { kind: 'buyCustomer', flow, query, result, customers: [], ...(searchedBy ? { searchedBy } : {}) });
    expectText(dc.context);
    return Dialog.EndOfTurn;
  }

  /**
   * Searches the actor's customers (name, tenant ID or domain): exactly one → the step ends
   * with it; several → the list to pick from; none or a malformed tenant ID → asks again. A
   * refusal (a role) ends the step without a customer.
   */
  /** `triedId`: the GUID was looked up as a customer id first and named none (the answer then says both were tried). */
  private async search(dc: DialogContext, flow: CustomerSearchFlow, query: string, triedId = false): Promise<DialogTurnResult> {
    const found = await orRefuse(dc.context, () => this.customers.search(requireActor(dc.context), PURPOSE[flow], query));
    if (!found) return dc.endDialog();
    if (found.kind === 'one') return this.done(dc, found.customers[0]!);
    if (found.kind === 'many') {
      await show(dc.context, { kind: 'buyCustomer', flow, query, result: 'many', customers: found.customers.map(customerOption), more: found.hasMore });
      expectText(dc.context);
      return Dialog.EndOfTurn;
    }
    const searchedBy = found.query.type === 'invalidGuid' ? undefined : triedId && found.query.type === 'guid' ? 'idOrGuid' : found.query.type;
    return this.ask(dc, flow, query, found.kind, searchedBy);
  }

  /** One customer picked from the list; an id that names none of the partner's customers asks again. */
  private async pick(dc: DialogContext, flow: CustomerSearchFlow, customerId: string): Promise<DialogTurnResult> {
    let customer: CustomerView;
    try {
      customer = await this.customers.get(requireActor(dc.context), PURPOSE[flow], customerId);
    } catch (err) {
      await show(dc.context, refusalNotice(err));
      if (isRefusal(err, 'customer_not_found')) return this.ask(dc, flow, null, 'prompt');
      return dc.endDialog();
    }
    return this.done(dc, customer);
  }

  /** The customer the query names by id, ending the step; null (nothing shown) when it names none. */
  private async byId(dc: DialogContext, flow: CustomerSearchFlow, query: string): Promise<DialogTurnResult | null> {
    let customer: CustomerView;
    try {
      customer = await this.customers.get(requireActor(dc.context), PURPOSE[flow], query);
    } catch (err) {
      if (isRefusal(err, 'customer_not_found')) return null;
      await show(dc.context, refusalNotice(err));
      return dc.endDialog();
    }
    return this.done(dc, customer);
  }
}
