import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';

/** Statements of one synchronous transaction: positional `?` parameters, rows as plain objects. */
export interface SyncStatements {
  get<Row>(sql: string, ...parameters: unknown[]): Row | undefined;
  run(sql: string, ...parameters: unknown[]): void;
}

/**
 * Runs a whole write transaction in one synchronous step (SQLite: BEGIN IMMEDIATE, statements, COMMIT, or
 * ROLLBACK when `work` throws). The hot write paths use it instead of a Kysely transaction, whose every
 * statement is built, compiled and awaited in turn: on SQLite the work is synchronous anyway, and the awaits
 * between statements cost more than the statements.
 */
export type SyncTransactionRunner = <T>(work: (s: SyncStatements) => T) => Promise<T>;

/**
 * The runner for one better-sqlite3 handle that Kysely also drives. It holds Kysely's connection for the
 * duration, so no Kysely query or transaction can interleave with it on the shared handle.
 */
export function sqliteSyncTransactions(db: Kysely<any>, sqlite: SqliteDatabase.Database): SyncTransactionRunner {
  const statements: SyncStatements = {
    get: <Row>(sql: string, ...parameters: unknown[]) => sqlite.prepare(sql).get(...parameters) as Row | undefined,
    run: (sql: string, ...parameters: unknown[]) => void sqlite.prepare(sql).run(...parameters),
  };
  const transaction = sqlite.transaction((work: (s: SyncStatements) => unknown) => work(statements));
  return <T>(work: (s: SyncStatements) => T) => db.connection().execute(async () => transaction.immediate(work) as T);
}
