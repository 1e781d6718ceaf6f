/**
 * The MS-CorrelationId of Partner Center calls (research notes §2.2): a GUID, one per user
 * action, so that every call one action makes is found together in Partner Center's logs and
 * in ours. The action is the turn, request or job whose id `withCorrelation` set
 * (services/logger.ts): a Teams/HTTP request id (often already a GUID), `slack:T…:…` for a
 * Slack request, `job:<queue>:<id>` for a job.
 *
 * - A turn id that is a GUID (8-4-4-4-12 hex digits) is used as it is, lower case, so the id
 *   in our log lines is the one Partner Center saw.
 * - Any other turn id is turned into a GUID that is always the same for the same id: the first
 *   16 bytes of its SHA-256, with the version nibble set to 4 and the variant bits to RFC 4122's
 *   (10xx). It is *shaped* like a random (version 4) GUID but is not random: RFC 9562 would call
 *   a hash-derived id version 8, but a version-4 shape passes every GUID validator, including
 *   older ones that accept only versions 1–5. 122 bits of the hash are kept: two turn ids meet
 *   on one GUID only by a SHA-256 collision on those bits.
 * - Outside any action (a script, a test) a random GUID: callers take one per operation of
 *   theirs and pass it to every call of that operation.
 */
import { createHash, randomUUID } from 'node:crypto';
import { parseGuid } from '../commerce/rules.js';
import { currentCorrelationId } from '../logger.js';

export function partnerCenterCorrelationId(): string {
  const turn = currentCorrelationId();
  if (!turn) return randomUUID();
  return parseGuid(turn) ?? guidFrom(turn);
}

/** A version-4-shaped GUID from the SHA-256 of `text` (see the module comment). */
export function guidFrom(text: string): string {
  const bytes = createHash('sha256').update(text, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
