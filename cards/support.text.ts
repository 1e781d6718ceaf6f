/**
 * Support requests (R20, R21) as plain text, and the wording the Teams and Slack renderers
 * share: the orders `support` suggests, the facts of the order, the form's fields (labels,
 * hints, limits and the error beside each), the files, the review, the answer to Submit, the
 * list and the two notifications. The text is also each card's fallbackText and a
 * notification's preview: facts only, the request's own long texts cut short.
 */
import type { Channel } from '../services/access/roles.js';
import { SLACK_LIMITS } from './blockkit.js';
import { shown, SHOWN } from './buy.text.js';
import { formatDate, formatMoney, formatNumber, minorDigits } from './format.js';
import { commandLine } from './help.text.js';
import { t, type Locale, type MessageKey } from './i18n/index.js';
import {
  CARD_LIMITS,
  type CancellationFailedScreen, type SupportFactsView, type SupportFailedScreen, type SupportFieldError, type SupportFieldName, type SupportFiledScreen,
  type SupportFileRefusalView, type SupportFileView, type SupportFormScreen, type SupportImpactView, type SupportLimitsView, type SupportListScreen,
  type SupportReviewScreen, type SupportStartScreen, type SupportSubmittedScreen,
} from './screens.js';

/**
 * How much of a request's own text the cards show: enough to check it before Submit, within
 * Slack's 3000-character sections and Teams' 28 KB. The plain text (also the Teams card's
 * fallbackText, so counted twice there) cuts the long texts at SHOWN.description.
 */
export const REQUEST_SHOWN = { title: 300, description: 2000, refundReason: 1000, contact: 200, fileName: 100, ticket: 60 } as const;

/** A row of the request list is one glance: shorter than elsewhere, so that 20 rows (and their text) stay within 28 KB. */
const LIST_SHOWN = { id: 60, title: 80, customer: 60 } as const;

/** The most files (attached, refused) a form or review lists; the rest are counted. */
export const FILES_SHOWN = 10;

/** How much of a long value the form's text (a preview, and the Teams card's fallbackText) repeats. */
const FORM_TEXT_SHOWN = 200;

/**
 * The longest ticket link a button opens. A desk's links are short ("https://x.zendesk.com/agent/tickets/4711");
 * a longer one is shown without its button (the ticket number still is), so that a list of 20 stays within 28 KB.
 */
export const TICKET_URL_MAX = 300;

/** Partner Center's severities, most severe first: the order of the choice. */
export const SUPPORT_IMPACTS: readonly SupportImpactView[] = ['critical', 'moderate', 'minimal'];

export function isImpact(value: string): value is SupportImpactView {
  return (SUPPORT_IMPACTS as readonly string[]).includes(value);
}

export function impactText(impact: SupportImpactView, locale: Locale): string {
  return t(locale, `support.impact.${impact}`);
}

// --- commands ------------------------------------------------------------------------

/** `support <args>` as typed: `/csp support …` on Slack, `support …` in Teams (and in channel-neutral text). */
export function supportCommand(args: string, channel: Channel = 'msteams'): string {
  return commandLine({ name: 'support', usage: args }, channel);
}

/** "support <order id>" / "support <Bestell-ID>". */
export function supportOrderCommand(locale: Locale, channel: Channel = 'msteams'): string {
  return supportCommand(`<${t(locale, 'arg.orderId')}>`, channel);
}

/** "support retry 42": files a request again. */
export function retryCommand(requestId: string, channel: Channel = 'msteams'): string {
  return supportCommand(`retry ${shown(requestId, SHOWN.id)}`, channel);
}

/** R20: "To file a support request from here, with these facts filled in: support ORD-1" (cancellationFailed). */
export function supportCommandLine(orderId: string, locale: Locale, channel: Channel = 'msteams'): string {
  return t(locale, 'cancel.failed.supportCommand', { command: supportCommand(shown(orderId, SHOWN.id), channel) });
}

// --- the facts of the order ----------------------------------------------------------

/** Why a cancellation did not complete, short (a fact or a list line); the cancellationFailed notification says it in full. */
export function failureShort(reason: CancellationFailedScreen['reason'], locale: Locale): string {
  return t(locale, `support.reason.${reason}`);
}

export function orderTotal(facts: SupportFactsView, locale: Locale): string {
  return formatMoney(facts.orderTotalMinor, facts.currency, locale);
}

/** What the bot knows of the order (R21): shown on the form and the review, never typed. */
export function supportFacts(facts: SupportFactsView, locale: Locale): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    [t(locale, 'buy.label.customer'), shown(facts.customerName, SHOWN.companyName)],
    [t(locale, 'support.label.tenantId'), shown(facts.customerTenantId, SHOWN.id)],
  ];
  if (facts.customerDomain) pairs.push([t(locale, 'support.label.domain'), shown(facts.customerDomain, SHOWN.domain)]);
  pairs.push(
    [t(locale, 'buy.label.orderId'), shown(facts.orderId, SHOWN.id)],
    [t(locale, 'buy.label.product'), shown(facts.productTitle, SHOWN.title)],
    [t(locale, 'buy.label.purchaseDate'), formatDate(facts.purchaseDate, locale)],
    [t(locale, 'support.label.orderTotal'), orderTotal(facts, locale)],
  );
  if (facts.cancellation) {
    pairs.push([t(locale, 'support.label.cancellation'), failureShort(facts.cancellation.reason, locale)]);
    if (facts.cancellation.code) pairs.push([t(locale, 'cancel.label.code'), shown(facts.cancellation.code, SHOWN.id)]);
  }
  return pairs;
}

/** Partner Center's Type of problem (R21): fixed, shown, never an input. */
export function problemTypeFact(locale: Locale): [string, string] {
  return [t(locale, 'support.label.problemType'), t(locale, 'support.problemType')];
}

// --- the start: orders to file a request about (R20) ---------------------------------

export function shownCandidates(screen: SupportStartScreen): SupportStartScreen['candidates'] {
  return screen.candidates.slice(0, CARD_LIMITS.supportStart);
}

export function moreCandidates(screen: SupportStartScreen): boolean {
  return screen.candidates.length > CARD_LIMITS.supportStart;
}

/** "Order ORD-1 · SQL Server 2022 · Contoso Ltd · Cancellation window had passed · Mar 5, 2025" */
export function candidateLine(candidate: SupportStartScreen['candidates'][number], locale: Locale): string {
  return t(locale, 'support.start.line', {
    orderId: shown(candidate.orderId, SHOWN.id),
    title: shown(candidate.title, SHOWN.title),
    customer: shown(candidate.customerName, SHOWN.companyName),
    reason: failureShort(candidate.reason, locale),
    date: formatDate(candidate.at, locale),
  });
}

/** The intro to the candidates, or that there are none. */
export function startIntro(screen: SupportStartScreen, locale: Locale): string {
  return t(locale, screen.candidates.length > 0 ? 'support.start.intro' : 'support.start.none');
}

export function moreCandidatesText(locale: Locale): string {
  return t(locale, 'support.start.more', { count: CARD_LIMITS.supportStart });
}

/** How to name another order, in the channel's own form of the command. */
export function startHint(locale: Locale, channel: Channel): string {
  return t(locale, 'support.start.hint', { command: supportOrderCommand(locale, channel) });
}

export function supportStartText(screen: SupportStartScreen, locale: Locale): string {
  const lines = [t(locale, 'support.start.title'), startIntro(screen, locale)];
  for (const c of shownCandidates(screen)) lines.push(`• ${candidateLine(c, locale)}`);
  if (moreCandidates(screen)) lines.push(moreCandidatesText(locale));
  // The text does not know its channel: both forms of the command.
  lines.push(t(locale, 'support.start.hintBoth', { command: supportOrderCommand(locale), slackCommand: supportOrderCommand(locale, 'slack') }));
  return lines.join('\n');
}

// --- the form (R21) ------------------------------------------------------------------

/** Every field of the form, in its order. */
export const SUPPORT_FIELDS: readonly SupportFieldName[] = ['impact', 'title', 'description', 'refundReason', 'amount', 'contactName', 'contactEmail', 'contactPhone'];

/**
 * The most characters an input takes where the desk sets no limit: a name, an address
 * (RFC 5321's 254), a phone number, an amount. The bot checks the value itself.
 */
const INPUT_MAX: { readonly [F in 'amount' | 'contactName' | 'contactEmail' | 'contactPhone']: number } = { amount: 40, contactName: 200, contactEmail: 254, contactPhone: 40 };

/** The desk's limit of a field (R21), or null where the desk sets none. */
export function deskLimit(field: SupportFieldName, limits: SupportLimitsView): number | null {
  switch (field) {
    case 'title':
      return limits.titleMax;
    case 'description':
      return limits.descriptionMax;
    case 'refundReason':
      return limits.refundReasonMax;
    default:
      return null;
  }
}

/** What an input takes: the desk's limit, held to the 3000 characters a Slack input takes (the same on Teams: one form, one limit). */
function inputMax(field: Exclude<SupportFieldName, 'impact'>, limits: SupportLimitsView): number {
  const limit = deskLimit(field, limits);
  return Math.min(limit ?? INPUT_MAX[field as keyof typeof INPUT_MAX], SLACK_LIMITS.textInput);
}

/** An amount as the reader writes one: "1,234.56" / "1.234,56" ("1,234" for a currency without minor units). */
export function amountExample(currency: string, locale: Locale): string {
  const digits = minorDigits(currency);
  return formatNumber(Number(`1234${digits > 0 ? `.${'567890'.slice(0, digits)}` : ''}`), locale);
}

/** The error beside a field, in the reader's words: with the limit, an example in the locale, the order total. */
export function fieldErrorText(field: SupportFieldName, error: SupportFieldError, facts: SupportFactsView, limits: SupportLimitsView, locale: Locale): string {
  switch (error) {
    case 'required':
      return t(locale, field === 'impact' ? 'support.error.choose' : 'support.error.required');
    case 'tooLong': {
      const limit = deskLimit(field, limits);
      return limit === null ? t(locale, 'support.error.tooLongNoLimit') : t(locale, 'support.error.tooLong', { limit });
    }
    case 'notANumber':
      return t(locale, 'support.error.notANumber', { example: amountExample(facts.currency, locale) });
    case 'negative':
      return t(locale, 'support.error.negative');
    case 'zero':
      return t(locale, 'support.error.zero');
    case 'aboveTotal':
      return t(locale, 'support.error.aboveTotal', { total: orderTotal(facts, locale) });
    case 'tooPrecise': {
      const digits = minorDigits(facts.currency);
      return digits === 0
        ? t(locale, 'support.error.tooPreciseWhole', { currency: facts.currency })
        : t(locale, 'support.error.tooPrecise', { currency: facts.currency, digits });
    }
    case 'invalid':
      if (field === 'contactEmail') return t(locale, 'support.error.invalidEmail');
      if (field === 'contactPhone') return t(locale, 'support.error.invalidPhone');
      return t(locale, field === 'impact' ? 'support.error.choose' : 'support.error.invalid');
  }
}

/** One field of the form as both channels draw it. */
export interface SupportFieldView {
  /** The input's id (Teams) / action_id and block_id (Slack): the key it is merged into `support.review` under. */
  id: SupportFieldName;
  /** The label without "(optional)": Slack adds that itself to an optional input; see `markedLabel`. */
  label: string;
  /** The pre-filled value (what was typed, or what the bot knows), cut to `maxLength`. Impact: one of SUPPORT_IMPACTS or ''. */
  value: string;
  required: boolean;
  /** null for the impact (a choice). */
  maxLength: number | null;
  multiline: boolean;
  /** choice: the impact; email / tel: a text input the host may help fill in. */
  kind: 'choice' | 'text' | 'email' | 'tel';
  placeholder: string | null;
  hint: string | null;
  /** Why the field was refused, worded; null when it was not. */
  error: string | null;
}

const LABEL: { readonly [F in Exclude<SupportFieldName, 'amount'>]: MessageKey } = {
  impact: 'support.label.impact',
  title: 'support.label.title',
  description: 'support.label.description',
  refundReason: 'support.label.refundReason',
  contactName: 'support.label.contactName',
  contactEmail: 'support.label.contactEmail',
  contactPhone: 'support.label.contactPhone',
};

function fieldLabel(field: SupportFieldName, facts: SupportFactsView, locale: Locale): string {
  if (field === 'amount') return t(locale, 'support.label.amount', { currency: facts.currency, max: orderTotal(facts, locale) });
  return t(locale, LABEL[field]);
}

function fieldHint(field: SupportFieldName, facts: SupportFactsView, locale: Locale): string | null {
  switch (field) {
    case 'description':
      return t(locale, 'support.hint.description');
    case 'amount':
      return t(locale, 'support.hint.amount', { example: amountExample(facts.currency, locale) });
    case 'contactPhone':
      return t(locale, 'support.hint.phone');
    default:
      return null;
  }
}

/** The form's fields in order, each with its label, pre-filled value, limit, hint and error (R21). */
export function supportFields(form: SupportFormScreen, locale: Locale): SupportFieldView[] {
  return SUPPORT_FIELDS.map((id): SupportFieldView => {
    const error = form.errors[id];
    const common = {
      id,
      label: fieldLabel(id, form.facts, locale),
      // Only the phone may stay empty: the desk needs everything else (R21).
      required: id !== 'contactPhone',
      hint: fieldHint(id, form.facts, locale),
      error: error ? fieldErrorText(id, error, form.facts, form.limits, locale) : null,
    };
    const raw = form.values[id];
    if (id === 'impact') {
      return { ...common, value: isImpact(raw) ? raw : '', maxLength: null, multiline: false, kind: 'choice', placeholder: t(locale, 'support.impact.placeholder') };
    }
    const maxLength = inputMax(id, form.limits);
    return {
      ...common,
      value: raw.slice(0, maxLength),
      maxLength,
      multiline: id === 'description' || id === 'refundReason',
      kind: id === 'contactEmail' ? 'email' : id === 'contactPhone' ? 'tel' : 'text',
      placeholder: id === 'title' ? t(locale, 'support.placeholder.title') : id === 'amount' ? amountExample(form.facts.currency, locale) : null,
    };
  });
}

/** The label as Teams and the text show it: "(optional)" added where the field may stay empty. */
export function markedLabel(field: SupportFieldView, locale: Locale): string {
  return field.required ? field.label : t(locale, 'support.label.optional', { label: field.label });
}

export function hasErrors(form: SupportFormScreen): boolean {
  return SUPPORT_FIELDS.some((f) => form.errors[f] !== undefined);
}

// --- files ---------------------------------------------------------------------------

const MB = 1024 * 1024;
const sizeFormats = new Map<string, Intl.NumberFormat>();

function sizeFormat(locale: Locale, unit: 'kilobyte' | 'megabyte'): Intl.NumberFormat {
  const key = `${locale}|${unit}`;
  let format = sizeFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 });
    sizeFormats.set(key, format);
  }
  return format;
}

/** "340 kB", "1.2 MB" / "1,2 MB" (binary: 1 MB = 1024 × 1024 bytes). */
export function fileSize(bytes: number, locale: Locale): string {
  if (bytes < MB) return sizeFormat(locale, 'kilobyte').format(Math.max(1, Math.ceil(bytes / 1024)));
  return sizeFormat(locale, 'megabyte').format(Math.round((bytes / MB) * 10) / 10);
}

/** "pdf, png, jpg" */
export function fileTypesText(limits: SupportLimitsView): string {
  return limits.fileTypes.join(', ');
}

/** "invoice.pdf (1.2 MB)" */
export function fileLine(file: SupportFileView, locale: Locale): string {
  return `${shown(file.name, REQUEST_SHOWN.fileName)} (${fileSize(file.sizeBytes, locale)})`;
}

/**
 * "big.zip: larger than 10 MB", "x.exe: this type of file is not accepted (accepted: pdf, png)";
 * without the limits (the review does not carry them): "big.zip: too large".
 */
export function refusalLine(refusal: SupportFileRefusalView, limits: SupportLimitsView | null, locale: Locale): string {
  const name = shown(refusal.name, REQUEST_SHOWN.fileName);
  switch (refusal.reason) {
    case 'tooLarge':
      return limits ? t(locale, 'support.files.tooLarge', { name, max: fileSize(limits.maxFileBytes, locale) }) : t(locale, 'support.files.tooLargeNoLimit', { name });
    case 'type':
      return limits ? t(locale, 'support.files.type', { name, types: fileTypesText(limits) }) : t(locale, 'support.files.typeNoLimit', { name });
    case 'tooMany':
      return limits ? t(locale, 'support.files.tooMany', { name, max: limits.maxFiles }) : t(locale, 'support.files.tooManyNoLimit', { name });
    case 'unreadable':
      return t(locale, 'support.files.unreadable', { name });
  }
}

/** Lines for a list of at most FILES_SHOWN, the rest counted ("and 3 more"). */
function listed<T>(items: readonly T[], line: (item: T) => string, locale: Locale): string[] {
  const lines = items.slice(0, FILES_SHOWN).map(line);
  if (items.length > FILES_SHOWN) lines.push(t(locale, 'support.files.more', { count: items.length - FILES_SHOWN }));
  return lines;
}

/** The files attached so far, one a line; "None". */
export function attachedLines(files: readonly SupportFileView[], locale: Locale): string[] {
  return files.length === 0 ? [t(locale, 'support.files.none')] : listed(files, (f) => fileLine(f, locale), locale);
}

/** The files refused (by the form's last upload, or sent with the Review), each with why. */
export function refusedLines(screen: SupportFormScreen | SupportReviewScreen, locale: Locale): string[] {
  const limits = screen.kind === 'supportForm' ? screen.limits : null;
  return listed(screen.refusedFiles, (r) => refusalLine(r, limits, locale), locale);
}

/** "Not attached: x.exe: …; big.zip: …", one line (the text); nothing when none was refused. */
export function refusedText(screen: SupportFormScreen | SupportReviewScreen, locale: Locale): string | null {
  return screen.refusedFiles.length > 0 ? `${t(locale, 'support.files.refused')} ${refusedLines(screen, locale).join('; ')}` : null;
}

/** The limits of an upload: "pdf, png; up to 10 MB each; at most 5 files". */
function uploadParams(limits: SupportLimitsView, locale: Locale): { types: string; size: string; max: number } {
  return { types: fileTypesText(limits), size: fileSize(limits.maxFileBytes, locale), max: limits.maxFiles };
}

/** The request takes files at all (a limit of 0 files: none are taken anywhere). */
export function takesFiles(form: SupportFormScreen): boolean {
  return form.limits.maxFiles > 0;
}

/** How to attach files where the form itself takes none: in this chat (Teams, personal), or only in a personal chat (group chats). */
export function filesHow(form: SupportFormScreen, locale: Locale): string | null {
  // A desk configured to take no files: nothing to say about attaching them.
  if (!takesFiles(form)) return null;
  switch (form.filesBy) {
    case 'chat':
      return t(locale, 'support.files.byChat', uploadParams(form.limits, locale));
    case 'none':
      return t(locale, 'support.files.byNone');
    case 'modal':
      return null;
  }
}

/** The Slack file input's hint: types, size, number. */
export function fileInputHint(limits: SupportLimitsView, locale: Locale): string {
  return t(locale, 'support.files.inputHint', uploadParams(limits, locale));
}

export function supportFormText(form: SupportFormScreen, locale: Locale): string {
  const lines = [t(locale, 'support.form.title')];
  for (const [label, value] of supportFacts(form.facts, locale)) lines.push(`${label}: ${value}`);
  const [problemLabel, problem] = problemTypeFact(locale);
  lines.push(`${problemLabel}: ${problem}`);
  if (hasErrors(form)) lines.push(t(locale, 'support.form.fix'));
  for (const field of supportFields(form, locale)) {
    const value = field.kind === 'choice' ? (isImpact(field.value) ? impactText(field.value, locale) : '—') : shown(field.value, FORM_TEXT_SHOWN) || '—';
    lines.push(`${markedLabel(field, locale)}: ${value}`);
    if (field.error) lines.push(`  ⚠ ${field.error}`);
  }
  lines.push(`${t(locale, 'support.label.files')}: ${attachedLines(form.files, locale).join(', ')}`);
  const refused = refusedText(form, locale);
  if (refused) lines.push(refused);
  const how = filesHow(form, locale);
  if (how) lines.push(how);
  return lines.join('\n');
}

// --- the review ------------------------------------------------------------------------

/** The desks' names: the bot's own is said in words; a product's name is its name. */
const DESK_NAMES: Readonly<Record<string, string>> = { zendesk: 'Zendesk' };

/** "the bot's support desk", "Zendesk"; an unknown desk as it is named. */
export function deskName(desk: string, locale: Locale): string {
  if (desk === 'embedded') return t(locale, 'support.desk.embedded');
  return DESK_NAMES[desk] ?? shown(desk, SHOWN.id);
}

export function requestAmount(screen: SupportReviewScreen, locale: Locale): string {
  return formatMoney(screen.amountMinor, screen.facts.currency, locale);
}

/** The request's short fields, as they will be filed. */
export function reviewFields(screen: SupportReviewScreen, locale: Locale): Array<[string, string]> {
  return [
    problemTypeFact(locale),
    [t(locale, 'support.label.impact'), impactText(screen.impact, locale)],
    [t(locale, 'support.label.title'), shown(screen.title, REQUEST_SHOWN.title)],
    [t(locale, 'support.label.amountShort'), requestAmount(screen, locale)],
    [t(locale, 'support.label.contactName'), shown(screen.contact.name, REQUEST_SHOWN.contact)],
    [t(locale, 'support.label.contactEmail'), shown(screen.contact.email, REQUEST_SHOWN.contact)],
    [t(locale, 'support.label.contactPhone'), shown(screen.contact.phone, REQUEST_SHOWN.contact) || '—'],
  ];
}

/** The request's long texts (description, refund reason), cut at `max` characters each. */
export function reviewTexts(screen: SupportReviewScreen, locale: Locale, short = false): Array<[string, string]> {
  return [
    [t(locale, 'support.label.description'), shown(screen.description, short ? SHOWN.description : REQUEST_SHOWN.description)],
    [t(locale, 'support.label.refundReason'), shown(screen.refundReason, short ? SHOWN.description : REQUEST_SHOWN.refundReason)],
  ];
}

export function reviewFiles(screen: SupportReviewScreen, locale: Locale): [string, string] {
  return [t(locale, 'support.label.files'), attachedLines(screen.files, locale).join(', ')];
}

export function reviewDesk(screen: SupportReviewScreen, locale: Locale): [string, string] {
  return [t(locale, 'support.label.desk'), deskName(screen.desk, locale)];
}

export function supportReviewText(screen: SupportReviewScreen, locale: Locale): string {
  const lines = [t(locale, 'support.review.title')];
  const pairs = [...supportFacts(screen.facts, locale), ...reviewFields(screen, locale), ...reviewTexts(screen, locale, true), reviewFiles(screen, locale)];
  for (const [label, value] of pairs) lines.push(`${label}: ${value}`);
  const refused = refusedText(screen, locale);
  if (refused) lines.push(refused);
  const [deskLabel, desk] = reviewDesk(screen, locale);
  lines.push(`${deskLabel}: ${desk}`);
  lines.push(t(locale, 'support.review.hint'));
  return lines.join('\n');
}

// --- submitted -------------------------------------------------------------------------

export function submittedTitle(screen: SupportSubmittedScreen, locale: Locale): string {
  return t(locale, screen.existing ? 'support.submitted.existingTitle' : 'support.submitted.title');
}

export function submittedBody(screen: SupportSubmittedScreen, locale: Locale): string {
  return t(locale, screen.existing ? 'support.submitted.existing' : 'support.submitted.body', { requestId: shown(screen.requestId, SHOWN.id), orderId: shown(screen.orderId, SHOWN.id) });
}

export function supportSubmittedText(screen: SupportSubmittedScreen, locale: Locale): string {
  return [submittedTitle(screen, locale), submittedBody(screen, locale)].join('\n');
}

// --- the list --------------------------------------------------------------------------

export type SupportRequestRow = SupportListScreen['requests'][number];

export function shownRequests(screen: SupportListScreen): SupportRequestRow[] {
  return screen.requests.slice(0, CARD_LIMITS.supportRequests);
}

export function moreRequests(screen: SupportListScreen): boolean {
  return screen.requests.length > CARD_LIMITS.supportRequests;
}

export function moreRequestsText(locale: Locale): string {
  return t(locale, 'support.list.more', { count: CARD_LIMITS.supportRequests });
}

/** "Request 42 · order ORD-1" */
export function requestHeading(row: SupportRequestRow, locale: Locale): string {
  return t(locale, 'support.list.request', { requestId: shown(row.requestId, LIST_SHOWN.id), orderId: shown(row.orderId, LIST_SHOWN.id) });
}

/** "SQL Server 2022 · Contoso Ltd · requested Mar 5, 2025" */
export function requestDetails(row: SupportRequestRow, locale: Locale): string {
  return t(locale, 'support.list.details', { title: shown(row.title, LIST_SHOWN.title), customer: shown(row.customerName, LIST_SHOWN.customer), date: formatDate(row.requestedAt, locale) });
}

/** "Being filed", "Filed as CSP-000042", "Could not be filed". */
export function statusText(row: SupportRequestRow, locale: Locale): string {
  if (row.status === 'filed') return t(locale, 'support.status.filed', { ticketNumber: shown(row.ticketNumber ?? '—', REQUEST_SHOWN.ticket) });
  return t(locale, row.status === 'queued' ? 'support.status.queued' : 'support.status.failed');
}

export function supportListText(screen: SupportListScreen, locale: Locale): string {
  const lines = [t(locale, 'support.list.title')];
  const rows = shownRequests(screen);
  if (rows.length === 0) lines.push(t(locale, 'support.list.none'));
  for (const r of rows) lines.push(`• ${requestHeading(r, locale)}: ${statusText(r, locale)}`, `  ${requestDetails(r, locale)}`);
  if (moreRequests(screen)) lines.push(moreRequestsText(locale));
  return lines.join('\n');
}

// --- the notifications (R21) -----------------------------------------------------------

function requestParams(screen: SupportFiledScreen | SupportFailedScreen): { requestId: string; orderId: string; title: string } {
  return { requestId: shown(screen.requestId, SHOWN.id), orderId: shown(screen.orderId, SHOWN.id), title: shown(screen.title, SHOWN.title) };
}

export function filedBody(screen: SupportFiledScreen, locale: Locale): string {
  return t(locale, 'support.filed.body', { ...requestParams(screen), ticketNumber: shown(screen.ticketNumber, REQUEST_SHOWN.ticket) });
}

export function supportFiledText(screen: SupportFiledScreen, locale: Locale): string {
  return [t(locale, 'support.filed.title'), filedBody(screen, locale)].join('\n');
}

const FAILED: { readonly [R in SupportFailedScreen['reason']]: MessageKey } = {
  unauthorized: 'support.failed.unauthorized',
  rejected: 'support.failed.rejected',
  unavailable: 'support.failed.unavailable',
};

/** Why the request could not be filed (who must act: an administrator, for refused credentials). */
export function failedBody(screen: SupportFailedScreen, locale: Locale): string {
  return t(locale, FAILED[screen.reason], requestParams(screen));
}

/** "The request is kept: file it again with support retry 42." */
export function keptText(screen: SupportFailedScreen, locale: Locale, channel: Channel = 'msteams'): string {
  return t(locale, 'support.failed.kept', { command: retryCommand(screen.requestId, channel) });
}

export function supportFailedText(screen: SupportFailedScreen, locale: Locale): string {
  return [t(locale, 'support.failed.title'), failedBody(screen, locale), keptText(screen, locale)].join('\n');
}

/** A ticket link a button may open: http(s) only, at most TICKET_URL_MAX long; anything else (javascript:, a typo) gets no button. */
export function openableUrl(url: string | null): string | null {
  if (!url || url.length > TICKET_URL_MAX) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

