/**
 * Reading card submits back into each flow's typed actions (cards/actions.ts): one parser per
 * flow, so a dialog `switch`es over typed actions exhaustively instead of picking fields out
 * of an untyped record.
 *
 * What comes back is untrusted (stale, tampered, another user's): a parser returns null for
 * anything that is not one of its flow's actions with fields of the right types, and the flow
 * answers that as an invalid submit. Values are checked for type and size here; whether they
 * fit the step (the customer, the review shown) is the flow's business, and whether they name
 * something that exists is the service's.
 */
import type { BuyAction, CancelAction, CustomerStepAction, OrdersAction, RolesAction, SoftwareAction } from '../cards/actions.js';
import type { SupportFieldName } from '../cards/index.js';
import type { CustomerSearchFlow } from '../cards/index.js';
import { isRole } from '../services/access/roles.js';
import { PRODUCT_KINDS, type ProductKind } from '../services/commerce/types.js';

const CUSTOMER_FLOWS: readonly CustomerSearchFlow[] = ['buy', 'orders', 'software', 'cancel'];

/** What a submit carried: its action name and the rest of its data (cards/submit.ts has checked the shape). */
export interface Submitted {
  action: string;
  data: Record<string, string | number | boolean>;
}

const MAX_ID = 200;

/** A string field, trimmed and clamped; undefined when missing or blank. */
function text(v: unknown, max = MAX_ID): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : undefined;
}

/** A string field as sent (ids a service looks up and refuses itself when they name nothing). */
function raw(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, MAX_ID) : undefined;
}

/** A whole number sent as a number or as its digits ("12"); undefined otherwise. */
function integer(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A whole number sent as a number (roles' buttons; never typed). */
function exactInteger(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));

/** What the customer step of a flow was asked (its `<flow>.search` / `<flow>.customer` actions, CustomerStepAction). */
export type CustomerStepChoice = { kind: 'search'; query?: string } | { kind: 'pick'; customerId: string };

/** The customer step's actions of `flow` (never another flow's: an older card of `orders` does not pick for `buy`), or null. */
export function parseCustomerStepAction(flow: CustomerSearchFlow, s: Submitted): CustomerStepChoice | null {
  if (!CUSTOMER_FLOWS.includes(flow)) return null;
  const action = s.action as CustomerStepAction['action'];
  if (action === `${flow}.search`) return { kind: 'search', ...optional('query', text(s.data.query)) };
  if (action === `${flow}.customer`) {
    const customerId = text(s.data.customerId);
    return customerId ? { kind: 'pick', customerId } : null;
  }
  return null;
}

export function parseBuyAction(s: Submitted): BuyAction | null {
  const d = s.data;
  const customerId = optional('customerId', raw(d.customerId));
  switch (s.action) {
    case 'buy.kind': {
      const kind = d.kind === 'all' || (PRODUCT_KINDS as readonly unknown[]).includes(d.kind) ? (d.kind as ProductKind | 'all') : undefined;
      return kind ? { action: 'buy.kind', ...customerId, kind } : null;
    }
    case 'buy.productSearch':
      return { action: 'buy.productSearch', ...customerId, ...optional('search', text(d.search)) };
    case 'buy.searchProducts':
      return { action: 'buy.searchProducts', ...customerId };
    case 'buy.product': {
      const productId = text(d.productId);
      return productId ? { action: 'buy.product', ...customerId, productId } : null;
    }
    case 'buy.sku': {
      const [productId, skuId] = [text(d.productId), text(d.skuId)];
      return productId && skuId ? { action: 'buy.sku', productId, skuId } : null;
    }
    case 'buy.review': {
      const productId = raw(d.productId);
      if (productId === undefined) return null;
      const quantity = typeof d.quantity === 'string' || typeof d.quantity === 'number' ? d.quantity : undefined;
      return { action: 'buy.review', productId, ...optional('skuId', text(d.skuId)), ...optional('quantity', quantity) };
    }
    case 'buy.confirm': {
      const reviewId = raw(d.reviewId);
      return reviewId !== undefined ? { action: 'buy.confirm', reviewId } : null;
    }
    default:
      return null;
  }
}

export function parseOrdersAction(s: Submitted): OrdersAction | null {
  if (s.action !== 'orders.page') return null;
  const [customerId, page] = [raw(s.data.customerId), integer(s.data.page)];
  return customerId !== undefined && page !== undefined ? { action: 'orders.page', customerId, page } : null;
}

export function parseSoftwareAction(s: Submitted): SoftwareAction | null {
  const d = s.data;
  switch (s.action) {
    case 'software.item':
    case 'software.get': {
      const orderId = raw(d.orderId);
      const lineNumber = integer(d.lineNumber);
      if (orderId === undefined || lineNumber === undefined) return null;
      if (s.action === 'software.item') return { action: 'software.item', orderId, lineNumber };
      return {
        action: 'software.get', orderId, lineNumber,
        ...optional('variantId', integer(d.variantId)),
        ...optional('version', raw(d.version)), ...optional('language', raw(d.language)), ...optional('fileType', raw(d.fileType)),
      };
    }
    case 'software.download':
      return { action: 'software.download' };
    default:
      return null;
  }
}

export function parseCancelAction(s: Submitted): CancelAction | null {
  const d = s.data;
  const customerId = raw(d.customerId);
  if (customerId === undefined) return null;
  switch (s.action) {
    case 'cancel.product': {
      const productId = text(d.productId);
      return productId ? { action: 'cancel.product', customerId, productId } : null;
    }
    case 'cancel.submit': {
      const noticeId = raw(d.noticeId);
      if (noticeId === undefined) return null;
      // The toggle / checkbox: 'true' when on (Teams' valueOn, the Slack checkbox's value), anything else is off.
      const acknowledged = d.acknowledged === true || d.acknowledged === 'true';
      return { action: 'cancel.submit', customerId, noticeId, ...optional('orderId', text(d.orderId)), acknowledged };
    }
    default:
      return null;
  }
}

export function parseRolesAction(s: Submitted): RolesAction | null {
  const d = s.data;
  switch (s.action) {
    case 'roles.page': {
      const offset = exactInteger(d.offset);
      return offset !== undefined && offset >= 0 ? { action: 'roles.page', offset } : null;
    }
    case 'roles.pick': {
      const userId = exactInteger(d.userId);
      return userId !== undefined ? { action: 'roles.pick', userId } : null;
    }
    case 'roles.toggle':
    case 'roles.confirm': {
      const userId = exactInteger(d.userId);
      const role = isRole(d.role) ? d.role : undefined;
      if (userId === undefined || role === undefined || typeof d.grant !== 'boolean') return null;
      return { action: s.action, userId, role, grant: d.grant };
    }
    case 'roles.done':
      return { action: 'roles.done' };
    default:
      return null;
  }
}

/** The support form's fields, each as typed (at most `SUPPORT_FIELD_MAX` characters; longer is cut, and the check then says it is too long). */
const SUPPORT_FIELDS: readonly SupportFieldName[] = ['impact', 'title', 'description', 'refundReason', 'amount', 'contactName', 'contactEmail', 'contactPhone'];
const SUPPORT_FIELD_MAX = 6000;

/** A support action with its fields typed (cards/actions.ts SupportAction), or null. */
export type ParsedSupportAction =
  | { action: 'support.order'; orderId: string }
  | { action: 'support.review'; draftId: string; fields: Partial<Record<SupportFieldName, string>>; files?: string }
  | { action: 'support.edit'; reviewId: string }
  | { action: 'support.submit'; reviewId: string };

export function parseSupportAction(s: Submitted): ParsedSupportAction | null {
  const d = s.data;
  switch (s.action) {
    case 'support.order': {
      const orderId = text(d.orderId, 64);
      return orderId ? { action: 'support.order', orderId } : null;
    }
    case 'support.review': {
      const draftId = raw(d.draftId);
      if (draftId === undefined) return null;
      const fields: Partial<Record<SupportFieldName, string>> = {};
      for (const f of SUPPORT_FIELDS) {
        const v = d[f];
        if (typeof v === 'string') fields[f] = v.slice(0, SUPPORT_FIELD_MAX);
        else if (typeof v === 'number') fields[f] = String(v);
      }
      return { action: 'support.review', draftId, fields, ...optional('files', raw(d.files)) };
    }
    case 'support.edit':
    case 'support.submit': {
      const reviewId = raw(d.reviewId);
      return reviewId !== undefined ? { action: s.action, reviewId } : null;
    }
    default:
      return null;
  }
}

/** An activity-log action with its fields typed (cards/actions.ts ActivityAction), or null. */
export type ParsedActivityAction =
  | { action: 'activity.next'; cursor: string }
  | { action: 'activity.filters' | 'activity.clear' | 'activity.export' | 'activity.back' }
  | { action: 'activity.apply'; from: string; to: string; kind: string; customerId: string; userId: string };

/** The pickers' and selects' values: strings (Teams sends numbers as text, Slack modal values are strings); '' when unset. */
function field(v: unknown, max = MAX_ID): string {
  return typeof v === 'string' ? v.trim().slice(0, max) : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

export function parseActivityAction(s: Submitted): ParsedActivityAction | null {
  const d = s.data;
  switch (s.action) {
    case 'activity.next': {
      // Checked by the service against the range and filters; only its type and size here.
      const cursor = raw(d.cursor);
      return cursor !== undefined ? { action: 'activity.next', cursor } : null;
    }
    case 'activity.filters':
    case 'activity.clear':
    case 'activity.export':
    case 'activity.back':
      return { action: s.action };
    case 'activity.apply':
      return { action: 'activity.apply', from: field(d.from, 40), to: field(d.to, 40), kind: field(d.kind, 20), customerId: field(d.customerId), userId: field(d.userId, 20) };
    default:
      return null;
  }
}

/** For an exhaustive `switch`: a case left out fails to compile here. */
export function assertNever(value: never): never {
  throw new Error(`unhandled card action ${JSON.stringify(value)}`);
}
