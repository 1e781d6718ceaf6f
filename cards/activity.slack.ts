/**
 * The activity log (R12, R13) as Block Kit: the log (a page of events, newest first, two
 * blocks each, so ten events and everything around them stay well under Slack's 50 blocks),
 * the range and filter form as a modal (datepickers `from` and `to`, selects `kind`,
 * `customerId` and `userId`; the view_submission listener merges them into the modal's
 * private_metadata, `{action: 'activity.apply'}`, as Teams merges the card's inputs) and the
 * export link. Outside values (names, addresses, user agents, titles) go into plain_text.
 */
import { act } from './actions.js';
import {
  actions, button, context, datepicker, escapeMrkdwn, header, input, linkButton, mrkdwn, option, plain, section, slackMessage, slackModal, staticSelect,
  type ModalBlock, type SlackBlock, type SlackMessage, type SlackModalView,
} from './blockkit.js';
import {
  activityButtons, activityExportLinkText, activityHeadLines, activityLogText, customerChoices, earliestNote, entryDetails, entryWhat, entryWhen, entryWho,
  exportBody, exportValidity, filterText, isRefusal, kindChoices, pageText, problemText, selectedCustomer, selectedKind, selectedUser, shownEntries, userChoices,
  zoneNote, type ActivityChoice,
} from './activity.text.js';
import { t, type Locale } from './i18n/index.js';
import type { ActivityExportLinkScreen, ActivityFilterFormScreen, ActivityLogScreen, ActivityRowView } from './screens.js';

// --- the log -------------------------------------------------------------------------------

const EVENT_EMOJI: { readonly [E in ActivityRowView['event']]: string } = {
  key_view: ':key:',
  link_issued: ':link:',
  download: ':inbox_tray:',
  link_expired: ':hourglass:',
  revoked: ':wastebasket:',
  log_viewed: ':ledger:',
  log_exported: ':outbox_tray:',
};

/** One event: when and what (a refusal marked :no_entry:), then who and customer · product · order in a context line. */
function entryBlocks(row: ActivityRowView, zone: string, locale: Locale): SlackBlock[] {
  const mark = isRefusal(row) ? ':no_entry:' : EVENT_EMOJI[row.event];
  const details = entryDetails(row, locale);
  return [
    section(plain(`${mark} ${entryWhen(row, zone, locale)} · ${entryWhat(row, locale)}`)),
    context([plain(entryWho(row)), ...(details ? [plain(details)] : [])]),
  ];
}

export function activityLogSlack(screen: ActivityLogScreen, locale: Locale): SlackMessage {
  const head = activityHeadLines(screen, locale);
  const blocks: SlackBlock[] = [header(t(locale, 'activity.title')), context([plain(head.range), ...(head.filters ? [plain(head.filters)] : [])])];
  if (head.clipped) blocks.push(section(mrkdwn(`:warning: *${escapeMrkdwn(head.clipped)}*`)));
  blocks.push(section(mrkdwn(`*${escapeMrkdwn(head.summary)}*`)));
  const entries = shownEntries(screen);
  if (entries.length === 0) blocks.push(section(plain(t(locale, 'activity.none'))), context([plain(t(locale, 'activity.noneHint'))]));
  for (const row of entries) blocks.push(...entryBlocks(row, screen.range.zone, locale));
  const page = pageText(screen, locale);
  if (page) blocks.push(context([plain(page)]));
  blocks.push(actions(activityButtons(screen, locale).map((b) => button(b.label, b.data, `activity-${b.suffix}`, b.primary ? 'primary' : undefined))));
  return slackMessage(activityLogText(screen, locale), blocks);
}

// --- the range and filter form as a modal ---------------------------------------------------

function select(actionId: string, choices: readonly ActivityChoice[], initial: string) {
  return staticSelect(actionId, choices.map((c) => option(c.title, c.value)), { initial });
}

/**
 * The form as a modal. Submitting ("Show") sends `{action: 'activity.apply'}` with `from` and
 * `to` (the datepickers' YYYY-MM-DD) and `kind`, `customerId`, `userId` (the selects' values)
 * merged in. A static_select option cannot have the value '': the "All …" options send 'all',
 * which the dialog reads as no filter. Slack's datepicker takes no earliest or latest day: the
 * earliest is said under From, and the dialog checks the range again.
 */
export function activityFilterFormModal(form: ActivityFilterFormScreen, locale: Locale): SlackModalView {
  const blocks: ModalBlock[] = [];
  const problem = problemText(form, locale);
  if (problem) blocks.push(section(mrkdwn(`:warning: *${escapeMrkdwn(problem)}*`)));
  blocks.push(
    context([plain(zoneNote(form, locale))]),
    input(t(locale, 'activity.form.from'), datepicker('from', { initialDate: form.from }), { hint: earliestNote(form, locale) }),
    input(t(locale, 'activity.form.to'), datepicker('to', { initialDate: form.to })),
    input(t(locale, 'activity.form.kind'), select('kind', kindChoices(locale), selectedKind(form))),
    input(t(locale, 'activity.form.customer'), select('customerId', customerChoices(form, locale), selectedCustomer(form))),
    input(t(locale, 'activity.form.user'), select('userId', userChoices(form, locale), selectedUser(form))),
  );
  return slackModal({
    title: t(locale, 'activity.form.title'),
    submit: t(locale, 'activity.form.apply'),
    close: t(locale, 'buy.cancel'),
    data: act.activityApply(),
    blocks,
  });
}

// --- the export link -----------------------------------------------------------------------

/** The link only in the button: never in the text (the notification preview). */
export function activityExportLinkSlack(screen: ActivityExportLinkScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(t(locale, 'activity.export.title')), section(plain(exportBody(screen, locale)))];
  const filters = filterText(screen.filter, locale);
  if (filters) blocks.push(context([plain(filters)]));
  const download = linkButton(t(locale, 'activity.export.download'), screen.url, 'activity-export');
  if (download) blocks.push(actions([{ ...download, style: 'primary' }]));
  blocks.push(context([plain(exportValidity(screen, locale))]));
  return slackMessage(activityExportLinkText(screen, locale), blocks);
}
