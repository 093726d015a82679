import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { startCpuMeter, type CpuReport } from './cpu-usage.js';

export interface LoadSpec {
  title: string;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSecs: number;
  /** Fixed overall rate (autocannon `overallRate`); unset means as fast as the connections allow. */
  overallRate?: number;
  /** The server's process id, to account its CPU time to this phase. */
  serverPid?: number;
  /** Command name of an out-of-process database (`postgres`), to account its CPU time separately. */
  databaseCommand?: string;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export interface PhaseResult {
  spec: LoadSpec;
  /** autocannon's mean of the per-second request counts. */
  requestsPerSec: number;
  totalRequests: number;
  durationSecs: number;
  /** Exact, from every 2xx response's own timing (sub-millisecond), without any correction. */
  latencyMs: LatencySummary;
  /** autocannon's histogram: whole milliseconds and, at a fixed rate, its coordinated-omission correction. */
  autocannonLatencyMs: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Median time, per second of the run, between the first and the last response of that second. */
  medianBusyMsPerSecond: number;
  cpu: CpuReport;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Exact nearest-rank p50 / p99 / max of a list of latencies in milliseconds. */
export function summarise(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN };
}

/**
 * autocannon paces `overallRate` per connection and per second: each connection sends its share back to back,
 * then waits for the next second. How much of each second carries load shows how bursty a "fixed rate" was.
 */
function medianBusyMs(completedAtMs: number[]): number {
  const perSecond = new Map<number, { first: number; last: number }>();
  for (const t of completedAtMs) {
    const second = Math.floor(t / 1000);
    const span = perSecond.get(second);
    if (!span) perSecond.set(second, { first: t, last: t });
    else span.last = t;
  }
  const busy = Float64Array.from([...perSecond.values()].map((s) => s.last - s.first)).sort();
  return percentile(busy, 50);
}

/** Runs one autocannon phase in this process and collects exact per-response timings alongside its summary. */
export async function runLoadPhase(spec: LoadSpec): Promise<PhaseResult> {
  const latencies: number[] = [];
  const completedAt: number[] = [];
  const cpuMeter = startCpuMeter({ serverPid: spec.serverPid, databaseCommand: spec.databaseCommand });
  const startedAt = performance.now();
  const instance = autocannon({
    title: spec.title,
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    connections: spec.connections,
    duration: spec.durationSecs,
    overallRate: spec.overallRate,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    completedAt.push(performance.now() - startedAt);
    // Like autocannon's own histogram, only successful responses count towards latency.
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  const result = await instance;
  const cpu = cpuMeter.stop();
  return {
    spec,
    requestsPerSec: result.requests.average,
    totalRequests: result.requests.total,
    durationSecs: result.duration,
    latencyMs: summarise(latencies),
    autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
    medianBusyMsPerSecond: medianBusyMs(completedAt),
    cpu,
  };
}
