/**
 * Text as Postgres can store it (issue 14). JSON carries NUL and a UTF-16 surrogate half without its
 * other half; Postgres text cannot, and refuses the whole statement. Both channels' edges clean every
 * string of a request with `cleanStrings` (NUL dropped, a lone half made U+FFFD) and refuse an id that
 * holds either (`unstorable`): two such ids, rewritten, would become one.
 */

// eslint-disable-next-line no-control-regex -- NUL is exactly what this finds
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** The same, to test a string for (a global regex keeps state between tests). */
const HAS_UNSTORABLE = new RegExp(UNSTORABLE.source);

/** Deeper than any request Teams or Slack sends: a body nested past it is refused (it would exhaust the stack). */
export const MAX_REQUEST_DEPTH = 32;

export class TooDeep extends Error {
  constructor() {
    super(`nested deeper than ${MAX_REQUEST_DEPTH} levels`);
  }
}

/** Whether a string holds what Postgres cannot store. */
export function unstorable(value: unknown): boolean {
  return typeof value === 'string' && HAS_UNSTORABLE.test(value);
}

/** A copy of `value` with every string (keys too) cleaned of what Postgres cannot store; throws TooDeep past MAX_REQUEST_DEPTH. */
export function cleanStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE, (c) => (c === '\u0000' ? '' : '\ufffd'));
  if (!value || typeof value !== 'object') return value;
  if (depth >= MAX_REQUEST_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return value.map((item) => cleanStrings(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Defined, not assigned: assigning `__proto__` would set the copy's prototype, and what was sent
    // under that key would be read through inheritance (`value.command` of `{"__proto__":{"command":…}}`).
    Object.defineProperty(out, cleanStrings(key, depth) as string, { value: cleanStrings(item, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * `value`'s strings (keys too) cleaned where they are, for a body others already hold references
 * into (Bolt's `payload`, `action`, `view` in Socket Mode). Only for a value `cleanStrings` took
 * (it bounds the depth).
 */
export function cleanStringsInPlace(value: unknown): void {
  if (!value || typeof value !== 'object') return;
  const node = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(node)) {
    const cleaned = typeof item === 'string' ? (cleanStrings(item) as string) : item;
    if (typeof item === 'object') cleanStringsInPlace(item);
    const cleanKey = Array.isArray(node) ? key : (cleanStrings(key) as string);
    if (cleanKey !== key) delete node[key];
    if (cleanKey !== key || cleaned !== item) Object.defineProperty(node, cleanKey, { value: cleaned, enumerable: true, writable: true, configurable: true });
  }
}

/** A plain object (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
