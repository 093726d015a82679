import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../schema.js';

/** `sqlite:<path>` (relative to the working directory) or `sqlite::memory:`. */
export function openSqlite(url: string): Kysely<Database> {
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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
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
