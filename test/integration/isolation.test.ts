import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';

describe.each(BACKENDS)('isolation between accounts on every endpoint (%s)', (backend) => {
  let s: TestServer;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  let sessionA: string;
  beforeAll(async () => {
    s = await startServer(backend);
    a = await s.account(5);
    b = await s.account(7);
    sessionA = (await s.call('/session/create', { sensibility: 'high' }, a.key)).body.session.id;
  });
  afterAll(() => s?.close());

  it("B cannot read A's session: 404 SESSION_NOT_FOUND, exactly as for a missing one", async () => {
    const foreign = await s.call('/session/status', { sessionId: sessionA }, b.key);
    const missing = await s.call('/session/status', { sessionId: 'session_missing000000000' }, b.key);
    expectEnvelopeError(foreign, 404, 'SESSION_NOT_FOUND');
    expect(foreign.body.error).toEqual(missing.body.error);
  });

  it("B cannot close A's session, and A's session is untouched", async () => {
    expectEnvelopeError(await s.call('/session/close', { sessionId: sessionA }, b.key), 404, 'SESSION_NOT_FOUND');
    expect((await s.call('/session/status', { sessionId: sessionA }, a.key)).body.session.status).toBe('active');
  });

  it("B's lists, history, balance and info show nothing of A", async () => {
    const sessionB = (await s.call('/session/create', {}, b.key)).body.session.id;
    const listB = await s.call('/account/sessions', {}, b.key);
    expect(listB.body.sessions.map((x: { id: string }) => x.id)).toEqual([sessionB]);
    const histB = await s.call('/account/history', {}, b.key);
    expect(histB.body.history.map((x: { id: string }) => x.id)).toEqual([sessionB]);
    expect((await s.call('/account/balance', undefined, b.key, { method: 'GET' })).body.balance).toBe(6.998);
    const infoB = await s.call('/account/info', undefined, b.key, { method: 'GET' });
    expect(infoB.body.account.id).toBe(b.id);
    expect(infoB.body.statistics.activeSessions).toBe(1);
    const listA = await s.call('/account/sessions', {}, a.key);
    expect(listA.body.sessions.map((x: { id: string }) => x.id)).toEqual([sessionA]);
    expect((await s.call('/account/info', {}, a.key)).body.account).toMatchObject({ id: a.id, balance: 4.998 });
  });

  it("A's session limit is not B's", async () => {
    const c = await s.account(1, { maxSessions: 1 });
    expect((await s.call('/session/create', {}, c.key)).status).toBe(200);
    expect((await s.call('/session/create', {}, c.key)).status).toBe(429);
    expect((await s.call('/session/create', {}, b.key)).status).toBe(200);
  });
});
