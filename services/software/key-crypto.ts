/**
 * Activation keys at rest (R11): AES-256-GCM from node:crypto, one fresh IV per seal, and
 * the row's identity (order, line, version) as additional authenticated data, so a
 * ciphertext copied to another row of software_keys does not open. `keyId` names the
 * encryption key without revealing it, so a rotated key can still open old rows.
 * Nothing here logs, and no error message carries a plaintext or key material.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96 bits: the IV length GCM is designed for (no extra GHASH step, NIST SP 800-38D). */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VARIABLE = 'KEY_ENCRYPTION_KEY';

/** One encrypted value, as stored in the key_id, iv, tag and ciphertext columns. */
export interface Sealed {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export interface KeyCipher {
  /** Short, non-secret id of the encryption key: first 16 hex chars of SHA-256 of the key. */
  readonly keyId: string;
  /** Fresh random 12-byte IV per call; `aad` (additional authenticated data) binds the ciphertext to its row. */
  seal(plaintext: string, aad: string): Sealed;
  /** Throws KeyDecryptError on a wrong key id, tampered iv/tag/ciphertext or a different aad. */
  open(sealed: Sealed, aad: string): string;
}

/** A sealed value that cannot be opened. The message never contains plaintext or key material. */
export class KeyDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyDecryptError';
  }
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function requireKeyLength(key: Buffer, what: string): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`${what} must be ${KEY_BYTES} bytes, got ${key.length}`);
}

/** A cipher over one 32-byte key; optionally older keys (by keyId) that can still open what they sealed (rotation). */
export function createKeyCipher(key: Buffer, previous: Buffer[] = []): KeyCipher {
  requireKeyLength(key, 'encryption key');
  previous.forEach((k, i) => requireKeyLength(k, `previous encryption key #${i + 1}`));
  // Copies: a caller that reuses or zeroes its buffer must not change what we hold.
  const current = Buffer.from(key);
  const keyId = keyIdOf(current);
  const byId = new Map<string, Buffer>();
  for (const k of previous) byId.set(keyIdOf(k), Buffer.from(k));
  byId.set(keyId, current);

  return {
    keyId,
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId, iv, tag: cipher.getAuthTag(), ciphertext };
    },
    open(sealed, aad) {
      const k = byId.get(sealed.keyId);
      // The key id is not secret: naming it tells an operator which key is missing.
      if (!k) throw new KeyDecryptError(`no encryption key with id ${JSON.stringify(sealed.keyId)} is configured`);
      // GCM would accept other IV lengths and a truncated tag (weaker forgery bound): refuse both.
      if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
        throw new KeyDecryptError('sealed value has a malformed iv or tag');
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, k, sealed.iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(sealed.tag);
        return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // node's own message is generic too, but it is not ours to promise; the cause is dropped.
        throw new KeyDecryptError('sealed value does not authenticate (wrong key, tampered data or another row)');
      }
    },
  };
}

const HEX = /^[0-9a-fA-F]+$/;
/** Standard or URL-safe alphabet, optional padding. Buffer.from(…, 'base64') skips stray characters, so check first. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function decodeBase64(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

/** Parse KEY_ENCRYPTION_KEY from configuration: base64 or hex of exactly 32 bytes; throws a clear Error naming the variable otherwise (without echoing the value). */
export function parseEncryptionKey(value: string): Buffer {
  const text = value.trim();
  // 64 hex digits are also valid base64 (of 48 bytes), so hex is tried first; base64 of 32 bytes is 43–44 characters.
  const key = text.length === KEY_BYTES * 2 && HEX.test(text) ? Buffer.from(text, 'hex') : decodeBase64(text);
  if (key?.length === KEY_BYTES) return key;
  const what = key ? `decodes to ${key.length} bytes` : 'is neither base64 nor hex';
  throw new Error(
    `Invalid configuration: ${VARIABLE} — ${what}; it must be exactly ${KEY_BYTES} bytes as base64 (44 characters) or hex (64 characters), e.g. from \`openssl rand -base64 32\``,
  );
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** The key in the local key file, or null when there is no file yet. */
async function readLocalKey(file: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  const key = decodeBase64(text.trim());
  // Never replace a bad file: keys sealed with it would be lost for good.
  if (key?.length !== KEY_BYTES) throw new Error(`${file} does not hold a base64 ${KEY_BYTES}-byte key; restore it from a backup, or set ${VARIABLE}`);
  return key;
}

/**
 * Embedded mode: read `<dataDir>/secrets/key-encryption.key` (base64, 32 bytes), or create it
 * (crypto.randomBytes(32), directory mode 0700, file mode 0600, created with flag 'wx' so two
 * processes starting at once do not overwrite each other — on EEXIST read the winner's file).
 *
 * The new key is written, flushed and closed under a unique temporary name (flag 'wx') and
 * then hard-linked to the final name, which fails with EEXIST when another process got there
 * first. So the final file never exists half-written: a loser never reads an empty file, and
 * a crash mid-write leaves no empty key file that would block every later start.
 */
export async function loadOrCreateLocalKey(dataDir: string): Promise<Buffer> {
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, 'key-encryption.key');
  const existing = await readLocalKey(file);
  if (existing) return existing;

  await fs.mkdir(dataDir, { recursive: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.link(temporary, file);
    return key;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
    const winner = await readLocalKey(file);
    if (!winner) throw err;
    return winner;
  } finally {
    await fs.rm(temporary, { force: true });
  }
}
