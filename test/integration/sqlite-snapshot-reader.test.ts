import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteHandles } from '../../src/storage/dialects/sqlite.dialect.js';

const READ = 'select value from items where id = ?';

/**
 * The hot-path reader shares one WAL snapshot between reads (sqlite-snapshot-reader.ts). What it must never do:
 * miss a write this process made before the read; what it may do: see another process's commit up to its
 * maximum snapshot age late.
 */
describe('SQLite hot-path reader snapshots', () => {
  let dir: string;
  const opened: SqliteHandles[] = [];
  const others: SqliteDatabase.Database[] = [];
  afterEach(async () => {
    for (const o of others.splice(0)) o.close();
    for (const h of opened.splice(0)) {
      await h.closeHelpers();
      await h.db.destroy();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(snapshotMaxAgeMs: number) {
    dir = mkdtempSync(join(tmpdir(), 'bbre-snap-'));
    const file = join(dir, 'db.sqlite');
    const h = openSqlite(`sqlite:${file}`, { snapshotMaxAgeMs });
    opened.push(h);
    await sql`create table items (id text primary key, value integer not null)`.execute(h.db);
    await sql`insert into items (id, value) values ('a', 1)`.execute(h.db);
    const read = async () => ((await h.reader!(READ, ['a'])) as { value: number } | undefined)?.value;
    return { h, file, read };
  }

  /** A reader holding a snapshot (the first read after the writer's statements runs on its own, the next one starts it) and another process's connection. */
  async function snapshotAndOtherProcess(snapshotMaxAgeMs: number) {
    const { file, read } = await open(snapshotMaxAgeMs);
    expect(await read()).toBe(1);
    expect(await read()).toBe(1);
    const other = new SqliteDatabase(file);
    others.push(other);
    return { read, other };
  }

  it("sees every write of this process's writer at once: single statements, sync transactions, Kysely transactions", async () => {
    // A snapshot that would otherwise last the whole test: only the writer's statements can renew it.
    const { h, read } = await open(60_000);
    expect(await read()).toBe(1);
    await sql`update items set value = 2 where id = 'a'`.execute(h.db);
    expect(await read()).toBe(2);
    await h.transactSync((s) => s.run("update items set value = 3 where id = 'a'"));
    expect(await read()).toBe(3);
    await h.db.transaction().execute(async (trx) => {
      await sql`update items set value = 4 where id = 'a'`.execute(trx);
      // Not committed yet: a read in between sees the committed value.
      expect(await read()).toBe(3);
    });
    expect(await read()).toBe(4);
    await expect(
      h.db.transaction().execute(async (trx) => {
        await sql`update items set value = 5 where id = 'a'`.execute(trx);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await read()).toBe(4);
  });

  it("reads in a row share a snapshot: another process's commit shows once it is older than its maximum age", async () => {
    const { read, other } = await snapshotAndOtherProcess(400);
    other.prepare("update items set value = 7 where id = 'a'").run();
    expect(await read()).toBe(1);
    await sleep(500);
    expect(await read()).toBe(7);
  });

  it('an idle reader lets go of its snapshot: a checkpoint can then recycle the whole WAL', async () => {
    const { read, other } = await snapshotAndOtherProcess(50);
    for (let i = 0; i < 50; i++) other.prepare('insert into items (id, value) values (?, ?)').run(`k${i}`, i);
    await sleep(200);
    // TRUNCATE fails with busy (1) while a reader still holds an older snapshot.
    const [result] = other.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    expect(result).toEqual({ busy: 0, log: 0, checkpointed: 0 });
    expect(await read()).toBe(1);
  });
});
