/**
 * The channel side of the activity log (dialogs/activity-channel.ts): the user's time zone,
 * and on Slack the export uploaded into the user's DM with the bot.
 *
 * - Time zone: Teams sends the client's zone with each activity (`localTimezone`, or the
 *   `clientInfo` entity's `timezone`); Slack's users.info has `tz` (read by the adapter).
 * - Slack upload (files.getUploadURLExternal → the bytes to the upload URL →
 *   files.completeUploadExternal into the DM opened with conversations.open; files:write
 *   and im:write scopes). Slack needs the file's length before the upload starts, so the CSV
 *   is first streamed from Postgres into a temporary file (never the whole file in memory),
 *   then streamed from that file to Slack; the file is deleted in every case.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TurnContext } from 'botbuilder';
import { WebClient } from '@slack/web-api';
import { ExportUploadError, type ActivityChannel, type OutgoingFile } from '../dialogs/activity-channel.js';
import type { Logger } from '../services/logger.js';
import { slackProfileOf } from './slack/adapter.js';
import { slackLogger } from './slack/logger.js';

export interface ActivityChannelOptions {
  /** Slack (config.slack): the bot token uploads the file; `apiUrl` points the Web API elsewhere (a test's fake). */
  slack?: { botToken: string | undefined; apiUrl?: string | undefined };
  logger: Logger;
  /** Bound of each Web API call and of the upload itself; default 60 s. */
  timeoutMs?: number;
  /** The fetch that sends the bytes to the upload URL (tests hand in a stub); default the global one. */
  fetch?: typeof fetch;
}

/** Slack's answers meaning the app may not upload (files:write missing, a token of the wrong kind): retrying cannot help. */
const SLACK_PERMISSION_ERRORS: ReadonlySet<string> = new Set(['missing_scope', 'not_allowed_token_type', 'no_permission', 'not_authed', 'invalid_auth', 'ekm_access_denied']);

export function createActivityChannel(opts: ActivityChannelOptions): ActivityChannel {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const doFetch = opts.fetch ?? fetch;
  const token = opts.slack?.botToken;
  const client = token
    ? new WebClient(token, {
        ...(opts.slack?.apiUrl ? { slackApiUrl: opts.slack.apiUrl } : {}),
        retryConfig: { retries: 2 },
        timeout: timeoutMs,
        logger: slackLogger(opts.logger, 'activity-channel-slack'),
      })
    : undefined;

  const isSlack = (ctx: TurnContext) => ctx.activity.channelId === 'slack';

  return {
    zoneOf(ctx) {
      if (isSlack(ctx)) return slackProfileOf(ctx)?.tz || null;
      if (typeof ctx.activity.localTimezone === 'string' && ctx.activity.localTimezone !== '') return ctx.activity.localTimezone;
      const info = (ctx.activity.entities ?? []).find((e) => e && typeof e === 'object' && e.type === 'clientInfo') as { timezone?: unknown } | undefined;
      return typeof info?.timezone === 'string' && info.timezone !== '' ? info.timezone : null;
    },

    canUpload(ctx) {
      return isSlack(ctx) && client !== undefined;
    },

    async uploadToDirectMessages(ctx: TurnContext, file: OutgoingFile): Promise<void> {
      if (!client || !isSlack(ctx)) throw new Error('uploading a file needs Slack with a bot token');
      const userId = ctx.activity.from.id;
      const dir = await mkdtemp(join(tmpdir(), 'csp-export-'));
      const path = join(dir, 'export.csv');
      try {
        await pipeline(Readable.from(file.chunks), createWriteStream(path, { mode: 0o600 }));
        const { size } = await stat(path);
        const opened = await client.conversations.open({ users: userId });
        const channelId = opened.channel?.id;
        if (!channelId) throw new Error('Slack conversations.open gave no channel');
        const target = await client.files.getUploadURLExternal({ filename: file.name, length: size });
        if (!target.upload_url || !target.file_id) throw new Error('Slack files.getUploadURLExternal gave no upload URL');
        const res = await doFetch(target.upload_url, {
          method: 'POST',
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-length': String(size) },
          body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
          duplex: 'half',
          signal: AbortSignal.timeout(timeoutMs),
        } as RequestInit & { duplex: 'half' });
        // The upload URL carries its own authorisation: its answer is read and dropped, never logged.
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) throw new Error(`Slack upload URL answered ${res.status}`);
        await client.files.completeUploadExternal({ files: [{ id: target.file_id, title: file.title }], channel_id: channelId, initial_comment: file.comment() });
      } catch (err) {
        const error = (err as { data?: { error?: unknown } }).data?.error;
        if (typeof error === 'string' && SLACK_PERMISSION_ERRORS.has(error)) throw new ExportUploadError('permission', `Slack: ${error}`);
        throw err;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
