import { strict as assert } from 'node:assert';
import { DateTime } from 'luxon';
import { parseActivityRange, type ActivityRangeOptions, type ActivityRangeResult, type PickedRange } from '../../services/activity/date-range.js';

/** Thursday 10 December 2026, 11:00 in Berlin, 02:00 in Los Angeles. */
const NOW = new Date('2026-12-10T10:00:00.000Z');
const BERLIN = 'Europe/Berlin';
const LOS_ANGELES = 'America/Los_Angeles';

function options(overrides: Partial<ActivityRangeOptions> = {}): ActivityRangeOptions {
  return { zone: BERLIN, locale: 'en-US', now: NOW, retentionMonths: 13, ...overrides };
}

function range(input: PickedRange | string | undefined, overrides: Partial<ActivityRangeOptions> = {}) {
  const result = parseActivityRange(input, options(overrides));
  assert.ok(result.ok, `expected a range for ${JSON.stringify(input)}, got ${JSON.stringify(result)}`);
  return result;
}

function refusal(input: PickedRange | string | undefined, overrides: Partial<ActivityRangeOptions> = {}) {
  const result: ActivityRangeResult = parseActivityRange(input, options(overrides));
  assert.ok(!result.ok, `expected a refusal for ${JSON.stringify(input)}, got ${JSON.stringify(result)}`);
  return result;
}

const inside = (at: Date, r: { from: Date; to: Date }) => r.from <= at && at < r.to;
const local = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone });

describe('services/activity/date-range — the activity command\'s dates', () => {
  describe('phrases, read in the user\'s language (Berlin, now 2026-12-10 11:00)', () => {
    // [typed, first day, last day]; the last day is today when the range reaches now.
    const cases: Record<'en-US' | 'de-DE', Array<[string, string, string]>> = {
      'en-US': [
        ['2026-11-01 2026-11-30', '2026-11-01', '2026-11-30'],
        ['1.11.2026 30.11.2026', '2026-11-01', '2026-11-30'],
        ['2026-11-01 to 2026-11-30', '2026-11-01', '2026-11-30'],
        ['1.11.2026 - 30.11.2026', '2026-11-01', '2026-11-30'],
        ['from November 1 to November 30', '2026-11-01', '2026-11-30'],
        ['last 7 days', '2026-12-04', '2026-12-10'],
        ['November', '2026-11-01', '2026-11-30'],
        ['November 2026', '2026-11-01', '2026-11-30'],
        ['March 2026', '2026-03-01', '2026-03-31'],
        ['since 1.11.2026', '2026-11-01', '2026-12-10'],
        ['yesterday', '2026-12-09', '2026-12-09'],
        ['today', '2026-12-10', '2026-12-10'],
        ['this month', '2026-12-01', '2026-12-10'],
        ['last month', '2026-11-01', '2026-11-30'],
        ['11/1/2026', '2026-11-01', '2026-11-01'],
        // Spans chrono alone reads as one day (a new user's trial found them).
        ['last 3 months', '2026-09-11', '2026-12-10'],
        ['last 12 months', '2025-12-11', '2026-12-10'],
        ['past two weeks', '2026-11-27', '2026-12-10'],
        ['last quarter', '2026-07-01', '2026-09-30'],
        ['this week', '2026-12-07', '2026-12-10'],
        ['this quarter', '2026-10-01', '2026-12-10'],
        // Dashes and two dots between dates.
        ['1.12.2026-7.12.2026', '2026-12-01', '2026-12-07'],
        ['2026-12-01..2026-12-07', '2026-12-01', '2026-12-07'],
        ['2026-11-01 – 2026-11-30', '2026-11-01', '2026-11-30'],
      ],
      'de-DE': [
        ['2026-11-01 2026-11-30', '2026-11-01', '2026-11-30'],
        ['1.11.2026 30.11.2026', '2026-11-01', '2026-11-30'],
        ['2026-11-01 bis 2026-11-30', '2026-11-01', '2026-11-30'],
        ['vom 1.11.2026 bis 30.11.2026', '2026-11-01', '2026-11-30'],
        ['letzte 7 Tage', '2026-12-04', '2026-12-10'],
        ['die letzten 7 Tage', '2026-12-04', '2026-12-10'],
        ['November', '2026-11-01', '2026-11-30'],
        ['November 2026', '2026-11-01', '2026-11-30'],
        ['März 2026', '2026-03-01', '2026-03-31'],
        ['Oktober', '2026-10-01', '2026-10-31'],
        ['seit 1.11.2026', '2026-11-01', '2026-12-10'],
        ['gestern', '2026-12-09', '2026-12-09'],
        ['heute', '2026-12-10', '2026-12-10'],
        ['diesen Monat', '2026-12-01', '2026-12-10'],
        ['letzten Monat', '2026-11-01', '2026-11-30'],
        ['11/1/2026', '2026-01-11', '2026-01-11'],
        ['letzte 3 Monate', '2026-09-11', '2026-12-10'],
        ['die letzten 2 Wochen', '2026-11-27', '2026-12-10'],
        ['letztes Quartal', '2026-07-01', '2026-09-30'],
        ['diese Woche', '2026-12-07', '2026-12-10'],
        ['1.11. bis 30.11.', '2026-11-01', '2026-11-30'],
        ['1.11.–30.11.', '2026-11-01', '2026-11-30'],
        ['1.12.2026-7.12.2026', '2026-12-01', '2026-12-07'],
      ],
    };
    for (const [locale, table] of Object.entries(cases)) {
      for (const [typed, first, last] of table) {
        it(`${locale}: "${typed}" is ${first} … ${last}`, () => {
          const r = range(typed, { locale });
          assert.deepEqual(r.label, { from: first, to: last });
          assert.equal(r.from.getTime(), DateTime.fromISO(first, { zone: BERLIN }).toMillis());
          const dayAfter = DateTime.fromISO(last, { zone: BERLIN }).plus({ days: 1 }).toJSDate();
          assert.equal(r.to.getTime(), Math.min(dayAfter.getTime(), NOW.getTime()));
          assert.equal(r.clippedByRetention, false);
        });
      }
    }

    it('reads the other language when the user\'s own reads nothing', () => {
      assert.deepEqual(range('gestern', { locale: 'en-US' }).label, { from: '2026-12-09', to: '2026-12-09' });
      assert.deepEqual(range('last 7 days', { locale: 'de-DE' }).label, { from: '2026-12-04', to: '2026-12-10' });
    });

    it('reads a month without a year as the most recent one, never next year\'s', () => {
      assert.deepEqual(range('January').label, { from: '2026-01-01', to: '2026-01-31' });
      assert.deepEqual(range('Januar', { locale: 'de-DE' }).label, { from: '2026-01-01', to: '2026-01-31' });
      assert.deepEqual(range('Dezember', { locale: 'de-DE' }).label, { from: '2026-12-01', to: '2026-12-10' });
    });

    it('reads "this year" and "dieses Jahr" as the year so far', () => {
      assert.deepEqual(range('this year').label, { from: '2026-01-01', to: '2026-12-10' });
      assert.deepEqual(range('dieses Jahr', { locale: 'de-DE' }).label, { from: '2026-01-01', to: '2026-12-10' });
    });
  });

  describe('the date pickers (Input.Date, Slack datepicker)', () => {
    it('takes ISO dates as the first and last day', () => {
      const r = range({ from: '2026-11-01', to: '2026-11-30' });
      assert.deepEqual(r.label, { from: '2026-11-01', to: '2026-11-30' });
      assert.equal(r.from.toISOString(), '2026-10-31T23:00:00.000Z');
      assert.equal(r.to.toISOString(), '2026-11-30T23:00:00.000Z');
    });

    it('runs an open end to today, an open start 30 days back, unset pickers to the default', () => {
      assert.deepEqual(range({ from: '2026-12-01' }).label, { from: '2026-12-01', to: '2026-12-10' });
      assert.deepEqual(range({ from: '', to: '2026-11-30' }).label, { from: '2026-11-01', to: '2026-11-30' });
      assert.deepEqual(range({ from: null, to: '' }).label, { from: '2026-11-11', to: '2026-12-10' });
    });

    it('refuses a value that is not an ISO date, naming it', () => {
      assert.deepEqual(refusal({ from: '2026-02-30', to: '2026-03-05' }), { ok: false, problem: 'notADate', text: '2026-02-30' });
      assert.deepEqual(refusal({ from: '2026-11-01', to: '30.11.2026' }), { ok: false, problem: 'notADate', text: '30.11.2026' });
    });
  });

  describe('calendar days in the user\'s zone', () => {
    it('gives Berlin and Los Angeles different instants for the same days', () => {
      const berlin = range('2026-11-01 2026-11-30', { zone: BERLIN });
      const la = range('2026-11-01 2026-11-30', { zone: LOS_ANGELES });
      assert.deepEqual(berlin.label, la.label);
      assert.equal(berlin.from.toISOString(), '2026-10-31T23:00:00.000Z');
      assert.equal(berlin.to.toISOString(), '2026-11-30T23:00:00.000Z');
      // Los Angeles leaves summer time on 1 November 2026: PDT at the start, PST at the end.
      assert.equal(la.from.toISOString(), '2026-11-01T07:00:00.000Z');
      assert.equal(la.to.toISOString(), '2026-12-01T08:00:00.000Z');
    });

    it('reads "today" and "yesterday" by the zone\'s date, not UTC\'s', () => {
      const early = new Date('2026-12-10T06:00:00.000Z'); // 07:00 in Berlin, 22:00 the day before in LA
      assert.deepEqual(range('yesterday', { now: early, zone: BERLIN }).label, { from: '2026-12-09', to: '2026-12-09' });
      assert.deepEqual(range('yesterday', { now: early, zone: LOS_ANGELES }).label, { from: '2026-12-08', to: '2026-12-08' });
      assert.deepEqual(range('gestern', { now: early, zone: LOS_ANGELES, locale: 'de-DE' }).label, { from: '2026-12-08', to: '2026-12-08' });
      const today = range('today', { now: early, zone: LOS_ANGELES });
      assert.equal(today.from.toISOString(), '2026-12-09T08:00:00.000Z');
      assert.equal(today.to.toISOString(), early.toISOString());
    });

    it('includes an event at 23:30 local time on the last day, in both zones', () => {
      for (const zone of [BERLIN, LOS_ANGELES]) {
        const r = range('1.11.2026 30.11.2026', { zone, locale: 'de-DE' });
        const lastEvening = DateTime.fromISO('2026-11-30T23:30', { zone }).toJSDate();
        const nextMidnight = DateTime.fromISO('2026-12-01T00:00', { zone }).toJSDate();
        const firstMidnight = DateTime.fromISO('2026-11-01T00:00', { zone }).toJSDate();
        assert.ok(inside(lastEvening, r), `${zone}: 23:30 on the last day is in`);
        assert.ok(inside(firstMidnight, r), `${zone}: 00:00 on the first day is in`);
        assert.ok(!inside(nextMidnight, r), `${zone}: 00:00 the day after is out`);
        assert.ok(!inside(new Date(firstMidnight.getTime() - 1), r), `${zone}: the moment before is out`);
      }
      // Berlin's 23:30 on 30 November is 14:30 in LA, and LA's 23:30 is 08:30 on 1 December in Berlin.
      const la2330 = DateTime.fromISO('2026-11-30T23:30', { zone: LOS_ANGELES }).toJSDate();
      assert.ok(!inside(la2330, range('2026-11-01 2026-11-30', { zone: BERLIN })));
    });

    it('ends at local midnight across the end of summer time in Berlin (last Sunday of October)', () => {
      const r = range('20.10.2026 30.10.2026', { locale: 'de-DE' });
      assert.equal(local(r.from, BERLIN).toISO(), '2026-10-20T00:00:00.000+02:00');
      assert.equal(local(r.to, BERLIN).toISO(), '2026-10-31T00:00:00.000+01:00');
      // Eleven calendar days, one of them 25 hours long.
      assert.equal(r.to.getTime() - r.from.getTime(), (11 * 24 + 1) * 3_600_000);
      assert.deepEqual(r.label, { from: '2026-10-20', to: '2026-10-30' });
    });

    it('reads an unknown zone as UTC', () => {
      const r = range('2026-11-01 2026-11-30', { zone: 'Mars/Olympus_Mons' });
      assert.equal(r.from.toISOString(), '2026-11-01T00:00:00.000Z');
      assert.equal(r.to.toISOString(), '2026-12-01T00:00:00.000Z');
    });
  });

  describe('the default', () => {
    it('is the last 30 days: today and the 29 days before, up to now', () => {
      for (const input of [undefined, '', '   ', {}]) {
        const r = range(input);
        assert.deepEqual(r.label, { from: '2026-11-11', to: '2026-12-10' });
        assert.equal(r.from.toISOString(), '2026-11-10T23:00:00.000Z');
        assert.equal(r.to.toISOString(), NOW.toISOString());
      }
    });
  });

  describe('problems', () => {
    it('notADate: words no reader understands, named', () => {
      assert.deepEqual(refusal('banana'), { ok: false, problem: 'notADate', text: 'banana' });
      assert.deepEqual(refusal('Quatsch', { locale: 'de-DE' }), { ok: false, problem: 'notADate', text: 'Quatsch' });
      assert.deepEqual(refusal('1.11.2026 banana'), { ok: false, problem: 'notADate', text: 'banana' });
      for (const locale of ['en-US', 'de-DE']) {
        assert.equal(refusal('31.2.2026', { locale }).problem, 'notADate');
        assert.equal(refusal('2026-13-01', { locale }).problem, 'notADate'); // chrono's English would read 13 January
        assert.equal(refusal('2026-02-30', { locale }).problem, 'notADate');
      }
    });

    it('wrongWayRound: the end before the start, never swapped', () => {
      assert.deepEqual(refusal('2026-11-30 2026-11-01'), { ok: false, problem: 'wrongWayRound' });
      assert.deepEqual(refusal('30.11.2026 bis 1.11.2026', { locale: 'de-DE' }), { ok: false, problem: 'wrongWayRound' });
      assert.deepEqual(refusal('30.11.2026 - 1.11.2026'), { ok: false, problem: 'wrongWayRound' });
      assert.deepEqual(refusal('2026-11-30 to 2026-11-01'), { ok: false, problem: 'wrongWayRound' });
      assert.deepEqual(refusal({ from: '2026-11-30', to: '2026-11-01' }), { ok: false, problem: 'wrongWayRound' });
    });

    it('future: a range that starts after now', () => {
      assert.deepEqual(refusal('tomorrow'), { ok: false, problem: 'future' });
      assert.deepEqual(refusal('morgen', { locale: 'de-DE' }), { ok: false, problem: 'future' });
      assert.deepEqual(refusal({ from: '2027-01-01', to: '2027-01-31' }), { ok: false, problem: 'future' });
    });

    it('a future end is capped at now, not refused', () => {
      const r = range('2026-12-01 2026-12-31');
      assert.deepEqual(r.label, { from: '2026-12-01', to: '2026-12-10' });
      assert.equal(r.to.toISOString(), NOW.toISOString());
    });

    it('tooLong: more calendar days than allowed', () => {
      assert.deepEqual(refusal('last 400 days'), { ok: false, problem: 'tooLong' });
      assert.deepEqual(refusal({ from: '2025-12-01', to: '2026-12-05' }), { ok: false, problem: 'tooLong' });
      assert.deepEqual(refusal('letzte 8 Tage', { locale: 'de-DE', maxDays: 7 }), { ok: false, problem: 'tooLong' });
      assert.deepEqual(range('letzte 7 Tage', { locale: 'de-DE', maxDays: 7 }).label, { from: '2026-12-04', to: '2026-12-10' });
      // 366 days exactly is allowed.
      assert.deepEqual(range({ from: '2025-12-10', to: '2026-12-10' }).label, { from: '2025-12-10', to: '2026-12-10' });
    });
  });

  describe('retention', () => {
    it('moves a start past the retention to now − retentionMonths and says so', () => {
      const r = range('2026-08-01 2026-09-30', { retentionMonths: 3 });
      assert.equal(r.clippedByRetention, true);
      // Three calendar months back on Berlin's clock: 11:00 CET then, 11:00 CEST in September.
      assert.equal(r.from.toISOString(), '2026-09-10T09:00:00.000Z');
      assert.deepEqual(r.label, { from: '2026-09-10', to: '2026-09-30' });
      assert.equal(r.to.toISOString(), '2026-09-30T22:00:00.000Z');
    });

    it('leaves a range inside the retention alone', () => {
      assert.equal(range('2026-09-11 2026-09-30', { retentionMonths: 3 }).clippedByRetention, false);
    });

    it('gives an empty range when all of it lies past the retention', () => {
      const r = range('Mai 2026', { locale: 'de-DE', retentionMonths: 3 });
      assert.equal(r.clippedByRetention, true);
      assert.equal(r.from.getTime(), r.to.getTime());
    });
  });
});
