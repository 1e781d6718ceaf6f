/**
 * `keys [customer]` (also `software [customer]`): a customer's purchased software → one
 * purchase → Version, Language and File type/OS → "Get keys and downloads" (R8–R12, R19).
 *
 * The key and link are secrets (R11): in a Teams personal chat and on Slack (ephemeral
 * answers) they are shown here; from a Teams group chat or channel they are sent to the
 * user's personal chat with the bot and the channel only hears that they were — or, if
 * the user has no personal chat with the bot yet, how to get one. Nothing secret is kept
 * in dialog state: it holds the customer id and the step.
 *
 * The flow stays open after a key was shown, so "Get keys and downloads" can be pressed
 * again (a fresh link each time, R10) and another purchase picked from the list.
 */
import { Dialog, DialogReason, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';
import type { SoftwareAction } from '../cards/actions.js';
import { notice, notices, type Screen, type SoftwareChoicesScreen, type SoftwareRow } from '../cards/index.js';
import type { Actor } from '../services/access/roles.js';
import { isSoftwareError } from '../services/software/errors.js';
import type { SoftwareService } from '../services/software/software-service.js';
import type { SoftwareChoices, SoftwareItem } from '../services/software/types.js';
import { assertNever, parseSoftwareAction } from './actions.js';
import { CUSTOMER_STEP, type CustomerStepOptions, type CustomerStepResult } from './customer-step.js';
import { submitted } from './input.js';
import { customerSummary } from './purchase-views.js';
import { orRefuse, refusalNotice } from './refusals.js';
import { finishFlow } from './runner.js';
import { conversationIsPrivate, requireActor, show } from './ui.js';

export const SOFTWARE_DIALOG = 'keys';

/** Sends a screen to the actor's personal chat with the bot (Teams), outside this turn's conversation. */
export interface PersonalChat {
  /** The actor's personal chat with the bot (opaque: what `send` needs), or null when they have none. */
  find(actor: Actor): Promise<PersonalChatAddress | null>;
  /** 'undelivered': the message could not be delivered to that chat. */
  send(chat: PersonalChatAddress, actor: Actor, screen: Screen): Promise<'sent' | 'undelivered'>;
}

/** Where a personal chat is, as PersonalChat#find found it; only PersonalChat#send reads it. */
export interface PersonalChatAddress {
  readonly personalChat: unknown;
}

interface SoftwareState {
  step: 'customer' | 'list';
  customerId?: string;
}

function utcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function softwareRow(item: SoftwareItem): SoftwareRow {
  return {
    orderId: item.orderId,
    lineNumber: item.lineNumber,
    title: item.title,
    quantity: item.quantity,
    status: item.orderStatus,
    purchaseDate: utcDate(item.purchasedAt),
    keyAvailable: item.keyAvailable,
  };
}

function choicesScreen(c: SoftwareChoices, extra: Pick<SoftwareChoicesScreen, 'selected' | 'missing'> = {}): SoftwareChoicesScreen {
  return {
    kind: 'softwareChoices',
    customer: customerSummary(c.customer),
    item: softwareRow(c.item),
    versions: c.versions,
    languages: c.languages,
    fileTypes: c.fileTypes,
    variants: c.variants,
    ...extra,
  };
}

export class SoftwareDialog extends Dialog<{ args?: string }> {
  constructor(
    private readonly software: SoftwareService,
    private readonly personalChat: PersonalChat,
  ) {
    super(SOFTWARE_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    dc.activeDialog!.state = { step: 'customer' } satisfies SoftwareState;
    // R8 first: a Sales agent or Global admin is told the role before anything else (and the attempt is recorded).
    const allowed = await orRefuse(dc.context, async () => {
      await this.software.authorize(requireActor(dc.context));
      return true;
    });
    if (!allowed) return dc.endDialog();
    // A customer id (a button), else a name, tenant id or domain.
    return dc.beginDialog(CUSTOMER_STEP, { flow: 'software', query: options?.args ?? null, byId: true } satisfies CustomerStepOptions);
  }

  override async resumeDialog(dc: DialogContext, _reason: DialogReason, result?: CustomerStepResult): Promise<DialogTurnResult> {
    if (!result?.customer) return dc.endDialog();
    return this.showList(dc, dc.activeDialog!.state as SoftwareState, result.customer.id);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as SoftwareState;
    // Saved at its customer step before that step was a dialog of its own: begin it now, with this turn.
    if (state.step === 'customer') return dc.beginDialog(CUSTOMER_STEP, { flow: 'software', answerThisTurn: true } satisfies CustomerStepOptions);
    const submit = submitted(dc.context);
    const action = submit ? parseSoftwareAction(submit) : null;
    if (action && state.step === 'list' && state.customerId) {
      switch (action.action) {
        case 'software.item':
          return this.showChoices(dc, state.customerId, action.orderId, action.lineNumber);
        case 'software.get':
          return this.getKeys(dc, state.customerId, action);
        // The Download link's own click never reaches a flow (the Slack listener drops it): one that does is forged.
        case 'software.download':
          break;
        default:
          return assertNever(action);
      }
    }
    await show(dc.context, notices.invalidSubmit());
    return Dialog.EndOfTurn;
  }

  // --- steps -----------------------------------------------------------------------

  /** The customer's software (R9, R19: cancelled purchases listed as "key not available"). */
  private async showList(dc: DialogContext, state: SoftwareState, customerId: string): Promise<DialogTurnResult> {
    const list = await orRefuse(dc.context, () => this.software.list(requireActor(dc.context), customerId));
    if (!list) return dc.endDialog();
    state.step = 'list';
    state.customerId = list.customer.id;
    if (list.items.length === 0) {
      await show(dc.context, notice('info', 'software.empty', { customer: list.customer.companyName }));
      finishFlow(dc.context);
      return dc.endDialog();
    }
    await show(dc.context, { kind: 'softwareList', customer: customerSummary(list.customer), items: list.items.map(softwareRow) });
    return Dialog.EndOfTurn;
  }

  private async showChoices(dc: DialogContext, customerId: string, orderId: string, lineNumber: number): Promise<DialogTurnResult> {
    const choices = await orRefuse(dc.context, () => this.software.choices(requireActor(dc.context), customerId, orderId, lineNumber));
    if (choices) await show(dc.context, choicesScreen(choices));
    return Dialog.EndOfTurn;
  }

  private async getKeys(dc: DialogContext, customerId: string, get: Extract<SoftwareAction, { action: 'software.get' }>): Promise<DialogTurnResult> {
    const ctx = dc.context;
    const me = requireActor(ctx);
    const { orderId, lineNumber, variantId, version, language, fileType } = get;
    const here = conversationIsPrivate(ctx);
    const chat = here ? null : await this.personalChat.find(me);
    if (!here && !chat) {
      // Nowhere private to send it: make no link (and log no key view) the user would never see.
      await show(ctx, notice('warning', 'software.noPersonalChat'));
      return Dialog.EndOfTurn;
    }
    try {
      const got = await this.software.getKeysAndDownload(me, {
        customerId, orderId, lineNumber,
        ...(variantId !== undefined ? { variantId } : { version: version ?? '', language: language ?? '', fileType: fileType ?? '' }),
      });
      const screen: Screen = {
        kind: 'softwareKeys',
        customer: customerSummary(got.customer),
        item: softwareRow(got.item),
        variant: { version: got.variant.version, language: got.variant.language, fileType: got.variant.fileType },
        activationKey: got.activationKey,
        simulated: got.simulated,
        downloadUrl: got.downloadUrl,
        expiresAt: got.expiresAt.toISOString(),
        maxDownloads: got.maxDownloads,
      };
      await this.showPrivately(ctx, me, screen, got.linkId, chat);
      // A key was shown and a link issued: `cancel` now has nothing to undo (the flow stays open for another).
      finishFlow(ctx);
    } catch (err) {
      if (isSoftwareError(err, 'variant_not_found')) {
        // Show the pickers again, saying that this combination does not exist.
        const choices = await orRefuse(dc.context, () => this.software.choices(me, customerId, orderId, lineNumber));
        if (choices) {
          const missing = { version: version ?? '', language: language ?? '', fileType: fileType ?? '' };
          await show(ctx, choicesScreen(choices, { missing, selected: missing }));
        }
        return Dialog.EndOfTurn;
      }
      await show(ctx, refusalNotice(err));
    }
    return Dialog.EndOfTurn;
  }

  /** R11: only the requesting Admin agent sees the key and link. */
  private async showPrivately(ctx: TurnContext, me: Actor, screen: Screen, linkId: string, chat: PersonalChatAddress | null): Promise<void> {
    // Never `keep` a secret on Slack (that would post it to the DM history for good).
    if (!chat) {
      await show(ctx, screen);
      return;
    }
    const sent = await this.personalChat.send(chat, me, screen);
    if (sent === 'sent') {
      await show(ctx, notice('info', 'software.sentPrivately'));
      return;
    }
    // Nobody holds the link: withdraw it, and let the activity log say it never reached anyone (R12).
    await this.software.withdrawUndelivered(me, linkId);
    await show(ctx, notice('warning', 'software.undelivered'));
  }
}
