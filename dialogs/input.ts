/**
 * Normalises what a user did in a turn — typed text, a Teams card submit (`value`),
 * a Slack slash command or block action (turned into the same activity shape by the
 * Slack adapter) — into one TurnInput. Card data is untrusted: it is validated here
 * (cards/submit.ts) and anything malformed becomes `badSubmit`, never an exception.
 *
 * The runner parses a turn's input once and keeps it in the turn state; flows read it with
 * `inputOf` (and their own actions with the parsers of dialogs/actions.ts).
 */
import { parseSubmitData } from '../cards/submit.js';
import type { Activity, Attachment, TurnContext } from 'botbuilder';

/** Longest text a user may send; commands and search terms are far shorter. */
export const MAX_TEXT_LENGTH = 2000;

export type TurnInput =
  /** `inPlace`: a button whose command answers in its card's place (the language card's choices). */
  | { kind: 'command'; name: string; args: string; inPlace?: boolean }
  /**
   * A Cancel button: stop the running flow — never a command, so an old card's Cancel starts nothing.
   * `task`: the task whose card the button is on (dialogs/ui.ts stamps it), when it says.
   */
  | { kind: 'stop'; task?: string }
  | { kind: 'submit'; action: string; data: Record<string, string | number | boolean>; task?: string }
  | { kind: 'empty' }
  | { kind: 'tooLong'; limit: number }
  | { kind: 'badSubmit' };

/** The form of a task id the runner gives out (and dialogs/ui.ts stamps on a task's buttons). */
export const TASK_ID = /^[a-z0-9]{6,16}$/;

export function parseTurnInput(activity: Partial<Activity>): TurnInput {
  // A message's `value` (Action.Submit, Slack); a Teams Action.Execute invoke's data, which the
  // Teams bot put there (bot/teams/bot.ts).
  const value: unknown = activity.value;
  if (value !== undefined && value !== null && !(typeof value === 'object' && Object.keys(value).length === 0)) {
    const parsed = parseSubmitData(value);
    if (!parsed) return { kind: 'badSubmit' };
    const { action, task, ...data } = parsed;
    if (task !== undefined && (typeof task !== 'string' || !TASK_ID.test(task))) return { kind: 'badSubmit' };
    const ofTask = task === undefined ? {} : { task };
    if (action === 'flow.stop') return { kind: 'stop', ...ofTask };
    if (action === 'command') {
      const name = data.command;
      if (typeof name !== 'string' || !/^[a-z]{1,32}$/.test(name)) return { kind: 'badSubmit' };
      const args = typeof data.args === 'string' ? data.args : '';
      return { kind: 'command', name, args, ...(data.inPlace === true ? { inPlace: true } : {}) };
    }
    return { kind: 'submit', action, data, ...ofTask };
  }
  const text = typeof activity.text === 'string' ? activity.text : '';
  if (text.length > MAX_TEXT_LENGTH) return { kind: 'tooLong', limit: MAX_TEXT_LENGTH };
  const cleaned = text.replace(/<at>[^<]*<\/at>/g, ' ').replace(/\s+/g, ' ').trim().replace(/^\/(csp\s+)?/i, '');
  if (cleaned === '') return { kind: 'empty' };
  const [first = '', ...rest] = cleaned.split(' ');
  return { kind: 'command', name: first.toLowerCase(), args: rest.join(' ') };
}

const INPUT_KEY = Symbol('csp.turnInput');

/** What the user did in this turn, parsed once (the runner stores it before any flow runs). */
export function inputOf(ctx: TurnContext): TurnInput {
  let input = ctx.turnState.get<TurnInput | undefined>(INPUT_KEY);
  if (!input) {
    input = parseTurnInput(ctx.activity);
    ctx.turnState.set(INPUT_KEY, input);
  }
  return input;
}

/** A card submit of this turn (its action and data), or null for typed text and anything else. */
export function submitted(ctx: TurnContext): { action: string; data: Record<string, string | number | boolean> } | null {
  const input = inputOf(ctx);
  return input.kind === 'submit' ? { action: input.action, data: input.data } : null;
}

/** Typed text of this turn (when the step asked for text), or null. */
export function typedText(ctx: TurnContext): string | null {
  const input = inputOf(ctx);
  return input.kind === 'command' ? `${input.name} ${input.args}`.trim() || null : null;
}

/** A file sent in a Teams personal chat (Microsoft: "Send and receive files using bot"). */
export const TEAMS_FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

/**
 * A file the user sent, not something a client renders: Teams' file download info, or an upload
 * with an http(s) `contentUrl` (the Emulator, the Playground, a pasted image) whose type is none of
 * Microsoft's card types nor the HTML copy of the message text Teams attaches. The one definition:
 * the runner routes such a message to the running flow, and the channel side reads the same files.
 */
export function isFileAttachment(a: Attachment): boolean {
  const type = (a.contentType || '').toLowerCase();
  if (type === TEAMS_FILE_DOWNLOAD_INFO) return true;
  if (type === '' || type.startsWith('application/vnd.microsoft.') || type.startsWith('text/html')) return false;
  return typeof a.contentUrl === 'string' && /^https?:\/\//i.test(a.contentUrl);
}

/** Whether the user sent files with this message (Teams: attachments in the chat; the support form takes them). */
export function hasFiles(activity: Partial<Pick<Activity, 'attachments'>>): boolean {
  return (activity.attachments ?? []).some(isFileAttachment);
}
