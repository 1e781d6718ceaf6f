/**
 * The activity log (R12, R13) as Adaptive Cards 1.5: the log (a page of events, newest
 * first, with the summary line and the buttons), the range and filter form (a card with
 * Input.Date and choice sets; Apply merges from, to, kind, customerId and userId into
 * `activity.apply`) and the export link (personal chat only). Outside values (names,
 * addresses, user agents, titles) are literal TextRuns.
 */
import { act } from './actions.js';
import {
  adaptiveCard, container, heading, inputChoiceSet, inputDate, openUrlAction, plainText, richText, cardButton, textBlock, textRun,
  type AdaptiveAction, type AdaptiveCardJson, type CardElement, type Choice,
} from './adaptive.js';
import {
  activityButtons, activityExportLinkText, activityFilterFormText, activityHeadLines, activityLogText, customerChoices, earliestNote, entryDetails, entryWhat,
  entryWhen, entryWho, exportBody, exportValidity, filterText, isRefusal, kindChoices, pageText, pickerDay, problemText, selectedCustomer,
  selectedKind, selectedUser, shownEntries, userChoices, zoneNote,
} from './activity.text.js';
import { plainButton } from './buy.teams.js';
import { t, type Locale } from './i18n/index.js';
import type { ActivityExportLinkScreen, ActivityFilterFormScreen, ActivityLogScreen, ActivityRowView } from './screens.js';

// --- the log -------------------------------------------------------------------------------

/** One event: when and what on the first line (a refusal in attention colour), who below, then customer · product · order. */
function entryRow(row: ActivityRowView, zone: string, locale: Locale): CardElement {
  const refused = isRefusal(row);
  const items: CardElement[] = [
    richText([
      textRun(`${entryWhen(row, zone, locale)} · `, { weight: 'Bolder' }),
      textRun(`${refused ? '⛔ ' : ''}${entryWhat(row, locale)}`, { weight: 'Bolder', ...(refused ? { color: 'Attention' as const } : {}) }),
    ]),
    plainText(entryWho(row), { size: 'Small' }, { spacing: 'None' }),
  ];
  const details = entryDetails(row, locale);
  if (details) items.push(plainText(details, { isSubtle: true, size: 'Small' }, { spacing: 'None' }));
  return container(items, { separator: true, spacing: 'Medium' });
}

export function activityLogTeams(screen: ActivityLogScreen, locale: Locale): AdaptiveCardJson {
  const head = activityHeadLines(screen, locale);
  const body: CardElement[] = [heading(t(locale, 'activity.title')), plainText(head.range, { isSubtle: true }, { spacing: 'None' })];
  if (head.filters) body.push(plainText(head.filters, {}, { spacing: 'Small' }));
  if (head.clipped) body.push(container([textBlock(`⚠ ${head.clipped}`, { color: 'Warning', weight: 'Bolder' })], { style: 'warning', spacing: 'Small' }));
  body.push(textBlock(head.summary, { weight: 'Bolder', spacing: 'Medium' }));
  const entries = shownEntries(screen);
  if (entries.length === 0) {
    body.push(textBlock(t(locale, 'activity.none'), { spacing: 'Medium' }), textBlock(t(locale, 'activity.noneHint'), { isSubtle: true, spacing: 'Small' }));
  } else {
    body.push(container(entries.map((row) => entryRow(row, screen.range.zone, locale))));
  }
  const page = pageText(screen, locale);
  if (page) body.push(plainText(page, { isSubtle: true }, { spacing: 'Medium' }));
  const actions: AdaptiveAction[] = activityButtons(screen, locale).map((b) => plainButton(b.label, b.data, b.primary ? 'positive' : undefined));
  return adaptiveCard(body, { fallbackText: activityLogText(screen, locale), actions });
}

// --- the range and filter form -----------------------------------------------------------

function choiceSet(id: string, label: string, choices: Choice[], value: string): CardElement {
  return inputChoiceSet(id, choices, { label, style: 'compact', value, spacing: 'Medium' });
}

/**
 * The form as a card. Apply validates the pickers (both required, within min/max) and merges
 * `from`, `to` (YYYY-MM-DD), `kind`, `customerId` and `userId` into `activity.apply`; the
 * "All …" choices send 'all', which the dialog reads as no filter. Back to the list (nothing changed) works whatever the inputs hold.
 */
export function activityFilterFormTeams(form: ActivityFilterFormScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(t(locale, 'activity.form.title'))];
  const problem = problemText(form, locale);
  if (problem) body.push(container([textBlock(problem, { color: 'Attention', weight: 'Bolder' })], { style: 'attention', spacing: 'Small' }));
  const min = pickerDay(form.minDate);
  const max = pickerDay(form.maxDate);
  const day = (id: 'from' | 'to', value: string) => {
    const prefill = pickerDay(value);
    return inputDate(id, {
      label: t(locale, `activity.form.${id}`),
      isRequired: true,
      errorMessage: t(locale, 'activity.form.dateRequired'),
      ...(prefill ? { value: prefill } : {}),
      ...(min ? { min } : {}),
      ...(max ? { max } : {}),
      spacing: 'Medium',
    });
  };
  body.push(
    day('from', form.from),
    day('to', form.to),
    plainText(`${zoneNote(form, locale)} ${earliestNote(form, locale)}`, { isSubtle: true, size: 'Small' }, { spacing: 'Small' }),
    choiceSet('kind', t(locale, 'activity.form.kind'), kindChoices(locale), selectedKind(form)),
    choiceSet('customerId', t(locale, 'activity.form.customer'), customerChoices(form, locale), selectedCustomer(form)),
    choiceSet('userId', t(locale, 'activity.form.user'), userChoices(form, locale), selectedUser(form)),
  );
  return adaptiveCard(body, {
    fallbackText: activityFilterFormText(form, locale),
    actions: [cardButton(t(locale, 'activity.form.apply'), act.activityApply(), { style: 'positive' }), cardButton(t(locale, 'activity.form.back'), act.activityBack(), { associatedInputs: 'none' })],
  });
}

// --- the export link -----------------------------------------------------------------------

/** The link only in the button (Action.OpenUrl): never in the text, the fallback or any submit data. */
export function activityExportLinkTeams(screen: ActivityExportLinkScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(t(locale, 'activity.export.title')), plainText(exportBody(screen, locale), {}, { spacing: 'Small' })];
  const filters = filterText(screen.filter, locale);
  if (filters) body.push(plainText(filters, {}, { spacing: 'Small' }));
  body.push(textBlock(exportValidity(screen, locale), { isSubtle: true, spacing: 'Medium' }));
  return adaptiveCard(body, {
    fallbackText: activityExportLinkText(screen, locale),
    actions: [openUrlAction(t(locale, 'activity.export.download'), screen.url, { style: 'positive' })],
  });
}
