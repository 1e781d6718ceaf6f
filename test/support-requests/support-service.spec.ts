import { strict as assert } from 'node:assert';
import type { Role } from '../../services/access/roles.js';
import { isRefusal } from '../../services/refusal.js';
import { SupportDeskError, type FiledTicket, type SupportDesk, type TicketRequest } from '../../services/support/desk.js';
import { RetryLaterError } from '../../services/jobs/queues.js';
import { draftTexts } from '../../services/support/ticket.js';
import { givePersonalChat } from '../cancellation/fixtures.js';
import { createCustomer, createPartner, type TestCustomer } from '../commerce/factories.js';
import { actorOf, createWorld, type World } from '../purchase/fixtures.js';
import { testDb } from '../support/db.js';
import { aForm, anOrder, createSupportHarness, failedCancellation, newKey, requestRows, supportNotifications } from './fixtures.js';

const ADMIN: Role[] = ['admin_agent'];

const refused = (code: string) => (err: unknown) => {
  assert.ok(isRefusal(err), `expected the refusal ${code}, got ${String(err)}`);
  assert.equal(err.refusal.code, code);
  return true;
};

/** A desk that answers as a test says, and remembers every request. */
class ScriptedDesk implements SupportDesk {
  readonly name = 'scripted';
  readonly limits = { titleMax: 150, bodyMax: 10_000, attachmentMaxBytes: 1024 * 1024 };
  readonly requests: TicketRequest[] = [];
  answers: Array<() => FiledTicket> = [];
  createTicket(req: TicketRequest): Promise<FiledTicket> {
    this.requests.push(req);
    const next = this.answers.shift();
    if (!next) return Promise.reject(new Error('no scripted answer'));
    try {
      return Promise.resolve(next());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

describe('services/support — support requests (R20, R21)', () => {
  const db = testDb();
  const h = createSupportHarness(db);
  let w: World;
  const admin = () => actorOf(w.a, ADMIN);
  /** Any user of the partner may file: a user without roles. */
  const user = () => actorOf(w.a, []);
  let made = 0;
  const newCustomer = (): Promise<TestCustomer> => createCustomer(db, w.a, { companyName: `Support customer ${++made}`, billingCountry: 'DE', primaryDomain: `support${made}-${Date.now()}.example` });

  before(async () => {
    w = await createWorld(db);
    await givePersonalChat(db, w.a);
  });

  describe('what the form is pre-filled with', () => {
    it('a cancellation that needed more information: its reason, its credit as the amount, the customer tenant and domain', async () => {
      const c = await newCustomer();
      const { orderId, cancellationId } = await failedCancellation(db, h, w.a, c, admin());
      const facts = await h.service.facts(user(), orderId.toLowerCase());
      assert.equal(facts.orderId, orderId);
      assert.equal(facts.customerTenantId, c.tenantId);
      assert.equal(facts.customerDomain, c.primaryDomain);
      assert.equal(facts.currency, 'EUR');
      assert.deepEqual({ id: facts.cancellation?.id, reason: facts.cancellation?.reason }, { id: cancellationId, reason: 'needs_information' });
      const suggested = h.service.suggestedAmount(facts);
      assert.ok(suggested > 0 && suggested <= facts.orderTotalMinor);
      assert.equal(suggested, facts.cancellation!.creditMinor);
    });

    it('an order without a cancellation: the order total; `support` lists only the user\'s failed cancellations', async () => {
      const c = await newCustomer();
      const orderId = await anOrder(db, h, w.a, c);
      const facts = await h.service.facts(user(), orderId);
      assert.equal(facts.cancellation, null);
      assert.equal(h.service.suggestedAmount(facts), facts.orderTotalMinor);
      const { orderId: failed } = await failedCancellation(db, h, w.a, c, admin(), 'fails');
      const listed = (await h.service.candidates(admin())).map((x) => x.orderId);
      assert.ok(listed.includes(failed));
      assert.ok(!listed.includes(orderId));
      const other = await createPartner(db, 'Other partner, same user id never');
      assert.deepEqual(await h.service.candidates(actorOf(other, [])), []);
    });

    it('a failed cancellation the user has filed a request for since is no longer offered', async () => {
      const c = await newCustomer();
      const { orderId, cancellationId } = await failedCancellation(db, h, w.a, c, admin());
      assert.ok((await h.service.candidates(admin())).some((x) => x.orderId === orderId));
      const checked = h.service.check(await h.service.facts(admin(), orderId), aForm(), 'en');
      assert.ok(checked.ok);
      await h.service.submit(admin(), { reviewId: newKey(), draftKey: newKey(), orderId, cancellationId, form: checked.form });
      assert.ok(!(await h.service.candidates(admin())).some((x) => x.orderId === orderId));
    });

    for (const [what, id] of [['another partner\'s order', null], ['a malformed id', "x' OR 1=1 --"], ['an unknown id', 'ZZZZ9999ZZZZ']] as const) {
      it(`${what}: order_not_found, nothing read`, async () => {
        let orderId: string = id ?? '';
        if (id === null) orderId = await anOrder(db, h, w.b, w.woodgrove);
        await assert.rejects(h.service.facts(user(), orderId), refused('order_not_found'));
      });
    }
  });

  describe('the form checked (R21)', () => {
    let facts: Awaited<ReturnType<typeof h.service.facts>>;
    before(async () => {
      facts = await h.service.facts(user(), await anOrder(db, h, w.a, await newCustomer()));
    });
    const problems = (input: Parameters<typeof h.service.check>[1], locale = 'en') => {
      const r = h.service.check(facts, input, locale);
      return r.ok ? {} : r.problems;
    };

    it('a complete form passes; the phone comes back in international form, the amount in minor units', () => {
      const r = h.service.check(facts, aForm({ contactPhone: '030 1234567', amount: '1.234,56' }), 'de');
      assert.ok(r.ok);
      assert.equal(r.form.contactPhone, '+49 30 1234567');
      assert.equal(r.form.amountMinor, 123456);
    });

    it('the amount as the locale writes it: "1.234,56" is 1234.56 in German, not a number in English', () => {
      assert.equal(problems(aForm({ amount: '1.234,56' }), 'en').amount, 'notANumber');
      assert.deepEqual(problems(aForm({ amount: '1.234,56' }), 'de'), {});
      // DIN 5008 groups with a space; a space that groups no thousands is no number.
      assert.deepEqual(problems(aForm({ amount: '1 234,56' }), 'de'), {});
      assert.equal(problems(aForm({ amount: '12 34,56' }), 'de').amount, 'notANumber');
    });

    it('an amount above the order total, negative, not a number, too precise, or missing is refused', () => {
      const total = facts.orderTotalMinor / 100;
      assert.equal(problems(aForm({ amount: (total + 0.01).toFixed(2) })).amount, 'aboveTotal');
      assert.deepEqual(problems(aForm({ amount: total.toFixed(2) })), {});
      assert.equal(problems(aForm({ amount: '-5' })).amount, 'negative');
      assert.equal(problems(aForm({ amount: 'ten euros' })).amount, 'notANumber');
      assert.equal(problems(aForm({ amount: '1.005' })).amount, 'tooPrecise');
      assert.equal(problems(aForm({ amount: ' ' })).amount, 'required');
      assert.equal(problems(aForm({ amount: '0,00' }), 'de').amount, 'zero', 'nothing to refund');
    });

    it('an invalid email or phone, checked by validator.js and libphonenumber', () => {
      for (const email of ['alex', 'alex@', 'alex@contoso', 'a b@contoso.com', '<alex@contoso.com>']) assert.equal(problems(aForm({ contactEmail: email })).contactEmail, 'invalid', email);
      for (const phone of ['12', '+49 1', 'call me', '+1 555']) assert.equal(problems(aForm({ contactPhone: phone })).contactPhone, 'invalid', phone);
      assert.deepEqual(problems(aForm({ contactPhone: '' })), {}, 'the phone is optional');
      // A number without a country code is read where the user is (de-DE), not where the customer is.
      const us = h.service.check({ ...facts, market: 'US' }, aForm({ contactPhone: '030 1234567' }), 'de', 'de-DE');
      assert.ok(us.ok && us.form.contactPhone === '+49 30 1234567', JSON.stringify(us));
      assert.equal(problems(aForm({ contactEmail: '' })).contactEmail, 'required');
    });

    it('a title or description over the limit, an unknown impact, missing texts', () => {
      const L = h.service.limits;
      assert.equal(problems(aForm({ title: 't'.repeat(L.titleMax + 1) })).title, 'tooLong');
      assert.deepEqual(problems(aForm({ title: 't'.repeat(L.titleMax) })), {});
      assert.equal(problems(aForm({ description: 'd'.repeat(L.descriptionMax + 1) })).description, 'tooLong');
      assert.equal(problems(aForm({ refundReason: 'r'.repeat(L.refundReasonMax + 1) })).refundReason, 'tooLong');
      assert.equal(problems(aForm({ impact: 'apocalyptic' })).impact, 'invalid');
      assert.deepEqual(Object.keys(problems({})).sort(), ['amount', 'contactEmail', 'contactName', 'description', 'impact', 'refundReason', 'title']);
    });
  });

  describe('files (a size and type limit)', () => {
    it('refuses a type not on the list, a file too large, one too many; keeps the rest with the draft', async () => {
      const draft = newKey();
      const small = createSupportHarness(db, { files: { maxFiles: 2, maxFileBytes: 1000 } }).service;
      assert.deepEqual(await small.addFile(user(), draft, { name: 'setup.exe', content: Buffer.from('MZ') }), { ok: false, refusal: 'type' });
      assert.deepEqual(await small.addFile(user(), draft, { name: 'big.pdf', content: Buffer.alloc(1001) }), { ok: false, refusal: 'tooLarge' });
      assert.ok((await small.addFile(user(), draft, { name: 'invoice.PDF', content: Buffer.from('%PDF-1.7') })).ok);
      assert.ok((await small.addFile(user(), draft, { name: '../../etc/passwd.txt', content: Buffer.from('x') })).ok);
      assert.deepEqual(await small.addFile(user(), draft, { name: 'third.png', content: Buffer.from('x') }), { ok: false, refusal: 'tooMany' });
      const files = await small.files(user(), draft);
      assert.deepEqual(files.map((f) => f.name), ['invoice.PDF', '.._.._etc_passwd.txt']);
      assert.deepEqual(await small.files(actorOf(w.b, []), draft), [], 'another partner sees none of them');
    });
  });

  describe('submit: recorded and queued exactly once', () => {
    it('writes the request, claims the draft\'s files, records the activity and the filing job\'s intent', async () => {
      const c = await newCustomer();
      const { orderId, cancellationId } = await failedCancellation(db, h, w.a, c, admin());
      const facts = await h.service.facts(user(), orderId);
      const checked = h.service.check(facts, aForm(), 'en');
      assert.ok(checked.ok);
      const draftKey = newKey();
      await h.service.addFile(user(), draftKey, { name: 'proof.pdf', content: Buffer.from('%PDF') });
      const reviewId = newKey();
      const first = await h.service.submit(user(), { reviewId, draftKey, orderId, cancellationId, form: checked.form });
      assert.equal(first.status, 'queued');
      // A double Submit, a resend: the same request.
      const again = await h.service.submit(user(), { reviewId, draftKey, orderId, cancellationId, form: checked.form });
      assert.deepEqual({ status: again.status, id: again.request.requestId }, { status: 'existing', id: first.request.requestId });
      const rows = await requestRows(db, orderId);
      assert.equal(rows.length, 1);
      assert.deepEqual({ status: rows[0]!.status, cancellation: rows[0]!.cancellation_id, desk: rows[0]!.desk }, { status: 'queued', cancellation: cancellationId, desk: 'embedded' });
      const { rows: files } = await db.query('SELECT filename FROM support_files WHERE support_request_id = $1', [first.request.requestId]);
      assert.deepEqual(files.map((f) => f.filename), ['proof.pdf']);
      const { rows: log } = await db.query("SELECT user_id FROM activity_log WHERE event = 'support_requested' AND order_id = $1", [orderId]);
      assert.deepEqual(log.map((l) => Number(l.user_id)), [w.a.userId], 'who and when, in the activity record');
      const { rows: outbox } = await db.query("SELECT job_id FROM job_outbox WHERE queue = 'support-tickets' AND data->>'supportRequestId' = $1", [first.request.requestId]);
      assert.equal(outbox.length, 1);
      // The repeat used up no request number: the next request is the next number.
      const next = await h.service.submit(user(), { reviewId: newKey(), draftKey: newKey(), orderId, cancellationId, form: checked.form });
      assert.equal(Number(next.request.requestId), Number(first.request.requestId) + 1);
      assert.deepEqual(await h.service.openRequestFor(admin(), orderId.toLowerCase()), { requestId: next.request.requestId, status: 'queued', ticketNumber: null });
      assert.equal(await h.service.openRequestFor(actorOf(w.b, []), orderId), null, 'another partner sees none');
    });

    it('another user answering the same review, a tampered amount, or another partner\'s order: refused, nothing written', async () => {
      const c = await newCustomer();
      const orderId = await anOrder(db, h, w.a, c);
      const facts = await h.service.facts(user(), orderId);
      const checked = h.service.check(facts, aForm(), 'en');
      assert.ok(checked.ok);
      const reviewId = newKey();
      await h.service.submit(user(), { reviewId, draftKey: newKey(), orderId, cancellationId: null, form: checked.form });
      const { rows } = await db.query<{ id: string }>("INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, 'slack', $2, 'Megan') RETURNING id", [w.a.partnerId, `U${Date.now()}`]);
      const megan = { ...user(), userId: Number(rows[0]!.id) };
      await assert.rejects(h.service.submit(megan, { reviewId, draftKey: newKey(), orderId, cancellationId: null, form: checked.form }), refused('stale_support_card'));
      await assert.rejects(h.service.submit(user(), { reviewId: newKey(), draftKey: newKey(), orderId, cancellationId: null, form: { ...checked.form, amountMinor: facts.orderTotalMinor + 1 } }), refused('stale_support_card'));
      const theirs = await anOrder(db, h, w.b, w.woodgrove);
      await assert.rejects(h.service.submit(user(), { reviewId: newKey(), draftKey: newKey(), orderId: theirs, cancellationId: null, form: checked.form }), refused('order_not_found'));
      assert.equal((await requestRows(db, orderId)).length, 1);
      assert.equal((await requestRows(db, theirs)).length, 0);
    });
  });

  describe('filing (the job\'s work) and `support retry`', () => {
    async function submitted(service = h.service) {
      const c = await newCustomer();
      const { orderId, cancellationId } = await failedCancellation(db, h, w.a, c, admin(), 'fails');
      const facts = await service.facts(user(), orderId);
      const checked = service.check(facts, aForm({ amount: '12.34' }), 'en');
      assert.ok(checked.ok);
      const { request } = await service.submit(user(), { reviewId: newKey(), draftKey: newKey(), orderId, cancellationId, form: checked.form });
      return { orderId, requestId: request.requestId, customer: c };
    }

    it('the embedded desk: a readable ticket number, the requester told once, the ticket with every fact and the Partner Center hand-off', async () => {
      const { orderId, requestId, customer } = await submitted();
      const first = await h.filing.file(requestId, { lastAttempt: false });
      assert.equal(first.status, 'filed');
      assert.match((first as { ticketNumber: string }).ticketNumber, /^CSP-\d{6}$/);
      assert.deepEqual(await h.filing.file(requestId, { lastAttempt: false }), { status: 'already', was: 'filed' });
      const [row] = await requestRows(db, orderId);
      assert.equal(row?.ticket_number, (first as { ticketNumber: string }).ticketNumber);
      const notes = await supportNotifications(db, requestId);
      assert.deepEqual(notes.map((n) => [n.message.kind, n.message.ticketNumber]), [['supportFiled', row?.ticket_number]]);
      const { rows: [ticket] } = await db.query('SELECT body, problem_type, requester_email FROM support_tickets WHERE number = $1', [row?.ticket_number]);
      assert.equal(ticket.problem_type, 'CSP Purchase/Refund on behalf of customers');
      for (const fact of [customer.tenantId, customer.primaryDomain, orderId, '12.34 EUR', 'Bought by mistake', 'Partner Center', '+49 30 1234567']) assert.ok(ticket.body.includes(fact), fact);
      assert.equal(ticket.requester_email, 'alex@contoso.example');
      assert.equal((await h.service.mine(user())).find((r) => r.requestId === requestId)?.status, 'filed');
    });

    it('a desk refusing the credentials fails it at once and says so; `support retry` files it again with the same key, once', async () => {
      const desk = new ScriptedDesk();
      const s = createSupportHarness(db, { desk });
      const { orderId, requestId } = await submitted(s.service);
      desk.answers.push(() => {
        throw new SupportDeskError('unauthorized', 'the desk answered 401', { status: 401 });
      });
      assert.deepEqual(await s.filing.file(requestId, { lastAttempt: false }), { status: 'failed', reason: 'unauthorized' });
      assert.deepEqual((await supportNotifications(db, requestId)).map((n) => [n.message.kind, n.message.reason]), [['supportFailed', 'unauthorized']]);
      await assert.rejects(s.service.refile(actorOf(w.b, []), requestId), refused('support_request_not_found'));
      await assert.rejects(s.service.refile(user(), 'abc'), refused('support_request_not_found'));
      await s.service.refile(user(), requestId);
      await assert.rejects(s.service.refile(user(), requestId), refused('support_request_not_retryable'));
      desk.answers.push(() => ({ ticketNumber: '#77', url: 'https://desk.example/77', status: 'new', existing: false }));
      assert.equal((await s.filing.file(requestId, { lastAttempt: false })).status, 'filed');
      assert.equal(desk.requests.length, 2);
      assert.equal(desk.requests[0]!.idempotencyKey, desk.requests[1]!.idempotencyKey, 'one key for every try of the request');
      const [row] = await requestRows(db, orderId);
      assert.deepEqual({ status: row?.status, filings: row?.filings, ticket: row?.ticket_number }, { status: 'filed', filings: 2, ticket: '#77' });
    });

    it('a rate limit is retried no sooner than Retry-After; after the last attempt the request is kept as failed and the requester told', async () => {
      const desk = new ScriptedDesk();
      const s = createSupportHarness(db, { desk });
      const { orderId, requestId } = await submitted(s.service);
      desk.answers.push(() => {
        throw new SupportDeskError('rate_limited', 'the desk answered 429', { status: 429, retryAfterMs: 7000 });
      });
      await assert.rejects(s.filing.file(requestId, { lastAttempt: false }), (err: unknown) => err instanceof RetryLaterError && err.retryAfterMs === 7000);
      assert.equal((await requestRows(db, orderId))[0]?.status, 'queued');
      assert.equal((await supportNotifications(db, requestId)).length, 0);
      desk.answers.push(() => {
        throw new SupportDeskError('unavailable', 'timed out');
      });
      assert.deepEqual(await s.filing.file(requestId, { lastAttempt: true }), { status: 'failed', reason: 'unavailable' });
      const [row] = await requestRows(db, orderId);
      assert.deepEqual({ status: row?.status, reason: row?.failure_reason }, { status: 'failed', reason: 'unavailable' });
      assert.deepEqual((await supportNotifications(db, requestId)).map((n) => n.message.reason), ['unavailable']);
    });
  });
  describe('R20 without a failed cancellation: the window has passed', () => {
    it('the facts say when the window closed, and the form is pre-filled with it', async () => {
      const c = await newCustomer();
      const orderId = await anOrder(db, h, w.a, c);
      await db.query("UPDATE purchases SET purchased_at = now() - interval '61 days' WHERE order_id = $1", [orderId]);
      const facts = await h.service.facts(user(), orderId);
      assert.equal(facts.cancellation, null);
      assert.ok(facts.windowClosedAt && new Date(facts.windowClosedAt) < new Date(), `closed: ${facts.windowClosedAt}`);
      const texts = draftTexts(facts, 150);
      assert.match(texts.refundReason, /after the cancellation window closed/);
      const fresh = await h.service.facts(user(), await anOrder(db, h, w.a, c));
      assert.equal(fresh.windowClosedAt, null, 'an order inside its window');
    });
  });

  describe('filings: the desk key, a left-over job of an earlier filing, lost jobs', () => {
    async function queued(service = h.service) {
      const c = await newCustomer();
      const orderId = await anOrder(db, h, w.a, c);
      const checked = service.check(await service.facts(user(), orderId), aForm({ amount: '1.00' }), 'en');
      assert.ok(checked.ok);
      const { request } = await service.submit(user(), { reviewId: newKey(), draftKey: newKey(), orderId, cancellationId: null, form: checked.form });
      return { orderId, requestId: request.requestId };
    }

    it('the desk is asked with the request\'s own UUID (not its number in this database), the same on every filing', async () => {
      const desk = new ScriptedDesk();
      const s = createSupportHarness(db, { desk });
      const { requestId } = await queued(s.service);
      desk.answers.push(() => {
        throw new SupportDeskError('rejected', '422');
      });
      await s.filing.file(requestId, { lastAttempt: false });
      await s.service.refile(user(), requestId);
      desk.answers.push(() => ({ ticketNumber: '#1', url: null, status: 'new', existing: false }));
      await s.filing.file(requestId, { lastAttempt: false, filing: 2 });
      const { rows: [row] } = await db.query<{ desk_key: string }>('SELECT desk_key FROM support_requests WHERE id = $1', [requestId]);
      assert.deepEqual(desk.requests.map((r) => r.idempotencyKey), [`csp-support-${row!.desk_key}`, `csp-support-${row!.desk_key}`]);
      assert.equal(desk.requests[0]!.externalId, `csp-support-${row!.desk_key}`);
      assert.ok(desk.requests[0]!.tags.includes(`csp_partner_${w.a.partnerId}`), 'the partner\'s tag');
    });

    it('a left-over job of filing 1 after `support retry` started filing 2: it changes nothing, tells nobody', async () => {
      const desk = new ScriptedDesk();
      const s = createSupportHarness(db, { desk });
      const { orderId, requestId } = await queued(s.service);
      desk.answers.push(() => {
        throw new SupportDeskError('unauthorized', '401');
      });
      await s.filing.file(requestId, { lastAttempt: false, filing: 1 });
      await s.service.refile(user(), requestId);
      // The old job's last attempt comes round: superseded, the desk not even asked.
      assert.deepEqual(await s.filing.file(requestId, { lastAttempt: true, filing: 1 }), { status: 'superseded' });
      assert.equal(desk.requests.length, 1);
      const [row] = await requestRows(db, orderId);
      assert.deepEqual({ status: row?.status, filings: row?.filings }, { status: 'queued', filings: 2 });
      assert.equal((await supportNotifications(db, requestId)).length, 1, 'only the first filing\'s failure was told');
    });

    it('the sweep gives a queued request whose job was lost a new job (once), and leaves one tried lately alone', async () => {
      const { requestId: lost } = await queued();
      const { requestId: recent } = await queued();
      await db.query("UPDATE support_requests SET status_at = now() - interval '2 hours', last_attempt_at = NULL WHERE id = $1", [lost]);
      await db.query("UPDATE support_requests SET status_at = now() - interval '2 hours', last_attempt_at = now() - interval '5 minutes' WHERE id = $1", [recent]);
      const swept = await h.filing.sweep();
      assert.ok(swept.includes(lost));
      assert.ok(!swept.includes(recent));
      assert.ok(!(await h.filing.sweep()).includes(lost), 'not again at once: its new job has time to run');
      const { rows } = await db.query("SELECT job_id, data FROM job_outbox WHERE queue = 'support-tickets' AND data->>'supportRequestId' = $1 ORDER BY id", [lost]);
      assert.deepEqual(rows.map((r) => r.job_id), [`support-${lost}-1`, `support-${lost}-1-s1`]);
      assert.deepEqual(rows[1].data, { supportRequestId: lost, filing: 1 });
    });
  });
});
