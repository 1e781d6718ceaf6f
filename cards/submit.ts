/**
 * Reading card submit data back. Teams sends it as the activity's `value` (an object,
 * merged with any input values); Slack as a button's `value` (a JSON string). Either
 * way it came from a client and may be stale or tampered with: anything that is not a
 * flat object with a non-empty string `action` is rejected, and the caller answers with
 * the "invalid submit" notice.
 */
import type { SubmitData } from './screens.js';

/** Slack's limit for a button value; a button's data stays below it on Teams too. */
export const SUBMIT_DATA_MAX_CHARS = 2000;
/**
 * A form's submit (a Teams card's inputs merged into its data, a Slack modal's values merged
 * into its metadata) may hold typed text: the support form's description alone may have 3000
 * characters, its refund reason 1000. Anything larger is no form of ours.
 */
export const FORM_DATA_MAX_CHARS = 16_000;
const ACTION_PATTERN = /^[a-z][a-zA-Z0-9_.-]{0,63}$/;

export function parseSubmitData(raw: unknown): SubmitData | null {
  let value = raw;
  if (typeof value === 'string') {
    if (value.length > SUBMIT_DATA_MAX_CHARS) return null;
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of entries) {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
    else return null;
  }
  const action = out.action;
  if (typeof action !== 'string' || !ACTION_PATTERN.test(action)) return null;
  if (JSON.stringify(out).length > (typeof raw === 'string' ? SUBMIT_DATA_MAX_CHARS : FORM_DATA_MAX_CHARS)) return null;
  return out as SubmitData;
}

/** Serialise for a Slack button value; throws on data that could never come back intact. */
export function encodeSubmitData(data: SubmitData): string {
  const json = JSON.stringify(data);
  if (json.length > SUBMIT_DATA_MAX_CHARS) {
    throw new RangeError(`submit data of action "${data.action}" is ${json.length} chars; the limit is ${SUBMIT_DATA_MAX_CHARS}`);
  }
  return json;
}
