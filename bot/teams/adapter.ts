/**
 * The Bot Framework CloudAdapter. Without MicrosoftAppId it runs in emulator mode
 * (no token checked — local use only); with it, every request must carry a valid
 * Bot Framework token: a request without one is refused (TeamsAuthRejected, 401), and
 * while the signing keys cannot be fetched nobody is let in (SigningKeysUnavailable, 503).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt, { type VerifyOptions } from 'jsonwebtoken';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import {
  AseChannelValidation,
  AuthenticationConstants,
  AuthenticationError,
  BetweenBotAndAseChannelTokenValidationParameters,
  EmulatorValidation,
  EndorsementsValidator,
  SkillValidation,
  ToBotFromBotOrEmulatorTokenValidationParameters,
  type AuthenticateRequestResult,
  type BotFrameworkAuthentication,
} from 'botframework-connector';
import { CallerIdConstants, StatusCodes } from 'botframework-schema';
import type { Config } from '../../services/config.js';
import type { Logger } from '../../services/logger.js';
import { reportTurnError } from '../turn-error.js';
import { ClientCachingAuthentication } from './client-cache.js';

/** A request whose token does not let it in (answered 401); `reason` is for the log and never holds the token. */
export class TeamsAuthRejected extends Error {
  constructor(readonly reason: string) {
    super(`Bot Framework token rejected: ${reason}`);
    this.name = 'TeamsAuthRejected';
  }
}

/** An OpenID metadata document or the signing keys it names could not be fetched: no token can be checked now (answered 503). */
export class SigningKeysUnavailable extends Error {
  constructor(readonly metadataUrl: string, cause: unknown) {
    super(`Bot Framework signing keys unavailable from ${metadataUrl}: ${describeFailure(cause)}`, { cause });
    this.name = 'SigningKeysUnavailable';
  }
}

/** fetch says only "fetch failed"; what failed (ECONNREFUSED, ENOTFOUND, a certificate) is its cause. */
function describeFailure(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as Error & { code?: string }).code ?? err.cause.message})` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}

/** As botbuilder's OpenIdMetadata: keys are read again daily, and for an unknown key id at most hourly. */
const KEYS_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const UNKNOWN_KEY_REFRESH_MS = 60 * 60 * 1000;
/** botbuilder's own fetch has no timeout: a hanging endpoint answers 503 here rather than holding the request. */
const KEYS_FETCH_TIMEOUT_MS = 5000;

interface SigningKey {
  key: KeyObject;
  /** The channels the key may sign for (Bot Framework's `endorsements`); empty: any. */
  endorsements: string[];
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(KEYS_FETCH_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  return ((await res.json()) ?? {}) as Record<string, unknown>;
}

/** The RSA keys (the only kind botbuilder reads) of the key set an OpenID metadata document names, by key id; a key Node cannot read is skipped. */
async function fetchSigningKeys(metadataUrl: string): Promise<Map<string, SigningKey>> {
  const { jwks_uri: jwksUri } = await getJson(metadataUrl);
  if (typeof jwksUri !== 'string') throw new Error('the OpenID metadata names no jwks_uri');
  const { keys } = await getJson(jwksUri);
  if (!Array.isArray(keys)) throw new Error(`${jwksUri} holds no keys`);
  const byId = new Map<string, SigningKey>();
  for (const jwk of keys as Array<Record<string, unknown>>) {
    if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue;
    const endorsements = Array.isArray(jwk.endorsements) ? jwk.endorsements.filter((e): e is string => typeof e === 'string') : [];
    try {
      byId.set(jwk.kid, { key: createPublicKey({ key: jwk, format: 'jwk' }), endorsements });
    } catch {
      // a key Node cannot read is left out
    }
  }
  return byId;
}

/** One metadata URL's keys, fetched when stale; concurrent requests share one fetch. */
class SigningKeys {
  private keys: Promise<Map<string, SigningKey>> | undefined;
  private fetchedAt = 0;

  constructor(private readonly metadataUrl: string) {}

  /** The key with this id, or undefined; throws SigningKeysUnavailable when the set cannot be fetched. */
  async get(keyId: string): Promise<SigningKey | undefined> {
    let keys = await (this.keys && Date.now() - this.fetchedAt <= KEYS_MAX_AGE_MS ? this.keys : this.refresh());
    if (!keys.has(keyId) && Date.now() - this.fetchedAt > UNKNOWN_KEY_REFRESH_MS) keys = await this.refresh();
    return keys.get(keyId);
  }

  private refresh(): Promise<Map<string, SigningKey>> {
    this.fetchedAt = Date.now();
    const keys = fetchSigningKeys(this.metadataUrl).catch((err: unknown) => {
      if (this.keys === keys) this.keys = undefined; // the next request tries again
      throw new SigningKeysUnavailable(this.metadataUrl, err);
    });
    this.keys = keys;
    return keys;
  }
}

/** A refusal of jsonwebtoken's verify, in a word for the log (its messages hold no token). */
function refusalReason(err: unknown): string {
  if (err instanceof jwt.TokenExpiredError) return 'expired';
  if (err instanceof jwt.NotBeforeError) return 'not valid yet';
  const message = err instanceof Error ? err.message : String(err);
  if (message === 'invalid signature') return 'bad signature';
  if (message === 'invalid algorithm') return 'signing algorithm not allowed';
  if (message.startsWith('jwt issuer invalid')) return 'wrong issuer';
  return `invalid token: ${message}`;
}

/** botbuilder's verify options, typed by its own older @types/jsonwebtoken (an issuer list may be empty there). */
type BotbuilderVerifyOptions = typeof ToBotFromBotOrEmulatorTokenValidationParameters;

/**
 * Verifies the token with jsonwebtoken, with the keys, options and algorithms botbuilder's
 * JwtTokenExtractor uses, before botbuilder does: a token that fails there (expired, badly
 * signed) botbuilder first prints through console.error, outside our log. botbuilder still
 * checks it all again after, plus the audience and serviceUrl.
 */
class BotFrameworkTokenCheck {
  private readonly keySets = new Map<string, SigningKeys>();

  constructor(private readonly channelMetadataUrl: string) {}

  /** Throws TeamsAuthRejected or SigningKeysUnavailable; returns the metadata URL whose keys it used. */
  async check(authHeader: string, activity: Activity): Promise<string> {
    const token = /^Bearer (\S+)$/.exec(authHeader)?.[1];
    if (!token) throw new TeamsAuthRejected(authHeader.trim() ? 'not a Bearer token' : 'no Authorization header');
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded) throw new TeamsAuthRejected('malformed token');
    const { metadataUrl, options } = this.source(authHeader, activity);
    const keys = this.keySets.get(metadataUrl) ?? new SigningKeys(metadataUrl);
    this.keySets.set(metadataUrl, keys);
    const key = decoded.header.kid === undefined ? undefined : await keys.get(decoded.header.kid);
    if (!key) throw new TeamsAuthRejected('unknown signing key');
    try {
      jwt.verify(token, key.key, { ...options, algorithms: AuthenticationConstants.AllowedSigningAlgorithms } as VerifyOptions);
    } catch (err) {
      throw new TeamsAuthRejected(refusalReason(err));
    }
    if (key.endorsements.length > 0 && !EndorsementsValidator.validate(activity.channelId, key.endorsements)) {
      throw new TeamsAuthRejected('signing key not endorsed for the channel');
    }
    return metadataUrl;
  }

  /** The kind of token, in botbuilder's order (ParameterizedBotFrameworkAuthentication's JwtTokenValidation_authenticateToken). */
  private source(authHeader: string, activity: Activity): { metadataUrl: string; options: BotbuilderVerifyOptions } {
    // ASE, skill and Emulator tokens are Azure AD's, whose keys the Emulator's metadata names.
    const aad = AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl;
    if (AseChannelValidation.isTokenFromAseChannel(activity.channelId)) return { metadataUrl: aad, options: BetweenBotAndAseChannelTokenValidationParameters };
    if (SkillValidation.isSkillToken(authHeader) || EmulatorValidation.isTokenFromEmulator(authHeader)) {
      return { metadataUrl: aad, options: ToBotFromBotOrEmulatorTokenValidationParameters };
    }
    // As ChannelValidation_GetTokenValidationParameters, with the issuer createTeamsAdapter passes.
    return { metadataUrl: this.channelMetadataUrl, options: { issuer: [AuthenticationConstants.ToBotFromChannelTokenIssuer], clockTolerance: 5 * 60 } };
  }
}

const JWT_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/** What botbuilder's authenticateRequest threw, as a refusal (401), the keys out of reach (503), or as it was. */
function authFailure(err: unknown, metadataUrl: string): unknown {
  if (!(err instanceof Error)) return err;
  const status = AuthenticationError.isStatusCodeError(err) ? err.statusCode : undefined;
  if (status === StatusCodes.UNAUTHORIZED || JWT_ERRORS.has(err.name)) return new TeamsAuthRejected(err.message.slice(0, 200));
  // OpenIdMetadata: "Failed to load openID config: 404" (a 500 AuthenticationError), or node-fetch's FetchError.
  if ((err instanceof AuthenticationError && status !== undefined && status >= StatusCodes.INTERNAL_SERVER_ERROR) || err.name === 'FetchError') return new SigningKeysUnavailable(metadataUrl, err);
  return err;
}

/** The turn botbuilder makes up for continueConversationAsync. */
function isProactive(ctx: TurnContext): boolean {
  return ctx.activity.type === 'event' && ctx.activity.name === 'ContinueConversation';
}

/**
 * CloudAdapter with its turn entry open to our own HTTP route (bot/http/app.ts), which has
 * already read and checked the activity: `process(req, res)` would check it again by
 * building three zod schemas per request (botbuilder's cloudAdapter.js), about 3% of a
 * purchase turn's CPU in the benchmark.
 */
export class TeamsAdapter extends CloudAdapter {
  /** `tokenCheck`: when tokens are checked (an app id is set); none in emulator mode. */
  constructor(auth: BotFrameworkAuthentication, private readonly tokenCheck?: BotFrameworkTokenCheck) {
    super(auth);
  }

  /**
   * Authenticates `authHeader` and runs the turn; for expectReplies the replies are in the answer's body.
   * Throws TeamsAuthRejected (401) or SigningKeysUnavailable (503) before the turn when the request cannot be let in.
   */
  async runTurn(authHeader: string, activity: Activity, logic: (ctx: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(await this.authenticate(authHeader, activity), activity, logic);
  }

  private async authenticate(authHeader: string, activity: Activity): Promise<AuthenticateRequestResult> {
    const metadataUrl = await this.tokenCheck?.check(authHeader, activity);
    try {
      return await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (err) {
      throw authFailure(err, metadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl);
    }
  }
}

export function createTeamsAdapter(config: Config['teams'], logger: Logger): TeamsAdapter {
  const metadataUrl = config.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl;
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.appId ?? '',
    MicrosoftAppPassword: config.appPassword ?? '',
    MicrosoftAppType: config.appType,
    MicrosoftAppTenantId: config.appTenantId ?? '',
    // botbuilder takes all of a cloud's endpoints or none (BotFrameworkAuthenticationFactory):
    // to move the OpenID metadata, the public cloud's others are named with it.
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
  const auth = new ClientCachingAuthentication(new ConfigurationBotFrameworkAuthentication(options));
  const adapter = new TeamsAdapter(auth, config.appId ? new BotFrameworkTokenCheck(metadataUrl) : undefined);
  adapter.onTurnError = async (ctx: TurnContext, error: Error) => {
    // A proactive send (continueConversationAsync: notifications, a key sent to a personal
    // chat) must fail to its caller, which retries or reports it — not be swallowed here
    // and answered with an error card sent to the very conversation that just failed.
    if (isProactive(ctx)) throw error;
    await reportTurnError(ctx, error, logger);
  };
  return adapter;
}
