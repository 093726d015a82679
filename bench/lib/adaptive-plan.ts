import type { LatencySummary } from './load-phase.js';
import type { MemoryKiB } from './process-tree.js';
import type { TreeCpu } from './tree-cpu.js';

/** What bench/adaptive.ts runs; the report quotes these values, so they live in one place. */
export const PLAN = {
  /** Phase a: sequential creates (each followed by a close) per sensibility, after unrecorded warm-up ones. */
  createSamples: 100,
  createWarmUp: 5,
  createSensibilities: ['low', 'medium'] as const,
  /**
   * Phase b, per sensibility: one idle session opened and closed this many times (one session's figure is a single
   * difference of two sums of several hundred MiB, so its noise is a whole session's; the median is judged), then
   * idle sessions opened one after another and counted at these steps.
   */
  singleSessionRounds: 7,
  memorySteps: [10, 50] as const,
  memorySensibilities: ['low', 'medium'] as const,
  /** Phase c: sessions created at once, each then doing one request. */
  concurrentSessions: 100,
  concurrencySensibility: 'medium' as const,
  /** Server settings: the pool admits every session of phase c, the account may hold them all. */
  maxBrowserContexts: 120,
  maxSessionsPerAccount: 200,
  /** No browser is replaced mid-run: a memory baseline or a latency series must not straddle a new browser. */
  browserRetireAfter: 100_000,
  /** Seconds: a flavor's browser must outlive the other flavor's whole memory series (BBRE_BROWSER_IDLE_CLOSE). */
  browserIdleCloseSecs: 3_600,
  sessionTimeoutSecs: 3_600,
  balanceUsd: 1_000,
  /** Per API call; phase c's calls queue behind 100 browser contexts starting on a small machine. */
  apiTimeoutMs: 120_000,
  /** A latency series or the concurrency burst disturbed by other programs is run again, at most this many times in all. */
  maxAttempts: 3,
} as const;

export const TARGETS = {
  /** BBRE create / raw newContext()+newPage(), at p50 and at p99. */
  maxCreateRatio: 1.3,
  maxIdleSessionMiB: 25,
  maxConcurrencyErrors: 0,
} as const;

/**
 * Shared machine: how quiet it must be before a phase starts, how much foreign CPU use voids a phase, and how long
 * a memory snapshot waits for other programs' Chromium to go away (it maps the same binary and lowers our PSS).
 */
export const QUIET = { maxWaitMs: 30_000, maxPercentBeforePhase: 15, maxPercentDuringPhase: 25, foreignChromiumWaitMs: 60_000 } as const;

export type Sensibility = 'low' | 'medium';

/** The target policy the server ran with: the production default, or private targets allowed (the guard is off). */
export type Policy = 'default' | 'allow-private';

export interface CreateSeries {
  sensibility: Sensibility;
  policy: Policy;
  raw: LatencySummary;
  bbre: LatencySummary;
  /** Not timed into the verdict, shown for reference. */
  rawCloseMs: LatencySummary;
  bbreCloseMs: LatencySummary;
  samples: number;
  cpu: TreeCpu;
  attempts: number;
  disturbed: boolean;
}

export interface MemoryPoint {
  sessions: number;
  processes: number;
  memoryKiB: MemoryKiB;
  /** Other programs' Chromium processes at the time of the snapshot (sorted pids). */
  foreignPids: number[];
  /** False when PSS was still moving at the settle deadline. */
  settled: boolean;
  /** Processes and PSS per Chromium role (browser, renderer, gpu-process, zygote, utility …). */
  byType: Record<string, { processes: number; pssKiB: number }>;
  /** How many of the open sessions have each viewport (`W×H`): a session's memory follows its window size. */
  viewports?: Record<string, number>;
}

/** One round of the single-session measurement: the server before the session, with it open, and once it is closed. */
export interface SingleSessionRound {
  before: MemoryPoint;
  open: MemoryPoint;
  closed: MemoryPoint;
}

export interface MemorySeries {
  sensibility: Sensibility;
  singles: SingleSessionRound[];
  baseline: MemoryPoint;
  points: MemoryPoint[];
  /** After closing every session of the series. */
  afterClose: MemoryPoint;
}

export interface CallOutcome {
  ok: boolean;
  ms: number;
  /** HTTP status and BBRE error code, or the client-side failure (timeout). */
  error?: string;
}

export interface ConcurrencyResult {
  sessions: number;
  sensibility: Sensibility;
  /** From the first create sent to the last request answered. */
  totalMs: number;
  creates: CallOutcome[];
  requests: CallOutcome[];
  closes: CallOutcome[];
  closeAllMs: number;
  /** The idle baseline, all sessions open with their page loaded, and after closing them all. */
  baseline: MemoryPoint;
  loaded: MemoryPoint;
  afterClose: MemoryPoint;
  cpu: TreeCpu;
  attempts: number;
  disturbed: boolean;
}

export interface RunResults {
  chromiumVersion: string;
  chromiumPath: string;
  create: CreateSeries[];
  memory: MemorySeries[];
  concurrency: ConcurrencyResult;
  /** Chromium processes of the server still alive after it exited on SIGTERM (killed by the benchmark). */
  leftAfterServerStop: number;
}
