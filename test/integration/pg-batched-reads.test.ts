import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchingReader } from '../../src/storage/dialects/postgres.dialect.js';
import type { RowReader } from '../../src/storage/queries/hot-query.js';
import { BACKENDS, PG_URL } from '../support/backends.js';

const BY_ID_AND_OWNER = 'select "id", "owner", "n" from "items" where "id" = $1 and "owner" = $2';

/**
 * PostgreSQL keyed reads made together go out as one query (postgres.dialect.ts, batchingReader). Each caller
 * must get the row of its own arguments, never a neighbour's, and exactly what the plain statement would give.
 */
describe.skipIf(!BACKENDS.includes('postgres'))('PostgreSQL batched keyed reads', () => {
  const schema = `bbre_t_${randomBytes(6).toString('hex')}`;
  let pool: pg.Pool;
  let read: RowReader;
  let checkouts = 0;
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    pool = new pg.Pool({ connectionString: PG_URL, max: 4, options: `-c search_path="${schema}"` });
    pool.on('acquire', () => checkouts++);
    await pool.query('create table items (id text primary key, owner text not null, n integer not null)');
    await pool.query(`insert into items values ('a', 'alice', 1), ('b', 'bob', 2), ('c', 'alice', 3)`);
    read = batchingReader(pool);
  });
  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });

  it('reads made together share one round trip, and each gets its own row or none', async () => {
    const asks: Array<[string, string, unknown]> = [
      ['a', 'alice', { id: 'a', owner: 'alice', n: 1 }],
      ['b', 'bob', { id: 'b', owner: 'bob', n: 2 }],
      // Another owner's row is not found, exactly as with the plain statement.
      ['b', 'alice', undefined],
      ['missing', 'alice', undefined],
      ['c', 'alice', { id: 'c', owner: 'alice', n: 3 }],
      ['a', 'alice', { id: 'a', owner: 'alice', n: 1 }],
      ['c', 'bob', undefined],
    ];
    const before = checkouts;
    const rows = await Promise.all(asks.map(([id, owner]) => read(BY_ID_AND_OWNER, [id, owner])));
    expect(rows).toEqual(asks.map(([, , expected]) => expected));
    expect(checkouts - before).toBe(1);
    // And the same answers one at a time.
    for (const [id, owner, expected] of asks) expect(await read(BY_ID_AND_OWNER, [id, owner])).toEqual(expected);
  });

  it('a call with an argument other than a string runs alone; the others still share one query', async () => {
    const before = checkouts;
    const rows = await Promise.all([read(BY_ID_AND_OWNER, ['a', 'alice']), read('select "id" from "items" where "n" = $1', [2]), read(BY_ID_AND_OWNER, ['c', 'alice'])]);
    expect(rows).toEqual([{ id: 'a', owner: 'alice', n: 1 }, { id: 'b' }, { id: 'c', owner: 'alice', n: 3 }]);
    expect(checkouts - before).toBe(2);
  });

  it('different statements batch separately; a failing statement fails only its own callers', async () => {
    const bad = 'select "id", "nope" from "items" where "id" = $1';
    const results = await Promise.allSettled([read(bad, ['a']), read(bad, ['b']), read('select "n" from "items" where "id" = $1', ['c']), read('select "n" from "items" where "id" = $1', ['a'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(results.slice(2).map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual([{ n: 3 }, { n: 1 }]);
  });
});
