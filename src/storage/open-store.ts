import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { openPostgres } from './dialects/postgres.dialect.js';
import { openSqlite } from './dialects/sqlite.dialect.js';
import { buildMigrations, type DialectName } from './migrations/index.js';
import type { Store } from './ports.js';
import { kyselyReader, type RowReader } from './queries/hot-query.js';
import { AccountQueries } from './queries/account.queries.js';
import { BillingQueries } from './queries/billing.queries.js';
import { NodeQueries } from './queries/node.queries.js';
import { SessionQueries } from './queries/session.queries.js';
import { TaskQueries } from './queries/task.queries.js';
import type { Database } from './schema.js';
import type { SyncTransactionRunner } from './queries/sync-transaction.js';

class StaticMigrations implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

export async function migrate(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  // PostgreSQL: name the schema explicitly; otherwise the migrator's table lookup sees BBRE tables of other
  // schemas in the same database and skips creating its own.
  const schema = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  const migrator = new Migrator({
    db,
    provider: new StaticMigrations(buildMigrations(dialect)),
    migrationTableName: 'bbre_migrations',
    migrationLockTableName: 'bbre_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration${failed ? ` ${failed}` : ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

export function dialectOf(url: string): DialectName {
  return url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}

class KyselyStore implements Store {
  readonly accounts: AccountQueries;
  readonly sessions: SessionQueries;
  readonly billing: BillingQueries;
  readonly tasks: TaskQueries;
  readonly nodes: NodeQueries;
  private closing: Promise<void> | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: DialectName,
    reader: RowReader,
    private readonly beforeClose: () => Promise<void> = async () => {},
    nodeId: string | null = null,
    transactSync?: SyncTransactionRunner,
  ) {
    this.accounts = new AccountQueries(db, reader);
    this.sessions = new SessionQueries(db, reader, nodeId);
    this.billing = new BillingQueries(db, nodeId, transactSync);
    this.tasks = new TaskQueries(db);
    this.nodes = new NodeQueries(db, nodeId);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.beforeClose();
      await this.db.destroy();
    })();
    return this.closing;
  }
}

/**
 * Opens the database named by `url`, applies pending migrations and returns the store. `nodeId` names the server
 * the store belongs to: the sessions and tasks it creates are that node's, and start-up recovery touches only those.
 */
export interface OpenStoreOptions {
  poolSize?: number;
  nodeId?: string;
  /** SQLite: checkpoint the WAL from a worker thread at this interval (a long-running server; not the CLI). */
  backgroundCheckpointMs?: number;
  onLog?(event: string, data: Record<string, unknown>): void;
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store & { db: Kysely<Database> }> {
  const dialect = dialectOf(url);
  const sqlite = dialect === 'sqlite' ? openSqlite(url, { backgroundCheckpointMs: options.backgroundCheckpointMs, onLog: options.onLog }) : undefined;
  const postgres = sqlite ? undefined : await openPostgres(url, options.poolSize);
  const db = sqlite ? sqlite.db : postgres!.db;
  try {
    await migrate(db, dialect);
  } catch (err) {
    await sqlite?.closeHelpers();
    await db.destroy();
    throw err;
  }
  return new KyselyStore(db, dialect, sqlite?.reader ?? postgres?.reader ?? kyselyReader(db), async () => sqlite?.closeHelpers(), options.nodeId ?? null, sqlite?.transactSync);
}
