import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Benchmarks only ever talk to this address: nothing leaves the machine. */
export const BENCH_HOST = '127.0.0.1';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** Every child this process started, so a watchdog or a signal can still kill them. */
const liveChildren = new Set<ChildProcess>();

export interface RunningServer {
  readonly baseUrl: string;
  readonly pid: number;
  /** Throws, with the end of the server's output, if the server is no longer running: its numbers would be void. */
  assertRunning(): void;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
}

/** Last-resort cleanup for paths that cannot await (watchdog, signals, process exit). */
export function killAllChildrenNow(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/** Puts another child (a target site, a browser) under the same last-resort cleanup until it exits. */
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Asks the OS for a free port; the tiny window before the server binds it is acceptable for a benchmark. */
export async function findFreePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, BENCH_HOST);
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('could not determine a free port');
  return address.port;
}

/** Keeps only the end of a stream: enough to explain a failed start without buffering a whole run. */
function tailCollector(): { push(chunk: Buffer): void; text(): string } {
  let tail = '';
  return {
    push(chunk) {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    },
    text: () => tail,
  };
}

async function waitUntilHealthy(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet: tsx compiles the sources on start-up.
    }
    await sleep(100);
  }
  throw new Error(`server not healthy after ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    // Unref'd: once the child is gone, the grace timer must not hold this process open.
    const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, undefined, { ref: false }).then(() => false)]);
    if (!graceful) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  liveChildren.delete(child);
}

/**
 * Starts `node bin/bbre.js serve` as a separate process (the load generator must not share its event loop) and
 * resolves once GET /health answers. `env` is the complete BBRE_* configuration of the child.
 */
export async function startServer(repoRoot: string, env: Record<string, string>): Promise<RunningServer> {
  const port = await findFreePort();
  const baseUrl = `http://${BENCH_HOST}:${port}`;
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server under a benchmark's load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'bin/bbre.js', 'serve'], {
    cwd: repoRoot,
    env: { ...env, BBRE_HOST: BENCH_HOST, BBRE_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Drained continuously so a chatty server can never block on a full pipe.
  const output = tailCollector();
  child.stdout.on('data', output.push);
  child.stderr.on('data', output.push);
  // Without a listener an 'error' (failed spawn or kill) would crash the benchmark instead of being reported.
  child.on('error', (err) => output.push(Buffer.from(`\n[child process error] ${err.message}\n`)));
  if (child.pid === undefined) throw new Error('could not spawn the server process');
  const pid = child.pid;
  liveChildren.add(child);

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopChild(child));
  const assertRunning = () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      // bbre exits 0 only from its SIGTERM/SIGINT handler: then another program stopped it, it did not crash.
      const hint = child.exitCode === 0 ? ' - a clean exit: something else sent it SIGTERM or SIGINT' : '';
      throw new Error(`server exited unexpectedly (code ${child.exitCode}, signal ${child.signalCode}${hint}); its last output:\n${output.text()}`);
    }
  };
  try {
    await waitUntilHealthy(baseUrl, child, output.text);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, pid, assertRunning, stop };
}
