import { runLoadPhase } from './load-phase.js';
import { PLAN, QUIET, type MeasuredPhase } from './passive-plan.js';
import { waitForQuietMachine } from './quiet-machine.js';
import type { RawClient } from './raw-clients.js';
import { runRawLoad } from './raw-load.js';
import { startSplitMeter } from './split-cpu.js';

/** What one run of a phase yields before CPU accounting and retries are added. */
type PhaseRun = Omit<MeasuredPhase, 'cpu' | 'attempts' | 'disturbed'>;

/** Runs a phase for the given number of seconds. */
type Runner = (durationSecs: number) => Promise<PhaseRun>;

export interface PhaseContext {
  log(message: string): void;
  targetPid: number;
  /** Set for phases that go through BBRE: its CPU time is accounted separately. */
  serverPid?: number;
  /** Throws when a child died: its numbers would be void. */
  assertAlive(): void;
}

const otherLoad = (r: MeasuredPhase) => r.cpu.other?.percentOfCore ?? 0;

function describe(r: MeasuredPhase): string {
  const other = r.cpu.other === undefined ? '' : `, other load ${Math.round(r.cpu.other.percentOfCore)} % of a core`;
  return `${r.title}: ${Math.round(r.requestsPerSec)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, errors ${r.errors}, non-2xx ${r.non2xx}${other}`;
}

/**
 * An unrecorded warm-up (JIT, connection pools, keep-alive connections to the target), then the measured phase on a
 * quiet machine when possible, again (up to PLAN.maxAttempts) when other programs took a noticeable share of the
 * CPUs during it; if no attempt was quiet, the least disturbed one is kept and flagged.
 */
async function measure(ctx: PhaseContext, run: Runner): Promise<MeasuredPhase> {
  await run(PLAN.warmUpSecs);
  ctx.assertAlive();
  let best: MeasuredPhase | undefined;
  for (let attempt = 1; attempt <= PLAN.maxAttempts; attempt++) {
    const busy = await waitForQuietMachine(QUIET.maxWaitMs, QUIET.maxPercentBeforePhase);
    if (busy !== undefined && busy > QUIET.maxPercentBeforePhase) ctx.log(`machine still busy (${Math.round(busy)} % of a core used by other programs), measuring anyway`);
    const meter = startSplitMeter({ serverPid: ctx.serverPid, targetPid: ctx.targetPid });
    const result = await run(PLAN.phaseSecs);
    const measured: MeasuredPhase = { ...result, cpu: meter.stop(), attempts: attempt, disturbed: false };
    ctx.log(describe(measured));
    ctx.assertAlive();
    if (otherLoad(measured) <= QUIET.maxPercentDuringPhase) return measured;
    if (best === undefined || otherLoad(measured) < otherLoad(best)) best = measured;
    if (attempt < PLAN.maxAttempts) ctx.log('other programs were busy during the phase: running it again');
  }
  return { ...best!, attempts: PLAN.maxAttempts, disturbed: true };
}

/** The raw client in this process: a closed loop of `concurrency` workers. */
export function measureRaw(ctx: PhaseContext, client: RawClient, concurrency: number): Promise<MeasuredPhase> {
  const title = `raw ${client.name}, ${concurrency} in flight`;
  return measure(ctx, async (durationSecs) => {
    const r = await runRawLoad(client.send, concurrency, durationSecs);
    return { title, concurrency, totalRequests: r.completed, durationSecs: r.durationSecs, requestsPerSec: r.requestsPerSec, latencyMs: r.latencyMs, errors: r.errors, non2xx: r.non2xx, firstError: r.firstError };
  });
}

export interface BbreTarget {
  baseUrl: string;
  apiKey: string;
  sessionId: string;
  sensibility: string;
  targetUrl: string;
}

/** POST /session/request through autocannon, `concurrency` connections on the one session. */
export function measureBbre(ctx: PhaseContext, bbre: BbreTarget, concurrency: number): Promise<MeasuredPhase> {
  const title = `BBRE /session/request (${bbre.sensibility}), ${concurrency} in flight`;
  return measure(ctx, async (durationSecs) => {
    const r = await runLoadPhase({
      title,
      url: `${bbre.baseUrl}/session/request`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': bbre.apiKey },
      body: JSON.stringify({ sessionId: bbre.sessionId, url: bbre.targetUrl, method: 'GET' }),
      connections: concurrency,
      durationSecs,
      serverPid: ctx.serverPid,
    });
    const statusCodes = Object.keys(r.statusCodes).filter((code) => !code.startsWith('2'));
    return {
      title,
      concurrency,
      totalRequests: r.totalRequests,
      durationSecs: r.durationSecs,
      requestsPerSec: r.totalRequests / r.durationSecs,
      latencyMs: r.latencyMs,
      errors: r.errors,
      non2xx: r.non2xx,
      firstError: statusCodes.length > 0 ? `status codes ${JSON.stringify(r.statusCodes)}` : undefined,
    };
  });
}
