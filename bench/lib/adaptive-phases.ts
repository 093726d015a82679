import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { mustSucceed, type AdaptiveApi } from './adaptive-api.js';
import { PLAN, QUIET, type CallOutcome, type ConcurrencyResult, type CreateSeries, type MemoryPoint, type MemorySeries, type Policy, type Sensibility, type SingleSessionRound } from './adaptive-plan.js';
import { summarise } from './load-phase.js';
import { foreignChromiumPids, IDLE_MEMORY_SETTLE, samePids, settledChromiumSnapshot } from './process-tree.js';
import { waitForQuietMachine } from './quiet-machine.js';
import { startTreeCpuMeter, type TreeCpu } from './tree-cpu.js';

/** The three measurements of bench/adaptive.ts: create latency, memory per idle session, a burst of sessions. */

export interface PhaseContext {
  log(message: string): void;
  serverPid: number;
  api: AdaptiveApi;
  /** Throws when the server or the target died: the numbers would be void. */
  assertAlive(): void;
}

const otherLoad = (cpu: TreeCpu) => cpu.other?.percentOfCore ?? 0;
const isDisturbed = (cpu: TreeCpu) => otherLoad(cpu) > QUIET.maxPercentDuringPhase;

async function quietBeforePhase(ctx: PhaseContext): Promise<void> {
  const busy = await waitForQuietMachine(QUIET.maxWaitMs, QUIET.maxPercentBeforePhase);
  if (busy !== undefined && busy > QUIET.maxPercentBeforePhase) ctx.log(`machine still busy (${Math.round(busy)} % of a core used), measuring anyway`);
}

/**
 * Runs `attempt` until other programs stay under QUIET.maxPercentDuringPhase during it, at most `maxAttempts` times;
 * if none was quiet, the least disturbed run is kept and flagged.
 */
async function leastDisturbed<T extends { cpu: TreeCpu }>(ctx: PhaseContext, title: string, maxAttempts: number, attempt: () => Promise<T>): Promise<T & { attempts: number; disturbed: boolean }> {
  let best: T | undefined;
  for (let n = 1; n <= maxAttempts; n++) {
    await quietBeforePhase(ctx);
    const result = await attempt();
    ctx.assertAlive();
    if (!isDisturbed(result.cpu)) return { ...result, attempts: n, disturbed: false };
    if (best === undefined || otherLoad(result.cpu) < otherLoad(best.cpu)) best = result;
    ctx.log(`${title}: other programs used ${Math.round(otherLoad(result.cpu))} % of a core during attempt ${n}${n < maxAttempts ? ', running it again' : ''}`);
  }
  return { ...best!, attempts: maxAttempts, disturbed: true };
}

/** One raw create: what the pool itself asks of Playwright, without BBRE around it. */
async function rawCreate(browser: Browser): Promise<{ createMs: number; closeMs: number }> {
  const started = performance.now();
  const context = await browser.newContext();
  await context.newPage();
  const created = performance.now();
  await context.close();
  return { createMs: created - started, closeMs: performance.now() - created };
}

async function bbreCreate(api: AdaptiveApi, sensibility: Sensibility): Promise<{ createMs: number; closeMs: number }> {
  const created = mustSucceed('POST /session/create', await api.create(sensibility));
  const closed = mustSucceed('POST /session/close', await api.close(created.sessionId!));
  return { createMs: created.ms, closeMs: closed.ms };
}

/**
 * Phase a: sequential creates, each closed again, raw and BBRE interleaved (alternating which goes first) so a
 * slow stretch of the machine lands on both sides alike.
 */
export async function measureCreateSeries(ctx: PhaseContext, browser: Browser, sensibility: Sensibility, policy: Policy): Promise<CreateSeries> {
  for (let i = 0; i < PLAN.createWarmUp; i++) {
    await rawCreate(browser);
    await bbreCreate(ctx.api, sensibility);
  }
  const title = `create ${sensibility} (${policy})`;
  const series = await leastDisturbed(ctx, title, PLAN.maxAttempts, async () => {
    const raw: Array<{ createMs: number; closeMs: number }> = [];
    const bbre: Array<{ createMs: number; closeMs: number }> = [];
    const meter = startTreeCpuMeter();
    for (let i = 0; i < PLAN.createSamples; i++) {
      if (i % 2 === 0) {
        raw.push(await rawCreate(browser));
        bbre.push(await bbreCreate(ctx.api, sensibility));
      } else {
        bbre.push(await bbreCreate(ctx.api, sensibility));
        raw.push(await rawCreate(browser));
      }
    }
    return {
      raw: summarise(raw.map((s) => s.createMs)),
      bbre: summarise(bbre.map((s) => s.createMs)),
      rawCloseMs: summarise(raw.map((s) => s.closeMs)),
      bbreCloseMs: summarise(bbre.map((s) => s.closeMs)),
      cpu: meter.stop(),
    };
  });
  const result: CreateSeries = { sensibility, policy, samples: PLAN.createSamples, ...series };
  ctx.log(`${title}: raw p50 ${result.raw.p50.toFixed(1)} / p99 ${result.raw.p99.toFixed(1)} ms, BBRE p50 ${result.bbre.p50.toFixed(1)} / p99 ${result.bbre.p99.toFixed(1)} ms`);
  return result;
}

/**
 * Other programs' Chromium maps the same binary, which lowers our PSS by an amount that depends on how many of them
 * run: each snapshot first waits for them to go away, from one budget for the whole run so a neighbour's long
 * test suite cannot stall the benchmark, and records which ones were still there.
 */
export class ForeignChromiumWait {
  private budgetMs = QUIET.foreignChromiumWaitMs * 3;

  async untilAlone(serverPid: number): Promise<void> {
    const deadline = Date.now() + Math.min(QUIET.foreignChromiumWaitMs, this.budgetMs);
    const started = Date.now();
    while (foreignChromiumPids(serverPid).length > 0 && Date.now() < deadline) await sleep(500);
    this.budgetMs = Math.max(0, this.budgetMs - (Date.now() - started));
  }
}

async function memoryPoint(ctx: PhaseContext, foreign: ForeignChromiumWait, sessions: number, viewports?: Record<string, number>): Promise<MemoryPoint> {
  await foreign.untilAlone(ctx.serverPid);
  const before = foreignChromiumPids(ctx.serverPid);
  const { snapshot, settled } = await settledChromiumSnapshot(ctx.serverPid, IDLE_MEMORY_SETTLE);
  const after = foreignChromiumPids(ctx.serverPid);
  // Foreign processes that came or went while the snapshot settled: recorded as a set that matches no other.
  const foreignPids = samePids(before, after) ? after : [...new Set([...before, ...after, -1])].sort((a, b) => a - b);
  const point = { sessions, processes: snapshot.processes, memoryKiB: snapshot.memoryKiB, foreignPids, settled, byType: snapshot.byType, ...(viewports ? { viewports } : {}) };
  ctx.log(
    `${sessions} sessions: ${point.processes} Chromium processes, PSS ${(point.memoryKiB.pss / 1024).toFixed(1)} MiB (anonymous ${(point.memoryKiB.pssAnon / 1024).toFixed(1)}), ${after.length} foreign Chromium processes${settled ? '' : ', not settled'}`,
  );
  return point;
}

async function closeAll(ctx: PhaseContext, ids: string[]): Promise<CallOutcome[]> {
  return Promise.all(ids.map((id) => ctx.api.close(id)));
}

/** Phase b: idle sessions (their page on about:blank) opened one after another, memory taken at each step. */
export async function measureMemorySeries(ctx: PhaseContext, foreign: ForeignChromiumWait, sensibility: Sensibility): Promise<MemorySeries> {
  ctx.log(`memory, ${sensibility}`);
  // The baseline has this flavor's browser running and one context behind it (what every later one reuses).
  await bbreCreate(ctx.api, sensibility);
  const singles: SingleSessionRound[] = [];
  let before = await memoryPoint(ctx, foreign, 0);
  for (let round = 0; round < PLAN.singleSessionRounds; round++) {
    const created = mustSucceed('POST /session/create', await ctx.api.create(sensibility));
    const open = await memoryPoint(ctx, foreign, 1, { [created.viewport ?? 'unknown']: 1 });
    mustSucceed('POST /session/close', await ctx.api.close(created.sessionId!));
    const closed = await memoryPoint(ctx, foreign, 0);
    singles.push({ before, open, closed });
    before = closed;
  }
  const baseline = before;
  const open: string[] = [];
  const viewports: Record<string, number> = {};
  const points: MemoryPoint[] = [];
  for (const step of PLAN.memorySteps) {
    while (open.length < step) {
      const created = mustSucceed('POST /session/create', await ctx.api.create(sensibility));
      open.push(created.sessionId!);
      const viewport = created.viewport ?? 'unknown';
      viewports[viewport] = (viewports[viewport] ?? 0) + 1;
    }
    points.push(await memoryPoint(ctx, foreign, step, { ...viewports }));
  }
  for (const closed of await closeAll(ctx, open)) mustSucceed('POST /session/close', closed);
  const afterClose = await memoryPoint(ctx, foreign, 0);
  ctx.assertAlive();
  return { sensibility, singles, baseline, points, afterClose };
}

/** Phase c: PLAN.concurrentSessions sessions created at once, each doing one request, then all closed at once. */
export async function measureConcurrency(ctx: PhaseContext, foreign: ForeignChromiumWait, targetUrl: string, expectBody: string): Promise<ConcurrencyResult> {
  const sensibility = PLAN.concurrencySensibility;
  const n = PLAN.concurrentSessions;
  const baseline = await memoryPoint(ctx, foreign, 0);
  const run = await leastDisturbed(ctx, `${n} concurrent sessions`, 2, async () => {
    const meter = startTreeCpuMeter();
    const started = performance.now();
    const lanes = await Promise.all(
      Array.from({ length: n }, async () => {
        const create = await ctx.api.create(sensibility);
        const request = create.sessionId === undefined ? undefined : await ctx.api.request(create.sessionId, targetUrl, expectBody);
        return { create, request };
      }),
    );
    const totalMs = performance.now() - started;
    const cpu = meter.stop();
    const ids = lanes.flatMap((l) => (l.create.sessionId === undefined ? [] : [l.create.sessionId]));
    const loaded = await memoryPoint(ctx, foreign, ids.length);
    const closeStarted = performance.now();
    const closes = await closeAll(ctx, ids);
    const closeAllMs = performance.now() - closeStarted;
    const afterClose = await memoryPoint(ctx, foreign, 0);
    const creates = lanes.map((l) => ({ ok: l.create.ok, ms: l.create.ms, ...(l.create.error === undefined ? {} : { error: l.create.error }) }));
    const requests = lanes.flatMap((l) => (l.request === undefined ? [] : [l.request]));
    ctx.log(`${n} concurrent: ${(totalMs / 1000).toFixed(1)} s, ${creates.filter((c) => !c.ok).length} failed creates, ${requests.filter((r) => !r.ok).length} failed requests`);
    return { totalMs, creates, requests, closes, closeAllMs, loaded, afterClose, cpu };
  });
  return { sessions: n, sensibility, baseline, ...run };
}
