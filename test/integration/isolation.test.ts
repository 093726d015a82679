import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { until } from '../support/processes.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

const totalHits = (t: TargetSite) => [...t.hits.values()].reduce((x, y) => x + y, 0);

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

  it("B cannot use A's session or read A's tasks on any endpoint that takes an ID: the same 404 as a missing one, nothing charged or counted", async () => {
    const site = await startTargetSite();
    try {
      // A: a request through its session (a task), and a stateless task.
      const sessionRequest = await s.call('/session/request', { sessionId: sessionA, url: `${site.url}/page` }, a.key);
      expect(sessionRequest.status).toBe(200);
      const requestTask = sessionRequest.body.data.task.id as string;
      const created = await s.call('/request/create', { url: `${site.url}/page` }, a.key);
      const statelessTask = created.body.taskId as string;
      await until(async () => ((await s.call('/request/result', { taskId: statelessTask }, a.key)).body.data.task.status === 'completed' ? true : undefined), 'A task done');
      const before = {
        a: (await s.call('/session/status', { sessionId: sessionA }, a.key)).body.session,
        balanceA: (await s.call('/account/balance', {}, a.key)).body.balance,
        balanceB: (await s.call('/account/balance', {}, b.key)).body.balance,
        hits: totalHits(site),
      };
      const foreignAndMissing: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
        ['/session/status', { sessionId: sessionA }, { sessionId: 'session_missing000000000' }, 'SESSION_NOT_FOUND'],
        ['/session/request', { sessionId: sessionA, url: `${site.url}/page` }, { sessionId: 'session_missing000000000', url: `${site.url}/page` }, 'SESSION_NOT_FOUND'],
        ['/browser/action', { sessionId: sessionA, action: 'getTitle' }, { sessionId: 'session_missing000000000', action: 'getTitle' }, 'SESSION_NOT_FOUND'],
        ['/session/close', { sessionId: sessionA }, { sessionId: 'session_missing000000000' }, 'SESSION_NOT_FOUND'],
        ['/request/result', { taskId: requestTask }, { taskId: 'task_missing0000000000' }, 'TASK_NOT_FOUND'],
        ['/request/result', { taskId: statelessTask }, { taskId: 'task_missing0000000000' }, 'TASK_NOT_FOUND'],
        ['/request/result', { taskId: sessionA }, { taskId: 'session_missing000000000' }, 'TASK_NOT_FOUND'],
      ];
      for (const [path, foreignBody, missingBody, code] of foreignAndMissing) {
        const foreign = await s.call(path, foreignBody, b.key);
        const missing = await s.call(path, missingBody, b.key);
        expectEnvelopeError(foreign, 404, code);
        expectEnvelopeError(missing, 404, code);
        // Nothing in the answer tells "someone else's" from "does not exist".
        expect({ ...foreign.body.error, details: { ...foreign.body.error.details, taskId: undefined, sessionId: undefined } }).toEqual({
          ...missing.body.error,
          details: { ...missing.body.error.details, taskId: undefined, sessionId: undefined },
        });
        expect(JSON.stringify(foreign.body)).not.toContain(a.id);
      }
      // B's history lists none of A's tasks.
      const historyB = (await s.call('/account/history', { limit: 100 }, b.key)).body.history.map((h: { id: string }) => h.id);
      expect(historyB).not.toContain(requestTask);
      expect(historyB).not.toContain(statelessTask);
      expect((await s.call('/account/sessions', { limit: 100 }, b.key)).body.sessions.map((x: { id: string }) => x.id)).not.toContain(sessionA);
      // A's session, balance and the target are untouched; B paid nothing.
      expect((await s.call('/session/status', { sessionId: sessionA }, a.key)).body.session).toEqual(before.a);
      expect((await s.call('/account/balance', {}, a.key)).body.balance).toBe(before.balanceA);
      expect((await s.call('/account/balance', {}, b.key)).body.balance).toBe(before.balanceB);
      expect(totalHits(site)).toBe(before.hits);
      // A still reads its own.
      expect((await s.call('/request/result', { taskId: statelessTask }, a.key)).body.data.task.status).toBe('completed');
    } finally {
      await site.close();
    }
  });

  it("A's session limit is not B's", async () => {
    const c = await s.account(1, { maxSessions: 1 });
    expect((await s.call('/session/create', {}, c.key)).status).toBe(200);
    expect((await s.call('/session/create', {}, c.key)).status).toBe(429);
    expect((await s.call('/session/create', {}, b.key)).status).toBe(200);
  });
});
