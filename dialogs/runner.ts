/**
 * One turn of the conversation, for both channels. The Teams bot and the Slack
 * adapter call `DialogRunner.run` with who is speaking; the runner resolves the
 * partner and the user, remembers how to reach them, drops resent activities,
 * parses the input and routes it to a flow, with `help` and `cancel` working at
 * every step. Dialog state lives in Postgres (botbuilder PrivateConversationState
 * over PostgresStorage, so each user of a group chat has their own), never in process
 * memory.
 */
import { PrivateConversationState, type TurnContext } from 'botbuilder';
import { DialogSet, type Dialog, type DialogContext, type DialogState } from 'botbuilder-dialogs';
import { act } from '../cards/actions.js';
import { notice, notices, type NoticeScreen } from '../cards/index.js';
import type { PartnerDirectory, Partner, TurnEntry } from '../services/access/directory.js';
import type { AccessPolicy } from '../services/access/policy.js';
import type { Actor } from '../services/access/roles.js';
import type { ProcessLiveness } from '../services/db/liveness.js';
import type { Logger } from '../services/logger.js';
import { findCommand, type CommandSpec } from './commands.js';
import type { PrefetchedStorage } from './prefetched-storage.js';
import { showHelp } from './help.js';
import { hasFiles, inputOf } from './input.js';
import { runLanguage } from './language.js';
import { refusalNotice } from './refusals.js';
import { rootFlow, Tasks } from './tasks.js';
import { ACTOR_KEY, answerAsNewMessages, answersTravelWithRequest, replay, repliesOf, show, type TurnReply } from './ui.js';

/**
 * Who is speaking in this turn, as the channel adapter saw it: a TurnEntry whose tenant /
 * team id may be missing (the channel did not say, or is not trusted to).
 */
export type TurnIdentity = Omit<TurnEntry, 'partnerExternalId'> & { partnerExternalId: string | undefined };

export const PARTNER_KEY = Symbol('csp.partner');
const EXPECTS_TEXT = Symbol('csp.expectsText');
const FINISHED = Symbol('csp.flowFinished');

/**
 * Called by a flow's step that asks for typed text (a search term, a quantity): the
 * user's next free text goes to the flow instead of being read as an unknown command.
 */
export function expectText(ctx: TurnContext): void {
  ctx.turnState.set(EXPECTS_TEXT, true);
}

/**
 * Called by a flow whose work is done but which stays open to answer a repeated button
 * (a second press of Confirm): `cancel` then has nothing left to cancel.
 */
export function finishFlow(ctx: TurnContext): void {
  ctx.turnState.set(FINISHED, true);
}

/** A flow that runs as a botbuilder dialog; its id is the command name. */
export interface Flow {
  command: string;
  dialog: Dialog;
}

export interface DialogRunnerDeps {
  /** Where dialog state lives: over the bot_state table, whose document the turn entry reads in its own round trip. */
  storage: PrefetchedStorage;
  directory: PartnerDirectory;
  /** Checks a command's capability before its flow starts (and records the refusals the activity log keeps, R12). */
  access: AccessPolicy;
  flows?: readonly Flow[];
  /** Dialogs the flows begin as a step of their own (the customer step), by id; no command starts them. */
  steps?: readonly Dialog[];
  logger: Logger;
  /** This process's liveness lock: a turn it leaves unfinished (killed mid-way) runs again on redelivery elsewhere. */
  liveness?: Pick<ProcessLiveness, 'id'>;
}

/** How long a resent click waits for its first delivery's answer to be kept (Teams gives an invoke 5 s). */
const RESEND_WAIT_MS = 3000;
const RESEND_POLL_MS = 100;

/** Where botbuilder-dialogs' DialogStateManager looks for its configuration in the turn state. */
const DIALOG_STATE_MANAGER_CONFIGURATION = 'DialogStateManagerConfiguration';

const PARTNER_SCOPE = Symbol('csp.partnerScope');

/**
 * Dialog state per partner, conversation *and user*: in a group chat or channel each user has their
 * own flow, and a request that claims another tenant or team (emulator mode trusts what it is sent)
 * with a user's conversation id never reaches that user's state (issue 14).
 */
class PartnerConversationState extends PrivateConversationState {
  override getStorageKey(ctx: TurnContext): string | undefined {
    const key = super.getStorageKey(ctx);
    const partner = ctx.turnState.get<string | undefined>(PARTNER_SCOPE);
    return key && partner ? `${partner}/${key}` : undefined;
  }
}

export class DialogRunner {
  private readonly conversationState: PrivateConversationState;
  private readonly dialogState;
  private readonly expectsText;
  private readonly finished;
  /** The running flow's task: its id (its cards' buttons carry it) and its card (dialogs/tasks.ts). */
  private readonly tasks: Tasks;
  private readonly dialogs: DialogSet;
  private readonly flowIds = new Set<string>();
  /**
   * botbuilder-dialogs builds its memory-scope configuration (through a service collection)
   * for every DialogContext, unless the turn state already holds one. The scopes keep no
   * turn data, so the configuration built on the first turn serves every later one.
   */
  private memoryScopes: unknown;

  constructor(private readonly deps: DialogRunnerDeps) {
    this.conversationState = new PartnerConversationState(deps.storage);
    this.dialogState = this.conversationState.createProperty<DialogState>('dialogState');
    this.expectsText = this.conversationState.createProperty<boolean>('expectsText');
    this.finished = this.conversationState.createProperty<boolean>('flowFinished');
    this.dialogs = new DialogSet(this.dialogState);
    for (const flow of deps.flows ?? []) {
      this.dialogs.add(flow.dialog);
      this.flowIds.add(flow.command);
    }
    this.tasks = new Tasks(this.conversationState, this.dialogState, this.flowIds);
    for (const step of deps.steps ?? []) this.dialogs.add(step);
  }

  async run(ctx: TurnContext, who: TurnIdentity): Promise<void> {
    ctx.turnState.set(PARTNER_SCOPE, who.partnerExternalId);
    const stateKey = this.conversationState.getStorageKey(ctx);
    const owner = this.deps.liveness?.id;
    const entered = who.partnerExternalId
      ? await this.deps.directory.enterTurn({ ...who, partnerExternalId: who.partnerExternalId, ...(stateKey ? { stateKey } : {}), ...(owner ? { owner } : {}) })
      : null;
    if (!entered) {
      await show(ctx, notices.partnerNotOnboarded(who.partnerExternalId ?? '—'));
      return;
    }
    const { actor, partner } = entered;
    ctx.turnState.set(ACTOR_KEY, actor);
    ctx.turnState.set(PARTNER_KEY, partner);
    // A resend or retry of a request already handled: never repeat its effect. Where the first answer
    // travelled in the response (which the resend says was lost), it is given again.
    if (!entered.firstDelivery) return this.answerResend(ctx, who, entered.priorReply);
    const turn = async () => {
      const before = await this.tasks.before(ctx, await this.finished.get(ctx, false));
      await this.route(ctx, actor, partner);
      await this.tasks.follow(ctx, before);
      await this.conversationState.saveChanges(ctx, false);
    };
    // The state enterTurn read in its round trip answers the state's first read in this turn.
    const state = entered.state ? { ...entered.state.document, eTag: entered.state.etag } : null;
    const run = () => (stateKey ? this.deps.storage.run(new Map([[stateKey, state]]), turn) : turn());
    if (!who.requestKey) return run();
    const { channel, requestKey } = who;
    try {
      await run();
    } catch (err) {
      // Its error is answered (the turn error handler); a redelivery may try it again.
      await this.deps.directory.releaseTurn(channel, requestKey, owner).catch((releaseErr: unknown) => this.deps.logger.warn({ err: releaseErr }, 'could not release a failed turn\'s request id; a redelivery is dropped as a duplicate'));
      throw err;
    }
    await this.finishTurn(channel, requestKey, answersTravelWithRequest(ctx) ? repliesOf(ctx) : null);
  }

  /**
   * Marks the request's turn done, with its answer kept for a resend where it travels in the
   * response. The turn's work is done, so failing to mark it fails nothing: a redelivery is then
   * run again only if this process is gone by then.
   */
  private async finishTurn(channel: TurnIdentity['channel'], requestKey: string, replies: readonly TurnReply[] | null): Promise<void> {
    try {
      await this.deps.directory.finishTurn(channel, requestKey, replies?.length ? replies : null);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not mark a turn finished (nor keep its answer for a resend); a resend will be told it was received');
    }
  }

  private async answerResend(ctx: TurnContext, who: TurnIdentity, priorReply: unknown[] | null): Promise<void> {
    let reply = priorReply;
    if (!reply && ctx.activity.type === 'invoke' && who.requestKey) {
      // A click resent while its first delivery still runs: its answer is kept when that finishes.
      for (let waited = 0; !reply && waited < RESEND_WAIT_MS; waited += RESEND_POLL_MS) {
        await new Promise((r) => setTimeout(r, RESEND_POLL_MS));
        reply = await this.deps.directory.replyOf(who.channel, who.requestKey);
      }
    }
    if (reply) return replay(ctx, reply as TurnReply[]);
    // No answer kept (the first delivery failed, or is still running): a click still needs a card.
    if (ctx.activity.type === 'invoke') await show(ctx, notice('info', 'notice.alreadyReceived'));
  }

  /**
   * A step of another task's card: refused, naming that task ("an earlier purchase") when its
   * action says which (`buy.confirm`; the keys flow's `software.*`, the command's alias), with a
   * button to start one anew — the card it replaces may have been a record the user still wanted.
   */
  private staleCardNotice(action: string): NoticeScreen {
    const command = findCommand(action.split('.')[0] ?? '')?.name;
    if (!command || !this.flowIds.has(command)) return notices.staleCard();
    return { ...notice('warning', 'notice.staleCardOf', undefined, [{ labelKey: 'action.startAgain', data: act.command(command) }]), task: command };
  }

  /** A new member (the bot installed, a user added): greet them once. */
  async welcome(ctx: TurnContext, displayName: string | null): Promise<void> {
    await show(ctx, { kind: 'welcome', displayName });
  }

  private async route(ctx: TurnContext, actor: Actor, partner: Partner): Promise<void> {
    // Parsed once for the whole turn: the flows read the same input (inputOf).
    const input = inputOf(ctx);
    if (this.memoryScopes) ctx.turnState.set(DIALOG_STATE_MANAGER_CONFIGURATION, this.memoryScopes);
    const dc = await this.dialogs.createContext(ctx);
    this.memoryScopes ??= ctx.turnState.get(DIALOG_STATE_MANAGER_CONFIGURATION);
    const expectsText = await this.expectsText.get(ctx, false);
    const task = await this.tasks.enter(ctx, dc.activeDialog !== undefined);
    // A step button names its task: one from a card of another task (ended, replaced, or another
    // user's in a group chat) never drives the flow running now, whatever its action.
    if ((input.kind === 'submit' || input.kind === 'stop') && input.task !== undefined && input.task !== task) {
      // A Cancel of an ended task stops nothing — least of all the task running now.
      const stale = input.kind === 'submit' ? this.staleCardNotice(input.action) : notice('info', dc.activeDialog ? 'notice.staleStop' : 'notice.noTaskRunning');
      await show(ctx, stale);
      return;
    }

    switch (input.kind) {
      case 'tooLong':
        await show(ctx, notices.messageTooLong(input.limit));
        return;
      case 'badSubmit':
        await show(ctx, notices.invalidSubmit());
        return;
      case 'empty':
        if (dc.activeDialog) return this.continueFlow(ctx, dc);
        await showHelp(ctx, actor);
        return;
      case 'submit':
        if (dc.activeDialog) return this.continueFlow(ctx, dc);
        // A submit for a flow that is no longer running (an old card, or cancelled).
        await show(ctx, notices.staleCard());
        return;
      case 'stop':
        // A Cancel button only ever stops a flow: pressed on an old card with none running, it starts nothing.
        if (dc.activeDialog) return this.stopFlow(ctx, dc);
        await show(ctx, notice('info', 'notice.noTaskRunning'));
        return;
      case 'command':
        // A new task (a typed command, or a button that runs one: "View orders") gets a card of
        // its own: the card clicked stays as it was — unless the button answers in its place.
        if (!input.inPlace) answerAsNewMessages(ctx);
        // Files sent with a few words ("here is the invoice") belong to the running flow (the support form takes them).
        if (dc.activeDialog && hasFiles(ctx.activity)) return this.continueFlow(ctx, dc);
        break;
    }

    // A bare `cancel` stops the running flow. With none running, with a flow that has done its
    // work (an order placed, a key shown, a cancellation submitted: nothing left to undo), and
    // with arguments, it is the cancellation command (dialogs/cancel.ts). `stop` only ever stops.
    if (input.name === 'cancel' && input.args === '' && dc.activeDialog && !(await this.finished.get(ctx, false))) return this.stopFlow(ctx, dc);
    if (input.name === 'stop' && input.args === '') {
      if (dc.activeDialog) return this.stopFlow(ctx, dc);
      await show(ctx, notice('info', 'notice.nothingRunning'));
      return;
    }
    const command = findCommand(input.name);
    if (!command) {
      // Free text belongs to the running flow only when its step asked for text (a search
      // term, a quantity); otherwise it is an unknown command and the flow keeps waiting.
      if (dc.activeDialog && expectsText) return this.continueFlow(ctx, dc);
      await show(ctx, notices.unknownCommand(input.name.slice(0, 40)));
      await showHelp(ctx, actor);
      await this.remindOpenFlow(ctx, dc);
      return;
    }
    await this.startCommand(ctx, dc, command, input.args, actor, partner);
  }

  /**
   * After an answer that is not the running flow's (help, an unknown word): the flow still waits
   * for its answer — typed text there goes to it (issue 13: "hallo" was searched as a product) —
   * so the user is told which task is open and how to end it. A flow that has done its work waits
   * for nothing and is not mentioned.
   */
  private async remindOpenFlow(ctx: TurnContext, dc: DialogContext): Promise<void> {
    const root = rootFlow({ dialogStack: dc.stack }, this.flowIds);
    if (!root || (await this.finished.get(ctx, false))) return;
    await show(ctx, { ...notice('info', 'notice.flowStillOpen', undefined, [{ labelKey: 'action.stopTask', data: act.stop() }]), task: root });
  }

  /** Stop the running flow (and any step it began); a flow that had done its work has nothing left to cancel. */
  private async stopFlow(ctx: TurnContext, dc: DialogContext): Promise<void> {
    // A flow that has done its work waits for nothing, and its card's buttons (the log's Next page,
    // a second Confirm answered with the order) keep working: there is nothing to stop.
    if (await this.finished.get(ctx, false)) {
      await show(ctx, notice('info', 'notice.nothingToCancel'));
      return;
    }
    const root = rootFlow({ dialogStack: dc.stack }, this.flowIds);
    await dc.cancelAllDialogs();
    await this.afterStep(ctx);
    await show(ctx, notices.cancelled(root));
  }

  /** Run the flow's next step, remembering whether that step now waits for typed text. */
  private async continueFlow(ctx: TurnContext, dc: DialogContext): Promise<void> {
    await dc.continueDialog();
    await this.afterStep(ctx);
  }

  /** Remember what the step that just ran waits for (persisted with the dialog state). */
  private async afterStep(ctx: TurnContext): Promise<void> {
    await this.expectsText.set(ctx, ctx.turnState.get(EXPECTS_TEXT) === true);
    await this.finished.set(ctx, ctx.turnState.get(FINISHED) === true);
  }

  private async startCommand(
    ctx: TurnContext,
    dc: DialogContext,
    command: CommandSpec,
    args: string,
    actor: Actor,
    partner: Partner,
  ): Promise<void> {
    try {
      await this.deps.access.require(actor, command.capability);
    } catch (err) {
      await show(ctx, refusalNotice(err));
      return;
    }
    switch (command.name) {
      case 'help':
        // Help never interrupts a running flow: its next step still waits for an answer — and says so.
        await showHelp(ctx, actor);
        await this.remindOpenFlow(ctx, dc);
        return;
      case 'language':
        await runLanguage(ctx, this.deps.directory, actor, args);
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
      await show(ctx, notices.comingSoon(command.name));
      return;
    }
    // Starting a flow replaces whatever flow was running (each command starts afresh), as a new task.
    await dc.cancelAllDialogs();
    await this.tasks.start(ctx);
    await dc.beginDialog(command.name, { args });
    await this.afterStep(ctx);
  }
}
