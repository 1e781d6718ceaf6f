import { strict as assert } from 'node:assert';
import { isCommerceError } from '../../services/commerce/errors.js';
import {
  cancellationWindow,
  classifyCustomerQuery,
  currencyMinorDigits,
  lineTotal,
  sumMinor,
  taxNote,
  validateQuantity,
} from '../../services/commerce/rules.js';

describe('services/commerce/rules', () => {
  describe('classifyCustomerQuery (R1)', () => {
    const cases: Array<[string, ReturnType<typeof classifyCustomerQuery>]> = [
      ['3F2B6A1E-7C4D-4E8A-9B1F-2D5C6E7F8A90', { type: 'guid', value: '3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a90' }],
      ['  {3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a90} ', { type: 'guid', value: '3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a90' }],
      ['3f2b6a1e7c4d4e8a9b1f2d5c6e7f8a90', { type: 'guid', value: '3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a90' }],
      // one digit short, one too many, a mistyped letter, groups pasted wrongly
      ['3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a9', { type: 'invalidGuid', value: '3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a9' }],
      ['00000000-0000-0000-0000-0000000000001', { type: 'invalidGuid', value: '00000000-0000-0000-0000-0000000000001' }],
      ['3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a9g', { type: 'invalidGuid', value: '3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a9g' }],
      ['3f2b6a1e7c4d-4e8a-9b1f-2d5c6e7f8a90', { type: 'invalidGuid', value: '3f2b6a1e7c4d-4e8a-9b1f-2d5c6e7f8a90' }],
      ['Contoso.DE', { type: 'domain', value: 'contoso.de' }],
      ['contoso-de.onmicrosoft.com', { type: 'domain', value: 'contoso-de.onmicrosoft.com' }],
      ['  Fabrikam   Inc. ', { type: 'name', value: 'Fabrikam Inc.' }],
      ['Contoso', { type: 'name', value: 'Contoso' }],
      ['Café Décor', { type: 'name', value: 'Café Décor' }],
      ['ACE-Cafe', { type: 'name', value: 'ACE-Cafe' }],
      ['', { type: 'name', value: '' }],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} → ${expected.type}`, () => assert.deepEqual(classifyCustomerQuery(input), expected));
    }
  });

  describe('taxNote (R4)', () => {
    it('says "incl" where the market includes tax and "excl" elsewhere', () => {
      assert.equal(taxNote({ taxIncluded: true }), 'incl');
      assert.equal(taxNote({ taxIncluded: false }), 'excl');
    });
  });

  describe('cancellationWindow (R15): 60 × 24 hours from the instant of purchase', () => {
    const purchasedAt = new Date('2024-03-10T15:30:00Z');
    const at = (iso: string) => cancellationWindow({ purchasedAt, windowDays: 60, now: new Date(iso) });

    it('at the purchase: open, 60 days left, closing 60 × 24 h later', () => {
      const w = at('2024-03-10T15:30:00Z');
      assert.deepEqual({ open: w.open, daysLeft: w.daysLeft, closesAt: w.closesAt.toISOString() }, { open: true, daysLeft: 60, closesAt: '2024-05-09T15:30:00.000Z' });
      assert.equal(at('2024-03-10T23:59:59Z').daysLeft, 60);
    });

    it('the 60th day after the purchase date can be cancelled until the time of purchase; a millisecond later it cannot', () => {
      assert.deepEqual(at('2024-05-09T00:00:00Z'), { open: true, daysLeft: 1, closesAt: new Date('2024-05-09T15:30:00Z') });
      assert.equal(at('2024-05-09T15:29:59.999Z').open, true);
      const closed = at('2024-05-09T15:30:00Z');
      assert.deepEqual({ open: closed.open, daysLeft: closed.daysLeft }, { open: false, daysLeft: 0 });
    });

    it('the 61st day and later: closed', () => {
      assert.equal(at('2024-05-10T00:00:00Z').open, false);
      assert.equal(at('2025-01-01T00:00:00Z').daysLeft, 0);
    });

    it('an order of Dec 2 can be cancelled until Jan 31 (the purchase confirmation\'s date comes from here)', () => {
      const w = cancellationWindow({ purchasedAt: new Date('2026-12-02T10:00:00Z'), windowDays: 60, now: new Date('2026-12-02T10:00:00Z') });
      assert.equal(w.closesAt.toISOString(), '2027-01-31T10:00:00.000Z');
    });

    it('counts hours, not calendar days: bought at 23:59 UTC, two minutes later 60 days are still left', () => {
      const w = cancellationWindow({ purchasedAt: new Date('2024-03-10T23:59:00Z'), windowDays: 60, now: new Date('2024-03-11T00:01:00Z') });
      assert.equal(w.daysLeft, 60);
    });

    it('a daylight-saving change inside the window changes nothing: still exactly 60 × 24 h, whatever the process time zone', () => {
      // Europe's change to summer time is on Mar 28, 2027; the US one on Mar 14, 2027.
      const bought = new Date('2027-03-01T12:00:00Z');
      const w = cancellationWindow({ purchasedAt: bought, windowDays: 60, now: bought });
      assert.equal(w.closesAt.getTime() - bought.getTime(), 60 * 86_400_000);
      assert.equal(w.closesAt.toISOString(), '2027-04-30T12:00:00.000Z');
      const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' });
      assert.deepEqual([berlin.format(bought), berlin.format(w.closesAt)], ['13:00', '14:00']); // the same instant rule, one local hour apart
      assert.equal(cancellationWindow({ purchasedAt: bought, windowDays: 60, now: new Date('2027-04-30T11:59:59Z') }).open, true);
      assert.equal(cancellationWindow({ purchasedAt: bought, windowDays: 60, now: new Date('2027-04-30T12:00:00Z') }).open, false);
    });

    it('a clock behind the purchase time counts as the purchase time', () => {
      assert.equal(at('2024-03-10T15:00:00Z').daysLeft, 60);
    });

    it('follows the catalog window length (e.g. 30 days) and a 0-day window never opens', () => {
      assert.equal(cancellationWindow({ purchasedAt, windowDays: 30, now: new Date('2024-04-09T15:29:59Z') }).open, true);
      assert.equal(cancellationWindow({ purchasedAt, windowDays: 30, now: new Date('2024-04-09T15:30:00Z') }).open, false);
      assert.equal(cancellationWindow({ purchasedAt, windowDays: 0, now: purchasedAt }).open, false);
    });

    it('rejects a nonsensical window length', () => {
      assert.throws(() => cancellationWindow({ purchasedAt, windowDays: -1, now: purchasedAt }), RangeError);
      assert.throws(() => cancellationWindow({ purchasedAt, windowDays: 1.5, now: purchasedAt }), RangeError);
    });
  });

  describe('money', () => {
    it('multiplies exactly in minor units', () => {
      assert.equal(lineTotal(27_400, 8), 219_200);
      assert.equal(lineTotal(0, 5), 0);
      assert.equal(sumMinor([219_200, 1, 99]), 219_300);
    });

    it('refuses totals beyond the safe integer range instead of losing cents', () => {
      assert.throws(() => lineTotal(Number.MAX_SAFE_INTEGER, 2), (e: unknown) => isCommerceError(e, 'amount_overflow'));
      assert.throws(() => sumMinor([Number.MAX_SAFE_INTEGER, 1]), (e: unknown) => isCommerceError(e, 'amount_overflow'));
      assert.equal(lineTotal(Number.MAX_SAFE_INTEGER, 1), Number.MAX_SAFE_INTEGER);
    });

    it('refuses fractional or negative amounts', () => {
      assert.throws(() => lineTotal(10.5, 2), RangeError);
      assert.throws(() => lineTotal(-1, 2), RangeError);
      assert.throws(() => lineTotal(100, 1.5), RangeError);
    });

    it('knows each currency\'s minor unit', () => {
      assert.equal(currencyMinorDigits('EUR'), 2);
      assert.equal(currencyMinorDigits('JPY'), 0);
      assert.equal(currencyMinorDigits('BHD'), 3);
    });
  });

  describe('validateQuantity (R2)', () => {
    const sku = { minQuantity: 8, maxQuantity: 1000 };
    const reason = (q: unknown) => {
      const r = validateQuantity(sku, q);
      return r.ok ? `ok:${r.quantity}` : r.reason;
    };

    it('accepts whole numbers within the SKU limits, also as typed text', () => {
      assert.equal(reason(8), 'ok:8');
      assert.equal(reason(1000), 'ok:1000');
      assert.equal(reason(' 16 '), 'ok:16');
    });

    it('names why a quantity is refused', () => {
      assert.equal(reason(0), 'not_positive');
      assert.equal(reason(-3), 'not_positive');
      assert.equal(reason('-8'), 'not_positive');
      assert.equal(reason(7), 'below_minimum');
      assert.equal(reason(1001), 'above_maximum');
      assert.equal(reason(8.5), 'not_an_integer');
      assert.equal(reason('8.5'), 'not_an_integer');
      assert.equal(reason(Number.NaN), 'not_a_number');
      assert.equal(reason(''), 'not_a_number');
      assert.equal(reason('eight'), 'not_a_number');
      assert.equal(reason('0x10'), 'not_a_number');
      assert.equal(reason(undefined), 'not_a_number');
      assert.equal(reason(Number.POSITIVE_INFINITY), 'above_maximum');
    });

    it('reports the limits with a refusal', () => {
      assert.deepEqual(validateQuantity(sku, 2), { ok: false, reason: 'below_minimum', min: 8, max: 1000 });
    });
  });
});
