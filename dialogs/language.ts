/**
 * `language [en|de|auto]`: the language the bot answers a user in, when their client's is not the
 * one they want (issue 13: the Playground always sends en-US). The choice is the user's own, kept
 * with them (users.preferred_locale): it wins over the client's language in every answer from the
 * next turn on, and in notifications. `auto` follows the client again. Without an argument: the
 * language in use, and buttons to change it.
 */
import type { TurnContext } from 'botbuilder';
import { act } from '../cards/actions.js';
import { notice } from '../cards/index.js';
import { resolveLocale, t, type Locale } from '../cards/i18n/index.js';
import type { PartnerDirectory } from '../services/access/directory.js';
import type { Actor } from '../services/access/roles.js';
import { ACTOR_KEY, localeOf, show } from './ui.js';

/** A Map, not an object literal: `language __proto__` or `language constructor` found Object.prototype's (issue 14). */
const WORDS: ReadonlyMap<string, Locale | 'auto'> = new Map([
  ['en', 'en'], ['english', 'en'], ['englisch', 'en'],
  ['de', 'de'], ['deutsch', 'de'], ['german', 'de'],
  ['auto', 'auto'], ['client', 'auto'], ['teams', 'auto'], ['slack', 'auto'],
]);

const CHOICES = [
  // In place: the card saying which language is in use becomes the answer (it would go on saying the old one).
  { labelKey: 'action.language.en', data: act.commandInPlace('language', 'en') },
  { labelKey: 'action.language.de', data: act.commandInPlace('language', 'de') },
  { labelKey: 'action.language.auto', data: act.commandInPlace('language', 'auto') },
] as const;

export async function runLanguage(ctx: TurnContext, directory: PartnerDirectory, actor: Actor, args: string): Promise<void> {
  const word = args.trim().toLowerCase();
  if (word === '') {
    const locale = localeOf(ctx);
    const chosen = actor.preferredLocale != null;
    await show(ctx, notice('info', chosen ? 'language.current.chosen' : 'language.current.client', { language: t(locale, languageName(locale)) }, [...CHOICES]));
    return;
  }
  const choice = WORDS.get(word);
  if (!choice) {
    await show(ctx, notice('warning', 'language.unknown', undefined, [...CHOICES]));
    return;
  }
  await directory.setPreferredLocale(actor, choice === 'auto' ? null : choice);
  // This answer already speaks the new language: the actor of the turn is read again by localeOf.
  const locale = choice === 'auto' ? resolveLocale(ctx.activity.locale) : choice;
  ctx.turnState.set(ACTOR_KEY, { ...actor, locale, preferredLocale: choice === 'auto' ? null : choice } satisfies Actor);
  await show(ctx, notice('info', choice === 'auto' ? 'language.followClient' : 'language.set'));
}

function languageName(locale: Locale): 'language.name.en' | 'language.name.de' {
  return locale === 'de' ? 'language.name.de' : 'language.name.en';
}
