/**
 * What the Partner Center HTTP client (./http.ts) throws when a call fails for a reason other
 * than the token source (whose PartnerCenterAuthError, ./contracts.ts, passes through as it is).
 *
 * Partner Center answers errors in two envelopes (research notes §2.5), and throttling in a third:
 * - classic (develop/error-codes.md): `{ code, description, data, source }` — `code` documented as
 *   a string but seen as a number (`{"code":0,…,"source":"PartnerFD"}`);
 * - extended (newer services): `{ code, message, description, errorName, isRetryable, parameters }`;
 * - 429 (api-throttling-guidance.md): `{ statusCode: 429, message: "Rate limit is exceeded…" }`.
 * All of them are read by `readPartnerCenterFault`, every field optional, so a body we did not
 * foresee (HTML from a gateway, nothing at all) still gives an error that says what happened.
 */

import { PartnerCenterAuthError } from './contracts.js';

/**
 * - bad_request: 400 and any other 4xx not named below — the request is wrong, do not repeat it;
 * - unauthorized: 401, also after one fresh token;
 * - forbidden: 403 (role, country, credit, risk checks: the `code` says which);
 * - not_found: 404;
 * - conflict: 409 (order in progress, cart being processed…) and 412 (an If-Match ETag is stale);
 * - throttled: 429 after the retries, or when Retry-After asks for longer than the call may wait;
 * - unavailable: 5xx, a network error, or a success answer whose body cannot be read;
 * - timeout: no answer within the client's `timeoutMs` (or a 408).
 */
export type PartnerCenterErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'throttled'
  | 'unavailable'
  | 'timeout';

/** What Partner Center said in an error body; every field is optional. */
export interface PartnerCenterFault {
  /** The body's `code`, a number or a string there, always a string here ('800061', '0'). */
  code?: string;
  /** `description`, else `message` (the extended envelope and the 429 body have it). */
  description?: string;
  /** Extended envelope only, e.g. 'PartnerConfirmedAgreementAlreadyExists'. */
  errorName?: string;
  /** Extended envelope only: Partner Center's own opinion on repeating the call. */
  isRetryable?: boolean;
  /** Classic envelope only, e.g. 'PartnerFD'. */
  source?: string;
}

export interface PartnerCenterErrorDetails extends PartnerCenterFault {
  /** The HTTP status of the last answer; 0 when there was none (network error, timeout). */
  status: number;
  kind: PartnerCenterErrorKind;
  /** The MS-RequestId the call was sent with (the same on every retry). */
  requestId: string;
  /** The MS-CorrelationId the call was sent with. */
  correlationId: string;
  /** How long Partner Center asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number;
}

export class PartnerCenterError extends Error {
  readonly status: number;
  readonly kind: PartnerCenterErrorKind;
  readonly code?: string;
  readonly description?: string;
  readonly errorName?: string;
  readonly isRetryable?: boolean;
  readonly source?: string;
  readonly requestId: string;
  readonly correlationId: string;
  readonly retryAfterSeconds?: number;

  constructor(message: string, details: PartnerCenterErrorDetails) {
    super(message);
    this.name = 'PartnerCenterError';
    this.status = details.status;
    this.kind = details.kind;
    this.code = details.code;
    this.description = details.description;
    this.errorName = details.errorName;
    this.isRetryable = details.isRetryable;
    this.source = details.source;
    this.requestId = details.requestId;
    this.correlationId = details.correlationId;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** The kind an HTTP error status stands for (the .NET SDK's DefaultPartnerServiceErrorHandler, plus 408 and 412). */
export function partnerCenterErrorKind(status: number): PartnerCenterErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'unavailable';
  return 'bad_request';
}

/** error-codes.md: "description: string, ≤1024 chars"; anything longer is not ours to keep. */
const DESCRIPTION_MAX = 1024;

/**
 * Partner Center's error body, whichever envelope it came in; `{}` for an empty, non-JSON or
 * non-object body. Strings are trimmed and capped; a `code` of 0 is kept ('0' is a real code in
 * the classic envelope).
 */
export function readPartnerCenterFault(body: unknown): PartnerCenterFault {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const fault: PartnerCenterFault = {};
  const code = b.code;
  if (typeof code === 'number' && Number.isFinite(code)) fault.code = String(code);
  else if (typeof code === 'string' && code.trim()) fault.code = code.trim();
  const description = text(b.description) ?? text(b.message);
  if (description) fault.description = description.length > DESCRIPTION_MAX ? `${description.slice(0, DESCRIPTION_MAX - 1)}…` : description;
  const errorName = text(b.errorName);
  if (errorName) fault.errorName = errorName;
  if (typeof b.isRetryable === 'boolean') fault.isRetryable = b.isRetryable;
  const source = text(b.source);
  if (source) fault.source = source;
  return fault;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** Partner Center's answer, not the network's: a refusal of this request (any 4xx but 401, 408 and 429) — not to be repeated. */
export function isPartnerCenterRefusal(err: unknown): err is PartnerCenterError {
  return err instanceof PartnerCenterError && (err.kind === 'bad_request' || err.kind === 'forbidden' || err.kind === 'not_found' || err.kind === 'conflict');
}

/** 404, or 403 — what was asked for is not there or not this partner's (a 403 may also be a missing role of the integration account). */
export function isPartnerCenterAbsent(err: unknown): err is PartnerCenterError {
  return err instanceof PartnerCenterError && (err.kind === 'not_found' || err.kind === 'forbidden');
}

/** A purchase another process is placing right now, or whose checkout Partner Center says is under way: ask again shortly (transient). */
export class PurchaseInProgressError extends Error {
  constructor() {
    super('partner center: this purchase is being placed by another request; ask again shortly');
    this.name = 'PurchaseInProgressError';
  }
}

/**
 * What a failure of Partner Center means for the user: `unavailable` — it did not answer (down,
 * slow, throttling, a token it would not take, a purchase still under way): nothing was done that
 * a repeat would do twice, try again; `consent` — the stored consent expired or was revoked, or the
 * app's credential is wrong: only the operator can mend it; undefined — not a Partner Center outage.
 */
export function partnerCenterTrouble(err: unknown): 'unavailable' | 'consent' | undefined {
  if (err instanceof PartnerCenterAuthError) return err.kind === 'unavailable' ? 'unavailable' : 'consent';
  if (err instanceof PurchaseInProgressError) return 'unavailable';
  if (err instanceof PartnerCenterError && (err.kind === 'throttled' || err.kind === 'unavailable' || err.kind === 'timeout' || err.kind === 'unauthorized')) return 'unavailable';
  return undefined;
}
