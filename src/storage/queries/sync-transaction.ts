import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';

/** Statements of one synchronous transaction: positional `?` parameters, rows as plain objects. */
export interface SyncStatements {
  get<Row>(sql: string, ...parameters: unknown[]): Row | undefined;
  run(sql: string, ...parameters: unknown[]): void;
}

/**
 * Runs a unit of write work synchronously inside a transaction (SQLite). The hot write paths use it instead of a
 * Kysely transaction, whose every statement is built, compiled and awaited in turn: on SQLite the work is
 * synchronous anyway, and the awaits between statements cost more than the statements. The promise settles
 * once the unit is committed, or with the error that undid it.
 */
export type SyncTransactionRunner = <T>(work: (s: SyncStatements) => T) => Promise<T>;

interface Pending {
  work: (s: SyncStatements) => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * The runner for one better-sqlite3 handle that Kysely also drives, with group commit: the units submitted
 * during one turn of the event loop run in one BEGIN IMMEDIATE … COMMIT, each in its own savepoint, so a unit
 * that throws is undone alone and the others still commit. With many requests in flight a COMMIT (writing the
 * changed pages to the WAL) is paid once per batch instead of once per unit, and the pages they share (the
 * account, the session, the newest task and ledger pages) are written once. Each batch holds Kysely's
 * connection, so no Kysely query or transaction interleaves with it on the shared handle.
 */
export function sqliteSyncTransactions(db: Kysely<any>, sqlite: SqliteDatabase.Database): SyncTransactionRunner {
  const statements: SyncStatements = {
    get: <Row>(sql: string, ...parameters: unknown[]) => sqlite.prepare(sql).get(...parameters) as Row | undefined,
    run: (sql: string, ...parameters: unknown[]) => void sqlite.prepare(sql).run(...parameters),
  };
  // Called inside `batch`, a better-sqlite3 transaction function becomes a savepoint.
  const unit = sqlite.transaction((work: (s: SyncStatements) => unknown) => work(statements));
  const batch = sqlite.transaction((items: Pending[]): Outcome[] =>
    items.map((item) => {
      try {
        return { ok: true, value: unit(item.work) };
      } catch (err) {
        // An error that ended the whole transaction (I/O, disk full) fails the batch: nothing of it commits.
        if (!sqlite.inTransaction) throw err;
        return { ok: false, err };
      }
    }),
  );

  let queue: Pending[] = [];
  const flush = (): void => {
    const items = queue;
    queue = [];
    db.connection()
      .execute(async () => batch.immediate(items))
      .then(
        (outcomes) => outcomes.forEach((o, i) => (o.ok ? items[i]!.resolve(o.value) : items[i]!.reject(o.err))),
        (err: unknown) => items.forEach((item) => item.reject(err)),
      );
  };
  return <T>(work: (s: SyncStatements) => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.push({ work, resolve: resolve as (v: unknown) => void, reject }) === 1) setImmediate(flush);
    });
}
