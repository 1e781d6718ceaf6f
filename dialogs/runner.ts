/**
 * One turn of the conversation, for both channels. The Teams bot and the Slack
 * adapter call `DialogRunner.run` with who is speaking; the runner resolves the
 * partner and the user, remembers how to reach them, drops resent activities,
 * parses the input and routes it to a flow, with `help` and `cancel` working at
 * every step. Dialog state lives in Postgres (botbuilder PrivateConversationState
 * over PostgresStorage, so each user of a group chat has their own), never in process
 * memory.
 */
import { PrivateConversationState, type Storage, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type Dialog, type DialogState } from 'botbuilder-dialogs';
import type { PartnerDirectory, Partner } from '../services/access/directory.js';
import { hasAnyRole, type Actor, type Channel } from '../services/access/roles.js';
import { firstDelivery, upsertConversationRef } from '../services/conversations.js';
import type { Db } from '../services/db/pool.js';
import { findCommand, type CommandSpec } from './commands.js';
import { showHelp } from './help.js';
import { parseTurnInput } from './input.js';
import { ACTOR_KEY, show } from './ui.js';

/** Who is speaking in this turn, as the channel adapter saw it. */
export interface TurnIdentity {
  channel: Channel;
  /** Teams tenant id or Slack team id; undefined when the channel did not say. */
  partnerExternalId: string | undefined;
  userExternalId: string;
  displayName: string | null;
  locale: string;
  /** Key of the conversation to reach the user in later (conversation_refs.conversation_id). */
  conversationId: string;
  conversationType: string;
  /** How to reach this conversation proactively (Teams ConversationReference; Slack ids). */
  reference: object;
  /** Stable id of this inbound request, to drop resends and retries; undefined = none. */
  requestKey: string | undefined;
}

export const PARTNER_KEY = Symbol('csp.partner');

/** A flow that runs as a botbuilder dialog; its id is the command name. */
export interface Flow {
  command: string;
  dialog: Dialog;
}

export interface DialogRunnerDeps {
  db: Db;
  storage: Storage;
  directory: PartnerDirectory;
  flows?: readonly Flow[];
}

export class DialogRunner {
  /** Per conversation *and user*: in a group chat or channel each user has their own flow. */
  private readonly conversationState: PrivateConversationState;
  private readonly dialogState;
  private readonly dialogs: DialogSet;
  private readonly flowIds = new Set<string>();

  constructor(private readonly deps: DialogRunnerDeps) {
    this.conversationState = new PrivateConversationState(deps.storage);
    this.dialogState = this.conversationState.createProperty<DialogState>('dialogState');
    this.dialogs = new DialogSet(this.dialogState);
    for (const flow of deps.flows ?? []) {
      this.dialogs.add(flow.dialog);
      this.flowIds.add(flow.command);
    }
  }

  async run(ctx: TurnContext, who: TurnIdentity): Promise<void> {
    const partner = who.partnerExternalId ? await this.deps.directory.resolvePartner(who.channel, who.partnerExternalId) : null;
    if (!partner) {
      await show(ctx, {
        kind: 'notice',
        tone: 'warning',
        messageKey: 'notice.partnerNotOnboarded',
        params: { orgId: who.partnerExternalId ?? '—' },
      });
      return;
    }
    const actor = await this.deps.directory.actorFor({
      partnerId: partner.id,
      channel: who.channel,
      externalId: who.userExternalId,
      displayName: who.displayName,
      locale: who.locale,
    });
    ctx.turnState.set(ACTOR_KEY, actor);
    ctx.turnState.set(PARTNER_KEY, partner);
    await upsertConversationRef(this.deps.db, {
      partnerId: partner.id,
      channel: who.channel,
      conversationId: who.conversationId,
      userId: actor.userId,
      conversationType: who.conversationType,
      reference: who.reference,
    });
    if (who.requestKey && !(await firstDelivery(this.deps.db, who.channel, who.requestKey))) {
      return; // A resend or retry of a request already handled: never repeat its effect.
    }
    await this.route(ctx, actor, partner);
    await this.conversationState.saveChanges(ctx, false);
  }

  /** A new member (the bot installed, a user added): greet them once. */
  async welcome(ctx: TurnContext, displayName: string | null): Promise<void> {
    await show(ctx, { kind: 'welcome', displayName });
  }

  private async route(ctx: TurnContext, actor: Actor, partner: Partner): Promise<void> {
    const input = parseTurnInput(ctx.activity);
    const dc = await this.dialogs.createContext(ctx);

    switch (input.kind) {
      case 'tooLong':
        await show(ctx, { kind: 'notice', tone: 'warning', messageKey: 'notice.messageTooLong', params: { limit: input.limit } });
        return;
      case 'badSubmit':
        await show(ctx, { kind: 'notice', tone: 'warning', messageKey: 'notice.invalidSubmit' });
        return;
      case 'empty':
        if (dc.activeDialog) {
          await dc.continueDialog();
          return;
        }
        await showHelp(ctx, actor);
        return;
      case 'submit':
        if (dc.activeDialog) {
          await dc.continueDialog();
          return;
        }
        // A submit for a flow that is no longer running (an old card, or cancelled).
        await show(ctx, { kind: 'notice', tone: 'warning', messageKey: 'notice.invalidSubmit' });
        return;
      case 'command':
        break;
    }

    if (input.name === 'cancel' && dc.activeDialog) {
      await dc.cancelAllDialogs();
      await show(ctx, { kind: 'notice', tone: 'info', messageKey: 'notice.cancelled' });
      return;
    }
    const command = findCommand(input.name);
    if (!command) {
      if (dc.activeDialog) {
        // Free text while a flow waits for an answer belongs to that flow.
        const result = await dc.continueDialog();
        if (result.status !== DialogTurnStatus.empty) return;
      }
      await show(ctx, { kind: 'notice', tone: 'info', messageKey: 'notice.unknownCommand', params: { command: input.name.slice(0, 40) } });
      await showHelp(ctx, actor);
      return;
    }
    await this.startCommand(ctx, dc, command, input.args, actor, partner);
  }

  private async startCommand(
    ctx: TurnContext,
    dc: Awaited<ReturnType<DialogSet['createContext']>>,
    command: CommandSpec,
    args: string,
    actor: Actor,
    partner: Partner,
  ): Promise<void> {
    if (!hasAnyRole(actor, command.roles)) {
      await show(ctx, { kind: 'notice', tone: 'warning', messageKey: 'notice.forbidden', roles: [...command.roles] });
      return;
    }
    switch (command.name) {
      case 'help':
        // Help never interrupts a running flow: its next step still waits for an answer.
        await showHelp(ctx, actor);
        return;
      case 'whoami':
        await show(ctx, {
          kind: 'whoami',
          displayName: actor.displayName,
          partnerName: partner.name,
          roles: [...actor.roles],
          channel: actor.channel,
        });
        return;
    }
    if (!command.available || !this.flowIds.has(command.name)) {
      await show(ctx, { kind: 'notice', tone: 'info', messageKey: 'notice.comingSoon', params: { command: command.name } });
      return;
    }
    // Starting a flow replaces whatever flow was running (each command starts afresh).
    await dc.cancelAllDialogs();
    await dc.beginDialog(command.name, { args });
  }
}
