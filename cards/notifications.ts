/**
 * Notifications (services/notifications/messages.ts) as screens, for the recipient's channel:
 * rendered by the worker at delivery time, in the recipient's language. One row per kind.
 */
import type { Channel } from '../services/access/roles.js';
import type { NotificationMessage } from '../services/notifications/messages.js';
import { commandLine } from './help.text.js';
import type { Screen } from './screens.js';

export function notificationScreen(message: NotificationMessage, channel: Channel): Screen {
  switch (message.kind) {
    case 'roleChanged':
      return {
        kind: 'notice',
        tone: 'info',
        messageKey: message.grant ? 'roles.youWereGranted' : 'roles.youWereRevoked',
        params: { by: message.by ?? '—', help: commandLine({ name: 'help', usage: '' }, channel) },
        roles: [message.role],
      };
    case 'cancellationFinished': {
      const { orderId, title, customerId, customerName, creditMinor, currency, keysRevoked, linksRevoked } = message;
      return { kind: 'cancellationFinished', orderId, title, customerId, customerName, creditMinor, currency, keysRevoked, linksRevoked };
    }
    case 'cancellationDelayed': {
      const { cancellationId, orderId, title, customerId, customerName, minutes } = message;
      return { kind: 'cancellationDelayed', cancellationId, orderId, title, customerId, customerName, minutes };
    }
    case 'cancellationFailed': {
      const { cancellationId, orderId, title, customerId, customerName, reason, code, followedMinutes } = message;
      return { kind: 'cancellationFailed', cancellationId, orderId, title, customerId, customerName, reason, code, ...(followedMinutes !== undefined ? { followedMinutes } : {}) };
    }
    case 'supportFiled': {
      const { requestId, orderId, title, ticketNumber, ticketUrl } = message;
      return { kind: 'supportFiled', requestId, orderId, title, ticketNumber, ticketUrl };
    }
    case 'supportFailed': {
      const { requestId, orderId, title, reason } = message;
      return { kind: 'supportFailed', requestId, orderId, title, reason };
    }
  }
}
