import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';

describe.each(BACKENDS)('session lifecycle over HTTP (%s)', (backend) => {
  let s: TestServer;
  let key: string;
  beforeAll(async () => {
    s = await startServer(backend);
    ({ key } = await s.account(10));
  });
  afterAll(() => s?.close());

  it('creates a session with the contract defaults and the documented fields', async () => {
    const res = await s.call('/session/create', {}, key);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-bbre-cost')).toBe('0.002');
    expect(res.body.success).toBe(true);
    expect(res.body.service).toBe('MyDisct Solver BBRE');
    const session = res.body.session;
    expect(session.id).toMatch(/^session_[A-Za-z0-9]+$/);
    expect(session).toMatchObject({ status: 'active', mode: 'passive', sensibility: 'medium', timeout: 300, requestCount: 0, totalCharged: 0 });
    expect(session.createdAt).toBe(s.clock.now());
    expect(session.expiresAt).toBe(session.createdAt + 300_000);
    expect(session.profile.userAgent).toContain('Chrome/');
    expect(session).not.toHaveProperty('closedAt');
    expect(session).not.toHaveProperty('endedReason');
  });

  it('clamps a timeout inside 60–3600 to the configured maximum and tells the truth in expiresAt', async () => {
    const res = await s.call('/session/create', { timeout: 3600, sensibility: 'HIGH', mode: 'Passive' }, key);
    expect(res.status).toBe(200);
    expect(res.body.session.timeout).toBe(300);
    expect(res.body.session.sensibility).toBe('high');
    expect(res.body.session.expiresAt - res.body.session.createdAt).toBe(300_000);
    const short = await s.call('/session/create', { timeout: 60 }, key);
    expect(short.body.session.expiresAt - short.body.session.createdAt).toBe(60_000);
    await s.call('/session/close', { sessionId: res.body.session.id }, key);
    await s.call('/session/close', { sessionId: short.body.session.id }, key);
  });

  it.each([59, 3601, 0, -5, '300', true])('refuses timeout %j with 400 INVALID_TIMEOUT', async (timeout) => {
    expectEnvelopeError(await s.call('/session/create', { timeout }, key), 400, 'INVALID_TIMEOUT');
  });

  it('refuses unknown modes and sensibilities, and ignores unknown fields', async () => {
    expectEnvelopeError(await s.call('/session/create', { mode: 'stealthy' }, key), 400, 'INVALID_MODE');
    expectEnvelopeError(await s.call('/session/create', { sensibility: 'extreme' }, key), 400, 'INVALID_SENSIBILITY');
    expectEnvelopeError(await s.call('/session/create', { sensibility: 3 }, key), 400, 'INVALID_SENSIBILITY');
    const ok = await s.call('/session/create', { somethingElse: { deep: [1, 2] }, timeout: 120 }, key);
    expect(ok.status).toBe(200);
    await s.call('/session/close', { sessionId: ok.body.session.id }, key);
  });

  it('reconciles expiry on status: the answer and the stored row both say expired', async () => {
    const created = await s.call('/session/create', { timeout: 60 }, key);
    const id = created.body.session.id;
    s.clock.advance(60_000);
    // At expiresAt itself the session has lived exactly its timeout: still active (contract §4.1: now > expiresAt).
    expect((await s.call('/session/status', { sessionId: id }, key)).body.session.status).toBe('active');
    const before = await s.app.store.sessions.getSession((await s.app.accounts.authenticate(key)).account.id, id);
    expect(before?.status).toBe('active');
    s.clock.advance(1);
    const res = await s.call('/session/status', { sessionId: id }, key);
    expect(res.status).toBe(200);
    expect(res.body.session).toMatchObject({ id, status: 'expired', endedReason: 'expired' });
    expect(res.body.session).not.toHaveProperty('closedAt');
    const row = await s.app.store.sessions.getSession(before!.accountId, id);
    expect(row?.status).toBe('expired');
    expect(row?.endedReason).toBe('expired');
    // Safe to call repeatedly, no further side effect.
    expect((await s.call('/session/status', { sessionId: id }, key)).body.session.status).toBe('expired');
    expectEnvelopeError(await s.call('/session/close', { sessionId: id }, key), 400, 'SESSION_EXPIRED');
  });

  it('closes once, then answers SESSION_CLOSED with the session state in details', async () => {
    const id = (await s.call('/session/create', {}, key)).body.session.id;
    const closed = await s.call('/session/close', { sessionId: id }, key);
    expect(closed.status).toBe(200);
    expect(closed.body.session).toMatchObject({ id, status: 'closed', endedReason: 'closed', closedAt: s.clock.now() });
    const again = await s.call('/session/close', { sessionId: id }, key);
    expectEnvelopeError(again, 400, 'SESSION_CLOSED');
    expect(again.body.error.details).toMatchObject({ status: 'closed', endedReason: 'closed', retryable: false });
    expect((await s.call('/session/status', { sessionId: id }, key)).body.session.status).toBe('closed');
  });

  it('answers SESSION_ID_REQUIRED with the documented message and hint, and SESSION_NOT_FOUND for unknown ids', async () => {
    for (const body of [{}, { sessionId: '' }, undefined]) {
      const res = await s.call('/session/status', body, key);
      expectEnvelopeError(res, 400, 'SESSION_ID_REQUIRED');
      expect(res.body.error.message).toBe('Session ID is required.');
      expect(res.body.error.details.hint).toBe('Session ID is returned when you create a session');
    }
    const nf = await s.call('/session/status', { sessionId: 'session_doesnotexist' }, key);
    expectEnvelopeError(nf, 404, 'SESSION_NOT_FOUND');
    expect(nf.body.error.message).toBe('Session not found.');
    expectEnvelopeError(await s.call('/session/close', { sessionId: 'session_nope' }, key), 404, 'SESSION_NOT_FOUND');
  });

  it('the sweeper expires sessions nobody reads, releases them, and purges them after retention', async () => {
    const { key: k2, id: acc } = await s.account(1);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.call('/session/create', { timeout: 60 }, k2)).body.session.id);
    s.clock.advance(61_000);
    await s.app.sweeper.sweep();
    for (const id of ids) expect((await s.app.store.sessions.getSession(acc, id))?.status).toBe('expired');
    // Expired sessions never hold a slot, and history survives the purge of session records.
    s.clock.advance(24 * 3600 * 1000 + 1);
    await s.app.sweeper.sweep();
    expectEnvelopeError(await s.call('/session/status', { sessionId: ids[0] }, k2), 404, 'SESSION_NOT_FOUND');
    const history = await s.call('/account/history', { type: 'session_create' }, k2);
    expect(history.body.history.map((h: { id: string }) => h.id).sort()).toEqual([...ids].sort());
  });
});
