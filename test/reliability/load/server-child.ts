import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackChild } from '../../../bench/lib/server-process.js';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 20_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** A log line of the server at warn level or above (pino JSON). */
export interface ServerLogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export interface ServerChildOptions {
  repoRoot: string;
  /** The complete environment of the child (see bench/lib/child-env.ts). */
  env: Record<string, string>;
  host: string;
  port: number;
  /** Lowers the server's scheduling priority (nice value), so a long run yields to other work on the machine. */
  niceness?: number;
}

/**
 * `node bin/bbre.js serve` as a child process on a fixed loopback port, so that a restart after `kill -9`
 * comes back at the same address and the clients carry on. Its log lines (warn and above) are kept.
 */
export class ServerChild {
  readonly logs: ServerLogLine[] = [];
  private tail = '';
  private partial = '';
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(options: ServerChildOptions): Promise<ServerChild> {
    const child = spawn(process.execPath, ['bin/bbre.js', 'serve'], {
      cwd: options.repoRoot,
      env: { ...options.env, BBRE_HOST: options.host, BBRE_PORT: String(options.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error('could not spawn the server process');
    trackChild(child);
    if (options.niceness) setPriority(child.pid, options.niceness);
    const server = new ServerChild(child, `http://${options.host}:${options.port}`);
    child.stdout!.on('data', (chunk: Buffer) => server.collect(chunk));
    child.stderr!.on('data', (chunk: Buffer) => server.collect(chunk));
    child.on('error', (err) => server.collect(Buffer.from(`\n[child process error] ${err.message}\n`)));
    try {
      await server.waitUntilHealthy();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** True while the process runs. */
  isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  outputTail(): string {
    return this.tail;
  }

  /** `kill -9`: no drain, no shutdown hook, whatever was in flight is cut. Resolves once the process is gone. */
  async killHard(): Promise<void> {
    if (!this.isRunning()) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (the graceful path), SIGKILL after a grace period. Resolves with how it ended. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.isRunning()) return;
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })]);
      if (!graceful) {
        this.child.kill('SIGKILL');
        await exited;
      }
    })();
    return this.stopping;
  }

  /** Exit code and signal once stopped (exit code 0 = a clean graceful shutdown). */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } {
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  private collect(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.tail = (this.tail + text).slice(-OUTPUT_TAIL_CHARS);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line) as ServerLogLine;
        if (typeof parsed.level === 'number' && parsed.level >= 40) this.logs.push(parsed);
      } catch {
        // Not a log line.
      }
    }
  }

  private async waitUntilHealthy(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.isRunning()) throw new Error(`server exited during start-up (${JSON.stringify(this.exitStatus())}):\n${this.tail}`);
      try {
        const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // Not listening yet: tsx compiles the sources on start-up.
      }
      await sleep(100);
    }
    throw new Error(`server not healthy after ${READY_TIMEOUT_MS} ms:\n${this.tail}`);
  }
}
