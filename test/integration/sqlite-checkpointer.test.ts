import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackgroundCheckpoints } from '../../src/storage/dialects/sqlite-checkpointer.js';
import { until } from '../support/processes.js';

/** A WAL database with a table, and enough committed rows (about 2 MB) that only a checkpoint puts into the file. */
function walDatabase(dir: string): { file: string; writer: SqliteDatabase.Database; fill(): void } {
  const file = join(dir, 'db.sqlite');
  const writer = new SqliteDatabase(file);
  writer.pragma('journal_mode = WAL');
  writer.exec('create table blobs (id integer primary key, body text not null)');
  const insert = writer.prepare('insert into blobs (body) values (?)');
  const fill = writer.transaction(() => {
    for (let i = 0; i < 500; i++) insert.run('x'.repeat(4000));
  });
  return { file, writer, fill };
}

describe('SQLite background checkpoints', () => {
  let dir: string;
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the writer never checkpoints; the checkpointer thread copies the WAL into the database file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bbre-ckpt-'));
    const { file, writer, fill } = walDatabase(dir);
    cleanups.push(() => writer.close());
    const checkpointer = startBackgroundCheckpoints(file, writer, { intervalMs: 50 });
    cleanups.push(() => checkpointer.stop());
    expect(writer.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(file).size;
    fill();
    // Committed, but still only in the WAL: the writer does not checkpoint any more.
    expect(statSync(file).size).toBe(before);
    await until(() => (statSync(file).size > 1_000_000 ? true : undefined), 'the database file holds the committed pages');
    await checkpointer.stop();
    expect(writer.prepare('select count(*) as n from blobs').get()).toEqual({ n: 500 });
  });

  it('without it, a writer with automatic checkpoints off leaves the pages in the WAL (the control)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bbre-ckpt-'));
    const { file, writer, fill } = walDatabase(dir);
    cleanups.push(() => writer.close());
    writer.pragma('wal_autocheckpoint = 0');
    const before = statSync(file).size;
    fill();
    await new Promise((r) => setTimeout(r, 300));
    expect(statSync(file).size).toBe(before);
  });

  it('a checkpointer thread that stops hands checkpoints back to the writer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bbre-ckpt-'));
    const { writer } = walDatabase(dir);
    cleanups.push(() => writer.close());
    const events: string[] = [];
    // A directory is no database: the thread fails at once.
    const checkpointer = startBackgroundCheckpoints(dir, writer, { intervalMs: 50, onLog: (event) => events.push(event) });
    cleanups.push(() => checkpointer.stop());
    await until(() => (events.includes('checkpointer_stopped') ? true : undefined), 'the thread ended');
    expect(writer.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
