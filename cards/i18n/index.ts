/**
 * Message catalogs and the tiny formatter the renderers use. Pure: no I/O, no globals.
 */
import type { Role } from '../../services/access/roles.js';
import { de } from './de.js';
import { en, type MessageKey } from './en.js';

export type { MessageKey };

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];

export type MessageParams = Record<string, string | number>;

const CATALOGS: { readonly [L in Locale]: { readonly [K in MessageKey]: string } } = { en, de };

/** `de`, `de-DE`, `DE_at` → `de`; anything else, or nothing → `en`. */
export function resolveLocale(raw: string | undefined | null): Locale {
  const language = (raw ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return language === 'de' ? 'de' : 'en';
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** Every key of the reference (English) catalog. */
export function messageKeys(): MessageKey[] {
  return Object.keys(en) as MessageKey[];
}

/** The raw catalog text of a key, placeholders unreplaced (for tests and tooling). */
export function template(locale: Locale, key: MessageKey): string {
  return CATALOGS[locale][key];
}

/**
 * The text of `key` in `locale` with `{name}` placeholders replaced. Numbers are
 * formatted for the locale (4000 → "4,000" / "4.000"). A placeholder without a value
 * stays visible as `{name}` rather than silently vanishing.
 */
export function t(locale: Locale, key: MessageKey, params?: MessageParams): string {
  const text = CATALOGS[locale][key];
  if (!params) return text;
  return text.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined) return whole;
    return typeof value === 'number' ? (NUMBER_FORMATS[locale] ??= new Intl.NumberFormat(locale)).format(value) : value;
  });
}

// Intl objects are costly to build (tens of µs each, several per card): one per locale, kept.
const NUMBER_FORMATS: { [L in Locale]?: Intl.NumberFormat } = {};
const DISJUNCTIONS: { [L in Locale]?: Intl.ListFormat } = {};
const PLURAL_RULES: { [L in Locale]?: Intl.PluralRules } = {};

/** The CLDR plural category of `n` in `locale` ("one", "other"). */
export function pluralCategory(locale: Locale, n: number): Intl.LDMLPluralRule {
  return (PLURAL_RULES[locale] ??= new Intl.PluralRules(locale)).select(n);
}

/** Like `t`, for keys that arrive as plain strings (e.g. the command registry's descriptionKey). */
export function tKey(locale: Locale, key: string, params?: MessageParams): string {
  return isMessageKey(key) ? t(locale, key, params) : key;
}

export function roleName(locale: Locale, role: Role): string {
  return t(locale, `role.${role}`);
}

/** "Admin agent or Global admin" / "Administrator-Agent oder Globaler Administrator". */
export function roleAlternatives(locale: Locale, roles: readonly Role[]): string {
  return (DISJUNCTIONS[locale] ??= new Intl.ListFormat(locale, { type: 'disjunction' })).format(roles.map((r) => roleName(locale, r)));
}

/** "Admin agent, Global admin" — for listing the roles someone holds. */
export function roleList(locale: Locale, roles: readonly Role[]): string {
  return roles.map((r) => roleName(locale, r)).join(', ');
}
