import { readdirSync, readFileSync } from 'node:fs';

/**
 * The Chromium browsers this process launched, found in /proc (Linux): direct children driven over a pipe, as
 * Playwright launches them. Empty where /proc is not available.
 */
export function childBrowserPids(parentPid: number = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) may hold spaces and parentheses: the parent pid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parentPid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('--remote-debugging-pipe')) pids.push(Number(entry));
    } catch {
      // Exited while being read.
    }
  }
  return pids;
}

/** Kills each browser with its whole process group (Playwright starts every browser as a group leader). */
export function killBrowserTrees(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
