/** Typed fixture factories (as bolt-js's own tests): partners, users, activities, Slack requests. */
import { createHmac, randomUUID } from 'node:crypto';
import type { Db } from '../../services/db/pool.js';
import type { Role } from '../../services/access/roles.js';

export interface TestPartner {
  id: number;
  tenantId: string;
  slackTeamId: string;
}

export async function createPartner(db: Db, name = 'Test Partner'): Promise<TestPartner> {
  const tenantId = randomUUID();
  const slackTeamId = `T${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
  const { rows } = await db.query<{ id: string }>('INSERT INTO partners (name) VALUES ($1) RETURNING id', [name]);
  const id = Number(rows[0]!.id);
  await db.query(`INSERT INTO partner_channels (channel, external_id, partner_id) VALUES ('msteams', $1, $3), ('slack', $2, $3)`, [tenantId, slackTeamId, id]);
  return { id, tenantId, slackTeamId };
}

export async function createUser(db: Db, partner: TestPartner, opts: { channel?: 'msteams' | 'slack'; roles?: Role[]; name?: string; externalId?: string } = {}) {
  const channel = opts.channel ?? 'msteams';
  const externalId = opts.externalId ?? (channel === 'slack' ? `U${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}` : randomUUID());
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, $2, $3, $4) RETURNING id',
    [partner.id, channel, externalId, opts.name ?? 'Test User'],
  );
  const id = Number(rows[0]!.id);
  for (const role of opts.roles ?? []) await db.query('INSERT INTO user_roles (user_id, role) VALUES ($1, $2)', [id, role]);
  return { id, externalId, name: opts.name ?? 'Test User' };
}

/** A Teams message activity as the Bot Connector would POST it. */
export function createMessageActivity(opts: {
  tenantId: string;
  aadObjectId: string;
  text?: string;
  value?: unknown;
  conversationId?: string;
  conversationType?: 'personal' | 'groupChat' | 'channel';
  locale?: string;
  serviceUrl?: string;
  id?: string;
  expectReplies?: boolean;
  name?: string;
  /** Files sent with the message (Teams: file download info in a personal chat). */
  attachments?: unknown[];
  /** The client's IANA time zone, as Teams sends it with each activity. */
  localTimezone?: string;
}) {
  return {
    type: 'message',
    id: opts.id ?? randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: opts.serviceUrl ?? 'http://127.0.0.1:9/',
    from: { id: `29:${opts.aadObjectId}`, name: opts.name ?? 'Test User', aadObjectId: opts.aadObjectId },
    recipient: { id: '28:bot', name: 'CSP Software Desk' },
    conversation: { id: opts.conversationId ?? `a:${opts.aadObjectId}`, conversationType: opts.conversationType ?? 'personal', tenantId: opts.tenantId },
    channelData: { tenant: { id: opts.tenantId } },
    locale: opts.locale ?? 'en-US',
    ...(opts.text !== undefined ? { text: opts.text } : {}),
    ...(opts.value !== undefined ? { value: opts.value } : {}),
    ...(opts.attachments !== undefined ? { attachments: opts.attachments } : {}),
    ...(opts.localTimezone !== undefined ? { localTimezone: opts.localTimezone } : {}),
    ...(opts.expectReplies === false ? {} : { deliveryMode: 'expectReplies' }),
  };
}

/**
 * A click on an Action.Execute button as Teams sends it: an `adaptiveCard/action` invoke whose
 * `value.action.data` is the button's data with the card's inputs merged in, `replyToId` the card's
 * message. Answered in the HTTP response (the invoke response), other messages through `serviceUrl`.
 */
export function createCardActionInvoke(opts: Omit<Parameters<typeof createMessageActivity>[0], 'text' | 'value' | 'expectReplies'> & { data?: unknown; value?: unknown; replyToId?: string }) {
  const { data, value, replyToId, ...rest } = opts;
  const data_ = data as { action?: unknown } | undefined;
  return {
    ...createMessageActivity({ ...rest, expectReplies: false }),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: replyToId ?? 'card-1',
    value: value !== undefined ? value : { action: { type: 'Action.Execute', verb: data_?.action, data }, trigger: 'manual' },
  };
}

/** Headers of a request signed the way Slack signs it (v0 HMAC-SHA256 of `v0:ts:body`). */
export function slackSignature(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sig };
}

export function createSlashCommand(opts: { teamId: string; userId: string; text: string; responseUrl: string; channelId?: string }) {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: opts.teamId,
    team_domain: 'test',
    channel_id: opts.channelId ?? 'C0TEST0001',
    channel_name: 'general',
    user_id: opts.userId,
    user_name: 'tester',
    command: '/csp',
    text: opts.text,
    api_app_id: 'A0TEST',
    response_url: opts.responseUrl,
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().slice(0, 8)}`,
  }).toString();
}

/** A button click (block_actions); `url`: a link button (Slack reports its clicks too). */
export function createBlockAction(opts: { teamId: string; userId: string; value: string; responseUrl: string; actionId?: string; channelId?: string; url?: string; ephemeral?: boolean }) {
  const payload = {
    type: 'block_actions',
    team: { id: opts.teamId, domain: 'test' },
    user: { id: opts.userId, username: 'tester', name: 'tester', team_id: opts.teamId },
    api_app_id: 'A0TEST',
    token: 'deprecated',
    container: { type: 'message', message_ts: '1.2', channel_id: opts.channelId ?? 'C0TEST0001', is_ephemeral: opts.ephemeral ?? true },
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().slice(0, 8)}`,
    channel: { id: opts.channelId ?? 'C0TEST0001', name: 'general' },
    response_url: opts.responseUrl,
    actions: [{
      type: 'button', action_id: opts.actionId ?? 'command:help', block_id: 'b1', text: { type: 'plain_text', text: 'Help' }, value: opts.value, action_ts: `${Date.now() / 1000}`,
      ...(opts.url ? { url: opts.url } : {}),
    }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * One input's state in a submitted modal, as Slack sends it: typed text, a select's option, the
 * ticked checkboxes, or a file input's uploads (each with its id; Slack adds its name, type and
 * private URLs, which the bot must not trust: it looks the id up with files.info).
 */
export interface ViewInputState {
  type: string;
  value?: string | null;
  selected_option?: { value: string; text: { type: 'plain_text'; text: string } } | null;
  selected_options?: Array<{ value: string; text: { type: 'plain_text'; text: string } }>;
  files?: Array<{ id: string; name?: string; mimetype?: string; url_private?: string; url_private_download?: string }>;
}

/**
 * A modal submitted (view_submission), as Slack POSTs it: `view` is the modal the bot opened
 * (its private_metadata carries the submit data); `values` are the inputs' state by block id.
 */
export function createViewSubmission(opts: { teamId: string; userId: string; view: Record<string, unknown>; values: Record<string, Record<string, ViewInputState>> }) {
  const payload = {
    type: 'view_submission',
    team: { id: opts.teamId, domain: 'test' },
    user: { id: opts.userId, username: 'tester', name: 'tester', team_id: opts.teamId },
    api_app_id: 'A0TEST',
    token: 'deprecated',
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.view`,
    view: { type: 'modal', callback_id: 'csp', id: `V${randomUUID().slice(0, 8).toUpperCase()}`, hash: `h${Date.now()}`, ...opts.view, state: { values: opts.values } },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
