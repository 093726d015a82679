import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { RowReader } from '../queries/hot-query.js';
import { sqliteSyncTransactions, type SyncTransactionRunner } from '../queries/sync-transaction.js';
import type { Database } from '../schema.js';
import { startBackgroundCheckpoints, type Checkpointer } from './sqlite-checkpointer.js';

export interface SqliteHandles {
  db: Kysely<Database>;
  /** Keyed reads on the hot path, on a read-only connection of their own (null for an in-memory database). */
  reader: RowReader | null;
  /** Whole write transactions run synchronously on the writer connection (see sync-transaction.ts). */
  transactSync: SyncTransactionRunner;
  /** Closes the reader and stops the checkpointer (before the writer closes). */
  closeHelpers(): Promise<void>;
}

export interface SqliteOptions {
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
  cachePreparedStatements(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const transactSync = sqliteSyncTransactions(db, sqlite);
  if (file === ':memory:') return { db, reader: null, transactSync, closeHelpers: async () => {} };
  let checkpointer: Checkpointer | undefined;
  if (options.backgroundCheckpointMs !== undefined) checkpointer = startBackgroundCheckpoints(file, sqlite, { intervalMs: options.backgroundCheckpointMs, onLog: options.onLog });
  let readonly: SqliteDatabase.Database | undefined;
  const readers = new Map<string, (parameters: readonly unknown[]) => unknown>();
  const reader: RowReader = (sql, parameters) => {
    // Opened on first use, after migrations. WAL readers see only committed data and never wait for the
    // writer, and skipping Kysely's connection mutex here halves the cost of an authenticated keyed read.
    if (!readonly) {
      readonly = new SqliteDatabase(file, { readonly: true });
      readonly.pragma('busy_timeout = 5000');
    }
    let read = readers.get(sql);
    if (!read) readers.set(sql, (read = firstRowReader(readonly.prepare(sql))));
    try {
      return Promise.resolve(read(parameters));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    db,
    reader,
    transactSync,
    closeHelpers: async () => {
      readonly?.close();
      await checkpointer?.stop();
    },
  };
}

/**
 * Reads a statement's first row in raw mode and builds the row object in JavaScript, with the column names
 * as constant keys: better-sqlite3's own row objects set each property from C++ by name, which costs more
 * than the keyed read itself.
 */
function firstRowReader(stmt: SqliteDatabase.Statement): (parameters: readonly unknown[]) => unknown {
  const columns = stmt.columns().map((c) => c.name);
  const build = new Function('r', `return {${columns.map((name, i) => `${JSON.stringify(name)}: r[${i}]`).join(', ')}};`) as (r: unknown[]) => unknown;
  stmt.raw(true);
  return (parameters) => {
    const row = stmt.get(...parameters) as unknown[] | undefined;
    return row === undefined ? undefined : build(row);
  };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every statement it runs; preparing costs more than running a keyed read. Queries are built
 * from a fixed set of shapes, so their SQL texts repeat: keep the prepared statements. Safe because the
 * driver runs one statement at a time on this single connection.
 */
function cachePreparedStatements(sqlite: SqliteDatabase.Database): void {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size < STATEMENT_CACHE_SIZE) cache.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}
