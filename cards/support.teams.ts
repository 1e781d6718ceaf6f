/**
 * Support requests (R20, R21) as Adaptive Cards 1.5: the orders `support` suggests, the form
 * (a card with inputs: Teams merges impact, title, description, refundReason, amount and the
 * contact fields into the data of Review, `support.review` with the draft's id), the review
 * with Submit / Edit, the answer to Submit, the list and the two notifications.
 * Outside values (names, titles, what the user typed) are literal TextRuns.
 */
import { act } from './actions.js';
import {
  actionSet, adaptiveCard, column, columnSet, container, heading, inputChoiceSet, inputText, labelled, openUrlAction, plainText, richText, cardButton, textBlock, textRun,
  type AdaptiveAction, type AdaptiveCardJson, type CardElement, type TextColor,
} from './adaptive.js';
import { cancelButton, plainButton } from './buy.teams.js';
import { t, type Locale } from './i18n/index.js';
import type {
  SupportFailedScreen, SupportFiledScreen, SupportFormScreen, SupportListScreen, SupportReviewScreen, SupportStartScreen, SupportSubmittedScreen,
} from './screens.js';
import {
  attachedLines, candidateLine, failedBody, filedBody, filesHow, hasErrors, impactText, keptText, markedLabel, moreCandidates, moreCandidatesText, moreRequests,
  moreRequestsText, openableUrl, problemTypeFact, refusedLines, requestDetails, requestHeading, reviewDesk, reviewFields, reviewFiles, reviewTexts, shownCandidates,
  shownRequests, startHint, startIntro, submittedBody, submittedTitle, SUPPORT_IMPACTS, supportFacts, supportFailedText, supportFields, supportFiledText,
  supportFormText, supportListText, supportReviewText, supportStartText, supportSubmittedText, statusText,
  type SupportFieldView, type SupportRequestRow,
} from './support.text.js';

/** "My requests": `support list`. */
function myRequests(locale: Locale): AdaptiveAction {
  return plainButton(t(locale, 'support.myRequests'), act.command('support', 'list'));
}

/** "File again": `support retry <id>`. */
function fileAgain(requestId: string, locale: Locale): AdaptiveAction {
  return plainButton(t(locale, 'support.fileAgain'), act.command('support', `retry ${requestId}`));
}

/** "Open ticket", when the desk gave a link that can be opened. */
function openTicket(url: string | null, locale: Locale): AdaptiveAction | null {
  const openable = openableUrl(url);
  return openable ? openUrlAction(t(locale, 'support.openTicket'), openable) : null;
}

/** One row of a list: literal lines on the left, a button (a link or a submit) on the right; no button, no column. */
function listRow(lines: CardElement[], action: AdaptiveAction | null): CardElement {
  if (!action) return container(lines, { separator: true, spacing: 'Medium' });
  return columnSet(
    [column(lines, { width: 'stretch' }), column([actionSet([action])], { width: 'auto', verticalContentAlignment: 'Center' })],
    { separator: true, spacing: 'Medium' },
  );
}

function factsBlock(pairs: ReadonlyArray<[string, string]>, layout: { spacing?: 'Small' | 'Medium'; separator?: boolean } = { spacing: 'Medium' }): CardElement {
  return container(pairs.map(([label, value]) => labelled(label, value)), layout);
}

// --- the start (R20) ---------------------------------------------------------------------

export function supportStartTeams(screen: SupportStartScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(t(locale, 'support.start.title')), plainText(startIntro(screen, locale), {}, { spacing: 'Small' })];
  const candidates = shownCandidates(screen);
  if (candidates.length > 0) {
    body.push(container(candidates.map((c) => listRow([plainText(candidateLine(c, locale))], plainButton(t(locale, 'support.start.file'), act.supportOrder(c.orderId))))));
  }
  if (moreCandidates(screen)) body.push(textBlock(moreCandidatesText(locale), { isSubtle: true }));
  // Literal: "support <order id>" would be read as markup by a TextBlock.
  body.push(plainText(startHint(locale, 'msteams'), { isSubtle: true }, { spacing: 'Medium' }));
  const actions: AdaptiveAction[] = screen.hasRequests ? [myRequests(locale)] : [];
  actions.push(cancelButton(locale, 'cancel.close'));
  return adaptiveCard(body, { fallbackText: supportStartText(screen, locale), actions });
}

// --- the form (R21) ----------------------------------------------------------------------

/** A field: its input (the label above it), then its error in attention colour, then its hint. */
function fieldElements(field: SupportFieldView, locale: Locale): CardElement[] {
  const label = markedLabel(field, locale);
  const input =
    field.kind === 'choice'
      ? inputChoiceSet(
          field.id,
          SUPPORT_IMPACTS.map((impact) => ({ title: impactText(impact, locale), value: impact })),
          {
            label,
            style: 'compact',
            wrap: true,
            isRequired: true,
            errorMessage: t(locale, 'support.error.choose'),
            ...(field.placeholder ? { placeholder: field.placeholder } : {}),
            ...(field.value ? { value: field.value } : {}),
            spacing: 'Medium',
          },
        )
      : inputText(field.id, {
          label,
          ...(field.required ? { isRequired: true, errorMessage: t(locale, 'support.error.required') } : {}),
          ...(field.maxLength !== null ? { maxLength: field.maxLength } : {}),
          ...(field.multiline ? { isMultiline: true } : {}),
          ...(field.kind === 'email' || field.kind === 'tel' ? { style: field.kind } : {}),
          ...(field.placeholder ? { placeholder: field.placeholder } : {}),
          ...(field.value ? { value: field.value } : {}),
          spacing: 'Medium',
        });
  const out: CardElement[] = [input];
  if (field.error) out.push(plainText(`⚠ ${field.error}`, { color: 'Attention', weight: 'Bolder', size: 'Small' }, { spacing: 'Small' }));
  if (field.hint) out.push(plainText(field.hint, { isSubtle: true, size: 'Small' }, { spacing: 'Small' }));
  return out;
}

/** "Not attached:" and each refused file with why, in attention colour; nothing when none was refused. */
function refusedElements(screen: SupportFormScreen | SupportReviewScreen, locale: Locale): CardElement[] {
  if (screen.refusedFiles.length === 0) return [];
  return [
    plainText(t(locale, 'support.files.refused'), { color: 'Attention', weight: 'Bolder' }, { spacing: 'Small' }),
    ...refusedLines(screen, locale).map((line) => plainText(line, { color: 'Attention' }, { spacing: 'None' })),
  ];
}

/** Files attached, files refused (with why), and how to attach more. */
function filesPart(form: SupportFormScreen, locale: Locale): CardElement {
  const items: CardElement[] = [plainText(t(locale, 'support.label.files'), { weight: 'Bolder' })];
  for (const line of attachedLines(form.files, locale)) items.push(plainText(line, {}, { spacing: 'None' }));
  items.push(...refusedElements(form, locale));
  const how = filesHow(form, locale);
  if (how) items.push(plainText(how, { isSubtle: true }, { spacing: 'Small' }));
  return container(items, { separator: true, spacing: 'Medium' });
}

export function supportFormTeams(form: SupportFormScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(t(locale, 'support.form.title')), textBlock(t(locale, 'support.form.intro'), { isSubtle: true, spacing: 'Small' })];
  if (hasErrors(form)) body.push(container([textBlock(t(locale, 'support.form.fix'), { weight: 'Bolder', color: 'Attention' })], { style: 'attention' }));
  body.push(factsBlock(supportFacts(form.facts, locale)));
  // Fixed by R21: shown, never an input.
  body.push(factsBlock([problemTypeFact(locale)], { spacing: 'Medium', separator: true }));
  for (const field of supportFields(form, locale)) body.push(...fieldElements(field, locale));
  body.push(filesPart(form, locale));
  return adaptiveCard(body, {
    fallbackText: supportFormText(form, locale),
    // Review validates the inputs (the host's isRequired) and merges them; Cancel must work whatever they hold.
    actions: [cardButton(t(locale, 'support.form.review'), act.supportReview(form.draftId), { style: 'positive' }), cancelButton(locale)],
  });
}

// --- the review --------------------------------------------------------------------------

export function supportReviewTeams(screen: SupportReviewScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(t(locale, 'support.review.title')), factsBlock(supportFacts(screen.facts, locale), { spacing: 'Small' })];
  body.push(factsBlock(reviewFields(screen, locale), { spacing: 'Medium', separator: true }));
  for (const [label, value] of reviewTexts(screen, locale)) {
    body.push(plainText(label, { weight: 'Bolder' }, { spacing: 'Medium' }), plainText(value || '—', {}, { spacing: 'None' }));
  }
  // The files, those sent with the Review but refused right below them, then where it goes.
  const [filesLabel, files] = reviewFiles(screen, locale);
  const [deskLabel, desk] = reviewDesk(screen, locale);
  body.push(container([labelled(filesLabel, files), ...refusedElements(screen, locale), labelled(deskLabel, desk)], { spacing: 'Medium' }));
  body.push(textBlock(t(locale, 'support.review.hint'), { isSubtle: true }));
  return adaptiveCard(body, {
    fallbackText: supportReviewText(screen, locale),
    actions: [
      plainButton(t(locale, 'support.review.submit'), act.supportSubmit(screen.reviewId), 'positive'),
      plainButton(t(locale, 'support.review.edit'), act.supportEdit(screen.reviewId)),
      cancelButton(locale),
    ],
  });
}

// --- submitted ---------------------------------------------------------------------------

export function supportSubmittedTeams(screen: SupportSubmittedScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    container([heading(submittedTitle(screen, locale)), plainText(submittedBody(screen, locale), {}, { spacing: 'Small' })], { style: screen.existing ? 'emphasis' : 'good' }),
  ];
  return adaptiveCard(body, { fallbackText: supportSubmittedText(screen, locale), actions: [myRequests(locale)] });
}

// --- the list ----------------------------------------------------------------------------

const STATUS_COLOR: { readonly [S in SupportRequestRow['status']]: TextColor } = { queued: 'Default', filed: 'Default', failed: 'Attention' };

function requestRow(row: SupportRequestRow, locale: Locale): CardElement {
  // "Request 42 · order ORD-1: Filed as CSP-000042" on one line, the status in colour; the details below.
  const lines: CardElement[] = [
    richText([textRun(`${requestHeading(row, locale)}: `, { weight: 'Bolder' }), textRun(statusText(row, locale), { color: STATUS_COLOR[row.status], weight: 'Bolder' })]),
    plainText(requestDetails(row, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' }),
  ];
  const action = row.status === 'failed' ? fileAgain(row.requestId, locale) : row.status === 'filed' ? openTicket(row.ticketUrl, locale) : null;
  return listRow(lines, action);
}

export function supportListTeams(screen: SupportListScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(t(locale, 'support.list.title'))];
  const rows = shownRequests(screen);
  if (rows.length === 0) body.push(plainText(t(locale, 'support.list.none'), {}, { spacing: 'Small' }));
  else body.push(container(rows.map((r) => requestRow(r, locale))));
  if (moreRequests(screen)) body.push(textBlock(moreRequestsText(locale), { isSubtle: true }));
  return adaptiveCard(body, { fallbackText: supportListText(screen, locale), actions: [plainButton(t(locale, 'support.start.title'), act.command('support'))] });
}

// --- the notifications (R21) -------------------------------------------------------------

export function supportFiledTeams(screen: SupportFiledScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [container([heading(t(locale, 'support.filed.title'))], { style: 'good' }), plainText(filedBody(screen, locale), {}, { spacing: 'Medium' })];
  const open = openTicket(screen.ticketUrl, locale);
  return adaptiveCard(body, { fallbackText: supportFiledText(screen, locale), actions: [...(open ? [open] : []), myRequests(locale)] });
}

export function supportFailedTeams(screen: SupportFailedScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    container([heading(t(locale, 'support.failed.title'))], { style: 'attention' }),
    plainText(failedBody(screen, locale), {}, { spacing: 'Medium' }),
    plainText(keptText(screen, locale, 'msteams'), { weight: 'Bolder' }),
  ];
  return adaptiveCard(body, { fallbackText: supportFailedText(screen, locale), actions: [fileAgain(screen.requestId, locale), myRequests(locale)] });
}
