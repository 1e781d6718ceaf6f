/**
 * A local stand-in for Zendesk's Ticketing API, as far as ZendeskDesk
 * (services/support/zendesk-desk.ts) uses it. Point the desk at it with
 * `new ZendeskDesk({ baseUrl: fake.url, email: fake.email, apiToken: fake.apiToken })`.
 *
 * Default answers, with Zendesk's documented shapes (see the desk's module comment for sources):
 *   any request without `Authorization: Basic base64(email/token:apiToken)`
 *       401 { error: "Couldn't authenticate you" }
 *   GET  /api/v2/tickets[.json]?external_id=X
 *       200 { tickets: [the tickets with that external id], count, next_page: null, previous_page: null }
 *   POST /api/v2/uploads[.json]?filename=F   (the file as the body, its type as Content-Type)
 *       201 { upload: { token, expires_at, attachment, attachments: [attachment] } }
 *       400 when `filename` is missing
 *   POST /api/v2/tickets[.json]   { ticket: { subject, comment: { body, uploads }, … } }
 *       201 { ticket } with increasing ids; `x-idempotency-lookup: miss` when an Idempotency-Key
 *           was sent. The same key and body again: 201 with the first ticket and
 *           `x-idempotency-lookup: hit`; the same key with another body:
 *           400 { error: 'IdempotentRequestError', description: "Request parameters don't match the given idempotency key" }
 *       422 { error: 'RecordInvalid', description: 'Record validation errors', details } when the
 *           comment body is blank, the requester's email is invalid, or priority / type is not one
 *           of Zendesk's values. A subject is not required: Zendesk documents `comment` as the only
 *           required property.
 *   anything else  404 { error: 'InvalidEndpoint', description: 'Not found' }
 *
 * Faults: `enqueue(...replies)` answers the next requests in order (nothing is created or
 * checked for them); `script(fn)` decides per request (`undefined` → the default answer);
 * `zendeskReplies` has Zendesk's 401, 403, 409, 422, 429 (Retry-After), 5xx and a slow answer.
 * `commitThenAnswerLate(ms)` makes the next ticket create succeed here (the ticket exists) but
 * answer only after `ms` — the client's timeout after Zendesk committed. `forgetIdempotencyKeys()`
 * is Zendesk two hours later. `reset()` forgets everything: tickets, uploads, keys, recorded
 * requests, queued replies and the script. The harness (./harness.ts) reads bodies as UTF-8,
 * so an upload's `content` and `size` are exact for text files only.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { parseJsonBody, startFakeServer, type FakeReply, type FakeScript } from './harness.js';

export const FAKE_ZENDESK_EMAIL = 'csp-bot@partner.example';
export const FAKE_ZENDESK_API_TOKEN = 'fakeZdTok3nA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv';

export type ZendeskCallKind = 'lookup' | 'upload' | 'create' | 'other';

/** A request the fake received. */
export interface ZendeskCall {
  /** 0-based order of arrival. */
  index: number;
  kind: ZendeskCallKind;
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** A JSON body parsed (a create's `{ ticket }`); undefined for an upload or no body. */
  body: any;
  /** The body as UTF-8 text (an upload's file). */
  raw: string;
  /** The status it was answered with. */
  status: number;
}

export type ZendeskReply = FakeReply;
export type ZendeskScript = FakeScript<Omit<ZendeskCall, 'status'>, ZendeskReply>;

/** A file received on /api/v2/uploads. */
export interface FakeZendeskUpload {
  token: string;
  filename: string;
  contentType: string;
  /** Bytes of the body as read (UTF-8). */
  size: number;
  content: string;
  /** The ticket whose first comment used the token, or null while unused. */
  ticketId: number | null;
}

/** Zendesk's ticket JSON, as the fake answers it. */
export interface ZendeskTicketJson {
  url: string;
  id: number;
  external_id: string | null;
  type: string | null;
  subject: string | null;
  raw_subject: string | null;
  description: string;
  priority: string | null;
  status: string;
  requester_id: number;
  submitter_id: number;
  tags: string[];
  created_at: string;
  updated_at: string;
}

/** A ticket the fake created. */
export interface FakeZendeskTicket {
  id: number;
  /** What the API answers for it. */
  json: ZendeskTicketJson;
  /** The inline requester sent on create. */
  requester: { name?: string; email?: string };
  /** The first comment as sent. */
  comment: { body: string; uploads: string[] };
  /** The files attached through `comment.uploads` (unknown tokens are skipped). */
  uploads: FakeZendeskUpload[];
  /** The Idempotency-Key it was created with. */
  idempotencyKey: string | undefined;
}

export interface FakeZendesk {
  /** The fake's origin: ZendeskDesk's `baseUrl`. */
  url: string;
  /** The credentials it accepts. */
  email: string;
  apiToken: string;
  /** Tickets created, in order (the same array across `reset()`). */
  tickets: FakeZendeskTicket[];
  /** Files uploaded, in order. */
  uploads: FakeZendeskUpload[];
  /** Every request, in order, with its status. */
  requests: ZendeskCall[];
  callsTo(kind: ZendeskCallKind): ZendeskCall[];
  script(fn: ZendeskScript | undefined): void;
  enqueue(...replies: ZendeskReply[]): void;
  /** The next ticket create commits here but answers only after `delayMs`. */
  commitThenAnswerLate(delayMs: number): void;
  /** Forget the idempotency keys (Zendesk keeps them two hours). */
  forgetIdempotencyKeys(): void;
  reset(): void;
  close(): Promise<void>;
}

const MISMATCH = { error: 'IdempotentRequestError', description: "Request parameters don't match the given idempotency key" };

/** Zendesk's answers for faults, to `enqueue` or return from a script. */
export const zendeskReplies = {
  unauthorized: (): ZendeskReply => ({ status: 401, body: { error: "Couldn't authenticate you" } }),
  forbidden: (): ZendeskReply => ({
    status: 403,
    body: { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' },
  }),
  /** 422 RecordInvalid; `details` maps a field to `[{ description, error }]`. */
  recordInvalid: (details: Record<string, { description: string; error: string }[]>, description = 'Record validation errors'): ZendeskReply => ({
    status: 422,
    body: { error: 'RecordInvalid', description, details },
  }),
  /** 429 with Retry-After: seconds, or an HTTP date given as a string. */
  rateLimited: (retryAfter: number | string = 60): ZendeskReply => ({
    status: 429,
    headers: { 'retry-after': String(retryAfter) },
    body: { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' },
  }),
  conflict: (): ZendeskReply => ({ status: 409, body: { error: 'Conflict', description: 'The request conflicts with another one in progress' } }),
  idempotencyMismatch: (): ZendeskReply => ({ status: 400, body: MISMATCH }),
  serverError: (status = 500): ZendeskReply => ({ status, body: { error: 'InternalServerError', description: 'Something went wrong' } }),
  /** 503 as Zendesk answers during maintenance, with Retry-After in seconds. */
  unavailable: (retryAfterSeconds = 30): ZendeskReply => ({ status: 503, headers: { 'retry-after': String(retryAfterSeconds) }, body: { error: 'ServiceUnavailable' } }),
  /** An answer that comes only after `delayMs` (nothing is created): a client timeout. */
  slow: (delayMs: number, reply: ZendeskReply = { status: 503 }): ZendeskReply => ({ ...reply, delayMs }),
  /** A List Tickets answer with no ticket (e.g. a create still in flight at Zendesk). */
  noTicketsFound: (): ZendeskReply => ({ body: { tickets: [], count: 0, next_page: null, previous_page: null } }),
};

const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const TYPES = ['problem', 'incident', 'question', 'task'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FIRST_TICKET_ID = 1001;

function kindOf(method: string, path: string): ZendeskCallKind {
  const p = path.replace(/\.json$/, '').replace(/\/+$/, '');
  if (p === '/api/v2/tickets' && method === 'GET') return 'lookup';
  if (p === '/api/v2/tickets' && method === 'POST') return 'create';
  if (p === '/api/v2/uploads' && method === 'POST') return 'upload';
  return 'other';
}

export async function startFakeZendesk(opts: { email?: string; apiToken?: string } = {}): Promise<FakeZendesk> {
  const email = opts.email ?? FAKE_ZENDESK_EMAIL;
  const apiToken = opts.apiToken ?? FAKE_ZENDESK_API_TOKEN;
  const expectedAuthorization = `Basic ${Buffer.from(`${email}/token:${apiToken}`).toString('base64')}`;

  const tickets: FakeZendeskTicket[] = [];
  const uploads: FakeZendeskUpload[] = [];
  const idempotency = new Map<string, { raw: string; ticketId: number }>();
  const users = new Map<string, number>();
  let nextTicketId = FIRST_TICKET_ID;
  let nextUserId = 5001;
  let nextAttachmentId = 9001;
  let lateCreateMs: number | undefined;
  let origin = '';

  function userId(address: string | undefined): number {
    const key = (address ?? email).toLowerCase();
    let id = users.get(key);
    if (id === undefined) {
      id = nextUserId++;
      users.set(key, id);
    }
    return id;
  }

  function lookup(call: Omit<ZendeskCall, 'status'>): ZendeskReply {
    const wanted = call.query.external_id;
    const found = tickets.filter((t) => wanted === undefined || t.json.external_id === wanted).map((t) => t.json);
    return { body: { tickets: found, count: found.length, next_page: null, previous_page: null } };
  }

  function upload(call: Omit<ZendeskCall, 'status'>): ZendeskReply {
    const filename = call.query.filename;
    if (!filename) return { status: 400, body: { error: 'InvalidValue', description: 'filename is required' } };
    const file: FakeZendeskUpload = {
      token: randomBytes(8).toString('hex'),
      filename,
      contentType: String(call.headers['content-type'] ?? 'application/binary'),
      size: Buffer.byteLength(call.raw, 'utf8'),
      content: call.raw,
      ticketId: null,
    };
    uploads.push(file);
    const attachmentId = nextAttachmentId++;
    const attachment = {
      id: attachmentId,
      url: `${origin}/api/v2/attachments/${attachmentId}.json`,
      file_name: filename,
      content_url: `${origin}/attachments/token/${file.token}/?name=${encodeURIComponent(filename)}`,
      content_type: file.contentType,
      size: file.size,
      inline: false,
      deleted: false,
      thumbnails: [],
    };
    const expiresAt = new Date(Date.now() + 60 * 60_000).toISOString();
    return { status: 201, body: { upload: { token: file.token, expires_at: expiresAt, attachment, attachments: [attachment] } } };
  }

  /** Zendesk's validation of a new ticket, as far as the fake mimics it. */
  function invalid(ticket: Record<string, any>): ZendeskReply | undefined {
    const details: Record<string, { description: string; error: string }[]> = {};
    const body: unknown = ticket.comment?.body ?? ticket.comment?.html_body;
    if (typeof body !== 'string' || !body.trim()) details.base = [{ description: 'Description: cannot be blank', error: 'BlankValue' }];
    const requesterEmail: unknown = ticket.requester?.email;
    if (ticket.requester !== undefined && (typeof requesterEmail !== 'string' || !EMAIL.test(requesterEmail))) {
      details.requester = [{ description: `Requester: Email is invalid (${String(requesterEmail)})`, error: 'InvalidValue' }];
    }
    if (ticket.priority !== undefined && ticket.priority !== null && !PRIORITIES.includes(ticket.priority)) {
      details.priority = [{ description: 'Priority: is not a valid value', error: 'InvalidValue' }];
    }
    if (ticket.type !== undefined && ticket.type !== null && !TYPES.includes(ticket.type)) {
      details.type = [{ description: 'Type: is not a valid value', error: 'InvalidValue' }];
    }
    return Object.keys(details).length ? zendeskReplies.recordInvalid(details) : undefined;
  }

  function create(call: Omit<ZendeskCall, 'status'>): ZendeskReply {
    const key = typeof call.headers['idempotency-key'] === 'string' ? call.headers['idempotency-key'] : undefined;
    if (key !== undefined) {
      const earlier = idempotency.get(key);
      if (earlier && earlier.raw !== call.raw) return { status: 400, body: MISMATCH };
      if (earlier) {
        const ticket = tickets.find((t) => t.id === earlier.ticketId)!;
        return { status: 201, headers: { 'x-idempotency-lookup': 'hit', location: ticket.json.url }, body: { ticket: ticket.json } };
      }
    }
    const ticket: Record<string, any> | undefined = call.body?.ticket;
    if (!ticket || typeof ticket !== 'object') return { status: 400, body: { error: 'InvalidValue', description: 'ticket is required' } };
    const refusal = invalid(ticket);
    if (refusal) return refusal;

    const id = nextTicketId++;
    const now = new Date().toISOString();
    const tokens: string[] = Array.isArray(ticket.comment.uploads) ? ticket.comment.uploads.map(String) : [];
    const attached = uploads.filter((u) => tokens.includes(u.token) && u.ticketId === null);
    for (const u of attached) u.ticketId = id;
    const subject = typeof ticket.subject === 'string' ? ticket.subject : null;
    const json: ZendeskTicketJson = {
      url: `${origin}/api/v2/tickets/${id}.json`,
      id,
      external_id: typeof ticket.external_id === 'string' ? ticket.external_id : null,
      type: ticket.type ?? null,
      subject,
      raw_subject: subject,
      description: String(ticket.comment.body ?? ''),
      priority: ticket.priority ?? null,
      status: 'new',
      requester_id: userId(ticket.requester?.email),
      submitter_id: userId(email),
      tags: Array.isArray(ticket.tags) ? ticket.tags.map(String) : [],
      created_at: now,
      updated_at: now,
    };
    tickets.push({
      id,
      json,
      requester: { name: ticket.requester?.name, email: ticket.requester?.email },
      comment: { body: json.description, uploads: tokens },
      uploads: attached,
      idempotencyKey: key,
    });
    if (key !== undefined) idempotency.set(key, { raw: call.raw, ticketId: id });

    const reply: ZendeskReply = {
      status: 201,
      headers: { location: json.url, ...(key !== undefined ? { 'x-idempotency-lookup': 'miss' } : {}) },
      body: { ticket: json },
    };
    if (lateCreateMs !== undefined) {
      reply.delayMs = lateCreateMs;
      lateCreateMs = undefined;
    }
    return reply;
  }

  const server = await startFakeServer<Omit<ZendeskCall, 'status'>, ZendeskReply>({
    describe: ({ index, method, path, query, headers, raw }) => {
      const kind = kindOf(method, path);
      const isJson = String(headers['content-type'] ?? '').includes('application/json');
      return { index, kind, method, path, query, headers, body: kind !== 'upload' && isJson ? parseJsonBody(raw, undefined) : undefined, raw };
    },
    defaultReply: (call) => {
      if (call.headers.authorization !== expectedAuthorization) return zendeskReplies.unauthorized();
      switch (call.kind) {
        case 'lookup':
          return lookup(call);
        case 'upload':
          return upload(call);
        case 'create':
          return create(call);
        default:
          return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
      }
    },
  });
  origin = server.origin;
  const requests: ZendeskCall[] = server.recorded;

  return {
    url: origin,
    email,
    apiToken,
    tickets,
    uploads,
    requests,
    callsTo: (kind) => requests.filter((r) => r.kind === kind),
    script: server.controls.script,
    enqueue: server.controls.enqueue,
    commitThenAnswerLate: (delayMs) => {
      lateCreateMs = delayMs;
    },
    forgetIdempotencyKeys: () => idempotency.clear(),
    reset: () => {
      server.controls.reset();
      tickets.length = 0;
      uploads.length = 0;
      idempotency.clear();
      users.clear();
      nextTicketId = FIRST_TICKET_ID;
      lateCreateMs = undefined;
    },
    close: server.controls.close,
  };
}
