import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_URL } from '../../support/backends.js';

export type LoadBackend = 'sqlite' | 'postgres';

export interface LoadDatabase {
  backend: LoadBackend;
  url: string;
  description: string;
  /** Removes the file or the schema. Idempotent. */
  drop(): Promise<void>;
}

/**
 * A fresh SQLite file in a temp dir, or a fresh schema `bbre_load_<random>` on the local PostgreSQL (or on the
 * server at `postgresUrl`, e.g. a private cluster the run may stop and start).
 */
export async function createLoadDatabase(backend: LoadBackend, postgresUrl: string = PG_URL): Promise<LoadDatabase> {
  if (backend === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'bbre-load-'));
    let dropped: Promise<void> | undefined;
    return { backend, url: `sqlite:${join(dir, 'bbre.sqlite')}`, description: 'SQLite (WAL), fresh file', drop: () => (dropped ??= rm(dir, { recursive: true, force: true })) };
  }
  const schema = `bbre_load_${randomBytes(6).toString('hex')}`;
  const version = await withPostgres(postgresUrl, async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown');
  const url = new URL(postgresUrl);
  url.searchParams.set('schema', schema);
  let dropped: Promise<void> | undefined;
  return {
    backend,
    url: url.toString(),
    description: `PostgreSQL ${version} on 127.0.0.1${postgresUrl === PG_URL ? '' : ` (private cluster, port ${url.port})`}, fresh schema ${schema}`,
    // The name is generated above (hex only), so quoting it is safe.
    drop: () => (dropped ??= withPostgres(postgresUrl, async (c) => void (await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)))),
  };
}

async function withPostgres<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
