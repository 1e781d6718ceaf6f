/**
 * What the support flow (dialogs/support.ts) needs from the channel and cannot get from the
 * services: the user's contact details as the channel knows them, and the files they sent.
 * The bot layer implements it per channel (bot/support-channel.ts: Teams member info and
 * attachments; Slack users.info and the modal's file input) and hands it to the flow, which
 * never reads a channel's payloads itself.
 */
import type { TurnContext } from 'botbuilder';

/** Contact details for a support request; '' where the channel does not say. */
export interface ContactDetails {
  name: string;
  email: string;
  phone: string;
}

/** A file the user sent in this turn, not yet read. */
export interface IncomingFile {
  name: string;
  /** As the channel reports it (may be missing or generic). */
  contentType: string | null;
  /** As the channel reports it; null when it does not say (then `read` enforces the limit). */
  sizeBytes: number | null;
  /**
   * The channel could not say what the file is (a Slack files.info that failed, a Teams file
   * without a download URL): `name` may be only its id, and `read` rejects. Reported as
   * unreadable — never judged by a name that is not its own.
   */
  unreadable?: true;
  /**
   * The file's bytes. Rejects with a FileTooLargeError when it holds more than `maxBytes`
   * (without reading the rest), and with any other error when it cannot be fetched.
   */
  read(maxBytes: number): Promise<Buffer>;
}

export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

export interface SupportChannel {
  /** The turn's user's contact details (Teams: member info; Slack: users.info). Never throws: blanks when unknown. */
  contactOf(ctx: TurnContext): Promise<ContactDetails>;
  /**
   * Files sent with this turn: Teams attachments (file download info in a personal chat),
   * Slack's file input (the modal's `files` value, file ids joined by commas). Empty when none.
   */
  filesOf(ctx: TurnContext): Promise<IncomingFile[]>;
}
