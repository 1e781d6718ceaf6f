/**
 * Keys and downloads (R8–R12, R19) as Adaptive Cards 1.5. The pickers sit on the card;
 * Teams merges their values (`version`, `language`, `fileType`) into the data of
 * "Get keys and downloads". Outside values (titles, versions, the key) are literal text.
 */
import { act, type CardAction } from './actions.js';
import {
  actionSet, adaptiveCard, column, columnSet, container, heading, inputChoiceSet, labelled, plainText, cardButton, textBlock, textRun,
  richText,
  type AdaptiveCardJson, type CardElement, type RichTextBlock, type CardButton, type TextBlock, type TextRun,
} from './adaptive.js';
import { shown, SHOWN } from './buy.text.js';
import { t, type Locale, type MessageKey } from './i18n/index.js';
import { languageName } from './format.js';
import { type SoftwareChoicesScreen, type SoftwareKeysScreen, type SoftwareListScreen, type SoftwareRow } from './screens.js';
import {
  againText, expiryText, hasChoices, initialChoice, itemContext, keysFacts, missingText, moreSoftware, moreVariants, pickerValues,
  SHOWN_CHOICE, shownSoftware, shownVariants, softwareChoicesText, softwareEmptyText, softwareKeysText, softwareLine, softwareListText,
  softwareIntroKey, softwareStatusLine, softwareTitle, someCombinationsMissing, variantText,
} from './software.text.js';

/** A button that ignores (and does not validate) the card's inputs. */
function plainButton(title: string, data: CardAction, style?: CardButton['style']): CardButton {
  return cardButton(title, data, { associatedInputs: 'none', ...(style ? { style } : {}) });
}

function cancelButton(locale: Locale): CardButton {
  // "Close": next to "Cancelled · Key not available", "Cancel" reads as cancelling a purchase.
  return plainButton(t(locale, 'cancel.close'), act.stop());
}

// --- list ---------------------------------------------------------------------------------

function itemRow(item: SoftwareRow, locale: Locale): CardElement {
  const lines: CardElement[] = [
    plainText(shown(item.title, SHOWN.title), { weight: 'Bolder' }),
    plainText(softwareLine(item, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' }),
    plainText(softwareStatusLine(item, locale), { color: item.keyAvailable ? 'Default' : 'Attention' }, { spacing: 'None' }),
  ];
  // R19: a cancelled purchase stays listed, without a way to its (revoked) keys.
  if (!item.keyAvailable) return container(lines, { separator: true, spacing: 'Medium' });
  const button = plainButton(t(locale, 'software.get'), act.softwareItem(item.orderId, item.lineNumber));
  return columnSet(
    [column(lines, { width: 'stretch' }), column([actionSet([button])], { width: 'auto', verticalContentAlignment: 'Center' })],
    { separator: true, spacing: 'Medium' },
  );
}

export function softwareListTeams(screen: SoftwareListScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(softwareTitle(screen, locale))];
  const items = shownSoftware(screen);
  if (items.length === 0) body.push(plainText(softwareEmptyText(screen, locale), {}, { spacing: 'Small' }));
  else {
    body.push(textBlock(t(locale, softwareIntroKey(items)), { isSubtle: true, spacing: 'Small' }));
    body.push(container(items.map((item) => itemRow(item, locale))));
  }
  if (moreSoftware(screen)) body.push(textBlock(t(locale, 'software.more', { count: items.length }), { isSubtle: true }));
  return adaptiveCard(body, { fallbackText: softwareListText(screen, locale), actions: [cancelButton(locale)] });
}

// --- choices (R9) -----------------------------------------------------------------------------

function picker(id: 'version' | 'language' | 'fileType', labelKey: MessageKey, values: readonly string[], value: string | undefined, locale: Locale): CardElement {
  return inputChoiceSet(
    id,
    // Languages by name ("German (Germany)"); the value stays the tag the server checks.
    pickerValues(values).map((v) => ({ title: shown(id === 'language' ? languageName(v, locale) : v, SHOWN_CHOICE), value: v })),
    {
      style: 'compact',
      label: t(locale, labelKey),
      isRequired: true,
      errorMessage: t(locale, 'software.choices.required'),
      wrap: true,
      ...(value !== undefined ? { value } : {}),
    },
  );
}

export function softwareChoicesTeams(screen: SoftwareChoicesScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [
    heading(shown(screen.item.title, SHOWN.title)),
    plainText(itemContext(screen, locale), { isSubtle: true }, { spacing: 'None' }),
  ];
  const missing = missingText(screen, locale);
  if (missing) body.push(container([plainText(missing, { weight: 'Bolder' })], { style: 'warning' }));
  if (!hasChoices(screen)) {
    body.push(textBlock(t(locale, 'software.choices.none'), { color: 'Warning' }));
    return adaptiveCard(body, { fallbackText: softwareChoicesText(screen, locale), actions: [cancelButton(locale)] });
  }
  body.push(textBlock(t(locale, 'software.choices.intro'), { spacing: 'Medium' }));
  const initial = initialChoice(screen);
  body.push(
    picker('version', 'software.label.version', screen.versions, initial.version, locale),
    picker('language', 'software.label.language', screen.languages, initial.language, locale),
    picker('fileType', 'software.label.fileType', screen.fileTypes, initial.fileType, locale),
  );
  if (someCombinationsMissing(screen)) {
    const variants = shownVariants(screen);
    body.push(
      container(
        [
          textBlock(t(locale, 'software.choices.available'), { isSubtle: true, weight: 'Bolder' }),
          ...variants.map((v) => plainText(variantText(v, locale), { isSubtle: true, size: 'Small' }, { spacing: 'None' })),
          ...(moreVariants(screen) ? [textBlock(t(locale, 'software.choices.moreVariants', { count: variants.length }), { isSubtle: true, size: 'Small' })] : []),
        ],
        { spacing: 'Medium' },
      ),
    );
  }
  const get = act.softwareGet(screen.item.orderId, screen.item.lineNumber);
  return adaptiveCard(body, {
    fallbackText: softwareChoicesText(screen, locale),
    // associatedInputs 'auto': Teams checks the pickers and merges them into `get`.
    actions: [cardButton(t(locale, 'software.choices.get'), get, { style: 'positive' }), cancelButton(locale)],
  });
}

// --- keys (R9–R11) --------------------------------------------------------------------------

/**
 * Adaptive Cards 1.5 elements cards/adaptive.ts does not model yet: monospace text and a
 * link button. Typed here, checked by the adaptivecards object model in the tests.
 */
interface MonospaceTextBlock extends TextBlock {
  fontType: 'Monospace';
}
interface MonospaceTextRun extends TextRun {
  fontType: 'Monospace';
}
interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
  style?: 'default' | 'positive' | 'destructive';
}

/** Characters that can never be Teams markdown: a key made only of them is safe in a TextBlock. */
const MARKDOWN_FREE = /^[A-Za-z0-9 -]+$/;

/** The key, large, in monospace, easy to select. Literal (a TextRun) if it holds anything markdown could read. */
function keyText(key: string): CardElement {
  if (MARKDOWN_FREE.test(key)) {
    const block: MonospaceTextBlock = { ...textBlock(key, { size: 'Large', weight: 'Bolder', spacing: 'None' }), fontType: 'Monospace' };
    return block;
  }
  const run: MonospaceTextRun = { ...textRun(key, { size: 'Large', weight: 'Bolder' }), fontType: 'Monospace' };
  const block: RichTextBlock = richText([run], { spacing: 'None' });
  return block;
}

/** The Download button: the only place the URL appears (never in submit data). */
function downloadAction(title: string, url: string): CardButton {
  const action: OpenUrlAction = { type: 'Action.OpenUrl', title, url, style: 'positive' };
  // adaptive.ts types card actions as Action.Submit only; the object model validates this one in the tests.
  return action as unknown as CardButton;
}

export function softwareKeysTeams(screen: SoftwareKeysScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [];
  if (screen.simulated) body.push(container([textBlock(t(locale, 'software.keys.simulated'), { weight: 'Bolder', color: 'Attention' })], { style: 'attention' }));
  body.push(heading(t(locale, 'software.keys.title')), plainText(shown(screen.item.title, SHOWN.title), { weight: 'Bolder' }, { spacing: 'Small' }));
  body.push(container(keysFacts(screen, locale).map(([label, value]) => labelled(label, value)), { spacing: 'Small' }));
  body.push(
    plainText(t(locale, 'software.keys.key'), { isSubtle: true }, { spacing: 'Medium', separator: true }),
    keyText(screen.activationKey),
    // The link as text too, to copy into a message to the customer (opening it would use a download).
    plainText(t(locale, 'software.keys.link'), { isSubtle: true }, { spacing: 'Medium' }),
    plainText(screen.downloadUrl, { size: 'Small' }, { spacing: 'None' }),
    textBlock(expiryText(screen, locale), { spacing: 'Medium' }),
    textBlock(againText(screen, locale), { isSubtle: true, spacing: 'Small' }),
    container([textBlock(`🔒 ${t(locale, 'software.keys.private')}`, { weight: 'Bolder' })], { style: 'warning', spacing: 'Medium' }),
  );
  return adaptiveCard(body, {
    fallbackText: softwareKeysText(screen, locale),
    actions: [downloadAction(t(locale, 'software.keys.download'), screen.downloadUrl)],
  });
}

