/**
 * Keys and downloads (R8–R12, R19) as plain text, and the wording both card renderers
 * share. The text version is also the notification summary (Teams' `summary`, Slack's
 * `text`), so the keys screen's text never holds the activation key or the download link:
 * a phone's lock screen is not the requesting agent's private view (R11).
 */
import { customerName, shown, SHOWN, statusName } from './buy.text.js';
import { formatDate, formatInstant, languageName } from './format.js';
import { t, type Locale } from './i18n/index.js';
import {
  CARD_LIMITS,
  type SoftwareChoicesScreen, type SoftwareKeysScreen, type SoftwareListScreen, type SoftwareRow, type SoftwareVariantView,
} from './screens.js';

/** How much of a catalog value (version, language, file type) a card shows. */
export const SHOWN_CHOICE = 100;

// --- list -------------------------------------------------------------------------------

export function shownSoftware(screen: SoftwareListScreen): SoftwareRow[] {
  return screen.items.slice(0, CARD_LIMITS.software);
}

export function moreSoftware(screen: SoftwareListScreen): boolean {
  return screen.items.length > CARD_LIMITS.software;
}

export function softwareTitle(screen: { customer: SoftwareListScreen['customer'] }, locale: Locale): string {
  return t(locale, 'software.title', { name: customerName(screen.customer) });
}

/** "Order 4711 · quantity 5 · Mar 5, 2025" */
export function softwareLine(item: SoftwareRow, locale: Locale): string {
  return t(locale, 'orders.line', { orderId: shown(item.orderId, SHOWN.id), quantity: item.quantity, date: formatDate(item.purchaseDate, locale) });
}

/** "4711 · quantity 5 · bought on Mar 5, 2025": an order line's value beside the label "Order". */
export function orderFact(item: SoftwareRow, locale: Locale): string {
  return t(locale, 'software.orderFact', { orderId: shown(item.orderId, SHOWN.id), quantity: item.quantity, date: formatDate(item.purchaseDate, locale) });
}

/** "Completed", or R19: "Cancelled · Key not available". */
export function softwareStatusLine(item: SoftwareRow, locale: Locale): string {
  const status = statusName(locale, item.status);
  return item.keyAvailable ? status : `${status} · ${t(locale, 'software.keyNotAvailableShort')}`;
}

export function softwareEmptyText(screen: SoftwareListScreen, locale: Locale): string {
  return t(locale, 'software.empty', { customer: customerName(screen.customer) });
}

export function softwareListText(screen: SoftwareListScreen, locale: Locale): string {
  const items = shownSoftware(screen);
  const lines = [softwareTitle(screen, locale), items.length === 0 ? softwareEmptyText(screen, locale) : t(locale, softwareIntroKey(items))];
  for (const item of items) {
    lines.push(`• ${shown(item.title, SHOWN.title)}: ${softwareLine(item, locale)}; ${softwareStatusLine(item, locale)}`);
  }
  if (moreSoftware(screen)) lines.push(t(locale, 'software.more', { count: items.length }));
  return lines.join('\n');
}

// --- choices (R9) -------------------------------------------------------------------------

/** "Windows Server 2025 · German (Germany) · ISO" */
export function variantText(variant: SoftwareVariantView, locale: Locale): string {
  return [variant.version, languageName(variant.language, locale), variant.fileType].map((v) => shown(v, SHOWN_CHOICE)).join(' · ');
}

/** The values a picker offers (at most CARD_LIMITS.softwareChoices). */
export function pickerValues(values: readonly string[]): string[] {
  return values.slice(0, CARD_LIMITS.softwareChoices);
}

/** What the pickers start with: `selected` where the product has those values, else the first of each list. */
export function initialChoice(screen: SoftwareChoicesScreen): Partial<SoftwareVariantView> {
  const pick = (values: readonly string[], wanted: string | undefined): string | undefined =>
    wanted !== undefined && pickerValues(values).includes(wanted) ? wanted : values[0];
  const version = pick(screen.versions, screen.selected?.version);
  const language = pick(screen.languages, screen.selected?.language);
  const fileType = pick(screen.fileTypes, screen.selected?.fileType);
  return { ...(version !== undefined ? { version } : {}), ...(language !== undefined ? { language } : {}), ...(fileType !== undefined ? { fileType } : {}) };
}

/** The combinations a card lists or offers as buttons (at most CARD_LIMITS.softwareVariants). */
export function shownVariants(screen: SoftwareChoicesScreen): SoftwareChoicesScreen['variants'] {
  return screen.variants.slice(0, CARD_LIMITS.softwareVariants);
}

export function moreVariants(screen: SoftwareChoicesScreen): boolean {
  return screen.variants.length > CARD_LIMITS.softwareVariants;
}

/** Not every version comes in every language and file type: the card lists what exists. */
export function someCombinationsMissing(screen: SoftwareChoicesScreen): boolean {
  return screen.variants.length < screen.versions.length * screen.languages.length * screen.fileTypes.length;
}

/** Whether there is anything to pick at all. */
export function hasChoices(screen: SoftwareChoicesScreen): boolean {
  return screen.variants.length > 0 && screen.versions.length > 0 && screen.languages.length > 0 && screen.fileTypes.length > 0;
}

export function missingText(screen: SoftwareChoicesScreen, locale: Locale): string | null {
  return screen.missing ? t(locale, 'software.choices.missing', { variant: variantText(screen.missing, locale) }) : null;
}

/** "Contoso Ltd · Order 4711 · quantity 5 · Mar 5, 2025" */
export function itemContext(screen: SoftwareChoicesScreen | SoftwareKeysScreen, locale: Locale): string {
  return `${customerName(screen.customer)} · ${softwareLine(screen.item, locale)}`;
}

export function softwareChoicesText(screen: SoftwareChoicesScreen, locale: Locale): string {
  const lines = [shown(screen.item.title, SHOWN.title), itemContext(screen, locale)];
  const missing = missingText(screen, locale);
  if (missing) lines.push(missing);
  if (!hasChoices(screen)) {
    lines.push(t(locale, 'software.choices.none'));
    return lines.join('\n');
  }
  lines.push(t(locale, 'software.choices.introSlack'));
  for (const v of shownVariants(screen)) lines.push(`• ${variantText(v, locale)}`);
  if (moreVariants(screen)) lines.push(t(locale, 'software.choices.moreVariants', { count: CARD_LIMITS.softwareVariants }));
  return lines.join('\n');
}

// --- keys (R9–R11) ---------------------------------------------------------------------------

export function expiryText(screen: SoftwareKeysScreen, locale: Locale): string {
  return t(locale, 'software.keys.expiry', { date: formatInstant(screen.expiresAt, locale), downloads: screen.maxDownloads });
}

export function againText(screen: SoftwareKeysScreen, locale: Locale): string {
  return t(locale, 'software.keys.again', { downloads: screen.maxDownloads });
}

/** Label/value pairs of the keys screen (no secret among them). */
export function keysFacts(screen: SoftwareKeysScreen, locale: Locale): Array<[string, string]> {
  return [
    [t(locale, 'buy.label.customer'), customerName(screen.customer)],
    [t(locale, 'software.label.order'), orderFact(screen.item, locale)],
    [t(locale, 'software.label.version'), shown(screen.variant.version, SHOWN_CHOICE)],
    [t(locale, 'software.label.language'), shown(languageName(screen.variant.language, locale), SHOWN_CHOICE)],
    [t(locale, 'software.label.fileType'), shown(screen.variant.fileType, SHOWN_CHOICE)],
  ];
}

/** Deliberately without the key and the link: see the header comment. */
export function softwareKeysText(screen: SoftwareKeysScreen, locale: Locale): string {
  const lines = [t(locale, 'software.keys.title'), shown(screen.item.title, SHOWN.title)];
  if (screen.simulated) lines.push(t(locale, 'software.keys.simulated'));
  lines.push(t(locale, 'software.keys.summary', { title: shown(screen.item.title, SHOWN.title) }));
  for (const [label, value] of keysFacts(screen, locale)) lines.push(`${label}: ${value}`);
  lines.push(expiryText(screen, locale), t(locale, 'software.keys.private'));
  return lines.join('\n');
}

/** The list's hint: how to get a key, or — when no purchase listed has one (all cancelled) — that none is available. */
export function softwareIntroKey(items: readonly { keyAvailable: boolean }[]): 'software.intro' | 'software.introNoneAvailable' {
  return items.some((i) => i.keyAvailable) ? 'software.intro' : 'software.introNoneAvailable';
}
