import { performance } from 'node:perf_hooks';
import { machineBusyMs, type CpuShare } from './cpu-usage.js';
import { treeCpuMs } from './process-tree.js';

export interface TreeCpu {
  /** This process and everything it started: server, target, Chromium (exited renderers included). */
  ours: CpuShare;
  /** The rest of the machine: other users' programs, steal time. Undefined without /proc/stat. */
  other: CpuShare | undefined;
}

/**
 * CPU accounting for phases whose work is spread over many short-lived processes (a renderer per browser
 * context): everything below `rootPid` is ours, so only the rest of the machine counts as disturbance.
 */
export function startTreeCpuMeter(rootPid: number = process.pid): { stop(): TreeCpu } {
  const oursBefore = treeCpuMs(rootPid);
  const machineBefore = machineBusyMs();
  const startedAt = performance.now();
  return {
    stop() {
      const wallMs = performance.now() - startedAt;
      const share = (cpuMs: number): CpuShare => ({ cpuMs, percentOfCore: (100 * cpuMs) / wallMs });
      const ours = treeCpuMs(rootPid) - oursBefore;
      const machineAfter = machineBusyMs();
      // Tick-granular counters can make the difference slightly negative on an otherwise idle machine.
      const other = machineBefore === undefined || machineAfter === undefined ? undefined : share(Math.max(0, machineAfter - machineBefore - ours));
      return { ours: share(ours), other };
    },
  };
}
