import { strict as assert } from 'node:assert';
import { lineCredit, purchaseCredit, termDays } from '../../services/cancellation/credit.js';
import type { OrderLine } from '../../services/commerce/types.js';

type Line = Pick<OrderLine, 'lineNumber' | 'lineTotalMinor' | 'term' | 'cancellation'>;
const line = (over: Partial<Line> & Pick<Line, 'term'> & { policy: OrderLine['cancellation']['creditPolicy'] }): Line => ({
  lineNumber: over.lineNumber ?? 0,
  lineTotalMinor: over.lineTotalMinor ?? 100_000,
  term: over.term,
  cancellation: { cancellable: over.policy !== 'none', windowDays: 60, creditPolicy: over.policy },
});
const DAY = 86_400_000;

describe('services/cancellation/credit — what a cancellation credits (R17)', () => {
  const bought = new Date('2025-03-05T10:00:00Z');

  it('perpetual software: 100 % of the line, whenever inside the window', () => {
    const c = lineCredit(line({ term: 'one_time', policy: 'full', lineTotalMinor: 123_457 }), bought, new Date(bought.getTime() + 59 * DAY));
    assert.deepEqual(c, { lineNumber: 0, policy: 'full', lineTotalMinor: 123_457, amountMinor: 123_457, usedDays: 0, termDays: 0 });
  });

  it('a 1-year subscription: unused days / 365 of the line total, rounded half up to the cent', () => {
    // 10 days used → 355/365 of 1000.00 EUR = 972.6027… → 972.60
    const c = lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: 100_000 }), bought, new Date(bought.getTime() + 10 * DAY + 5 * 3_600_000));
    assert.deepEqual([c.usedDays, c.termDays, c.amountMinor], [10, 365, 97_260]);
  });

  it('a 3-year subscription over a leap year: 1096 term days', () => {
    assert.equal(termDays('P3Y', bought), 1096); // 2025-03-05 → 2028-03-05 contains 29 Feb 2028
    assert.equal(termDays('P1Y', new Date('2027-03-05T10:00:00Z')), 366); // 2027-03-05 → 2028-03-05 does too
    assert.equal(termDays('P1Y', bought), 365);
    assert.equal(termDays('one_time', bought), 0);
    // 30 days used of 1096 → 1066/1096 of 3 000 000 = 2 917 883.21… → 2 917 883
    const c = lineCredit(line({ term: 'P3Y', policy: 'prorated', lineTotalMinor: 3_000_000 }), bought, new Date(bought.getTime() + 30 * DAY));
    assert.deepEqual([c.usedDays, c.termDays, c.amountMinor], [30, 1096, 2_917_883]);
  });

  it('a term bought on Feb 29 ends on Feb 28 of a common year', () => {
    assert.equal(termDays('P1Y', new Date('2028-02-29T12:00:00Z')), 365);
  });

  it('within 24 hours of the purchase nothing is used: the whole line is credited', () => {
    const c = lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: 99_999 }), bought, new Date(bought.getTime() + DAY - 1));
    assert.equal(c.amountMinor, 99_999);
  });

  it('JPY has no minor unit: the share is rounded to whole yen (half up)', () => {
    // 1 day used of 365: 364/365 × 1 825 = 1 820 exactly; 2 days: 363/365 × 1 825 = 1 815
    assert.equal(lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: 1_825 }), bought, new Date(bought.getTime() + DAY)).amountMinor, 1_820);
    // A 3-yen line: 7 days unused → 0.057… → 0; 300 unused → 2.465… → 2; 310 unused → 2.547… → 3
    const yen = (usedDays: number) => lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: 3 }), bought, new Date(bought.getTime() + usedDays * DAY)).amountMinor;
    assert.deepEqual([yen(358), yen(65), yen(55)], [0, 2, 3]);
  });

  it('rounds an exact half up: 183/366 of 1 cent is 1 cent, of 3 cents 2', () => {
    const leap = new Date('2027-03-05T10:00:00Z'); // a 366-day year
    const half = (total: number) => lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: total }), leap, new Date(leap.getTime() + 183 * DAY)).amountMinor;
    assert.deepEqual([half(1), half(3), half(4)], [1, 2, 2]);
  });

  it('several lines, mixed policies, summed in BigInt; none credits nothing', () => {
    const now = new Date(bought.getTime() + 20 * DAY);
    const credit = purchaseCredit({
      currency: 'EUR', purchasedAt: bought, lines: [
        line({ lineNumber: 0, term: 'one_time', policy: 'full', lineTotalMinor: 50_000 }),
        line({ lineNumber: 1, term: 'P1Y', policy: 'prorated', lineTotalMinor: 36_500 }), // 345/365 × 36 500 = 34 500
        line({ lineNumber: 2, term: 'P1Y', policy: 'none', lineTotalMinor: 10_000 }),
      ],
    }, now);
    assert.deepEqual(credit.lines.map((l) => l.amountMinor), [50_000, 34_500, 0]);
    assert.equal(credit.totalMinor, 84_500);
    assert.equal(credit.currency, 'EUR');
  });

  it('large amounts stay exact (no float)', () => {
    const total = Number.MAX_SAFE_INTEGER - 1; // 9 007 199 254 740 990
    const c = lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: total }), bought, new Date(bought.getTime() + 73 * DAY));
    // 292/365 of it, exactly: (2·t·292 + 365) / (2·365) in integers
    assert.equal(c.amountMinor, Number((2n * BigInt(total) * 292n + 365n) / 730n));
  });

  it('refuses a negative or fractional line total', () => {
    assert.throws(() => lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: -1 }), bought, bought), RangeError);
    assert.throws(() => lineCredit(line({ term: 'P1Y', policy: 'prorated', lineTotalMinor: 1.5 }), bought, bought), RangeError);
  });
});
