import type { LatencySummary } from './load-phase.js';
import type { SplitCpu } from './split-cpu.js';

/** What bench/passive.ts runs; the report quotes these values, so they live in one place. */
export const PLAN = {
  warmUpSecs: 2,
  phaseSecs: 5,
  /** The concurrency the targets are judged at: one session, this many requests in flight. */
  concurrency: 16,
  /** Also measured, one request at a time: the added latency without any queueing. */
  sequentialConcurrency: 1,
  /** The sessions must stay active through every phase (the server's clamp is raised to match). */
  sessionTimeoutSecs: 3_600,
  /** Passive requests are charged ($0.001-0.002 each by default): the balance must outlast every phase. */
  balanceUsd: 100_000,
  /** A phase disturbed by other programs is run again, at most this many times in all. */
  maxAttempts: 3,
} as const;

/** The targets, judged at PLAN.concurrency. */
export const TARGETS = { minThroughputRatio: 0.6, maxAddedP50Ms: 2 } as const;

/** Shared machine (a neighbour's test runs come in bursts of tens of seconds): how quiet it must be before a phase starts, and how much foreign CPU use voids a phase. */
export const QUIET = { maxWaitMs: 30_000, maxPercentBeforePhase: 15, maxPercentDuringPhase: 25 } as const;

export type Sensibility = 'low' | 'medium';

/** One measured phase, raw client or BBRE, in the same shape. */
export interface MeasuredPhase {
  title: string;
  concurrency: number;
  totalRequests: number;
  durationSecs: number;
  /** totalRequests / durationSecs, the same way for both kinds of phase. */
  requestsPerSec: number;
  /** Exact nearest-rank percentiles over every 2xx response. */
  latencyMs: LatencySummary;
  errors: number;
  non2xx: number;
  firstError?: string;
  cpu: SplitCpu;
  attempts: number;
  /** Other programs used more than QUIET.maxPercentDuringPhase even on the last attempt. */
  disturbed: boolean;
}

/** Raw client and BBRE at the same concurrency against the same target. */
export interface Comparison {
  sensibility: Sensibility;
  rawClient: string;
  concurrency: number;
  raw: MeasuredPhase;
  bbre: MeasuredPhase;
}
