import { killAllChildrenNow } from './server-process.js';

/**
 * Children must not outlive a benchmark, whatever way it ends: a watchdog bounds the whole run, and signals and
 * exit kill every tracked child (server, target, browser).
 */
export function installSafetyNets(watchdogMs: number, log: (message: string) => void): void {
  const watchdog = setTimeout(() => {
    log(`watchdog: no result after ${watchdogMs / 1000} s, killing the child processes and exiting`);
    killAllChildrenNow();
    process.exit(1);
  }, watchdogMs);
  // The watchdog bounds the run; it must not be what keeps a finished run alive.
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllChildrenNow();
      process.exit(130);
    });
  }
  process.on('exit', killAllChildrenNow);
}

/** The command as the operator typed it, so a section says exactly how to reproduce it. */
export function invocation(script: string, file: string, args: string[]): string {
  const suffix = args.length > 0 ? ` ${args.join(' ')}` : '';
  return process.env.npm_lifecycle_event === script ? `npm run ${script}${suffix ? ` --${suffix}` : ''}` : `npx tsx ${file}${suffix}`;
}

/**
 * Runs a benchmark's main and exits explicitly: a lingering keep-alive socket (or impit's runtime) must not keep
 * a finished benchmark running, and a failure ends the run with its stack and a non-zero code.
 */
export function runBenchmark(main: () => Promise<void>, log: (message: string) => void): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
