/**
 * Slack → botbuilder turns. Each slash command, block action or modal submission
 * becomes an Activity (channelId 'slack') run through the same DialogRunner as
 * Teams, so every flow exists once. Replies are posted where only the user sees
 * them: through the request's response_url as an ephemeral message (Slack allows 5
 * uses in 30 minutes), else chat.postEphemeral — or chat.postMessage in a DM.
 */
import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../services/logger.js';
import type { TurnIdentity } from '../../dialogs/runner.js';
import { answerInPlace } from '../../dialogs/ui.js';

export interface SlackInbound {
  kind: 'command' | 'action' | 'view';
  teamId: string;
  /** Slack channel (C…/G…/D…) the request came from; absent for modal submissions. */
  channelId: string | undefined;
  userId: string;
  userName: string | null;
  text?: string;
  value?: unknown;
  /**
   * Where the answer goes: the response_url of the click (or of the click that opened the modal
   * now submitted). A click's answer replaces the message clicked (the task's one card).
   */
  responseUrl?: string;
  /** The message clicked was ephemeral (only the user sees it; it disappears on reload). */
  ephemeralOrigin?: boolean;
  triggerId?: string;
  /** A stable id of this request (trigger_id / action_ts): a retried request is dropped. */
  requestKey: string | undefined;
}

const INBOUND = Symbol('slack.inbound');
const RESPONSE_URL_USES = Symbol('slack.responseUrlUses');
const PROFILE = Symbol('slack.profile');

/**
 * What users.info says of a Slack user, '' (or null) where it says nothing. `email` needs the
 * `users:read.email` scope (without it Slack leaves `profile.email` out); `phone` is what the
 * user typed in their profile, unchecked.
 */
export interface SlackUserProfile {
  locale: string;
  /** The name to address them by: display name, else real name. */
  name: string | null;
  /** Full name: real name, else display name. */
  realName: string | null;
  email: string;
  phone: string;
  /** The user's IANA time zone ('Europe/Berlin'), '' when Slack does not say. */
  tz: string;
}

/** The profile of the user of a Slack turn (set by SlackAdapter.processInbound); undefined on any other turn. */
export function slackProfileOf(ctx: TurnContext): SlackUserProfile | undefined {
  return ctx.turnState.get<SlackUserProfile | undefined>(PROFILE);
}

export interface SlackMessage {
  text: string;
  blocks?: unknown[];
}

export class SlackAdapter extends BotAdapter {
  private readonly profileCache = new Map<string, SlackUserProfile & { at: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    super();
  }

  /** Build the activity of a Slack request and run `logic` on it. */
  async processInbound(inbound: SlackInbound, logic: (ctx: TurnContext, who: TurnIdentity) => Promise<void>): Promise<void> {
    const profile = await this.profileOf(inbound.userId);
    const locale = profile.locale;
    // The display name from the profile; the request's user_name is the legacy handle.
    const displayName = profile.name ?? inbound.userName;
    // One conversation (and so one running flow) per user and workspace: a modal's submission
    // carries no channel, and must reach the flow of the click that opened it.
    const conversationId = `${inbound.teamId}:${inbound.userId}`;
    const activity: Partial<Activity> = {
      type: ActivityTypes.Message,
      id: inbound.requestKey,
      channelId: 'slack',
      serviceUrl: 'https://slack.com/api/',
      timestamp: new Date(),
      locale,
      from: { id: inbound.userId, name: displayName ?? inbound.userId },
      recipient: { id: 'csp-desk', name: 'CSP Software Desk' },
      conversation: { id: conversationId, isGroup: !(inbound.channelId ?? '').startsWith('D'), conversationType: 'slack', name: '' },
      text: inbound.text ?? '',
      value: inbound.value,
      channelData: { teamId: inbound.teamId, channelId: inbound.channelId, kind: inbound.kind, triggerId: inbound.triggerId },
    };
    const ctx = new TurnContext(this, activity);
    ctx.turnState.set(INBOUND, inbound);
    ctx.turnState.set(RESPONSE_URL_USES, 0);
    ctx.turnState.set(PROFILE, profile);
    const who: TurnIdentity = {
      channel: 'slack',
      partnerExternalId: inbound.teamId,
      userExternalId: inbound.userId,
      displayName,
      locale,
      // Notifications never go to the channel the command came from (it may be shared): they
      // go to the user's DM with the bot (chat.postMessage with the user id as channel).
      conversationId,
      conversationType: 'personal',
      reference: { teamId: inbound.teamId, userId: inbound.userId },
      requestKey: inbound.requestKey ? `${inbound.teamId}|${inbound.requestKey}` : undefined,
    };
    // A click on one of our messages (or a modal opened by one, submitted): the answer takes the
    // message's place, so a task keeps one message that moves through its steps (issue 13).
    if (inbound.kind !== 'command' && inbound.responseUrl) answerInPlace(ctx);
    await this.runMiddleware(ctx, (c) => logic(c, who));
  }

  async sendActivities(ctx: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const inbound = ctx.turnState.get<SlackInbound>(INBOUND);
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type !== ActivityTypes.Message) {
        responses.push({ id: '' });
        continue;
      }
      const data = activity.channelData as { slack?: SlackMessage; slackModal?: Record<string, unknown>; keep?: boolean; replacesClicked?: boolean } | undefined;
      if (data?.slackModal) {
        responses.push({ id: await this.openModal(inbound, data.slackModal) });
        continue;
      }
      const slack = data?.slack;
      const message: SlackMessage = slack ?? { text: activity.text ?? '' };
      if (data?.replacesClicked) {
        responses.push({ id: await this.replaceClicked(ctx, inbound, message, data.keep === true) });
        continue;
      }
      if (data?.keep) {
        // Kept: a DM with the bot (channel = user id), not an ephemeral answer that disappears.
        const r = await this.client.chat.postMessage({ channel: inbound.userId, text: message.text, blocks: message.blocks as never });
        responses.push({ id: r.ts ?? '' });
        continue;
      }
      responses.push({ id: await this.deliver(ctx, inbound, message) });
    }
    return responses;
  }

  /**
   * A click's answer, in the clicked message's place (through its response_url). A kept answer
   * (an order confirmation) must outlive an ephemeral message: it goes to the user's DM with the
   * bot as well, unless the message clicked was a lasting one in that DM.
   */
  private async replaceClicked(ctx: TurnContext, inbound: SlackInbound, message: SlackMessage, keep: boolean): Promise<string> {
    const inLastingDm = inbound.ephemeralOrigin === false && (inbound.channelId ?? '').startsWith('D');
    if (keep && !inLastingDm) await this.client.chat.postMessage({ channel: inbound.userId, text: message.text, blocks: message.blocks as never });
    if (await this.viaResponseUrl(ctx, inbound, { replace_original: true, text: message.text, blocks: message.blocks })) return '';
    return this.deliver(ctx, inbound, message);
  }

  /** A new message: ephemeral through the response_url while it lasts, else chat.postEphemeral — or chat.postMessage in a DM. */
  private async deliver(ctx: TurnContext, inbound: SlackInbound, message: SlackMessage): Promise<string> {
    if (await this.viaResponseUrl(ctx, inbound, { response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks })) return '';
    const channel = inbound.channelId ?? inbound.userId;
    if (channel.startsWith('D') || channel === inbound.userId) {
      const r = await this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks as never });
      return r.ts ?? '';
    }
    const r = await this.client.chat.postEphemeral({ channel, user: inbound.userId, text: message.text, blocks: message.blocks as never });
    return r.message_ts ?? '';
  }

  /**
   * Posts to the request's response_url: false when there is none, its five uses are spent, or it
   * refused (the message gone, the URL older than 30 minutes) — the caller then posts otherwise,
   * never leaving the user without an answer.
   */
  private async viaResponseUrl(ctx: TurnContext, inbound: SlackInbound, body: Record<string, unknown>): Promise<boolean> {
    const uses = ctx.turnState.get<number>(RESPONSE_URL_USES);
    if (!inbound.responseUrl || uses >= 5) return false;
    ctx.turnState.set(RESPONSE_URL_USES, uses + 1);
    const res = await this.fetchImpl(inbound.responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.ok) return true;
    this.logger.warn({ status: res.status, replace: body.replace_original === true }, 'slack: the response_url refused the answer; posting it otherwise');
    ctx.turnState.set(RESPONSE_URL_USES, 5);
    return false;
  }

  /** A modal needs the trigger_id of the click that asked for it (valid 3 s, once). */
  private async openModal(inbound: SlackInbound, view: Record<string, unknown>): Promise<string> {
    if (!inbound.triggerId) throw new Error('SlackAdapter: a modal can only open in answer to a command or a click');
    const r = await this.client.views.open({ trigger_id: inbound.triggerId, view: withOrigin(view, inbound) as never });
    return r.view?.id ?? '';
  }

  updateActivity(): Promise<void> {
    return Promise.reject(new Error('SlackAdapter: updating a message is not supported'));
  }

  deleteActivity(): Promise<void> {
    return Promise.reject(new Error('SlackAdapter: deleting a message is not supported'));
  }

  continueConversation(_reference: Partial<ConversationReference>): Promise<void> {
    return Promise.reject(new Error('SlackAdapter: proactive messages go through the notifier (chat.postMessage)'));
  }

  /** The Slack user's profile (users.info), cached for an hour; English and no details if unknown. */
  private async profileOf(userId: string): Promise<SlackUserProfile> {
    const cached = this.profileCache.get(userId);
    if (cached && Date.now() - cached.at < 3_600_000) return cached;
    const profile: SlackUserProfile = { locale: 'en-US', name: null, realName: null, email: '', phone: '', tz: '' };
    try {
      const info = await this.client.users.info({ user: userId, include_locale: true });
      const user = info.user;
      const displayName = user?.profile?.display_name || null;
      const realName = user?.real_name || user?.profile?.real_name || null;
      profile.locale = user?.locale ?? profile.locale;
      profile.name = displayName || realName;
      profile.realName = realName || displayName;
      profile.email = user?.profile?.email ?? '';
      profile.phone = user?.profile?.phone ?? '';
      profile.tz = user?.tz ?? '';
    } catch (err) {
      this.logger.debug({ err }, 'slack users.info failed; using en-US');
    }
    if (this.profileCache.size > 10_000) this.profileCache.clear();
    const entry = { ...profile, at: Date.now() };
    this.profileCache.set(userId, entry);
    return entry;
  }
}

/** The key of the clicked message's reply address in a modal's private_metadata (see `withOrigin`, `takeModalOrigin`). */
export const MODAL_ORIGIN_KEY = '_origin';

export interface ModalOrigin {
  responseUrl: string;
  channelId: string | undefined;
  ephemeral: boolean | undefined;
}

/**
 * A modal opened by a click on a message carries that message's response_url (with its channel)
 * in its private_metadata, which only Slack and the app see: the submission's answer then takes
 * the message's place, as a click's does. A modal opened by a slash command has nothing to replace.
 */
function withOrigin(view: Record<string, unknown>, inbound: SlackInbound): Record<string, unknown> {
  if (inbound.kind !== 'action' || !inbound.responseUrl || typeof view.private_metadata !== 'string') return view;
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(view.private_metadata || '{}') as Record<string, unknown>;
  } catch {
    return view;
  }
  const origin: ModalOrigin = { responseUrl: inbound.responseUrl, channelId: inbound.channelId, ephemeral: inbound.ephemeralOrigin };
  const withIt = JSON.stringify({ ...metadata, [MODAL_ORIGIN_KEY]: origin });
  // Slack's limit for private_metadata: without room for the origin, the answer is a new message.
  return withIt.length <= 3000 ? { ...view, private_metadata: withIt } : view;
}

/** The origin a submitted modal's metadata carries (taken out of the submit data), or undefined. */
export function takeModalOrigin(data: Record<string, unknown>): ModalOrigin | undefined {
  const raw = data[MODAL_ORIGIN_KEY];
  delete data[MODAL_ORIGIN_KEY];
  if (!raw || typeof raw !== 'object') return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o.responseUrl !== 'string' || !/^https?:\/\//.test(o.responseUrl)) return undefined;
  return {
    responseUrl: o.responseUrl,
    channelId: typeof o.channelId === 'string' ? o.channelId : undefined,
    ephemeral: typeof o.ephemeral === 'boolean' ? o.ephemeral : undefined,
  };
}
