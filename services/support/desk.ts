/**
 * The support-desk port (R21): where a support request becomes a ticket. Two implementations,
 * chosen by configuration (SUPPORT_DESK, services/domain.ts):
 * - `embedded` (./embedded-desk.ts, the default): the bot's own ticket records in Postgres,
 *   with a readable ticket number (CSP-000042) and a status;
 * - `zendesk` (./zendesk-desk.ts): Zendesk's Tickets API.
 *
 * The filing job (./filing.ts) calls `createTicket` at least once per request and perhaps more
 * (a retry after a timeout, a worker killed mid-call): the desk must make one ticket of all of
 * them. Every request carries `idempotencyKey` (the same on every try) and `externalId` (our
 * request's id); a desk honours the key itself, or looks the external id up before it creates.
 *
 * Errors: a SupportDeskError says whether trying again can help (`retryable`) and, for a
 * rate limit, no sooner than when (`retryAfterMs`, from Retry-After). Anything else thrown is
 * a fault of the network or the desk and is retried too.
 */

/** Partner Center's severities for a service request ("Impact" in the UI). */
export const SUPPORT_IMPACTS = ['critical', 'moderate', 'minimal'] as const;
export type SupportImpact = (typeof SUPPORT_IMPACTS)[number];

export function isSupportImpact(v: unknown): v is SupportImpact {
  return typeof v === 'string' && (SUPPORT_IMPACTS as readonly string[]).includes(v);
}

/** A file to attach, as the bot stored it (already checked against the size and type limits). */
export interface TicketAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface TicketRequest {
  /** The same on every try of this request: the desk's idempotency key. */
  idempotencyKey: string;
  /** Our support request's id (the desk's external id: a look-up finds the ticket made before). */
  externalId: string;
  /** Partner Center's Type of problem: always "CSP Purchase/Refund on behalf of customers". */
  problemType: string;
  impact: SupportImpact;
  title: string;
  /**
   * The full text: the user's description, then the facts (customer, tenant, order, product,
   * refund reason, amount) and the hand-off for filing the same request in Partner Center's UI.
   */
  body: string;
  requester: { name: string; email: string; phone: string | null };
  /** Searchable labels (e.g. `csp_refund`, `order_7dk3xkqszdra`). */
  tags: string[];
  attachments: TicketAttachment[];
}

export interface FiledTicket {
  /** What the requester is told: "CSP-000042", "#4711". */
  ticketNumber: string;
  /** Where an agent opens it, when the desk has a web UI. */
  url: string | null;
  /** The desk's own status word ("new", "open"). */
  status: string;
  /** The desk had this request already (a retry): no second ticket was made. */
  existing: boolean;
}

/** How long a title and a body may be, and how large an attachment, at this desk. */
export interface DeskLimits {
  titleMax: number;
  bodyMax: number;
  attachmentMaxBytes: number;
}

export interface SupportDesk {
  /** 'embedded' | 'zendesk': recorded with each request. */
  readonly name: string;
  readonly limits: DeskLimits;
  createTicket(req: TicketRequest): Promise<FiledTicket>;
}

export type SupportDeskErrorKind =
  /** 401 / 403: the desk's credentials are wrong or lack the right; retrying will not help. */
  | 'unauthorized'
  /** 400 / 422: the desk refused the ticket's content; retrying the same will not help. */
  | 'rejected'
  /** 429: try again no sooner than `retryAfterMs`. */
  | 'rate_limited'
  /** A timeout, a network error, a 5xx: try again later. */
  | 'unavailable';

export class SupportDeskError extends Error {
  constructor(
    readonly kind: SupportDeskErrorKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'SupportDeskError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }

  /** Read by the job backend's backoff (services/jobs/queues.ts): never retry sooner. */
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
}

export function isSupportDeskError(err: unknown): err is SupportDeskError {
  return err instanceof SupportDeskError;
}

/** Partner Center's Type of problem for refund and cancellation requests (R21). */
export const PROBLEM_TYPE = 'CSP Purchase/Refund on behalf of customers';
