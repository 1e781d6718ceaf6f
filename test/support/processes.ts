/** The real entry points as processes of their own, for tests that start, stop and kill them. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const TSX = path.resolve('node_modules/.bin/tsx');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Proc { child: ChildProcess; output: () => string; exited: Promise<number | null> }

/**
 * Runs `entry` (bot/server.ts, bot/worker.ts …) with `env` over this process's environment.
 * `direct`: in one node process (`node --import tsx`), so a signal reaches the entry itself —
 * through the tsx launcher, a SIGKILL would kill the launcher and leave the entry running.
 */
export function runEntry(entry: string, env: Record<string, string>, opts: { direct?: boolean } = {}): Proc {
  let out = '';
  const [command, args] = opts.direct ? [process.execPath, ['--import', 'tsx', entry]] : [TSX, [entry]];
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Polls `fn` every 100 ms until it holds, for at most `ms`; else fails with the process's output. */
export async function until(what: string, fn: () => boolean | Promise<boolean>, proc: Proc, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen; output:\n${proc.output()}`);
}

/** Polls the bot's /readyz until it answers 200. */
export async function untilReady(proc: Proc, port: number): Promise<void> {
  await until('readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200, proc, 60_000);
}
