/**
 * The partner's customers (R1): found by company name, tenant GUID or domain, or read by id —
 * for whatever a flow needs a customer for. A look-up names its purpose (buy, orders, keys,
 * cancel, audit, support) and is allowed to whoever holds that capability
 * (services/access/capabilities.ts), so every flow that starts with a customer — including
 * the audit and support flows, whose users may not buy — shares this one directory, and the
 * customer step of the dialogs depends on nothing else.
 *
 * Partner isolation: only `actor.partnerId` is ever asked for; a customer of another partner
 * is `customer_not_found`, exactly like an unknown id.
 */
import type { AccessPolicy } from '../access/policy.js';
import type { Capability } from '../access/capabilities.js';
import type { Actor } from '../access/roles.js';
import type { CommerceBackend } from '../commerce/port.js';
import { taxNote, type TaxNote } from '../commerce/rules.js';
import type { Customer, CustomerQuery } from '../commerce/types.js';
import { refuse } from '../refusal.js';

/** What a customer is looked up for: the capability the flow needs. */
export type CustomerPurpose = Extract<Capability, 'buy' | 'orders' | 'keys' | 'cancel' | 'audit' | 'support'>;

/** Customers shown for one search; `hasMore` says when more matched. */
export const CUSTOMER_SEARCH_LIMIT = 10;

const MAX_ID_LENGTH = 100;

export interface CustomerView {
  id: string;
  companyName: string;
  tenantId: string;
  primaryDomain: string;
  /** Every domain, the primary one first. */
  domains: string[];
  /** The billing country (R1). */
  market: { countryCode: string; name: string; currency: string };
  /** R4: whether the prices this customer is shown include tax. */
  taxNote: TaxNote;
}

export interface CustomerSearch {
  kind: 'none' | 'one' | 'many' | 'invalidGuid';
  customers: CustomerView[];
  /** How the text was read (R1): name, tenant GUID, domain, or a malformed GUID. */
  query: CustomerQuery;
  /** More customers matched than are listed: ask for a more specific search. */
  hasMore: boolean;
}

export function customerView(c: Customer): CustomerView {
  return {
    id: c.id,
    companyName: c.companyName,
    tenantId: c.tenantId,
    primaryDomain: c.primaryDomain,
    domains: [...c.domains],
    market: { countryCode: c.market.countryCode, name: c.market.name, currency: c.market.currency },
    taxNote: taxNote(c.market),
  };
}

export class CustomerDirectory {
  constructor(private readonly deps: { commerce: Pick<CommerceBackend, 'findCustomers' | 'getCustomer'>; access: AccessPolicy }) {}

  /** R1: by company name (partial), tenant GUID or domain; a malformed GUID is 'invalidGuid'. */
  async search(actor: Actor, purpose: CustomerPurpose, query: string): Promise<CustomerSearch> {
    await this.deps.access.require(actor, purpose);
    const r = await this.deps.commerce.findCustomers(actor.partnerId, typeof query === 'string' ? query : '', { limit: CUSTOMER_SEARCH_LIMIT });
    const customers = r.customers.map(customerView);
    const kind = r.query.type === 'invalidGuid' ? 'invalidGuid' : customers.length === 0 ? 'none' : customers.length === 1 && !r.hasMore ? 'one' : 'many';
    return { kind, customers, query: r.query, hasMore: r.hasMore };
  }

  /** One customer of the actor's partner (e.g. picked from a list, or named by a button); customer_not_found otherwise. */
  async get(actor: Actor, purpose: CustomerPurpose, customerId: unknown): Promise<CustomerView> {
    await this.deps.access.require(actor, purpose, { customerId });
    const customer = typeof customerId === 'string' && customerId.trim() !== '' && customerId.length <= MAX_ID_LENGTH
      ? await this.deps.commerce.getCustomer(actor.partnerId, customerId)
      : null;
    if (!customer) throw refuse({ code: 'customer_not_found' });
    return customerView(customer);
  }
}
