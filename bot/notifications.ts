/**
 * Renders a stored notification (services/notifications/messages.ts) at delivery time, for
 * the recipient's channel and in the recipient's language as the user row says it now: an
 * Adaptive Card on Teams, Block Kit with its fallback text on Slack. The worker hands this to
 * the delivery processor (services/notifications/deliver.ts), which may not import cards/.
 */
import { notificationScreen, renderSlack, renderTeams } from '../cards/index.js';
import { resolveLocale } from '../cards/i18n/index.js';
import type { NotificationChannel, NotificationPayload } from '../services/notifications/channel-sender.js';
import type { NotificationRenderer } from '../services/notifications/deliver.js';
import type { NotificationMessage } from '../services/notifications/messages.js';

export const renderNotification: NotificationRenderer = (message: NotificationMessage, to: { channel: NotificationChannel; locale: string | null }): NotificationPayload => {
  const locale = resolveLocale(to.locale);
  const screen = notificationScreen(message, to.channel);
  if (to.channel === 'slack') {
    const slack = renderSlack(screen, locale);
    return { text: slack.text, blocks: slack.blocks as unknown as Array<Record<string, unknown>> };
  }
  return { card: renderTeams(screen, locale) as unknown as Record<string, unknown> };
};
