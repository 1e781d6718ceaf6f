/**
 * Support requests (R20, R21), the requesting side: what the bot knows of an order to pre-fill
 * the form with, the form checked, the files taken, the request submitted — and the user's
 * requests listed, a failed one filed again.
 *
 * Who may: every user of an onboarded partner (capability `support`), for their own partner's
 * orders only — the partner comes from the actor, never from input; another partner's order
 * reads as an unknown one. A request's contact details, title and texts are the user's; the
 * facts (customer, tenant, domain, order, product, currency, total) are read from the bot's
 * own records (the purchase ledger, the cancellation), never taken from the card.
 *
 * Submitting is one Postgres transaction: the request row, its files claimed from the draft,
 * the activity-log entry and the filing job's outbox intent (./filing.ts files it at the
 * desk). Exactly once per submit: the review's id is the request's key, so a double Submit, a
 * Teams resend or a Slack retry answer with the request they made.
 */
import { extname } from 'node:path';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import validator from 'validator';
import { requireCapability } from '../access/capabilities.js';
import { failureOfRecord } from '../cancellation/tracking.js';
import type { Actor } from '../access/roles.js';
import type { ActivityLog } from '../activity/activity-log.js';
import type { CancellationFailure } from '../notifications/messages.js';
import type { CustomerDirectory } from '../customers/directory.js';
import { inTransaction, type Db } from '../db/pool.js';
import { enqueueInTx } from '../jobs/outbox.js';
import { JOB_NAMES, QUEUES } from '../jobs/queues.js';
import { isOrderIdShaped, orderStatusOf, type PurchaseLedger } from '../ledger/purchase-ledger.js';
import { cancellationStateOf } from '../purchase/purchase-service.js';
import { refuse } from '../refusal.js';
import { parseAmount, type AmountProblem } from './amount.js';
import { isSupportImpact, type DeskLimits, type SupportImpact } from './desk.js';

/** What the bot knows of the order a request is about (read from its records, never from a card). */
export interface SupportFacts {
  orderId: string;
  customerId: string;
  customerName: string;
  customerTenantId: string;
  customerDomain: string | null;
  productTitle: string;
  purchasedAt: string;
  market: string;
  currency: string;
  orderTotalMinor: number;
  /** The latest cancellation of the order that could not be completed (R20), if any. */
  cancellation: { id: string; reason: CancellationFailure; code: string | null; detail: string | null; creditMinor: number } | null;
  /** R20: when the order's cancellation window closed, if it has (ISO); null while open or for a product that cannot be cancelled. */
  windowClosedAt: string | null;
}

/** The form's fields as typed. */
export interface SupportFormInput {
  impact: string;
  title: string;
  description: string;
  refundReason: string;
  amount: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
}

export type SupportField = keyof SupportFormInput;
export type SupportFieldProblem = 'required' | 'tooLong' | 'invalid' | AmountProblem | 'zero' | 'aboveTotal';

/** A form that passed every check: what the review shows and Submit files. */
export interface CheckedSupportForm {
  impact: SupportImpact;
  title: string;
  description: string;
  refundReason: string;
  amountMinor: number;
  contactName: string;
  contactEmail: string;
  /** International form (+49 30 1234567), or '' when none was given. */
  contactPhone: string;
}

export interface SupportLimits {
  titleMax: number;
  descriptionMax: number;
  refundReasonMax: number;
  contactNameMax: number;
  maxFiles: number;
  maxFileBytes: number;
  /** Accepted file name extensions, lower case, without the dot. */
  fileTypes: readonly string[];
}

export interface SupportFile {
  id: string;
  name: string;
  sizeBytes: number;
}

export type FileRefusal = 'tooLarge' | 'type' | 'tooMany';

export interface SupportRequestView {
  requestId: string;
  orderId: string;
  title: string;
  customerName: string;
  status: 'queued' | 'filed' | 'failed';
  ticketNumber: string | null;
  ticketUrl: string | null;
  requestedAt: string;
  statusAt: string;
}

export interface SubmitSupportRequest {
  /** The review card's id: the request's key (exactly once). */
  reviewId: string;
  /** The form's draft: its files are attached. */
  draftKey: string;
  orderId: string;
  cancellationId: string | null;
  form: CheckedSupportForm;
  /** Where the user submitted it: the notification's place when they have no personal chat or DM. */
  conversation?: { channel: string; conversationId: string };
}

export interface SupportServiceDeps {
  db: Db;
  ledger: PurchaseLedger;
  customers: CustomerDirectory;
  activity: ActivityLog;
  /** The configured desk: its name goes on each request, its limits bound the form. */
  desk: { name: string; limits: DeskLimits };
  /** Files: at most this many per request, each at most this large (further bounded by the desk). */
  files?: { maxFiles?: number; maxFileBytes?: number };
  now?: () => Date;
}

/** Files a refund request usually needs: documents, screenshots, mail, spreadsheets, plain text. */
export const SUPPORT_FILE_TYPES = ['pdf', 'png', 'jpg', 'jpeg', 'gif', 'txt', 'csv', 'docx', 'xlsx', 'pptx', 'eml', 'msg', 'zip'] as const;
const CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', txt: 'text/plain', csv: 'text/csv',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  eml: 'message/rfc822', msg: 'application/vnd.ms-outlook', zip: 'application/zip',
};
/** What the facts and the hand-off add to the desk's body: the user's description gets the rest. */
const BODY_RESERVE = 4000;
const MAX_ID = 200;

// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function clean(v: unknown): string {
  // NUL and other control characters (but tab and newlines) never reach Postgres or the desk.
  return typeof v === 'string' ? v.replace(CONTROL_CHARACTERS, '').trim() : '';
}

export class SupportService {
  private readonly now: () => Date;
  readonly limits: SupportLimits;

  constructor(private readonly deps: SupportServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    const desk = deps.desk.limits;
    this.limits = {
      titleMax: Math.min(150, desk.titleMax),
      // 3000: a Slack text input takes no more, and the form is the same on both channels.
      descriptionMax: Math.max(500, Math.min(3000, desk.bodyMax - BODY_RESERVE)),
      refundReasonMax: 1000,
      contactNameMax: 200,
      maxFiles: deps.files?.maxFiles ?? 5,
      maxFileBytes: Math.min(deps.files?.maxFileBytes ?? 10 * 1024 * 1024, desk.attachmentMaxBytes),
      fileTypes: SUPPORT_FILE_TYPES,
    };
  }

  get deskName(): string {
    return this.deps.desk.name;
  }

  /**
   * What the bot knows of the partner's order `orderId`: customer, tenant, domain, product,
   * total, and the latest cancellation that could not be completed. order_not_found for a
   * malformed id or another partner's order.
   */
  async facts(actor: Actor, orderId: string): Promise<SupportFacts> {
    requireCapability(actor, 'support');
    const typed = typeof orderId === 'string' ? orderId.trim() : '';
    if (!isOrderIdShaped(typed)) throw refuse({ code: 'order_not_found', orderId: String(orderId ?? '').slice(0, 64) });
    const [id = typed] = await this.deps.ledger.canonicalOrderIds(actor.partnerId, [typed]);
    const purchase = await this.deps.ledger.get(actor.partnerId, id);
    if (!purchase) throw refuse({ code: 'order_not_found', orderId: id });
    const customer = await this.deps.customers.get(actor, 'support', purchase.customerId);
    const { rows } = await this.deps.db.query<{ id: string; status: string; failure_code: string | null; failure_detail: string | null; credit_minor: string; status_at: Date }>(
      `SELECT id, status, failure_code, failure_detail, credit_minor, status_at FROM cancellations
        WHERE partner_id = $1 AND order_id = $2 AND status IN ('failed', 'needs_information', 'timed_out')
        ORDER BY requested_at DESC LIMIT 1`,
      [actor.partnerId, id],
    );
    const c = rows[0];
    const first = purchase.lines[0];
    const window = cancellationStateOf({ status: orderStatusOf(purchase.status), purchasedAt: purchase.purchasedAt, lines: purchase.lines }, this.now());
    return {
      orderId: id,
      customerId: customer.id,
      customerName: customer.companyName,
      customerTenantId: customer.tenantId,
      customerDomain: customer.domains[0] ?? null,
      productTitle: first?.title ?? id,
      purchasedAt: purchase.purchasedAt.toISOString(),
      market: purchase.market,
      currency: purchase.currency,
      orderTotalMinor: purchase.totalMinor,
      cancellation: c ? { id: c.id, reason: failureOfRecord(c.status, c.failure_code), code: c.failure_code, detail: c.failure_detail, creditMinor: Number(c.credit_minor) } : null,
      windowClosedAt: window.state === 'passed' ? (window.closedAt ?? null) : null,
    };
  }

  /** The user's cancellations that could not be completed (R20) and that they have not filed a request for since, newest first: what `support` offers to file for. */
  async candidates(actor: Actor, limit = 10): Promise<Array<{ orderId: string; title: string; customerName: string; reason: CancellationFailure; at: string }>> {
    requireCapability(actor, 'support');
    const { rows } = await this.deps.db.query<{ order_id: string; customer_name: string; status: string; failure_code: string | null; status_at: Date; title: string | null }>(
      `SELECT DISTINCT ON (c.order_id) c.order_id, c.customer_name, c.status, c.failure_code, c.status_at,
              (SELECT l.title FROM purchase_lines l WHERE l.partner_id = c.partner_id AND l.order_id = c.order_id ORDER BY l.line_number LIMIT 1) AS title
         FROM cancellations c
        WHERE c.partner_id = $1 AND c.requested_by = $2 AND c.status IN ('failed', 'needs_information', 'timed_out')
          AND NOT EXISTS (SELECT 1 FROM cancellations n WHERE n.partner_id = c.partner_id AND n.order_id = c.order_id AND n.status IN ('requested', 'submitted', 'finished'))
          AND NOT EXISTS (SELECT 1 FROM support_requests r WHERE r.partner_id = c.partner_id AND r.order_id = c.order_id AND r.requested_by = c.requested_by AND r.requested_at > c.status_at)
        ORDER BY c.order_id, c.status_at DESC`,
      [actor.partnerId, actor.userId],
    );
    return rows
      .sort((a, b) => b.status_at.getTime() - a.status_at.getTime())
      .slice(0, limit)
      .map((r) => ({ orderId: r.order_id, title: r.title ?? r.order_id, customerName: r.customer_name, reason: failureOfRecord(r.status, r.failure_code), at: r.status_at.toISOString() }));
  }

  /** The amount to pre-fill: what the cancellation would have credited, else the order's total. */
  suggestedAmount(facts: SupportFacts): number {
    const credit = facts.cancellation?.creditMinor ?? 0;
    return credit > 0 && credit <= facts.orderTotalMinor ? credit : facts.orderTotalMinor;
  }

  /**
   * The form checked against R21 and the desk's limits: each field's problem, or the form as it
   * will be filed. `locale`: how the user writes numbers (the amount, in the language the form
   * is shown in). `userLocale`: the user's own (`de-DE`): a phone number without a country code
   * is read in its region first — the contact is the partner's own staff, who may file for a
   * customer abroad — then in the order's market.
   */
  check(facts: SupportFacts, input: Partial<Record<SupportField, unknown>>, locale: string, userLocale?: string):
    { ok: true; form: CheckedSupportForm } | { ok: false; problems: Partial<Record<SupportField, SupportFieldProblem>> } {
    const v = (k: SupportField) => clean(input[k]);
    const problems: Partial<Record<SupportField, SupportFieldProblem>> = {};
    const L = this.limits;
    const text = (k: SupportField, max: number, required = true): string => {
      const s = v(k);
      if (s === '' && required) problems[k] = 'required';
      else if (s.length > max) problems[k] = 'tooLong';
      return s;
    };
    const impact = v('impact');
    if (!isSupportImpact(impact)) problems.impact = impact === '' ? 'required' : 'invalid';
    const title = text('title', L.titleMax);
    const description = text('description', L.descriptionMax);
    const refundReason = text('refundReason', L.refundReasonMax);
    const contactName = text('contactName', L.contactNameMax);
    let amountMinor = 0;
    const amount = parseAmount(v('amount'), facts.currency, locale);
    if (!amount.ok) problems.amount = amount.problem;
    else if (amount.minor === 0) problems.amount = 'zero';
    else if (amount.minor > facts.orderTotalMinor) problems.amount = 'aboveTotal';
    else amountMinor = amount.minor;
    const email = v('contactEmail');
    if (email === '') problems.contactEmail = 'required';
    else if (email.length > 254 || !validator.isEmail(email, { allow_display_name: false, require_tld: true, allow_ip_domain: false })) problems.contactEmail = 'invalid';
    let phone = v('contactPhone');
    if (phone !== '') {
      // Without a country code: read where the user is (their locale's region), else in the order's market.
      const regions = [/[-_]([A-Za-z]{2})$/.exec(userLocale ?? '')?.[1]?.toUpperCase(), facts.market]
        .filter((r): r is CountryCode => r !== undefined && /^[A-Z]{2}$/.test(r));
      const parsed = phone.length > 40 ? undefined
        : [...regions, undefined].map((r) => parsePhoneNumberFromString(phone, r)).find((p) => p?.isValid());
      if (!parsed) problems.contactPhone = 'invalid';
      else phone = parsed.formatInternational();
    }
    if (Object.keys(problems).length > 0) return { ok: false, problems };
    return {
      ok: true,
      form: { impact: impact as SupportImpact, title, description, refundReason, amountMinor, contactName, contactEmail: email, contactPhone: phone },
    };
  }

  /** Whether a file may be attached (R21: a size and type limit): null, or why not. */
  fileRefusal(name: string, sizeBytes: number | null, alreadyAttached: number): FileRefusal | null {
    if (alreadyAttached >= this.limits.maxFiles) return 'tooMany';
    if (!this.limits.fileTypes.includes(extension(name))) return 'type';
    if (sizeBytes !== null && sizeBytes > this.limits.maxFileBytes) return 'tooLarge';
    return null;
  }

  /** A file for the form's draft `draftKey` (checked again here: type, size, count). */
  async addFile(actor: Actor, draftKey: string, file: { name: string; content: Buffer }): Promise<{ ok: true; file: SupportFile } | { ok: false; refusal: FileRefusal }> {
    requireCapability(actor, 'support');
    const key = clean(draftKey).slice(0, MAX_ID);
    const name = clean(file.name).replace(/[/\\]/g, '_').slice(-255) || 'file';
    const count = (await this.files(actor, key)).length;
    const refusal = this.fileRefusal(name, file.content.length, count);
    if (refusal) return { ok: false, refusal };
    const { rows } = await this.deps.db.query<{ id: string }>(
      `INSERT INTO support_files (partner_id, user_id, draft_key, filename, content_type, size_bytes, content, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [actor.partnerId, actor.userId, key, name, CONTENT_TYPES[extension(name)] ?? 'application/octet-stream', file.content.length, file.content, this.now()],
    );
    return { ok: true, file: { id: rows[0]!.id, name, sizeBytes: file.content.length } };
  }

  /** The files attached to the form's draft so far. */
  async files(actor: Actor, draftKey: string): Promise<SupportFile[]> {
    requireCapability(actor, 'support');
    const { rows } = await this.deps.db.query<{ id: string; filename: string; size_bytes: number }>(
      `SELECT id, filename, size_bytes FROM support_files
        WHERE partner_id = $1 AND user_id = $2 AND draft_key = $3 AND support_request_id IS NULL ORDER BY id`,
      [actor.partnerId, actor.userId, clean(draftKey).slice(0, MAX_ID)],
    );
    return rows.map((r) => ({ id: r.id, name: r.filename, sizeBytes: r.size_bytes }));
  }

  /** Submit a reviewed request (R21): recorded and queued for filing, exactly once per review. */
  async submit(actor: Actor, req: SubmitSupportRequest): Promise<{ status: 'queued' | 'existing'; request: SupportRequestView }> {
    requireCapability(actor, 'support');
    const key = clean(req.reviewId);
    if (key === '' || key.length > MAX_ID) throw refuse({ code: 'stale_support_card' });
    const facts = await this.facts(actor, req.orderId);
    // The form is checked again against the bot's records (the review's values, never a card's).
    const f = req.form;
    if (f.amountMinor < 0 || f.amountMinor > facts.orderTotalMinor || !Number.isSafeInteger(f.amountMinor)) throw refuse({ code: 'stale_support_card' });
    const cancellationId = req.cancellationId !== null && facts.cancellation?.id === req.cancellationId ? req.cancellationId : null;
    // A repeat of a submit answered before the insert, so it uses up no request number (the insert below still settles races).
    const before = await this.view(this.deps.db, actor, { key });
    if (before) return { status: 'existing', request: before };
    return inTransaction(this.deps.db, async (tx) => {
      const now = this.now();
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO support_requests (partner_id, requested_by, requested_at, request_key, conversation_ref_id, order_id, cancellation_id,
                                       customer_id, customer_name, customer_tenant_id, customer_domain, product_title, impact, title, description,
                                       refund_reason, currency, amount_minor, order_total_minor, contact_name, contact_email, contact_phone, desk, status_at)
         VALUES ($1, $2, $3, $4, (SELECT id FROM conversation_refs WHERE partner_id = $1 AND channel = $5 AND conversation_id = $6),
                 $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $3)
         ON CONFLICT (partner_id, request_key) DO NOTHING
         RETURNING id`,
        [actor.partnerId, actor.userId, now, key, req.conversation?.channel ?? null, req.conversation?.conversationId ?? null,
          facts.orderId, cancellationId, facts.customerId, facts.customerName.slice(0, 500), facts.customerTenantId.slice(0, 64), facts.customerDomain?.slice(0, 255) ?? null,
          facts.productTitle.slice(0, 500), f.impact, f.title, f.description, f.refundReason, facts.currency, f.amountMinor, facts.orderTotalMinor,
          f.contactName, f.contactEmail, f.contactPhone, this.deps.desk.name],
      );
      const id = rows[0]?.id;
      if (id === undefined) {
        // This review was submitted already (a double click, a resend): answer with that request — the same user's only.
        const earlier = await this.view(tx, actor, { key });
        if (!earlier) throw refuse({ code: 'stale_support_card' });
        return { status: 'existing' as const, request: earlier };
      }
      await tx.query(
        `UPDATE support_files SET support_request_id = $1
          WHERE partner_id = $2 AND user_id = $3 AND draft_key = $4 AND support_request_id IS NULL`,
        [id, actor.partnerId, actor.userId, clean(req.draftKey).slice(0, MAX_ID)],
      );
      await this.deps.activity.record({
        at: now, partnerId: actor.partnerId, event: 'support_requested', outcome: 'ok', userId: actor.userId, customerId: facts.customerId, orderId: facts.orderId,
        detail: `support request ${id} (${f.impact}; ${f.amountMinor} ${facts.currency} minor units) to the ${this.deps.desk.name} desk`,
      }, tx);
      await enqueueInTx(tx, { queue: QUEUES.supportTickets, name: JOB_NAMES['support-tickets'], jobId: filingJobId(id, 1), data: { supportRequestId: id, filing: 1 } });
      const request = await this.view(tx, actor, { id });
      return { status: 'queued' as const, request: request! };
    });
  }

  /** The user's own requests, newest first. */
  async mine(actor: Actor, limit = 20): Promise<SupportRequestView[]> {
    requireCapability(actor, 'support');
    const { rows } = await this.deps.db.query<RequestRow>(
      `${REQUEST_SELECT} WHERE partner_id = $1 AND requested_by = $2 ORDER BY requested_at DESC, id DESC LIMIT $3`,
      [actor.partnerId, actor.userId, Math.min(Math.max(1, limit), 100)],
    );
    return rows.map(viewOf);
  }

  /**
   * The partner's latest request for the order that is filed or being filed (by anyone of the
   * partner): a second one for the same order is offered only on purpose. Null when there is none.
   */
  async openRequestFor(actor: Actor, orderId: string): Promise<{ requestId: string; status: 'queued' | 'filed'; ticketNumber: string | null } | null> {
    requireCapability(actor, 'support');
    const [id] = await this.deps.ledger.canonicalOrderIds(actor.partnerId, [String(orderId)]);
    const { rows } = await this.deps.db.query<{ id: string; status: 'queued' | 'filed'; ticket_number: string | null }>(
      `SELECT id, status, ticket_number FROM support_requests
        WHERE partner_id = $1 AND order_id = $2 AND status IN ('queued', 'filed') ORDER BY requested_at DESC LIMIT 1`,
      [actor.partnerId, id],
    );
    const r = rows[0];
    return r ? { requestId: r.id, status: r.status, ticketNumber: r.ticket_number } : null;
  }

  /** Whether the user has filed any request (for "My requests"). */
  async hasRequests(actor: Actor): Promise<boolean> {
    requireCapability(actor, 'support');
    const { rows } = await this.deps.db.query('SELECT 1 FROM support_requests WHERE partner_id = $1 AND requested_by = $2 LIMIT 1', [actor.partnerId, actor.userId]);
    return rows.length > 0;
  }

  /**
   * File a request that could not be filed again (`support retry <id>`): the requester's own,
   * and only a failed one. A new filing job; the desk's idempotency key stays the request's, so
   * a ticket the desk did make after all is found, not made twice.
   */
  async refile(actor: Actor, requestId: string): Promise<SupportRequestView> {
    requireCapability(actor, 'support');
    const id = clean(requestId).replace(/^#/, '');
    if (!/^\d{1,18}$/.test(id)) throw refuse({ code: 'support_request_not_found', requestId: id.slice(0, 40) });
    return inTransaction(this.deps.db, async (tx) => {
      const { rows } = await tx.query<{ status: string; filings: number }>(
        'SELECT status, filings FROM support_requests WHERE id = $1 AND partner_id = $2 AND requested_by = $3 FOR UPDATE',
        [id, actor.partnerId, actor.userId],
      );
      const row = rows[0];
      if (!row) throw refuse({ code: 'support_request_not_found', requestId: id });
      if (row.status !== 'failed') throw refuse({ code: 'support_request_not_retryable', requestId: id });
      const now = this.now();
      const filings = row.filings + 1;
      await tx.query(
        "UPDATE support_requests SET status = 'queued', status_at = $2, filings = $3, attempts = 0, failure_reason = NULL, last_attempt_at = NULL WHERE id = $1",
        [id, now, filings],
      );
      await enqueueInTx(tx, { queue: QUEUES.supportTickets, name: JOB_NAMES['support-tickets'], jobId: filingJobId(id, filings), data: { supportRequestId: id, filing: filings } });
      return (await this.view(tx, actor, { id }))!;
    });
  }

  private async view(q: Pick<Db, 'query'>, actor: Actor, by: { id: string } | { key: string }): Promise<SupportRequestView | null> {
    const { rows } = await q.query<RequestRow>(
      `${REQUEST_SELECT} WHERE partner_id = $1 AND requested_by = $2 AND ${'id' in by ? 'id = $3' : 'request_key = $3'}`,
      [actor.partnerId, actor.userId, 'id' in by ? by.id : by.key],
    );
    return rows[0] ? viewOf(rows[0]) : null;
  }
}

/** The filing job of a request's n-th filing (the first, and each `support retry`). */
export function filingJobId(requestId: string, filing: number): string {
  return `support-${requestId}-${filing}`;
}

interface RequestRow {
  id: string;
  order_id: string;
  title: string;
  customer_name: string;
  status: 'queued' | 'filed' | 'failed';
  ticket_number: string | null;
  ticket_url: string | null;
  requested_at: Date;
  status_at: Date;
}

const REQUEST_SELECT = 'SELECT id, order_id, title, customer_name, status, ticket_number, ticket_url, requested_at, status_at FROM support_requests';

function viewOf(r: RequestRow): SupportRequestView {
  return {
    requestId: r.id, orderId: r.order_id, title: r.title, customerName: r.customer_name, status: r.status,
    ticketNumber: r.ticket_number, ticketUrl: r.ticket_url, requestedAt: r.requested_at.toISOString(), statusAt: r.status_at.toISOString(),
  };
}

function extension(name: string): string {
  return extname(name).slice(1).toLowerCase();
}
