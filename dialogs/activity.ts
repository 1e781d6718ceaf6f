/**
 * `activity [from] [to]` (R12, R13): who viewed software keys, was issued download links,
 * downloaded software or was refused, for a date range — the summary line and a page of
 * events, newest first, with Next page, filters (customer, user, kind of event) and an export
 * of the whole range as CSV.
 *
 * - The range is read in the user's time zone (Teams' localTimezone, Slack's users.info `tz`;
 *   UTC when the channel does not say), as typed ("2026-11-01 2026-11-30", "1.11.2026",
 *   "last 7 days", "November") or picked in the form (date pickers). Default: the last 30
 *   days. A range the log no longer keeps is cut to the retention, and the card says so.
 * - Who may: the `audit` capability — the runner checks it before the flow starts, and every
 *   service call checks it again (and records a refusal).
 * - The flow keeps the range and filters; only the next page's cursor travels on the button,
 *   and the service checks it against them (a tampered or another range's cursor is refused).
 * - Export: Slack uploads the CSV into the user's DM (streamed from Postgres into a temporary
 *   file, then to Slack); Teams gets a short-lived link, and only in the personal chat (it
 *   opens the partner's log), which the bot serves (bot/http/exports.ts).
 */
import type { TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { IANAZone } from 'luxon';
import { act } from '../cards/actions.js';
import {
  CARD_LIMITS, formatDate, notice, notices, t,
  type ActivityFilterFormScreen, type ActivityFilterView, type ActivityKindView, type ActivityRangeView, type ActivityRowView, type NoticeScreen,
} from '../cards/index.js';
import type { ActivityExport, ActivityExportRequest } from '../services/activity/activity-export.js';
import { customersNamed, type ActivityEntryView, type ActivityFilter, type ActivityQuery, type ActivitySummary } from '../services/activity/activity-query.js';
import { DEFAULT_MAX_DAYS, parseActivityRange, rangeBounds, type ActivityRangeProblem, type PickedRange } from '../services/activity/date-range.js';
import { exportFileName, type ActivityExportLinks } from '../services/activity/export-links.js';
import type { Actor } from '../services/access/roles.js';
import type { CustomerDirectory } from '../services/customers/directory.js';
import type { Logger } from '../services/logger.js';
import { ExportUploadError, type ActivityChannel } from './activity-channel.js';
import { assertNever, parseActivityAction, type ParsedActivityAction } from './actions.js';
import { submitted } from './input.js';
import { orRefuse } from './refusals.js';
import { finishFlow } from './runner.js';
import type { PersonalChat } from './software.js';
import { conversationIsPrivate, localeOf, requireActor, show } from './ui.js';

export const ACTIVITY_DIALOG = 'activity';

export interface ActivityDialogDeps {
  query: Pick<ActivityQuery, 'page' | 'summary' | 'choices' | 'userName'>;
  exporter: Pick<ActivityExport, 'exportCsv'>;
  links: Pick<ActivityExportLinks, 'issue' | 'recordUpload'>;
  customers: Pick<CustomerDirectory, 'get'>;
  channel: ActivityChannel;
  /** Teams: where the export link is sent from a group chat or channel. */
  personalChat: PersonalChat;
  /** The bot's public address: export links point there. */
  publicUrl: () => string;
  retentionMonths: number;
  logger: Logger;
  now?: () => Date;
}

interface ActivityState {
  /** The range's instants (ISO): [from, to). */
  from: string;
  to: string;
  /** Its first and last calendar day in `zone`. */
  days: { from: string; to: string };
  clipped: boolean;
  zone: string;
  filter: ActivityFilter;
  /** The page shown (1 = the first) and the cursors of the pages after it, as given out: cursors[n - 1] opens page n + 1. */
  page: number;
  cursors: string[];
  /** The page on show, as it was read: its cursor (null: the first) and number (null: a cursor not given out here). */
  shown?: { cursor: string | null; page: number | null };
  /**
   * The summary line of the range and filters, as the first page counted it: Next shows it again
   * instead of counting the range once more (30 ms for 30 days of a busy partner, near a second
   * for a year) — newer events do not enter later pages either.
   */
  summary?: ActivitySummary;
}

/** How many cursors the flow remembers to number the pages (beyond, pages are still shown, unnumbered after a jump). */
const MAX_REMEMBERED_CURSORS = 200;

const KINDS: readonly ActivityKindView[] = ['keys', 'downloads', 'refusals'];

/** What the form's selects send for "no filter" (Slack options cannot have an empty value). */
const ALL = 'all';

export class ActivityDialog extends Dialog<{ args?: string }> {
  private readonly now: () => Date;

  constructor(private readonly deps: ActivityDialogDeps) {
    super(ACTIVITY_DIALOG);
    this.now = deps.now ?? (() => new Date());
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    const zone = this.zoneOf(ctx);
    const typed = (options?.args ?? '').trim();
    const read = this.readRange(typed === '' ? undefined : typed, zone, me);
    // The flow starts on the default range when the typed one could not be read, so the
    // notice's "Change dates or filters" opens the form.
    const fallback = read.ok ? null : this.readRange(undefined, zone, me);
    const range = read.ok ? read : fallback!;
    if (!range.ok) throw new Error('the default activity range could not be read');
    const state: ActivityState = { from: range.from.toISOString(), to: range.to.toISOString(), days: range.label, clipped: range.clippedByRetention, zone, filter: {}, page: 1, cursors: [] };
    dc.activeDialog!.state = state;
    if (!read.ok) {
      await show(ctx, rangeProblemNotice(read.problem, read.text));
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    if (read.from >= read.to) {
      await show(ctx, this.beforeRetentionNotice(ctx, state.zone));
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    return this.showFirstPage(dc, state);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const state = dc.activeDialog!.state as ActivityState;
    const submit = submitted(ctx);
    const action = submit ? parseActivityAction(submit) : null;
    if (!action) {
      await show(ctx, notices.invalidSubmit());
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    return this.act(dc, state, action);
  }

  private async act(dc: DialogContext, state: ActivityState, action: ParsedActivityAction): Promise<DialogTurnResult> {
    const ctx = dc.context;
    switch (action.action) {
      case 'activity.next':
        return this.showNextPage(dc, state, action.cursor);
      case 'activity.filters':
        return this.showForm(dc, state, null, null);
      case 'activity.apply':
        return this.apply(dc, state, action);
      case 'activity.clear':
        state.filter = {};
        return this.showFirstPage(dc, state);
      case 'activity.back':
        return this.showFirstPage(dc, state);
      case 'activity.export':
        // The log keeps its place (the click's answer goes there first, issue 13): the export's
        // answer — a link, "preparing" — comes below it, and the log can still be paged.
        await this.showPage(dc, state, state.shown?.cursor ?? null, state.shown ? state.shown.page : 1);
        await this.export(ctx, state);
        finishFlow(ctx);
        return Dialog.EndOfTurn;
      default:
        return assertNever(action);
    }
  }

  // ---- the list ----------------------------------------------------------------------------

  /** `summary`: already counted for this range and filters (Apply checked them with it). */
  private async showFirstPage(dc: DialogContext, state: ActivityState, summary?: ActivitySummary): Promise<DialogTurnResult> {
    state.page = 1;
    state.cursors = [];
    state.summary = summary;
    return this.showPage(dc, state, null);
  }

  private async showNextPage(dc: DialogContext, state: ActivityState, cursor: string): Promise<DialogTurnResult> {
    // A cursor this flow gave out numbers its page; any other is for the service to judge (it refuses a tampered one).
    const index = state.cursors.indexOf(cursor);
    return this.showPage(dc, state, cursor, index >= 0 ? index + 2 : null);
  }

  private async showPage(dc: DialogContext, state: ActivityState, cursor: string | null, pageNumber: number | null = 1): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    const range = rangeOf(state);
    // Next (a cursor) shows the first page's summary again; so does a first page whose summary Apply counted.
    const kept = state.summary;
    const shown = await orRefuse(ctx, async () => {
      const [summary, page] = await Promise.all([
        kept ?? this.deps.query.summary(me, { range, filter: state.filter }),
        this.deps.query.page(me, { range, filter: state.filter, cursor, limit: CARD_LIMITS.activityEntries }),
      ]);
      return { summary, page };
    });
    if (!shown) {
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    const { summary, page } = shown;
    state.summary = summary;
    state.shown = { cursor, page: pageNumber };
    if (pageNumber !== null) state.page = pageNumber;
    if (page.next && pageNumber !== null && state.cursors.length < MAX_REMEMBERED_CURSORS && !state.cursors.includes(page.next)) {
      state.cursors[pageNumber - 1] = page.next;
    }
    const names = await customersNamed(this.deps.customers, me, page.entries.map((e) => e.customerId));
    await show(ctx, {
      kind: 'activityLog',
      range: this.rangeView(state),
      filter: await this.filterView(me, state.filter),
      summary,
      entries: page.entries.map((e) => rowOf(e, names)),
      page: pageNumber ?? state.page,
      nextCursor: page.next,
    });
    finishFlow(ctx);
    return Dialog.EndOfTurn;
  }

  // ---- range and filters -------------------------------------------------------------------

  private async showForm(dc: DialogContext, state: ActivityState, problem: ActivityRangeProblem | null, typed: PickedRange | null): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    const choices = await orRefuse(ctx, () => this.deps.query.choices(me, { range: rangeOf(state), limit: CARD_LIMITS.activityChoices }));
    if (!choices) {
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    const names = await customersNamed(this.deps.customers, me, choices.customerIds);
    const bounds = this.bounds(state.zone);
    const form: ActivityFilterFormScreen = {
      kind: 'activityFilterForm',
      from: pickedDay(typed?.from) ?? state.days.from,
      to: pickedDay(typed?.to) ?? state.days.to,
      maxDate: bounds.today,
      minDate: bounds.earliest,
      zone: state.zone,
      customers: choices.customerIds.map((id) => ({ id, name: names.get(id)?.name ?? id })),
      users: choices.users.map((u) => ({ id: u.id, name: u.displayName ?? t(localeOf(ctx), 'activity.form.unknownUser', { id: u.id }) })),
      selected: { customerId: state.filter.customerId ?? null, userId: state.filter.userId ?? null, kind: state.filter.kind ?? null },
      problem,
    };
    await show(ctx, form);
    finishFlow(ctx);
    return Dialog.EndOfTurn;
  }

  private async apply(dc: DialogContext, state: ActivityState, action: Extract<ParsedActivityAction, { action: 'activity.apply' }>): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    const kind = action.kind === '' || action.kind === ALL ? undefined : action.kind;
    const customerId = action.customerId === '' || action.customerId === ALL ? undefined : action.customerId;
    const userText = action.userId === '' || action.userId === ALL ? undefined : action.userId;
    const userId = userText === undefined ? undefined : /^\d{1,15}$/.test(userText) ? Number(userText) : NaN;
    if ((kind !== undefined && !KINDS.includes(kind as ActivityKindView)) || (userId !== undefined && !Number.isSafeInteger(userId))) {
      await show(ctx, notices.invalidSubmit());
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    const picked: PickedRange = { from: action.from, to: action.to };
    const read = this.readRange(picked, state.zone, me);
    if (!read.ok) return this.showForm(dc, state, read.problem, picked);
    if (read.from >= read.to) {
      await show(ctx, this.beforeRetentionNotice(ctx, state.zone));
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    const filter: ActivityFilter = {
      ...(customerId !== undefined ? { customerId } : {}),
      ...(userId !== undefined ? { userId } : {}),
      ...(kind !== undefined ? { kind: kind as ActivityKindView } : {}),
    };
    // The new range and filters take effect only once the service has taken them (another partner's customer is refused).
    const next: ActivityState = { ...state, from: read.from.toISOString(), to: read.to.toISOString(), days: read.label, clipped: read.clippedByRetention, filter };
    const checked = await orRefuse(ctx, () => this.deps.query.summary(me, { range: rangeOf(next), filter }));
    if (!checked) {
      finishFlow(ctx);
      return Dialog.EndOfTurn;
    }
    // The summary that checked them is the first page's: not counted a second time.
    Object.assign(state, next);
    return this.showFirstPage(dc, state, checked);
  }

  // ---- export ------------------------------------------------------------------------------

  private async export(ctx: TurnContext, state: ActivityState): Promise<void> {
    const me = requireActor(ctx);
    const locale = localeOf(ctx);
    const request: ActivityExportRequest = { range: rangeOf(state), filter: state.filter, zone: state.zone };
    const from = formatDate(state.days.from, locale);
    const to = formatDate(state.days.to, locale);
    if (this.deps.channel.canUpload(ctx)) {
      const progress = { rows: 0 };
      // Checked before anything is said: a refusal is the answer, not "preparing".
      const chunks = await orRefuse(ctx, () => this.deps.exporter.exportCsv(me, request, progress));
      if (!chunks) return;
      await show(ctx, notice('info', 'activity.export.preparing', { from, to }));
      try {
        await this.deps.channel.uploadToDirectMessages(ctx, {
          name: exportFileName(request.range, request.zone),
          title: t(locale, 'activity.export.fileTitle', { from, to }),
          comment: () => t(locale, progress.rows === 1 ? 'activity.export.uploadedComment.one' : 'activity.export.uploadedComment.other', { from, to, rows: progress.rows }),
          chunks,
        });
      } catch (err) {
        this.deps.logger.warn({ err, rows: progress.rows }, 'activity export: upload to the DM failed');
        const permission = err instanceof ExportUploadError && err.kind === 'permission';
        await show(ctx, notice('warning', permission ? 'activity.export.noUploadPermission' : 'activity.export.failed'));
        return;
      }
      await this.deps.links.recordUpload(me, request, progress.rows);
      return;
    }
    // Teams: a link that opens the partner's log goes only into the personal chat.
    const here = conversationIsPrivate(ctx);
    const chat = here ? null : await this.deps.personalChat.find(me);
    if (!here && !chat) {
      await show(ctx, notice('info', 'activity.export.noPersonalChat'));
      return;
    }
    const link = await orRefuse(ctx, () => this.deps.links.issue(me, request));
    if (!link) return;
    const screen = {
      kind: 'activityExportLink' as const,
      url: `${this.deps.publicUrl().replace(/\/+$/, '')}/exports/${link.token}`,
      expiresAt: link.expiresAt.toISOString(),
      range: this.rangeView(state),
      filter: await this.filterView(me, state.filter),
    };
    if (here) {
      await show(ctx, screen);
      return;
    }
    const sent = await this.deps.personalChat.send(chat!, me, screen);
    await show(ctx, notice(sent === 'sent' ? 'info' : 'warning', sent === 'sent' ? 'activity.export.sentToPersonalChat' : 'activity.export.failed'));
  }

  // ---- helpers -----------------------------------------------------------------------------

  private zoneOf(ctx: TurnContext): string {
    const zone = this.deps.channel.zoneOf(ctx);
    return zone && IANAZone.isValidZone(zone) ? zone : 'UTC';
  }

  private readRange(input: PickedRange | string | undefined, zone: string, me: Actor) {
    return parseActivityRange(input, { zone, locale: me.locale, now: this.now(), retentionMonths: this.deps.retentionMonths });
  }

  /** The whole range lies before what the log keeps. */
  private beforeRetentionNotice(ctx: TurnContext, zone: string): NoticeScreen {
    const earliest = formatDate(this.bounds(zone).earliest, localeOf(ctx));
    return notice('info', 'activity.range.emptyAfterRetention', { retentionMonths: this.deps.retentionMonths, earliest }, [{ labelKey: 'activity.changeFilters', data: act.activityFilters() }]);
  }

  /** Today and the first day the log keeps, in the zone — by the same rule the range is read with (date-range.ts). */
  private bounds(zone: string): { today: string; earliest: string } {
    return rangeBounds(this.now(), zone, this.deps.retentionMonths);
  }

  private rangeView(state: ActivityState): ActivityRangeView {
    const { earliest } = this.bounds(state.zone);
    return { from: state.days.from, to: state.days.to, zone: state.zone, clipped: state.clipped ? { retentionMonths: this.deps.retentionMonths, earliest } : null };
  }

  private async filterView(me: Actor, filter: ActivityFilter): Promise<ActivityFilterView> {
    const customerName = filter.customerId ? ((await customersNamed(this.deps.customers, me, [filter.customerId])).get(filter.customerId)?.name ?? filter.customerId) : null;
    const userName = filter.userId === undefined ? null : ((await this.deps.query.userName(me, filter.userId)) ?? `#${filter.userId}`);
    return { customerName, userName, kind: filter.kind ?? null };
  }

}

function rangeOf(state: ActivityState): { from: Date; to: Date } {
  return { from: new Date(state.from), to: new Date(state.to) };
}

function rowOf(e: ActivityEntryView, names: Map<string, { name: string } | null>): ActivityRowView {
  return {
    at: e.at,
    event: e.event as ActivityRowView['event'],
    outcome: e.outcome,
    userName: e.user ? (e.user.displayName ?? `#${e.user.id}`) : null,
    ip: e.ip,
    userAgent: e.userAgent,
    customerName: e.customerId ? (names.get(e.customerId)?.name ?? e.customerId) : null,
    productTitle: e.productTitle ?? e.productId,
    orderId: e.orderId,
  };
}

/** A picker's value, kept for the form when it is a day. */
function pickedDay(v: string | null | undefined): string | null {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
}

function rangeProblemNotice(problem: ActivityRangeProblem, text: string | undefined): NoticeScreen {
  const pick = [{ labelKey: 'activity.changeFilters' as const, data: act.activityFilters() }];
  switch (problem) {
    case 'notADate':
      return notice('warning', 'activity.range.notADate', { text: (text ?? '').slice(0, 60) }, pick);
    case 'wrongWayRound':
      return notice('warning', 'activity.range.wrongWayRound', undefined, pick);
    case 'future':
      return notice('warning', 'activity.range.future', undefined, pick);
    case 'tooLong':
      return notice('warning', 'activity.range.tooLong', { maxDays: DEFAULT_MAX_DAYS }, pick);
    default:
      return assertNever(problem);
  }
}
