/**
 * A local stand-in for the Bot Connector service (the Teams side of a bot's outbound
 * calls). Point a ConversationReference's `serviceUrl` at `url` and botbuilder's
 * CloudAdapter (no app id, emulator mode) talks to it over plain HTTP, unauthenticated.
 *
 * Routes (the shapes botframework-connector uses):
 *   POST   /v3/conversations                                → { id: 'fake-conv-N' }
 *   POST   /v3/conversations/:conversationId/activities     → { id: 'fake-activity-N' }
 *   POST   /v3/conversations/:conversationId/activities/:replyToId → { id }
 *   PUT    /v3/conversations/:conversationId/activities/:activityId → { id }
 *   DELETE /v3/conversations/:conversationId/activities/:activityId → 200
 *   GET    /v3/conversations/:conversationId/members/:userId → a TeamsChannelAccount
 *          { id, name, aadObjectId, email, userPrincipalName, givenName, surname, tenantId, userRole }:
 *          the member given to `setMember` for that user id, else one made up from the id
 *          (TeamsInfo.getMember asks this)
 *   anything else                                           → 404
 *
 * Every request is recorded (method, path, headers, parsed body). A test scripts the
 * answers: `script(fn)` decides per request (return undefined for the default answer),
 * `enqueue(...replies)` answers the next requests in order, then falls back. The server,
 * the recording and the scripting are the shared ones of ./harness.ts.
 */
import type http from 'node:http';
import { parseJsonBody, startFakeServer, type FakeScript } from './harness.js';

export interface ConnectorRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  path: string;
  /** Decoded conversation id, when the path names one. */
  conversationId: string | undefined;
  /** The `:replyToId` / `:activityId` path segment, if any. */
  activityId: string | undefined;
  /** The `:userId` of a members/:userId request, decoded. */
  memberId?: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** Status code the fake answered with. */
  status: number;
}

export interface ConnectorReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Answer only after this many ms (a slow connector). */
  delayMs?: number;
}

export type ConnectorScript = FakeScript<Omit<ConnectorRequest, 'status'>, ConnectorReply>;

/** A conversation member as Teams describes it (TeamsChannelAccount). */
export interface FakeTeamsMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  givenName?: string;
  surname?: string;
  tenantId?: string;
  userRole?: string;
}

export interface FakeBotConnector {
  /** Service URL with a trailing slash, as Teams sends it (`http://127.0.0.1:PORT/`). */
  url: string;
  /** Every request received, in order. */
  requests: ConnectorRequest[];
  /** Activities the fake accepted (2xx) on POST …/activities[/…], in order. */
  delivered(): any[];
  /** Decide the answer per request; `undefined` from `fn` means the default answer. */
  script(fn: ConnectorScript | undefined): void;
  /** Answer the next requests with these replies, in order (before `script`). */
  enqueue(...replies: ConnectorReply[]): void;
  /** GET …/members/:userId answers `member` for `member.id` (until reset). */
  setMember(member: FakeTeamsMember): void;
  /** Forget requests, queued replies, the script and the members set. */
  reset(): void;
  close(): Promise<void>;
}

/** Shorthands for scripting. */
export const connectorReplies = {
  throttled: (retryAfterSeconds = 1): ConnectorReply => ({
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: { code: 'Throttled', message: 'Too many requests' } },
  }),
  forbidden: (code = 'BotDisabledByAdmin'): ConnectorReply => ({
    status: 403,
    body: { error: { code, message: 'The bot is not part of the conversation roster.' } },
  }),
  notFound: (): ConnectorReply => ({ status: 404, body: { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } } }),
  badGateway: (): ConnectorReply => ({ status: 502, body: { error: { code: 'BadGateway', message: 'Bad gateway' } } }),
  status: (status: number, body?: unknown): ConnectorReply => ({ status, body }),
  /** A successful answer that takes `ms` to arrive. */
  slow: (ms: number, id = `fake-slow-${Date.now()}`): ConnectorReply => ({ status: 200, body: { id }, delayMs: ms }),
};

const ACTIVITIES = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const MEMBER = /^\/v3\/conversations\/([^/]+)\/members\/([^/]+)\/?$/;

/** The member the fake makes up for a user id nobody set: a tenant user with a mailbox. */
function madeUpMember(userId: string): FakeTeamsMember {
  const local = userId.replace(/[^A-Za-z0-9]+/g, '').toLowerCase().slice(-20) || 'user';
  return {
    id: userId,
    name: `User ${userId}`,
    aadObjectId: '00000000-0000-4000-8000-000000000001',
    email: `${local}@contoso.test`,
    userPrincipalName: `${local}@contoso.test`,
    givenName: 'User',
    surname: local,
    tenantId: 'fake-tenant',
    userRole: 'user',
  };
}

export async function startFakeBotConnector(): Promise<FakeBotConnector> {
  let counter = 0;
  const members = new Map<string, FakeTeamsMember>();

  const server = await startFakeServer<Omit<ConnectorRequest, 'status'>, ConnectorReply>({
    describe: ({ index, method, path, headers, raw }) => {
      const m = ACTIVITIES.exec(path);
      const member = MEMBER.exec(path);
      return {
        index,
        method,
        path,
        conversationId: m ? decodeURIComponent(m[1]!) : member ? decodeURIComponent(member[1]!) : undefined,
        activityId: m?.[2] ? decodeURIComponent(m[2]) : undefined,
        memberId: member ? decodeURIComponent(member[2]!) : undefined,
        headers,
        // botframework-connector sends JSON; anything else is kept as the text it was.
        body: parseJsonBody(raw, raw),
      };
    },
    defaultReply,
  });

  function defaultReply(req: Omit<ConnectorRequest, 'status'>): ConnectorReply {
    counter += 1;
    if (req.method === 'POST' && req.path.replace(/\/$/, '') === '/v3/conversations') {
      return { status: 200, body: { id: `fake-conv-${counter}`, activityId: `fake-activity-${counter}` } };
    }
    if (ACTIVITIES.test(req.path)) {
      if (req.method === 'POST' || req.method === 'PUT') return { status: 200, body: { id: `fake-activity-${counter}` } };
      if (req.method === 'DELETE') return { status: 200 };
    }
    if (req.method === 'GET' && req.memberId !== undefined) {
      return { status: 200, body: members.get(req.memberId) ?? madeUpMember(req.memberId) };
    }
    return { status: 404, body: { error: { code: 'NotFound', message: `no route ${req.method} ${req.path}` } } };
  }

  const requests: ConnectorRequest[] = server.recorded;

  return {
    url: `${server.origin}/`,
    requests,
    delivered: () =>
      requests.filter((r) => r.method === 'POST' && r.conversationId !== undefined && r.status >= 200 && r.status < 300).map((r) => r.body),
    ...server.controls,
    setMember: (member) => {
      members.set(member.id, member);
    },
    reset: () => {
      server.controls.reset();
      members.clear();
    },
  };
}
