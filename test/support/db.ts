import { createPool, type Db } from '../../services/db/pool.js';
import { TEST_DATABASE_URL, TEST_SCHEMA } from '../setup.js';

let shared: Db | undefined;

/** A pool on this run's schema, shared by the whole run and closed at exit. */
export function testDb(): Db {
  shared ??= createPool({ url: TEST_DATABASE_URL, schema: TEST_SCHEMA, max: 20, applicationName: 'csp-desk-test' });
  return shared;
}

/** A fresh pool (for tests that need to close one). */
export function newTestPool(max = 5): Db {
  return createPool({ url: TEST_DATABASE_URL, schema: TEST_SCHEMA, max });
}
