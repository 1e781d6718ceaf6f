/**
 * Access tokens for the Partner Center API over the Secure Application Model (issue 12; research
 * notes §1): the refresh token an MFA-signed-in partner user consented with (stored encrypted,
 * ./token-store.ts, by `npm run partner-center:consent`) is exchanged at Entra ID's v1 token
 * endpoint, as Microsoft's enable-secure-app-model.md does:
 *
 *   POST {loginUrl}/{partnerTenantId}/oauth2/token   (application/x-www-form-urlencoded)
 *   grant_type=refresh_token&resource=https://api.partnercenter.microsoft.com&client_id={appId}
 *   &refresh_token={rt}&scope=openid  + client_secret={secret}
 *     or client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
 *        &client_assertion={RS256 JWT: header x5t = the certificate's SHA-1 thumbprint (base64url);
 *         aud = the token endpoint, iss = sub = appId, jti, nbf, iat, exp = 10 minutes}
 *   → 200 { token_type, expires_in: "3599", access_token, refresh_token, id_token, … }
 *
 * - The access token is cached until 5 minutes before `expires_in` (counted from when the
 *   exchange began); concurrent callers share one exchange; `fresh: true` drops the cached token.
 * - A new `refresh_token` in the answer is stored (rotation) unless an operator consented anew
 *   meanwhile. A rotation that cannot be stored is logged: the token exchanged stays valid.
 * - Refusals (Entra ID's `{ error, error_description, error_codes }`) map to the kinds of
 *   PartnerCenterAuthError (./contracts.ts): consent_expired (AADSTS700082, 50078, 50076, 70008,
 *   700084, or any invalid_grant / interaction_required), invalid_client (AADSTS7000215, 7000222,
 *   700027, or any invalid_client / unauthorized_client, and any other 4xx: the tenant id, app or
 *   login URL is wrong), unavailable (5xx, 429, a network error, no answer within `timeoutMs`, or
 *   a 200 without an access token). Network errors and 5xx are tried once more after a short
 *   pause; a timeout or a 429 is not (the Partner Center client above retries its calls).
 * - consent_expired and invalid_client are written to the store (`recordFailure`) and logged as
 *   ONE error line saying what to do; the same failure again is not logged again. A refresh
 *   token Entra ID called dead is not sent again: until a new consent is stored, asking for a
 *   token fails at once with the same error.
 * - No token, secret or assertion is ever logged or put into an error message.
 */
import { createHash, createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { describeNetworkError, parseJsonText } from '../http/answers.js';
import type { Logger } from '../logger.js';
import { KeyDecryptError } from '../software/key-crypto.js';
import { PartnerCenterAuthError, type AccessTokens, type PartnerCenterAuthFailure } from './contracts.js';
import type { RefreshTokenStore, StoredRefreshToken } from './token-store.js';

/** The `resource` (v1) the access tokens are for. */
export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';
export const DEFAULT_LOGIN_URL = 'https://login.microsoftonline.com';
/** What an operator runs to consent again (named in every message that asks for it). */
export const CONSENT_COMMAND = 'npm run partner-center:consent';

const DEFAULT_TIMEOUT_MS = 10_000;
/** A cached token is replaced this long before it expires. */
export const EXPIRY_MARGIN_MS = 5 * 60_000;
const DEFAULT_RETRY_DELAY_MS = 500;
const ASSERTION_LIFETIME_S = 600;
const ENTRA_MESSAGE_MAX = 300;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The app registration's credential: a client secret, or a certificate (its private key and SHA-1 thumbprint). */
export type PartnerCenterCredential =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; privateKeyPem: string; thumbprintSha1Hex: string };

export interface TokenEndpointOptions {
  /** The CSP partner's Entra ID tenant id (GUID). */
  partnerTenantId: string;
  /** The application (client) id of the app registration. */
  appId: string;
  credential: PartnerCenterCredential;
  /** Entra ID's origin; a local fake in tests. A trailing slash is ignored. */
  loginUrl?: string;
  /** Per HTTP call; 10 s when left out. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The clock (ms since the epoch): token lifetimes and the client assertion's times. */
  now?: () => number;
  /** The pause before the one retry after a network error or a 5xx; 500 ms when left out. */
  retryDelayMs?: number;
  /**
   * The v1 `resource` (audience) the access tokens are for; PARTNER_CENTER_RESOURCE when left out.
   * Another Partner API host takes its own: the price sheets (https://api.partner.microsoft.com,
   * ./catalog.ts) need a second source built with that one over the same stored refresh token.
   */
  resource?: string;
}

export interface RefreshTokenAccessTokensOptions extends TokenEndpointOptions {
  store: RefreshTokenStore;
  logger?: Logger;
}

/** What one successful exchange gave. */
export interface RedeemedTokens {
  accessToken: string;
  /** Seconds, as Entra ID said (`expires_in`, a string in v1); undefined when it said nothing readable. */
  expiresIn: number | undefined;
  /** The rotated refresh token, when Entra ID handed out one. */
  refreshToken?: string;
  /** With `scope=openid`: who the token is for (`upn`); read by the consent script, never verified here. */
  idToken?: string;
}

/** Why an exchange failed, before it becomes an error. */
interface Refusal {
  kind: PartnerCenterAuthFailure;
  /** 'AADSTS700082', when Entra ID gave one. */
  aadCode?: string;
  /** Entra ID's own words, short (for the store), or what went wrong on the way. */
  said: string;
  /** The error's message: what happened and what to do. */
  message: string;
}

const CONSENT_EXPIRED_CODES = new Set(['AADSTS700082', 'AADSTS50078', 'AADSTS50076', 'AADSTS70008', 'AADSTS700084']);
const INVALID_CLIENT_CODES = new Set(['AADSTS7000215', 'AADSTS7000222', 'AADSTS700027']);
const CONSENT_EXPIRED_ERRORS = new Set(['invalid_grant', 'interaction_required', 'consent_required']);
const INVALID_CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client']);
/** "Client is public…": the stored token came from a public-client flow (device code, a native app). */
const PUBLIC_CLIENT_TOKEN = 'AADSTS700025';

/**
 * Reads the PEM an operator configures for a certificate credential (PARTNER_CENTER_CERTIFICATE_PATH):
 * an unencrypted private key and the certificate it belongs to. Throws an Error that says what is
 * wrong, never quoting the key.
 */
export function readCertificateCredential(pem: string): Extract<PartnerCenterCredential, { kind: 'certificate' }> {
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) throw new Error('the certificate file holds an encrypted private key; store it unencrypted (e.g. `openssl pkey -in key.pem -out plain.pem`) and protect the file instead');
  const privateKeyPem = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!certificate || !privateKeyPem) {
    throw new Error(`the certificate file must hold the private key and the certificate in PEM (found ${privateKeyPem ? 'no certificate' : certificate ? 'no private key' : 'neither'})`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch {
    throw new Error('the certificate in the certificate file cannot be read (not an X.509 certificate in PEM)');
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new Error('the private key in the certificate file cannot be read');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`the certificate's key must be RSA (Entra ID signs client assertions with RS256), not ${key.asymmetricKeyType ?? 'unknown'}`);
  if (!cert.checkPrivateKey(key)) throw new Error('the private key in the certificate file does not belong to its certificate');
  return { kind: 'certificate', privateKeyPem, thumbprintSha1Hex: cert.fingerprint.replace(/:/g, '').toLowerCase() };
}

/** The v1 token endpoint of a tenant. */
export function tokenEndpoint(loginUrl: string | undefined, partnerTenantId: string): string {
  return `${(loginUrl ?? DEFAULT_LOGIN_URL).replace(/\/+$/, '')}/${encodeURIComponent(partnerTenantId)}/oauth2/token`;
}

/** The client assertion for a certificate credential (RFC 7523 as Entra ID documents it: certificate-credentials.md). */
export function clientAssertion(appId: string, credential: Extract<PartnerCenterCredential, { kind: 'certificate' }>, audience: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const x5t = Buffer.from(credential.thumbprintSha1Hex.replace(/:/g, ''), 'hex').toString('base64url');
  return jwt.sign({ aud: audience, iss: appId, sub: appId, jti: randomUUID(), nbf: iat, iat, exp: iat + ASSERTION_LIFETIME_S }, credential.privateKeyPem, {
    algorithm: 'RS256',
    header: { alg: 'RS256', typ: 'JWT', x5t },
  });
}

/**
 * One exchange of `refreshToken` at the token endpoint (with the one retry the module comment
 * describes). Throws PartnerCenterAuthError; stores and logs nothing — RefreshTokenAccessTokens
 * does. The consent script uses it to try a token before storing it.
 */
export async function redeemRefreshToken(opts: TokenEndpointOptions, refreshToken: string): Promise<RedeemedTokens> {
  const outcome = await exchange(opts, refreshToken);
  if ('refusal' in outcome) throw new PartnerCenterAuthError(outcome.refusal.kind, outcome.refusal.message, outcome.refusal.aadCode);
  return outcome.tokens;
}

export class RefreshTokenAccessTokens implements AccessTokens {
  private readonly opts: RefreshTokenAccessTokensOptions;
  private readonly now: () => number;
  private cached: { token: string; refreshAt: number } | undefined;
  private inFlight: Promise<string> | undefined;
  /** The SHA-256 of a refresh token Entra ID called dead, and what it said: not sent again. */
  private dead: { hash: string; error: PartnerCenterAuthError } | undefined;
  /** The failure last logged as an error (kind and code), so it is logged once. */
  private reported: string | undefined;

  constructor(opts: RefreshTokenAccessTokensOptions) {
    this.opts = { ...opts, partnerTenantId: opts.partnerTenantId.trim().toLowerCase() };
    this.now = opts.now ?? Date.now;
  }

  accessToken(opts: { fresh?: boolean } = {}): Promise<string> {
    if (opts.fresh) this.cached = undefined;
    const cached = this.cached;
    if (cached && this.now() < cached.refreshAt) return Promise.resolve(cached.token);
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refresh(): Promise<string> {
    const startedAt = this.now();
    const stored = await this.loadStored();
    const hash = createHash('sha256').update(stored.refreshToken).digest('hex');
    if (this.dead?.hash === hash) throw this.dead.error;

    const outcome = await exchange(this.opts, stored.refreshToken);
    if ('refusal' in outcome) throw await this.refused(outcome.refusal, hash);

    const { tokens } = outcome;
    this.reported = undefined;
    this.dead = undefined;
    if (tokens.refreshToken && tokens.refreshToken !== stored.refreshToken) await this.rotate(stored, tokens.refreshToken);
    this.cached = tokens.expiresIn === undefined ? undefined : { token: tokens.accessToken, refreshAt: startedAt + tokens.expiresIn * 1000 - EXPIRY_MARGIN_MS };
    this.opts.logger?.debug({ partnerTenantId: this.opts.partnerTenantId, expiresIn: tokens.expiresIn, rotated: Boolean(tokens.refreshToken) }, 'partner center: access token refreshed');
    return tokens.accessToken;
  }

  private async loadStored(): Promise<StoredRefreshToken> {
    const tenant = this.opts.partnerTenantId;
    let stored: StoredRefreshToken | null;
    try {
      stored = await this.opts.store.load(tenant);
    } catch (err) {
      if (err instanceof KeyDecryptError) {
        const error = new PartnerCenterAuthError(
          'not_consented',
          `The stored Partner Center refresh token of tenant ${tenant} cannot be decrypted (${err.message}): configure the KEY_ENCRYPTION_KEY it was stored with, or run \`${CONSENT_COMMAND}\` again`,
        );
        this.report(error);
        throw error;
      }
      const error = new PartnerCenterAuthError('unavailable', `The stored Partner Center refresh token could not be read: ${err instanceof Error ? err.message : String(err)}`);
      this.opts.logger?.warn({ partnerTenantId: tenant, kind: error.kind }, error.message);
      throw error;
    }
    if (!stored) {
      const error = new PartnerCenterAuthError('not_consented', `No Partner Center refresh token is stored for partner tenant ${tenant}: run \`${CONSENT_COMMAND}\` to sign in with the integration account`);
      this.report(error);
      throw error;
    }
    return stored;
  }

  private async refused(refusal: Refusal, hash: string): Promise<PartnerCenterAuthError> {
    const error = new PartnerCenterAuthError(refusal.kind, refusal.message, refusal.aadCode);
    const tenant = this.opts.partnerTenantId;
    if (refusal.kind === 'unavailable') {
      this.opts.logger?.warn({ partnerTenantId: tenant, kind: refusal.kind }, refusal.message);
      return error;
    }
    if (refusal.kind === 'consent_expired') this.dead = { hash, error };
    try {
      const code = refusal.aadCode ?? refusal.kind;
      const words = refusal.said.startsWith(`${code}: `) ? refusal.said.slice(code.length + 2) : refusal.said;
      await this.opts.store.recordFailure(tenant, code, words);
    } catch (err) {
      this.opts.logger?.warn({ partnerTenantId: tenant, cause: err instanceof Error ? err.message : String(err) }, 'partner center: could not record the token failure');
    }
    this.report(error);
    return error;
  }

  /** One error line per distinct failure, for the operator. */
  private report(error: PartnerCenterAuthError): void {
    const key = `${error.kind}:${error.aadCode ?? ''}`;
    if (this.reported === key) return;
    this.reported = key;
    this.opts.logger?.error({ partnerTenantId: this.opts.partnerTenantId, kind: error.kind, aadCode: error.aadCode }, `Partner Center sign-in failed: ${error.message}`);
  }

  private async rotate(stored: StoredRefreshToken, refreshToken: string): Promise<void> {
    const tenant = this.opts.partnerTenantId;
    try {
      const saved = await this.opts.store.save(tenant, refreshToken, { rotatedFrom: stored.consentedAt });
      if (!saved) this.opts.logger?.info({ partnerTenantId: tenant }, 'partner center: a new consent was stored during the exchange; the rotated refresh token is not kept');
    } catch (err) {
      this.opts.logger?.warn(
        { partnerTenantId: tenant, cause: err instanceof Error ? err.message : String(err) },
        'partner center: the rotated refresh token could not be stored; the stored one stays in use',
      );
    }
  }
}

type Outcome = { tokens: RedeemedTokens } | { refusal: Refusal };

async function exchange(opts: TokenEndpointOptions, refreshToken: string): Promise<Outcome> {
  const first = await attempt(opts, refreshToken);
  if (!('retry' in first)) return first;
  await delay(opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS);
  const second = await attempt(opts, refreshToken);
  return 'retry' in second ? { refusal: second.refusal } : second;
}

/** One POST; `retry` marks a failure worth one more try (a network error, a 5xx). */
async function attempt(opts: TokenEndpointOptions, refreshToken: string): Promise<Outcome | { retry: true; refusal: Refusal }> {
  const endpoint = tokenEndpoint(opts.loginUrl, opts.partnerTenantId);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    resource: opts.resource ?? PARTNER_CENTER_RESOURCE,
    client_id: opts.appId,
    refresh_token: refreshToken,
    scope: 'openid',
  });
  const { credential } = opts;
  if (credential.kind === 'secret') form.set('client_secret', credential.secret);
  else {
    form.set('client_assertion_type', JWT_BEARER);
    form.set('client_assertion', clientAssertion(opts.appId, credential, endpoint, (opts.now ?? Date.now)()));
  }

  let status: number;
  let text: string;
  try {
    const fetchFn = opts.fetch ?? fetch;
    const res = await fetchFn(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      const said = `no answer within ${timeoutMs} ms`;
      return { refusal: { kind: 'unavailable', said, message: `Entra ID's token endpoint gave ${said}; try again later` } };
    }
    const said = `could not be reached: ${describeNetworkError(err)}`;
    return { retry: true, refusal: { kind: 'unavailable', said, message: `Entra ID's token endpoint ${said}; try again later` } };
  }

  const body = parseJsonText(text);
  if (status === 200) {
    const tokens = readTokens(body);
    if (tokens) return { tokens };
    const said = 'HTTP 200 without an access token';
    return { refusal: { kind: 'unavailable', said, message: `Entra ID's token endpoint answered ${said}; try again later` } };
  }
  const refusal = entraRefusal(status, body, opts.partnerTenantId);
  return status >= 500 ? { retry: true, refusal } : { refusal };
}

/** Entra ID's error answer as a Refusal (the kinds: the module comment). */
function entraRefusal(status: number, body: unknown, partnerTenantId: string): Refusal {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const error = typeof b.error === 'string' ? b.error : undefined;
  const description = typeof b.error_description === 'string' ? b.error_description : undefined;
  const codes = Array.isArray(b.error_codes) ? b.error_codes : [];
  const first: unknown = codes[0];
  const aadCode = typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)) ? `AADSTS${String(first)}` : /\bAADSTS\d+\b/.exec(description ?? '')?.[0];
  const words = description ? shortEntraMessage(description) : error ?? `HTTP ${status}`;
  const said = aadCode && !words.startsWith(aadCode) ? `${aadCode}: ${words}` : words;

  if (status >= 500 || status === 429) {
    return { kind: 'unavailable', aadCode, said: `HTTP ${status}${error ? ` ${error}` : ''}`, message: `Entra ID's token endpoint failed (HTTP ${status}${aadCode ? `, ${aadCode}` : ''}); try again later` };
  }
  const consentExpired = (aadCode && CONSENT_EXPIRED_CODES.has(aadCode)) || (!(aadCode && INVALID_CLIENT_CODES.has(aadCode)) && error !== undefined && CONSENT_EXPIRED_ERRORS.has(error));
  if (consentExpired) {
    return {
      kind: 'consent_expired',
      aadCode,
      said,
      message: `The Partner Center refresh token no longer works (${said}): sign in again with the integration account (MFA) — run \`${CONSENT_COMMAND}\``,
    };
  }
  if (aadCode === PUBLIC_CLIENT_TOKEN) {
    return {
      kind: 'invalid_client',
      aadCode,
      said,
      message: `The Partner Center refresh token was issued to a public client (device code or a native app), so it cannot be used with the app's credential (${said}): store one from \`${CONSENT_COMMAND}\``,
    };
  }
  const clientRefused = (aadCode && INVALID_CLIENT_CODES.has(aadCode)) || (error !== undefined && INVALID_CLIENT_ERRORS.has(error));
  const check = clientRefused
    ? 'Check PARTNER_CENTER_APP_ID and PARTNER_CENTER_APP_SECRET or PARTNER_CENTER_CERTIFICATE_PATH (a secret or certificate may have expired)'
    : `Check PARTNER_CENTER_TENANT_ID (${partnerTenantId}), PARTNER_CENTER_APP_ID and PARTNER_CENTER_LOGIN_URL`;
  return {
    kind: 'invalid_client',
    aadCode,
    said,
    message: `Entra ID refused the app registration (${said}). ${check}, then try \`${CONSENT_COMMAND} -- --check\``,
  };
}

/** "AADSTS700082: The refresh token has expired…\r\nTrace ID: … Correlation ID: … Timestamp: …" → its first part, short. */
function shortEntraMessage(description: string): string {
  const text = description.split(/\r?\n|\s+Trace ID:/)[0]!.replace(/\s+/g, ' ').trim();
  return text.length <= ENTRA_MESSAGE_MAX ? text : `${text.slice(0, ENTRA_MESSAGE_MAX - 1)}…`;
}

function readTokens(body: unknown): RedeemedTokens | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  if (typeof b.access_token !== 'string' || !b.access_token) return null;
  const expires = typeof b.expires_in === 'number' ? b.expires_in : typeof b.expires_in === 'string' ? Number(b.expires_in) : NaN;
  return {
    accessToken: b.access_token,
    expiresIn: Number.isFinite(expires) && expires > 0 ? expires : undefined,
    ...(typeof b.refresh_token === 'string' && b.refresh_token ? { refreshToken: b.refresh_token } : {}),
    ...(typeof b.id_token === 'string' && b.id_token ? { idToken: b.id_token } : {}),
  };
}

