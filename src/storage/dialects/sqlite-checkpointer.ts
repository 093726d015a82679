import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** SQLite's own threshold, restored on the writer if the checkpointer thread stops. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** After a burst, a WAL larger than this is truncated back once it has been checkpointed. */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** How long `stop` waits for the last checkpoint before ending the thread anyway. */
const STOP_TIMEOUT_MS = 5000;

export interface Checkpointer {
  /** Runs a last checkpoint and ends the thread. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the writer. By default SQLite checkpoints inside the COMMIT that takes the WAL past
 * 1,000 pages: that request then copies the pages into the database file and syncs it, on the event loop, while
 * every other request waits. Here the writer never checkpoints; a worker thread with its own connection runs a
 * PASSIVE checkpoint every `intervalMs`. If that thread ever stops, the writer checkpoints by itself again.
 */
export function startBackgroundCheckpoints(
  file: string,
  writer: SqliteDatabase.Database,
  options: { intervalMs: number; onLog?(event: string, data: Record<string, unknown>): void },
): Checkpointer {
  writer.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
  writer.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(new URL('./sqlite-checkpoint.worker.mjs', import.meta.url), { workerData: { file, intervalMs: options.intervalMs }, name: 'bbre-checkpoint' });
  // It must not keep a process alive that has nothing else to do (stop() ends it on a graceful close).
  worker.unref();
  let stopping = false;
  worker.on('message', (message: { kind: string; message?: string }) => {
    if (message.kind === 'error') options.onLog?.('checkpoint_failed', { err: message.message });
  });
  worker.on('error', (err) => options.onLog?.('checkpointer_failed', { err: err.message }));
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      if (!stopping) {
        options.onLog?.('checkpointer_stopped', { code });
        if (writer.open) writer.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      }
      resolve();
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        worker.postMessage('stop');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, STOP_TIMEOUT_MS);
        });
        await Promise.race([exited, timeout]);
        clearTimeout(timer);
        await worker.terminate();
      })()),
  };
}
