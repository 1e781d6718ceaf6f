/**
 * A local stand-in for Entra ID's v1 token endpoint, as RefreshTokenAccessTokens
 * (services/partner-center/auth.ts) uses it: the refresh-token grant of the Secure Application
 * Model (research notes §1.2). Point the source at it with `loginUrl: fake.url`.
 *
 *   POST /{tenant}/oauth2/token   (application/x-www-form-urlencoded)
 *     grant_type=refresh_token&resource=https://api.partnercenter.microsoft.com&client_id&refresh_token
 *     &scope=openid, and client_secret, or client_assertion_type=…jwt-bearer&client_assertion
 *   → 200 { token_type: 'Bearer', scope, expires_in: '3599' (a string, as v1 answers), ext_expires_in,
 *          expires_on, not_before, resource, access_token, refresh_token, id_token }
 *     Each answer hands out a new refresh token (rotation, `rotate: false` to stop it); the one
 *     exchanged stays valid, as Entra ID's do until they expire.
 *
 * Refusals have Entra ID's shape `{ error, error_description, error_codes, timestamp, trace_id,
 * correlation_id, error_uri }`, the description ending in "\r\nTrace ID: … Timestamp: …" as real
 * ones do: another tenant (400 invalid_request, AADSTS90002); another client_id (400
 * unauthorized_client, AADSTS700016); another grant (400 unsupported_grant_type, AADSTS70003) or
 * resource (400 invalid_resource, AADSTS500011); no credential (401 invalid_client, AADSTS7000218);
 * a wrong secret (401 invalid_client, AADSTS7000215); a client assertion that does not verify
 * against the fake's certificate (401 invalid_client, AADSTS700027); an unknown refresh token
 * (400 invalid_grant, AADSTS9002313).
 *
 * A client assertion is checked as Entra ID checks one: RS256 signature against the public
 * certificate given (`certificatePem`), header `x5t` = its SHA-1 thumbprint, `aud` = this token
 * endpoint, `iss` = `sub` = the app id, a `jti`, an `exp` in the future. What the check found is
 * recorded on the call (`assertion`), also when a queued reply answers it.
 *
 * Faults: `enqueue(...replies)` answers the next requests in order, `script(fn)` per request;
 * `entraReplies` has the refusals partners meet (AADSTS700082 inactivity, AADSTS50078 MFA,
 * AADSTS7000215 secret, 5xx, 429, a hang). `reset()` forgets calls, queued replies, the script and
 * every token but those `issueRefreshToken` gave since the last reset.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, X509Certificate } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startFakeServer, type FakeReply, type FakeScript } from './harness.js';

export const FAKE_PARTNER_TENANT_ID = '6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
export const FAKE_APP_ID = '0b9d7a53-1c2e-4f60-9a8b-7c6d5e4f3a21';
export const FAKE_APP_SECRET = 'fakeEntraS3cret~Q1w2E3r4T5y6U7i8O9p0AsDf';
export const FAKE_ACCOUNT = 'csp-integration@partner.example';
export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';

/** A request the fake received. */
export interface EntraTokenCall {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  path: string;
  /** The tenant in the path (`/{tenant}/oauth2/token`), undefined for another path. */
  tenant: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** The form as sent: the tests check what travels, secrets included. */
  form: Record<string, string>;
  /** With a client assertion: 'ok', or why it does not verify. */
  assertion: string | undefined;
  status: number;
}

export type EntraTokenReply = FakeReply;
export type EntraTokenScript = FakeScript<Omit<EntraTokenCall, 'status'>, EntraTokenReply>;

export interface FakeEntraOptions {
  tenantId?: string;
  appId?: string;
  /** The client secret accepted; none when only a certificate is. */
  secret?: string;
  /** The app's public certificate (PEM): client assertions are verified against it. */
  certificatePem?: string;
  /** `expires_in`, a string as v1 answers; '3599' when left out. */
  expiresIn?: string;
  /** Hand out a new refresh token with each answer; true when left out. */
  rotate?: boolean;
}

export interface FakeEntra {
  /** The fake's origin: the source's `loginUrl`. */
  url: string;
  tenantId: string;
  appId: string;
  /** The token endpoint as the client assertion's audience. */
  tokenEndpoint: string;
  /** Every request, in order, with its status. */
  calls: EntraTokenCall[];
  /** Every access token handed out, in order. */
  accessTokens: string[];
  /** Every refresh token handed out (by `issueRefreshToken` and by rotation), in order. */
  refreshTokens: string[];
  /** A valid refresh token, as a consent would give one. */
  issueRefreshToken(account?: string): string;
  /** Rotation on or off from now on. */
  setRotation(on: boolean): void;
  script(fn: EntraTokenScript | undefined): void;
  enqueue(...replies: EntraTokenReply[]): void;
  reset(): void;
  close(): Promise<void>;
}

/** Entra ID's error body, as its token endpoint answers one. */
export function entraError(status: number, error: string, code: number, description: string): EntraTokenReply {
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/** The refusals partners meet (research notes §1.3, §6), to `enqueue` or return from a script. */
export const entraReplies = {
  /** 90 days without use (Partner-Center-PowerShell issues 260, 269, 317). */
  refreshTokenExpired: (): EntraTokenReply =>
    entraError(400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity. The token was issued on 2025-01-06T09:12:44.0000000Z and was inactive for 90.00:00:00.'),
  /** MFA asked for again. */
  mfaRequired: (): EntraTokenReply =>
    entraError(400, 'invalid_grant', 50078, `Presented multi-factor authentication has expired due to policies configured by your administrator, you must refresh your multi-factor authentication to access '${PARTNER_CENTER_RESOURCE}'.`),
  invalidClientSecret: (appId = FAKE_APP_ID): EntraTokenReply =>
    entraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`),
  serverError: (status = 500): EntraTokenReply => entraError(status, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.'),
  throttled: (): EntraTokenReply => ({ ...entraError(429, 'temporarily_unavailable', 90055, 'The request has been throttled.'), headers: { 'retry-after': '30' } }),
  /** An answer that comes only after `delayMs` (a client timeout). */
  hang: (delayMs = 60_000): EntraTokenReply => ({ status: 503, body: {}, delayMs }),
};

/** A refresh token's look (opaque to clients): `1.A…` and base64url. */
function newRefreshToken(): string {
  return `1.AXoA${randomBytes(48).toString('base64url')}`;
}

/** An access token's look: a JWT (unsigned here; the client never reads it). */
function newAccessToken(tenantId: string, account: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ typ: 'JWT', alg: 'RS256', x5t: 'fake' })}.${part({ aud: PARTNER_CENTER_RESOURCE, tid: tenantId, upn: account, iat: now, exp: now + 3600, uti: randomUUID() })}.${randomBytes(32).toString('base64url')}`;
}

/** An id token with the account (`upn`), as `scope=openid` gets one (unsigned, alg none, as v1 hands them out). */
function newIdToken(tenantId: string, appId: string, account: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ typ: 'JWT', alg: 'none' })}.${part({ aud: appId, tid: tenantId, upn: account, unique_name: account, iat: now, exp: now + 3600 })}.`;
}

/** Checks a client assertion as Entra ID does; 'ok' or why not. */
function checkAssertion(assertion: string, certificatePem: string | undefined, audience: string, appId: string): string {
  if (!certificatePem) return 'the fake has no certificate for this app';
  const cert = new X509Certificate(certificatePem);
  const x5t = Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('base64url');
  try {
    const { header, payload } = jwt.verify(assertion, createPublicKey(certificatePem), { algorithms: ['RS256'], audience, issuer: appId, subject: appId, complete: true });
    if (header.x5t !== x5t) return `x5t ${String(header.x5t)} is not the certificate's thumbprint`;
    if (typeof payload !== 'object' || typeof payload.jti !== 'string' || !payload.jti) return 'no jti';
    if (typeof payload.exp !== 'number') return 'no exp';
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export async function startFakeEntra(opts: FakeEntraOptions = {}): Promise<FakeEntra> {
  const tenantId = opts.tenantId ?? FAKE_PARTNER_TENANT_ID;
  const appId = opts.appId ?? FAKE_APP_ID;
  const secret = opts.certificatePem && opts.secret === undefined ? undefined : (opts.secret ?? FAKE_APP_SECRET);
  let rotate = opts.rotate ?? true;
  /** Valid refresh tokens → the account they were consented with. */
  const valid = new Map<string, string>();
  const accessTokens: string[] = [];
  const refreshTokens: string[] = [];
  let endpoint = '';

  const grant = (call: Omit<EntraTokenCall, 'status'>): EntraTokenReply => {
    const { form } = call;
    if (call.method !== 'POST' || call.tenant === undefined) return { status: 404, body: { error: 'not_found' } };
    if (call.tenant !== tenantId) return entraError(400, 'invalid_request', 90002, `Tenant '${call.tenant}' not found.`);
    if (form.client_id !== appId) return entraError(400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id}' was not found in the directory '${tenantId}'.`);
    if (form.client_secret !== undefined) {
      if (form.client_secret !== secret) return entraReplies.invalidClientSecret(appId);
    } else if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return entraError(400, 'invalid_request', 90014, 'The required field client_assertion_type is missing.');
      if (call.assertion !== 'ok') return entraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. (${call.assertion})`);
    } else {
      return entraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (form.grant_type !== 'refresh_token') return entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.grant_type}'.`);
    if (form.resource !== PARTNER_CENTER_RESOURCE) return entraError(400, 'invalid_resource', 500011, `The resource principal named ${form.resource} was not found in the tenant named ${tenantId}.`);
    const account = form.refresh_token === undefined ? undefined : valid.get(form.refresh_token);
    if (account === undefined) return entraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');

    const accessToken = newAccessToken(tenantId, account);
    accessTokens.push(accessToken);
    const now = Math.floor(Date.now() / 1000);
    const body: Record<string, string> = {
      token_type: 'Bearer',
      scope: 'user_impersonation',
      expires_in: opts.expiresIn ?? '3599',
      ext_expires_in: opts.expiresIn ?? '3599',
      expires_on: String(now + Number(opts.expiresIn ?? '3599')),
      not_before: String(now),
      resource: PARTNER_CENTER_RESOURCE,
      access_token: accessToken,
      id_token: newIdToken(tenantId, appId, account),
    };
    if (rotate) {
      const next = newRefreshToken();
      valid.set(next, account);
      refreshTokens.push(next);
      body.refresh_token = next;
    }
    return { status: 200, body };
  };

  const server = await startFakeServer<Omit<EntraTokenCall, 'status'>, EntraTokenReply>({
    describe: ({ index, method, path, headers, raw }) => {
      const tenant = /^\/([^/]+)\/oauth2\/token\/?$/.exec(path)?.[1];
      const form = Object.fromEntries(new URLSearchParams(raw));
      const assertion = form.client_assertion === undefined ? undefined : checkAssertion(form.client_assertion, opts.certificatePem, endpoint, appId);
      return { index, method, path, tenant: tenant === undefined ? undefined : decodeURIComponent(tenant), headers, form, assertion };
    },
    defaultReply: grant,
  });
  endpoint = `${server.origin}/${tenantId}/oauth2/token`;

  return {
    url: server.origin,
    tenantId,
    appId,
    tokenEndpoint: endpoint,
    calls: server.recorded,
    accessTokens,
    refreshTokens,
    issueRefreshToken: (account = FAKE_ACCOUNT) => {
      const token = newRefreshToken();
      valid.set(token, account);
      refreshTokens.push(token);
      return token;
    },
    setRotation: (on) => {
      rotate = on;
    },
    script: server.controls.script,
    enqueue: server.controls.enqueue,
    reset: () => {
      server.controls.reset();
      valid.clear();
      accessTokens.length = 0;
      refreshTokens.length = 0;
      rotate = opts.rotate ?? true;
    },
    close: server.controls.close,
  };
}

/** A test certificate credential: an RSA key and a self-signed certificate for it, in PEM. */
export interface TestCertificate {
  /** Key and certificate in one file, as PARTNER_CENTER_CERTIFICATE_PATH holds them. */
  pem: string;
  privateKeyPem: string;
  certificatePem: string;
  thumbprintSha1Hex: string;
}

/**
 * Makes a self-signed X.509 v3 certificate (sha256WithRSAEncryption) for a new 2048-bit RSA key:
 * node:crypto reads certificates but makes none, so the DER is written here (RFC 5280 §4.1).
 */
export function createTestCertificate(commonName = 'csp-desk test'): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sha256WithRsa = der.seq(der.oid('1.2.840.113549.1.1.11'), der.null());
  const name = der.seq(der.set(der.seq(der.oid('2.5.4.3'), der.utf8(commonName))));
  const now = Date.now();
  const tbs = der.seq(
    der.explicit(0, der.int(Buffer.from([2]))),
    der.int(randomBytes(8)),
    sha256WithRsa,
    name,
    der.seq(der.utcTime(new Date(now - 3600_000)), der.utcTime(new Date(now + 365 * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const certificate = der.seq(tbs, sha256WithRsa, der.bitString(sign('sha256', tbs, privateKey)));
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    pem: `${privateKeyPem}${certificatePem}`,
    privateKeyPem,
    certificatePem,
    thumbprintSha1Hex: createHash('sha1').update(certificate).digest('hex'),
  };
}

/** Just enough DER (X.690) for a certificate. */
const der = {
  tlv(tag: number, content: Buffer): Buffer {
    const n = content.length;
    const length = n < 0x80 ? Buffer.from([n]) : (() => {
      const bytes: number[] = [];
      for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
      return Buffer.from([0x80 | bytes.length, ...bytes]);
    })();
    return Buffer.concat([Buffer.from([tag]), length, content]);
  },
  seq: (...parts: Buffer[]) => der.tlv(0x30, Buffer.concat(parts)),
  set: (...parts: Buffer[]) => der.tlv(0x31, Buffer.concat(parts)),
  explicit: (n: number, inner: Buffer) => der.tlv(0xa0 + n, inner),
  /** A non-negative INTEGER from big-endian bytes. */
  int: (bytes: Buffer) => der.tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes),
  null: () => Buffer.from([0x05, 0x00]),
  utf8: (text: string) => der.tlv(0x0c, Buffer.from(text, 'utf8')),
  utcTime: (d: Date) => der.tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii')),
  bitString: (bytes: Buffer) => der.tlv(0x03, Buffer.concat([Buffer.from([0]), bytes])),
  oid(dotted: string): Buffer {
    const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
    const bytes = [40 * a + b];
    for (const arc of rest) {
      const chunk: number[] = [];
      for (let v = arc; ; v = Math.floor(v / 128)) {
        chunk.unshift((v % 128) | (chunk.length ? 0x80 : 0));
        if (v < 128) break;
      }
      bytes.push(...chunk);
    }
    return der.tlv(0x06, Buffer.from(bytes));
  },
};
