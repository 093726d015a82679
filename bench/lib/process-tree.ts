import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Processes descended from a root (this process, or the server it started), read from /proc: which Chromium
 * processes belong to us, how much memory they hold, how much CPU our whole tree used, and how to kill all of it.
 * Used by bench/adaptive.ts, bench/leak.ts and the adaptive leak test. Linux only.
 */

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** /proc/<pid>/comm: the executable's name, at most 15 characters ("chromium" for every Chromium process). */
  comm: string;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // The process exited between listing /proc and reading it.
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses): index 0 is field 3. */
function statFields(pid: number): { comm: string; fields: string[] } | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const close = stat.lastIndexOf(')');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
}

/** Every process of the machine, from one pass over /proc. */
export function processTable(): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statFields(Number(entry));
    // State Z: a zombie holds no memory and will be gone once reaped; it is not a live process of ours.
    if (stat === undefined || stat.fields[0] === 'Z') continue;
    out.push({ pid: Number(entry), ppid: Number(stat.fields[1]), comm: stat.comm });
  }
  return out;
}

/** The processes below `rootPid` (children, grandchildren, …), not the root itself. */
export function descendantsOf(rootPid: number, table: ProcessEntry[] = processTable()): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found: ProcessEntry[] = [];
  const frontier = [rootPid];
  while (frontier.length > 0) {
    for (const child of children.get(frontier.pop()!) ?? []) {
      found.push(child);
      frontier.push(child.pid);
    }
  }
  return found;
}

/** Browser, zygotes, renderers, GPU and utility processes all run /usr/lib/chromium/chromium (or Chrome). */
const isChromium = (p: ProcessEntry) => /chrom/i.test(p.comm);

export function chromiumDescendantsOf(rootPid: number, table?: ProcessEntry[]): ProcessEntry[] {
  return descendantsOf(rootPid, table).filter(isChromium);
}

/**
 * Chromium processes on this machine that are not ours: they map the same binary, so they lower our PSS. Crashpad
 * handlers are left out: a separate small binary, and each browser's own handlers detach from it (parent 1).
 */
export function foreignChromiumPids(rootPid: number): number[] {
  const table = processTable();
  const ours = new Set(descendantsOf(rootPid, table).map((p) => p.pid));
  return table
    .filter((p) => isChromium(p) && !/crashpad/i.test(p.comm) && !ours.has(p.pid))
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}

/** Whether two lists from foreignChromiumPids name the same processes. */
export const samePids = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((pid, i) => pid === b[i]);

/**
 * One line about a process for a failure message: pid, Chromium's --type (renderer, zygote, gpu-process, utility
 * sub-type; none for the browser itself), parent and age.
 */
export function describeProcess(pid: number): string {
  const stat = statFields(pid);
  const uptimeSecs = Number(readOrUndefined('/proc/uptime')?.split(' ')[0]);
  // Field 22 is the start time in clock ticks after boot.
  const ageSecs = stat ? Math.round(uptimeSecs - Number(stat.fields[19]) / clockTicksPerSec) : Number.NaN;
  return `${pid} ${chromiumType(pid)}, parent ${stat?.fields[1] ?? '?'}, ${ageSecs} s old`;
}

/** Chromium's role for a process: its --type (renderer, zygote, gpu-process, utility with its sub-type), or browser. */
export function chromiumType(pid: number): string {
  const args = readOrUndefined(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ') ?? '';
  const type = /--type=(\S+)/.exec(args)?.[1] ?? 'browser';
  const subType = /--utility-sub-type=(\S+)/.exec(args)?.[1];
  return subType ? `${type} (${subType})` : type;
}

export interface MemoryKiB {
  /** Proportional set size: private pages plus a 1/n share of every page shared by n processes. */
  pss: number;
  /** The anonymous and shared-memory part of `pss`: heaps and IPC buffers, not the mapped binary and fonts. */
  pssAnon: number;
  /** Pages only this process maps. */
  private: number;
  rss: number;
}

const ZERO: MemoryKiB = { pss: 0, pssAnon: 0, private: 0, rss: 0 };

/** /proc/<pid>/smaps_rollup of one process; undefined once it has exited. */
export function memoryOf(pid: number): MemoryKiB | undefined {
  const text = readOrUndefined(`/proc/${pid}/smaps_rollup`);
  if (text === undefined) return undefined;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { pss: kib('Pss'), pssAnon: kib('Pss_Anon') + kib('Pss_Shmem'), private: kib('Private_Clean') + kib('Private_Dirty'), rss: kib('Rss') };
}

export interface ChromiumSnapshot {
  processes: number;
  /** Sums over the processes; a process that exited while being read counts as zero. */
  memoryKiB: MemoryKiB;
  pids: number[];
  /** Process count and PSS per Chromium role (see chromiumType). */
  byType: Record<string, { processes: number; pssKiB: number }>;
}

/** Count and summed memory of the Chromium processes below `rootPid`, right now. */
export function chromiumSnapshot(rootPid: number): ChromiumSnapshot {
  const procs = chromiumDescendantsOf(rootPid);
  const memoryKiB = { ...ZERO };
  const byType: ChromiumSnapshot['byType'] = {};
  for (const p of procs) {
    const m = memoryOf(p.pid) ?? ZERO;
    memoryKiB.pss += m.pss;
    memoryKiB.pssAnon += m.pssAnon;
    memoryKiB.private += m.private;
    memoryKiB.rss += m.rss;
    const entry = (byType[chromiumType(p.pid)] ??= { processes: 0, pssKiB: 0 });
    entry.processes++;
    entry.pssKiB += m.pss;
  }
  return { processes: procs.length, memoryKiB, pids: procs.map((p) => p.pid), byType };
}

export interface SettleOptions {
  /** Give up after this long and return the last snapshot. */
  deadlineMs: number;
  intervalMs: number;
  /** Snapshots with the same process count and PSS within this many KiB of each other count as settled... */
  pssToleranceKiB: number;
  /**
   * ...once they have agreed for this long (default: two consecutive snapshots). Chromium returns memory freed
   * after a burst of work a few seconds later, at once: measured on 156, ten contexts just opened hold about 2 MiB
   * each more from 1.5 to 4 s after the last one opened than from 6 s on, steady at both levels. A window longer
   * than that lull sees the drop.
   */
  holdMs?: number;
  /** Settled additionally requires this (e.g. the expected process count). */
  accept?(s: ChromiumSnapshot): boolean;
}

/** An idle-memory reading: PSS held within 1 MiB for 5 s, polled every 0.5 s, for at most 30 s. */
export const IDLE_MEMORY_SETTLE: SettleOptions = { deadlineMs: 30_000, intervalMs: 500, pssToleranceKiB: 1024, holdMs: 5_000 };

/**
 * Chromium frees memory and ends renderers asynchronously after a context opens or closes: polls until the
 * snapshots have agreed for `holdMs` (and `accept` holds), against a deadline, instead of sleeping a guessed time.
 */
export async function settledChromiumSnapshot(rootPid: number, options: SettleOptions): Promise<{ snapshot: ChromiumSnapshot; settled: boolean; waitedMs: number }> {
  const started = Date.now();
  const holdMs = options.holdMs ?? options.intervalMs;
  // The snapshots since the last one that disagreed with one before it, oldest first, with when they were taken.
  let window: { at: number; snapshot: ChromiumSnapshot }[] = [{ at: Date.now(), snapshot: chromiumSnapshot(rootPid) }];
  for (;;) {
    await sleep(options.intervalMs);
    const current = chromiumSnapshot(rootPid);
    const at = Date.now();
    const agrees = (s: ChromiumSnapshot) => s.processes === current.processes && Math.abs(s.memoryKiB.pss - current.memoryKiB.pss) <= options.pssToleranceKiB;
    // Keep the newest run of snapshots that all agree with this one; the window restarts at the first that does not.
    let keepFrom = window.length;
    while (keepFrom > 0 && agrees(window[keepFrom - 1]!.snapshot)) keepFrom--;
    window = [...window.slice(keepFrom), { at, snapshot: current }];
    const held = window.length > 1 && at - window[0]!.at >= holdMs;
    if (held && (options.accept?.(current) ?? true)) return { snapshot: current, settled: true, waitedMs: at - started };
    if (at - started > options.deadlineMs) return { snapshot: current, settled: false, waitedMs: at - started };
  }
}

let clockTicksPerSec = 100;
/** USER_HZ is 100 on every mainstream Linux; overridable for the odd one. */
export function setClockTicksPerSec(ticks: number): void {
  clockTicksPerSec = ticks;
}

/**
 * CPU milliseconds used by `rootPid` and everything below it, including children that already exited: a reaped
 * child's time is in its parent's cutime/cstime, so renderers that came and went during a phase still count.
 */
export function treeCpuMs(rootPid: number): number {
  let ticks = 0;
  for (const pid of [rootPid, ...descendantsOf(rootPid).map((p) => p.pid)]) {
    const f = statFields(pid)?.fields;
    // utime, stime, cutime, cstime are fields 14-17.
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return (ticks * 1000) / clockTicksPerSec;
}

/**
 * SIGKILLs every process below `rootPid`, from one snapshot taken before the first kill: once the server dies,
 * its Chromium would be re-parented away from us and could no longer be found. Synchronous, for exit handlers.
 */
export function killDescendantsNow(rootPid: number): number {
  const all = descendantsOf(rootPid);
  for (const p of all) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return all.length;
}
