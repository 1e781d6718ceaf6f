/**
 * Cancelling on Partner Center (issue 12, R14–R18): `requestCancellation` and
 * `cancellationStatus` of the commerce port (services/commerce/port.ts), as
 * EmbeddedCommerceBackend answers them, done with `PATCH /customers/{customer}/orders/{order}`
 * (status cancelled, lineItems) and the order read back (research notes §3.4, §3.5).
 *
 * One instance serves one partner of the bot: the one whose Partner Center account the client's
 * tokens open (`partnerId`). Asked for any other partner it calls nobody and answers as if there
 * were nothing: order_not_found, cancellation_not_found.
 *
 * requestCancellation, exactly once per request id:
 * 1. The request is checked as the embedded backend checks it: the request id must be a UUID
 *    (else invalid_cancellation request_id), it must name a line (no_lines), the customer id must
 *    be a GUID and the order id look like one (else order_not_found).
 * 2. A request id recorded already (table partner_center_cancellations, migration 0021): for
 *    another order → invalid_cancellation request_id; for this order → where it stands now, as
 *    `cancellationStatus` answers it — with one addition: while Partner Center has never answered
 *    its PATCH (the process died between recording and sending it, or every attempt failed
 *    transiently), the order is read and, unless its lines are at quantity 0 already, the PATCH
 *    is sent again with the same MS-RequestId, which Partner Center deduplicates on (headers.md:
 *    "If there's a timeout, the retry call should include the same value"). A PATCH Partner
 *    Center answered is never sent again. A repeat cancels the recorded lines, whatever lines it
 *    names (as in the embedded backend). Two calls with one request id at the same moment may
 *    both send the PATCH, with that one MS-RequestId: Partner Center carries it out once.
 * 3. The order is read, `GET /customers/{customer}/orders/{order}` (404, 403 → order_not_found):
 *    a line number it does not have → invalid_cancellation unknown_line; every requested line at
 *    quantity 0 already → already_cancelled; another recorded, unfinished cancellation of the
 *    order → cancellation_in_progress (one whose lines this read shows at 0 is marked finished
 *    first). One unfinished cancellation per order is also the table's unique index, so two
 *    requests racing for one order make one PATCH.
 * 4. The request is recorded (pending) BEFORE the PATCH, so that a crash between the two leaves a
 *    row the status check and a repeat (2.) pick up.
 * 5. `PATCH` with `{ id, status: 'cancelled', lineItems: [{ lineItemNumber, offerId }] }` (the
 *    offer ids from the order just read), MS-RequestId = the caller's request id on every attempt,
 *    `safeToRepeat` (the client repeats a 5xx, a timeout or a dropped connection with it). A 200
 *    whose requested lines are at quantity 0 → finished (finishedAt now); any other 200 → pending.
 *
 * Partner Center's refusals (error-codes.md, research notes §2.5) mark the recorded row failed
 * and are thrown as the port's refusals:
 * - 900117 → cancellation_window_passed. Partner Center does not say when the window closed:
 *   `closedAt` is the order's creationDate plus the days its message names ("You have passed your
 *   {0}-day cancellation window"), or plus 30 days (the window for perpetual software, §5) when
 *   the message names none; the time of the read when the order has no creationDate.
 * - 800061, 800063, 800019, 800077 → not_cancellable, `lineNumber` the first requested line
 *   (Partner Center refuses the order, not a line).
 * - 800014, 800060 → cancellation_in_progress — except when the PATCH was a repeat (2.): the
 *   adjustment under way is then most likely this request's own first PATCH, so the answer is
 *   pending and the row stays as it was.
 * Any other 4xx (400, 403, 404, 409…: kinds bad_request, forbidden, not_found, conflict) is
 * answered as progress `{ state: 'failed', code, message }` — `code` Partner Center's (a string,
 * '0' included), `http_<status>` when it gave none — not thrown. Unavailable, timeout, throttled
 * (after the client's own retries) and unauthorized are thrown as the client's PartnerCenterError
 * (and the token source's PartnerCenterAuthError as it is): transient, the caller repeats the
 * request with the same request id, and the recorded row is left pending.
 *
 * cancellationStatus: a request id the partner never recorded for this order →
 * cancellation_not_found. A finished or failed row is answered from the row, with no call. A
 * pending one reads the order: every requested line at quantity 0 → marked finished (finishedAt
 * is when this service saw it) and answered finished; else pending. Any failure of that read,
 * 404 and 403 included, is thrown as it is (transient for the port: the caller looks again).
 *
 * `reference` in every progress is `{ orderId, requestId, lineNumbers }` (JSON, opaque to callers).
 * Every call of one requestCancellation/cancellationStatus carries the same MS-CorrelationId
 * (./correlation.ts): the turn's or the job's, when there is one.
 *
 * Differences from the embedded backend:
 * - The window (R15) and the lines' policy (R16) are Partner Center's to check: they come back as
 *   refusals of the PATCH, after the request was recorded. A repeat of a refused request id is
 *   therefore answered `{ state: 'failed', code: '900117', … }` from the row rather than thrown
 *   again (the embedded backend records nothing it refuses).
 * - already_cancelled means every requested line is at quantity 0 (the embedded backend: the whole
 *   order is cancelled). A request that names cancelled and live lines sends them all.
 * - The checks run in the order above (unknown_line before already_cancelled and
 *   cancellation_in_progress; the embedded backend checks the order's status first).
 * - Order ids are Partner Center's, case-sensitive (the embedded backend upper-cases its own).
 * - needs_information never comes: the API has no flag for it (research notes §3.5).
 * - A pending cancellation costs one GET per `cancellationStatus`; finishedAt is when the lines
 *   were seen at 0, not when Partner Center cancelled them.
 */
import { CommerceError, type CommerceRefusal } from '../commerce/errors.js';
import { cancellationWindow, parseGuid } from '../commerce/rules.js';
import type { CancellationProgress, CancellationRequest } from '../commerce/types.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { partnerCenterCorrelationId } from './correlation.js';
import { isPartnerCenterAbsent, isPartnerCenterRefusal, type PartnerCenterError } from './errors.js';
import { isOrderIdShaped } from '../ledger/purchase-ledger.js';
import type { PartnerCenterHttp } from './http.js';

/** 900117 without a number of days: perpetual software's window (research notes §5). */
const DEFAULT_CANCELLATION_WINDOW_DAYS = 30;
/**
 * A recorded cancellation whose PATCH Partner Center never answered and that nobody repeated for
 * this long is abandoned: a later cancellation of the order supersedes it (else it would hold the
 * order's one unfinished cancellation forever).
 */
export const ABANDONED_AFTER_MS = 60 * 60_000;

export interface PartnerCenterCancellationsOptions {
  http: PartnerCenterHttp;
  db: Db;
  /** The bot's partners.id whose Partner Center account this is. */
  partnerId: number;
  now?: () => Date;
  logger?: Logger;
}

/** An order as Partner Center answers it; only what cancelling reads. */
interface OrderJson {
  creationDate?: unknown;
  lineItems?: unknown;
}

interface OrderLineJson {
  lineItemNumber?: unknown;
  offerId?: unknown;
  quantity?: unknown;
}

/** An order read: its creation time (null when it gave none) and its lines by number. */
interface OrderRead {
  creationDate: Date | null;
  lines: Map<number, { offerId: string; quantity: number | null }>;
}

interface CancellationRow {
  request_id: string;
  customer_id: string;
  order_id: string;
  line_numbers: number[];
  state: 'pending' | 'finished' | 'failed';
  requested_at: Date;
  accepted_at: Date | null;
  finished_at: Date | null;
  failure_code: string | null;
  failure_message: string | null;
}

/** How Partner Center's refusal codes map to the port's refusals (error-codes.md). */
const REFUSALS: Record<string, 'window_passed' | 'not_cancellable' | 'in_progress'> = {
  '900117': 'window_passed',
  '800061': 'not_cancellable',
  '800063': 'not_cancellable',
  '800019': 'not_cancellable',
  '800077': 'not_cancellable',
  '800014': 'in_progress',
  '800060': 'in_progress',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Partner Center's order ids are base64url-like ("2y6dF_rVgDAXMxypQPPnTquuXhKVK_3N1"); anything else cannot be one (nor reach a path). */
const FAILURE_MESSAGE_MAX = 1024;

export class PartnerCenterCancellations {
  private readonly http: PartnerCenterHttp;
  private readonly db: Db;
  private readonly partnerId: number;
  private readonly now: () => Date;
  private readonly logger: Logger | undefined;

  constructor(opts: PartnerCenterCancellationsOptions) {
    this.http = opts.http;
    this.db = opts.db;
    this.partnerId = opts.partnerId;
    this.now = opts.now ?? (() => new Date());
    this.logger = opts.logger;
  }

  async requestCancellation(partnerId: number, req: CancellationRequest): Promise<CancellationProgress> {
    const requestId = uuidOf(req.requestId);
    if (!requestId) throw refusal({ code: 'invalid_cancellation', reason: 'request_id' }, 'A cancellation needs a request id (a UUID).');
    const lineNumbers = Array.isArray(req.lineNumbers) ? [...new Set(req.lineNumbers)].sort((a, b) => a - b) : [];
    if (lineNumbers.length === 0) throw refusal({ code: 'invalid_cancellation', reason: 'no_lines' }, 'The cancellation names no line.');
    const customerId = typeof req.customerId === 'string' ? parseGuid(req.customerId) : null;
    const orderId = orderIdOf(req.orderId);
    if (partnerId !== this.partnerId || !customerId || !orderId) throw orderNotFound();
    const correlationId = partnerCenterCorrelationId();

    const earlier = await this.find(requestId);
    if (earlier) return this.repeat(earlier, { customerId, orderId }, correlationId);

    const order = await this.readOrderOrNotFound(customerId, orderId, correlationId);
    const missing = lineNumbers.find((n) => !order.lines.has(n));
    if (missing !== undefined) throw refusal({ code: 'invalid_cancellation', reason: 'unknown_line' }, `The order has no line ${missing}.`);
    if (allCancelled(lineNumbers, order)) throw refusal({ code: 'already_cancelled' }, 'The requested lines are cancelled already.');
    await this.finishOthersDone(orderId, requestId, order);

    const row = await this.record({ requestId, customerId, orderId, lineNumbers });
    if (!row) {
      // Lost a race: to the same request id (answer it as a repeat), or to another request for the order.
      const same = await this.find(requestId);
      if (same) return this.repeat(same, { customerId, orderId }, correlationId);
      throw refusal({ code: 'cancellation_in_progress' }, 'A cancellation of this order is under way.');
    }
    return this.submit(row, order, correlationId, false);
  }

  async cancellationStatus(partnerId: number, req: { orderId: string; requestId: string }): Promise<CancellationProgress> {
    const requestId = uuidOf(req.requestId);
    const orderId = orderIdOf(req.orderId);
    const row = partnerId === this.partnerId && requestId && orderId ? await this.find(requestId) : null;
    if (!row || row.order_id !== orderId) throw refusal({ code: 'cancellation_not_found' }, 'No such cancellation.');
    if (row.state !== 'pending') return progressOf(row);
    const order = await this.readOrder(row.customer_id, row.order_id, partnerCenterCorrelationId());
    return progressOf(allCancelled(row.line_numbers, order) ? await this.finish(row) : row);
  }

  /** A request id recorded already: where its cancellation stands, its PATCH sent again while Partner Center never answered it. */
  private async repeat(row: CancellationRow, asked: { customerId: string; orderId: string }, correlationId: string): Promise<CancellationProgress> {
    if (row.order_id !== asked.orderId) throw refusal({ code: 'invalid_cancellation', reason: 'request_id' }, 'This request id was used to cancel another order.');
    if (row.customer_id !== asked.customerId) throw orderNotFound();
    if (row.state !== 'pending') return progressOf(row);
    const order = await this.readOrderOrNotFound(row.customer_id, row.order_id, correlationId);
    if (allCancelled(row.line_numbers, order)) return progressOf(await this.finish(row));
    if (row.accepted_at) return progressOf(row);
    return this.submit(row, order, correlationId, true);
  }

  /** The PATCH of a recorded cancellation, and what its answer makes of the row. `resend`: a repeat of one sent before. */
  private async submit(row: CancellationRow, order: OrderRead, correlationId: string, resend: boolean): Promise<CancellationProgress> {
    const lineItems = row.line_numbers.map((n) => ({ lineItemNumber: n, offerId: order.lines.get(n)?.offerId }));
    let answer: OrderJson | undefined;
    try {
      answer = await this.http.request<OrderJson | undefined>({
        method: 'PATCH',
        path: orderPath(row),
        body: { id: row.order_id, status: 'cancelled', lineItems },
        correlationId,
        requestId: row.request_id,
        safeToRepeat: true,
      });
    } catch (err) {
      if (isPartnerCenterRefusal(err)) return this.refused(row, order, err, resend);
      throw err;
    }
    const accepted = this.now();
    if (allCancelled(row.line_numbers, readOrder(answer))) return progressOf(await this.finish(row, accepted));
    return progressOf(await this.settle(row, 'SET accepted_at = COALESCE(accepted_at, $3)', [accepted]));
  }

  /** Partner Center said no: the row failed, and the port's refusal thrown for the codes it has one for. */
  private async refused(row: CancellationRow, order: OrderRead, err: PartnerCenterError, resend: boolean): Promise<CancellationProgress> {
    const code = err.code ?? `http_${err.status}`;
    const message = err.description ?? err.message;
    const mapped = REFUSALS[code];
    const log = { partnerId: this.partnerId, orderId: row.order_id, requestId: row.request_id, status: err.status, code };
    if (resend && mapped === 'in_progress') {
      this.logger?.info(log, 'partner center: the repeated cancellation PATCH met an adjustment under way (most likely its own); still pending');
      return progressOf(row);
    }
    // A 403 without a known code may be the integration account's missing role: say so where an operator looks.
    this.logger?.[err.kind === 'forbidden' && !mapped ? 'warn' : 'info'](log, 'partner center: cancellation refused');
    const now = this.now();
    const failed = await this.settle(row, "SET state = 'failed', finished_at = $3, failure_code = $4, failure_message = $5", [
      now,
      code.slice(0, 64),
      message.slice(0, FAILURE_MESSAGE_MAX),
    ]);
    switch (mapped) {
      case 'window_passed':
        throw refusal({ code: 'cancellation_window_passed', closedAt: windowClosedAt(order, message, now) }, `The cancellation window has passed (${code}).`);
      case 'not_cancellable':
        throw refusal({ code: 'not_cancellable', lineNumber: row.line_numbers[0]! }, `Partner Center cannot cancel this order (${code}).`);
      case 'in_progress':
        throw refusal({ code: 'cancellation_in_progress' }, `A cancellation of this order is under way (${code}).`);
      default:
        return progressOf(failed);
    }
  }

  /** Other unfinished cancellations of the order whose lines `order` shows at quantity 0 have finished: so marked. */
  private async finishOthersDone(orderId: string, requestId: string, order: OrderRead): Promise<void> {
    const { rows } = await this.db.query<CancellationRow>(
      "SELECT * FROM partner_center_cancellations WHERE partner_id = $1 AND order_id = $2 AND state = 'pending' AND request_id <> $3",
      [this.partnerId, orderId, requestId],
    );
    const abandonedBefore = this.now().getTime() - ABANDONED_AFTER_MS;
    for (const other of rows) {
      if (allCancelled(other.line_numbers, order)) {
        await this.finish(other);
      } else if (!other.accepted_at && other.requested_at.getTime() < abandonedBefore) {
        // Recorded, its PATCH never answered, and nobody repeated it for ABANDONED_AFTER_MS (its tracking gave up):
        // it no longer holds the order. Had the PATCH reached Partner Center, the new one is refused with 800014
        // (cancellation_in_progress), so nothing is cancelled twice.
        await this.settle(other, "SET state = 'failed', failure_code = 'superseded', failure_message = $3, finished_at = $4", [
          'Never answered by Partner Center and not repeated; superseded by a later cancellation of the order.', this.now(),
        ]);
        this.logger?.warn({ partnerId: this.partnerId, orderId, requestId: other.request_id }, 'partner center: an abandoned cancellation of the order was superseded');
      }
    }
  }

  /** The row finished now (a Partner Center answer seen at `acceptedAt` counts as accepted too). */
  private finish(row: CancellationRow, acceptedAt: Date | null = null): Promise<CancellationRow> {
    return this.settle(row, "SET state = 'finished', finished_at = $3, accepted_at = COALESCE(accepted_at, $4)", [this.now(), acceptedAt]);
  }

  /**
   * Applies `set` ($3… are `values`) to the row while it is pending; the row as it is afterwards —
   * as another caller left it, when that one got there first.
   */
  private async settle(row: CancellationRow, set: string, values: unknown[]): Promise<CancellationRow> {
    const { rows } = await this.db.query<CancellationRow>(
      `UPDATE partner_center_cancellations ${set} WHERE partner_id = $1 AND request_id = $2 AND state = 'pending' RETURNING *`,
      [this.partnerId, row.request_id, ...values],
    );
    return rows[0] ?? (await this.find(row.request_id)) ?? row;
  }

  private async find(requestId: string): Promise<CancellationRow | null> {
    const { rows } = await this.db.query<CancellationRow>('SELECT * FROM partner_center_cancellations WHERE partner_id = $1 AND request_id = $2', [
      this.partnerId,
      requestId,
    ]);
    return rows[0] ?? null;
  }

  /** Records a new cancellation, pending; null when the request id, or an unfinished cancellation of the order, is there already. */
  private async record(c: { requestId: string; customerId: string; orderId: string; lineNumbers: number[] }): Promise<CancellationRow | null> {
    const { rows } = await this.db.query<CancellationRow>(
      `INSERT INTO partner_center_cancellations (partner_id, request_id, customer_id, order_id, line_numbers, state, requested_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6)
       ON CONFLICT DO NOTHING RETURNING *`,
      [this.partnerId, c.requestId, c.customerId, c.orderId, c.lineNumbers, this.now()],
    );
    return rows[0] ?? null;
  }

  private async readOrder(customerId: string, orderId: string, correlationId: string): Promise<OrderRead> {
    return readOrder(await this.http.request<OrderJson | undefined>({ method: 'GET', path: orderPath({ customer_id: customerId, order_id: orderId }), correlationId }));
  }

  /** The order; 404 and 403 (another customer's, another partner's) are order_not_found. */
  private async readOrderOrNotFound(customerId: string, orderId: string, correlationId: string): Promise<OrderRead> {
    try {
      return await this.readOrder(customerId, orderId, correlationId);
    } catch (err) {
      if (isPartnerCenterAbsent(err)) {
        this.logger?.[err.kind === 'forbidden' ? 'warn' : 'debug']({ partnerId: this.partnerId, customerId, orderId, status: err.status, code: err.code }, 'partner center: order not found (or not this partner’s)');
        throw orderNotFound();
      }
      throw err;
    }
  }
}

function refusal(r: CommerceRefusal, message: string): CommerceError {
  return new CommerceError(r, message);
}

function orderNotFound(): CommerceError {
  return refusal({ code: 'order_not_found' }, 'The order was not found.');
}

function uuidOf(value: unknown): string | null {
  return typeof value === 'string' && UUID.test(value.trim()) ? value.trim().toLowerCase() : null;
}

function orderIdOf(value: unknown): string | null {
  return typeof value === 'string' && isOrderIdShaped(value.trim()) ? value.trim() : null;
}

function orderPath(row: Pick<CancellationRow, 'customer_id' | 'order_id'>): string {
  return `/customers/${encodeURIComponent(row.customer_id)}/orders/${encodeURIComponent(row.order_id)}`;
}

/** Every one of `lineNumbers` is in the order at quantity 0. */
function allCancelled(lineNumbers: number[], order: OrderRead): boolean {
  return lineNumbers.every((n) => order.lines.get(n)?.quantity === 0);
}

/** What cancelling needs of an order answer; lines without a whole lineItemNumber or an offerId are left out. */
function readOrder(json: OrderJson | undefined): OrderRead {
  const lines: OrderRead['lines'] = new Map();
  for (const item of Array.isArray(json?.lineItems) ? (json.lineItems as OrderLineJson[]) : []) {
    if (!item || !Number.isInteger(item.lineItemNumber) || typeof item.offerId !== 'string') continue;
    lines.set(item.lineItemNumber as number, { offerId: item.offerId, quantity: typeof item.quantity === 'number' ? item.quantity : null });
  }
  const created = typeof json?.creationDate === 'string' ? new Date(json.creationDate) : null;
  return { creationDate: created && !Number.isNaN(created.getTime()) ? created : null, lines };
}

/** 900117's window end: creationDate + the message's days (else DEFAULT_CANCELLATION_WINDOW_DAYS); `now` without a creationDate. */
function windowClosedAt(order: Pick<OrderRead, 'creationDate'>, message: string, now: Date): string {
  const days = /passed your (\d{1,4})-day cancellation window/i.exec(message)?.[1];
  if (!order.creationDate) return now.toISOString();
  const windowDays = days === undefined ? DEFAULT_CANCELLATION_WINDOW_DAYS : Number(days);
  return cancellationWindow({ purchasedAt: order.creationDate, windowDays, now }).closesAt.toISOString();
}

function progressOf(row: CancellationRow): CancellationProgress {
  const reference = { orderId: row.order_id, requestId: row.request_id, lineNumbers: [...row.line_numbers] };
  switch (row.state) {
    case 'pending':
      return { state: 'pending', reference };
    case 'finished':
      return { state: 'finished', reference, finishedAt: row.finished_at! };
    case 'failed':
      return { state: 'failed', reference, code: row.failure_code!, message: row.failure_message ?? '' };
  }
}
