/**
 * The bot's own ledger of what it bought (migration 0007): one purchase per order of a
 * partner's customer, its lines as bought, where it stands (active → cancelling →
 * cancelled), and the commerce backend's own reference to it, opaque here.
 *
 * Written by the purchase (services/purchase/purchase-service.ts) whatever the backend, right
 * after the backend placed the order — and again, changing nothing, whenever a repeat of the
 * same purchase is answered with it, which also fills in a record a crash between the two
 * writes left out. Keys, download links, revocations, the activity log and cancellations stand
 * on these records, so none of them reads a backend's tables: they work the same on the
 * embedded backend and on Partner Center (which lists a new order only up to 15 minutes later
 * and has no keys or downloads at all).
 */
import type { Queryable } from '../db/pool.js';
import type { BillingCycle, CancellationPolicy, Order, OrderLine, OrderStatus, ProductKind, Term } from '../commerce/types.js';

/** The bot's view of a purchase: bought, a cancellation under way, or cancelled (R18, R19). */
export type PurchaseStatus = 'active' | 'cancelling' | 'cancelled';

/**
 * What any backend's order id looks like (purchases.order_id): 1–128 letters, digits, hyphens and
 * underscores — the embedded backend's 12 upper-case alphanumerics, Partner Center's case-sensitive
 * ids ("2y6dF_rVgDAXMxypQPPnTquuXhKVK_3N1").
 */
export function isOrderIdShaped(id: unknown): id is string {
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(id);
}

/** How an order list words a purchase's status (the backends' order statuses). */
export function orderStatusOf(status: PurchaseStatus): OrderStatus {
  return status === 'active' ? 'completed' : status === 'cancelling' ? 'cancel_pending' : 'cancelled';
}

/** A line as bought: what the backend's order line says (title, kind, term, price, the cancellation policy then). */
export type PurchaseLine = OrderLine;

export interface Purchase {
  partnerId: number;
  orderId: string;
  customerId: string;
  purchasedBy: number | null;
  purchasedAt: Date;
  market: string;
  currency: string;
  taxIncluded: boolean;
  totalMinor: number;
  status: PurchaseStatus;
  /** When the status last changed (the purchase time while active). */
  statusAt: Date;
  /** The commerce backend that holds the order ('embedded', later 'partner_center'). */
  backend: string;
  /** That backend's own reference to the order; only the backend reads it. */
  backendRef: Record<string, unknown>;
  lines: PurchaseLine[];
}

/** Where a purchase stands, as the order list shows it. */
export interface PurchaseStanding {
  status: PurchaseStatus;
  statusAt: Date;
  /** What its finished cancellation credited (booked credits), else null. */
  credit: { amountMinor: number; currency: string } | null;
}

/** What the purchase records: the order as the backend answered it, and which backend that was. */
export interface RecordPurchase {
  order: Order;
  backend: string;
  backendRef?: Record<string, unknown>;
}

/** The purchase and its lines in one statement; a purchase recorded before keeps what it had (ON CONFLICT DO NOTHING). */
const RECORD_SQL = `
  WITH p AS (
    INSERT INTO purchases (partner_id, order_id, customer_id, purchased_by, purchased_at, market, currency, tax_included, total_minor,
                           status, status_at, backend, backend_ref)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $5, $11, $12)
    ON CONFLICT (partner_id, order_id) DO NOTHING
    RETURNING partner_id, order_id)
  INSERT INTO purchase_lines (partner_id, order_id, line_number, product_id, sku_id, product_kind, title, quantity, term, billing,
                              unit_price_minor, line_total_minor, cancellable, cancellation_window_days, credit_policy)
  SELECT p.partner_id, p.order_id, l.* FROM p, unnest($13::int[], $14::text[], $15::text[], $16::text[], $17::text[], $18::int[], $19::text[],
                                                      $20::text[], $21::bigint[], $22::bigint[], $23::boolean[], $24::int[], $25::text[]) AS l`;

interface PurchaseRow {
  partner_id: string;
  order_id: string;
  customer_id: string;
  purchased_by: string | null;
  purchased_at: Date;
  market: string;
  currency: string;
  tax_included: boolean;
  total_minor: string;
  status: PurchaseStatus;
  status_at: Date;
  backend: string;
  backend_ref: Record<string, unknown>;
  lines: Array<{
    line_number: number; product_id: string; sku_id: string; product_kind: ProductKind; title: string; quantity: number; term: Term;
    billing: BillingCycle; unit_price_minor: number; line_total_minor: number; cancellable: boolean; cancellation_window_days: number;
    credit_policy: CancellationPolicy['creditPolicy'];
  }>;
}

const PURCHASE_SELECT = `
  SELECT p.*, COALESCE((SELECT json_agg(l ORDER BY l.line_number) FROM purchase_lines l
                         WHERE l.partner_id = p.partner_id AND l.order_id = p.order_id), '[]') AS lines
    FROM purchases p`;

function toPurchase(r: PurchaseRow): Purchase {
  return {
    partnerId: Number(r.partner_id),
    orderId: r.order_id,
    customerId: r.customer_id,
    purchasedBy: r.purchased_by === null ? null : Number(r.purchased_by),
    purchasedAt: r.purchased_at,
    market: r.market,
    currency: r.currency,
    taxIncluded: r.tax_included,
    totalMinor: Number(r.total_minor),
    status: r.status,
    statusAt: r.status_at,
    backend: r.backend,
    backendRef: r.backend_ref,
    lines: r.lines.map((l) => ({
      lineNumber: l.line_number,
      productId: l.product_id,
      skuId: l.sku_id,
      productKind: l.product_kind,
      title: l.title,
      quantity: l.quantity,
      term: l.term,
      billing: l.billing,
      unitPriceMinor: Number(l.unit_price_minor),
      lineTotalMinor: Number(l.line_total_minor),
      cancellation: { cancellable: l.cancellable, windowDays: l.cancellation_window_days, creditPolicy: l.credit_policy },
    })),
  };
}

export class PurchaseLedger {
  constructor(private readonly db: Queryable) {}

  /**
   * Records a purchase the backend placed (idempotent: recording the same order again changes
   * nothing). One statement, in `q` when given (a caller's transaction).
   */
  async record(p: RecordPurchase, q: Queryable = this.db): Promise<void> {
    const { order } = p;
    const lines = order.lines;
    await q.query({
      name: 'ledger.record',
      text: RECORD_SQL,
      values: [
        order.partnerId, order.id, order.customerId, order.createdBy, order.purchasedAt, order.market, order.currency, order.taxIncluded,
        order.totalMinor, order.status === 'cancelled' ? 'cancelled' : order.status === 'cancel_pending' ? 'cancelling' : 'active',
        p.backend, JSON.stringify(p.backendRef ?? {}),
        lines.map((l) => l.lineNumber), lines.map((l) => l.productId), lines.map((l) => l.skuId), lines.map((l) => l.productKind),
        lines.map((l) => l.title), lines.map((l) => l.quantity), lines.map((l) => l.term), lines.map((l) => l.billing),
        lines.map((l) => l.unitPriceMinor), lines.map((l) => l.lineTotalMinor), lines.map((l) => l.cancellation.cancellable),
        lines.map((l) => l.cancellation.windowDays), lines.map((l) => l.cancellation.creditPolicy),
      ],
    });
  }

  /**
   * Where each of a partner's `orders` (as the backend lists them) stands in the ledger —
   * status, since when, and the credit a finished cancellation booked — recording first those
   * the ledger does not have (a purchase whose record a crash or a failed write left out).
   * One read when none is missing.
   */
  async standing(orders: readonly Order[], backend: string): Promise<Map<string, PurchaseStanding>> {
    const [first] = orders;
    if (!first) return new Map();
    const read = async () => {
      const { rows } = await this.db.query<{ order_id: string; status: PurchaseStatus; status_at: Date; currency: string; credit_minor: string | null }>({
        name: 'ledger.standing',
        text: `SELECT p.order_id, p.status, p.status_at, p.currency,
                      (SELECT sum(c.amount_minor) FROM credits c WHERE c.partner_id = p.partner_id AND c.order_id = p.order_id AND c.booked_at IS NOT NULL) AS credit_minor
                 FROM purchases p WHERE p.partner_id = $1 AND p.order_id = ANY($2::text[])`,
        values: [first.partnerId, orders.map((o) => o.id)],
      });
      return new Map(rows.map((r) => [r.order_id, {
        status: r.status, statusAt: r.status_at, credit: r.credit_minor === null ? null : { amountMinor: Number(r.credit_minor), currency: r.currency },
      }]));
    };
    const known = await read();
    const missing = orders.filter((o) => o.partnerId === first.partnerId && !known.has(o.id));
    if (missing.length === 0) return known;
    for (const order of missing) await this.record({ order, backend, backendRef: { orderId: order.id } });
    return read();
  }

  /**
   * Order ids as a user typed them (any case) in the spelling the ledger keeps: a typed id that
   * matches one of the partner's purchases whatever its case is that purchase's id (its own
   * spelling when several differ only in case), any other is upper-cased (the embedded backend's
   * spelling). Services resolve typed ids with it before anything else reads them.
   */
  async canonicalOrderIds(partnerId: number, typed: readonly string[]): Promise<string[]> {
    const ids = typed.map((t) => String(t).trim());
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ order_id: string }>(
      'SELECT order_id FROM purchases WHERE partner_id = $1 AND upper(order_id) = ANY($2::text[])',
      [partnerId, ids.map((id) => id.toUpperCase())],
    );
    return ids.map((id) => {
      const matches = rows.filter((r) => r.order_id.toUpperCase() === id.toUpperCase()).map((r) => r.order_id);
      return matches.find((m) => m === id) ?? matches[0] ?? id.toUpperCase();
    });
  }

  /** One purchase of the partner, with its lines; null when unknown or another partner's. */
  async get(partnerId: number, orderId: string, q: Queryable = this.db): Promise<Purchase | null> {
    const { rows } = await q.query<PurchaseRow>(`${PURCHASE_SELECT} WHERE p.partner_id = $1 AND p.order_id = $2`, [partnerId, orderId]);
    return rows[0] ? toPurchase(rows[0]) : null;
  }

  /** As `get`, the purchase row locked until the caller's transaction `tx` ends (the lock a status change takes). */
  async lock(tx: Queryable, partnerId: number, orderId: string): Promise<Purchase | null> {
    const { rows } = await tx.query<PurchaseRow>(`${PURCHASE_SELECT} WHERE p.partner_id = $1 AND p.order_id = $2 FOR UPDATE OF p`, [partnerId, orderId]);
    return rows[0] ? toPurchase(rows[0]) : null;
  }

  /** Which of `orderIds` are the partner's purchases with a line of the given kinds. */
  async existing(partnerId: number, orderIds: readonly string[], kinds: readonly ProductKind[]): Promise<Set<string>> {
    const { rows } = await this.db.query<{ order_id: string }>(
      `SELECT DISTINCT l.order_id FROM purchase_lines l
        WHERE l.partner_id = $1 AND l.order_id = ANY($2::text[]) AND l.product_kind = ANY($3::text[])`,
      [partnerId, orderIds, kinds],
    );
    return new Set(rows.map((r) => r.order_id));
  }

  /** A customer's purchases of the given product kinds, newest first (at most `limit`, default 100). */
  async ofCustomer(partnerId: number, customerId: string, kinds: readonly ProductKind[], limit = 100): Promise<Purchase[]> {
    const { rows } = await this.db.query<PurchaseRow>(
      `${PURCHASE_SELECT}
        WHERE p.partner_id = $1 AND p.customer_id = $2
          AND EXISTS (SELECT 1 FROM purchase_lines l WHERE l.partner_id = p.partner_id AND l.order_id = p.order_id AND l.product_kind = ANY($3::text[]))
        ORDER BY p.purchased_at DESC, p.order_id DESC LIMIT $4`,
      [partnerId, customerId, kinds, limit],
    );
    return rows.map(toPurchase);
  }

  /**
   * Moves a purchase to `status` at `at` (in the caller's transaction, for a cancellation).
   * Returns false when the partner has no such purchase.
   */
  async setStatus(q: Queryable, req: { partnerId: number; orderId: string; status: PurchaseStatus; at: Date }): Promise<boolean> {
    const { rowCount } = await q.query(
      'UPDATE purchases SET status = $3, status_at = $4 WHERE partner_id = $1 AND order_id = $2',
      [req.partnerId, req.orderId, req.status, req.at],
    );
    return (rowCount ?? 0) > 0;
  }
}
