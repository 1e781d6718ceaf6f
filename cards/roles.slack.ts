import { act } from './actions.js';
import { actions, button, clamp, context, escapeMrkdwn, header, mrkdwn, section, slackMessage, type ButtonElement, type SlackBlock, type SlackMessage } from './blockkit.js';
import { roleName, t, type Locale } from './i18n/index.js';
import { type RolesConfirmScreen, type RolesUserScreen, type RolesUsersScreen } from './screens.js';
import { confirmQuestion, emptyListText, pageLine, rolesConfirmText, rolesUserText, rolesUsersText, selfRevokeWarning, userName, userRoles } from './roles.text.js';

export function rolesUsersSlack(screen: RolesUsersScreen, locale: Locale): SlackMessage {
  const title = screen.search ? t(locale, 'roles.filtered', { search: clamp(screen.search, 60) }) : t(locale, 'roles.title');
  const blocks: SlackBlock[] = [header(title)];
  if (screen.users.length === 0) {
    blocks.push(section(mrkdwn(escapeMrkdwn(emptyListText(screen, locale)))));
    return slackMessage(rolesUsersText(screen, locale), blocks);
  }
  blocks.push(context([mrkdwn(escapeMrkdwn(t(locale, 'roles.intro')))]));
  for (const u of screen.users) {
    blocks.push(section(mrkdwn(`*${escapeMrkdwn(userName(u, locale))}*\n${escapeMrkdwn(userRoles(u, locale))}`), button(t(locale, 'roles.change'), act.rolesPick(u.id), String(u.id))));
  }
  blocks.push(context([mrkdwn(escapeMrkdwn(pageLine(screen, locale)))]));
  const paging: ButtonElement[] = [];
  if (screen.offset > 0) paging.push(button(t(locale, 'roles.previous'), act.rolesPage(Math.max(0, screen.offset - screen.pageSize)), 'previous'));
  if (screen.offset + screen.users.length < screen.total) paging.push(button(t(locale, 'roles.next'), act.rolesPage(screen.offset + screen.pageSize), 'next'));
  if (paging.length) blocks.push(actions(paging));
  return slackMessage(rolesUsersText(screen, locale), blocks);
}

export function rolesUserSlack(screen: RolesUserScreen, locale: Locale): SlackMessage {
  const buttons = screen.allRoles.map((role) => {
    const has = screen.user.roles.includes(role);
    const label = has ? t(locale, 'roles.revoke', { role: roleName(locale, role) }) : t(locale, 'roles.grant', { role: roleName(locale, role) });
    return button(label, act.rolesToggle(screen.user.id, role, !has), role, has ? 'danger' : undefined);
  });
  const blocks: SlackBlock[] = [
    header(t(locale, 'roles.userTitle', { name: userName(screen.user, locale) })),
    section(mrkdwn(`*${escapeMrkdwn(t(locale, 'roles.current'))}*\n${escapeMrkdwn(userRoles(screen.user, locale))}`)),
    actions(buttons),
    actions([button(t(locale, 'roles.done'), act.rolesDone(), 'done')]),
  ];
  return slackMessage(rolesUserText(screen, locale), blocks);
}

export function rolesConfirmSlack(screen: RolesConfirmScreen, locale: Locale): SlackMessage {
  const warning = selfRevokeWarning(screen, locale);
  return slackMessage(rolesConfirmText(screen, locale), [
    ...(warning ? [section(mrkdwn(`:warning: *${escapeMrkdwn(warning)}*`))] : []),
    section(mrkdwn(`*${escapeMrkdwn(confirmQuestion(screen, locale))}*`)),
    actions([
      button(t(locale, 'roles.confirm'), act.rolesConfirm(screen.user.id, screen.role, screen.grant), 'confirm', 'primary'),
      button(t(locale, 'roles.cancel'), act.stop(), 'cancel'),
    ]),
  ]);
}
