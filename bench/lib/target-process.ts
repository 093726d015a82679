import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_HOST, trackChild } from './server-process.js';

const TARGET_SCRIPT = fileURLToPath(new URL('./html-target.ts', import.meta.url));
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export interface RunningTarget {
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly pid: number;
  readonly bodyBytes: number;
  stop(): Promise<void>;
}

/** Starts bench/lib/html-target.ts in its own Node process and resolves once it printed its port. */
export async function startTarget(repoRoot: string): Promise<RunningTarget> {
  const child = spawn(process.execPath, ['--import', 'tsx', TARGET_SCRIPT], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not spawn the target process');
  trackChild(child);
  const pid = child.pid;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2_000)));
  child.on('error', (err) => (stderr += `\n[child process error] ${err.message}`));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin.end();
    const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, undefined, { ref: false }).then(() => false)]);
    if (!graceful) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const ready = new Promise<{ port: number; bodyBytes: number }>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        try {
          resolve(JSON.parse(line) as { port: number; bodyBytes: number });
        } catch {
          reject(new Error(`target printed ${line}`));
        }
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`target exited during start-up (code ${code}, signal ${signal}): ${stderr}`)));
  });
  try {
    const { port, bodyBytes } = await Promise.race([
      ready,
      sleep(READY_TIMEOUT_MS, undefined, { ref: false }).then(() => {
        throw new Error(`target not listening after ${READY_TIMEOUT_MS} ms: ${stderr}`);
      }),
    ]);
    return { url: `http://${BENCH_HOST}:${port}/`, pid, bodyBytes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
