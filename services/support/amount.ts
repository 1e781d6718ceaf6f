/**
 * Money as a user types it in a form, in their locale: "1.234,56" in German, "1,234.56" in
 * English, "1234.56" or "1234,56" in either — read into integer minor units of the order's
 * currency (R21: the amount requested). The separators are the locale's own, as
 * Intl.NumberFormat gives them, and a space groups in every locale; a grouping separator is
 * accepted only between groups of three.
 */
import { currencyMinorDigits } from '../commerce/rules.js';

export type AmountProblem = 'required' | 'notANumber' | 'negative' | 'tooPrecise';

function separators(locale: string): { group: string; decimal: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(1234567.891);
  return {
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
  };
}

/** Spaces a locale may group with (de-CH and fr use narrow and plain no-break spaces). */
const SPACES = /[\s\u00a0\u202f]/g;

/** `text` as minor units of `currency` in `locale`, or why not. */
export function parseAmount(text: string, currency: string, locale: string): { ok: true; minor: number } | { ok: false; problem: AmountProblem } {
  let s = text.trim().replace(new RegExp(`^${escape(currency)}\\s*|\\s*${escape(currency)}$`, 'i'), '').replace(/^[€$£¥]\s*|\s*[€$£¥]$/, '').trim();
  if (s === '') return { ok: false, problem: 'required' };
  const negative = /^[-−]/.test(s);
  if (negative) s = s.slice(1).trim();
  const { group, decimal } = separators(locale);
  const groupChars = /^[\s\u00a0\u202f]$/.test(group) ? ' ' : group;
  s = s.replace(SPACES, ' ');
  // The decimal separator is the locale's. The other mark, once and not followed by exactly
  // three digits ("1234.56" typed in German), is read as a decimal separator too; followed by
  // three ("1.234" in German, "1,234" in English) it groups.
  const other = decimal === ',' ? '.' : ',';
  let intPart = s;
  let fraction = '';
  const at = s.lastIndexOf(decimal);
  const otherParts = s.split(other);
  if (at >= 0) {
    intPart = s.slice(0, at);
    fraction = s.slice(at + 1);
  } else if (otherParts.length === 2 && !/^\d{3}$/.test(otherParts[1] ?? '')) {
    [intPart, fraction] = otherParts as [string, string];
  }
  if (!/^\d*$/.test(fraction)) return { ok: false, problem: 'notANumber' };
  const grouped = new RegExp(`^\\d{1,3}(${escape(groupChars)}\\d{3})+$`);
  let digits: string;
  if (/^\d+$/.test(intPart)) digits = intPart;
  else if (grouped.test(intPart)) digits = intPart.split(groupChars).join('');
  // A space groups in every locale (DIN 5008 writes "1 234,56"; so do French and Swiss users).
  else if (/^\d{1,3}( \d{3})+$/.test(intPart)) digits = intPart.split(' ').join('');
  else if (intPart === '' && fraction !== '') digits = '0';
  else return { ok: false, problem: 'notANumber' };
  if (negative) return { ok: false, problem: 'negative' };
  const places = currencyMinorDigits(currency);
  if (fraction.length > places && !/^0*$/.test(fraction.slice(places))) return { ok: false, problem: 'tooPrecise' };
  const minorText = digits + fraction.slice(0, places).padEnd(places, '0');
  const minor = Number(minorText.replace(/^0+(?=\d)/, ''));
  if (!Number.isSafeInteger(minor) || digits.length > 15) return { ok: false, problem: 'notANumber' };
  return { ok: true, minor };
}

/** Minor units as a user of `locale` would type them into the amount box: "3420,00" (de), "3420.00" (en); no grouping, no symbol. */
export function amountInput(minor: number, currency: string, locale: string): string {
  const places = currencyMinorDigits(currency);
  const units = String(Math.abs(Math.trunc(minor))).padStart(places + 1, '0');
  const decimal = places === 0 ? units : `${units.slice(0, -places)}.${units.slice(-places)}`;
  // Intl formats a decimal string exactly (no float on the way).
  return new Intl.NumberFormat(locale, { minimumFractionDigits: places, maximumFractionDigits: places, useGrouping: false }).format(decimal as Intl.StringNumericLiteral);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
