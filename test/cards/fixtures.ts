/** One example of every screen, for tests that render "all screens". */
import { COMMANDS } from '../../dialogs/commands.js';
import { commandData, notices, type HelpCommand, type Screen } from '../../cards/index.js';
import { ROLES, type Channel } from '../../services/access/roles.js';

const ada = { id: 7, displayName: 'Ada Lovelace', roles: ['admin_agent' as const, 'global_admin' as const] };
/** A full page of users with long names, to check the size limits. */
const users = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, displayName: `${'Maximilian-Alexander '.repeat(3)}${i}`, roles: [...ROLES] }));

export function helpCommands(): HelpCommand[] {
  return COMMANDS.map(({ name, usage, descriptionKey, available }) => ({ name, usage, descriptionKey, available }));
}

export function allScreens(channel: Channel): Array<{ name: string; screen: Screen }> {
  return [
    { name: 'help (all commands)', screen: { kind: 'help', commands: helpCommands(), channel } },
    { name: 'help (no commands)', screen: { kind: 'help', commands: [], channel } },
    { name: 'welcome (named)', screen: { kind: 'welcome', displayName: 'Ada Lovelace' } },
    { name: 'welcome (anonymous)', screen: { kind: 'welcome', displayName: null } },
    {
      name: 'whoami',
      screen: { kind: 'whoami', displayName: 'Ada Lovelace', partnerName: 'Contoso Ltd', roles: ['admin_agent', 'global_admin'], channel },
    },
    { name: 'whoami (no roles, no name)', screen: { kind: 'whoami', displayName: null, partnerName: 'Contoso Ltd', roles: [], channel } },
    { name: 'notice unknownCommand', screen: notices.unknownCommand('frobnicate') },
    { name: 'notice partnerNotOnboarded', screen: notices.partnerNotOnboarded('72f988bf-86f1-41af-91ab-2d7cd011db47') },
    { name: 'notice forbidden', screen: notices.forbidden(['admin_agent', 'global_admin']) },
    { name: 'notice invalidSubmit', screen: notices.invalidSubmit() },
    { name: 'notice messageTooLong', screen: notices.messageTooLong(4000) },
    { name: 'notice comingSoon', screen: notices.comingSoon('buy') },
    { name: 'notice error', screen: notices.error('c0ffee00-1234') },
    { name: 'notice cancelled', screen: notices.cancelled() },
    { name: 'rolesUsers (full page, middle)', screen: { kind: 'rolesUsers', users, offset: 10, total: 35, pageSize: 10, search: null } },
    { name: 'rolesUsers (none, searched)', screen: { kind: 'rolesUsers', users: [], offset: 0, total: 0, pageSize: 10, search: 'zz' } },
    { name: 'rolesUser', screen: { kind: 'rolesUser', user: ada, allRoles: ROLES } },
    { name: 'rolesUser (no name, no roles)', screen: { kind: 'rolesUser', user: { id: 3, displayName: null, roles: [] }, allRoles: ROLES } },
    { name: 'rolesConfirm grant', screen: { kind: 'rolesConfirm', user: ada, role: 'billing_admin', grant: true } },
    { name: 'rolesConfirm revoke', screen: { kind: 'rolesConfirm', user: ada, role: 'global_admin', grant: false } },
    {
      name: 'notice with two actions of one command',
      screen: {
        kind: 'notice', tone: 'info', messageKey: 'notice.cancelled',
        actions: [{ labelKey: 'action.help', data: commandData('help') }, { labelKey: 'action.help', data: commandData('help') }],
      },
    },
  ];
}
