/**
 * The zero-configuration database's start-up guards (issue 13): a server already on the port is
 * reused only when it runs on this checkout's DATA_DIR; a root start that the `postgres` user
 * cannot reach is explained, not a stack trace.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { assertOwnServer, explainStartFailure } from '../../services/db/embedded.js';
import { TEST_DATABASE_URL } from '../setup.js';

describe('services/db/embedded — start-up guards', () => {
  it('refuses to reuse a server on the port whose data is another folder (another checkout\'s database), naming both and what to do', async () => {
    const ours = fs.mkdtempSync(path.join(os.tmpdir(), 'csp-embedded-'));
    try {
      await assert.rejects(assertOwnServer(TEST_DATABASE_URL, ours, 5432), (err: Error) => {
        assert.match(err.message, /Port 5432 is taken by another PostgreSQL \(its data is in \/\S+\), not this checkout's embedded one/);
        assert.match(err.message, new RegExp(ours.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        assert.match(err.message, /EMBEDDED_POSTGRES_PORT/);
        return true;
      });
    } finally {
      fs.rmSync(ours, { recursive: true, force: true });
    }
  });

  it('reuses a server that runs on this very folder (a second npm start, the worker)', async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory').finally(() => client.end());
    await assertOwnServer(TEST_DATABASE_URL, rows[0]!.data_directory, 5432);
  });

  it('a server it cannot log in to is not reused either', async () => {
    const url = TEST_DATABASE_URL.replace(/\/\/[^@/]*@?/, '//nobody-here:wrong@');
    await assert.rejects(assertOwnServer(url, '/nowhere', 5432), /Port 5432 is taken by another PostgreSQL, not this checkout's/);
  });

  it('explains an EACCES as root: the postgres user cannot enter the folder; anything else is passed on', () => {
    const eacces = Object.assign(new Error('spawn /x/initdb EACCES'), { code: 'EACCES' });
    assert.match(explainStartFailure(eacces, '/root/app/.data/postgres', true).message, /runs as the "postgres" user, which cannot enter a folder above it .* DATA_DIR/);
    assert.equal(explainStartFailure(eacces, '/d', false), eacces, 'not root: the error as it is');
    const other = new Error('port in use');
    assert.equal(explainStartFailure(other, '/d', true), other);
  });
});
