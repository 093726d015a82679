import type { BenchDatabase } from './bench-database.js';
import type { PhaseResult } from './load-phase.js';

/** What bench/status.ts runs; the report quotes these values, so they live in one place. */
export const PLAN = {
  warmUpSecs: 2,
  maxPhaseSecs: 4,
  /**
   * The two max phases alternate over this many rounds, in the order AB BA AB BA: the machine's speed drifts
   * (a shared VM), and a drift that lasts the whole run then weighs on both routes alike.
   */
  rounds: 4,
  /** Enough concurrency to saturate one server process without turning the run into a queueing test. */
  maxConnections: 20,
  fixedRate: 1_000,
  fixedRateSecs: 10,
  /** autocannon sends each connection's share of a second back to back, so this is also the burst concurrency. */
  fixedRateConnections: 10,
  /** The session must stay active through every phase, or later phases would measure the expiry path instead. */
  sessionTimeoutSecs: 3_600,
  /** A phase disturbed by other programs is run again, at most this many times in all. */
  maxAttempts: 3,
} as const;

/** The targets. */
export const TARGETS = { minThroughputRatio: 0.5, maxP99AtFixedRateMs: 5 } as const;

/** Shared machine: how quiet it must be before a phase starts, and how much foreign CPU use voids a phase. */
export const QUIET = { maxWaitMs: 15_000, maxPercentBeforePhase: 15, maxPercentDuringPhase: 25 } as const;

export interface MeasuredPhase extends PhaseResult {
  attempts: number;
  /** Other programs used more than QUIET.maxPercentDuringPhase even on the last attempt. */
  disturbed: boolean;
}

export interface MaxRound {
  trivial: MeasuredPhase;
  status: MeasuredPhase;
}

export interface BackendResult {
  database: BenchDatabase;
  rounds: MaxRound[];
  statusFixed: MeasuredPhase;
}
