import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { RowReader } from '../queries/hot-query.js';
import { sqliteSyncTransactions, type SyncTransactionRunner } from '../queries/sync-transaction.js';
import type { Database } from '../schema.js';
import { startBackgroundCheckpoints, type Checkpointer } from './sqlite-checkpointer.js';
import { SnapshotReader } from './sqlite-snapshot-reader.js';

export interface SqliteHandles {
  db: Kysely<Database>;
  /** Keyed reads on the hot path, on a read-only connection of their own that shares snapshots (null for an in-memory database). */
  reader: RowReader | null;
  /** Whole write transactions run synchronously on the writer connection (see sync-transaction.ts). */
  transactSync: SyncTransactionRunner;
  /** Closes the reader and stops the checkpointer (before the writer closes). */
  closeHelpers(): Promise<void>;
}

/** How long the hot-path reader keeps one snapshot: another process's commits show within this time. */
const SNAPSHOT_MAX_AGE_MS = 20;

export interface SqliteOptions {
  /** See sqlite-snapshot-reader.ts. @default 20 */
  snapshotMaxAgeMs?: number;
  /** Checkpoint the WAL from a worker thread at this interval instead of inside commits (sqlite-checkpointer.ts). */
  backgroundCheckpointMs?: number;
  onLog?(event: string, data: Record<string, unknown>): void;
}

/** `sqlite:<path>` (relative to the working directory) or `sqlite::memory:`. */
export function openSqlite(url: string, options: SqliteOptions = {}): SqliteHandles {
  const path = url.slice('sqlite:'.length) || './data/bbre.sqlite';
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets the CLI and the server share the file; busy_timeout makes a writer wait instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // The reader connection opens on its first read, after migrations.
  const snapshots = file === ':memory:' ? undefined : new SnapshotReader(file, options.snapshotMaxAgeMs ?? SNAPSHOT_MAX_AGE_MS);
  // Every statement of the writer goes through `prepare` right before it runs (Kysely's and transactSync's alike).
  cachePreparedStatements(sqlite, () => snapshots?.writerRan());
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const transactSync = sqliteSyncTransactions(db, sqlite);
  if (!snapshots) return { db, reader: null, transactSync, closeHelpers: async () => {} };
  let checkpointer: Checkpointer | undefined;
  if (options.backgroundCheckpointMs !== undefined) checkpointer = startBackgroundCheckpoints(file, sqlite, { intervalMs: options.backgroundCheckpointMs, onLog: options.onLog });
  const reader: RowReader = (sql, parameters) => {
    try {
      return Promise.resolve(snapshots.first(sql, parameters));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    db,
    reader,
    transactSync,
    closeHelpers: async () => {
      snapshots.close();
      await checkpointer?.stop();
    },
  };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every statement it runs; preparing costs more than running a keyed read. Queries are built
 * from a fixed set of shapes, so their SQL texts repeat: keep the prepared statements. Safe because the
 * driver runs one statement at a time on this single connection.
 */
function cachePreparedStatements(sqlite: SqliteDatabase.Database, onPrepare: () => void): void {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    onPrepare();
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size < STATEMENT_CACHE_SIZE) cache.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}
