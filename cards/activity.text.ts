/**
 * The activity log (R12, R13) as plain text, and the wording the Teams and Slack renderers
 * share: the range and its zone, the filters in force, what the retention cut off, the
 * summary line, each event (when, who, what, for which customer, product and order), the
 * buttons in their fixed order, the range and filter form, and the export link card.
 *
 * The text is also each card's fallbackText and a notification's preview. The export
 * link's text never holds the URL: it is a bearer link to the partner's log.
 */
import { act, type CardAction } from './actions.js';
import { shown } from './buy.text.js';
import { formatDate, formatInstant, formatInstantInZone, isIsoDay } from './format.js';
import { pluralCategory, t, type Locale, type MessageKey } from './i18n/index.js';
import {
  CARD_LIMITS,
  type ActivityExportLinkScreen, type ActivityFilterFormScreen, type ActivityFilterView, type ActivityKindView, type ActivityLogScreen,
  type ActivityRangeView, type ActivityRowView,
} from './screens.js';

/**
 * How much of an outside value a row shows: ten rows of unusually long values stay within
 * Teams' 28 KB (the rows are in the card and again in its fallbackText) and Slack's limits.
 * An IPv6 address is at most 45 characters; a user agent is shortened to its first 60.
 */
export const ACTIVITY_SHOWN = { user: 80, ip: 45, userAgent: 60, customer: 80, product: 100, orderId: 60, reason: 40, filter: 80, zone: 64, choice: 75 } as const;

/** No customer, user or kind filter: the value of the "All …" choices (Slack's options cannot have the value ''). */
export const ALL_CHOICE = 'all';

// --- the range, the filters, the retention -------------------------------------------------

/** "Nov 1, 2026 – Nov 30, 2026, times in Europe/Berlin"; one day: "Nov 30, 2026, times in Europe/Berlin". */
export function rangeText(range: ActivityRangeView, locale: Locale): string {
  const zone = shown(range.zone, ACTIVITY_SHOWN.zone);
  if (range.from === range.to) return t(locale, 'activity.rangeOneDay', { day: formatDate(range.from, locale), zone });
  return t(locale, 'activity.range', { from: formatDate(range.from, locale), to: formatDate(range.to, locale), zone });
}

export function hasFilter(filter: ActivityFilterView): boolean {
  return filter.customerName !== null || filter.userName !== null || filter.kind !== null;
}

/** "Key access only", "Downloads only", "Refusals only"; null: "All events". */
export function kindName(kind: ActivityKindView | null, locale: Locale): string {
  return t(locale, `activity.kind.${kind ?? 'all'}`);
}

/** "Filters: customer Contoso Ltd · user Ada Lovelace · Downloads only"; null when none is in force. */
export function filterText(filter: ActivityFilterView, locale: Locale): string | null {
  if (!hasFilter(filter)) return null;
  const parts: string[] = [];
  if (filter.customerName !== null) parts.push(t(locale, 'activity.filter.customer', { name: shown(filter.customerName, ACTIVITY_SHOWN.filter) }));
  if (filter.userName !== null) parts.push(t(locale, 'activity.filter.user', { name: shown(filter.userName, ACTIVITY_SHOWN.filter) }));
  if (filter.kind !== null) parts.push(kindName(filter.kind, locale));
  return t(locale, 'activity.filters', { filters: parts.join(' · ') });
}

/** The range reached back past the retention: "The log keeps events for 6 months. Events before … are no longer kept, so the list starts there." */
export function clippedText(range: ActivityRangeView, locale: Locale): string | null {
  if (!range.clipped) return null;
  // The log keeps at least 3 months (services/config.ts): always "months".
  return t(locale, 'activity.clipped', { retentionMonths: range.clipped.retentionMonths, earliest: formatDate(range.clipped.earliest, locale) });
}

// --- the summary line ------------------------------------------------------------------

type Counted = 'keyViews' | 'linksIssued' | 'downloads' | 'refusals' | 'exports' | 'users' | 'clients';

/** "1 key view" / "3 key views", "1 Schlüsselabruf" / "3 Schlüsselabrufe". */
function counted(what: Counted, count: number, locale: Locale): string {
  return pluralCategory(locale, count) === 'one' ? t(locale, `activity.count.${what}.one`) : t(locale, `activity.count.${what}.other`, { count });
}

/** "12 key views · 3 links issued · 5 downloads · 1 refusal · 4 users and 2 download clients". */
export function summaryText(summary: ActivityLogScreen['summary'], locale: Locale): string {
  const users = counted('users', summary.users, locale);
  const people = summary.clients > 0 ? t(locale, 'activity.summary.withClients', { users, clients: counted('clients', summary.clients, locale) }) : users;
  return [
    counted('keyViews', summary.keyViews, locale),
    counted('linksIssued', summary.linksIssued, locale),
    counted('downloads', summary.downloads, locale),
    counted('refusals', summary.refusals, locale),
    ...(summary.exports > 0 ? [counted('exports', summary.exports, locale)] : []),
    people,
  ].join(' · ');
}

// --- the events ------------------------------------------------------------------------

export function shownEntries(screen: ActivityLogScreen): ActivityRowView[] {
  return screen.entries.slice(0, CARD_LIMITS.activityEntries);
}

/** Anything but 'ok' is a refusal: the key was not shown, the link not issued, the file not sent. */
export function isRefusal(row: ActivityRowView): boolean {
  return row.outcome !== 'ok';
}

/** When, in the screen's zone, to the second: "Nov 30, 2026, 11:30:00 PM" / "30.11.2026, 23:30:00". */
export function entryWhen(row: ActivityRowView, zone: string, locale: Locale): string {
  return formatInstantInZone(row.at, zone, locale);
}

const REASONS: Readonly<Record<string, MessageKey>> = {
  expired: 'activity.reason.expired',
  used_up: 'activity.reason.used_up',
  revoked: 'activity.reason.revoked',
  unknown: 'activity.reason.unknown',
  forbidden: 'activity.reason.forbidden',
  not_available: 'activity.reason.not_available',
  undelivered: 'activity.reason.undelivered',
};

/** Why it was refused, in words; a reason without words of its own is named by its code. */
export function reasonText(outcome: string, locale: Locale): string {
  const key = Object.hasOwn(REASONS, outcome) ? REASONS[outcome] : undefined;
  return key ? t(locale, key) : t(locale, 'activity.reason.other', { code: shown(outcome, ACTIVITY_SHOWN.reason) || '?' });
}

/** What happened: "Key viewed", "Download link issued", "Downloaded", "Link expired", "Link revoked"; or "Refused (key access): the link had expired". */
export function entryWhat(row: ActivityRowView, locale: Locale): string {
  if (isRefusal(row)) return t(locale, 'activity.refused', { what: t(locale, `activity.attempt.${row.event}`), reason: reasonText(row.outcome, locale) });
  return t(locale, `activity.event.${row.event}`);
}

/** Who: the chat user; for a download the client's address and user agent (shortened); "—" when the event names nobody. */
export function entryWho(row: ActivityRowView): string {
  const parts = [
    row.userName ? shown(row.userName, ACTIVITY_SHOWN.user) : '',
    row.ip ? shown(row.ip, ACTIVITY_SHOWN.ip) : '',
    row.userAgent ? shown(row.userAgent, ACTIVITY_SHOWN.userAgent) : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/** "Contoso Ltd · Windows Server 2022 · Order ORD-1"; null when the event names none of them. */
export function entryDetails(row: ActivityRowView, locale: Locale): string | null {
  const parts = [
    row.customerName ? shown(row.customerName, ACTIVITY_SHOWN.customer) : '',
    row.productTitle ? shown(row.productTitle, ACTIVITY_SHOWN.product) : '',
    row.orderId ? t(locale, 'activity.order', { orderId: shown(row.orderId, ACTIVITY_SHOWN.orderId) }) : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(' · ') : null;
}

/** "Page 2", from the second page on. */
export function pageText(screen: ActivityLogScreen, locale: Locale): string | null {
  return screen.page > 1 ? t(locale, 'activity.page', { page: screen.page }) : null;
}

// --- the buttons -------------------------------------------------------------------------

export interface ActivityButton {
  label: string;
  data: CardAction;
  /** The Slack action_id's suffix. */
  suffix: string;
  primary?: boolean;
}

/**
 * The log's buttons, always in this order: Next page (only when there is one), Change dates or
 * filters, Clear filters (only when a filter is in force), Export CSV (only when the page lists events).
 */
export function activityButtons(screen: ActivityLogScreen, locale: Locale): ActivityButton[] {
  const buttons: ActivityButton[] = [];
  if (screen.nextCursor !== null) buttons.push({ label: t(locale, 'activity.next'), data: act.activityNext(screen.nextCursor), suffix: 'next', primary: true });
  buttons.push({ label: t(locale, 'activity.changeFilters'), data: act.activityFilters(), suffix: 'filters' });
  if (hasFilter(screen.filter)) buttons.push({ label: t(locale, 'activity.clearFilters'), data: act.activityClear(), suffix: 'clear' });
  // An empty range has nothing to export.
  if (screen.entries.length > 0) buttons.push({ label: t(locale, 'activity.exportCsv'), data: act.activityExport(), suffix: 'export' });
  return buttons;
}

// --- the log as text ---------------------------------------------------------------------

/** The lines above the events: title, range, filters, what the retention cut off, the summary. */
export function activityHeadLines(screen: ActivityLogScreen, locale: Locale): { range: string; filters: string | null; clipped: string | null; summary: string } {
  return { range: rangeText(screen.range, locale), filters: filterText(screen.filter, locale), clipped: clippedText(screen.range, locale), summary: summaryText(screen.summary, locale) };
}

export function activityLogText(screen: ActivityLogScreen, locale: Locale): string {
  const head = activityHeadLines(screen, locale);
  const lines = [t(locale, 'activity.title'), head.range];
  if (head.filters) lines.push(head.filters);
  if (head.clipped) lines.push(`⚠ ${head.clipped}`);
  lines.push(head.summary);
  const entries = shownEntries(screen);
  if (entries.length === 0) lines.push(t(locale, 'activity.none'), t(locale, 'activity.noneHint'));
  for (const row of entries) {
    const details = entryDetails(row, locale);
    lines.push(`• ${entryWhen(row, screen.range.zone, locale)} · ${entryWhat(row, locale)} · ${entryWho(row)}${details ? ` · ${details}` : ''}`);
  }
  const page = pageText(screen, locale);
  if (page) lines.push(page);
  return lines.join('\n');
}

// --- the range and filter form ------------------------------------------------------------

export interface ActivityChoice {
  title: string;
  value: string;
}

/** A choice's value must fit Slack's options (1–150 characters) and must not read as "all". */
function usableValue(value: string): boolean {
  return value.length > 0 && value.length <= 150 && value !== ALL_CHOICE;
}

const KINDS: readonly ActivityKindView[] = ['keys', 'downloads', 'refusals'];

/** All events, Key access, Downloads, Refusals; "all" is no kind filter. */
export function kindChoices(locale: Locale): ActivityChoice[] {
  return [{ title: kindName(null, locale), value: ALL_CHOICE }, ...KINDS.map((k) => ({ title: kindName(k, locale), value: k }))];
}

export function selectedKind(form: ActivityFilterFormScreen): string {
  return form.selected.kind ?? ALL_CHOICE;
}

/**
 * All customers, then the customers of the range (at most CARD_LIMITS.activityChoices). The
 * customer filtered by stays offered even when the range no longer names it (by its id), so
 * that Apply does not drop it unasked.
 */
export function customerChoices(form: ActivityFilterFormScreen, locale: Locale): ActivityChoice[] {
  const choices = form.customers
    .filter((c) => usableValue(c.id))
    .slice(0, CARD_LIMITS.activityChoices)
    .map((c) => ({ title: shown(c.name, ACTIVITY_SHOWN.choice) || c.id, value: c.id }));
  const selected = form.selected.customerId;
  if (selected !== null && usableValue(selected) && !choices.some((c) => c.value === selected)) choices.unshift({ title: shown(selected, ACTIVITY_SHOWN.choice), value: selected });
  return [{ title: t(locale, 'activity.form.allCustomers'), value: ALL_CHOICE }, ...choices];
}

export function selectedCustomer(form: ActivityFilterFormScreen): string {
  const id = form.selected.customerId;
  return id !== null && usableValue(id) ? id : ALL_CHOICE;
}

/** All users, then the users of the range (the value is the user's id as a string); the user filtered by stays offered. */
export function userChoices(form: ActivityFilterFormScreen, locale: Locale): ActivityChoice[] {
  const choices = form.users.slice(0, CARD_LIMITS.activityChoices).map((u) => ({ title: shown(u.name, ACTIVITY_SHOWN.choice) || String(u.id), value: String(u.id) }));
  const selected = form.selected.userId;
  if (selected !== null && !choices.some((c) => c.value === String(selected))) choices.unshift({ title: t(locale, 'activity.form.unknownUser', { id: String(selected) }), value: String(selected) });
  return [{ title: t(locale, 'activity.form.allUsers'), value: ALL_CHOICE }, ...choices];
}

export function selectedUser(form: ActivityFilterFormScreen): string {
  return form.selected.userId !== null ? String(form.selected.userId) : ALL_CHOICE;
}

/** A day a picker may be given (prefill, min, max): only `YYYY-MM-DD`; anything else is left out. */
export function pickerDay(day: string): string | undefined {
  return isIsoDay(day) ? day : undefined;
}

const PROBLEMS: { readonly [P in NonNullable<ActivityFilterFormScreen['problem']>]: MessageKey } = {
  notADate: 'activity.form.notADate',
  wrongWayRound: 'activity.range.wrongWayRound',
  future: 'activity.range.future',
  // The form does not carry the longest range: said without the number.
  tooLong: 'activity.form.tooLong',
};

/** Why the last Apply was not taken; null when it was (or none was made). */
export function problemText(form: ActivityFilterFormScreen, locale: Locale): string | null {
  return form.problem ? t(locale, PROBLEMS[form.problem]) : null;
}

/** "Days are read in Europe/Berlin." */
export function zoneNote(form: ActivityFilterFormScreen, locale: Locale): string {
  return t(locale, 'activity.form.zone', { zone: shown(form.zone, ACTIVITY_SHOWN.zone) });
}

/** "The log goes back to May 30, 2026." (Slack's date picker cannot be bounded: it is said instead.) */
export function earliestNote(form: ActivityFilterFormScreen, locale: Locale): string {
  return t(locale, 'activity.form.earliest', { date: formatDate(form.minDate, locale) });
}

function choiceTitle(choices: readonly ActivityChoice[], value: string): string {
  return choices.find((c) => c.value === value)?.title ?? value;
}

export function activityFilterFormText(form: ActivityFilterFormScreen, locale: Locale): string {
  const lines = [t(locale, 'activity.form.title')];
  const problem = problemText(form, locale);
  if (problem) lines.push(`⚠ ${problem}`);
  lines.push(
    `${t(locale, 'activity.form.from')}: ${formatDate(form.from, locale)}`,
    `${t(locale, 'activity.form.to')}: ${formatDate(form.to, locale)}`,
    `${t(locale, 'activity.form.kind')}: ${choiceTitle(kindChoices(locale), selectedKind(form))}`,
    `${t(locale, 'activity.form.customer')}: ${choiceTitle(customerChoices(form, locale), selectedCustomer(form))}`,
    `${t(locale, 'activity.form.user')}: ${choiceTitle(userChoices(form, locale), selectedUser(form))}`,
    zoneNote(form, locale),
  );
  return lines.join('\n');
}

// --- the export link ---------------------------------------------------------------------

/** "Your export of the activity log: Nov 1, 2026 – Nov 30, 2026, times in Europe/Berlin." */
export function exportBody(screen: ActivityExportLinkScreen, locale: Locale): string {
  return t(locale, 'activity.export.body', { range: rangeText(screen.range, locale) });
}

/** Until when, for whom, and that each download is recorded. */
export function exportValidity(screen: ActivityExportLinkScreen, locale: Locale): string {
  return t(locale, 'activity.export.validity', { date: formatInstant(screen.expiresAt, locale) });
}

/** The export link card as text: the same sentences, never the URL (a bearer link). */
export function activityExportLinkText(screen: ActivityExportLinkScreen, locale: Locale): string {
  const lines = [t(locale, 'activity.export.title'), exportBody(screen, locale)];
  const filters = filterText(screen.filter, locale);
  if (filters) lines.push(filters);
  lines.push(exportValidity(screen, locale));
  return lines.join('\n');
}
