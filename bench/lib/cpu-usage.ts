import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * CPU time from /proc, so a report can say who was the bottleneck: on a small machine the load generator, the
 * database or an unrelated program can take the cores the server needs, and req/s then measure them instead.
 */

let clockTicksPerSec: number | undefined;

/** USER_HZ for /proc/<pid>/stat; 100 on every mainstream Linux, asked once in case this one differs. */
function ticksPerSec(): number {
  if (clockTicksPerSec === undefined) {
    try {
      clockTicksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSec = 100;
    }
  }
  return clockTicksPerSec;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** User + system CPU milliseconds of every thread of `pid`, or undefined where /proc is not available. */
export function processCpuMs(pid: number): number | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / ticksPerSec() : undefined;
}

/** CPU milliseconds per process whose command name is `comm` (e.g. every PostgreSQL backend). */
function cpuMsByCommand(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || readOrUndefined(`/proc/${entry}/comm`)?.trim() !== comm) continue;
    const ms = processCpuMs(Number(entry));
    if (ms !== undefined) out.set(Number(entry), ms);
  }
  return out;
}

/** CPU used between two snapshots; a process that started in between counts from zero. */
function cpuMsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** User + system CPU milliseconds of this process (the load generator). */
export function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Busy CPU milliseconds of the whole machine, all cores summed, or undefined without /proc/stat. Interrupt time is
 * left out: on loopback it is mostly the benchmark's own traffic, which is not "another program".
 */
export function machineBusyMs(): number | undefined {
  const stat = readOrUndefined('/proc/stat');
  if (stat === undefined) return undefined;
  // "cpu  user nice system idle iowait irq softirq steal …": guest time is already inside user.
  const [user, nice, system, , , , , steal] = stat.slice(0, stat.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  const busy = [user, nice, system, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0);
  return Number.isFinite(busy) ? (busy * 1000) / ticksPerSec() : undefined;
}

export interface CpuShare {
  /** CPU milliseconds over the measured interval. */
  cpuMs: number;
  /** Of one core, over the interval's wall time (100 = one core fully busy). */
  percentOfCore: number;
}

export interface CpuReport {
  /** Undefined where the server's CPU time cannot be read (no /proc). */
  server: CpuShare | undefined;
  /** This process: the load generator plus the timing collection. */
  generator: CpuShare;
  /** Processes named like the database server, when the database runs as separate processes. */
  database: CpuShare | undefined;
  /** Everything else on the machine (unrelated programs competing for the same cores), including steal time. */
  other: CpuShare | undefined;
}

export interface CpuMeterTargets {
  serverPid: number | undefined;
  /** Command name of the database's processes (`postgres`); unset for an in-process database. */
  databaseCommand?: string;
}

/**
 * A phase's wall clock, for turning CPU milliseconds into shares of one core, and the CPU the rest of the machine
 * used besides `oursMs` (undefined without /proc/stat). Shared by every meter.
 */
export function startWallClock(): { share(cpuMs: number): CpuShare; otherThan(oursMs: number): CpuShare | undefined } {
  const machineBefore = machineBusyMs();
  const startedAt = performance.now();
  const share = (cpuMs: number): CpuShare => ({ cpuMs, percentOfCore: (100 * cpuMs) / (performance.now() - startedAt) });
  return {
    share,
    otherThan(oursMs) {
      const machineAfter = machineBusyMs();
      // Tick-granular counters can make the difference slightly negative on an otherwise idle machine.
      return machineBefore === undefined || machineAfter === undefined ? undefined : share(Math.max(0, machineAfter - machineBefore - oursMs));
    },
  };
}

/** Starts accounting CPU time to the server, this process, the database and everything else; `stop` reads it. */
export function startCpuMeter(targets: CpuMeterTargets): { stop(): CpuReport } {
  const { serverPid, databaseCommand } = targets;
  const serverBefore = serverPid === undefined ? undefined : processCpuMs(serverPid);
  const databaseBefore = databaseCommand === undefined ? undefined : cpuMsByCommand(databaseCommand);
  const generatorBefore = selfCpuMs();
  const clock = startWallClock();
  return {
    stop() {
      const share = clock.share;
      const serverAfter = serverPid === undefined ? undefined : processCpuMs(serverPid);
      const server = serverBefore === undefined || serverAfter === undefined ? undefined : share(serverAfter - serverBefore);
      const database = databaseBefore === undefined || databaseCommand === undefined ? undefined : share(cpuMsBetween(databaseBefore, cpuMsByCommand(databaseCommand)));
      const generator = share(selfCpuMs() - generatorBefore);
      const ours = (server?.cpuMs ?? 0) + generator.cpuMs + (database?.cpuMs ?? 0);
      const other = server === undefined ? undefined : clock.otherThan(ours);
      return { server, generator, database, other };
    },
  };
}
