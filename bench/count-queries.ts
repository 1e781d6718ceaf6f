/**
 * Counts the SQL statements sent through one `pg` pool (the services' `Db`), by scope: a
 * Proxy around the pool counts `db.query(…)`, and `db.connect()` hands out a Proxy around the
 * client that counts `client.query(…)` (the statements of a transaction, BEGIN and COMMIT
 * included). The scope is taken when the statement is issued, in the caller's async context
 * (e.g. the job's correlation id, services/logger.ts), so a statement that waits for a free
 * connection still counts for whoever sent it. Nothing else of the pool changes; other
 * pools (BullMQ's PostgreSQL backend has its own) are not counted.
 *
 * pg_stat_statements would count per statement server-side, but it needs
 * `shared_preload_libraries` (a Postgres restart) and is not loaded on this machine.
 */
import type { Db, DbClient } from '../services/db/pool.js';

export interface QueryCounter {
  /** Use this instead of the pool. */
  db: Db;
  /** Statements per scope. */
  byScope(): Map<string, number>;
  /** Statements per scope and statement (whitespace collapsed, first 90 characters). */
  byStatement(): Map<string, Map<string, number>>;
  reset(): void;
}

function textOf(query: unknown): string {
  const text = typeof query === 'string' ? query : (query as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text.replace(/\s+/g, ' ').trim().slice(0, 90) : '(unknown)';
}

/** Every other property of `target`, functions bound to it. */
function forward<T extends object>(target: T, prop: string | symbol): unknown {
  const value: unknown = Reflect.get(target, prop, target);
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
}

export function countQueries(pool: Db, scope: () => string): QueryCounter {
  let statements = new Map<string, Map<string, number>>();
  const count = (query: unknown) => {
    const s = scope();
    let per = statements.get(s);
    if (!per) statements.set(s, (per = new Map<string, number>()));
    const text = textOf(query);
    per.set(text, (per.get(text) ?? 0) + 1);
  };
  const wrapClient = (client: DbClient): DbClient =>
    new Proxy(client, {
      get(target, prop) {
        if (prop === 'query') {
          return (...args: unknown[]) => {
            count(args[0]);
            return (target.query as (...a: unknown[]) => unknown)(...args);
          };
        }
        return forward(target, prop);
      },
    });
  const db = new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          count(args[0]);
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      if (prop === 'connect') {
        return (...args: unknown[]) => {
          if (args.length > 0) return (target.connect as (...a: unknown[]) => unknown)(...args); // callback style: not used by our services
          return target.connect().then(wrapClient);
        };
      }
      return forward(target, prop);
    },
  });
  return {
    db,
    byScope: () => new Map([...statements].map(([s, per]) => [s, [...per.values()].reduce((a, b) => a + b, 0)])),
    byStatement: () => statements,
    reset: () => {
      statements = new Map();
    },
  };
}
