/**
 * Pure domain rules of commerce: no I/O, no clock (time comes in as `now`).
 */
import { CommerceError } from './errors.js';
import type { CustomerQuery, Market, Sku } from './types.js';

// ---------------------------------------------------------------------------------
// R1: what did the user type — a tenant GUID, a domain, or a company name?

const GUID = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;
const GUID_N = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;

/** An order id as the commerce backend makes them: 12 upper-case letters or digits. */
export function isOrderId(id: unknown): id is string {
  return typeof id === 'string' && /^[A-Z0-9]{12}$/.test(id);
}

/** A tenant GUID in canonical form (lower case, hyphenated), or null. Accepts `{…}` and the 32-digit form. */
export function parseGuid(text: string): string | null {
  const m = GUID.exec(text.trim()) ?? GUID_N.exec(text.trim());
  return m ? m.slice(1, 6).join('-').toLowerCase() : null;
}

/**
 * Something meant as a GUID that is not one: a single token of hex digits and hyphens
 * (braces allowed) with at least 16 hex digits, or five hyphen-separated groups of
 * letters/digits that are mostly hex (a mistyped letter). Company names have spaces,
 * dots or non-hex letters, so they do not qualify.
 */
function looksLikeGuidAttempt(text: string): boolean {
  const bare = text.replace(/^\{|\}$/g, '');
  if (/^[0-9a-f-]+$/i.test(bare)) return bare.replace(/-/g, '').length >= 16 && /[0-9]/.test(bare);
  const groups = bare.split('-');
  if (groups.length !== 5 || groups.some((g) => !/^[0-9a-z]+$/i.test(g))) return false;
  const chars = groups.join('');
  const hex = chars.replace(/[^0-9a-f]/gi, '').length;
  return chars.length >= 24 && hex / chars.length >= 0.85;
}

/** A DNS domain name such as contoso.onmicrosoft.com (case-insensitive). */
export function isDomainName(text: string): boolean {
  return DOMAIN.test(text);
}

/** Classify a customer search (R1). Whitespace is trimmed; a name keeps its case. */
export function classifyCustomerQuery(q: string): CustomerQuery {
  const text = q.trim().replace(/\s+/g, ' ');
  const guid = parseGuid(text);
  if (guid) return { type: 'guid', value: guid };
  if (!text.includes(' ') && looksLikeGuidAttempt(text)) return { type: 'invalidGuid', value: text };
  if (DOMAIN.test(text)) return { type: 'domain', value: text.toLowerCase() };
  return { type: 'name', value: text };
}

// ---------------------------------------------------------------------------------
// R4: prices exclude tax, except in Australia and Brazil (markets.tax_included, seeded from
// services/seed/markets.json).

export type TaxNote = 'incl' | 'excl';

export function taxNote(market: Pick<Market, 'taxIncluded'>): TaxNote {
  return market.taxIncluded ? 'incl' : 'excl';
}

// ---------------------------------------------------------------------------------
// R15: the cancellation window.

export interface CancellationWindow {
  /** The instant the window closes: the purchase time plus `windowDays` × 24 hours. */
  closesAt: Date;
  /** Days left to cancel, a part day counting as one: `windowDays` at the purchase, 1 in the last 24 hours, 0 once closed. */
  daysLeft: number;
  open: boolean;
}

const DAY_MS = 86_400_000;

/**
 * R15 "within 60 days of the purchase date": the window is `windowDays` × 24 hours from the
 * instant of purchase, and closes at that instant. With the default 60, a purchase of
 * Dec 2, 2026, 14:00 UTC can be cancelled until Jan 31, 2027, 14:00 UTC — on the 60th day
 * after the purchase date (until the time of day it was bought), never on the 61st.
 *
 * An instant rather than a calendar day: it is the same for every reader (no time zone), a
 * daylight-saving change inside the window changes nothing (it is counted in hours, not in
 * local days), and it never promises more than Partner Center's own check of the window.
 * Readers see it in UTC, with the time (cards/format.ts formatInstant). A clock slightly
 * behind the purchase time counts as the purchase time.
 */
export function cancellationWindow(args: { purchasedAt: Date; windowDays: number; now: Date }): CancellationWindow {
  const { purchasedAt, windowDays, now } = args;
  if (!Number.isInteger(windowDays) || windowDays < 0) throw new RangeError(`windowDays must be a non-negative integer, got ${windowDays}`);
  const closesAt = new Date(purchasedAt.getTime() + windowDays * DAY_MS);
  const leftMs = closesAt.getTime() - Math.max(now.getTime(), purchasedAt.getTime());
  const open = leftMs > 0;
  return { closesAt, daysLeft: open ? Math.ceil(leftMs / DAY_MS) : 0, open };
}

// ---------------------------------------------------------------------------------
// Money: integer minor units, never floats.

function assertMinor(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}

/** unit × quantity in minor units; refuses results beyond Number.MAX_SAFE_INTEGER. */
export function lineTotal(unitMinor: number, quantity: number): number {
  assertMinor(unitMinor, 'unit price');
  assertMinor(quantity, 'quantity');
  const total = BigInt(unitMinor) * BigInt(quantity);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CommerceError({ code: 'amount_overflow' }, `The amount is too large (${unitMinor} × ${quantity}).`);
  }
  return Number(total);
}

/** Sum of line totals in minor units, with the same overflow guard. */
export function sumMinor(amounts: readonly number[]): number {
  let total = 0n;
  for (const a of amounts) {
    assertMinor(a, 'amount');
    total += BigInt(a);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new CommerceError({ code: 'amount_overflow' }, 'The amount is too large.');
  return Number(total);
}

/** Digits of the currency's minor unit (EUR 2, JPY 0, BHD 3), from the runtime's ISO 4217 data. */
export function currencyMinorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** An ISO 4217 code the runtime knows. */
export function isKnownCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN_CURRENCIES.has(code);
}

// ---------------------------------------------------------------------------------
// R2: quantity limits per SKU.

export type QuantityRejection = 'not_a_number' | 'not_an_integer' | 'not_positive' | 'below_minimum' | 'above_maximum';

export type QuantityCheck =
  | { ok: true; quantity: number }
  | { ok: false; reason: QuantityRejection; min: number; max: number };

/**
 * Accepts a number or the text a user typed ("5", " 12 "). Rejects NaN/empty/words
 * (not_a_number), fractions (not_an_integer), 0 and negatives (not_positive), and
 * values outside the SKU's minimum/maximum.
 */
export function validateQuantity(sku: Pick<Sku, 'minQuantity' | 'maxQuantity'>, qty: unknown): QuantityCheck {
  const min = sku.minQuantity;
  const max = sku.maxQuantity;
  const reject = (reason: QuantityRejection): QuantityCheck => ({ ok: false, reason, min, max });
  let n: number;
  if (typeof qty === 'number') n = qty;
  else if (typeof qty === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(qty.trim())) n = Number(qty.trim());
  else return reject('not_a_number');
  if (Number.isNaN(n)) return reject('not_a_number');
  if (!Number.isInteger(n)) return reject(Number.isFinite(n) ? 'not_an_integer' : n > 0 ? 'above_maximum' : 'not_positive');
  if (n <= 0) return reject('not_positive');
  if (n < min) return reject('below_minimum');
  if (n > max) return reject('above_maximum');
  return { ok: true, quantity: n };
}
