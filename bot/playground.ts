/**
 * The Microsoft 365 Agents Playground (a local, Teams-like chat client) pointed at a bot:
 * started by `npm start` next to the bot, and alone by `npm run playground` against a bot
 * that already runs (on PORT, as `npm start` and `npm run start:bot` listen).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../services/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The bot's address as the Playground (on this machine) reaches it: PORT, and HOST unless it listens on every interface. */
export function localBotUrl(config: Pick<Config, 'http'>): string {
  const host = ['0.0.0.0', '::', ''].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
}

export function playgroundArgs(botUrl: string, port: number): string[] {
  return ['-e', `${botUrl}/api/messages`, '-c', 'msteams', '-p', String(port), '--disable-telemetry'];
}

export function startPlayground(botUrl: string, port: number, onExit: (code: number | null) => void, stdio: StdioOptions = ['ignore', 'ignore', 'inherit']): ChildProcess {
  const bin = path.join(ROOT, 'node_modules', '.bin', 'agentsplayground');
  const child = spawn(bin, playgroundArgs(botUrl, port), { stdio });
  child.on('exit', onExit);
  return child;
}
