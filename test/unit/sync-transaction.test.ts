import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openSqlite, type SqliteHandles } from '../../src/storage/dialects/sqlite.dialect.js';

describe('SQLite synchronous transactions with group commit', () => {
  let dir: string | undefined;
  let handles: SqliteHandles | undefined;
  afterEach(async () => {
    await handles?.db.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<SqliteHandles> {
    dir = mkdtempSync(join(tmpdir(), 'bbre-sync-tx-'));
    handles = openSqlite(`sqlite:${join(dir, 't.sqlite')}`);
    await sql`create table items (name text primary key)`.execute(handles.db);
    return handles;
  }

  const names = async (h: SqliteHandles) => (await sql<{ name: string }>`select name from items order by name`.execute(h.db)).rows.map((r) => r.name);

  it('units submitted together commit together, and a unit that throws is undone alone', async () => {
    const h = await open();
    const results = await Promise.allSettled([
      h.transactSync((s) => s.run('insert into items (name) values (?)', 'a')),
      h.transactSync((s) => {
        s.run('insert into items (name) values (?)', 'b');
        throw new Error('unit b fails after its insert');
      }),
      h.transactSync((s) => {
        s.run('insert into items (name) values (?)', 'c');
        return s.get<{ n: number }>('select count(*) as n from items')?.n;
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('unit b fails after its insert');
    // The third unit ran after the second was rolled back to its savepoint: it saw a and c only.
    expect((results[2] as PromiseFulfilledResult<number>).value).toBe(2);
    expect(await names(h)).toEqual(['a', 'c']);
  });

  it('a constraint violation fails only its own unit, and Kysely queries still run between batches', async () => {
    const h = await open();
    await h.transactSync((s) => s.run('insert into items (name) values (?)', 'x'));
    const [dup, ok] = await Promise.allSettled([
      h.transactSync((s) => s.run('insert into items (name) values (?)', 'x')),
      h.transactSync((s) => s.run('insert into items (name) values (?)', 'y')),
    ]);
    expect(dup.status).toBe('rejected');
    expect(String((dup as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(ok.status).toBe('fulfilled');
    await sql`insert into items (name) values ('z')`.execute(h.db);
    expect(await names(h)).toEqual(['x', 'y', 'z']);
  });
});
