/** Starts the real bot HTTP server (routes, adapters, dialogs) on a free port against the run's schema. */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/logger.js';
import { startBotServer, type BotServer } from '../../bot/server.js';
import { testDb } from './db.js';
import type { Db } from '../../services/db/pool.js';

export interface TestBot extends BotServer {
  logs: string[];
  post(path: string, body: string | object, headers?: Record<string, string>): Promise<{ status: number; text: string; headers: Headers; json: () => any }>;
}

/** One activation-key encryption key per test run (no key file under DATA_DIR). */
export const TEST_KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');

export async function startTestBot(opts: { env?: Record<string, string>; queuePing?: () => Promise<void>; db?: Db } = {}): Promise<TestBot> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '2000', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, ...opts.env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', name: 'test-bot' }, sink);
  const bot = await startBotServer({ config, db: opts.db ?? testDb(), logger, queuePing: opts.queuePing ?? (() => Promise.resolve()) });
  return {
    ...bot,
    logs,
    async post(path, body, headers = {}) {
      const res = await fetch(`${bot.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) };
    },
  };
}

/** The text of every TextBlock/TextRun/Fact/button title in a reply's Adaptive Cards, for assertions. */
export function cardText(activities: any[]): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    for (const key of ['text', 'title', 'value']) if (typeof o[key] === 'string') parts.push(o[key]);
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  for (const a of activities) {
    if (typeof a.text === 'string') parts.push(a.text);
    walk(a.attachments ?? []);
  }
  return parts.join('\n');
}
