/**
 * What a notification says, as data: each kind with the facts its message needs. A service
 * or a job stores one of these (services/ may not render cards), and the worker renders it at
 * delivery time in the recipient's channel and language (bot/notifications.ts → cards/), so a
 * job running long after the request still speaks the user's language as it is then, and a
 * notification row holds facts, never markup. Never a secret: no keys, no download links.
 *
 * A new kind is a member here and a row in cards/notifications.ts, which does not compile
 * until it is rendered.
 */
import type { Role } from '../access/roles.js';

export type NotificationMessage =
  /** A Global admin granted or revoked one of the recipient's roles. */
  | { kind: 'roleChanged'; grant: boolean; role: Role; by: string | null }
  /** R18, R19: the recipient's cancellation has finished; the credit it brought; keys and links are revoked. */
  | {
      kind: 'cancellationFinished';
      cancellationId: string;
      orderId: string;
      title: string;
      /** The customer (its id for the message's "View orders"; the name as it was). */
      customerId: string;
      customerName: string;
      currency: string;
      creditMinor: number;
      keysRevoked: number;
      linksRevoked: number;
    }
  /**
   * R18: the recipient's cancellation has not finished `minutes` after the backend took it;
   * it is still being followed, and they will be told when it has finished.
   */
  | { kind: 'cancellationDelayed'; cancellationId: string; orderId: string; title: string; customerId: string; customerName: string; minutes: number }
  /**
   * R20: the recipient's cancellation did not finish: the backend refused or failed it, needs
   * more information, or had not finished after it was followed `followedMinutes` (`timed_out`:
   * the bot stopped following it; the backend may still finish it).
   */
  | {
      kind: 'cancellationFailed';
      cancellationId: string;
      orderId: string;
      title: string;
      customerId: string;
      customerName: string;
      reason: CancellationFailure;
      /** The backend's own code, for a support request (e.g. Partner Center's 900117). */
      code: string | null;
      followedMinutes?: number;
    }
  /** R21: the recipient's support request was filed; the desk's ticket number (and a link to it, if the desk has one). `title`: the product's. */
  | { kind: 'supportFiled'; requestId: string; orderId: string; title: string; ticketNumber: string; ticketUrl: string | null }
  /**
   * R21: the recipient's support request could not be filed (the desk refused it, or did not
   * answer through all the retries); it is kept, and `support retry <requestId>` files it again.
   */
  | { kind: 'supportFailed'; requestId: string; orderId: string; title: string; reason: 'unauthorized' | 'rejected' | 'unavailable' };

/** Why a cancellation did not finish (R20). */
export type CancellationFailure = 'window_passed' | 'not_cancellable' | 'not_found' | 'failed' | 'needs_information' | 'timed_out';

/** The most a stored message may hold (it is facts, a few short strings). */
export const MAX_MESSAGE_BYTES = 4 * 1024;
