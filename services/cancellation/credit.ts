/**
 * R17: what cancelling a purchase credits on the partner's next invoice, per line — pure,
 * the clock comes in as `now`.
 *
 * - `full` (perpetual software): 100 % of the line total.
 * - `prorated` (subscriptions, Azure reservations): the unused part of the term — unused days
 *   / term days of the line total. Term days run from the instant of purchase to the same
 *   instant one or three years on (365 or 366 days a year); a day counts as used once it has
 *   fully passed, so cancelling within 24 hours of the purchase credits everything.
 * - `none`: nothing (such a line cannot be cancelled in the first place, R16).
 *
 * Amounts are integer minor units of the purchase's currency (cents for EUR, yen for JPY,
 * which has no minor unit); a prorated share is rounded half up to a whole minor unit, in
 * BigInt, so no float ever touches money.
 */
import type { CreditPolicy, OrderLine, Term } from '../commerce/types.js';

const DAY_MS = 86_400_000;

export interface LineCredit {
  lineNumber: number;
  policy: CreditPolicy;
  /** What the line cost (minor units). */
  lineTotalMinor: number;
  /** What the cancellation credits (minor units, ≤ lineTotalMinor). */
  amountMinor: number;
  /** Whole days of the term passed at `now` (0 for full and none). */
  usedDays: number;
  /** Days of the term (0 for a one-time purchase). */
  termDays: number;
}

/** The same instant `years` later in UTC (Feb 29 → Feb 28 in a common year). */
function addYears(at: Date, years: number): Date {
  const d = new Date(at.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  const lastOfMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastOfMonth));
  return d;
}

const TERM_YEARS: { readonly [T in Term]: number } = { one_time: 0, P1Y: 1, P3Y: 3 };

/** The days of a term bought at `purchasedAt`: 365 or 366 for P1Y, 1095 or 1096 for P3Y, 0 for one-time. */
export function termDays(term: Term, purchasedAt: Date): number {
  const years = TERM_YEARS[term];
  if (years === 0) return 0;
  return Math.round((addYears(purchasedAt, years).getTime() - purchasedAt.getTime()) / DAY_MS);
}

/** `total × part / whole`, rounded half up, in BigInt. */
function share(total: number, part: number, whole: number): number {
  const t = BigInt(total);
  const p = BigInt(part);
  const w = BigInt(whole);
  return Number((2n * t * p + w) / (2n * w));
}

export function lineCredit(line: Pick<OrderLine, 'lineNumber' | 'lineTotalMinor' | 'term' | 'cancellation'>, purchasedAt: Date, now: Date): LineCredit {
  const total = line.lineTotalMinor;
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`lineTotalMinor must be a non-negative safe integer, got ${total}`);
  const policy = line.cancellation.creditPolicy;
  const base = { lineNumber: line.lineNumber, policy, lineTotalMinor: total };
  const days = termDays(line.term, purchasedAt);
  // A one-time purchase has no term to prorate: its credit is the whole line.
  if (policy === 'full' || (policy === 'prorated' && days === 0)) return { ...base, amountMinor: total, usedDays: 0, termDays: days };
  if (policy === 'none') return { ...base, amountMinor: 0, usedDays: 0, termDays: days };
  const usedDays = Math.min(days, Math.max(0, Math.floor((now.getTime() - purchasedAt.getTime()) / DAY_MS)));
  return { ...base, amountMinor: share(total, days - usedDays, days), usedDays, termDays: days };
}

export interface PurchaseCredit {
  currency: string;
  totalMinor: number;
  lines: LineCredit[];
}

/** The credit for cancelling `lines` of a purchase at `now`. */
export function purchaseCredit(p: { currency: string; purchasedAt: Date; lines: ReadonlyArray<Pick<OrderLine, 'lineNumber' | 'lineTotalMinor' | 'term' | 'cancellation'>> }, now: Date): PurchaseCredit {
  const lines = p.lines.map((l) => lineCredit(l, p.purchasedAt, now));
  let total = 0n;
  for (const l of lines) total += BigInt(l.amountMinor);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('credit total too large');
  return { currency: p.currency, totalMinor: Number(total), lines };
}
