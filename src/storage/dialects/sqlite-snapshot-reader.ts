import SqliteDatabase from 'better-sqlite3';

/**
 * Keyed reads on a read-only connection of their own, inside one read transaction (a WAL snapshot) that many
 * reads share. Each read on its own would start and end a read transaction: two fcntl calls on the WAL index and
 * a statement reset that ends the transaction, together more than the B-tree lookup itself.
 *
 * A snapshot is ended, and a later read starts a fresh one:
 * - after any statement of this process's writer connection (`writerRan`): a read that follows a write in program
 *   order always sees it, whether the write committed alone or inside a transaction (its COMMIT is a statement too).
 *   That read runs on its own; the snapshot starts with the read after it, if no write came in between;
 * - `maxAgeMs` after it began, so that another process's commits (the operator CLI) show within that time, and an
 *   idle server never holds an old snapshot that keeps the checkpointer from recycling the WAL.
 */
export class SnapshotReader {
  private db: SqliteDatabase.Database | undefined;
  private begin: SqliteDatabase.Statement | undefined;
  private commit: SqliteDatabase.Statement | undefined;
  private readonly readers = new Map<string, (parameters: readonly unknown[]) => unknown>();
  private inSnapshot = false;
  private stale = true;
  private snapshotStartedAt = 0;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly maxAgeMs: number,
  ) {}

  /** The writer connection ran a statement: the next read leaves the current snapshot and sees it. */
  writerRan(): void {
    this.stale = true;
  }

  /** The first row of `sql` with `parameters`, or undefined. */
  first(sql: string, parameters: readonly unknown[]): unknown {
    const db = this.open();
    let read = this.readers.get(sql);
    if (!read) this.readers.set(sql, (read = firstRowReader(db.prepare(sql))));
    if (this.stale) {
      // A write came in between: this read runs on its own, and a snapshot starts only when reads follow each
      // other without writes (a snapshot per read would cost its BEGIN and COMMIT on top of the read).
      this.end();
      this.stale = false;
    } else if (!this.inSnapshot || performance.now() - this.snapshotStartedAt >= this.maxAgeMs) {
      this.renew();
    }
    try {
      return read(parameters);
    } catch (err) {
      // Whatever failed (a busy WAL, a vanished file), the next read starts from scratch.
      this.end();
      throw err;
    }
  }

  close(): void {
    this.end();
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = undefined;
    this.db?.close();
    this.db = undefined;
  }

  /** Opened on first use, after migrations. WAL readers see only committed data and never wait for the writer. */
  private open(): SqliteDatabase.Database {
    if (!this.db) {
      this.db = new SqliteDatabase(this.file, { readonly: true });
      this.db.pragma('busy_timeout = 5000');
      this.begin = this.db.prepare('BEGIN');
      this.commit = this.db.prepare('COMMIT');
    }
    return this.db;
  }

  /** Ends the current snapshot and begins the next one (SQLite takes it at the first read). */
  private renew(): void {
    this.end();
    this.begin!.run();
    this.inSnapshot = true;
    this.snapshotStartedAt = performance.now();
    if (!this.expiry) this.armExpiry(this.maxAgeMs);
  }

  /** One timer at a time, not one per snapshot: it ends a snapshot that has reached its age, or waits for it to. */
  private armExpiry(delayMs: number): void {
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      if (!this.inSnapshot) return;
      const age = performance.now() - this.snapshotStartedAt;
      if (age >= this.maxAgeMs) this.end();
      else this.armExpiry(this.maxAgeMs - age);
    }, delayMs);
    this.expiry.unref();
  }

  private end(): void {
    if (!this.inSnapshot) return;
    this.inSnapshot = false;
    if (this.db?.inTransaction) this.commit!.run();
  }
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
