/**
 * The activity command's date range (R13), as people type it or pick it.
 *
 * `parseActivityRange` turns what follows `activity` ("2026-11-01 2026-11-30",
 * "1.11.2026 30.11.2026", "last 7 days", "letzte 7 Tage", "November", "since 1.11.2026",
 * "gestern", "this month", …) or the pickers' ISO dates into a half-open interval of
 * instants [from, to) covering whole calendar days in the user's time zone. Pure: the clock
 * is the `now` argument.
 *
 * The words are read by chrono-node (its German or English configuration, by the user's
 * locale, the other one as a fallback), the zone arithmetic is luxon's. What we add to
 * chrono is small and named below: German month names (taken from luxon's locale data,
 * chrono's German configuration only reads them with a day), "diesen Monat", day-first
 * dotted dates in English, dashed dates only by the ISO parser, no clock-time parsers in
 * German (they read "2026-11-01 bis 2026-11-30" as a time range), and no range refiners
 * (they swap a range typed the wrong way round).
 *
 * How a reading becomes calendar days: a day-precise date is that day, a month without a
 * day is the whole month, a year alone the whole year; a date without a year is the most
 * recent past one; "last N days/weeks" is today and the days back to the day after the one
 * chrono computes (N days including today); "since X" is X to today; two dates (or a range
 * chrono merged) are from–to.
 */
import * as chrono from 'chrono-node';
import type { Chrono, ParsedComponents, ParsedResult, Parser, ParsingContext } from 'chrono-node';
import { DateTime, IANAZone, Info } from 'luxon';

export interface ActivityRangeOptions {
  /** IANA zone, e.g. 'Europe/Berlin'; an unknown one is read as UTC. */
  zone: string;
  /** The user's locale, e.g. 'en-US', 'de-DE': which language the words are read in first. */
  locale: string;
  now: Date;
  /** How far back the log keeps events. */
  retentionMonths: number;
  /** The longest range in calendar days (default 366). */
  maxDays?: number;
}

/** What the date pickers send (Teams Input.Date, Slack datepicker): ISO dates, '' or absent when unset. */
export interface PickedRange {
  from?: string | null;
  to?: string | null;
}

export type ActivityRangeProblem = 'notADate' | 'wrongWayRound' | 'future' | 'tooLong';

export type ActivityRangeResult =
  | {
    ok: true;
    /** Inclusive: the start of the first day in the zone (or the retention limit). */
    from: Date;
    /** Exclusive: the start of the day after the last day in the zone, or now if earlier. */
    to: Date;
    /** The first and last calendar day shown, YYYY-MM-DD in the zone. */
    label: { from: string; to: string };
    /**
     * The range reached back past the retention: `from` was moved to now − retentionMonths
     * (to `to`, an empty range, when all of it lies past the retention).
     */
    clippedByRetention: boolean;
  }
  | { ok: false; problem: ActivityRangeProblem; /** What could not be read. */ text?: string };

export const DEFAULT_RANGE_DAYS = 30;
export const DEFAULT_MAX_DAYS = 366;

type Language = 'en' | 'de';

/** Calendar days, first and last inclusive, at the start of the day in the zone. */
interface DayRange {
  first: DateTime;
  last: DateTime;
}

type Reading = { ok: true; days: DayRange } | { ok: false; problem: ActivityRangeProblem; text?: string };

export function parseActivityRange(input: PickedRange | string | undefined, opts: ActivityRangeOptions): ActivityRangeResult {
  const zone = IANAZone.isValidZone(opts.zone) ? opts.zone : 'UTC';
  const now = DateTime.fromJSDate(opts.now, { zone });
  const today = now.startOf('day');
  const reading = typeof input === 'object' && input !== null
    ? readPicked(input, today)
    : readTyped(input ?? '', opts.locale, now);
  if (!reading.ok) return reading;
  return settle(reading.days, now, opts);
}

/** The last `DEFAULT_RANGE_DAYS` days: today and the days before. */
function defaultRange(today: DateTime): DayRange {
  return { first: today.minus({ days: DEFAULT_RANGE_DAYS - 1 }), last: today };
}

function settle({ first, last }: DayRange, now: DateTime, opts: ActivityRangeOptions): ActivityRangeResult {
  if (first > last) return { ok: false, problem: 'wrongWayRound' };
  if (first > now) return { ok: false, problem: 'future' };
  const today = now.startOf('day');
  const lastShown = last < today ? last : today;
  const days = lastShown.diff(first, 'days').days + 1;
  if (days > (opts.maxDays ?? DEFAULT_MAX_DAYS)) return { ok: false, problem: 'tooLong' };

  const dayAfter = lastShown.plus({ days: 1 }).startOf('day');
  const to = dayAfter < now ? dayAfter : now;
  const retained = retentionStart(now, opts.retentionMonths);
  const clippedByRetention = first < retained;
  // All of it past the retention: an empty range (from = to), still flagged as clipped.
  const from = !clippedByRetention ? first : retained < to ? retained : to;
  const labelFrom = from < to ? from : lastShown;
  return {
    ok: true,
    from: from.toJSDate(),
    to: to.toJSDate(),
    label: { from: labelFrom.toISODate() ?? '', to: lastShown.toISODate() ?? '' },
    clippedByRetention,
  };
}

/** The first instant the log still keeps: `retentionMonths` calendar months before now, in the zone. */
function retentionStart(now: DateTime, retentionMonths: number): DateTime {
  return now.minus({ months: retentionMonths });
}

/** Calendar days in `zone` (YYYY-MM-DD): today, and the first day the log still keeps — the pickers' bounds, the cards' "events from …". */
export function rangeBounds(now: Date, zone: string, retentionMonths: number): { today: string; earliest: string } {
  const local = DateTime.fromJSDate(now, { zone: IANAZone.isValidZone(zone) ? zone : 'UTC' });
  return { today: local.toISODate() ?? '', earliest: retentionStart(local, retentionMonths).toISODate() ?? '' };
}

// ---------------------------------------------------------------------------------------
// The pickers: ISO dates only.

function readPicked(picked: PickedRange, today: DateTime): Reading {
  const fromText = picked.from?.trim() ?? '';
  const toText = picked.to?.trim() ?? '';
  const from = fromText ? isoDay(fromText, today.zone.name) : undefined;
  if (from === null) return { ok: false, problem: 'notADate', text: fromText };
  const to = toText ? isoDay(toText, today.zone.name) : undefined;
  if (to === null) return { ok: false, problem: 'notADate', text: toText };
  if (from && to) return { ok: true, days: { first: from, last: to } };
  if (from) return { ok: true, days: { first: from, last: today } };
  // Only an end: the default length, ending there.
  if (to) return { ok: true, days: { first: to.minus({ days: DEFAULT_RANGE_DAYS - 1 }), last: to } };
  return { ok: true, days: defaultRange(today) };
}

function isoDay(text: string, zone: string): DateTime | null {
  const day = DateTime.fromFormat(text, 'yyyy-MM-dd', { zone });
  return day.isValid ? day : null;
}

// ---------------------------------------------------------------------------------------
// Typed words: chrono.

function readTyped(raw: string, locale: string, now: DateTime): Reading {
  const today = now.startOf('day');
  const text = withRangeWords(raw.trim());
  if (!text) return { ok: true, days: defaultRange(today) };
  const span = spanOf(text, today);
  if (span) return { ok: true, days: span };

  const first = languageOf(locale);
  const attempts: Array<{ language: Language; reader: Chrono }> = [
    { language: first, reader: readerFor(first, locale) },
    { language: first === 'de' ? 'en' : 'de', reader: readerFor(first === 'de' ? 'en' : 'de', locale) },
  ];
  // chrono reads the reference in a fixed offset: the zone's offset at this instant.
  const reference = { instant: now.toJSDate(), timezone: now.offset };
  let unread = text;
  for (const { language, reader } of attempts) {
    const results = reader.parse(text, reference, { forwardDate: false });
    const rest = unreadWords(text, results, language);
    if (results.length > 0 && rest.length === 0) return interpret(text, results, today);
    // Keep the reading of the user's own language to report what was not understood.
    if (language === first) unread = results.length > 0 ? rest.join(' ') : text;
  }
  return { ok: false, problem: 'notADate', text: unread };
}

/**
 * A range written with a dash or two dots between dates ("1.12.2026-7.12.2026",
 * "2026-12-01..2026-12-07", "1.11.–30.11.") as two dates chrono reads one by one.
 */
function withRangeWords(text: string): string {
  return text
    .replace(/\s*\.\.\s*/g, ' to ')
    .replace(/(\d\.)\s*[-–—]\s*(\d)/g, '$1 to $2')
    .replace(/(\d{4})\s*[-–—]\s*(\d{1,2}\.)/g, '$1 to $2')
    .replace(/(\d{4}-\d{2}-\d{2})\s*[-–—]\s*(\d{4}-\d{2}-\d{2})/g, '$1 to $2')
    .replace(/(\d{4}-\d{2}-\d{2})\s+[–—]\s+/g, '$1 to ');
}

type SpanUnit = 'days' | 'weeks' | 'months' | 'quarters' | 'years';

const SPAN_UNITS: ReadonlyArray<readonly [RegExp, SpanUnit]> = [
  [/^(?:days?|tage?n?)$/i, 'days'],
  [/^(?:weeks?|wochen?)$/i, 'weeks'],
  [/^(?:months?|monate?n?|monats)$/i, 'months'],
  [/^(?:quarters?|quartale?n?|quartals)$/i, 'quarters'],
  [/^(?:years?|jahre?n?|jahres)$/i, 'years'],
];

const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12,
  ein: 1, eine: 1, einen: 1, zwei: 2, drei: 3, vier: 4, 'fünf': 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, 'zwölf': 12,
};

/**
 * Spans chrono reads as one day: "last 3 months", "letzte 6 Monate", "past 2 weeks" are the
 * days up to today, that long back (today counts as the first of them); "this week", "diese
 * Woche", "this quarter", "dieses Jahr" run from the period's first day (weeks start on Monday)
 * to today; "last quarter" / "letztes Quartal" (without a number) is the previous calendar quarter.
 */
function spanOf(text: string, today: DateTime): DayRange | null {
  const words = text.toLowerCase().replace(/^(?:the|die|den|das|im|in)\s+/, '').split(/\s+/);
  const unitOf = (word: string | undefined) => SPAN_UNITS.find(([re]) => re.test(word ?? ''))?.[1];
  if (words.length === 2 && /^(?:this|current|diese[nmrs]?|aktuelle[nmrs]?|laufende[nmrs]?)$/.test(words[0]!)) {
    const unit = unitOf(words[1]);
    if (!unit || unit === 'days') return null;
    const period = unit === 'weeks' ? 'week' : unit === 'months' ? 'month' : unit === 'quarters' ? 'quarter' : 'year';
    return { first: today.startOf(period), last: today };
  }
  if (!LAST_SPAN.test(`${words[0]} `)) return null;
  if (words.length === 2 && unitOf(words[1]) === 'quarters') {
    const previous = today.startOf('quarter').minus({ quarters: 1 });
    return { first: previous, last: previous.endOf('quarter').startOf('day') };
  }
  if (words.length !== 3) return null;
  const count = /^\d{1,4}$/.test(words[1]!) ? Number(words[1]) : NUMBER_WORDS[words[1]!];
  const unit = unitOf(words[2]);
  if (!count || !unit) return null;
  return { first: today.minus({ [unit]: count }).plus({ days: 1 }), last: today };
}

function languageOf(locale: string): Language {
  return /^de\b/i.test(locale) ? 'de' : 'en';
}

/** Words that may stand between or around dates without changing them, per language. */
const FILLERS: Record<Language, ReadonlySet<string>> = {
  en: new Set(['from', 'since', 'to', 'until', 'till', 'through', 'thru', 'between', 'and', 'in', 'the', 'of', 'on']),
  de: new Set(['von', 'vom', 'seit', 'ab', 'bis', 'zum', 'zwischen', 'und', 'im', 'in', 'der', 'die', 'den', 'des', 'am']),
};
/** "since X": from X to today. */
const SINCE = new Set(['since', 'from', 'seit', 'ab', 'von', 'vom']);
/** chrono's "last N days" and its German twin read as a date N days back; for us it is a span up to today. */
const LAST_SPAN = /^(last|past|previous|letzte[nrs]?|vergangene[nrs]?|vorige[nrs]?)\s/i;

function wordsOutside(text: string, results: ParsedResult[]): string[] {
  let outside = '';
  let at = 0;
  for (const result of results) {
    outside += ` ${text.slice(at, result.index)}`;
    at = Math.max(at, result.index + result.text.length);
  }
  outside += ` ${text.slice(at)}`;
  return outside.toLowerCase().split(/[\s,;–—-]+/u).filter((word) => word !== '');
}

function unreadWords(text: string, results: ParsedResult[], language: Language): string[] {
  return wordsOutside(text, results).filter((word) => !FILLERS[language].has(word) && !FILLERS.en.has(word));
}

function interpret(text: string, results: ParsedResult[], today: DateTime): Reading {
  const zone = today.zone.name;
  if (results.length > 2) return { ok: false, problem: 'notADate', text };
  const [one, two] = results as [ParsedResult, ParsedResult | undefined];

  if (two) {
    const a = periodOf(one.start, today, zone);
    const b = periodOf(two.start, today, zone);
    if (!a || !b || one.end || two.end) return { ok: false, problem: 'notADate', text };
    return { ok: true, days: { first: a.first, last: b.last } };
  }
  const start = periodOf(one.start, today, zone);
  if (!start) return { ok: false, problem: 'notADate', text: one.text };
  if (one.end) {
    const end = periodOf(one.end, today, zone);
    if (!end) return { ok: false, problem: 'notADate', text: one.text };
    return { ok: true, days: { first: start.first, last: end.last } };
  }
  if (one.start.tags().has('result/relativeDate') && one.start.isCertain('day') && LAST_SPAN.test(one.text)) {
    return { ok: true, days: { first: start.first.plus({ days: 1 }), last: today } };
  }
  if (wordsOutside(text, results).some((word) => SINCE.has(word))) {
    return { ok: true, days: { first: start.first, last: today } };
  }
  return { ok: true, days: start };
}

/** The calendar days one reading names: its day, else its whole month, else its whole year. */
function periodOf(c: ParsedComponents, today: DateTime, zone: string): DayRange | null {
  const year = c.get('year');
  const month = c.get('month');
  const day = c.get('day');
  if (year === null || month === null || day === null) return null;
  const unit = c.isCertain('day') || c.isCertain('weekday') ? 'day' : c.isCertain('month') ? 'month' : c.isCertain('year') ? 'year' : 'day';
  let first = DateTime.fromObject({ year, month, day: unit === 'day' ? day : 1 }, { zone }).startOf(unit);
  if (!first.isValid) return null;
  // chrono picks the year closest to today ("January" in December is next January); a date
  // typed without a year means the most recent one.
  if (!c.isCertain('year') && first > today) first = first.minus({ years: 1 });
  return { first, last: first.endOf(unit).startOf('day') };
}

// ---------------------------------------------------------------------------------------
// The chrono configurations.

const readers = new Map<string, Chrono>();

function readerFor(language: Language, locale: string): Chrono {
  const key = language === 'de' ? 'de' : /^en(-us)?$/i.test(locale) ? 'en-US' : 'en-GB';
  let reader = readers.get(key);
  if (!reader) {
    reader = key === 'de' ? germanReader() : englishReader(key === 'en-US');
    readers.set(key, reader);
  }
  return reader;
}

/** chrono's German clock-time parsers: we read days, and they take "01 bis 2026-11" for 01:00–20:26. */
const GERMAN_TIME_PARSERS = new Set(['DETimeExpressionParser', 'DESpecificTimeExpressionParser', 'DECasualTimeParser']);

/**
 * chrono's range refiners swap a range typed the wrong way round ("30.11. bis 1.11.") without a
 * word; we take the two dates as two results and refuse it instead.
 */
const RANGE_REFINERS = new Set(['DEMergeDateRangeRefiner', 'ENMergeDateRangeRefiner']);

function withoutRangeRefiners(reader: Chrono): Chrono {
  reader.refiners = reader.refiners.filter((refiner) => !RANGE_REFINERS.has(refiner.constructor.name));
  return reader;
}

function germanReader(): Chrono {
  const reader = withoutRangeRefiners(chrono.de.casual.clone());
  reader.parsers = reader.parsers.filter((parser) => !GERMAN_TIME_PARSERS.has(parser.constructor.name));
  reader.parsers.push(monthNameParser('de'), currentPeriodParser(), dayMonthParser());
  return reader;
}

/**
 * English as chrono reads it (month-first "11/1/2026" for en-US, day-first otherwise), and
 * dotted dates always day-first: "1.11.2026" is German, in every locale.
 */
function englishReader(monthFirst: boolean): Chrono {
  const reader = withoutRangeRefiners(monthFirst ? chrono.en.casual.clone() : chrono.en.GB.clone());
  const dayFirstSlash = chrono.en.GB.parsers.find((parser) => parser.constructor.name === 'SlashDateFormatParser');
  if (dayFirstSlash) reader.parsers.unshift(onlyDotted(dayFirstSlash));
  // chrono's year-month-day parser swaps an impossible month with the day ("2026-13-01" is
  // 13 January); dashed dates are left to its ISO parser, which refuses them.
  reader.parsers = reader.parsers.map((parser) => (parser.constructor.name === 'ENYearMonthDayParser' ? notDashed(parser) : parser));
  reader.parsers.push(dayMonthParser());
  return reader;
}

function notDashed(parser: Parser): Parser {
  return {
    pattern: (context) => parser.pattern(context),
    extract: (context, match) => (/\d-\d/.test(match[0]) ? null : parser.extract(context, match)),
  };
}

function onlyDotted(parser: Parser): Parser {
  return {
    pattern: (context) => parser.pattern(context),
    extract: (context, match) => (/\d\.\d/.test(match[0]) ? parser.extract(context, match) : null),
  };
}

/** A month name, with or without a year ("Dezember", "Oktober 2026"), from luxon's locale data. */
function monthNameParser(locale: string): Parser {
  const long = Info.months('long', { locale });
  const short = Info.months('short', { locale }).map((name) => name.replace(/\.$/, ''));
  const names = [...long.map((name, i) => [name, i] as const), ...short.map((name, i) => [name, i] as const)]
    .sort(([a], [b]) => b.length - a.length);
  const byName = new Map(names.map(([name, i]) => [name.toLowerCase(), i + 1]));
  const alternatives = names.map(([name]) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const pattern = new RegExp(`(?<![\\p{L}\\d])(${alternatives})\\.?(?:\\s+(\\d{4}))?(?![\\p{L}\\d])`, 'iu');
  return {
    pattern: () => pattern,
    extract: (_context, match) => {
      const month = byName.get((match[1] ?? '').toLowerCase());
      if (month === undefined) return null;
      return match[2] ? { month, year: Number(match[2]) } : { month };
    },
  };
}

/** A dotted day and month without a year, as Germans write it ("1.11.", "30.11."): the most recent such day. */
function dayMonthParser(): Parser {
  return {
    pattern: () => /(?<![\d.])(\d{1,2})\.(\d{1,2})\.(?![\d.])/,
    extract: (_context, match) => {
      const day = Number(match[1]);
      const month = Number(match[2]);
      return day >= 1 && day <= 31 && month >= 1 && month <= 12 ? { day, month } : null;
    },
  };
}

/** "diesen Monat", "dieses Jahr": chrono's German configuration reads "letzten Monat" but not these. */
function currentPeriodParser(): Parser {
  return {
    pattern: () => /(?<![\p{L}\d])(?:diese[nmrs]?|aktuelle[nmrs]?)\s+(Monat|Jahr)(?![\p{L}\d])/iu,
    extract: (context: ParsingContext, match) => {
      const reference = context.reference.getDateWithAdjustedTimezone();
      const year = reference.getFullYear();
      return /^monat$/i.test(match[1] ?? '') ? { year, month: reference.getMonth() + 1 } : { year };
    },
  };
}
