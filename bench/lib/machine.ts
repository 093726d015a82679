import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem, type } from 'node:os';

export interface MachineInfo {
  cpuCount: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  /**
   * Short commit, with "+ uncommitted changes" when the tree is dirty: numbers belong to a code version. BENCHMARKS.md
   * does not count: it is what the benchmarks write, so one run's results would otherwise mark every later run.
   */
  revision: string;
}

function gitRevision(repoRoot: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--', '.', ':(exclude)BENCHMARKS.md') === '' ? commit : `${commit} + uncommitted changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function describeMachine(repoRoot: string): MachineInfo {
  return {
    // Same count as `nproc`: the CPUs this process may run on.
    cpuCount: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    revision: gitRevision(repoRoot),
  };
}
