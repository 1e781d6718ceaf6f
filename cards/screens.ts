/**
 * Channel-neutral view models: what a reply shows, not how. Dialogs build a `Screen`;
 * `renderTeams` / `renderSlack` (cards/index.ts) turn it into an Adaptive Card or Block Kit.
 * A new screen (purchase review, order list, keys…) is a further member of the `Screen`
 * union with its own `<kind>.teams.ts`, `<kind>.slack.ts` and `<kind>.text.ts`; the
 * renderer table in cards/index.ts does not compile until all three exist.
 */
import type { Channel, Role } from '../services/access/roles.js';
import type { MessageKey, MessageParams } from './i18n/index.js';

/**
 * What a button sends back: a discriminating `action` plus opaque ids. Never a secret, a
 * download URL or a price the server would trust — the server re-reads everything.
 */
export interface SubmitData {
  action: string;
  [key: string]: string | number | boolean;
}

export interface HelpCommand {
  name: string;
  usage: string;
  descriptionKey: string;
  available: boolean;
}

export interface HelpScreen {
  kind: 'help';
  /** Exactly the commands to show, already filtered by the user's roles. */
  commands: HelpCommand[];
  channel: Channel;
}

export interface WelcomeScreen {
  kind: 'welcome';
  displayName: string | null;
}

export interface WhoamiScreen {
  kind: 'whoami';
  displayName: string | null;
  partnerName: string;
  roles: Role[];
  channel: Channel;
}

export type NoticeTone = 'info' | 'warning' | 'error';

export interface NoticeAction {
  labelKey: MessageKey;
  data: SubmitData;
}

export interface NoticeScreen {
  kind: 'notice';
  tone: NoticeTone;
  messageKey: MessageKey;
  params?: MessageParams;
  /**
   * Roles to name in the message: rendered in the reader's locale into the `{roles}`
   * placeholder as alternatives ("Admin agent or Global admin").
   */
  roles?: Role[];
  actions?: NoticeAction[];
}

/** A user as the roles flow shows them. */
export interface RoleUserSummary {
  id: number;
  displayName: string | null;
  roles: Role[];
}

/** `roles`: the partner's users, a page at a time, each with a "Change roles" button. */
export interface RolesUsersScreen {
  kind: 'rolesUsers';
  users: RoleUserSummary[];
  offset: number;
  total: number;
  pageSize: number;
  search: string | null;
}

/** One user's roles, with a grant or revoke button per role. */
export interface RolesUserScreen {
  kind: 'rolesUser';
  user: RoleUserSummary;
  allRoles: readonly Role[];
}

/** The explicit confirmation before a role changes. */
export interface RolesConfirmScreen {
  kind: 'rolesConfirm';
  user: RoleUserSummary;
  role: Role;
  grant: boolean;
}

export type Screen = HelpScreen | WelcomeScreen | WhoamiScreen | NoticeScreen | RolesUsersScreen | RolesUserScreen | RolesConfirmScreen;
export type ScreenKind = Screen['kind'];

/** Submit data of a button that runs a command, as if the user had typed it. */
export function commandData(command: string): SubmitData {
  return { action: 'command', command };
}

export function notice(tone: NoticeTone, messageKey: MessageKey, params?: MessageParams, actions?: NoticeAction[]): NoticeScreen {
  return { kind: 'notice', tone, messageKey, ...(params ? { params } : {}), ...(actions ? { actions } : {}) };
}

/** The standard notices, so every dialog words them the same way. */
export const notices = {
  unknownCommand: (command: string): NoticeScreen => notice('warning', 'notice.unknownCommand', { command }),
  partnerNotOnboarded: (orgId: string): NoticeScreen => notice('warning', 'notice.partnerNotOnboarded', { orgId }),
  forbidden: (roles: readonly Role[]): NoticeScreen => ({ kind: 'notice', tone: 'warning', messageKey: 'notice.forbidden', roles: [...roles] }),
  invalidSubmit: (): NoticeScreen => notice('warning', 'notice.invalidSubmit'),
  messageTooLong: (limit: number): NoticeScreen => notice('warning', 'notice.messageTooLong', { limit }),
  comingSoon: (command: string): NoticeScreen => notice('info', 'notice.comingSoon', { command }),
  /** `offerSupport`: add the "Request support" button (leave it off while `support` is unavailable). */
  error: (correlationId: string, offerSupport = true): NoticeScreen =>
    notice('error', 'notice.error', { correlationId }, offerSupport ? [{ labelKey: 'action.support', data: commandData('support') }] : undefined),
  cancelled: (): NoticeScreen => notice('info', 'notice.cancelled'),
};
