/**
 * What a support request says at the desk (R21): the ticket's title and body, the same for
 * every desk. The body holds the user's description, then every fact Partner Center's form
 * asks for (customer tenant GUID and domain, order ID, product, refund reason, amount
 * requested in the order's currency, contact), and the hand-off: how to file the same request
 * in Partner Center's UI, field by field — Microsoft retired the API for creating service
 * requests in 2020, so a person files it there (or the desk's agents do).
 *
 * Written in English: the desk's agents and Microsoft's support read it, whatever the
 * requester's chat language.
 */
import { PROBLEM_TYPE, type SupportImpact, type TicketRequest, type TicketAttachment } from './desk.js';
import { currencyMinorDigits } from '../commerce/rules.js';

export interface TicketSource {
  id: string;
  /** The request's key at the desk (a UUID): the same on every try and every filing, unique beyond this database. */
  deskKey: string;
  partnerId: string;
  orderId: string;
  customerName: string;
  customerTenantId: string;
  customerDomain: string | null;
  productTitle: string;
  impact: SupportImpact;
  title: string;
  description: string;
  refundReason: string;
  currency: string;
  amountMinor: number;
  orderTotalMinor: number;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  cancellation: { id: string; status: string; code: string | null } | null;
}

const IMPACT_WORDS: Record<SupportImpact, string> = { critical: 'Critical', moderate: 'Moderate', minimal: 'Minimal' };

/** Minor units as "3420.00 EUR" (no locale: a desk reads it, and so may a script). */
export function amountText(minor: number, currency: string): string {
  const places = currencyMinorDigits(currency);
  const whole = Math.trunc(minor / 10 ** places);
  const fraction = places > 0 ? `.${String(minor % 10 ** places).padStart(places, '0')}` : '';
  return `${whole}${fraction} ${currency}`;
}

/** A sentence ending in one full stop ("… for Fabrikam Inc." stays as it is). */
function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Without its closing full stop, to run on in a list ("…; amount requested: …"). */
function clause(text: string): string {
  return text.trim().replace(/[.]+$/, '');
}

/** "Dec 6, 2026" (UTC): how the rest of the bot writes a date, in the ticket's English. */
function dateText(iso: string): string {
  return new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
}

const CANCELLATION_STATUS_WORDS: Record<string, string> = {
  failed: 'failed', needs_information: 'Partner Center needs more information', timed_out: 'not finished after a week',
};

/** The hand-off: the request as Partner Center's "New support request" form asks for it. */
export function partnerCenterHandoff(s: TicketSource): string {
  return [
    'To file this request in Partner Center (Microsoft offers no API for it):',
    'Partner Center → Help + support → New request, then:',
    `- Type of problem: ${PROBLEM_TYPE}`,
    `- Impact: ${IMPACT_WORDS[s.impact]}`,
    `- Title: ${s.title}`,
    `- Description: ${sentence(s.description)} Customer tenant ${s.customerTenantId}${s.customerDomain ? ` (${s.customerDomain})` : ''}; order ${s.orderId}; refund reason: ${clause(s.refundReason)}; amount requested: ${amountText(s.amountMinor, s.currency)}.`,
    `- Contact: ${s.contactName}, ${s.contactEmail}${s.contactPhone ? `, ${s.contactPhone}` : ''}`,
    '- Files: attach the files of this ticket.',
  ].join('\n');
}

/** The ticket body: description, facts, hand-off. */
export function ticketBody(s: TicketSource): string {
  const facts = [
    `Type of problem: ${PROBLEM_TYPE}`,
    `Impact: ${IMPACT_WORDS[s.impact]}`,
    `Customer: ${s.customerName}`,
    `Customer tenant ID: ${s.customerTenantId}`,
    `Customer domain: ${s.customerDomain ?? '—'}`,
    `Order ID: ${s.orderId}`,
    `Product: ${s.productTitle}`,
    `Refund reason: ${s.refundReason}`,
    `Amount requested: ${amountText(s.amountMinor, s.currency)} (order total ${amountText(s.orderTotalMinor, s.currency)})`,
    ...(s.cancellation ? [`Cancellation: not completed — ${CANCELLATION_STATUS_WORDS[s.cancellation.status] ?? s.cancellation.status}${s.cancellation.code ? ` (code ${s.cancellation.code})` : ''}; CSP Software Desk cancellation ${s.cancellation.id}`] : []),
    `Contact: ${s.contactName} <${s.contactEmail}>${s.contactPhone ? `, ${s.contactPhone}` : ''}`,
    `Support request: ${s.id} (CSP Software Desk)`,
  ];
  return [s.description, '', '— Facts —', ...facts, '', '— Partner Center hand-off —', partnerCenterHandoff(s)].join('\n');
}

/** The desk request for a support request (its key is the request's own: the same on every try and every filing). */
export function ticketRequest(s: TicketSource, attachments: TicketAttachment[]): TicketRequest {
  return {
    idempotencyKey: `csp-support-${s.deskKey}`,
    externalId: `csp-support-${s.deskKey}`,
    problemType: PROBLEM_TYPE,
    impact: s.impact,
    title: s.title,
    body: ticketBody(s),
    requester: { name: s.contactName, email: s.contactEmail, phone: s.contactPhone || null },
    // The partner's tag keeps one desk's tickets of several partners apart.
    tags: ['csp_refund', `order_${s.orderId.toLowerCase()}`.slice(0, 80), `impact_${s.impact}`, `csp_partner_${s.partnerId}`],
    attachments,
  };
}

const FAILURE_WORDS: Record<string, string> = {
  window_passed: 'the cancellation window had passed',
  not_cancellable: 'the product cannot be cancelled',
  not_found: 'Partner Center did not find the order',
  failed: 'it failed in Partner Center',
  needs_information: 'Partner Center needs more information',
  timed_out: 'Partner Center had not finished it after a week',
};

/**
 * What the form is pre-filled with (R21: everything the conversation knows), in English like
 * the ticket: a title naming the order, a description and — after a cancellation that could
 * not be completed, or for an order whose cancellation window has closed (R20) — the refund
 * reason saying why. The user edits them as they like.
 */
export function draftTexts(
  f: { orderId: string; productTitle: string; customerName: string; cancellation: { reason: string; code: string | null } | null; windowClosedAt: string | null },
  titleMax: number,
): { title: string; description: string; refundReason: string } {
  const title = `Refund for order ${f.orderId} – ${f.productTitle}`;
  const order = `order ${f.orderId} (${f.productTitle}) for ${f.customerName}`;
  const clamp = (t: string) => (t.length <= titleMax ? t : `${t.slice(0, titleMax - 1)}…`);
  if (f.cancellation) {
    const why = `${FAILURE_WORDS[f.cancellation.reason] ?? f.cancellation.reason}${f.cancellation.code ? ` (code ${f.cancellation.code})` : ''}`;
    return {
      title: clamp(title),
      description: `The cancellation of ${order} could not be completed: ${why}. We ask for a refund of the amount requested.`,
      refundReason: `Cancellation could not be completed: ${why}.`,
    };
  }
  if (f.windowClosedAt) {
    const closed = `its cancellation window closed on ${dateText(f.windowClosedAt)}`;
    return {
      title: clamp(title),
      description: `The customer asks to cancel ${order}, but ${closed}. We ask for a refund of the amount requested.`,
      refundReason: `Cancellation requested after the cancellation window closed (${dateText(f.windowClosedAt)}).`,
    };
  }
  return { title: clamp(title), description: sentence(`We ask for a refund for ${order}`), refundReason: '' };
}
