/**
 * Structured logging (pino). Secrets never reach a log line: fields whose name says
 * secret (password, token, authorization, …) are redacted at any depth and in any case,
 * and every string is scrubbed of things that look like a secret (Slack tokens, bearer
 * tokens, download-link tokens, activation keys, passwords in connection URLs, OAuth tokens
 * and client credentials in form bodies and JSON, bare JWTs).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'token', '*.token', 'accessToken', '*.accessToken',
  'key', '*.key', 'activationKey', '*.activationKey', 'downloadToken', '*.downloadToken', 'downloadUrl', '*.downloadUrl',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers["x-slack-signature"]', '*.headers["x-slack-signature"]', 'cookie', '*.cookie',
  'appPassword', '*.appPassword', 'MicrosoftAppPassword', 'signingSecret', '*.signingSecret', 'botToken', '*.botToken',
];

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/xox[abposr]-[A-Za-z0-9-]+/g, 'xox?-[REDACTED]'],
  [/xapp-[A-Za-z0-9-]+/g, 'xapp-[REDACTED]'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[REDACTED]'],
  [/(\/downloads\/)[A-Za-z0-9_-]+/gi, '$1[REDACTED]'],
  // Product-key shape (5×5 groups) used by activation keys.
  [/\b[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}\b/g, '[REDACTED-KEY]'],
  [/(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/g, '$1[REDACTED]@'],
  [/(rediss?:\/\/[^:/\s]*:)[^@\s]+@/g, '$1[REDACTED]@'],
  // OAuth form bodies and query strings (Entra ID's token endpoint): refresh_token=…, client_secret=…, client_assertion=…
  [/\b((?:refresh|access|id)_token|client_secret|client_assertion|code_verifier)=[^&\s"'<>]+/gi, '$1=[REDACTED]'],
  // The same fields in JSON ("refresh_token":"…"), also when the JSON is itself inside a JSON string (\"refresh_token\":\"…\").
  [/(\\?"(?:(?:refresh|access|id)_token|client_secret|client_assertion)\\?"\s*:\s*\\?")(?:[^"\\]|\\[^"])*/gi, '$1[REDACTED]'],
  // A bare JWT (access token, id token, client assertion): header.payload.signature, base64url.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED-JWT]'],
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** A key whose value is a secret at any depth, whatever its case (`Authorization`, `signingSecret`…). */
const SECRET_KEY = /password|passwd|passphrase|secret|token|authorization|cookie|activation_?key|download_?(token|url)|api_?key|private_?key|client_?assertion|^key$|^pass$/i;

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  const entries = value instanceof Error ? Object.entries({ ...value, name: value.name, message: value.message, stack: value.stack }) : Object.entries(value);
  for (const [k, v] of entries) {
    if (SECRET_KEY.test(k) && v !== null && v !== undefined) out[k] = '[REDACTED]';
    else if (isRedisCommand(k, v)) out[k] = { name: v.name, args: '[REDACTED]' };
    else if (isPgClient(k, v)) out[k] = '[pg client]';
    else out[k] = scrubDeep(v, depth + 1);
  }
  return out;
}

/**
 * ioredis puts the failed command on its errors (`err.command = { name, args }`); for the
 * connection handshake that is `HELLO 3 AUTH <user> <password>`, the password as a bare
 * argument no pattern recognises. A command is logged by name only.
 */
function isRedisCommand(key: string, value: unknown): value is { name: unknown; args: unknown } {
  return key === 'command' && typeof value === 'object' && value !== null && 'args' in value;
}

/** pg puts its whole client on some errors (connection parameters included): a 4 KB line that says nothing. */
function isPgClient(key: string, value: unknown): boolean {
  return key === 'client' && typeof value === 'object' && value !== null && 'connectionParameters' in value;
}

/** Correlation context for the current turn / request / job. */
const context = new AsyncLocalStorage<{ correlationId: string }>();

export function withCorrelation<T>(correlationId: string, fn: () => T): T {
  return context.run({ correlationId }, fn);
}

export function currentCorrelationId(): string | undefined {
  return context.getStore()?.correlationId;
}

export function createLogger(opts: { level: string; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      name: opts.name ?? 'csp-desk',
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      mixin() {
        const id = currentCorrelationId();
        return id ? { correlationId: id } : {};
      },
      formatters: {
        log(object) {
          return scrubDeep(object) as Record<string, unknown>;
        },
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: (err: Error) => scrubDeep(pino.stdSerializers.err(err)),
      },
    },
    destination,
  );
}

/**
 * Where an entry point's log lines go: readable lines (pino-pretty) when it writes to a
 * terminal outside production, JSON otherwise — to a pipe, a file, a log shipper, and in
 * production. pino-pretty is a development dependency: without it (an install that omitted
 * dev dependencies) the lines stay JSON.
 */
export async function logDestination(opts: { production: boolean; stream?: NodeJS.WriteStream }): Promise<DestinationStream | undefined> {
  const stream = opts.stream ?? process.stdout;
  if (opts.production || !stream.isTTY) return undefined;
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname', destination: stream });
  } catch {
    return undefined;
  }
}
