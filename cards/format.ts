/**
 * Display formatting of money, calendar days and countries for the cards. Pure.
 *
 * Money arrives as integer minor units plus an ISO 4217 code and is never turned into a
 * float: the minor units are written out as a decimal string ("1234567" EUR → "12345.67")
 * and handed to Intl.NumberFormat as that string, which formats decimal strings exactly.
 * The minor-unit digits come from the runtime's currency data, as in
 * services/commerce/rules.ts `currencyMinorDigits` (EUR 2, JPY 0, BHD 3), so what the
 * service computed in minor units is what the card shows.
 */
import type { Locale } from './i18n/index.js';

/** The formatting locale of a catalog locale: US English, German as in Germany. */
const FORMAT_LOCALE: { readonly [L in Locale]: string } = { en: 'en-US', de: 'de-DE' };

// Intl formatters are costly to build: each is made once per locale (and currency) and kept.
const moneyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

function moneyFormat(currency: string, locale: Locale): { format: Intl.NumberFormat; digits: number } {
  const key = `${locale}|${currency}`;
  let entry = moneyFormats.get(key);
  if (!entry) {
    const format = new Intl.NumberFormat(FORMAT_LOCALE[locale], { style: 'currency', currency });
    entry = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    moneyFormats.set(key, entry);
  }
  return entry;
}

/** Digits of the currency's minor unit (EUR 2, JPY 0, BHD 3). */
export function minorDigits(currency: string): number {
  return moneyFormat(currency, 'en').digits;
}

/** Integer minor units as an exact decimal string: (1234567, 2) → "12345.67", (-5, 2) → "-0.05", (1234, 0) → "1234". */
export function minorToDecimal(minor: number, digits: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount must be a safe integer of minor units, got ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const units = String(Math.abs(minor));
  if (digits === 0) return `${sign}${units}`;
  const padded = units.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/**
 * `formatMoney(1234567, 'EUR', 'de')` → "12.345,67 €" (no-break space before €);
 * `formatMoney(1234567, 'EUR', 'en')` → "€12,345.67"; JPY 1234 → "¥1,234".
 * An unknown currency code makes Intl throw a RangeError: money with a bad code is a bug
 * upstream, not something to show.
 */
export function formatMoney(minor: number, currency: string, locale: Locale): string {
  const { format, digits } = moneyFormat(currency, locale);
  // Intl formats a decimal string exactly (ECMA-402 "Intl.NumberFormat v3", Node ≥ 19).
  return format.format(minorToDecimal(minor, digits) as Intl.StringNumericLiteral);
}

const dateFormats: { [L in Locale]?: Intl.DateTimeFormat } = {};

/**
 * A calendar day (`YYYY-MM-DD`, or an ISO timestamp whose UTC day is meant) for the
 * reader: "Mar 5, 2025" / "05.03.2025". Anything unreadable is shown as given rather
 * than failing the whole card.
 */
export function formatDate(isoDate: string, locale: Locale): string {
  const day = /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(isoDate)?.[1];
  const date = day ? new Date(`${day}T00:00:00Z`) : null;
  if (!date || Number.isNaN(date.getTime())) return isoDate;
  const format = (dateFormats[locale] ??= new Intl.DateTimeFormat(FORMAT_LOCALE[locale], { dateStyle: 'medium', timeZone: 'UTC' }));
  return format.format(date);
}

/** `YYYY-MM-DD` naming a day that exists (not 2026-02-30): what the date pickers take and send. */
export function isIsoDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

const instantFormats: { [L in Locale]?: Intl.DateTimeFormat } = {};

/**
 * An instant for the reader, in UTC and saying so: "Mar 19, 2025, 2:03 PM UTC" /
 * "19.03.2025, 14:03 UTC". The bot does not know the reader's time zone, and a link that
 * stops working "on Mar 19" at 00:30 local time would surprise. Unreadable: shown as given.
 */
export function formatInstant(iso: string, locale: Locale): string {
  const date = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(date.getTime())) return iso;
  const format = (instantFormats[locale] ??= new Intl.DateTimeFormat(FORMAT_LOCALE[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }));
  return `${format.format(date)} UTC`;
}

/** Formats per locale and IANA zone; a zone Intl does not know is kept as UTC's format. */
const zonedFormats = new Map<string, Intl.DateTimeFormat>();

function zonedFormat(zone: string, locale: Locale): Intl.DateTimeFormat {
  const key = `${locale}|${zone}`;
  let format = zonedFormats.get(key);
  if (!format) {
    // Seconds: an audit trail's events are often seconds apart (a key viewed, its link issued, downloaded).
    const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'medium' };
    try {
      format = new Intl.DateTimeFormat(FORMAT_LOCALE[locale], { ...options, timeZone: zone });
    } catch {
      format = new Intl.DateTimeFormat(FORMAT_LOCALE[locale], { ...options, timeZone: 'UTC' });
    }
    // Only names of a zone's shape are kept, so odd input cannot grow the map.
    if (/^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) zonedFormats.set(key, format);
  }
  return format;
}

/**
 * An instant as the clock showed it in `zone` (an IANA name; one Intl does not know is read
 * as UTC), without naming the zone — the screen says it once: "Nov 30, 2026, 11:30:00 PM" /
 * "30.11.2026, 23:30:00" for 2026-11-30T22:30:00Z in Europe/Berlin. Unreadable: shown as given.
 */
export function formatInstantInZone(iso: string, zone: string, locale: Locale): string {
  const date = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(date.getTime())) return iso;
  return zonedFormat(zone, locale).format(date);
}

/** "DE" → "Germany" / "Deutschland"; an unknown code is shown as it is. */
const regionNames: { [L in Locale]?: Intl.DisplayNames } = {};
/** DisplayNames#of is slow (tens of µs): names once looked up are kept (a few hundred at most). */
const countryNames = new Map<string, string>();

export function countryName(countryCode: string, locale: Locale): string {
  const key = `${locale}|${countryCode}`;
  let name = countryNames.get(key);
  if (name === undefined) {
    try {
      const names = (regionNames[locale] ??= new Intl.DisplayNames([FORMAT_LOCALE[locale]], { type: 'region', fallback: 'code' }));
      name = names.of(countryCode.toUpperCase()) ?? countryCode;
    } catch {
      name = countryCode;
    }
    // Only codes of the right shape are kept, so odd input cannot grow the map.
    if (/^[A-Za-z]{2}$/.test(countryCode)) countryNames.set(key, name);
  }
  return name;
}

/**
 * "de-DE" → "German (Germany)" / "Deutsch (Deutschland)", and so for every tag ("en-US" →
 * "English (United States)", not the dialect name "American English"); anything else is shown as it is.
 */
const languageNames: { [L in Locale]?: Intl.DisplayNames } = {};

export function languageName(tag: string, locale: Locale): string {
  // Only a BCP 47 tag as the catalog stores them ("de-DE"); a name ("German") stays as it is.
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag)) return tag;
  try {
    const names = (languageNames[locale] ??= new Intl.DisplayNames([FORMAT_LOCALE[locale]], { type: 'language', fallback: 'code', languageDisplay: 'standard' }));
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** A count for the reader: 1000 → "1,000" / "1.000". */
const numberFormats: { [L in Locale]?: Intl.NumberFormat } = {};

export function formatNumber(value: number, locale: Locale): string {
  return (numberFormats[locale] ??= new Intl.NumberFormat(FORMAT_LOCALE[locale])).format(value);
}
