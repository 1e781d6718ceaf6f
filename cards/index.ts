/**
 * The cards layer's front door: a `Screen` in, a Teams attachment / Slack message /
 * plain text out. Pure functions; nothing here reads configuration or calls a service.
 */
import { activityExportLinkSlack, activityLogSlack } from './activity.slack.js';
import { activityExportLinkTeams, activityLogTeams } from './activity.teams.js';
import { activityExportLinkText, activityLogText } from './activity.text.js';
import { attachment, type AdaptiveCardAttachment, type AdaptiveCardJson } from './adaptive.js';
import { plain, section, slackMessage, type SlackMessage, type SlackModalView } from './blockkit.js';
import { buyConfirmedSlack, buyCustomerSlack, buyProductsSlack, buyReviewSlack, buySkuSlack } from './buy.slack.js';
import { buyConfirmedTeams, buyCustomerTeams, buyProductsTeams, buyReviewTeams, buySkuTeams } from './buy.teams.js';
import { buyConfirmedText, buyCustomerText, buyProductsText, buyReviewText, buySkuText } from './buy.text.js';
import { cancellationDelayedSlack, cancellationFailedSlack, cancellationFinishedSlack, cancelPurchasesSlack, cancelSubmittedSlack } from './cancel.slack.js';
import { cancellationDelayedTeams, cancellationFailedTeams, cancellationFinishedTeams, cancelPurchasesTeams, cancelSubmittedTeams } from './cancel.teams.js';
import { cancellationDelayedText, cancellationFailedText, cancellationFinishedText, cancelPurchasesText, cancelSubmittedText } from './cancel.text.js';
import { helpSlack } from './help.slack.js';
import { helpTeams } from './help.teams.js';
import { helpText } from './help.text.js';
import type { Locale } from './i18n/index.js';
import { noticeSlack } from './notice.slack.js';
import { noticeTeams } from './notice.teams.js';
import { noticeText } from './notice.text.js';
import { ordersSlack } from './orders.slack.js';
import { ordersTeams } from './orders.teams.js';
import { ordersText } from './orders.text.js';
import { rolesConfirmSlack, rolesUserSlack, rolesUsersSlack } from './roles.slack.js';
import { rolesConfirmTeams, rolesUserTeams, rolesUsersTeams } from './roles.teams.js';
import { rolesConfirmText, rolesUserText, rolesUsersText } from './roles.text.js';
import { FORM_RENDERERS } from './forms.js';
import { isForm, type FormScreen, type MessageScreen, type Screen, type ScreenKind } from './screens.js';
import { softwareChoicesSlack, softwareKeysSlack, softwareListSlack } from './software.slack.js';
import { softwareChoicesTeams, softwareKeysTeams, softwareListTeams } from './software.teams.js';
import { softwareChoicesText, softwareKeysText, softwareListText } from './software.text.js';
import { supportFailedSlack, supportFiledSlack, supportListSlack, supportReviewSlack, supportStartSlack, supportSubmittedSlack } from './support.slack.js';
import { supportFailedTeams, supportFiledTeams, supportListTeams, supportReviewTeams, supportStartTeams, supportSubmittedTeams } from './support.teams.js';
import { supportFailedText, supportFiledText, supportListText, supportReviewText, supportStartText, supportSubmittedText } from './support.text.js';
import { welcomeSlack } from './welcome.slack.js';
import { welcomeTeams } from './welcome.teams.js';
import { welcomeText } from './welcome.text.js';
import { whoamiSlack } from './whoami.slack.js';
import { whoamiTeams } from './whoami.teams.js';
import { whoamiText } from './whoami.text.js';

export type { AdaptiveCardAttachment, AdaptiveCardJson } from './adaptive.js';
export type { SlackBlock, SlackMessage, SlackModalView } from './blockkit.js';
export { buyProductSearchModal, buyQuantityModal, buySearchModal, quantityModalModel, type BuyQuantityModalModel } from './buy.slack.js';
export { cancelNoticeModal } from './cancel.slack.js';
export { supportFormModal } from './support.slack.js';
export { activityFilterFormModal } from './activity.slack.js';
export { formatDate, formatMoney } from './format.js';
export { notificationScreen } from './notifications.js';
export * from './screens.js';
export { parseSubmitData, encodeSubmitData } from './submit.js';
export { resolveLocale, t, type Locale, type MessageKey } from './i18n/index.js';

interface Renderers<S extends Screen> {
  teams: (screen: S, locale: Locale) => AdaptiveCardJson;
  slack: (screen: S, locale: Locale) => SlackMessage;
  text: (screen: S, locale: Locale) => string;
}

/** One entry per screen kind: adding a member to `Screen` fails to compile until it is rendered. */
const RENDERERS: { [K in ScreenKind]: Renderers<Extract<MessageScreen, { kind: K }>> } = {
  help: { teams: helpTeams, slack: helpSlack, text: helpText },
  welcome: { teams: welcomeTeams, slack: welcomeSlack, text: welcomeText },
  whoami: { teams: whoamiTeams, slack: whoamiSlack, text: whoamiText },
  notice: { teams: noticeTeams, slack: noticeSlack, text: noticeText },
  rolesUsers: { teams: rolesUsersTeams, slack: rolesUsersSlack, text: rolesUsersText },
  rolesUser: { teams: rolesUserTeams, slack: rolesUserSlack, text: rolesUserText },
  rolesConfirm: { teams: rolesConfirmTeams, slack: rolesConfirmSlack, text: rolesConfirmText },
  buyCustomer: { teams: buyCustomerTeams, slack: buyCustomerSlack, text: buyCustomerText },
  buyProducts: { teams: buyProductsTeams, slack: buyProductsSlack, text: buyProductsText },
  buySku: { teams: buySkuTeams, slack: buySkuSlack, text: buySkuText },
  buyReview: { teams: buyReviewTeams, slack: buyReviewSlack, text: buyReviewText },
  buyConfirmed: { teams: buyConfirmedTeams, slack: buyConfirmedSlack, text: buyConfirmedText },
  orders: { teams: ordersTeams, slack: ordersSlack, text: ordersText },
  softwareList: { teams: softwareListTeams, slack: softwareListSlack, text: softwareListText },
  softwareChoices: { teams: softwareChoicesTeams, slack: softwareChoicesSlack, text: softwareChoicesText },
  softwareKeys: { teams: softwareKeysTeams, slack: softwareKeysSlack, text: softwareKeysText },
  cancelPurchases: { teams: cancelPurchasesTeams, slack: cancelPurchasesSlack, text: cancelPurchasesText },
  cancelSubmitted: { teams: cancelSubmittedTeams, slack: cancelSubmittedSlack, text: cancelSubmittedText },
  cancellationFinished: { teams: cancellationFinishedTeams, slack: cancellationFinishedSlack, text: cancellationFinishedText },
  cancellationDelayed: { teams: cancellationDelayedTeams, slack: cancellationDelayedSlack, text: cancellationDelayedText },
  cancellationFailed: { teams: cancellationFailedTeams, slack: cancellationFailedSlack, text: cancellationFailedText },
  supportStart: { teams: supportStartTeams, slack: supportStartSlack, text: supportStartText },
  supportReview: { teams: supportReviewTeams, slack: supportReviewSlack, text: supportReviewText },
  supportSubmitted: { teams: supportSubmittedTeams, slack: supportSubmittedSlack, text: supportSubmittedText },
  supportList: { teams: supportListTeams, slack: supportListSlack, text: supportListText },
  supportFiled: { teams: supportFiledTeams, slack: supportFiledSlack, text: supportFiledText },
  supportFailed: { teams: supportFailedTeams, slack: supportFailedSlack, text: supportFailedText },
  activityLog: { teams: activityLogTeams, slack: activityLogSlack, text: activityLogText },
  activityExportLink: { teams: activityExportLinkTeams, slack: activityExportLinkSlack, text: activityExportLinkText },
};

// The tables pair each kind with its own renderers; indexing by a union loses that link.
function renderersFor(screen: MessageScreen): Renderers<MessageScreen> {
  return RENDERERS[screen.kind] as Renderers<MessageScreen>;
}

function formRenderersFor(form: FormScreen): (typeof FORM_RENDERERS)[keyof typeof FORM_RENDERERS] & { [K in 'teams' | 'slackModal' | 'text']: (f: FormScreen, l: Locale) => ReturnType<(typeof FORM_RENDERERS)[keyof typeof FORM_RENDERERS][K]> } {
  return FORM_RENDERERS[form.kind] as never;
}

export function renderTeams(screen: Screen, locale: Locale): AdaptiveCardAttachment {
  return attachment(isForm(screen) ? formRenderersFor(screen).teams(screen, locale) : renderersFor(screen).teams(screen, locale));
}

/**
 * A screen as a Block Kit message. A form is a modal on Slack (renderSlackModal, opened by a
 * click); where no modal can open, it is said as text.
 */
export function renderSlack(screen: Screen, locale: Locale): SlackMessage {
  if (isForm(screen)) {
    const text = formRenderersFor(screen).text(screen, locale);
    return slackMessage(text, [section(plain(text))]);
  }
  return renderersFor(screen).slack(screen, locale);
}

/** A form as a Slack modal view. */
export function renderSlackModal(form: FormScreen, locale: Locale): SlackModalView {
  return formRenderersFor(form).slackModal(form, locale);
}

export function fallbackText(screen: Screen, locale: Locale): string {
  return isForm(screen) ? formRenderersFor(screen).text(screen, locale) : renderersFor(screen).text(screen, locale);
}
