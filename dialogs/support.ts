/**
 * `support [order id]` (R20, R21): a refund or cancellation support request, pre-filled with
 * everything the bot knows → the form (Impact, Title, Description, refund reason, amount,
 * contact, files) → the review → Submit → "being filed; you will get the ticket number" (the
 * worker's filing job files it and tells them, services/support/filing.ts).
 *
 * - `support` lists the user's cancellations that could not be completed, each a button that
 *   opens the form for its order; `support <order id>` opens the form at once (the "Request
 *   support" button of a failed cancellation sends exactly that).
 * - `support list`: the user's requests and where each stands; `support retry <id>`: file a
 *   request that could not be filed again.
 * - Files: Slack takes them in the form's file input (sent with Review); Teams in the personal
 *   chat, sent as attachments while the form is open. Each is checked (type, size, count) and
 *   kept with the form's draft until Submit.
 *
 * The flow keeps what it showed last (the draft's id, the values as typed, the review's id and
 * the form as reviewed): a Review for another draft or a Submit for another review is stale.
 * Submit files the form as reviewed — the values the review showed, never a card's.
 */
import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { act } from '../cards/actions.js';
import { notice, notices, type SupportFieldName, type SupportFileRefusalView, type SupportFormScreen, type SupportFormValues } from '../cards/index.js';
import { isOrderIdShaped } from '../services/ledger/purchase-ledger.js';
import { refuse } from '../services/refusal.js';
import { amountInput } from '../services/support/amount.js';
import type { CheckedSupportForm, SupportFacts, SupportFieldProblem, SupportService } from '../services/support/support-service.js';
import { draftTexts } from '../services/support/ticket.js';
import { assertNever, parseSupportAction } from './actions.js';
import { hasFiles, submitted } from './input.js';
import { orRefuse, refusalNotice } from './refusals.js';
import { finishFlow } from './runner.js';
import { FileTooLargeError, type SupportChannel } from './support-channel.js';
import { conversationIsPrivate, isSlack, localeOf, requireActor, show } from './ui.js';

export const SUPPORT_DIALOG = 'support';

interface SupportState {
  orderId?: string;
  cancellationId?: string | null;
  /** The form's draft: its files wait under this key until Submit. */
  draftId?: string;
  /** The form's values as last typed (or pre-filled). */
  values?: SupportFormValues;
  /** The review shown last, and the form as it showed it. */
  reviewId?: string;
  reviewed?: CheckedSupportForm;
  /** The request Submit made: the draft and its review are used up (a new form starts afresh). */
  submitted?: { requestId: string; orderId: string };
}

/** The last word of `support <order id> new`: file another request for an order that has one. */
const ANOTHER = new Set(['new', 'another', 'neu']);

const FIELD_ERRORS: Record<SupportFieldProblem, SupportFormScreen['errors'][SupportFieldName]> = {
  required: 'required', tooLong: 'tooLong', invalid: 'invalid', notANumber: 'notANumber', negative: 'negative', zero: 'zero', tooPrecise: 'tooPrecise', aboveTotal: 'aboveTotal',
};

export class SupportDialog extends Dialog<{ args?: string }> {
  constructor(
    private readonly support: SupportService,
    private readonly channel: SupportChannel,
  ) {
    super(SUPPORT_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    const state: SupportState = {};
    dc.activeDialog!.state = state;
    const ctx = dc.context;
    const me = requireActor(ctx);
    const words = (options?.args ?? '').trim().split(/\s+/).filter(Boolean);
    const first = (words[0] ?? '').toLowerCase();
    if (first === 'list') {
      const requests = await this.support.mine(me);
      await show(ctx, { kind: 'supportList', requests });
      return dc.endDialog();
    }
    if (first === 'retry') {
      if (!words[1]) {
        await show(ctx, notice('info', 'support.retryWhich', undefined, [{ labelKey: 'support.myRequests', data: act.command('support', 'list') }]));
        return dc.endDialog();
      }
      const request = await orRefuse(ctx, () => this.support.refile(me, words[1] ?? ''));
      if (request) await show(ctx, notice('info', 'support.retried', { requestId: request.requestId }));
      return dc.endDialog();
    }
    // `support <order id> new`: another request for an order that has one already, on purpose.
    const another = words.length > 1 && ANOTHER.has(words[words.length - 1]!.toLowerCase());
    const named = another ? words.slice(0, -1) : words;
    // An order id among the words ("support order 7DK3…"), else the words themselves: "support hello" is told there is no order "hello".
    const orderId = named.map((w) => w.replace(/[.,;:!?]+$/, '').toUpperCase()).find((w) => isOrderIdShaped(w) && /\d/.test(w)) ?? (named.length > 0 ? named.join(' ') : undefined);
    if (orderId) {
      const existing = another ? null : await this.support.openRequestFor(me, orderId);
      if (existing) {
        const ticket = existing.ticketNumber;
        await show(ctx, notice('info', ticket ? 'support.already.filed' : 'support.already.queued', { orderId: orderId.toUpperCase(), requestId: existing.requestId, ticketNumber: ticket ?? '' }, [
          { labelKey: 'support.myRequests', data: act.command('support', 'list') },
          { labelKey: 'support.already.another', data: act.command('support', `${orderId.toUpperCase()} new`) },
        ]));
        return dc.endDialog();
      }
      return this.openForm(dc, state, orderId);
    }
    const [candidates, hasRequests] = await Promise.all([this.support.candidates(me), this.support.hasRequests(me)]);
    await show(ctx, { kind: 'supportStart', candidates, hasRequests });
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as SupportState;
    const result = await this.continueStep(dc, state);
    // Submitted (and no new form opened since): nothing left to undo, whatever this turn was.
    if (state.submitted) finishFlow(dc.context);
    return result;
  }

  private async continueStep(dc: DialogContext, state: SupportState): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const submit = submitted(ctx);
    if (!submit) {
      // Teams: files sent in the chat while the form is open.
      if (hasFiles(ctx.activity)) return this.filesSent(dc, state);
      await show(ctx, notices.invalidSubmit());
      return Dialog.EndOfTurn;
    }
    const action = parseSupportAction(submit);
    if (!action) {
      await show(ctx, notices.invalidSubmit());
      return Dialog.EndOfTurn;
    }
    switch (action.action) {
      case 'support.order':
        return this.openForm(dc, state, action.orderId);
      case 'support.review':
        if (!state.draftId || action.draftId !== state.draftId) return this.stale(dc);
        if (state.submitted) return this.alreadySubmitted(dc, state.submitted);
        return this.review(dc, state, action.fields);
      case 'support.edit':
        if (!state.reviewId || action.reviewId !== state.reviewId) return this.stale(dc);
        if (state.submitted) return this.alreadySubmitted(dc, state.submitted);
        return this.showForm(dc, state, {});
      case 'support.submit':
        if (!state.reviewId || action.reviewId !== state.reviewId || !state.reviewed) return this.stale(dc);
        return this.submit(dc, state);
      default:
        return assertNever(action);
    }
  }

  // --- steps -----------------------------------------------------------------------

  /** The form for `orderId`, pre-filled with what the bot knows and the channel says of the user. */
  private async openForm(dc: DialogContext, state: SupportState, orderId: string): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const facts = await orRefuse(ctx, () => this.support.facts(requireActor(ctx), orderId));
    if (!facts) return state.draftId ? Dialog.EndOfTurn : dc.endDialog();
    const contact = await this.channel.contactOf(ctx);
    const texts = draftTexts(facts, this.support.limits.titleMax);
    state.orderId = facts.orderId;
    state.cancellationId = facts.cancellation?.id ?? null;
    state.draftId = randomUUID();
    state.values = {
      impact: 'moderate',
      title: texts.title,
      description: texts.description,
      refundReason: texts.refundReason,
      amount: amountInput(this.support.suggestedAmount(facts), facts.currency, localeOf(ctx)),
      contactName: contact.name,
      contactEmail: contact.email,
      contactPhone: contact.phone,
    };
    delete state.reviewId;
    delete state.reviewed;
    delete state.submitted;
    return this.showForm(dc, state, {}, facts);
  }

  private async showForm(
    dc: DialogContext,
    state: SupportState,
    errors: SupportFormScreen['errors'],
    knownFacts?: SupportFacts,
    refusedFiles: SupportFileRefusalView[] = [],
  ): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    const facts = knownFacts ?? (await orRefuse(ctx, () => this.support.facts(me, state.orderId!)));
    if (!facts) return dc.endDialog();
    const files = await this.support.files(me, state.draftId!);
    const limits = this.support.limits;
    await show(ctx, {
      kind: 'supportForm',
      draftId: state.draftId!,
      facts: factsView(facts),
      values: state.values!,
      errors,
      limits: { titleMax: limits.titleMax, descriptionMax: limits.descriptionMax, refundReasonMax: limits.refundReasonMax, maxFiles: limits.maxFiles, maxFileBytes: limits.maxFileBytes, fileTypes: limits.fileTypes },
      files: files.map((f) => ({ name: f.name, sizeBytes: f.sizeBytes })),
      refusedFiles,
      filesBy: filesBy(ctx, limits.maxFiles),
    });
    return Dialog.EndOfTurn;
  }

  /** Review: the form checked (each problem shown beside its field), then exactly what will be filed. */
  /**
   * Review: the form checked first — a problem shows the form again at once, each beside its field
   * (on Slack the modal reopens with the submission's trigger, valid for 3 seconds: no file is
   * fetched before it) — then the files of this turn taken, then exactly what will be filed, with
   * the files that could not be attached named (Edit to try others).
   */
  private async review(dc: DialogContext, state: SupportState, fields: Partial<Record<SupportFieldName, string>>): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    state.values = { ...state.values!, ...fields };
    const facts = await orRefuse(ctx, () => this.support.facts(me, state.orderId!));
    if (!facts) return dc.endDialog();
    const checked = this.support.check(facts, state.values, localeOf(ctx), me.locale);
    if (!checked.ok) {
      const errors: SupportFormScreen['errors'] = {};
      for (const [k, p] of Object.entries(checked.problems)) errors[k as SupportFieldName] = FIELD_ERRORS[p];
      return this.showForm(dc, state, errors, facts);
    }
    const refusedFiles = await this.takeFiles(dc, state);
    state.reviewId = randomUUID();
    state.reviewed = checked.form;
    const files = await this.support.files(me, state.draftId!);
    const f = checked.form;
    await show(ctx, {
      kind: 'supportReview',
      reviewId: state.reviewId,
      facts: factsView(facts),
      impact: f.impact,
      title: f.title,
      description: f.description,
      refundReason: f.refundReason,
      amountMinor: f.amountMinor,
      contact: { name: f.contactName, email: f.contactEmail, phone: f.contactPhone },
      files: files.map((x) => ({ name: x.name, sizeBytes: x.sizeBytes })),
      refusedFiles,
      desk: this.support.deskName,
    });
    return Dialog.EndOfTurn;
  }

  private async submit(dc: DialogContext, state: SupportState): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const result = await orRefuse(ctx, () => this.support.submit(requireActor(ctx), {
      reviewId: state.reviewId!, draftKey: state.draftId!, orderId: state.orderId!, cancellationId: state.cancellationId ?? null, form: state.reviewed!,
      conversation: { channel: ctx.activity.channelId, conversationId: ctx.activity.conversation.id },
    }));
    if (!result) return Dialog.EndOfTurn;
    // Submitted: nothing left to undo (continueDialog); the flow stays open so a second Submit answers with the same request.
    state.submitted = { requestId: result.request.requestId, orderId: result.request.orderId };
    await show(ctx, { kind: 'supportSubmitted', requestId: result.request.requestId, orderId: result.request.orderId, existing: result.status === 'existing' }, { keep: true });
    return Dialog.EndOfTurn;
  }

  /** The form or review of a submitted request used again (Review, Edit, a file sent): the request it made, nothing new. */
  private async alreadySubmitted(dc: DialogContext, request: NonNullable<SupportState['submitted']>): Promise<DialogTurnResult> {
    await show(dc.context, { kind: 'supportSubmitted', requestId: request.requestId, orderId: request.orderId, existing: true });
    return Dialog.EndOfTurn;
  }

  /** Teams: files sent in the chat while the form (or its review) is open: taken, then the form again. */
  private async filesSent(dc: DialogContext, state: SupportState): Promise<DialogTurnResult> {
    if (!state.draftId) {
      await show(dc.context, notice('info', 'support.filesNeedForm'));
      return Dialog.EndOfTurn;
    }
    if (state.submitted) return this.alreadySubmitted(dc, state.submitted);
    // Where the form takes no files (a Teams group chat: it says so), none are fetched.
    if (filesBy(dc.context, this.support.limits.maxFiles) === 'none' && this.support.limits.maxFiles > 0) {
      await show(dc.context, notice('info', 'support.files.personalOnly'));
      return Dialog.EndOfTurn;
    }
    const refused = await this.takeFiles(dc, state);
    // A review shown before no longer lists every file: the form again, to review with them.
    delete state.reviewId;
    delete state.reviewed;
    return this.showForm(dc, state, {}, undefined, refused);
  }

  /** The files of this turn, each checked and kept with the draft; what was refused, and why. */
  private async takeFiles(dc: DialogContext, state: SupportState): Promise<SupportFileRefusalView[]> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    const incoming = await this.channel.filesOf(ctx);
    const refused: SupportFileRefusalView[] = [];
    if (incoming.length === 0) return refused;
    let count = (await this.support.files(me, state.draftId!)).length;
    for (const file of incoming) {
      const name = file.name.slice(0, 255);
      if (file.unreadable) {
        refused.push({ name, reason: 'unreadable' });
        continue;
      }
      const early = this.support.fileRefusal(name, file.sizeBytes, count);
      if (early) {
        refused.push({ name, reason: early });
        continue;
      }
      let content: Buffer;
      try {
        content = await file.read(this.support.limits.maxFileBytes);
      } catch (err) {
        refused.push({ name, reason: err instanceof FileTooLargeError ? 'tooLarge' : 'unreadable' });
        continue;
      }
      const added = await this.support.addFile(me, state.draftId!, { name, content });
      if (added.ok) count += 1;
      else refused.push({ name, reason: added.refusal });
    }
    return refused;
  }

  private async stale(dc: DialogContext): Promise<DialogTurnResult> {
    await show(dc.context, refusalNotice(refuse({ code: 'stale_support_card' })));
    return Dialog.EndOfTurn;
  }
}

/** How the form takes files here: Slack's modal input, a Teams personal chat, or not at all (a group chat, or a desk without files). */
function filesBy(ctx: TurnContext, maxFiles: number): SupportFormScreen['filesBy'] {
  return maxFiles === 0 ? 'none' : isSlack(ctx) ? 'modal' : conversationIsPrivate(ctx) ? 'chat' : 'none';
}

function factsView(f: SupportFacts): SupportFormScreen['facts'] {
  return {
    customerName: f.customerName,
    customerTenantId: f.customerTenantId,
    customerDomain: f.customerDomain,
    orderId: f.orderId,
    productTitle: f.productTitle,
    purchaseDate: f.purchasedAt.slice(0, 10),
    currency: f.currency,
    orderTotalMinor: f.orderTotalMinor,
    cancellation: f.cancellation ? { reason: f.cancellation.reason, code: f.cancellation.code } : null,
  };
}
