/**
 * `roles`: a Global admin sees the organisation's users and grants or revokes their
 * roles — list → user → confirm → apply, each step waiting for one of this flow's typed card
 * actions. `help` and `cancel` work at every step (dialogs/runner.ts); a submit that does not
 * fit the step re-shows the step instead of failing. The service checks the role itself.
 */
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { notices, type RoleUserSummary } from '../cards/index.js';
import { commandLine } from '../cards/help.text.js';
import { RoleAdministration, USERS_PAGE_SIZE } from '../services/access/role-admin.js';
import { ROLES, type Actor, type Channel, type Role } from '../services/access/roles.js';
import { assertNever, parseRolesAction } from './actions.js';
import { submitted } from './input.js';
import { refusalNotice } from './refusals.js';
import { requireActor, show } from './ui.js';

export const ROLES_DIALOG = 'roles';
/** Names are short; a longer search term is cut (it could never match anyway). */
const MAX_SEARCH = 100;

interface PendingChange {
  role: Role;
  grant: boolean;
}

/** What the flow remembers between turns (persisted with the dialog state). */
interface RolesState {
  step: 'list' | 'user' | 'confirm';
  search: string | null;
  /** The user shown (steps user and confirm). */
  user?: RoleUserSummary;
  /** The change shown for confirmation (step confirm). */
  change?: PendingChange;
}

function summary(u: { id: number; displayName: string | null; roles: Role[]; channel: Channel }): RoleUserSummary {
  return { id: u.id, displayName: u.displayName, roles: [...u.roles], channel: u.channel };
}

export class RolesDialog extends Dialog<{ args?: string }> {
  constructor(private readonly roles: RoleAdministration) {
    super(ROLES_DIALOG);
  }

  /** `roles <name>` filters the list by name. */
  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    const state: RolesState = { step: 'list', search: options?.args?.trim().slice(0, MAX_SEARCH) || null };
    dc.activeDialog!.state = state;
    return this.showList(dc, state, 0);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as RolesState;
    const submit = submitted(dc.context);
    const action = submit ? parseRolesAction(submit) : null;
    if (action) {
      switch (action.action) {
        // Step 2: another page, or a user to change.
        case 'roles.page':
          if (state.step === 'list') return this.showList(dc, state, action.offset);
          break;
        case 'roles.pick':
          if (state.step === 'list') return this.showUser(dc, state, action.userId);
          break;
        // Step 4: a role to grant or revoke, for the user shown (a button on an older card of another user does nothing); "Done" ends the flow.
        case 'roles.toggle':
          if (state.step === 'user' && action.userId === state.user?.id) return this.askConfirm(dc, state, { role: action.role, grant: action.grant });
          break;
        case 'roles.done':
          if (state.step === 'user') return this.finish(dc);
          break;
        // Step 5: only an explicit Confirm of exactly the change shown applies it.
        case 'roles.confirm': {
          const c = state.change;
          if (state.step === 'confirm' && c && action.userId === state.user?.id && action.role === c.role && action.grant === c.grant) return this.apply(dc, state, c);
          break;
        }
        default:
          return assertNever(action);
      }
    }
    await show(dc.context, notices.invalidSubmit());
    return state.step === 'list' || !state.user ? this.showList(dc, state, 0) : this.showUser(dc, state, state.user.id);
  }

  /** Step 1: a page of users. */
  private showList(dc: DialogContext, state: RolesState, offset: number): Promise<DialogTurnResult> {
    state.step = 'list';
    return this.guard(dc, async (actor) => {
      const { users, total } = await this.roles.listUsers(actor, { search: state.search ?? undefined, offset });
      await show(dc.context, { kind: 'rolesUsers', users: users.map(summary), offset, total, pageSize: USERS_PAGE_SIZE, search: state.search });
      if (users.length === 0) return dc.endDialog();
      return Dialog.EndOfTurn;
    });
  }

  /** Step 3: one user's roles, a grant or revoke button per role. */
  private showUser(dc: DialogContext, state: RolesState, userId: number): Promise<DialogTurnResult> {
    return this.guard(dc, async (actor) => {
      const user = summary(await this.roles.getUser(actor, userId));
      state.step = 'user';
      state.user = user;
      state.change = undefined;
      await show(dc.context, { kind: 'rolesUser', user, allRoles: ROLES });
      return Dialog.EndOfTurn;
    });
  }

  private async askConfirm(dc: DialogContext, state: RolesState, change: PendingChange): Promise<DialogTurnResult> {
    state.step = 'confirm';
    state.change = change;
    const self = state.user!.id === requireActor(dc.context).userId;
    await show(dc.context, { kind: 'rolesConfirm', user: state.user!, role: change.role, grant: change.grant, self });
    return Dialog.EndOfTurn;
  }

  private async finish(dc: DialogContext): Promise<DialogTurnResult> {
    const { channel } = requireActor(dc.context);
    await show(dc.context, { kind: 'notice', tone: 'info', messageKey: 'roles.finished', params: { roles: commandLine({ name: 'roles', usage: '' }, channel) } });
    return dc.endDialog();
  }

  /** Applies the change, says so, and shows the same user again. */
  private apply(dc: DialogContext, state: RolesState, change: PendingChange): Promise<DialogTurnResult> {
    const user = state.user!;
    return this.guard(dc, async (actor) => {
      await this.roles.setRole(actor, { userId: user.id, role: change.role, grant: change.grant });
      await show(dc.context, {
        kind: 'notice',
        tone: 'info',
        messageKey: change.grant ? 'roles.granted' : 'roles.revoked',
        params: { name: user.displayName ?? '—' },
        roles: [change.role],
      });
      return this.showUser(dc, state, user.id);
    });
  }

  /** Service refusals end the flow with the reason; nothing was changed. */
  private async guard(dc: DialogContext, fn: (actor: Actor) => Promise<DialogTurnResult>): Promise<DialogTurnResult> {
    try {
      return await fn(requireActor(dc.context));
    } catch (err) {
      await show(dc.context, refusalNotice(err));
      return dc.endDialog();
    }
  }
}
