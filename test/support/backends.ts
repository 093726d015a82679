import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type Backend = 'sqlite' | 'postgres';

/** PostgreSQL of this machine (trust auth, database `test`); BBRE_TEST_PG_URL overrides. */
export const PG_URL = process.env.BBRE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Both backends unless BBRE_TEST_BACKENDS narrows them (e.g. "sqlite"). */
export const BACKENDS: Backend[] = (process.env.BBRE_TEST_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim()) as Backend[];

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A real SQLite file in a temp dir, or a fresh PostgreSQL schema; `drop` removes it. */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bbre-test-'));
    return { url: `sqlite:${join(dir, 'bbre.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `bbre_t_${randomBytes(6).toString('hex')}`;
  const base = new URL(PG_URL);
  base.searchParams.set('schema', schema);
  return {
    url: base.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
