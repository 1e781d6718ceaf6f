import { act } from './actions.js';
import {
  actionSet, adaptiveCard, column, columnSet, container, factSet, heading, plainText, cardButton, textBlock,
  type AdaptiveCardJson, type AdaptiveAction, type CardElement,
} from './adaptive.js';
import { clamp } from './blockkit.js';
import { roleName, t, type Locale } from './i18n/index.js';
import { type RolesConfirmScreen, type RolesUserScreen, type RolesUsersScreen } from './screens.js';
import { confirmQuestion, emptyListText, pageLine, rolesConfirmText, rolesUserText, rolesUsersText, selfRevokeWarning, userName, userRoles } from './roles.text.js';

export function rolesUsersTeams(screen: RolesUsersScreen, locale: Locale): AdaptiveCardJson {
  const title = screen.search ? t(locale, 'roles.filtered', { search: clamp(screen.search, 60) }) : t(locale, 'roles.title');
  const body: CardElement[] = [heading(title)];
  if (screen.users.length === 0) {
    body.push(textBlock(emptyListText(screen, locale)));
    return adaptiveCard(body, { fallbackText: rolesUsersText(screen, locale) });
  }
  body.push(textBlock(t(locale, 'roles.intro'), { spacing: 'Small' }));
  body.push(
    container(
      screen.users.map((u) =>
        columnSet(
          [
            column([plainText(userName(u, locale), { weight: 'Bolder' }), plainText(userRoles(u, locale), { isSubtle: true }, { spacing: 'None' })], { width: 'stretch' }),
            column([actionSet([cardButton(t(locale, 'roles.change'), act.rolesPick(u.id))])], { width: 'auto', verticalContentAlignment: 'Center' }),
          ],
          { separator: true, spacing: 'Medium' },
        ),
      ),
    ),
  );
  body.push(plainText(pageLine(screen, locale), { isSubtle: true }));
  const paging: AdaptiveAction[] = [];
  if (screen.offset > 0) paging.push(cardButton(t(locale, 'roles.previous'), act.rolesPage(Math.max(0, screen.offset - screen.pageSize))));
  if (screen.offset + screen.users.length < screen.total) paging.push(cardButton(t(locale, 'roles.next'), act.rolesPage(screen.offset + screen.pageSize)));
  return adaptiveCard(body, { fallbackText: rolesUsersText(screen, locale), ...(paging.length ? { actions: paging } : {}) });
}

export function rolesUserTeams(screen: RolesUserScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    heading(t(locale, 'roles.userTitle', { name: userName(screen.user, locale) })),
    factSet([{ title: t(locale, 'roles.current'), value: userRoles(screen.user, locale) }]),
    container(
      screen.allRoles.map((role) => {
        const has = screen.user.roles.includes(role);
        const label = has ? t(locale, 'roles.revoke', { role: roleName(locale, role) }) : t(locale, 'roles.grant', { role: roleName(locale, role) });
        return actionSet([cardButton(label, act.rolesToggle(screen.user.id, role, !has), has ? { style: 'destructive' } : {})], { spacing: 'Small' });
      }),
    ),
  ];
  return adaptiveCard(body, { fallbackText: rolesUserText(screen, locale), actions: [cardButton(t(locale, 'roles.done'), act.rolesDone())] });
}

export function rolesConfirmTeams(screen: RolesConfirmScreen, locale: Locale): AdaptiveCardJson {
  const warning = selfRevokeWarning(screen, locale);
  const body: CardElement[] = warning ? [container([textBlock(warning, { weight: 'Bolder' })], { style: 'warning' })] : [];
  body.push(textBlock(confirmQuestion(screen, locale), { weight: 'Bolder' }));
  return adaptiveCard(body, {
    fallbackText: rolesConfirmText(screen, locale),
    actions: [
      cardButton(t(locale, 'roles.confirm'), act.rolesConfirm(screen.user.id, screen.role, screen.grant), { style: 'positive' }),
      cardButton(t(locale, 'roles.cancel'), act.stop()),
    ],
  });
}
