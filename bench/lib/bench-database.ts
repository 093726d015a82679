import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Local PostgreSQL only; each run gets its own schema, dropped afterwards, so runs never see each other's rows. */
const POSTGRES_BASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  /** Short label for tables: "SQLite" or "PostgreSQL". */
  readonly label: string;
  /** What exactly was measured against, for the report. */
  readonly description: string;
  /** BBRE_DATABASE_URL for the server and the CLI. */
  readonly url: string;
  /** Command name of the database's own processes, when it is not inside the server process. */
  readonly processCommand?: string;
  /** Removes everything the run created. Idempotent. */
  cleanup(): Promise<void>;
}

/** A fresh SQLite file in its own temporary directory (the server creates and migrates it). */
export async function freshSqlite(): Promise<BenchDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'bbre-bench-'));
  return {
    label: 'SQLite',
    description: 'SQLite (better-sqlite3, WAL, synchronous=NORMAL), fresh file in a temporary directory',
    url: `sqlite:${join(dir, 'bbre.sqlite')}`,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function withPostgres<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_BASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A random schema on the local PostgreSQL; BBRE creates it from `?schema=` on start-up. Connecting here first
 * also fails fast, before any server is started, when PostgreSQL is not reachable.
 */
export async function freshPostgresSchema(): Promise<BenchDatabase> {
  const schema = `bbre_bench_${randomBytes(6).toString('hex')}`;
  const version = await withPostgres(async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown');
  let dropped: Promise<void> | undefined;
  return {
    label: 'PostgreSQL',
    description: `PostgreSQL ${version} on 127.0.0.1 (same machine), fresh schema, BBRE pool of 10 connections`,
    url: `${POSTGRES_BASE_URL}?schema=${schema}`,
    processCommand: 'postgres',
    cleanup: () =>
      (dropped ??= withPostgres(async (c) => {
        // The name is generated above (hex only), so quoting it is safe.
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      })),
  };
}
