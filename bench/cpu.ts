/** CPU time of processes and of the machine, from /proc (Linux): what the benchmark rows charge per turn or per cancellation. */
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process in ms, from /proc; null where there is no /proc. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** CPU ms so far of these processes together (e.g. the Postgres backends of one's own connections); null without /proc or when one has exited. */
export function processesCpuMs(pids: Iterable<number>): number | null {
  let total = 0;
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}

/** CPU ms of all processes named postgres (the server and its backends; those that exit in between are missed); null without /proc. */
export function postgresCpuMs(): number | null {
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      } catch {
        continue;
      }
      total += processCpuMs(Number(entry)) ?? 0;
    }
  } catch {
    return null;
  }
  return total;
}

/** CPU ms the whole machine has been busy (every core: user, nice, system, irq, softirq, steal), from /proc/stat; null without it. */
export function machineBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = fields[3]! + fields[4]!; // idle, iowait
    return ((fields.reduce((a, b) => a + b, 0) - idle) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
