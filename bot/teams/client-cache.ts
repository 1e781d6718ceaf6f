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
import { exponentialRetryPolicy, throttlingRetryPolicy, type PipelinePolicy } from '@azure/core-rest-pipeline';

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
    return this.cache.get(`${this.callerId}|${serviceUrl}|${audience ?? ''}`, async () => {
      const client = await this.inner.create(serviceUrl, audience);
      retryWithinATurn(client);
      return client;
    });
  }
}

/** Retries of a turn's reply: a 5xx or a 429 is tried again at most this often, within seconds. */
const TURN_RETRIES = 2;
const TURN_RETRY_MAX_DELAY_MS = 2000;

/** The part of a ConnectorClient's HTTP pipeline (@azure/core-rest-pipeline) that holds its retry policy. */
export interface ClientPipeline {
  removePolicy(p: { name: string }): unknown;
  addPolicy(policy: PipelinePolicy, options?: { phase?: 'Retry' }): void;
  getOrderedPolicies(): Array<{ name: string }>;
}

/** The pipeline of a ConnectorClient; it is in a private field of botbuilder's ServiceClientContext, so it may be missing. */
export function pipelineOf(client: unknown): ClientPipeline | undefined {
  const pipeline = (client as { client?: { pipeline?: ClientPipeline } } | undefined)?.client?.pipeline;
  return pipeline && pipeline.getOrderedPolicies().some((p) => p.name === 'defaultRetryPolicy') ? pipeline : undefined;
}

/**
 * The SDK's default retry policy tries a reply up to 3 more times with growing pauses — for a
 * connection refused or a name that does not resolve too, which held a turn's request 10–13 s
 * when its serviceUrl was unreachable (issue 14). A turn's client retries a 5xx or a 429 twice
 * within seconds, and gives up on a connection error at once.
 */
function retryWithinATurn(client: ConnectorClient): void {
  const pipeline = pipelineOf(client);
  if (!pipeline) return;
  pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  pipeline.addPolicy(throttlingRetryPolicy({ maxRetries: TURN_RETRIES }), { phase: 'Retry' });
  pipeline.addPolicy(exponentialRetryPolicy({ maxRetries: TURN_RETRIES, maxRetryDelayInMs: TURN_RETRY_MAX_DELAY_MS }), { phase: 'Retry' });
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
