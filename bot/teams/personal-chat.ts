/**
 * R11 from a Teams group chat or channel: a secret (activation key, download link) goes
 * to the requesting user's personal chat with the bot, sent directly from this turn with
 * the stored ConversationReference — never through a job (job data and notification
 * payloads are stored in clear) and never into the shared conversation.
 */
import type { ConversationReference, TurnContext } from 'botbuilder';
import { renderTeams, fallbackText, type Screen } from '../../cards/index.js';
import { resolveLocale } from '../../cards/i18n/index.js';
import type { Actor } from '../../services/access/roles.js';
import type { Db } from '../../services/db/pool.js';
import type { Logger } from '../../services/logger.js';
import { personalConversation } from '../../services/notifications/notifications.js';
import type { PersonalChat } from '../../dialogs/software.js';
import type { TeamsAdapter } from './sender.js';

export class TeamsPersonalChat implements PersonalChat {
  constructor(private readonly deps: { db: Db; adapter: Pick<TeamsAdapter, 'continueConversationAsync'>; botAppId: string; logger?: Logger }) {}

  async has(actor: Actor): Promise<boolean> {
    return (await this.referenceOf(actor)) !== undefined;
  }

  async send(_ctx: TurnContext, actor: Actor, screen: Screen): Promise<'sent' | 'noPersonalChat' | 'undelivered'> {
    const reference = await this.referenceOf(actor);
    if (!reference) return 'noPersonalChat';
    const locale = resolveLocale(actor.locale);
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.botAppId, reference, async (context) => {
        await context.sendActivity({ type: 'message', attachments: [renderTeams(screen, locale)], summary: fallbackText(screen, locale) });
      });
      return 'sent';
    } catch (err) {
      // Only the status: a connector error can carry the request, and this one holds a secret.
      this.deps.logger?.warn({ statusCode: (err as { statusCode?: unknown }).statusCode ?? null, code: (err as { code?: unknown }).code ?? null }, 'personal chat: message with a secret not delivered (its link is withdrawn)');
      return 'undelivered';
    }
  }

  private async referenceOf(actor: Actor): Promise<Partial<ConversationReference> | undefined> {
    return (await personalConversation(this.deps.db, actor.userId, actor.partnerId))?.reference;
  }
}
