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
  | { kind: 'roleChanged'; grant: boolean; role: Role; by: string | null };

/** The most a stored message may hold (it is facts, a few short strings). */
export const MAX_MESSAGE_BYTES = 4 * 1024;
