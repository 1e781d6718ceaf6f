import { act } from './actions.js';
import {
  actionSet, adaptiveCard, column, columnSet, container, heading, plainText, cardButton, textBlock, textRun, richText,
  type AdaptiveCardJson, type CardElement,
} from './adaptive.js';
import { commandLine, helpText } from './help.text.js';
import { t, tKey, type Locale } from './i18n/index.js';
import { type HelpCommand, type HelpScreen } from './screens.js';

function commandRow(command: HelpCommand, screen: HelpScreen, locale: Locale): CardElement {
  const side = command.available
    ? actionSet([cardButton(command.name, act.command(command.name))])
    : plainText(t(locale, 'help.comingSoon'), { isSubtle: true, italic: true });
  return columnSet(
    [
      column(
        [
          richText([textRun(commandLine(command, screen.channel, locale), { weight: 'Bolder' })]),
          plainText(tKey(locale, command.descriptionKey), { isSubtle: true }, { spacing: 'None' }),
        ],
        { width: 'stretch' },
      ),
      column([side], { width: 'auto', verticalContentAlignment: 'Center' }),
    ],
    { separator: true, spacing: 'Medium' },
  );
}

export function helpTeams(screen: HelpScreen, locale: Locale): AdaptiveCardJson {
  const body: CardElement[] = [heading(t(locale, 'help.title'))];
  if (screen.commands.length === 0) {
    body.push(textBlock(t(locale, 'help.noCommands')));
  } else {
    body.push(textBlock(t(locale, 'help.intro'), { spacing: 'Small' }));
    body.push(container(screen.commands.map((c) => commandRow(c, screen, locale))));
  }
  return adaptiveCard(body, { fallbackText: helpText(screen, locale) });
}
