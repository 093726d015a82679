// The SQLite checkpointer thread (see sqlite-checkpointer.ts): its own connection to the database file, copying
// committed WAL pages back into the file at a steady pace, so no request ever waits for that I/O.
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

const { file, intervalMs } = workerData;
const db = new SqliteDatabase(file);

const checkpoint = () => {
  try {
    // PASSIVE: copies what no reader still needs, never waits for a lock and never blocks a writer.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};

const timer = setInterval(checkpoint, intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
