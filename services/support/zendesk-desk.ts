/**
 * The support-desk port (./desk.ts) on Zendesk's Tickets API (SUPPORT_DESK=zendesk).
 *
 * One request, one ticket, however often the filing job calls `createTicket`:
 * 1. Look the ticket up by our request's id: `GET /api/v2/tickets?external_id=…` (List Tickets;
 *    "External ids don't have to be unique for each ticket", so the lowest id wins). A ticket
 *    found there is answered with `existing: true`. This covers what the idempotency key cannot:
 *    a retry after the key expired (Zendesk keeps keys two hours), and a create that Zendesk
 *    committed while we gave up waiting. List Tickets reads the tickets themselves, unlike the
 *    Search API, whose index lags behind a create.
 * 2. Upload each attachment (`POST /api/v2/uploads?filename=…`, the file as the body, its MIME
 *    type as Content-Type) and keep the token of each. A try that fails after uploading leaves
 *    its uploads unused: Zendesk deletes files whose token was never attached to a comment when
 *    the token expires (60 minutes), so nothing of them reaches a ticket or needs cleaning up.
 * 3. Create the ticket (`POST /api/v2/tickets`) with `Idempotency-Key: <req.idempotencyKey>`.
 *    Zendesk answers a repeat of the same key and body with the ticket it made first and the
 *    header `x-idempotency-lookup: hit` (a first use: `miss`): that is `existing: true` too.
 * 4. The same key with another body is answered `400 {"error":"IdempotentRequestError"}`. Our
 *    bodies differ between tries only by their upload tokens (each try uploads anew), so this
 *    answer means an earlier try of this very request reached Zendesk: look the external id up
 *    once more; if the ticket is not visible yet, the error is 'unavailable' (retry shortly),
 *    never 'rejected'.
 *
 * Choices:
 * - Priority: Zendesk has urgent/high/normal/low and documents no meaning for them; an account's
 *   admins often tie `urgent` to paging triggers and the tightest SLA. Partner Center's impact is
 *   the partner's own judgement of a refund or cancellation (it is in the body too, for the agent
 *   who files it in Partner Center), so critical→high, moderate→normal, minimal→low leaves
 *   `urgent` to the desk's people.
 * - Type `task`: the ticket is work for an agent (file the request in Partner Center and follow
 *   it). Zendesk's `problem` means a root cause that `incident` tickets link to and are solved
 *   with — not what this is.
 * - The requester is given inline (`requester: { name, email }`): Zendesk finds the user by
 *   email or creates one. The phone stays in the body (no custom field ids are assumed).
 *
 * Errors (SupportDeskError, `details.status` always set when Zendesk answered): 401/403 →
 * unauthorized; 400/422 and other 4xx → rejected, with Zendesk's `error`, `description` and the
 * first `details` in a short message; 429 → rate_limited after `Retry-After` (seconds or an HTTP
 * date; 60 s when absent, Zendesk's limits being per minute); 409 → unavailable, retry after
 * 2 s (409 stands for a conflict with a concurrent write in catalogues of Zendesk's errors, e.g.
 * api-evangelist/zendesk errors/zendesk-error-codes.yml; the idempotency section documents no
 * answer for a key whose first request is still in flight, so a 409 there is treated alike); 5xx, a network error or no answer within `timeoutMs` (each HTTP
 * call has its own AbortSignal.timeout) → unavailable. The API token and the Authorization
 * header are never logged, and are scrubbed from any message built from Zendesk's answers.
 *
 * Zendesk documentation relied on:
 * - Ticketing API introduction, "Idempotency":
 *   https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency — the
 *   `Idempotency-Key` header on ticket creation, `x-idempotency-lookup: miss|hit`, "Keys expire
 *   after two hours"; the reused-key answer (400, `IdempotentRequestError`, "Request parameters
 *   don't match the given idempotency key") as handled by Zendesk's Java client
 *   (cloudbees-oss/zendesk-java-client: IdempotencyUtil, ZendeskResponseIdempotencyConflictException).
 * - Tickets, List Tickets `external_id` parameter and Create Ticket (type, priority, requester,
 *   tags, external_id, comment.uploads): https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
 *   (OpenAPI: https://developer.zendesk.com/zendesk/oas.yaml).
 * - Upload Files: https://developer.zendesk.com/api-reference/ticketing/tickets/ticket-attachments/
 *   ("required `filename` query parameter", Content-Type "must contain a recognized MIME type",
 *   token "valid for 60 minutes"); Zendesk help "Can I attach files to tickets using the API"
 *   (support.zendesk.com/hc/en-us/articles/4408887057946): unused uploads are deleted when the
 *   token expires.
 * - Security and authentication: `{email_address}/token:{api_token}` basic auth.
 * - Rate limits: https://developer.zendesk.com/api-reference/introduction/rate-limits — 429 with
 *   `Retry-After` in seconds; headers `X-Rate-Limit`, `X-Rate-Limit-Remaining`, and on List
 *   Tickets `zendesk-ratelimit-tickets-index`. Requests: .../api-reference/introduction/requests
 *   (error bodies `{ error, description, details }`; some errors answer `text/plain`).
 * - Limits: see ZENDESK_LIMITS.
 */
import { describeNetworkError, parseJsonText, parseRetryAfterMs } from '../http/answers.js';
import type { Logger } from '../logger.js';
import {
  SupportDeskError,
  type DeskLimits,
  type FiledTicket,
  type SupportDesk,
  type SupportDeskErrorKind,
  type SupportImpact,
  type TicketAttachment,
  type TicketRequest,
} from './desk.js';

export interface ZendeskDeskOptions {
  /** `https://{subdomain}.zendesk.com` (or a fake's origin); a trailing slash is ignored. */
  baseUrl: string;
  /** The agent's email address the API token belongs to. */
  email: string;
  apiToken: string;
  /** Per HTTP call; 10 s when left out. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

export type ZendeskPriority = 'urgent' | 'high' | 'normal' | 'low';

/** Partner Center's impact → Zendesk's priority (why: the module comment). */
export const ZENDESK_PRIORITY: Readonly<Record<SupportImpact, ZendeskPriority>> = {
  critical: 'high',
  moderate: 'normal',
  minimal: 'low',
};

export const ZENDESK_TICKET_TYPE = 'task';

/**
 * - titleMax 150: Zendesk documents no subject limit; 150 keeps the subject whole in views,
 *   notification email subjects and the agent's tab (our own choice).
 * - bodyMax 20,000 characters: a comment is limited to about 64 KB stored ("roughly ~65,000
 *   characters, depending on your encoding/markup" — Zendesk Developer Advocacy,
 *   support.zendesk.com/hc/en-us/community/posts/4719863289498). Our limit counts characters,
 *   Zendesk's counts bytes; 20,000 stays under it even at 3 bytes a character.
 * - attachmentMaxBytes 50,000,000: Zendesk's 50 MB per file (help article "Working with
 *   attachments in tickets", support.zendesk.com/hc/en-us/articles/4408832757146), read as
 *   decimal megabytes to stay under whichever Zendesk means.
 */
export const ZENDESK_LIMITS: DeskLimits = Object.freeze({
  titleMax: 150,
  bodyMax: 20_000,
  attachmentMaxBytes: 50_000_000,
});

const DEFAULT_TIMEOUT_MS = 10_000;
/** Retry-After is documented on every 429; this is only for an answer without it. */
const DEFAULT_RATE_LIMIT_RETRY_MS = 60_000;
/** A conflict or an idempotency key still held for an earlier try: look again shortly. */
const CONFLICT_RETRY_MS = 2_000;
const MESSAGE_MAX = 300;

/** Zendesk's ticket, as far as this desk reads it. */
interface ZendeskTicket {
  id: number;
  status: string;
  external_id: string | null;
}

interface ZendeskAnswer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
  /** The body as text (for `text/plain` errors). */
  text: string;
}

/** What a ticket create sends (Zendesk's Create Ticket body). */
export function zendeskTicketBody(req: TicketRequest, uploadTokens: string[]) {
  return {
    ticket: {
      subject: req.title,
      comment: { body: req.body, uploads: uploadTokens },
      priority: ZENDESK_PRIORITY[req.impact],
      type: ZENDESK_TICKET_TYPE,
      requester: { name: req.requester.name, email: req.requester.email },
      tags: req.tags,
      external_id: req.externalId,
    },
  };
}

export class ZendeskDesk implements SupportDesk {
  readonly name = 'zendesk';
  readonly limits = ZENDESK_LIMITS;

  private readonly baseUrl: string;
  private readonly authorization: string;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly logger: Logger | undefined;

  constructor(opts: ZendeskDeskOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    const credentials = Buffer.from(`${opts.email}/token:${opts.apiToken}`, 'utf8').toString('base64');
    this.authorization = `Basic ${credentials}`;
    // Too short a string would scrub innocent text; a real token is 40 characters.
    this.secrets = [opts.apiToken, credentials].filter((s) => s.length >= 6);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.logger = opts.logger;
  }

  async createTicket(req: TicketRequest): Promise<FiledTicket> {
    const earlier = await this.findByExternalId(req.externalId);
    if (earlier) {
      this.logger?.info({ ticketId: earlier.id, externalId: req.externalId }, 'zendesk: ticket found by external id, none created');
      return this.filed(earlier, true);
    }

    const tokens: string[] = [];
    for (const attachment of req.attachments) tokens.push(await this.upload(attachment));

    const answer = await this.call('POST', '/api/v2/tickets', 'creating the ticket', {
      body: JSON.stringify(zendeskTicketBody(req, tokens)),
      contentType: 'application/json',
      idempotencyKey: req.idempotencyKey,
    });

    if (answer.status === 200 || answer.status === 201) {
      const ticket = readTicket((answer.json as { ticket?: unknown } | undefined)?.ticket);
      if (!ticket) throw this.unexpected(answer, 'creating the ticket');
      const replayed = answer.headers.get('x-idempotency-lookup')?.toLowerCase() === 'hit';
      this.logger?.info({ ticketId: ticket.id, externalId: req.externalId, replayed, attachments: tokens.length }, 'zendesk: ticket filed');
      return this.filed(ticket, replayed);
    }

    if (answer.status === 400 && zendeskErrorName(answer.json) === 'IdempotentRequestError') {
      // An earlier try of this request used the key (with other upload tokens).
      const made = await this.findByExternalId(req.externalId);
      if (made) {
        this.logger?.info({ ticketId: made.id, externalId: req.externalId }, 'zendesk: idempotency key held by an earlier try; its ticket found');
        return this.filed(made, true);
      }
      throw new SupportDeskError('unavailable', 'Zendesk holds this request’s idempotency key for an earlier try whose ticket is not visible yet', {
        status: answer.status,
        retryAfterMs: CONFLICT_RETRY_MS,
      });
    }

    throw this.failure(answer, 'creating the ticket');
  }

  /** The first ticket (lowest id) with this external id, or null. */
  private async findByExternalId(externalId: string): Promise<ZendeskTicket | null> {
    const path = `/api/v2/tickets?external_id=${encodeURIComponent(externalId)}`;
    const answer = await this.call('GET', path, 'looking the ticket up by external id');
    if (answer.status !== 200) throw this.failure(answer, 'looking the ticket up by external id');
    const list = (answer.json as { tickets?: unknown } | undefined)?.tickets;
    if (!Array.isArray(list)) throw this.unexpected(answer, 'looking the ticket up by external id');
    const matches = list
      .map(readTicket)
      .filter((t): t is ZendeskTicket => t !== null && t.external_id === externalId)
      .sort((a, b) => a.id - b.id);
    return matches[0] ?? null;
  }

  /** Uploads one file; resolves with its upload token. */
  private async upload(attachment: TicketAttachment): Promise<string> {
    const answer = await this.call('POST', `/api/v2/uploads?filename=${encodeURIComponent(attachment.filename)}`, `uploading ${attachment.filename}`, {
      // A copy on its own ArrayBuffer: what fetch's BodyInit types accept (a Buffer may share a pool).
      body: new Uint8Array(attachment.content),
      contentType: attachment.contentType,
    });
    if (answer.status !== 201 && answer.status !== 200) throw this.failure(answer, `uploading ${attachment.filename}`);
    const token = (answer.json as { upload?: { token?: unknown } } | undefined)?.upload?.token;
    if (typeof token !== 'string' || !token) throw this.unexpected(answer, `uploading ${attachment.filename}`);
    return token;
  }

  private filed(ticket: ZendeskTicket, existing: boolean): FiledTicket {
    return {
      ticketNumber: `#${ticket.id}`,
      url: `${this.baseUrl}/agent/tickets/${ticket.id}`,
      status: ticket.status,
      existing,
    };
  }

  /** One HTTP call; a timeout or a network error becomes 'unavailable'. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    doing: string,
    send?: { body: string | Uint8Array<ArrayBuffer>; contentType: string; idempotencyKey?: string },
  ): Promise<ZendeskAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: this.authorization };
    if (send) headers['content-type'] = send.contentType;
    if (send?.idempotencyKey) headers['idempotency-key'] = send.idempotencyKey;
    try {
      const res = await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: send?.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: parseJsonText(text), text };
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      const message =
        name === 'TimeoutError' || name === 'AbortError'
          ? `Zendesk did not answer within ${this.timeoutMs} ms while ${doing}`
          : `Zendesk could not be reached while ${doing}: ${describeNetworkError(err)}`;
      this.logger?.warn({ path: path.split('?')[0], method }, this.scrub(message));
      throw new SupportDeskError('unavailable', this.scrub(message));
    }
  }

  /** Zendesk's refusal as a SupportDeskError. */
  private failure(answer: ZendeskAnswer, doing: string): SupportDeskError {
    const { status } = answer;
    const said = this.scrub(summariseZendeskError(answer));
    const because = said ? `: ${said}` : '';
    const retryAfterMs = parseRetryAfterMs(answer.headers.get('retry-after'));
    const make = (kind: SupportDeskErrorKind, message: string, details: { retryAfterMs?: number } = {}) =>
      new SupportDeskError(kind, truncate(message, MESSAGE_MAX), { status, ...details });
    let error: SupportDeskError;
    if (status === 401 || status === 403) {
      error = make('unauthorized', `Zendesk refused our API credentials while ${doing} (HTTP ${status}${because})`);
    } else if (status === 429) {
      error = make('rate_limited', `Zendesk's rate limit was reached while ${doing} (HTTP 429)`, { retryAfterMs: retryAfterMs ?? DEFAULT_RATE_LIMIT_RETRY_MS });
    } else if (status === 409) {
      error = make('unavailable', `Zendesk reported a conflict while ${doing} (HTTP 409${because})`, { retryAfterMs: retryAfterMs ?? CONFLICT_RETRY_MS });
    } else if (status >= 500) {
      error = make('unavailable', `Zendesk failed while ${doing} (HTTP ${status}${because})`, retryAfterMs !== undefined ? { retryAfterMs } : {});
    } else {
      error = make('rejected', `Zendesk rejected the request while ${doing} (HTTP ${status}${because})`);
    }
    this.logger?.warn({ status, kind: error.kind }, error.message);
    return error;
  }

  /** A success answer whose body we cannot read: retrying finds the ticket, if one was made. */
  private unexpected(answer: ZendeskAnswer, doing: string): SupportDeskError {
    return new SupportDeskError('unavailable', `Zendesk answered HTTP ${answer.status} without the expected body while ${doing}`, { status: answer.status });
  }

  private scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[REDACTED]');
    return out;
  }
}

/**
 * Zendesk's error body in one line: `error` (a name, or `{ title, message }`), `description`,
 * then up to three `details` entries (`{ field: [{ description, error }] }`); a text/plain body
 * as it is.
 */
export function summariseZendeskError(answer: { json: unknown; text: string }): string {
  const body = answer.json;
  if (body === undefined || body === null || typeof body !== 'object') return truncate(answer.text.trim().replace(/\s+/g, ' '), 200);
  const { error, description, details } = body as { error?: unknown; description?: unknown; details?: unknown };
  const parts: string[] = [];
  if (typeof error === 'string') parts.push(error);
  else if (error && typeof error === 'object') {
    const { title, message } = error as { title?: unknown; message?: unknown };
    parts.push([title, message].filter((s): s is string => typeof s === 'string').join(': '));
  }
  if (typeof description === 'string' && description) parts.push(description);
  if (details && typeof details === 'object') {
    const items: string[] = [];
    for (const [field, entries] of Object.entries(details as Record<string, unknown>)) {
      for (const entry of Array.isArray(entries) ? entries : [entries]) {
        const d = entry && typeof entry === 'object' ? (entry as { description?: unknown; error?: unknown }) : {};
        const what = typeof d.description === 'string' ? d.description : typeof d.error === 'string' ? d.error : undefined;
        if (what) items.push(`${field}: ${what}`);
      }
    }
    if (items.length) parts.push(items.slice(0, 3).join('; ') + (items.length > 3 ? ` (+${items.length - 3} more)` : ''));
  }
  return parts.filter(Boolean).join(' — ');
}

function zendeskErrorName(body: unknown): string | undefined {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  return typeof error === 'string' ? error : undefined;
}

function readTicket(value: unknown): ZendeskTicket | null {
  if (!value || typeof value !== 'object') return null;
  const { id, status, external_id: externalId } = value as { id?: unknown; status?: unknown; external_id?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  return {
    id,
    status: typeof status === 'string' && status ? status : 'new',
    external_id: typeof externalId === 'string' ? externalId : null,
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
