import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { startServer } from '../support/app.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/bbre.js', import.meta.url));

async function bbre(db: TestDatabase, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, BBRE_DATABASE_URL: db.url }, timeout: 30_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** Polls `read` until it returns `want` (or, without `want`, anything truthy) or 5 s pass; returns the last value. */
async function eventually<T>(read: () => Promise<T>, want?: T): Promise<T> {
  const deadline = Date.now() + 5000;
  let value = await read();
  while (Date.now() < deadline && (want === undefined ? !value : value !== want)) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describe.each(BACKENDS)('operator CLI (%s)', (backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
  });
  afterAll(() => db?.drop());

  it('creates an account whose key works against a server on the same database', async () => {
    const created = await bbre(db, 'account', 'create', '--name', 'acme', '--email', 'ops@acme.test', '--balance', '2.5', '--json');
    expect(created.code).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out.account).toMatchObject({ username: 'acme', email: 'ops@acme.test', status: 'active', balance: 2.5 });
    expect(out.account.id).toMatch(/^acc_[A-Za-z0-9]+$/);
    expect(out.apiKey).toMatch(/^bbre_[A-Za-z0-9]{36}$/);
    const accountId = out.account.id as string;

    const credit = await bbre(db, 'account', 'credit', accountId, '1.25', '--note', 'top-up', '--json');
    expect(JSON.parse(credit.stdout).entry).toMatchObject({ kind: 'credit', amount: 1.25, balanceAfter: 3.75, note: 'top-up' });
    const below = await bbre(db, 'account', 'credit', accountId, '-100');
    expect(below.code).not.toBe(0);
    expect(below.stderr).toContain('INVALID_REQUEST');

    const list = JSON.parse((await bbre(db, 'account', 'list', '--json')).stdout);
    expect(list.accounts.map((a: { id: string }) => a.id)).toContain(accountId);

    const key2 = JSON.parse((await bbre(db, 'key', 'create', accountId, '--json')).stdout);
    expect(key2.apiKey).toMatch(/^bbre_/);
    const keys = JSON.parse((await bbre(db, 'key', 'list', accountId, '--json')).stdout).keys;
    expect(keys).toHaveLength(2);
    expect(JSON.stringify(keys)).not.toContain(out.apiKey);

    const server = await startServer(backend, { db });
    try {
      const balance = await server.call('/account/balance', {}, out.apiKey);
      expect(balance.body.balance).toBe(3.75);
      const revoke = await bbre(db, 'key', 'revoke', out.apiKey.slice(0, 12), '--json');
      expect(revoke.code).toBe(0);
      // Another process changed the key: the server sees it within its auth cache TTL (1 s by default).
      expect(await eventually(async () => (await server.call('/account/balance', {}, out.apiKey)).body.error?.code)).toBe('INVALID_API_KEY');
      expect((await server.call('/account/balance', {}, key2.apiKey)).status).toBe(200);
      const suspend = await bbre(db, 'account', 'suspend', accountId);
      expect(suspend.code).toBe(0);
      expect(await eventually(async () => (await server.call('/account/balance', {}, key2.apiKey)).body.error?.code)).toBe('ACCOUNT_SUSPENDED');
      await bbre(db, 'account', 'activate', accountId);
      expect(await eventually(async () => (await server.call('/account/balance', {}, key2.apiKey)).status, 200)).toBe(200);
      const limits = JSON.parse((await bbre(db, 'account', 'limits', accountId, '--max-sessions', '1', '--json')).stdout);
      expect(limits.account.limits.maxSessions).toBe(1);
      await eventually(async () => (await server.app.accounts.authenticate(key2.apiKey)).account.maxSessions, 1);
      expect((await server.call('/session/create', {}, key2.apiKey)).status).toBe(200);
      expect((await server.call('/session/create', {}, key2.apiKey)).body.error.code).toBe('SESSION_LIMIT_REACHED');
      const ledger = JSON.parse((await bbre(db, 'account', 'ledger', accountId, '--json')).stdout);
      expect(ledger.entries.map((e: { kind: string }) => e.kind)).toEqual(['charge', 'credit', 'credit']);
    } finally {
      await server.close(true);
    }
  });

  it('reports unknown accounts and bad configuration with a non-zero exit', async () => {
    const missing = await bbre(db, 'account', 'show', 'acc_nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ACCOUNT_NOT_FOUND');
    const { stderr, code } = await run(process.execPath, [BIN, 'account', 'list'], { env: { ...process.env, BBRE_DATABASE_URL: 'mysql://x', BBRE_PORT: 'abc' } }).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stderr: string; code: number }) => e,
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain('BBRE_DATABASE_URL');
    expect(stderr).toContain('BBRE_PORT');
  });
});
