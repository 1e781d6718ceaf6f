/**
 * Support requests (R20, R21) as Block Kit, and the form as a modal: one input per field, each
 * input's action_id (and block_id) naming the field — impact, title, description,
 * refundReason, amount, contactName, contactEmail, contactPhone — and a file input `files`;
 * the view_submission listener (bot/slack/listeners/views) merges them into the modal's
 * private_metadata, `{action: 'support.review', draftId}`, exactly as Teams merges the card's
 * inputs. Outside values go into plain_text; a field's error is its input's hint.
 */
import { act } from './actions.js';
import {
  actions, button, context, escapeMrkdwn, fileInput, header, input, labelledFields, linkButton, mrkdwn, option, plain, plainTextInput, section, slackMessage,
  slackModal, staticSelect,
  type ButtonElement, type InputBlock, type ModalBlock, type Mrkdwn, type PlainText, type SectionBlock, type SlackBlock, type SlackMessage, type SlackModalView,
} from './blockkit.js';
import { cancelButton } from './buy.slack.js';
import { t, type Locale } from './i18n/index.js';
import type {
  SupportFailedScreen, SupportFiledScreen, SupportFormScreen, SupportListScreen, SupportReviewScreen, SupportStartScreen, SupportSubmittedScreen,
} from './screens.js';
import {
  attachedLines, candidateLine, failedBody, fileInputHint, filedBody, filesHow, hasErrors, impactText, moreCandidates, moreCandidatesText, moreRequests,
  moreRequestsText, openableUrl, problemTypeFact, refusedLines, requestDetails, requestHeading, retryCommand, reviewDesk, reviewFields, reviewFiles, reviewTexts,
  shownCandidates, shownRequests, startIntro, submittedBody, submittedTitle, SUPPORT_IMPACTS, takesFiles, supportFacts, supportFailedText, supportFields, supportFiledText,
  supportListText, supportOrderCommand, supportReviewText, supportStartText, supportSubmittedText, statusText,
  type SupportFieldView, type SupportRequestRow,
} from './support.text.js';

/** "My requests": `support list`. */
function myRequests(locale: Locale): ButtonElement {
  return button(t(locale, 'support.myRequests'), act.command('support', 'list'), 'support-list');
}

/** "File again": `support retry <id>`. */
function fileAgain(requestId: string, locale: Locale): ButtonElement {
  return button(t(locale, 'support.fileAgain'), act.command('support', `retry ${requestId}`), `support-retry-${requestId}`);
}

/** "Open ticket", when the desk gave a link Slack can open. */
function openTicket(url: string | null, suffix: string, locale: Locale): ButtonElement | null {
  const openable = openableUrl(url);
  return openable ? linkButton(t(locale, 'support.openTicket'), openable, suffix) : null;
}

/**
 * A catalog text with its `{command}` written as code: "To file a request about another order,
 * type `/csp support <order id>`." Plain text if the command could break out of a code span.
 */
function withCommand(template: string, command: string): Mrkdwn | PlainText {
  if (/[`\n\r]/.test(command)) return plain(template.replace('{command}', command));
  const [before = '', after = ''] = template.split('{command}');
  return mrkdwn(`${escapeMrkdwn(before)}\`${escapeMrkdwn(command)}\`${escapeMrkdwn(after)}`);
}

// --- the start (R20) ---------------------------------------------------------------------

export function supportStartSlack(screen: SupportStartScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(t(locale, 'support.start.title')), section(plain(startIntro(screen, locale)))];
  for (const c of shownCandidates(screen)) blocks.push(section(plain(candidateLine(c, locale)), button(t(locale, 'support.start.file'), act.supportOrder(c.orderId), c.orderId)));
  if (moreCandidates(screen)) blocks.push(context([plain(moreCandidatesText(locale))]));
  blocks.push(context([withCommand(t(locale, 'support.start.hint'), supportOrderCommand(locale, 'slack'))]));
  blocks.push(actions([...(screen.hasRequests ? [myRequests(locale)] : []), cancelButton(locale, 'cancel.close')]));
  return slackMessage(supportStartText(screen, locale), blocks);
}

// --- the form as a modal (R21) -----------------------------------------------------------

/** A field as an input block; its error (then its hint) as the input's hint, right below the field. */
function fieldBlock(field: SupportFieldView, locale: Locale): InputBlock {
  const element =
    field.kind === 'choice'
      ? staticSelect(
          field.id,
          SUPPORT_IMPACTS.map((impact) => option(impactText(impact, locale), impact)),
          { ...(field.value ? { initial: field.value } : {}), ...(field.placeholder ? { placeholder: field.placeholder } : {}) },
        )
      : plainTextInput(field.id, {
          ...(field.value ? { initialValue: field.value } : {}),
          ...(field.maxLength !== null ? { maxLength: field.maxLength } : {}),
          ...(field.multiline ? { multiline: true } : {}),
          ...(field.placeholder ? { placeholder: field.placeholder } : {}),
        });
  const hint = [field.error ? `:warning: ${field.error}` : null, field.hint].filter((h): h is string => h !== null).join('\n');
  // Slack marks an optional input "(optional)" itself: the bare label.
  return input(field.label, element, { ...(hint ? { hint } : {}), ...(field.required ? {} : { optional: true }) });
}

/** ":warning: Not attached:" and each refused file with why, one a line; nothing when none was refused. */
function refusedBlocks(screen: SupportFormScreen | SupportReviewScreen, locale: Locale): SectionBlock[] {
  if (screen.refusedFiles.length === 0) return [];
  return [section(plain(`:warning: ${t(locale, 'support.files.refused')}\n${refusedLines(screen, locale).join('\n')}`))];
}

/** Files attached and refused; then the file input (a modal takes files) or how to attach them. */
function filesBlocks(form: SupportFormScreen, locale: Locale): ModalBlock[] {
  const blocks: ModalBlock[] = [section(plain(`${t(locale, 'support.label.files')}: ${attachedLines(form.files, locale).join(', ')}`)), ...refusedBlocks(form, locale)];
  if (form.filesBy === 'modal' && takesFiles(form)) {
    // block_id and action_id 'files': the listener merges the uploaded files' ids as `files`.
    blocks.push(
      input(t(locale, 'support.files.input'), fileInput('files', { fileTypes: form.limits.fileTypes, maxFiles: form.limits.maxFiles }), {
        hint: fileInputHint(form.limits, locale),
        optional: true,
      }),
    );
  }
  const how = filesHow(form, locale);
  if (how) blocks.push(context([plain(how)]));
  return blocks;
}

/**
 * The support request form as a modal (R21). Submitting sends `{action: 'support.review',
 * draftId}` with every field merged in under its name (and `files`: the uploaded files' ids
 * joined by commas). Slack keeps the modal open until the required inputs are filled; the
 * bot checks every value again and shows the form again with the errors beside the fields.
 */
export function supportFormModal(form: SupportFormScreen, locale: Locale): SlackModalView {
  const blocks: ModalBlock[] = [context([plain(t(locale, 'support.form.intro'))])];
  if (hasErrors(form)) blocks.push(section(mrkdwn(`:warning: *${escapeMrkdwn(t(locale, 'support.form.fix'))}*`)));
  blocks.push(...labelledFields([...supportFacts(form.facts, locale), problemTypeFact(locale)]));
  for (const field of supportFields(form, locale)) blocks.push(fieldBlock(field, locale));
  blocks.push(...filesBlocks(form, locale));
  return slackModal({
    title: t(locale, 'support.form.title'),
    submit: t(locale, 'support.form.review'),
    close: t(locale, 'buy.cancel'),
    data: act.supportReview(form.draftId),
    blocks,
  });
}

// --- the review --------------------------------------------------------------------------

export function supportReviewSlack(screen: SupportReviewScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(t(locale, 'support.review.title')), ...labelledFields(supportFacts(screen.facts, locale)), ...labelledFields(reviewFields(screen, locale))];
  for (const [label, value] of reviewTexts(screen, locale)) blocks.push(section(mrkdwn(`*${escapeMrkdwn(label)}*`)), section(plain(value || '—')));
  blocks.push(...labelledFields([reviewFiles(screen, locale), reviewDesk(screen, locale)]), ...refusedBlocks(screen, locale));
  blocks.push(context([plain(t(locale, 'support.review.hint'))]));
  blocks.push(
    actions([
      button(t(locale, 'support.review.submit'), act.supportSubmit(screen.reviewId), 'submit', 'primary'),
      button(t(locale, 'support.review.edit'), act.supportEdit(screen.reviewId), 'edit'),
      cancelButton(locale),
    ]),
  );
  return slackMessage(supportReviewText(screen, locale), blocks);
}

// --- submitted ---------------------------------------------------------------------------

export function supportSubmittedSlack(screen: SupportSubmittedScreen, locale: Locale): SlackMessage {
  return slackMessage(supportSubmittedText(screen, locale), [
    header(`${screen.existing ? '' : '✅ '}${submittedTitle(screen, locale)}`),
    section(plain(submittedBody(screen, locale))),
    actions([myRequests(locale)]),
  ]);
}

// --- the list ----------------------------------------------------------------------------

const STATUS_EMOJI: { readonly [S in SupportRequestRow['status']]: string } = { queued: '⏳', filed: '✅', failed: '⚠️' };

function requestSection(row: SupportRequestRow, locale: Locale): SlackBlock {
  const text = plain(`${requestHeading(row, locale)}\n${requestDetails(row, locale)}\n${STATUS_EMOJI[row.status]} ${statusText(row, locale)}`);
  const accessory = row.status === 'failed' ? fileAgain(row.requestId, locale) : row.status === 'filed' ? openTicket(row.ticketUrl, row.requestId, locale) : null;
  return accessory ? section(text, accessory) : section(text);
}

export function supportListSlack(screen: SupportListScreen, locale: Locale): SlackMessage {
  const blocks: SlackBlock[] = [header(t(locale, 'support.list.title'))];
  const rows = shownRequests(screen);
  if (rows.length === 0) blocks.push(section(plain(t(locale, 'support.list.none'))));
  for (const r of rows) blocks.push(requestSection(r, locale));
  if (moreRequests(screen)) blocks.push(context([plain(moreRequestsText(locale))]));
  blocks.push(actions([button(t(locale, 'support.start.title'), act.command('support'), 'support')]));
  return slackMessage(supportListText(screen, locale), blocks);
}

// --- the notifications (R21) -------------------------------------------------------------

export function supportFiledSlack(screen: SupportFiledScreen, locale: Locale): SlackMessage {
  const open = openTicket(screen.ticketUrl, 'ticket', locale);
  return slackMessage(supportFiledText(screen, locale), [
    header(`✅ ${t(locale, 'support.filed.title')}`),
    section(plain(filedBody(screen, locale))),
    actions([...(open ? [open] : []), myRequests(locale)]),
  ]);
}

export function supportFailedSlack(screen: SupportFailedScreen, locale: Locale): SlackMessage {
  return slackMessage(supportFailedText(screen, locale), [
    header(`⚠️ ${t(locale, 'support.failed.title')}`),
    section(plain(failedBody(screen, locale))),
    section(withCommand(t(locale, 'support.failed.kept'), retryCommand(screen.requestId, 'slack'))),
    actions([fileAgain(screen.requestId, locale), myRequests(locale)]),
  ]);
}
