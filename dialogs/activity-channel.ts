/**
 * What the activity flow (dialogs/activity.ts) needs from the channel: the user's time zone,
 * and — where the channel can take one — a file uploaded into the user's direct messages
 * with the bot. The bot layer implements it (bot/activity-channel.ts: Teams' localTimezone on
 * the activity, Slack's users.info `tz`; Slack's external upload). Teams cannot take a file
 * from a bot without the user's consent card, so there the flow sends a short-lived link.
 */
import type { TurnContext } from 'botbuilder';

/** A file to upload, produced while it is read (a CSV streamed from Postgres). */
export interface OutgoingFile {
  name: string;
  title: string;
  /** The message posted with the file; built once the file is complete (`rows` then known). */
  comment: () => string;
  chunks: AsyncIterable<Buffer>;
}

/**
 * An upload the channel refused. `permission`: the app lacks the right to upload (Slack's
 * files:write scope, a token of the wrong kind) — retrying cannot help, an admin must
 * reinstall the app; `failed`: anything else (worth another try).
 */
export class ExportUploadError extends Error {
  constructor(readonly kind: 'permission' | 'failed', message: string) {
    super(message);
    this.name = 'ExportUploadError';
  }
}

export interface ActivityChannel {
  /** The user's IANA time zone as the channel says it; null when it does not. */
  zoneOf(ctx: TurnContext): string | null;
  /** Whether `uploadToDirectMessages` works for this turn's channel (Slack), or the flow sends a link (Teams). */
  canUpload(ctx: TurnContext): boolean;
  /** Uploads the file into the user's DM with the bot. Rejects when it could not (nothing was posted then): an ExportUploadError when the channel said why. */
  uploadToDirectMessages(ctx: TurnContext, file: OutgoingFile): Promise<void>;
}
