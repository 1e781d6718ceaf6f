/**
 * services/domain.ts: the domain both processes build — the commerce backend chosen from
 * configuration, and the activation-key cipher from configuration, including key rotation.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commerceBackendFor, createDomain, keyCipherFor } from '../../services/domain.js';
import { ConfigError, loadConfig } from '../../services/config.js';
import { testDb } from '../support/db.js';
import { createLogger } from '../../services/logger.js';
import { KeyDecryptError } from '../../services/software/key-crypto.js';

describe('services/domain keyCipherFor (KEY_ENCRYPTION_KEY, _PREVIOUS)', () => {
  it('opens what an earlier key sealed when that key is listed in KEY_ENCRYPTION_KEY_PREVIOUS', async () => {
    const [oldKey, newKey] = [randomBytes(32).toString('base64'), randomBytes(32).toString('hex')];
    const before = await keyCipherFor(loadConfig({ KEY_ENCRYPTION_KEY: oldKey }));
    const sealed = before.seal('ABCDE-FGHJK-MNPQR-TVWXY-23467', 'row-1');
    const rotatedWithout = await keyCipherFor(loadConfig({ KEY_ENCRYPTION_KEY: newKey }));
    assert.throws(() => rotatedWithout.open(sealed, 'row-1'), KeyDecryptError);
    const rotated = await keyCipherFor(loadConfig({ KEY_ENCRYPTION_KEY: newKey, KEY_ENCRYPTION_KEY_PREVIOUS: oldKey }));
    assert.equal(rotated.open(sealed, 'row-1'), 'ABCDE-FGHJK-MNPQR-TVWXY-23467');
    assert.notEqual(rotated.keyId, before.keyId, 'new keys are sealed with the new key');
  });

  it('without KEY_ENCRYPTION_KEY keeps one generated key under DATA_DIR', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csp-keys-'));
    try {
      const a = await keyCipherFor(loadConfig({ DATA_DIR: dir }));
      const b = await keyCipherFor(loadConfig({ DATA_DIR: dir }));
      assert.equal(a.keyId, b.keyId);
      assert.equal(b.open(a.seal('x', 'aad'), 'aad'), 'x');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('services/domain createDomain', () => {
  it('builds the configured commerce backend (COMMERCE_BACKEND, default embedded) and refuses an unknown one at start-up', () => {
    const config = loadConfig({});
    assert.equal(config.commerce.backend, 'embedded');
    const domain = createDomain({ config, db: testDb(), logger: createLogger({ level: 'silent' }) });
    assert.equal(domain.commerce.name, 'embedded');
    assert.equal(commerceBackendFor(config, testDb()).name, 'embedded');
    assert.throws(() => loadConfig({ COMMERCE_BACKEND: 'partner_center' }), (e: unknown) => e instanceof ConfigError && e.variable === 'COMMERCE_BACKEND');
  });

  it('a process given no cipher (the worker) holds no key-encryption key, and says so if asked to seal or open one', () => {
    const domain = createDomain({ config: loadConfig({}), db: testDb(), logger: createLogger({ level: 'silent' }) });
    const cipher = (domain.software as unknown as { cipher: { seal(p: string, a: string): unknown } }).cipher;
    assert.throws(() => cipher.seal('KEY', 'aad'), /handles no activation keys/);
  });
});
