/**
 * CloudAdapter builds a new ConnectorClient and a new UserTokenClient — each with its own
 * HTTP pipeline — for every inbound activity, whether the turn sends anything or not
 * (expectReplies turns never do). That is a measurable share of a turn's CPU. This wraps
 * the Bot Framework authentication and hands out one client per (caller, service URL,
 * audience) and one token client per app id instead: they hold no per-turn state, and
 * their credentials cache their own tokens. (botbuilder's older BotFrameworkAdapter
 * cached its connector clients the same way.) Authentication itself is untouched: every
 * request is still checked by the wrapped instance.
 *
 * Proactive sends (continueConversationAsync) go through createConnectorFactory, which is
 * passed through uncached: the notification sender adjusts the pipeline of its turn's client.
 */
import {
  BotFrameworkAuthentication,
  ConnectorFactory,
  JwtTokenValidation,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botframework-schema';

/** A few entries per Bot Connector region and app: the bound only stops growth from odd input. */
const MAX_ENTRIES = 64;

class BoundedCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  get(key: string, make: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const made = make();
    // A failure is not kept: the next turn tries again.
    made.catch(() => this.entries.delete(key));
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, made);
    return made;
  }
}

class CachedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly cache: BoundedCache<ConnectorClient>,
    private readonly callerId: string,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.cache.get(`${this.callerId}|${serviceUrl}|${audience ?? ''}`, () => this.inner.create(serviceUrl, audience));
  }
}

export class ClientCachingAuthentication extends BotFrameworkAuthentication {
  private readonly connectors = new BoundedCache<ConnectorClient>();
  private readonly tokenClients = new BoundedCache<UserTokenClient>();

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await this.inner.authenticateRequest(activity, authHeader);
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: new CachedConnectorFactory(result.connectorFactory, this.connectors, result.callerId ?? '') };
  }

  authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.inner.createConnectorFactory(claimsIdentity);
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.tokenClients.get(JwtTokenValidation.getAppIdFromClaims(claimsIdentity.claims) ?? '', () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }
}
