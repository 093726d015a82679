import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { BACKENDS, PG_URL } from '../support/backends.js';
import { ledgerInvariants } from '../support/ledger.js';

/**
 * A PostgreSQL outage without stopping the machine's shared server: the test's own database stops accepting
 * connections and its sessions are terminated, then it accepts them again. The data survives, as after a restart.
 */
async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!BACKENDS.includes('postgres'))('PostgreSQL outage (postgres)', () => {
  const name = `bbre_outage_${randomBytes(5).toString('hex')}`;
  let s: TestServer;
  beforeAll(async () => {
    await admin((c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    s = await startServer('postgres', { db: { url: url.toString(), drop: async () => undefined } });
  });
  afterAll(async () => {
    await s?.close();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it('answers 503 with Retry-After while the database is down, goes not ready, and serves everything again after, nothing lost', async () => {
    const { id, key } = await s.account(1);
    const sessionId = (await s.call('/session/create', {}, key)).body.session.id;
    expect((await s.call('/account/balance', {}, key)).body.balance).toBe(0.998);

    await admin(async (c) => {
      await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    });
    try {
      for (const [path, body] of [
        ['/session/status', { sessionId }],
        ['/session/create', {}],
        ['/account/balance', {}],
        ['/account/history', {}],
      ] as const) {
        const res = await s.call(path, body, key);
        expectEnvelopeError(res, 503, 'SERVICE_UNAVAILABLE');
        expect(res.headers.get('retry-after')).toBeTruthy();
        expect(res.body.error.details.retryable).toBe(true);
      }
      const ready = await s.call('/ready', undefined, undefined, { method: 'GET' });
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).toBe('unavailable');
      expect((await s.call('/health', undefined, undefined, { method: 'GET' })).status).toBe(200);
    } finally {
      await admin((c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
    }

    // Back: readiness, the session and the balance as they were; nothing was charged during the outage.
    expect((await s.call('/ready', undefined, undefined, { method: 'GET' })).status).toBe(200);
    expect((await s.call('/session/status', { sessionId }, key)).body.session).toMatchObject({ id: sessionId, status: 'active' });
    expect((await s.call('/account/balance', {}, key)).body.balance).toBe(0.998);
    expect((await s.call('/session/create', {}, key)).status).toBe(200);
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.balanceMicros).toBe(996_000);
  });
});
