import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../services/logger.js';
import { SupportDeskError, type SupportDeskErrorKind, type TicketRequest } from '../../services/support/desk.js';
import { parseRetryAfterMs as parseRetryAfter } from '../../services/http/answers.js';
import { summariseZendeskError, ZendeskDesk, type ZendeskDeskOptions } from '../../services/support/zendesk-desk.js';
import { startFakeZendesk, zendeskReplies, type FakeZendesk } from '../fakes/zendesk.js';

/** A support request as the filing job hands it over. */
function createTicketRequest(overrides: Partial<TicketRequest> = {}): TicketRequest {
  return {
    idempotencyKey: 'support-request:7dk3xkqszdra:file',
    externalId: 'sr_7dk3xkqszdra',
    problemType: 'CSP Purchase/Refund on behalf of customers',
    impact: 'moderate',
    title: 'Refund: Microsoft 365 Business Basic for Contoso Ltd',
    body: 'Please refund the order bought by mistake.\n\nCustomer: Contoso Ltd\nTenant: 6f1c…\nPhone: +49 30 1234567',
    requester: { name: 'Alex Partner', email: 'alex@partner.example', phone: '+49 30 1234567' },
    tags: ['csp_refund', 'order_7dk3xkqszdra'],
    attachments: [],
    ...overrides,
  };
}

const attachments = [
  { filename: 'invoice.txt', contentType: 'text/plain', content: Buffer.from('Invoice 4711: 12.00 EUR') },
  { filename: 'order.csv', contentType: 'text/csv', content: Buffer.from('order,sku\n7dk3xkqszdra,CFQ7TTC0LH18') },
];

async function failure(promise: Promise<unknown>): Promise<SupportDeskError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SupportDeskError, `expected a SupportDeskError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected createTicket to fail');
}

describe('services/support/zendesk-desk', () => {
  let fake: FakeZendesk;
  let logLines: string[];

  before(async () => {
    fake = await startFakeZendesk();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    logLines = [];
  });

  function desk(overrides: Partial<ZendeskDeskOptions> = {}): ZendeskDesk {
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    return new ZendeskDesk({ baseUrl: fake.url, email: fake.email, apiToken: fake.apiToken, logger: createLogger({ level: 'debug' }, sink), ...overrides });
  }

  describe('the documented request', () => {
    it('looks up by external id, uploads each file, then creates the ticket with the upload tokens', async () => {
      const filed = await desk().createTicket(createTicketRequest({ attachments }));

      assert.deepEqual(
        fake.requests.map((r) => `${r.kind} ${r.method} ${r.path}`),
        ['lookup GET /api/v2/tickets', 'upload POST /api/v2/uploads', 'upload POST /api/v2/uploads', 'create POST /api/v2/tickets'],
      );
      const [lookup, invoice, order, create] = fake.requests;
      assert.equal(lookup!.query.external_id, 'sr_7dk3xkqszdra');
      assert.deepEqual([invoice!.query.filename, invoice!.headers['content-type'], invoice!.raw], ['invoice.txt', 'text/plain', 'Invoice 4711: 12.00 EUR']);
      assert.deepEqual([order!.query.filename, order!.headers['content-type']], ['order.csv', 'text/csv']);

      assert.deepEqual(create!.body, {
        ticket: {
          subject: 'Refund: Microsoft 365 Business Basic for Contoso Ltd',
          comment: { body: createTicketRequest().body, uploads: fake.uploads.map((u) => u.token) },
          priority: 'normal',
          type: 'task',
          requester: { name: 'Alex Partner', email: 'alex@partner.example' },
          tags: ['csp_refund', 'order_7dk3xkqszdra'],
          external_id: 'sr_7dk3xkqszdra',
        },
      });
      assert.equal(create!.headers['idempotency-key'], 'support-request:7dk3xkqszdra:file');
      assert.match(String(create!.headers['content-type']), /^application\/json/);

      assert.equal(fake.tickets.length, 1);
      const ticket = fake.tickets[0]!;
      assert.deepEqual(ticket.uploads.map((u) => u.filename), ['invoice.txt', 'order.csv']);
      assert.deepEqual(filed, { ticketNumber: `#${ticket.id}`, url: `${fake.url}/agent/tickets/${ticket.id}`, status: 'new', existing: false });
    });

    it('authenticates every call with the API token: Basic base64(email/token:api_token)', async () => {
      await desk().createTicket(createTicketRequest({ attachments: attachments.slice(0, 1) }));
      const expected = `Basic ${Buffer.from(`${fake.email}/token:${fake.apiToken}`).toString('base64')}`;
      assert.equal(fake.requests.length, 3);
      for (const r of fake.requests) assert.equal(r.headers.authorization, expected, `${r.kind} call`);
      for (const r of fake.requests) assert.equal(r.headers.accept, 'application/json');
    });

    it("maps Partner Center's impact to Zendesk's priority: critical→high, moderate→normal, minimal→low", async () => {
      for (const impact of ['critical', 'moderate', 'minimal'] as const) {
        await desk().createTicket(createTicketRequest({ impact, externalId: `sr_${impact}`, idempotencyKey: `k_${impact}` }));
      }
      assert.deepEqual(
        fake.tickets.map((t) => [t.json.external_id, t.json.priority]),
        [['sr_critical', 'high'], ['sr_moderate', 'normal'], ['sr_minimal', 'low']],
      );
    });

    it('sends an empty uploads list when there is nothing to attach, and no upload call', async () => {
      await desk().createTicket(createTicketRequest());
      assert.equal(fake.callsTo('upload').length, 0);
      assert.deepEqual(fake.callsTo('create')[0]!.body.ticket.comment.uploads, []);
    });

    it('declares the limits it was built for', () => {
      const { limits } = desk();
      assert.ok(limits.titleMax > 0 && limits.titleMax <= 255);
      assert.ok(limits.bodyMax > 0 && limits.bodyMax * 3 <= 65_536, 'a body at its limit must fit in 64 KB even at 3 bytes a character');
      assert.equal(limits.attachmentMaxBytes, 50_000_000);
    });
  });

  describe('exactly one ticket per request', () => {
    it('a retry the external id look-up misses is answered by the idempotency key: the same ticket, existing', async () => {
      const first = await desk().createTicket(createTicketRequest());
      // The create of the first try not yet visible to the look-up (still in flight at Zendesk).
      fake.enqueue(zendeskReplies.noTicketsFound());
      const retry = await desk().createTicket(createTicketRequest());

      assert.equal(fake.tickets.length, 1);
      assert.equal(fake.callsTo('create').length, 2, 'the retry reached the create');
      assert.equal(fake.callsTo('create')[1]!.headers['idempotency-key'], 'support-request:7dk3xkqszdra:file');
      assert.deepEqual(retry, { ...first, existing: true });
    });

    it('after Zendesk forgot the key (two hours), the external id look-up still finds the first ticket', async () => {
      const first = await desk().createTicket(createTicketRequest({ attachments }));
      fake.forgetIdempotencyKeys();
      const retry = await desk().createTicket(createTicketRequest({ attachments }));

      assert.equal(fake.tickets.length, 1);
      assert.equal(fake.callsTo('create').length, 1, 'no second create');
      assert.equal(fake.callsTo('upload').length, 2, 'nothing uploaded again');
      assert.deepEqual(retry, { ...first, existing: true });
    });

    it('a create that timed out here but was committed at Zendesk: the retry finds it, one ticket', async () => {
      fake.commitThenAnswerLate(1_500);
      const timedOut = await failure(desk({ timeoutMs: 150 }).createTicket(createTicketRequest()));
      assert.equal(timedOut.kind, 'unavailable');
      assert.equal(timedOut.retryable, true);
      assert.equal(fake.tickets.length, 1, 'Zendesk made the ticket');

      const retry = await desk().createTicket(createTicketRequest());
      assert.equal(fake.tickets.length, 1);
      assert.equal(retry.existing, true);
      assert.equal(retry.ticketNumber, `#${fake.tickets[0]!.id}`);
    });

    it('a retry with new upload tokens, its key still held for the first try: found by external id, not rejected', async () => {
      await desk().createTicket(createTicketRequest({ attachments }));
      fake.enqueue(zendeskReplies.noTicketsFound());
      const retry = await desk().createTicket(createTicketRequest({ attachments }));

      const creates = fake.callsTo('create');
      assert.deepEqual(creates.map((c) => c.status), [201, 400], 'Zendesk refused the key with another body');
      assert.equal(fake.tickets.length, 1);
      assert.equal(retry.existing, true);
      assert.equal(retry.ticketNumber, `#${fake.tickets[0]!.id}`);
    });

    it('the same, while the first try is not visible yet: unavailable, retry shortly', async () => {
      await desk().createTicket(createTicketRequest({ attachments }));
      fake.script((call) => (call.kind === 'lookup' ? zendeskReplies.noTicketsFound() : undefined));
      const err = await failure(desk().createTicket(createTicketRequest({ attachments })));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.details.status, 400);
      assert.ok(err.retryAfterMs && err.retryAfterMs > 0);
      assert.equal(fake.tickets.length, 1);
    });

    it('picks the first ticket when several carry the external id', async () => {
      await desk().createTicket(createTicketRequest({ idempotencyKey: 'a' }));
      fake.enqueue(zendeskReplies.noTicketsFound());
      await desk().createTicket(createTicketRequest({ idempotencyKey: 'b' }));
      assert.equal(fake.tickets.length, 2, 'made by hand, as it were');
      const found = await desk().createTicket(createTicketRequest({ idempotencyKey: 'c' }));
      assert.equal(found.ticketNumber, `#${fake.tickets[0]!.id}`);
    });
  });

  describe('errors', () => {
    it('401 (wrong API token) → unauthorized, not retryable, nothing created', async () => {
      const err = await failure(desk({ apiToken: 'wrongToken-0123456789abcdef' }).createTicket(createTicketRequest({ attachments })));
      assert.equal(err.kind, 'unauthorized');
      assert.equal(err.retryable, false);
      assert.equal(err.details.status, 401);
      assert.match(err.message, /Couldn't authenticate you/);
      assert.equal(fake.tickets.length, 0);
      assert.equal(fake.callsTo('upload').length, 0);
    });

    it('403 → unauthorized', async () => {
      fake.enqueue(zendeskReplies.forbidden());
      const err = await failure(desk().createTicket(createTicketRequest()));
      assert.deepEqual([err.kind, err.details.status, err.retryable], ['unauthorized', 403, false]);
    });

    it("422 RecordInvalid → rejected, with Zendesk's description and details in the message", async () => {
      const err = await failure(desk().createTicket(createTicketRequest({ requester: { name: 'Alex', email: 'alex-at-partner', phone: null } })));
      assert.equal(err.kind, 'rejected');
      assert.equal(err.retryable, false);
      assert.equal(err.details.status, 422);
      assert.match(err.message, /RecordInvalid/);
      assert.match(err.message, /Record validation errors/);
      assert.match(err.message, /requester: Requester: Email is invalid/);
      assert.ok(err.message.length <= 300);
      assert.equal(fake.tickets.length, 0);
    });

    it('429 with Retry-After: 7 → rate_limited, retryAfterMs 7000', async () => {
      fake.enqueue(zendeskReplies.rateLimited(7));
      const err = await failure(desk().createTicket(createTicketRequest()));
      assert.deepEqual([err.kind, err.retryable, err.retryAfterMs, err.details.status], ['rate_limited', true, 7000, 429]);
    });

    it('429 on the create (after the look-up) is rate_limited too', async () => {
      fake.script((call) => (call.kind === 'create' ? zendeskReplies.rateLimited(12) : undefined));
      const err = await failure(desk().createTicket(createTicketRequest()));
      assert.deepEqual([err.kind, err.retryAfterMs], ['rate_limited', 12_000]);
    });

    it('500 → unavailable, retryable', async () => {
      fake.script((call) => (call.kind === 'create' ? zendeskReplies.serverError(500) : undefined));
      const err = await failure(desk().createTicket(createTicketRequest()));
      assert.deepEqual([err.kind, err.retryable, err.details.status], ['unavailable', true, 500]);
    });

    it('503 with Retry-After → unavailable, no sooner than Zendesk asks', async () => {
      fake.enqueue(zendeskReplies.unavailable(30));
      const err = await failure(desk().createTicket(createTicketRequest()));
      assert.deepEqual([err.kind, err.retryAfterMs, err.details.status], ['unavailable', 30_000, 503]);
    });

    it('409 → unavailable with a short retryAfterMs', async () => {
      fake.script((call) => (call.kind === 'create' ? zendeskReplies.conflict() : undefined));
      const err = await failure(desk().createTicket(createTicketRequest()));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.details.status, 409);
      assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 0 && err.retryAfterMs <= 10_000);
    });

    it('no answer within timeoutMs → unavailable, retryable', async () => {
      fake.enqueue(zendeskReplies.slow(2_000));
      const err = await failure(desk({ timeoutMs: 100 }).createTicket(createTicketRequest()));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.retryable, true);
      assert.match(err.message, /did not answer within 100 ms/);
    });

    it('nobody listening → unavailable, retryable', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const err = await failure(desk({ baseUrl: `http://127.0.0.1:${port}` }).createTicket(createTicketRequest()));
      assert.deepEqual([err.kind, err.retryable], ['unavailable', true]);
      assert.match(err.message, /could not be reached/);
    });

    it('a 201 without a ticket id → unavailable (the retry looks the ticket up)', async () => {
      fake.script((call) => (call.kind === 'create' ? { status: 201, body: { ticket: {} } } : undefined));
      const err = await failure(desk().createTicket(createTicketRequest()));
      assert.deepEqual([err.kind, err.details.status], ['unavailable', 201]);
    });

    it('never shows the API token or the Authorization header, in messages, details or the log', async () => {
      const token = fake.apiToken;
      const basic = Buffer.from(`${fake.email}/token:${token}`).toString('base64');
      const errors: SupportDeskError[] = [];
      // Even an answer that quotes them back.
      fake.enqueue({ status: 422, body: { error: 'RecordInvalid', description: `bad request from ${token} (Basic ${basic})` } });
      errors.push(await failure(desk().createTicket(createTicketRequest())));
      fake.enqueue({ status: 500, body: `upstream said ${token}` });
      errors.push(await failure(desk().createTicket(createTicketRequest())));
      errors.push(await failure(desk({ apiToken: 'otherSecretToken-xyz-987654' }).createTicket(createTicketRequest())));
      fake.enqueue(zendeskReplies.rateLimited(7));
      errors.push(await failure(desk().createTicket(createTicketRequest())));
      fake.enqueue(zendeskReplies.slow(2_000));
      errors.push(await failure(desk({ timeoutMs: 100 }).createTicket(createTicketRequest())));

      const kinds: SupportDeskErrorKind[] = errors.map((e) => e.kind);
      assert.deepEqual(kinds, ['rejected', 'unavailable', 'unauthorized', 'rate_limited', 'unavailable']);
      const shown = [...errors.map((e) => `${e.message} ${JSON.stringify(e.details)} ${e.stack ?? ''}`), ...logLines].join('\n');
      for (const secret of [token, basic, 'otherSecretToken-xyz-987654']) assert.ok(!shown.includes(secret), `${secret} leaked:\n${shown}`);
      assert.match(errors[0]!.message, /\[REDACTED\]/, 'the quoted token was scrubbed, not dropped with the message');
    });
  });

  describe('parseRetryAfter', () => {
    it('reads delay-seconds and HTTP dates', () => {
      const now = Date.parse('2026-03-02T10:00:00Z');
      assert.equal(parseRetryAfter('7', now), 7_000);
      assert.equal(parseRetryAfter(' 93 ', now), 93_000);
      assert.equal(parseRetryAfter('Mon, 02 Mar 2026 10:00:30 GMT', now), 30_000);
      assert.equal(parseRetryAfter('Mon, 02 Mar 2026 09:59:00 GMT', now), 0);
      assert.equal(parseRetryAfter('soon', now), undefined);
      assert.equal(parseRetryAfter(null, now), undefined);
    });
  });

  describe('summariseZendeskError', () => {
    it('reads error, description and details, an error object, and a text/plain body', () => {
      assert.equal(
        summariseZendeskError({
          json: { error: 'RecordInvalid', description: 'Record validation errors', details: { base: [{ description: 'Description: cannot be blank', error: 'BlankValue' }] } },
          text: '',
        }),
        'RecordInvalid — Record validation errors — base: Description: cannot be blank',
      );
      assert.equal(summariseZendeskError({ json: { error: { title: 'Forbidden', message: 'You do not have access' } }, text: '' }), 'Forbidden: You do not have access');
      assert.equal(summariseZendeskError({ json: undefined, text: 'Rate limit for ticket updates exceeded,\n please wait' }), 'Rate limit for ticket updates exceeded, please wait');
    });
  });
});
