import { startWallClock, type CpuShare } from './cpu-usage.js';
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
  const clock = startWallClock();
  return {
    stop() {
      const ours = treeCpuMs(rootPid) - oursBefore;
      return { ours: clock.share(ours), other: clock.otherThan(ours) };
    },
  };
}
