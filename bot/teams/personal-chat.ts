/**
 * R11 from a Teams group chat or channel: a secret (activation key, download link) goes
 * to the requesting user's personal chat with the bot, sent directly from this turn with
 * the stored ConversationReference — never through a job (job data and notification
 * payloads are stored in clear) and never into the shared conversation.
 */
import type { ConversationReference } from 'botbuilder';
import { renderTeams, fallbackText, type Screen } from '../../cards/index.js';
import { resolveLocale } from '../../cards/i18n/index.js';
import type { Actor } from '../../services/access/roles.js';
import type { Db } from '../../services/db/pool.js';
import type { Logger } from '../../services/logger.js';
import { personalConversation } from '../../services/notifications/notifications.js';
import type { PersonalChat, PersonalChatAddress } from '../../dialogs/software.js';
import type { TeamsAdapter } from './sender.js';

/** A Teams personal chat: the stored conversation reference of the user's 1:1 chat with the bot. */
interface TeamsChat extends PersonalChatAddress {
  readonly personalChat: Partial<ConversationReference>;
}

export class TeamsPersonalChat implements PersonalChat {
  constructor(private readonly deps: { db: Db; adapter: Pick<TeamsAdapter, 'continueConversationAsync'>; botAppId: string; logger?: Logger }) {}

  async find(actor: Actor): Promise<TeamsChat | null> {
    const found = await personalConversation(this.deps.db, actor.userId, actor.partnerId);
    return found ? { personalChat: found.reference } : null;
  }

  async send(chat: PersonalChatAddress, actor: Actor, screen: Screen): Promise<'sent' | 'undelivered'> {
    const locale = resolveLocale(actor.locale);
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.botAppId, (chat as TeamsChat).personalChat, async (context) => {
        await context.sendActivity({ type: 'message', attachments: [renderTeams(screen, locale)], summary: fallbackText(screen, locale) });
      });
      return 'sent';
    } catch (err) {
      // Only the status: a connector error can carry the request, and this one holds a secret.
      this.deps.logger?.warn({ statusCode: (err as { statusCode?: unknown }).statusCode ?? null, code: (err as { code?: unknown }).code ?? null }, 'personal chat: message with a secret not delivered (its link is withdrawn)');
      return 'undelivered';
    }
  }
}
