import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTaskId } from '../../src/security/ids.js';
import { BACKENDS } from '../support/backends.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { ledgerInvariants } from '../support/ledger.js';

describe.each(BACKENDS)('restart (%s)', (backend) => {
  it('keeps sessions across a restart and ends tasks interrupted by it failed and refunded', async () => {
    const first = await startServer(backend);
    const { id, key } = await first.account(1);
    const sessionId = (await first.call('/session/create', {}, key)).body.session.id;
    const account = (await first.app.accounts.authenticate(key)).account;
    const taskId = newTaskId();
    await first.app.billing.reserve({ taskId, accountId: account.id, type: 'session_request', mode: 'passive', sensibility: 'medium', url: 'http://127.0.0.1/', method: 'GET', sessionId }, 2000);
    expect((await first.call('/account/balance', {}, key)).body.balance).toBe(0.996);
    await first.close(true);

    const second = await startServer(backend, { db: first.db, clock: first.clock });
    try {
      expect((await second.call('/account/balance', {}, key)).body.balance).toBe(0.998);
      expect((await second.call('/session/status', { sessionId }, key)).body.session.status).toBe('active');
      const history = await second.call('/account/history', { type: 'session_request' }, key);
      expect(history.body.history[0]).toMatchObject({ id: taskId, status: 'failed', price: 0 });
      const inv = await ledgerInvariants(second.app, id);
      expect(inv.byKind.refund).toBe(2000);
      expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
    } finally {
      await second.close();
    }
  });
});

describe.each(BACKENDS)('two nodes on one database (%s)', (backend) => {
  it("a node starting does not end another live node's tasks or adaptive sessions; a restart of that node does", async () => {
    const nodeA = await startServer(backend, { config: { nodeId: 'node-a' } });
    const { id, key } = await nodeA.account(1);
    const account = (await nodeA.app.accounts.authenticate(key)).account;
    const taskId = newTaskId();
    await nodeA.app.billing.reserve({ taskId, accountId: account.id, type: 'request', mode: 'passive', sensibility: 'medium', url: 'http://127.0.0.1/', method: 'GET' }, 2000);
    // An adaptive session of node A (its mode set directly: this test needs no browser, only the stored row).
    const sessionId = (await nodeA.call('/session/create', {}, key)).body.session.id;
    const db = (nodeA.app.store as unknown as { db: Kysely<any> }).db;
    await db.updateTable('sessions').set({ mode: 'adaptive' }).where('id', '=', sessionId).execute();
    expect((await nodeA.call('/account/balance', {}, key)).body.balance).toBe(0.996);

    // Node B joins while A runs: A's work is left alone.
    const nodeB = await startServer(backend, { db: nodeA.db, clock: nodeA.clock, config: { nodeId: 'node-b' } });
    try {
      expect((await nodeB.call('/account/balance', {}, key)).body.balance).toBe(0.996);
      expect((await nodeB.call('/session/status', { sessionId }, key)).body.session.status).toBe('active');
      expect((await nodeB.call('/request/result', { taskId }, key)).body.data.task.status).toBe('processing');
      // B holds no browser context for A's adaptive session: it answers 503, refunded, and leaves the session alone.
      const elsewhere = await nodeB.call('/session/request', { sessionId, url: 'http://127.0.0.1:9/' }, key);
      expectEnvelopeError(elsewhere, 503, 'SERVICE_UNAVAILABLE');
      expect(elsewhere.body.error.details).toMatchObject({ refunded: true });
      expect((await nodeB.call('/session/status', { sessionId }, key)).body.session).toMatchObject({ status: 'active', requestCount: 0 });
      // A finishes its task normally afterwards: completed, charged once.
      const reservation = { taskId, accountId: account.id, type: 'request' as const, priceMicros: 2000, startedAt: nodeA.clock.now() };
      expect((await nodeA.app.billing.complete(reservation, () => ({ done: true }))).kind).toBe('completed');
    } finally {
      await nodeB.close(true);
    }
    // A second task of A is interrupted by A's crash; A restarted under its own name recovers it.
    const lost = newTaskId();
    await nodeA.app.billing.reserve({ taskId: lost, accountId: account.id, type: 'request', mode: 'passive', sensibility: 'medium', url: 'http://127.0.0.1/', method: 'GET' }, 2000);
    await nodeA.close(true);
    const restartedA = await startServer(backend, { db: nodeA.db, clock: nodeA.clock, config: { nodeId: 'node-a' } });
    try {
      expect((await restartedA.call('/request/result', { taskId: lost }, key)).body.data.task).toMatchObject({ status: 'failed', refunded: true });
      expect((await restartedA.call('/session/status', { sessionId }, key)).body.session).toMatchObject({ status: 'closed', endedReason: 'evicted' });
      expect((await restartedA.call('/account/balance', {}, key)).body.balance).toBe(0.996);
      const inv = await ledgerInvariants(restartedA.app, id);
      expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
      expect(inv.priceMismatches).toEqual([]);
    } finally {
      await restartedA.close();
    }
  });
});

describe.each(BACKENDS)('a node that stops beating (%s)', (backend) => {
  it('is recovered by a live node once silent for BBRE_NODE_DEAD_AFTER: its tasks refunded, its adaptive sessions ended', async () => {
    const nodeA = await startServer(backend, { config: { nodeId: 'node-gone', nodeDeadAfterMs: 60_000 } });
    const { id, key } = await nodeA.account(1);
    const account = (await nodeA.app.accounts.authenticate(key)).account;
    const taskId = newTaskId();
    await nodeA.app.billing.reserve({ taskId, accountId: account.id, type: 'request', mode: 'passive', sensibility: 'medium', url: 'http://127.0.0.1/', method: 'GET' }, 2000);
    const sessionId = (await nodeA.call('/session/create', {}, key)).body.session.id;
    const passiveId = (await nodeA.call('/session/create', {}, key)).body.session.id;
    const db = (nodeA.app.store as unknown as { db: Kysely<any> }).db;
    await db.updateTable('sessions').set({ mode: 'adaptive' }).where('id', '=', sessionId).execute();
    // Node A dies (its process gone; it will come back, if ever, under another name).
    await nodeA.close(true);

    const nodeB = await startServer(backend, { db: nodeA.db, clock: nodeA.clock, config: { nodeId: 'node-live', nodeDeadAfterMs: 60_000 } });
    const dbB = (nodeB.app.store as unknown as { db: Kysely<any> }).db;
    try {
      expect((await nodeB.call('/session/status', { sessionId }, key)).body.session.status).toBe('active');
      // Within the grace period A is presumed alive: nothing is touched.
      nodeB.clock.advance(30_000);
      await nodeB.app.sweeper.sweep();
      expect((await nodeB.call('/request/result', { taskId }, key)).body.data.task.status).toBe('processing');
      expect((await nodeB.call('/account/balance', {}, key)).body.balance).toBe(0.994);
      // Silent past the limit: recovered once.
      nodeB.clock.advance(31_000);
      await nodeB.app.sweeper.sweep();
      expect((await nodeB.call('/request/result', { taskId }, key)).body.data.task).toMatchObject({ status: 'failed', refunded: true, error: { code: 'SERVICE_UNAVAILABLE' } });
      expect((await nodeB.call('/session/status', { sessionId }, key)).body.session).toMatchObject({ status: 'closed', endedReason: 'evicted' });
      // Passive sessions live in the store, not in a node: they carry on.
      expect((await nodeB.call('/session/status', { sessionId: passiveId }, key)).body.session.status).toBe('active');
      expect((await nodeB.call('/account/balance', {}, key)).body.balance).toBe(0.996);
      await nodeB.app.sweeper.sweep();
      const inv = await ledgerInvariants(nodeB.app, id);
      expect(inv.byKind.refund).toBe(2000);
      expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
      expect(await dbB.selectFrom('nodes').select('id').execute()).toEqual([{ id: 'node-live' }]);
    } finally {
      await nodeB.close();
    }
  });
});

describe.each(BACKENDS)('operations endpoints (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(() => s?.close());

  it('GET /health and /ready answer plain JSON without a key', async () => {
    expect((await s.call('/health', undefined, undefined, { method: 'GET' })).body).toEqual({ status: 'ok' });
    const ready = await s.call('/ready', undefined, undefined, { method: 'GET' });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { database: 'ok', browserPool: { state: expect.any(String), max: 8 } } });
  });

  it('GET /metrics exposes the contract series', async () => {
    const { key } = await s.account(1);
    const sessionId = (await s.call('/session/create', {}, key)).body.session.id;
    await s.call('/session/status', { sessionId: 'session_missing000000000' }, key);
    // A request to a closed port: engine time with outcome error, a 502 counted under its code.
    await s.call('/session/request', { sessionId, url: 'http://127.0.0.1:9/' }, key);
    const res = await s.call('/metrics', undefined, undefined, { method: 'GET' });
    expect(res.status).toBe(200);
    const text = res.body as string;
    for (const series of [
      'bbre_http_requests_total',
      'bbre_http_request_duration_seconds',
      'bbre_engine_duration_seconds',
      'bbre_sessions_active',
      'bbre_tasks_total',
      'bbre_browser_contexts',
      'bbre_charged_usd_total',
      'bbre_refunded_usd_total',
    ]) {
      expect(text).toContain(series);
    }
    expect(text).toMatch(/bbre_sessions_active\{mode="passive"\} [1-9]/);
    expect(text).toMatch(/bbre_http_requests_total\{route="\/session\/create",status="200",code="OK"\} [1-9]/);
    expect(text).toMatch(/bbre_http_requests_total\{route="\/session\/status",status="404",code="SESSION_NOT_FOUND"\} [1-9]/);
    expect(text).toMatch(/bbre_http_requests_total\{route="\/session\/request",status="502",code="TARGET_UNREACHABLE"\} [1-9]/);
    expect(text).toMatch(/bbre_engine_duration_seconds_count\{mode="passive",sensibility="medium",operation="request",outcome="error"\} [1-9]/);
    expect(text).toMatch(/bbre_charged_usd_total 0\.00[2-9]/);
    expect(text).toMatch(/bbre_refunded_usd_total 0\.00[1-9]/);
  });

  it('every answer carries a request id, and the log lines of a request name it', async () => {
    const { key } = await s.account(1);
    const res = await s.call('/session/status', { sessionId: 'session_missing000000000' }, key);
    const id = res.headers.get('x-request-id');
    expect(id).toBeTruthy();
    const given = await s.call('/account/balance', {}, key, { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
    const lines = s.logs.flatMap((chunk) => chunk.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as { reqId?: string; msg: string; code?: string });
    const ofRequest = lines.filter((l) => l.reqId === id);
    expect(ofRequest.length).toBeGreaterThan(0);
    expect(ofRequest.find((l) => l.msg === 'request')).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect(lines.filter((l) => l.reqId === 'trace-abc-123').length).toBeGreaterThan(0);
  });

  it('GET /openapi.json describes every API route and /docs renders it', async () => {
    const res = await s.call('/openapi.json', undefined, undefined, { method: 'GET' });
    expect(res.body.openapi).toBe('3.1.0');
    for (const path of ['/session/create', '/session/status', '/session/close', '/account/balance', '/account/info', '/account/sessions', '/account/history', '/admin/accounts/{id}']) {
      expect(res.body.paths).toHaveProperty([path]);
    }
    expect(res.body.paths['/account/balance']).toHaveProperty('get');
    expect(res.body.paths['/account/balance']).toHaveProperty('post');
    expect(res.body.paths['/session/status'].post.responses['400']['x-bbre-codes']).toContain('SESSION_ID_REQUIRED');
    const docs = await fetch(`${s.url}/docs`);
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(await docs.text()).toContain('/session/status');
  });
});
