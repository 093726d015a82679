import { setTimeout as sleep } from 'node:timers/promises';
import { machineBusyMs } from './cpu-usage.js';

const SAMPLE_MS = 1_000;

/**
 * Waits, at most `maxWaitMs`, for a second in which the machine's CPU use (ours is idle at this point: the server
 * is between phases) stays under `maxPercentOfCore`. On a shared 2-core machine a compile or a test run next door
 * halves what is measured. Returns the last observed use so the report can flag a phase that never got quiet.
 */
export async function waitForQuietMachine(maxWaitMs: number, maxPercentOfCore: number): Promise<number | undefined> {
  const deadline = Date.now() + maxWaitMs;
  let observed: number | undefined;
  do {
    const before = machineBusyMs();
    await sleep(SAMPLE_MS);
    const after = machineBusyMs();
    if (before === undefined || after === undefined) return undefined;
    observed = ((after - before) * 100) / SAMPLE_MS;
    if (observed <= maxPercentOfCore) return observed;
  } while (Date.now() < deadline);
  return observed;
}
