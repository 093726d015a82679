/**
 * Benchmark: passive-mode POST /session/request against the raw HTTP clients it is built on, in one run, against
 * the same local target (a ~1 KB HTML page served by its own Node process on 127.0.0.1):
 *   low    - raw undici@7 loop        vs BBRE on a passive `low` session (undici inside)
 *   medium - raw impit chrome151 loop vs BBRE on a passive `medium` session (impit inside)
 *
 *   npm run bench:passive
 *
 * Prints a markdown section and writes it into BENCHMARKS.md ("## Passive /session/request vs raw clients").
 * Bounded: every phase has a fixed duration, a watchdog ends the run, and the server and target are always killed.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession, sessionRequest } from './lib/bbre-api.js';
import { freshSqlite } from './lib/bench-database.js';
import { bbreEnv } from './lib/child-env.js';
import { describeMachine } from './lib/machine.js';
import { upsertSection } from './lib/markdown.js';
import { createUnthrottledAccount } from './lib/operator-cli.js';
import { measureBbre, measureRaw, type PhaseContext } from './lib/passive-phases.js';
import { PLAN, type Comparison, type Sensibility } from './lib/passive-plan.js';
import { renderPassiveSection } from './lib/passive-report.js';
import { rawImpit, rawUndici, type RawClient } from './lib/raw-clients.js';
import { installSafetyNets, invocation, runBenchmark } from './lib/safety-nets.js';
import { startServer, type RunningServer } from './lib/server-process.js';
import { startTarget, type RunningTarget } from './lib/target-process.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION_HEADING = '## Passive /session/request vs raw clients';

/** About 1.5 minutes on a quiet machine, 15 at worst with every quiet wait and retry; beyond that it is a hang. */
const WATCHDOG_MS = 17 * 60_000;

const log = (message: string) => process.stderr.write(`[bench:passive] ${message}\n`);

const RAW_CLIENTS: Record<Sensibility, (url: string) => RawClient> = { low: rawUndici, medium: rawImpit };

/** One request through each session before any load: a wrong body or a refused target would void every number. */
async function checkSession(server: RunningServer, apiKey: string, sessionId: string, target: RunningTarget): Promise<void> {
  const { statusCode, body } = await sessionRequest(server.baseUrl, apiKey, sessionId, target.url);
  if (statusCode !== 200 || typeof body !== 'string' || Buffer.byteLength(body) !== target.bodyBytes) {
    throw new Error(`the target answered BBRE with ${String(statusCode)} and ${typeof body === 'string' ? `${Buffer.byteLength(body)} bytes` : typeof body}, expected 200 and ${target.bodyBytes} bytes`);
  }
}

async function compare(ctx: PhaseContext, server: RunningServer, apiKey: string, sessions: Record<Sensibility, string>, target: RunningTarget): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const concurrency of [PLAN.concurrency, PLAN.sequentialConcurrency]) {
    for (const sensibility of ['low', 'medium'] as const) {
      // A fresh client per phase, warmed up by the phase's own warm-up, like BBRE's pools are by theirs.
      const client = RAW_CLIENTS[sensibility](target.url);
      const raw = await measureRaw(ctx, client, concurrency).finally(() => client.close());
      const bbre = await measureBbre(ctx, { baseUrl: server.baseUrl, apiKey, sessionId: sessions[sensibility], sensibility, targetUrl: target.url }, concurrency);
      out.push({ sensibility, rawClient: client.name, concurrency, raw, bbre });
    }
  }
  return out;
}

async function run(target: RunningTarget): Promise<Comparison[]> {
  const database = await freshSqlite();
  try {
    const env = bbreEnv({ BBRE_DATABASE_URL: database.url, BBRE_LOG_LEVEL: 'warn' });
    const server = await startServer(REPO_ROOT, { ...env, BBRE_ALLOW_PRIVATE_TARGETS: 'true', BBRE_MAX_SESSION_TIMEOUT: String(PLAN.sessionTimeoutSecs) });
    try {
      const account = await createUnthrottledAccount(REPO_ROOT, env, 'bench-passive', PLAN.balanceUsd);
      const sessions = {
        low: await createSession(server.baseUrl, account.apiKey, PLAN.sessionTimeoutSecs, { mode: 'passive', sensibility: 'low' }),
        medium: await createSession(server.baseUrl, account.apiKey, PLAN.sessionTimeoutSecs, { mode: 'passive', sensibility: 'medium' }),
      };
      for (const id of Object.values(sessions)) await checkSession(server, account.apiKey, id, target);
      log(`server pid ${server.pid} at ${server.baseUrl}, target pid ${target.pid} at ${target.url}, sessions ${JSON.stringify(sessions)}`);
      const ctx: PhaseContext = {
        log,
        targetPid: target.pid,
        serverPid: server.pid,
        assertAlive: () => {
          server.assertRunning();
          process.kill(target.pid, 0);
        },
      };
      return await compare(ctx, server, account.apiKey, sessions, target);
    } finally {
      await server.stop();
    }
  } finally {
    await database.cleanup();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length > 0) throw new Error(`bench:passive takes no arguments (got ${args.join(' ')})`);
  installSafetyNets(WATCHDOG_MS, log);
  const target = await startTarget(REPO_ROOT);
  let comparisons: Comparison[];
  try {
    comparisons = await run(target);
  } finally {
    await target.stop();
  }
  const section = renderPassiveSection(invocation('bench:passive', 'bench/passive.ts', args), describeMachine(REPO_ROOT), target.bodyBytes, comparisons);
  process.stdout.write(`${SECTION_HEADING}\n\n${section}\n`);
  await upsertSection(join(REPO_ROOT, 'BENCHMARKS.md'), SECTION_HEADING, section);
  log('BENCHMARKS.md updated');
}

runBenchmark(main, log);
