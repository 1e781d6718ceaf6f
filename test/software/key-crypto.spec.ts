import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createKeyCipher,
  KeyDecryptError,
  loadOrCreateLocalKey,
  parseEncryptionKey,
  type Sealed,
} from '../../services/software/key-crypto.js';

const ACTIVATION_KEY = 'ABCDE-FGHIJ-KLMNO-PQRST-UVWXY';
const ROW = 'order:ORD-1|line:1|version:2024';

function flipped(buf: Buffer, index = 0): Buffer {
  const copy = Buffer.from(buf);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

function isDecryptError(err: unknown): boolean {
  assert.ok(err instanceof KeyDecryptError, `expected KeyDecryptError, got ${String(err)}`);
  assert.ok(!err.message.includes(ACTIVATION_KEY));
  return true;
}

describe('services/software/key-crypto', () => {
  describe('createKeyCipher', () => {
    const key = randomBytes(32);

    it('opens what it sealed, and names the key by the first 16 hex chars of its SHA-256', () => {
      const cipher = createKeyCipher(key);
      const sealed = cipher.seal(ACTIVATION_KEY, ROW);
      assert.equal(cipher.keyId, createHash('sha256').update(key).digest('hex').slice(0, 16));
      assert.equal(sealed.keyId, cipher.keyId);
      assert.equal(sealed.iv.length, 12);
      assert.equal(sealed.tag.length, 16);
      assert.ok(!sealed.ciphertext.toString('utf8').includes(ACTIVATION_KEY));
      assert.equal(cipher.open(sealed, ROW), ACTIVATION_KEY);
      assert.equal(cipher.open(cipher.seal('', ROW), ROW), '');
      assert.equal(cipher.open(cipher.seal('Schlüssel ✓', ROW), ROW), 'Schlüssel ✓');
    });

    it('uses a fresh IV each time, so the same key sealed twice looks different', () => {
      const cipher = createKeyCipher(key);
      const a = cipher.seal(ACTIVATION_KEY, ROW);
      const b = cipher.seal(ACTIVATION_KEY, ROW);
      assert.notDeepEqual(a.iv, b.iv);
      assert.notDeepEqual(a.ciphertext, b.ciphertext);
      assert.equal(cipher.open(b, ROW), ACTIVATION_KEY);
    });

    it('refuses a ciphertext moved to another row (different aad)', () => {
      const cipher = createKeyCipher(key);
      const sealed = cipher.seal(ACTIVATION_KEY, ROW);
      assert.throws(() => cipher.open(sealed, 'order:ORD-1|line:2|version:2024'), isDecryptError);
    });

    it('refuses a tampered ciphertext, tag or iv', () => {
      const cipher = createKeyCipher(key);
      const sealed = cipher.seal(ACTIVATION_KEY, ROW);
      const lastByte = sealed.ciphertext.length - 1;
      assert.throws(() => cipher.open({ ...sealed, ciphertext: flipped(sealed.ciphertext, lastByte) }, ROW), isDecryptError);
      assert.throws(() => cipher.open({ ...sealed, tag: flipped(sealed.tag) }, ROW), isDecryptError);
      assert.throws(() => cipher.open({ ...sealed, iv: flipped(sealed.iv) }, ROW), isDecryptError);
      // A truncated tag would weaken authentication; GCM itself would accept it.
      assert.throws(() => cipher.open({ ...sealed, tag: sealed.tag.subarray(0, 12) }, ROW), isDecryptError);
      assert.equal(cipher.open(sealed, ROW), ACTIVATION_KEY, 'the original is untouched');
    });

    it('refuses to open with a different key, whether the key id matches or not', () => {
      const sealed = createKeyCipher(key).seal(ACTIVATION_KEY, ROW);
      const other = createKeyCipher(randomBytes(32));
      assert.throws(() => other.open(sealed, ROW), isDecryptError);
      // Even a forged key id pointing at the other key does not open it.
      assert.throws(() => other.open({ ...sealed, keyId: other.keyId }, ROW), isDecryptError);
    });

    it('after rotation opens old rows with the previous key and seals new ones with the new key', () => {
      const oldKey = randomBytes(32);
      const newKey = randomBytes(32);
      const before = createKeyCipher(oldKey);
      const old: Sealed = before.seal(ACTIVATION_KEY, ROW);

      const after = createKeyCipher(newKey, [oldKey]);
      assert.notEqual(after.keyId, before.keyId);
      assert.equal(after.open(old, ROW), ACTIVATION_KEY);
      const fresh = after.seal(ACTIVATION_KEY, ROW);
      assert.equal(fresh.keyId, after.keyId);
      assert.equal(after.open(fresh, ROW), ACTIVATION_KEY);
      assert.throws(() => before.open(fresh, ROW), isDecryptError);
      assert.throws(() => createKeyCipher(newKey).open(old, ROW), isDecryptError, 'without the previous key old rows stay shut');
    });

    it('keeps its own copy of the key', () => {
      const mine = Buffer.from(key);
      const cipher = createKeyCipher(mine);
      const sealed = cipher.seal(ACTIVATION_KEY, ROW);
      mine.fill(0);
      assert.equal(cipher.open(sealed, ROW), ACTIVATION_KEY);
    });

    it('rejects keys that are not 32 bytes', () => {
      assert.throws(() => createKeyCipher(randomBytes(16)), RangeError);
      assert.throws(() => createKeyCipher(randomBytes(32), [randomBytes(31)]), RangeError);
    });
  });

  describe('parseEncryptionKey', () => {
    const key = randomBytes(32);

    it('accepts base64 (padded, unpadded, URL-safe) and hex of 32 bytes', () => {
      assert.deepEqual(parseEncryptionKey(key.toString('base64')), key);
      assert.deepEqual(parseEncryptionKey(key.toString('base64').replace(/=+$/, '')), key);
      assert.deepEqual(parseEncryptionKey(key.toString('base64url')), key);
      assert.deepEqual(parseEncryptionKey(key.toString('hex')), key);
      assert.deepEqual(parseEncryptionKey(key.toString('hex').toUpperCase()), key);
      assert.deepEqual(parseEncryptionKey(`  ${key.toString('base64')}\n`), key);
    });

    it('rejects 31 or 33 bytes and garbage, naming the variable but never echoing the value', () => {
      const bad = [
        randomBytes(31).toString('base64'),
        randomBytes(33).toString('base64'),
        randomBytes(31).toString('hex'),
        randomBytes(33).toString('hex'),
        'not a key at all, sorry!!',
        `${key.toString('base64').slice(0, 20)}$%${key.toString('base64').slice(22)}`,
        '',
      ];
      for (const value of bad) {
        assert.throws(
          () => parseEncryptionKey(value),
          (err: unknown) => {
            assert.ok(err instanceof Error);
            assert.match(err.message, /KEY_ENCRYPTION_KEY/);
            if (value.length >= 12) assert.ok(!err.message.includes(value.slice(0, 12)), `value echoed: ${err.message}`);
            return true;
          },
          `accepted ${value.length} characters`,
        );
      }
    });
  });

  describe('loadOrCreateLocalKey', () => {
    let dataDir: string;

    beforeEach(async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'csp-key-crypto-'));
    });

    afterEach(async () => {
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    const keyFile = () => path.join(dataDir, 'secrets', 'key-encryption.key');

    it('creates a private 32-byte key file on first use and returns the same key afterwards', async () => {
      const first = await loadOrCreateLocalKey(dataDir);
      assert.equal(first.length, 32);
      assert.deepEqual(Buffer.from((await fs.readFile(keyFile(), 'utf8')).trim(), 'base64'), first);
      if (process.platform !== 'win32') {
        assert.equal((await fs.stat(keyFile())).mode & 0o777, 0o600);
        assert.equal((await fs.stat(path.dirname(keyFile()))).mode & 0o777, 0o700);
      }
      const second = await loadOrCreateLocalKey(dataDir);
      assert.deepEqual(second, first);
      // What was sealed before a restart opens after it.
      const sealed = createKeyCipher(first).seal(ACTIVATION_KEY, ROW);
      assert.equal(createKeyCipher(second).open(sealed, ROW), ACTIVATION_KEY);
    });

    it('gives every one of several concurrent first calls the same key, leaving only the key file', async () => {
      const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateLocalKey(dataDir)));
      for (const k of keys) assert.deepEqual(k, keys[0]);
      assert.deepEqual(await loadOrCreateLocalKey(dataDir), keys[0]);
      assert.deepEqual(await fs.readdir(path.dirname(keyFile())), ['key-encryption.key']);
    });

    it('refuses a damaged key file instead of replacing it', async () => {
      await fs.mkdir(path.dirname(keyFile()), { recursive: true });
      const damaged = randomBytes(20).toString('base64');
      await fs.writeFile(keyFile(), damaged);
      await assert.rejects(loadOrCreateLocalKey(dataDir), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /key-encryption\.key/);
        assert.ok(!err.message.includes(damaged));
        return true;
      });
      assert.equal(await fs.readFile(keyFile(), 'utf8'), damaged);
    });
  });
});
