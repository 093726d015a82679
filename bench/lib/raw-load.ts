import { performance } from 'node:perf_hooks';
import { summarise, type LatencySummary } from './load-phase.js';

/** One request of a raw client; resolves with the HTTP status once the whole body has been read. */
export type SendOnce = (signal: AbortSignal) => Promise<number>;

export interface RawLoadResult {
  completed: number;
  durationSecs: number;
  requestsPerSec: number;
  /** Exact, from every 2xx response, request start to last body byte (performance.now()). */
  latencyMs: LatencySummary;
  errors: number;
  non2xx: number;
  firstError?: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A closed loop of `concurrency` workers, each sending its next request as soon as the previous one ended, for
 * `durationSecs` (requests in flight at the end are awaited and counted; each is bounded by a timeout) - what
 * autocannon does with as many connections, with the raw client in place of autocannon's HTTP/1.1 client.
 */
export async function runRawLoad(send: SendOnce, concurrency: number, durationSecs: number): Promise<RawLoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let firstError: string | undefined;
  const startedAt = performance.now();
  const endAt = startedAt + durationSecs * 1000;
  const worker = async () => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      try {
        const status = await send(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
        if (status >= 200 && status < 300) latencies.push(performance.now() - t0);
        else non2xx++;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedSecs = (performance.now() - startedAt) / 1000;
  const completed = latencies.length + non2xx;
  return { completed, durationSecs: elapsedSecs, requestsPerSec: completed / elapsedSecs, latencyMs: summarise(latencies), errors, non2xx, firstError };
}
