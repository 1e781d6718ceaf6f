import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, type Logger } from '../../services/logger.js';
import { PartnerCenterAuthError, type AccessTokens } from '../../services/partner-center/contracts.js';
import { PartnerCenterError, readPartnerCenterFault } from '../../services/partner-center/errors.js';
import { parseRetryAfterMs } from '../../services/http/answers.js';
import { PartnerCenterHttp, type PartnerCenterHttpOptions } from '../../services/partner-center/http.js';
import { partnerCenterReplies as replies, startFakePartnerCenter, type FakePartnerCenter } from '../fakes/partner-center.js';

/** JWT-shaped, long enough that a leak is unmistakable. */
const STALE_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c3RhbGUtdG9rZW4tZm9yLXRlc3Rz.U1RBTEVzaWduYXR1cmU';
const FRESH_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.ZnJlc2gtdG9rZW4tZm9yLXRlc3Rz.RlJFU0hzaWduYXR1cmU';
const CORRELATION_ID = '1438ea3d-b515-45c7-9ec1-27ee0cc8e6bd';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The token source the client is handed: the cached token, or a new one when asked for `fresh`. */
function createTokens(): AccessTokens & { asked: Array<{ fresh?: boolean } | undefined> } {
  const asked: Array<{ fresh?: boolean } | undefined> = [];
  return {
    asked,
    accessToken: (opts) => {
      asked.push(opts);
      return Promise.resolve(opts?.fresh ? FRESH_TOKEN : STALE_TOKEN);
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<PartnerCenterError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PartnerCenterError, `expected a PartnerCenterError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('services/partner-center/http', () => {
  let fake: FakePartnerCenter;
  let tokens: ReturnType<typeof createTokens>;
  let sleeps: number[];
  let logLines: string[];

  before(async () => {
    fake = await startFakePartnerCenter();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    tokens = createTokens();
    sleeps = [];
    logLines = [];
  });

  function sink(): Writable {
    return new Writable({
      write(chunk: Buffer, _e, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
  }

  function client(overrides: Partial<PartnerCenterHttpOptions> = {}): PartnerCenterHttp {
    return new PartnerCenterHttp({
      baseUrl: fake.url,
      tokens,
      timeoutMs: 2_000,
      logger: createLogger({ level: 'debug' }, sink()),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      ...overrides,
    });
  }

  const getCustomer = (id: string, extra: { requestId?: string } = {}) => ({ method: 'GET' as const, path: `/customers/${id}`, correlationId: CORRELATION_ID, ...extra });
  /** A write Partner Center would not deduplicate: not safe to repeat. */
  const checkout = (extra: { requestId?: string; safeToRepeat?: boolean } = {}) => ({
    method: 'POST' as const,
    path: '/customers/c1/carts/cart1/checkout',
    correlationId: CORRELATION_ID,
    ...extra,
  });
  /** The fake has no carts yet: this answers a checkout with a CartCheckoutResult. */
  const checkoutAnswers = () => fake.script((call) => (call.method === 'POST' ? { status: 201, body: { orders: [{ id: 'order1' }], orderErrors: [] } } : undefined));

  describe('the request', () => {
    it('sends the bearer token, the caller’s correlation id, a request id and the fixed headers to /v1', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd', country: 'DE' });

      const customer = await client({ baseUrl: `${fake.url}/` }).request<{ id: string; billingProfile: { defaultAddress: { country: string } } }>(getCustomer(contoso.id));

      assert.equal(customer.id, contoso.id);
      assert.equal(customer.billingProfile.defaultAddress.country, 'DE');
      assert.equal(fake.calls.length, 1);
      const [call] = fake.calls;
      assert.equal(call!.path, `/v1/customers/${contoso.id}`);
      assert.equal(call!.headers.authorization, `Bearer ${STALE_TOKEN}`);
      assert.equal(call!.headers['ms-correlationid'], CORRELATION_ID);
      assert.match(String(call!.headers['ms-requestid']), UUID);
      assert.equal(call!.headers.accept, 'application/json');
      assert.equal(call!.headers['x-locale'], 'en-US');
      assert.equal(call!.headers['ms-partnercenter-application'], 'CSP Software Desk');
      assert.equal(call!.headers['content-type'], undefined, 'no body, no content type');
    });

    it('sends a body as JSON, the caller’s request id as it is, extra headers and the query; a /v1 path is not prefixed twice', async () => {
      fake.script(() => ({ status: 200, body: { id: 'order1', status: 'cancelled' } }));

      const answer = await client().request({
        method: 'PATCH',
        path: '/v1/customers/c1/orders/order1',
        query: { include_price: true, skipped: undefined },
        body: { id: 'order1', status: 'cancelled', lineItems: [{ lineItemNumber: 0, offerId: 'DG7GMGF0FKZV:0003:DG7GMGF0DWMS' }] },
        correlationId: CORRELATION_ID,
        requestId: '655890ba-4d2b-4d09-a95f-4eb1d0a4b0d5',
        headers: { 'If-Match': 'etag-1', Authorization: 'Bearer not-this-one', 'MS-RequestId': 'not-this-one' },
      });

      assert.deepEqual(answer, { id: 'order1', status: 'cancelled' });
      const [call] = fake.calls;
      assert.equal(call!.path, '/v1/customers/c1/orders/order1');
      assert.deepEqual(call!.query, { include_price: 'true' });
      assert.equal(call!.headers['content-type'], 'application/json');
      assert.deepEqual(call!.body, { id: 'order1', status: 'cancelled', lineItems: [{ lineItemNumber: 0, offerId: 'DG7GMGF0FKZV:0003:DG7GMGF0DWMS' }] });
      assert.equal(call!.headers['ms-requestid'], '655890ba-4d2b-4d09-a95f-4eb1d0a4b0d5');
      assert.equal(call!.headers['if-match'], 'etag-1');
      assert.equal(call!.headers.authorization, `Bearer ${STALE_TOKEN}`, 'a caller cannot replace the token');
    });

    it('keeps one MS-RequestId across the retries of an operation, and makes a new one for the next operation', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.failNext(2, replies.unavailable(503));
      const pc = client();

      await pc.request(getCustomer(contoso.id));
      await pc.request(getCustomer(contoso.id));

      assert.deepEqual(fake.calls.map((c) => c.status), [503, 503, 200, 200]);
      const ids = fake.calls.map((c) => c.headers['ms-requestid']);
      assert.equal(ids[0], ids[1]);
      assert.equal(ids[1], ids[2]);
      assert.notEqual(ids[3], ids[0], 'the next operation has its own request id');
      assert.ok(fake.calls.every((c) => c.headers['ms-correlationid'] === CORRELATION_ID));
    });

    it('an empty success body resolves with undefined; a success body that is not JSON is an error', async () => {
      fake.enqueue({ status: 204 }, replies.notJson(200, 'OK', 'text/plain'));
      const pc = client();

      assert.equal(await pc.request({ method: 'DELETE', path: '/customers/c1/things/1', correlationId: CORRELATION_ID }), undefined);
      const err = await failure(pc.request(getCustomer('c1')));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.status, 200);
      assert.match(err.message, /not JSON \(text\/plain\)/);
      assert.equal(fake.calls.length, 2, 'not retried');
    });
  });

  describe('throttling (429)', () => {
    it('waits what Retry-After says (seconds), then repeats with the same request id', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.enqueue(replies.throttled(7));

      await client().request(getCustomer(contoso.id));

      assert.deepEqual(sleeps, [7_000]);
      assert.deepEqual(fake.calls.map((c) => c.status), [429, 200]);
      assert.equal(fake.calls[0]!.headers['ms-requestid'], fake.calls[1]!.headers['ms-requestid']);
    });

    it('reads Retry-After as an HTTP date', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      const now = Date.parse('2025-03-01T10:00:00Z');
      fake.enqueue(replies.throttled(new Date(now + 30_000).toUTCString()));

      await client({ now: () => now }).request(getCustomer(contoso.id));

      assert.deepEqual(sleeps, [30_000]);
    });

    it('backs off exponentially on repeated 429s, and gives up after maxRetries as throttled', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.failNext(3, replies.throttled(1));
      await client().request(getCustomer(contoso.id));
      assert.deepEqual(sleeps, [1_000, 2_000, 4_000]);

      fake.reset();
      sleeps = [];
      fake.failNext(4, replies.throttled(1));
      const err = await failure(client({ maxRetries: 3 }).request(getCustomer(contoso.id)));
      assert.equal(err.kind, 'throttled');
      assert.equal(err.status, 429);
      assert.equal(err.retryAfterSeconds, 1);
      assert.equal(err.description, 'Rate limit is exceeded. Try again in 1 seconds.', 'the 429 body { statusCode, message } is read');
      assert.equal(fake.calls.length, 4);
    });

    it('does not wait past the operation’s deadline: throttled at once, with retryAfterSeconds', async () => {
      fake.enqueue(replies.throttled(90));

      const err = await failure(client({ deadlineMs: 60_000 }).request(getCustomer('c1')));

      assert.equal(err.kind, 'throttled');
      assert.equal(err.retryAfterSeconds, 90);
      assert.match(err.message, /retry after 90 s/);
      assert.deepEqual(sleeps, []);
      assert.equal(fake.calls.length, 1);
    });

    it('caps a long Retry-After', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.enqueue(replies.throttled(600));

      await client({ deadlineMs: 15 * 60_000 }).request(getCustomer(contoso.id));

      assert.deepEqual(sleeps, [120_000]);
    });

    it('repeats a throttled write too: Partner Center did not process it', async () => {
      checkoutAnswers();
      fake.enqueue(replies.throttled(2));

      await client().request(checkout());

      assert.deepEqual(fake.calls.map((c) => c.status), [429, 201]);
      assert.deepEqual(sleeps, [2_000]);
    });
  });

  describe('server errors, network errors and timeouts', () => {
    it('repeats a GET after 0.5 s, 1.5 s, 3.5 s, then gives up as unavailable', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.failNext(3, replies.unavailable(503));
      await client().request(getCustomer(contoso.id));
      assert.deepEqual(sleeps, [500, 1_500, 3_500]);

      fake.reset();
      fake.failNext(4, replies.unavailable(500));
      const err = await failure(client().request(getCustomer(contoso.id)));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.status, 500);
      assert.match(err.message, /after 4 attempts/);
      assert.equal(fake.calls.length, 4);
    });

    it('does not repeat a 5xx on a write that is not safe to repeat', async () => {
      checkoutAnswers();
      fake.enqueue(replies.unavailable(503));

      const err = await failure(client().request(checkout()));

      assert.equal(err.kind, 'unavailable');
      assert.equal(err.status, 503);
      assert.equal(fake.calls.length, 1);
      assert.deepEqual(sleeps, []);
    });

    it('repeats a write its caller declares safe, with the caller’s request id every time', async () => {
      checkoutAnswers();
      fake.enqueue(replies.unavailable(503));
      const requestId = 'b0b5c1a2-61a1-4f0e-a4f3-6b3f4c5d6e7f';

      await client().request(checkout({ requestId, safeToRepeat: true }));

      assert.deepEqual(fake.calls.map((c) => [c.status, c.headers['ms-requestid']]), [[503, requestId], [201, requestId]]);
    });

    it('repeats a GET whose connection was dropped; a dropped unsafe write is unavailable and may have been carried out', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.enqueue(replies.dropConnection());
      await client().request(getCustomer(contoso.id));
      assert.deepEqual(fake.calls.map((c) => c.status), [0, 200]);

      fake.reset();
      checkoutAnswers();
      fake.enqueue(replies.dropConnection());
      const err = await failure(client().request(checkout()));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.status, 0);
      assert.match(err.message, /could not be reached/);
      assert.match(err.message, /may have been carried out/);
      assert.equal(fake.calls.length, 1);
    });

    it('repeats a GET that timed out; an unsafe write that timed out is a timeout, not repeated', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.enqueue(replies.slow(5_000));
      await client({ timeoutMs: 100 }).request(getCustomer(contoso.id));
      assert.equal(fake.calls.length, 2);
      assert.deepEqual(sleeps, [500]);

      fake.reset();
      checkoutAnswers();
      fake.enqueue(replies.slow(5_000));
      const err = await failure(client({ timeoutMs: 100 }).request(checkout()));
      assert.equal(err.kind, 'timeout');
      assert.equal(err.status, 0);
      assert.match(err.message, /did not answer POST \/v1\/customers\/c1\/carts\/cart1\/checkout within 100 ms/);
      assert.equal(fake.calls.length, 1);
    });
  });

  describe('authorization', () => {
    it('401: drops the token, repeats once with a fresh one, and succeeds', async () => {
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.revokeToken(STALE_TOKEN);

      await client().request(getCustomer(contoso.id));

      assert.deepEqual(tokens.asked, [undefined, { fresh: true }]);
      assert.deepEqual(fake.calls.map((c) => [c.status, c.headers.authorization]), [[401, `Bearer ${STALE_TOKEN}`], [200, `Bearer ${FRESH_TOKEN}`]]);
      assert.equal(fake.calls[0]!.headers['ms-requestid'], fake.calls[1]!.headers['ms-requestid']);
      assert.deepEqual(sleeps, [], 'no wait before the repeat');
    });

    it('401 twice: unauthorized, with a message that says what came back', async () => {
      fake.revokeToken(STALE_TOKEN);
      fake.revokeToken(FRESH_TOKEN);

      const err = await failure(client().request(getCustomer('c1')));

      assert.equal(err.kind, 'unauthorized');
      assert.equal(err.status, 401);
      assert.match(err.message, /HTTP 401 Unauthorized to GET \/v1\/customers\/c1, with an empty body/);
      assert.equal(fake.calls.length, 2);
      assert.equal(tokens.asked.filter((o) => o?.fresh).length, 1);
    });

    it('the token source’s PartnerCenterAuthError passes through unchanged, and nothing is sent', async () => {
      const refusal = new PartnerCenterAuthError('consent_expired', 'The refresh token has expired', 'AADSTS700082');
      const pc = client({ tokens: { accessToken: () => Promise.reject(refusal) } });

      await assert.rejects(pc.request(getCustomer('c1')), (err) => err === refusal);
      assert.equal(fake.calls.length, 0);
    });
  });

  describe('error envelopes', () => {
    it('classic envelope with a numeric code: bad_request, code as a string, not repeated', async () => {
      fake.enqueue(replies.classicError(400, 0, "The provided value 'none' is not a valid OrderStatus."));

      const err = await failure(client().request(getCustomer('c1')));

      assert.equal(err.kind, 'bad_request');
      assert.equal(err.code, '0');
      assert.equal(err.description, "The provided value 'none' is not a valid OrderStatus.");
      assert.equal(err.source, 'PartnerFD');
      assert.match(err.requestId, UUID);
      assert.equal(err.correlationId, CORRELATION_ID);
      assert.match(err.message, /HTTP 400 Bad Request to GET \/v1\/customers\/c1: The provided value 'none' is not a valid OrderStatus\. \(code 0, PartnerFD\)/);
      assert.equal(fake.calls.length, 1);
    });

    it('classic envelope with a string code: conflict', async () => {
      fake.enqueue(replies.classicError(409, '800060', 'Your order is in progress. Please check your order history for recent orders in few minutes'));

      const err = await failure(client().request(getCustomer('c1')));

      assert.equal(err.kind, 'conflict');
      assert.equal(err.code, '800060');
      assert.equal(fake.calls.length, 1);
    });

    it('extended envelope: code, description, errorName, isRetryable', async () => {
      fake.enqueue(
        replies.extendedError(409, {
          code: 600061,
          message: 'A partner confirmed agreement already exists for the customer.',
          errorName: 'PartnerConfirmedAgreementAlreadyExists',
        }),
      );

      const err = await failure(client().request(checkout()));

      assert.equal(err.kind, 'conflict');
      assert.equal(err.code, '600061');
      assert.equal(err.description, 'A partner confirmed agreement already exists for the customer.');
      assert.equal(err.errorName, 'PartnerConfirmedAgreementAlreadyExists');
      assert.equal(err.isRetryable, false);
    });

    it('404 and 403 are not repeated', async () => {
      const notFound = await failure(client().request(getCustomer('no-such-customer')));
      assert.equal(notFound.kind, 'not_found');
      assert.equal(notFound.status, 404);
      assert.equal(fake.calls.length, 1);

      fake.reset();
      fake.enqueue(replies.classicError(403, 800019, 'Non-Sandbox tenants are not allowed to cancel purchases other than software subscriptions and perpetual software'));
      const forbidden = await failure(client().request(getCustomer('c1')));
      assert.equal(forbidden.kind, 'forbidden');
      assert.equal(forbidden.code, '800019');
      assert.equal(fake.calls.length, 1);
      assert.deepEqual(sleeps, []);
    });

    it('a body that is not JSON still gives a clear error', async () => {
      fake.enqueue(replies.notJson(502));

      const err = await failure(client().request(checkout()));

      assert.equal(err.kind, 'unavailable');
      assert.equal(err.status, 502);
      assert.equal(err.code, undefined);
      assert.match(err.message, /^Partner Center answered HTTP 502 Bad Gateway to POST \/v1\/customers\/c1\/carts\/cart1\/checkout, with a body that is not JSON \(text\/html\)$/);
    });

    it('readPartnerCenterFault reads all three shapes and ignores what is not an object', () => {
      assert.deepEqual(readPartnerCenterFault({ code: 0, description: 'x', data: [], source: 'PartnerFD' }), { code: '0', description: 'x', source: 'PartnerFD' });
      assert.deepEqual(readPartnerCenterFault({ code: '800061', message: 'm', description: 'd', errorName: 'E', isRetryable: true, parameters: {} }), {
        code: '800061',
        description: 'd',
        errorName: 'E',
        isRetryable: true,
      });
      assert.deepEqual(readPartnerCenterFault({ statusCode: 429, message: 'Rate limit is exceeded.' }), { description: 'Rate limit is exceeded.' });
      assert.deepEqual(readPartnerCenterFault(undefined), {});
      assert.deepEqual(readPartnerCenterFault('<html>'), {});
      assert.deepEqual(readPartnerCenterFault([1, 2]), {});
    });
  });

  describe('paging', () => {
    function seedCustomers(names: string[]) {
      return names.map((companyName) => fake.addCustomer({ companyName }));
    }

    it('follows links.next over 3 pages with the continuation token, prefixing /v1 when the link lacks it', async () => {
      const seeded = seedCustomers(['A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1']);
      fake.linksWithoutVersion(true);

      const pages: string[][] = [];
      for await (const items of client().pages<{ id: string }>({ method: 'GET', path: '/customers', query: { size: 3 }, correlationId: CORRELATION_ID })) {
        pages.push(items.map((c) => c.id));
      }

      assert.deepEqual(pages, [seeded.slice(0, 3), seeded.slice(3, 6), seeded.slice(6)].map((p) => p.map((c) => c.id)));
      assert.deepEqual(fake.calls.map((c) => [c.path, c.status]), [['/v1/customers', 200], ['/v1/customers', 200], ['/v1/customers', 200]]);
      const [first, second, third] = fake.calls;
      assert.deepEqual(first!.query, { size: '3' });
      assert.equal(first!.headers['ms-continuationtoken'], undefined);
      for (const next of [second!, third!]) {
        assert.deepEqual(next.query, { size: '3', seekOperation: 'Next' });
        assert.equal(typeof next.headers['ms-continuationtoken'], 'string');
      }
      assert.notEqual(second!.headers['ms-continuationtoken'], third!.headers['ms-continuationtoken']);
      assert.equal(new Set(fake.calls.map((c) => c.headers['ms-requestid'])).size, 3, 'each page is its own operation');
      assert.ok(fake.calls.every((c) => c.headers['ms-correlationid'] === CORRELATION_ID));
    });

    it('collect stops at max without fetching further pages', async () => {
      seedCustomers(['A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1']);

      const found = await client().collect<{ id: string }>({ method: 'GET', path: '/customers', query: { size: 3 }, correlationId: CORRELATION_ID }, { max: 4 });

      assert.equal(found.length, 4);
      assert.equal(fake.calls.length, 2);
    });

    it('collects a filtered search (case-insensitive starts_with) across pages; a page that failed once is repeated', async () => {
      seedCustomers(['Contoso Ltd', 'Fabrikam', 'contour GmbH', 'CONTINENTAL AG', 'Northwind']);
      const filter = JSON.stringify({ Field: 'CompanyName', Value: 'CONT', Operator: 'starts_with' });
      fake.script((call) => (call.query.seekOperation === 'Next' && fake.calls.filter((c) => c.status === 503).length === 0 ? replies.unavailable(503) : undefined));

      const found = await client().collect<{ companyProfile: { companyName: string } }>(
        { method: 'GET', path: '/customers', query: { size: 2, filter }, correlationId: CORRELATION_ID },
        { max: 10 },
      );

      assert.deepEqual(found.map((c) => c.companyProfile.companyName), ['Contoso Ltd', 'contour GmbH', 'CONTINENTAL AG']);
      assert.deepEqual(fake.calls.map((c) => c.status), [200, 503, 200]);
      assert.equal(fake.calls[1]!.headers['ms-continuationtoken'], fake.calls[2]!.headers['ms-continuationtoken']);
    });

    it('the fake answers the billing profile and the customer by id', async () => {
      const [contoso] = seedCustomers(['Contoso Ltd']);
      const profile = await client().request<{ defaultAddress: { country: string } }>({ method: 'GET', path: `/customers/${contoso!.id}/profiles/billing`, correlationId: CORRELATION_ID });
      assert.equal(profile.defaultAddress.country, 'US');
      assert.deepEqual(fake.calls.map((c) => c.kind), ['customers.billingProfile']);
    });
  });

  describe('secrets', () => {
    it('no log line and no error message holds the access token, the query or the body', async () => {
      // A bare pino logger, not createLogger: the house logger scrubs bearer tokens itself, which
      // would hide a client that logs them.
      const raw = pino({ level: 'debug' }, sink()) as unknown as Logger;
      const contoso = fake.addCustomer({ companyName: 'Contoso Ltd' });
      fake.revokeToken(STALE_TOKEN);
      fake.enqueue(replies.throttled(1), replies.unavailable(503));
      const pc = client({ logger: raw });

      await pc.request(getCustomer(contoso.id));
      await pc.collect({ method: 'GET', path: '/customers', query: { filter: JSON.stringify({ Field: 'CompanyName', Value: 'Secretive', Operator: 'starts_with' }) }, correlationId: CORRELATION_ID }, { max: 5 });
      fake.enqueue(replies.classicError(400, 0, `Token ${FRESH_TOKEN} is not valid for this call`));
      const err = await failure(pc.request({ ...checkout(), body: { lineItems: [{ catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', note: 'body-marker' }] } }));

      const logged = logLines.join('');
      const shown = `${logged}\n${err.message}\n${err.description ?? ''}\n${err.stack ?? ''}`;
      for (const secret of [STALE_TOKEN, FRESH_TOKEN, 'Secretive', 'body-marker', 'DG7GMGF0DWTL']) assert.ok(!shown.includes(secret), `${secret} leaked: ${shown}`);

      const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const attempts = lines.filter((l) => l.msg === 'partner center: call');
      assert.equal(attempts.length, fake.calls.length, 'one debug line per attempt');
      assert.deepEqual(
        attempts.map((l) => [l.method, l.path, l.status, l.attempt]),
        fake.calls.map((c, i) => [c.method, c.path, c.status, [1, 2, 3, 4, 1, 2, 1][i]]),
      );
      assert.ok(attempts.every((l) => typeof l.ms === 'number' && l.correlationId === CORRELATION_ID && typeof l.requestId === 'string'));
      assert.equal(lines.filter((l) => l.msg === 'partner center: retrying').length, 2);
      assert.equal(lines.filter((l) => String(l.msg).includes('fresh')).length, 2, 'the stale token is refused once per operation');
    });
  });

  it('parseRetryAfterMs reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('2025-03-01T10:00:00Z');
    assert.equal(parseRetryAfterMs('57', now), 57_000);
    assert.equal(parseRetryAfterMs('Sat, 01 Mar 2025 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfterMs('Sat, 01 Mar 2025 09:00:00 GMT', now), 0);
    assert.equal(parseRetryAfterMs('soon', now), undefined);
    assert.equal(parseRetryAfterMs(null, now), undefined);
  });
});
