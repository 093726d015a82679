import { processCpuMs, selfCpuMs, startWallClock, type CpuShare } from './cpu-usage.js';

/**
 * CPU time of the processes of a passive phase, from /proc: the BBRE server (when the phase goes through it), the
 * target site, this process (autocannon or the raw client, impit's Rust threads included) and everything else.
 * load-phase's own meter knows one server process only and would count the target as "other load".
 */
export interface SplitCpu {
  server: CpuShare | undefined;
  target: CpuShare | undefined;
  generator: CpuShare;
  /** Unrelated programs (and steal time); undefined without /proc. */
  other: CpuShare | undefined;
}

export function startSplitMeter(pids: { serverPid?: number; targetPid: number }): { stop(): SplitCpu } {
  const read = (pid: number | undefined) => (pid === undefined ? undefined : processCpuMs(pid));
  const serverBefore = read(pids.serverPid);
  const targetBefore = read(pids.targetPid);
  const generatorBefore = selfCpuMs();
  const clock = startWallClock();
  return {
    stop() {
      const delta = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined ? undefined : clock.share(after - before));
      const server = delta(serverBefore, read(pids.serverPid));
      const target = delta(targetBefore, read(pids.targetPid));
      const generator = clock.share(selfCpuMs() - generatorBefore);
      const ours = (server?.cpuMs ?? 0) + (target?.cpuMs ?? 0) + generator.cpuMs;
      const other = target === undefined ? undefined : clock.otherThan(ours);
      return { server, target, generator, other };
    },
  };
}
