/**
 * Cancelling a purchase (R14–R19), the requesting side: what a customer's software purchases
 * allow, the Important notice for an order (days left, credit for today), and the submit.
 *
 * Every method takes the actor (Admin agent only, R14) and the partner from the actor, never
 * from input. The window (R15) and the credit (R17) come from the purchase as the ledger
 * recorded it — the policy snapshotted at purchase time — and the injected clock.
 *
 * Submitting is one Postgres transaction: the purchase row is locked, checked, and moved to
 * 'cancelling'; the cancellation record and its credits are written; the activity log gets an
 * entry; and the tracking job's intent goes to the outbox (./tracking.ts takes it from there:
 * the backend is asked, polled, and the requester notified). Exactly once per submit: the
 * notice's id is the cancellation's request key (a double Submit, a Teams resend, a Slack
 * retry answer the cancellation it made), and two users' submits for the same order meet at
 * the purchase's row lock (the second is told a cancellation is under way).
 */
import { randomUUID } from 'node:crypto';
import { requireCapability } from '../access/capabilities.js';
import type { Actor } from '../access/roles.js';
import type { ActivityLog } from '../activity/activity-log.js';
import type { OrderLine, ProductKind } from '../commerce/types.js';
import type { CustomerDirectory, CustomerView } from '../customers/directory.js';
import { inTransaction, type Db } from '../db/pool.js';
import { enqueueInTx } from '../jobs/outbox.js';
import { JOB_NAMES, QUEUES } from '../jobs/queues.js';
import { isOrderIdShaped, orderStatusOf, type Purchase, type PurchaseLedger } from '../ledger/purchase-ledger.js';
import { cancellationStateOf, type CancellationState } from '../purchase/purchase-service.js';
import { refuse } from '../refusal.js';
import { purchaseCredit, type PurchaseCredit } from './credit.js';

/** What `cancel` lists (R14): software, not Azure reservations (Partner Center cancels those differently). */
export const CANCELLABLE_KINDS: readonly ProductKind[] = ['server_subscription', 'perpetual_software', 'software_plan'];

/** One purchase as the cancel flow shows it. */
export interface CancellablePurchase {
  orderId: string;
  productId: string;
  /** Product and SKU title at purchase time (the first line's). */
  title: string;
  quantity: number;
  /** ISO instant. */
  purchasedAt: string;
  state: CancellationState;
  /** When its status last changed (cancelling since, cancelled on; the purchase instant while active), ISO. */
  statusAt: string;
  /** For an open purchase: what cancelling it now would credit (R17). */
  credit?: { currency: string; amountMinor: number; policy: 'full' | 'prorated' | 'mixed' };
}

export interface CancellationOverview {
  customer: CustomerView;
  /** Per product, newest purchase first; products in the order of their newest purchase. */
  products: Array<{ productId: string; title: string; purchases: CancellablePurchase[] }>;
}

/** The Important notice for one or several orders of a product (R14, R17): what the user acknowledges. */
export interface CancellationNotice {
  customer: CustomerView;
  productId: string;
  title: string;
  /** The orders the user may choose from (all open); one when the user named the order. */
  options: CancellablePurchase[];
  /** The submit's key: shown once, sent back by Submit. */
  noticeId: string;
}

export interface SubmitRequest {
  customerId: string;
  orderId: string;
  noticeId: string;
  /** R17: the Important notice was acknowledged (the toggle / checkbox). */
  acknowledged: boolean;
  /**
   * Where the user submitted it (the turn's channel and conversation id): the finished
   * notification goes to their personal chat or DM, and here only when they have none.
   */
  conversation?: { channel: string; conversationId: string };
}

export interface CancellationView {
  cancellationId: string;
  orderId: string;
  title: string;
  customer: CustomerView;
  currency: string;
  creditMinor: number;
  requestedAt: string;
}

export interface SubmitResult {
  /** 'existing': this notice had been submitted already; nothing new was done. */
  status: 'submitted' | 'existing';
  cancellation: CancellationView;
}

export interface CancellationServiceDeps {
  db: Db;
  customers: CustomerDirectory;
  ledger: PurchaseLedger;
  activity: ActivityLog;
  /** The deadline a new cancellation starts with (the tracking job restarts it when the backend takes the request). */
  deadlineMinutes: number;
  now?: () => Date;
}

const MAX_NOTICE_ID_LENGTH = 200;

/** The lines a cancellation of `p` cancels: those its policy lets be cancelled. */
function cancellableLines(p: Purchase): OrderLine[] {
  return p.lines.filter((l) => l.cancellation.cancellable && l.cancellation.windowDays > 0);
}

function stateOf(p: Purchase, now: Date): CancellationState {
  return cancellationStateOf({ status: orderStatusOf(p.status), purchasedAt: p.purchasedAt, lines: p.lines }, now);
}

function creditPolicyOf(credit: PurchaseCredit): 'full' | 'prorated' | 'mixed' {
  const policies = new Set(credit.lines.map((l) => l.policy));
  return policies.size === 1 && policies.has('full') ? 'full' : policies.size === 1 && policies.has('prorated') ? 'prorated' : 'mixed';
}

export class CancellationService {
  private readonly now: () => Date;

  constructor(private readonly deps: CancellationServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Step 2: the customer's software purchases, per product, each with where it stands (R15, R16) and what cancelling would credit. */
  async purchases(actor: Actor, customerId: string): Promise<CancellationOverview> {
    requireCapability(actor, 'cancel');
    const customer = await this.deps.customers.get(actor, 'cancel', customerId);
    const purchases = await this.deps.ledger.ofCustomer(actor.partnerId, customer.id, CANCELLABLE_KINDS);
    const now = this.now();
    const products = new Map<string, CancellationOverview['products'][number]>();
    for (const p of purchases) {
      const view = this.viewOf(p, now);
      const entry = products.get(view.productId) ?? { productId: view.productId, title: view.title, purchases: [] };
      entry.purchases.push(view);
      products.set(view.productId, entry);
    }
    return { customer, products: [...products.values()] };
  }

  /**
   * Which of `words` (order-id-shaped words the user typed) is the id of one of the partner's
   * software purchases: the first that is, or '' when none is.
   */
  async knownOrderId(actor: Actor, words: readonly string[]): Promise<string> {
    requireCapability(actor, 'cancel');
    const shaped = words.map((w) => String(w).trim()).filter((w) => isOrderIdShaped(w)).slice(0, 10);
    if (shaped.length === 0) return '';
    const ids = await this.deps.ledger.canonicalOrderIds(actor.partnerId, shaped);
    const known = await this.deps.ledger.existing(actor.partnerId, ids, CANCELLABLE_KINDS);
    return ids.find((id) => known.has(id)) ?? '';
  }

  /**
   * `cancel <order id>` and `cancel <order id> for <customer>`: the customer the order was bought
   * for (order_not_found when it is not the partner's software purchase), and whether it is one
   * the customer words name (a name that matches several customers still names the order's own:
   * "cancel order X for contoso" needs no choice between two Contosos). `named` is false when the
   * words find other customers only; the flow then lets the user choose, and the notice refuses.
   */
  async customerOfOrder(actor: Actor, orderId: string, query?: string): Promise<{ customer: CustomerView; named: boolean }> {
    requireCapability(actor, 'cancel');
    const purchase = await this.softwarePurchase(actor, orderId);
    const customer = await this.deps.customers.get(actor, 'cancel', purchase.customerId);
    if (query === undefined || query.trim() === '') return { customer, named: true };
    const found = await this.deps.customers.search(actor, 'cancel', query);
    return { customer, named: found.customers.some((c) => c.id === customer.id) };
  }

  /**
   * Steps 3–4: the Important notice for an order (`orderId`) or for the open orders of a
   * product (`productId`). Refused, naming why, when nothing there can be cancelled now.
   */
  async notice(actor: Actor, customerId: string, pick: { orderId: string } | { productId: string }): Promise<CancellationNotice> {
    requireCapability(actor, 'cancel');
    const customer = await this.deps.customers.get(actor, 'cancel', customerId);
    const now = this.now();
    if ('orderId' in pick) {
      const purchase = await this.purchaseOf(actor, customer, pick.orderId);
      const view = this.viewOf(purchase, now);
      this.assertOpen(view);
      return { customer, productId: view.productId, title: view.title, options: [view], noticeId: randomUUID() };
    }
    const all = (await this.deps.ledger.ofCustomer(actor.partnerId, customer.id, CANCELLABLE_KINDS))
      .map((p) => this.viewOf(p, now))
      .filter((v) => v.productId === pick.productId);
    const first = all[0];
    if (!first) throw refuse({ code: 'order_not_found', orderId: '' });
    const open = all.filter((v) => v.state.state === 'open');
    if (open.length === 0) {
      if (all.length === 1) this.assertOpen(first);
      throw refuse({ code: 'nothing_to_cancel', title: first.title });
    }
    return { customer, productId: first.productId, title: first.title, options: open, noticeId: randomUUID() };
  }

  /** Step 5: submit the cancellation of one order (R17, R18). See the module comment for exactly-once. */
  async submit(actor: Actor, req: SubmitRequest): Promise<SubmitResult> {
    requireCapability(actor, 'cancel');
    const noticeId = typeof req.noticeId === 'string' ? req.noticeId.trim() : '';
    if (noticeId === '' || noticeId.length > MAX_NOTICE_ID_LENGTH) throw refuse({ code: 'stale_notice' });
    const customer = await this.deps.customers.get(actor, 'cancel', req.customerId);
    const typed = typeof req.orderId === 'string' ? req.orderId.trim() : '';
    if (!isOrderIdShaped(typed)) throw refuse({ code: 'order_not_found', orderId: String(req.orderId ?? '').slice(0, 64) });
    const [orderId = typed] = await this.deps.ledger.canonicalOrderIds(actor.partnerId, [typed]);
    // A notice already submitted answers with what it did, acknowledged or not (a resend of the same submit).
    const earlier = await this.existing(actor, noticeId, orderId, customer);
    if (earlier) return { status: 'existing', cancellation: earlier };
    if (req.acknowledged !== true) throw refuse({ code: 'acknowledgement_required' });

    return inTransaction(this.deps.db, async (tx) => {
      const purchase = await this.deps.ledger.lock(tx, actor.partnerId, orderId);
      if (!purchase) throw refuse({ code: 'order_not_found', orderId });
      if (purchase.customerId !== customer.id) throw refuse({ code: 'order_of_another_customer', orderId, customerName: customer.companyName });
      // Under the lock: the same notice submitted concurrently found nothing above; now it does.
      const raced = await this.existing(actor, noticeId, orderId, customer, tx);
      if (raced) return { status: 'existing' as const, cancellation: raced };
      const now = this.now();
      const view = this.viewOf(purchase, now);
      this.assertOpen(view);
      const lines = cancellableLines(purchase);
      const credit = purchaseCredit({ currency: purchase.currency, purchasedAt: purchase.purchasedAt, lines }, now);
      const deadline = new Date(now.getTime() + this.deps.deadlineMinutes * 60_000);
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO cancellations (partner_id, order_id, customer_id, customer_name, requested_by, requested_at, request_key, backend,
                                    backend_request_id, status, status_at, deadline_at, next_check_at, currency, credit_minor, conversation_ref_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'requested', $6, $10, $6, $11, $12,
                 (SELECT id FROM conversation_refs WHERE partner_id = $1 AND channel = $13 AND conversation_id = $14))
         RETURNING id`,
        [actor.partnerId, orderId, customer.id, customer.companyName.slice(0, 500), actor.userId, now, noticeId, purchase.backend, randomUUID(), deadline,
          credit.currency, credit.totalMinor, req.conversation?.channel ?? null, req.conversation?.conversationId ?? null],
      );
      const cancellationId = rows[0]!.id;
      await tx.query(
        `INSERT INTO credits (cancellation_id, partner_id, order_id, line_number, currency, policy, line_total_minor, amount_minor, used_days, term_days, computed_at)
         SELECT $1, $2, $3, l.line_number, $4, l.policy, l.line_total_minor, l.amount_minor, l.used_days, l.term_days, $5
           FROM unnest($6::int[], $7::text[], $8::bigint[], $9::bigint[], $10::int[], $11::int[])
                AS l(line_number, policy, line_total_minor, amount_minor, used_days, term_days)`,
        [cancellationId, actor.partnerId, orderId, credit.currency, now, credit.lines.map((l) => l.lineNumber), credit.lines.map((l) => l.policy),
          credit.lines.map((l) => l.lineTotalMinor), credit.lines.map((l) => l.amountMinor), credit.lines.map((l) => l.usedDays), credit.lines.map((l) => l.termDays)],
      );
      await this.deps.ledger.setStatus(tx, { partnerId: actor.partnerId, orderId, status: 'cancelling', at: now });
      await this.deps.activity.record({
        at: now, partnerId: actor.partnerId, event: 'cancellation_requested', outcome: 'ok', userId: actor.userId, customerId: customer.id, orderId,
        lineNumber: lines[0]?.lineNumber ?? null, productId: lines[0]?.productId ?? null, detail: `cancellation ${cancellationId}`,
      }, tx);
      await enqueueInTx(tx, {
        queue: QUEUES.cancellationTracking,
        name: JOB_NAMES['cancellation-tracking'],
        jobId: `cancellation-${cancellationId}`,
        data: { cancellationId },
      });
      return {
        status: 'submitted' as const,
        cancellation: { cancellationId, orderId, title: view.title, customer, currency: credit.currency, creditMinor: credit.totalMinor, requestedAt: now.toISOString() },
      };
    });
  }

  // --- internals -------------------------------------------------------------------

  /** The partner's software purchase `orderId` (order_not_found for a malformed id, another partner's order, or one with no software). */
  private async softwarePurchase(actor: Actor, orderId: string): Promise<Purchase> {
    const typed = typeof orderId === 'string' ? orderId.trim() : '';
    if (!isOrderIdShaped(typed)) throw refuse({ code: 'order_not_found', orderId: String(orderId ?? '').slice(0, 64) });
    const [id = typed] = await this.deps.ledger.canonicalOrderIds(actor.partnerId, [typed]);
    const purchase = await this.deps.ledger.get(actor.partnerId, id);
    if (!purchase || !purchase.lines.some((l) => CANCELLABLE_KINDS.includes(l.productKind))) throw refuse({ code: 'order_not_found', orderId: id });
    return purchase;
  }

  /** As softwarePurchase, and one of `customer`'s (order_of_another_customer otherwise). */
  private async purchaseOf(actor: Actor, customer: CustomerView, orderId: string): Promise<Purchase> {
    const purchase = await this.softwarePurchase(actor, orderId);
    if (purchase.customerId !== customer.id) throw refuse({ code: 'order_of_another_customer', orderId: purchase.orderId, customerName: customer.companyName });
    return purchase;
  }

  /**
   * The cancellation a notice made, when it made one: answered again for the same user, customer
   * and order; any other use of the notice id (another order, customer or user) is a stale card.
   */
  private async existing(actor: Actor, noticeId: string, orderId: string, customer: CustomerView, q = this.deps.db as Pick<Db, 'query'>): Promise<CancellationView | null> {
    const { rows } = await q.query<{ id: string; order_id: string; customer_id: string; requested_by: string | null; requested_at: Date; currency: string; credit_minor: string; title: string | null }>(
      `SELECT c.id, c.order_id, c.customer_id, c.requested_by, c.requested_at, c.currency, c.credit_minor,
              (SELECT l.title FROM purchase_lines l WHERE l.partner_id = c.partner_id AND l.order_id = c.order_id ORDER BY l.line_number LIMIT 1) AS title
         FROM cancellations c WHERE c.partner_id = $1 AND c.request_key = $2`,
      [actor.partnerId, noticeId],
    );
    const r = rows[0];
    if (!r) return null;
    if (r.order_id !== orderId || r.customer_id !== customer.id || r.requested_by === null || Number(r.requested_by) !== actor.userId) throw refuse({ code: 'stale_notice' });
    return { cancellationId: r.id, orderId, title: r.title ?? '', customer, currency: r.currency, creditMinor: Number(r.credit_minor), requestedAt: r.requested_at.toISOString() };
  }

  private viewOf(p: Purchase, now: Date): CancellablePurchase {
    const first = p.lines[0]!;
    const state = stateOf(p, now);
    const view: CancellablePurchase = {
      orderId: p.orderId,
      productId: first.productId,
      title: first.title,
      quantity: first.quantity,
      purchasedAt: p.purchasedAt.toISOString(),
      state,
      statusAt: p.statusAt.toISOString(),
    };
    if (state.state === 'open') {
      const credit = purchaseCredit({ currency: p.currency, purchasedAt: p.purchasedAt, lines: cancellableLines(p) }, now);
      view.credit = { currency: credit.currency, amountMinor: credit.totalMinor, policy: creditPolicyOf(credit) };
    }
    return view;
  }

  /** Refuses, saying why, unless the purchase can be cancelled now. */
  private assertOpen(v: CancellablePurchase): void {
    const s = v.state;
    switch (s.state) {
      case 'open':
        return;
      case 'passed':
        throw refuse({ code: 'window_passed', orderId: v.orderId, closedAt: s.closedAt });
      case 'notCancellable':
        throw refuse({ code: 'not_cancellable', orderId: v.orderId, title: v.title, reason: s.reason });
      case 'cancelling':
        throw refuse({ code: 'cancellation_in_progress', orderId: v.orderId, since: v.statusAt });
      case 'cancelled':
        throw refuse({ code: 'already_cancelled', orderId: v.orderId, at: v.statusAt });
    }
  }
}
