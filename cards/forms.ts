/**
 * Forms (screens.ts): what a flow asks the user to fill in, rendered per channel — on Slack as
 * a modal (the flow's click opens it; buy.slack.ts, cancel.slack.ts, support.slack.ts and activity.slack.ts build the views), on
 * Teams as a card with the inputs, and as plain text for previews and notifications. A flow
 * shows a form like any screen and never asks which channel it is on.
 */
import { act } from './actions.js';
import { activityFilterFormModal } from './activity.slack.js';
import { activityFilterFormTeams } from './activity.teams.js';
import { activityFilterFormText } from './activity.text.js';
import { adaptiveCard, heading, inputNumber, inputText, plainText, cardButton, textBlock, type AdaptiveCardJson, type CardElement } from './adaptive.js';
import type { SlackModalView } from './blockkit.js';
import { buyProductSearchModal, buyQuantityModal, buySearchModal } from './buy.slack.js';
import { buyCustomerTeams } from './buy.teams.js';
import { cancelNoticeModal } from './cancel.slack.js';
import { cancelNoticeTeams } from './cancel.teams.js';
import { cancelNoticeText } from './cancel.text.js';
import { supportFormModal } from './support.slack.js';
import { supportFormTeams } from './support.teams.js';
import { supportFormText } from './support.text.js';
import { buyCustomerText, customerLine, customerName, quantityErrorText, quantityRange, shown, SHOWN, skuPriceLine } from './buy.text.js';
import { t, type Locale } from './i18n/index.js';
import type { CustomerSearchFormScreen, FormKind, FormScreen, ProductSearchFormScreen, QuantityFormScreen } from './screens.js';

const SEARCH_MAX_LENGTH = 200;

/** The customer search is the customer card asking for a search. */
function customerPrompt(form: CustomerSearchFormScreen) {
  return { kind: 'buyCustomer' as const, flow: form.flow, query: form.query, result: 'prompt' as const, customers: [] };
}

function cancel(locale: Locale) {
  return cardButton(t(locale, 'buy.cancel'), act.stop(), { associatedInputs: 'none' });
}

function productSearchTeams(form: ProductSearchFormScreen, locale: Locale): AdaptiveCardJson {
  return adaptiveCard(
    [
      heading(t(locale, 'buy.products.modalTitle')),
      plainText(customerLine(form.customer, locale), { isSubtle: true }, { spacing: 'None' }),
      inputText('search', { label: t(locale, 'buy.products.searchLabel'), placeholder: t(locale, 'buy.products.searchPlaceholder'), maxLength: SEARCH_MAX_LENGTH }),
    ],
    { fallbackText: productSearchText(form, locale), actions: [cardButton(t(locale, 'buy.search'), act.buyProductSearch(form.customer.id), { style: 'positive' }), cancel(locale)] },
  );
}

function quantityTeams(form: QuantityFormScreen, locale: Locale): AdaptiveCardJson {
  const { sku } = form;
  const body: CardElement[] = [heading(shown(form.productTitle, SHOWN.title)), plainText(shown(sku.title, SHOWN.title)), plainText(skuPriceLine(sku, form.taxNote, locale), {}, { spacing: 'None' })];
  if (form.quantityError) body.push(textBlock(quantityErrorText(form.quantityError, locale), { color: 'Attention' }));
  const q = form.quantity;
  body.push(
    inputNumber('quantity', {
      label: `${t(locale, 'buy.label.quantity')} (${quantityRange(sku.minQuantity, sku.maxQuantity, locale)})`,
      placeholder: t(locale, 'buy.sku.quantityPlaceholder'),
      min: sku.minQuantity,
      max: sku.maxQuantity,
      isRequired: true,
      errorMessage: t(locale, 'buy.sku.quantityRequired'),
      ...(q !== null && Number.isInteger(q) && q >= sku.minQuantity && q <= sku.maxQuantity ? { value: q } : {}),
    }),
  );
  return adaptiveCard(body, {
    fallbackText: quantityText(form, locale),
    actions: [cardButton(t(locale, 'buy.sku.review'), act.buyReview(form.productId, sku.skuId), { style: 'positive' }), cancel(locale)],
  });
}

function productSearchText(form: ProductSearchFormScreen, locale: Locale): string {
  return `${t(locale, 'buy.products.modalTitle')} — ${customerName(form.customer)}`;
}

function quantityText(form: QuantityFormScreen, locale: Locale): string {
  return `${t(locale, 'buy.sku.modalTitle')}: ${shown(form.productTitle, SHOWN.title)} — ${shown(form.sku.title, SHOWN.title)} (${quantityRange(form.sku.minQuantity, form.sku.maxQuantity, locale)})`;
}

interface FormRenderers<F extends FormScreen> {
  teams: (form: F, locale: Locale) => AdaptiveCardJson;
  slackModal: (form: F, locale: Locale) => SlackModalView;
  text: (form: F, locale: Locale) => string;
}

/** One entry per form kind: a new form fails to compile until it is rendered for both channels. */
export const FORM_RENDERERS: { [K in FormKind]: FormRenderers<Extract<FormScreen, { kind: K }>> } = {
  customerSearchForm: {
    teams: (form, locale) => buyCustomerTeams(customerPrompt(form), locale),
    slackModal: (form, locale) => buySearchModal(locale, act.customerSearch(form.flow), form.query),
    text: (form, locale) => buyCustomerText(customerPrompt(form), locale),
  },
  productSearchForm: {
    teams: productSearchTeams,
    slackModal: (form, locale) => buyProductSearchModal(locale, form.customer),
    text: productSearchText,
  },
  quantityForm: {
    teams: quantityTeams,
    slackModal: (form, locale) => buyQuantityModal(form, locale),
    text: quantityText,
  },
  cancelNoticeForm: {
    teams: cancelNoticeTeams,
    slackModal: cancelNoticeModal,
    text: cancelNoticeText,
  },
  supportForm: {
    teams: supportFormTeams,
    slackModal: supportFormModal,
    text: supportFormText,
  },
  activityFilterForm: {
    teams: activityFilterFormTeams,
    slackModal: activityFilterFormModal,
    text: activityFilterFormText,
  },
};
