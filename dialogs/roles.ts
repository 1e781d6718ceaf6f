/**
 * `roles`: a Global admin sees the organisation's users and grants or revokes their
 * roles — list → user → confirm → apply, each step waiting for a card submit. `help`
 * and `cancel` work at every step (dialogs/runner.ts); a submit that does not fit the
 * step re-shows the step instead of failing. The service checks the role itself.
 */
import type { TurnContext } from 'botbuilder';
import { ComponentDialog, Dialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { notices, type RoleUserSummary } from '../cards/index.js';
import { RoleAdministration, USERS_PAGE_SIZE } from '../services/access/role-admin.js';
import { isRole, ROLES, type Actor, type Role } from '../services/access/roles.js';
import { refusalNotice } from './refusals.js';
import { parseTurnInput } from './input.js';
import { commandLine } from '../cards/help.text.js';
import { isSlack, requireActor, show } from './ui.js';

export const ROLES_DIALOG = 'roles';
const LIST = 'roles.list';
/** Names are short; a longer search term is cut (it could never match anyway). */
const MAX_SEARCH = 100;
const USER = 'roles.user';

interface ListOptions {
  args?: string;
  search?: string | null;
  offset?: number;
}

interface UserOptions {
  userId: number;
}

interface PendingChange {
  role: Role;
  grant: boolean;
}

/** What a step remembers for the next (botbuilder keeps it in the persisted dialog state). */
interface StepValues {
  search?: string | null;
  userId?: number;
  user?: RoleUserSummary;
  change?: PendingChange;
}

function valuesOf(step: WaterfallStepContext): StepValues {
  return step.values;
}

function submitOf(ctx: TurnContext): { action: string; data: Record<string, string | number | boolean> } | null {
  const input = parseTurnInput(ctx.activity);
  return input.kind === 'submit' ? { action: input.action, data: input.data } : null;
}

export class RolesDialog extends ComponentDialog {
  constructor(private readonly roles: RoleAdministration) {
    super(ROLES_DIALOG);
    this.addDialog(new WaterfallDialog(LIST, [this.showList.bind(this), this.pickUser.bind(this)]));
    this.addDialog(new WaterfallDialog(USER, [this.showUser.bind(this), this.pickChange.bind(this), this.apply.bind(this)]));
    this.initialDialogId = LIST;
  }

  /** Step 1: a page of users. `roles <name>` filters by name. */
  private async showList(step: WaterfallStepContext<ListOptions>): Promise<DialogTurnResult> {
    const opts = step.options ?? {};
    const search = opts.search !== undefined ? opts.search : opts.args?.trim().slice(0, MAX_SEARCH) || null;
    const offset = opts.offset ?? 0;
    valuesOf(step).search = search;
    return this.guard(step, async (actor) => {
      const { users, total } = await this.roles.listUsers(actor, { search: search ?? undefined, offset });
      await show(step.context, {
        kind: 'rolesUsers',
        users: users.map(summary),
        offset,
        total,
        pageSize: USERS_PAGE_SIZE,
        search,
      });
      if (users.length === 0) return step.endDialog();
      return Dialog.EndOfTurn;
    });
  }

  /** Step 2: "Change roles" on a user, or another page. Anything else shows the list again. */
  private async pickUser(step: WaterfallStepContext<ListOptions>): Promise<DialogTurnResult> {
    const submit = submitOf(step.context);
    const search = valuesOf(step).search ?? null;
    if (submit?.action === 'roles.page' && typeof submit.data.offset === 'number' && Number.isInteger(submit.data.offset) && submit.data.offset >= 0) {
      return step.replaceDialog(LIST, { search, offset: submit.data.offset });
    }
    if (submit?.action === 'roles.pick' && typeof submit.data.userId === 'number' && Number.isInteger(submit.data.userId)) {
      return step.replaceDialog(USER, { userId: submit.data.userId } satisfies UserOptions);
    }
    await show(step.context, notices.invalidSubmit());
    return step.replaceDialog(LIST, { search, offset: 0 });
  }

  /** Step 3: one user's roles, a grant or revoke button per role. */
  private async showUser(step: WaterfallStepContext<UserOptions>): Promise<DialogTurnResult> {
    const userId = step.options.userId;
    valuesOf(step).userId = userId;
    return this.guard(step, async (actor) => {
      const user = await this.roles.getUser(actor, userId);
      valuesOf(step).user = summary(user);
      await show(step.context, { kind: 'rolesUser', user: summary(user), allRoles: ROLES });
      return Dialog.EndOfTurn;
    });
  }

  /** Step 4: a role to grant or revoke → the confirmation; "Done" ends the flow. */
  private async pickChange(step: WaterfallStepContext<UserOptions>): Promise<DialogTurnResult> {
    const submit = submitOf(step.context);
    if (submit?.action === 'roles.done') {
      const channel = isSlack(step.context) ? 'slack' : 'msteams';
      await show(step.context, { kind: 'notice', tone: 'info', messageKey: 'roles.finished', params: { roles: commandLine({ name: 'roles', usage: '' }, channel) } });
      return step.endDialog();
    }
    // The user id must be the one this step shows: a button on an older card of another user does nothing.
    if (submit?.action === 'roles.toggle' && submit.data.userId === valuesOf(step).userId && isRole(submit.data.role) && typeof submit.data.grant === 'boolean') {
      const change: PendingChange = { role: submit.data.role, grant: submit.data.grant };
      valuesOf(step).change = change;
      await show(step.context, { kind: 'rolesConfirm', user: valuesOf(step).user!, role: change.role, grant: change.grant });
      return Dialog.EndOfTurn;
    }
    await show(step.context, notices.invalidSubmit());
    return step.replaceDialog(USER, { userId: valuesOf(step).userId! });
  }

  /** Step 5: only an explicit Confirm of exactly the shown change applies it. */
  private async apply(step: WaterfallStepContext<UserOptions>): Promise<DialogTurnResult> {
    const submit = submitOf(step.context);
    const { change, userId, user } = valuesOf(step) as Required<StepValues>;
    const matches = submit?.action === 'roles.confirm' && submit.data.userId === userId && submit.data.role === change.role && submit.data.grant === change.grant;
    if (!matches) {
      await show(step.context, notices.invalidSubmit());
      return step.replaceDialog(USER, { userId });
    }
    return this.guard(step, async (actor) => {
      await this.roles.setRole(actor, { userId, role: change.role, grant: change.grant });
      await show(step.context, {
        kind: 'notice',
        tone: 'info',
        messageKey: change.grant ? 'roles.granted' : 'roles.revoked',
        params: { name: user.displayName ?? '—' },
        roles: [change.role],
      });
      return step.replaceDialog(USER, { userId });
    });
  }

  /** Service refusals end the flow with the reason; nothing was changed. */
  private async guard(step: WaterfallStepContext, fn: (actor: Actor) => Promise<DialogTurnResult>): Promise<DialogTurnResult> {
    try {
      return await fn(requireActor(step.context));
    } catch (err) {
      await show(step.context, refusalNotice(err));
      return step.endDialog();
    }
  }
}

function summary(u: { id: number; displayName: string | null; roles: Role[] }): RoleUserSummary {
  return { id: u.id, displayName: u.displayName, roles: [...u.roles] };
}
