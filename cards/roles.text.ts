import { clamp } from './blockkit.js';
import { roleList, roleName, t, type Locale } from './i18n/index.js';
import type { RoleUserSummary, RolesConfirmScreen, RolesUserScreen, RolesUsersScreen } from './screens.js';

export function userName(user: RoleUserSummary, locale: Locale): string {
  return user.displayName?.trim() || t(locale, 'whoami.unknownName');
}

export function userRoles(user: RoleUserSummary, locale: Locale): string {
  const roles = user.roles.length > 0 ? roleList(locale, user.roles) : t(locale, 'roles.noRoles');
  return user.channel ? `${t(locale, `channel.${user.channel}`)} · ${roles}` : roles;
}

export function pageLine(screen: RolesUsersScreen, locale: Locale): string {
  return t(locale, 'roles.page', { from: screen.offset + 1, to: screen.offset + screen.users.length, total: screen.total });
}

/** No users at all, or none matching the search. */
export function emptyListText(screen: RolesUsersScreen, locale: Locale): string {
  return screen.search ? t(locale, 'roles.noMatch', { search: clamp(screen.search, 60) }) : t(locale, 'roles.none');
}

export function rolesUsersText(screen: RolesUsersScreen, locale: Locale): string {
  if (screen.users.length === 0) return `${t(locale, 'roles.title')}\n${emptyListText(screen, locale)}`;
  return [t(locale, 'roles.title'), ...screen.users.map((u) => `• ${userName(u, locale)}: ${userRoles(u, locale)}`), pageLine(screen, locale)].join('\n');
}

export function rolesUserText(screen: RolesUserScreen, locale: Locale): string {
  return `${t(locale, 'roles.userTitle', { name: userName(screen.user, locale) })}\n${t(locale, 'roles.current')}: ${userRoles(screen.user, locale)}`;
}

export function confirmQuestion(screen: RolesConfirmScreen, locale: Locale): string {
  const params = { role: roleName(locale, screen.role), name: userName(screen.user, locale) };
  return screen.grant ? t(locale, 'roles.confirmGrant', params) : t(locale, 'roles.confirmRevoke', params);
}

/** Revoking one's own role: what is lost at once, and who can give it back; null otherwise. */
export function selfRevokeWarning(screen: RolesConfirmScreen, locale: Locale): string | null {
  if (!screen.self || screen.grant) return null;
  return t(locale, screen.role === 'global_admin' ? 'roles.selfRevokeGlobalAdmin' : 'roles.selfRevoke', { role: roleName(locale, screen.role) });
}

export function rolesConfirmText(screen: RolesConfirmScreen, locale: Locale): string {
  const warning = selfRevokeWarning(screen, locale);
  return warning ? `${warning}\n${confirmQuestion(screen, locale)}` : confirmQuestion(screen, locale);
}
