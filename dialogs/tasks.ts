/**
 * Tasks (issue 13): each flow a command starts is a task with an id of its own, kept in the user's
 * conversation state with the message holding the task's card (Teams). The id is stamped on every
 * step button of the task's screens (dialogs/ui.ts), so a click on a card of another task is told
 * apart; the card is followed across turns, so an older card of the task is retired — turned into a
 * record without buttons — when the task moves on without it.
 */
import { randomBytes } from 'node:crypto';
import type { BotState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { notice } from '../cards/index.js';
import { cardsOf, retire, setTask } from './ui.js';

/** The message holding a task's card (Teams), with the task and the command that started it. */
interface TaskCard {
  task: string;
  id: string;
  command: string;
}

/** What the task's card was before a turn, for `follow` after it. */
export interface TaskCardBefore {
  card: TaskCard | undefined;
  /** The task had done its work: its card is its record, never retired. */
  finished: boolean;
}

export class Tasks {
  private readonly taskId;
  private readonly taskCard;

  constructor(
    state: BotState,
    private readonly dialogState: StatePropertyAccessor<DialogState>,
    private readonly flowIds: ReadonlySet<string>,
  ) {
    this.taskId = state.createProperty<string>('taskId');
    this.taskCard = state.createProperty<TaskCard>('taskCard');
  }

  /** The running task's id (undefined with no flow running); its screens are stamped with it from here on. */
  async enter(ctx: TurnContext, flowRunning: boolean): Promise<string | undefined> {
    const task = flowRunning ? await this.taskId.get(ctx) : undefined;
    setTask(ctx, task);
    return task;
  }

  /** A command starts a flow: a new task, whose screens are stamped with its id. */
  async start(ctx: TurnContext): Promise<void> {
    const task = randomBytes(6).toString('hex');
    await this.taskId.set(ctx, task);
    setTask(ctx, task);
  }

  async before(ctx: TurnContext, finished: boolean): Promise<TaskCardBefore> {
    return { card: await this.taskCard.get(ctx), finished };
  }

  /**
   * After a turn: when the running task's card was not the one answered in place — the task went on
   * below it (typed text), ended (`stop`), or a new task took its place — the old card becomes a
   * record without buttons (`retire`; Teams updates it after the turn). A task that had done its
   * work keeps its card as its record (a confirmation, the log on show).
   */
  async follow(ctx: TurnContext, before: TaskCardBefore): Promise<void> {
    const { stepCard, clicked } = cardsOf(ctx);
    const task = await this.taskId.get(ctx);
    const root = rootFlow(await this.dialogState.get(ctx), this.flowIds);
    const old = before.card;
    if (old && !before.finished && old.id !== clicked && old.id !== stepCard && (stepCard || !root || task !== old.task)) {
      const key = !root ? 'record.ended' : task !== old.task ? 'record.replaced' : 'record.continuesBelow';
      retire(ctx, old.id, { ...notice('info', key), task: old.command });
    }
    if (!root) await this.taskCard.delete(ctx);
    else if (stepCard && task) await this.taskCard.set(ctx, { task, id: stepCard, command: root });
    else if (old && old.task !== task) await this.taskCard.delete(ctx);
  }
}

/** The flow a command started, at the bottom of the dialog stack (a step it began sits above it); undefined with none. */
export function rootFlow(state: { dialogStack?: Array<{ id: string }> } | undefined, flowIds: ReadonlySet<string>): string | undefined {
  const id = state?.dialogStack?.[0]?.id;
  return id !== undefined && flowIds.has(id) ? id : undefined;
}
