/**
 * Step 1 of every flow that starts with a customer (R1) — `buy`, `orders`, `keys` — done one
 * way for all: the customer card asks for a search (or asks again, saying why), lists several
 * matches, or hands exactly one match to the flow.
 */
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import type { CustomerSearchFlow } from '../cards/index.js';
import type { CustomerDirectory, CustomerPurpose } from '../services/customers/directory.js';
import type { TurnInput } from './input.js';
import { customerOption } from './purchase-views.js';
import { orRefuse } from './refusals.js';
import { expectText } from './runner.js';
import { requireActor, show } from './ui.js';

/** What each flow's customer search is for: the capability it checks. */
const PURPOSE: Record<CustomerSearchFlow, CustomerPurpose> = { buy: 'buy', orders: 'orders', software: 'keys' };

/** What the user searched for in this turn: the text of a `<flow>.search` card submit, or a typed message; null for anything else. */
export function customerQuery(input: TurnInput, flow: CustomerSearchFlow): string | null {
  const text =
    input.kind === 'submit' ? (input.action === `${flow}.search` && typeof input.data.query === 'string' ? input.data.query : '')
    : input.kind === 'command' ? `${input.name} ${input.args}`
    : '';
  return text.trim().slice(0, 200) || null;
}

/** The customer card asking for a search: first ('prompt'), or again after none matched or a malformed tenant ID. */
export async function askCustomer(
  dc: DialogContext,
  flow: CustomerSearchFlow,
  query: string | null,
  result: 'prompt' | 'none' | 'invalidGuid',
  searchedBy?: 'name' | 'guid' | 'domain',
): Promise<DialogTurnResult> {
  await show(dc.context, { kind: 'buyCustomer', flow, query, result, customers: [], ...(searchedBy ? { searchedBy } : {}) });
  expectText(dc.context);
  return Dialog.EndOfTurn;
}

/**
 * Searches the actor's customers (name, tenant ID or domain): exactly one → `onOne(customerId)`;
 * several → the list to pick from; none or a malformed tenant ID → asks again. A refusal (a
 * role) ends the flow.
 */
export async function searchCustomer(
  dc: DialogContext,
  opts: {
    flow: CustomerSearchFlow;
    customers: CustomerDirectory;
    query: string;
    onOne: (customerId: string) => Promise<DialogTurnResult>;
  },
): Promise<DialogTurnResult> {
  const { flow, query } = opts;
  const found = await orRefuse(dc.context, () => opts.customers.search(requireActor(dc.context), PURPOSE[flow], query));
  if (!found) return dc.endDialog();
  if (found.kind === 'one') return opts.onOne(found.customers[0]!.id);
  if (found.kind === 'many') {
    await show(dc.context, { kind: 'buyCustomer', flow, query, result: 'many', customers: found.customers.map(customerOption), more: found.hasMore });
    expectText(dc.context);
    return Dialog.EndOfTurn;
  }
  return askCustomer(dc, flow, query, found.kind, found.query.type === 'invalidGuid' ? undefined : found.query.type);
}
