/**
 * Benchmark: adaptive sessions, on the real server started as a child process, with the system Chromium:
 *   a. POST /session/create latency (low, medium) against raw Playwright `newContext()` + `newPage()` on a browser
 *      launched here with the same binary and flags;
 *   b. PSS per idle session at 1, 10 and 50 open sessions;
 *   c. 100 sessions created at once, each doing one request to a local target.
 *
 *   npm run bench:adaptive
 *
 * Prints a markdown section and writes it into BENCHMARKS.md ("## Adaptive sessions: creation, memory, concurrency").
 * Bounded: a watchdog ends the run, and every process it started (server, target, and all Chromium below them) is
 * killed however it ends. Everything listens on and talks to 127.0.0.1 only.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, findChromium, type LaunchFlavor } from '../src/engines/adaptive/chromium.js';
import { launchUserAgent } from '../src/engines/adaptive/stealth/ua-override.js';
import { buildChromeProfile } from '../src/engines/identity/chrome-profile.js';
import { adaptiveApi } from './lib/adaptive-api.js';
import { ForeignChromiumWait, measureConcurrency, measureCreateSeries, measureMemorySeries, type PhaseContext } from './lib/adaptive-phases.js';
import { PLAN, type CreateSeries, type Policy, type RunResults, type Sensibility } from './lib/adaptive-plan.js';
import { renderAdaptiveSection } from './lib/adaptive-report.js';
import { freshSqlite } from './lib/bench-database.js';
import { bbreEnv } from './lib/child-env.js';
import { describeMachine } from './lib/machine.js';
import { upsertSection } from './lib/markdown.js';
import { createUnthrottledAccount } from './lib/operator-cli.js';
import { chromiumDescendantsOf, killDescendantsNow, processTable } from './lib/process-tree.js';
import { killAllChildrenNow, startServer } from './lib/server-process.js';
import { startTarget, type RunningTarget } from './lib/target-process.js';
import { runBenchmark } from './lib/safety-nets.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION_HEADING = '## Adaptive sessions: creation, memory, concurrency';
/** About 7 minutes normally, 15 at worst with every quiet wait and retry; beyond that it is a hang. */
const WATCHDOG_MS = 20 * 60_000;
/** The page html-target.ts serves: a request that rendered something else did not reach it. */
const TARGET_TITLE = 'BBRE bench target';

const log = (message: string) => process.stderr.write(`[bench:adaptive] ${message}\n`);

/**
 * Children must not outlive this process, whatever way it ends. The whole tree is snapshotted before the first
 * kill: once the server dies, its Chromium is re-parented away from us and could no longer be found.
 */
function installSafetyNets(): void {
  const killEverything = () => {
    killDescendantsNow(process.pid);
    killAllChildrenNow();
  };
  const watchdog = setTimeout(() => {
    log(`watchdog: no result after ${WATCHDOG_MS / 1000} s, killing every child process and exiting`);
    killEverything();
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killEverything();
      process.exit(130);
    });
  }
  process.on('exit', killEverything);
}

function invocation(args: string[]): string {
  const suffix = args.length > 0 ? ` ${args.join(' ')}` : '';
  return process.env.npm_lifecycle_event === 'bench:adaptive' ? `npm run bench:adaptive${suffix ? ` --${suffix}` : ''}` : `npx tsx bench/adaptive.ts${suffix}`;
}

/**
 * The launch flavor the adaptive engine picks for a session of this sensibility with the default profile (as
 * flavorOf in adaptive.engine.ts, which is not exported): the raw browser gets exactly the pool's flags.
 */
function defaultFlavor(sensibility: Sensibility): LaunchFlavor {
  const profile = buildChromeProfile(sensibility);
  const acceptLanguage = (profile.languages ?? ['en-US', 'en']).join(',');
  return sensibility === 'low' ? { stealth: false, acceptLanguage } : { stealth: true, acceptLanguage, userAgent: launchUserAgent(profile) };
}

/** The raw side: the same binary, flags and launch options as BrowserPool.launch for this sensibility's flavor. */
function launchRaw(executablePath: string, sensibility: Sensibility): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, chromiumSandbox: false, args: chromiumArgs(defaultFlavor(sensibility)), timeout: 30_000 });
}

/** Of the server's Chromium processes, those still alive `graceMs` after it exited; they are killed. */
async function survivors(pids: number[], graceMs: number): Promise<number> {
  const alive = () => {
    const live = new Set(processTable().filter((p) => /chrom/i.test(p.comm)).map((p) => p.pid));
    return pids.filter((pid) => live.has(pid));
  };
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await sleep(200);
  const left = alive();
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone in the meantime.
    }
  }
  if (left.length > 0) log(`${left.length} Chromium processes of the server were still alive ${graceMs / 1000} s after it exited: ${left.join(', ')} (killed)`);
  return left.length;
}

/** One server with its own fresh database and account; stopped (and its Chromium checked) whatever happens. */
async function withServer<T>(policy: Policy, target: RunningTarget, fn: (ctx: PhaseContext) => Promise<T>): Promise<{ value: T; left: number }> {
  const database = await freshSqlite();
  try {
    const env = bbreEnv({ BBRE_DATABASE_URL: database.url, BBRE_LOG_LEVEL: 'warn' });
    const server = await startServer(REPO_ROOT, {
      ...env,
      BBRE_ALLOW_PRIVATE_TARGETS: policy === 'allow-private' ? 'true' : 'false',
      BBRE_MAX_BROWSER_CONTEXTS: String(PLAN.maxBrowserContexts),
      BBRE_MAX_SESSIONS_PER_ACCOUNT: String(PLAN.maxSessionsPerAccount),
      BBRE_MAX_SESSION_TIMEOUT: String(PLAN.sessionTimeoutSecs),
      BBRE_BROWSER_RETIRE_AFTER: String(PLAN.browserRetireAfter),
      BBRE_BROWSER_IDLE_CLOSE: String(PLAN.browserIdleCloseSecs),
    });
    let value: T;
    let serverChromium: number[] = [];
    try {
      const account = await createUnthrottledAccount(REPO_ROOT, env, `bench-adaptive-${policy}`, PLAN.balanceUsd);
      log(`server pid ${server.pid} at ${server.baseUrl} (target policy: ${policy}), target pid ${target.pid} at ${target.url}`);
      const ctx: PhaseContext = {
        log,
        serverPid: server.pid,
        api: adaptiveApi(server.baseUrl, account.apiKey, PLAN.sessionTimeoutSecs, PLAN.apiTimeoutMs),
        assertAlive: () => {
          server.assertRunning();
          process.kill(target.pid, 0);
        },
      };
      value = await fn(ctx);
    } finally {
      serverChromium = chromiumDescendantsOf(server.pid).map((p) => p.pid);
      await server.stop();
    }
    return { value, left: await survivors(serverChromium, 10_000) };
  } finally {
    await database.cleanup();
  }
}

async function run(executablePath: string, target: RunningTarget): Promise<RunResults> {
  const raw: Record<Sensibility, Browser> = { low: await launchRaw(executablePath, 'low'), medium: await launchRaw(executablePath, 'medium') };
  let rawClosing: Promise<unknown> | undefined;
  const closeRaw = () => (rawClosing ??= Promise.allSettled(Object.values(raw).map((b) => b.close())));
  try {
    const chromiumVersion = raw.low.version();
    const create: CreateSeries[] = [];
    const guarded = await withServer('default', target, async (ctx) => {
      for (const s of PLAN.createSensibilities) create.push(await measureCreateSeries(ctx, raw[s], s, 'default'));
    });
    const open = await withServer('allow-private', target, async (ctx) => {
      for (const s of PLAN.createSensibilities) create.push(await measureCreateSeries(ctx, raw[s], s, 'allow-private'));
      // Our own raw browsers would share the binary's pages with the server's Chromium and lower its PSS.
      await closeRaw();
      const foreign = new ForeignChromiumWait();
      const memory = [];
      for (const s of PLAN.memorySensibilities) memory.push(await measureMemorySeries(ctx, foreign, s));
      const concurrency = await measureConcurrency(ctx, foreign, target.url, TARGET_TITLE);
      return { memory, concurrency };
    });
    return { chromiumVersion, chromiumPath: executablePath, create, ...open.value, leftAfterServerStop: guarded.left + open.left };
  } finally {
    await closeRaw();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length > 0) throw new Error(`bench:adaptive takes no arguments (got ${args.join(' ')})`);
  installSafetyNets();
  const executablePath = findChromium(undefined);
  if (executablePath === undefined) throw new Error('no Chromium found: apt-get install -y chromium');
  const target = await startTarget(REPO_ROOT);
  let results: RunResults;
  try {
    results = await run(executablePath, target);
  } finally {
    await target.stop();
  }
  const section = renderAdaptiveSection(invocation(args), describeMachine(REPO_ROOT), results);
  process.stdout.write(`${SECTION_HEADING}\n\n${section}\n`);
  await upsertSection(join(REPO_ROOT, 'BENCHMARKS.md'), SECTION_HEADING, section);
  log('BENCHMARKS.md updated');
}

runBenchmark(main, log);
