import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTaskId } from '../../src/security/ids.js';
import { BbreError } from '../../src/errors/bbre-error.js';
import { BACKENDS } from '../support/backends.js';
import { startServer, type TestServer } from '../support/app.js';
import { ledgerInvariants } from '../support/ledger.js';

describe.each(BACKENDS)('concurrency and the ledger (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(() => s?.close());

  it('50 concurrent creates on one account yield exactly 10 sessions and 40 × 429 SESSION_LIMIT_REACHED', async () => {
    const { id, key } = await s.account(10);
    const results = await Promise.all(Array.from({ length: 50 }, () => s.call('/session/create', {}, key)));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(40);
    for (const r of limited) expect(r.body.error.code).toBe('SESSION_LIMIT_REACHED');
    expect(new Set(ok.map((r) => r.body.session.id)).size).toBe(10);
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.balanceMicros).toBe(10_000_000 - 10 * 2000);
    expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
    expect(inv.byKind.charge).toBe(10 * 2000);
    const listed = await s.call('/account/sessions', { status: 'active', limit: 100 }, key);
    expect(listed.body.pagination.total).toBe(10);
    // Closing one frees exactly one slot.
    await s.call('/session/close', { sessionId: ok[0]!.body.session.id }, key);
    const again = await Promise.all(Array.from({ length: 5 }, () => s.call('/session/create', {}, key)));
    expect(again.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('an expired session never holds a slot', async () => {
    const { key } = await s.account(1, { maxSessions: 2 });
    await s.call('/session/create', { timeout: 60 }, key);
    await s.call('/session/create', { timeout: 120 }, key);
    expect((await s.call('/session/create', {}, key)).status).toBe(429);
    s.clock.advance(60_001);
    expect((await s.call('/session/create', {}, key)).status).toBe(200);
  });

  it('100 concurrent charged creates against a balance for 50 leave balance, ledger and counters exact', async () => {
    const { id, key } = await s.account(0.1, { maxSessions: 1000 });
    const results = await Promise.all(Array.from({ length: 100 }, () => s.call('/session/create', {}, key)));
    const ok = results.filter((r) => r.status === 200);
    const poor = results.filter((r) => r.status === 402);
    expect(ok).toHaveLength(50);
    expect(poor).toHaveLength(50);
    for (const r of poor) expect(r.body.error.code).toBe('INSUFFICIENT_BALANCE');
    for (const r of ok) expect(r.headers.get('x-bbre-cost')).toBe('0.002');
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.balanceMicros).toBe(0);
    expect(inv.ledgerBalanceMicros).toBe(0);
    expect(inv.chainOk).toBe(true);
    expect(inv.byKind).toMatchObject({ credit: 100_000, charge: 100_000, refund: 0 });
    expect(inv.priceMismatches).toEqual([]);
    expect((await s.call('/account/balance', {}, key)).body.balance).toBe(0);
    const history = await s.call('/account/history', { type: 'session_create', limit: 100 }, key);
    expect(history.body.pagination.total).toBe(50);
    expect(history.body.history.reduce((sum: number, h: { price: number }) => sum + h.price, 0)).toBeCloseTo(0.1, 9);
  });

  it('100 concurrent reserve → commit/refund operations on one session keep balance, ledger and counters consistent to the cent', async () => {
    const { id, key } = await s.account(1, { maxSessions: 1000 });
    const account = (await s.app.accounts.authenticate(key)).account;
    const sessionId = (await s.call('/session/create', {}, key)).body.session.id as string;
    const price = s.app.billing.price('request', 'passive', 'medium');
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const r = await s.app.billing.reserve(
          { taskId: newTaskId(), accountId: account.id, type: 'session_request', mode: 'passive', sensibility: 'medium', url: 'http://127.0.0.1/x', method: 'GET', sessionId },
          price,
        );
        if (i % 4 === 0) {
          await s.app.billing.refund(r, i % 8 === 0 ? 'timeout' : 'failed', new BbreError(i % 8 === 0 ? 'REQUEST_TIMEOUT' : 'TARGET_UNREACHABLE'));
          return 'refunded';
        }
        await s.app.billing.complete(r, () => ({ statusCode: 200 }), { id: sessionId, countRequest: true });
        return 'completed';
      }),
    );
    const completed = outcomes.filter((o) => o === 'completed').length;
    expect(completed).toBe(75);
    const status = await s.call('/session/status', { sessionId }, key);
    expect(status.body.session.requestCount).toBe(75);
    expect(status.body.session.totalCharged).toBe(75 * 0.002);
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.balanceMicros).toBe(1_000_000 - 2000 - 75 * price);
    expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
    expect(inv.chainOk).toBe(true);
    expect(inv.totalChargedMicros).toBe(75 * price);
    expect(inv.sessionTaskNetMicros).toBe(inv.totalChargedMicros);
    expect(inv.byKind.refund).toBe(25 * price);
    expect(inv.priceMismatches).toEqual([]);
    // Σ totalCharged + creation fees = Σ charges − Σ refunds.
    expect(inv.totalChargedMicros + 2000).toBe(inv.byKind.charge! - inv.byKind.refund!);
    // A reservation ends exactly once: refunding a completed task changes nothing.
    const info = await s.call('/account/info', {}, key);
    expect(info.body.statistics).toMatchObject({ totalRequests: 100, completedRequests: 75, failedRequests: 25, successRate: 75, activeSessions: 1 });
    const history = await s.call('/account/history', { type: 'session_request', status: 'failed', limit: 100 }, key);
    expect(history.body.pagination.total).toBe(12);
    for (const h of history.body.history) expect(h.price).toBe(0);
  });

  it('a reservation ends exactly once', async () => {
    const { id, key } = await s.account(1);
    const account = (await s.app.accounts.authenticate(key)).account;
    const r = await s.app.billing.reserve({ taskId: newTaskId(), accountId: account.id, type: 'request', mode: 'passive', sensibility: 'low' }, 1000);
    await s.app.billing.complete(r, () => ({ ok: true }));
    expect(await s.app.billing.refund(r, 'failed', new BbreError('TARGET_UNREACHABLE'))).toBeUndefined();
    expect(await s.app.billing.complete(r, () => ({ ok: true }))).toEqual({ kind: 'already_ended' });
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.balanceMicros).toBe(999_000);
    expect(inv.byKind.refund).toBe(0);
  });

  it('a completion on a session closed meanwhile writes nothing: the task stays processing until its refund', async () => {
    const { id, key } = await s.account(1);
    const account = (await s.app.accounts.authenticate(key)).account;
    const sessionId = (await s.call('/session/create', {}, key)).body.session.id as string;
    const r = await s.app.billing.reserve(
      { taskId: newTaskId(), accountId: account.id, type: 'session_request', mode: 'passive', sensibility: 'medium', url: 'http://127.0.0.1/x', method: 'GET', sessionId },
      2000,
    );
    expect((await s.call('/session/close', { sessionId }, key)).status).toBe(200);
    const outcome = await s.app.billing.complete(r, () => ({ statusCode: 200 }), { id: sessionId, countRequest: true, updateState: () => ({ jar: 'never written' }) });
    expect(outcome).toEqual({ kind: 'session_closed' });
    // Rolled back as a whole: the task is not completed, the session counted nothing and kept no state.
    expect((await s.call('/request/result', { taskId: r.taskId }, key)).body.data.task.status).toBe('processing');
    const stored = await s.app.store.sessions.getSession(account.id, sessionId);
    expect(stored).toMatchObject({ status: 'closed', requestCount: 0, totalChargedMicros: 0, state: null });
    await s.app.billing.refund(r, 'failed', new BbreError('SESSION_CLOSED'));
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.byKind.refund).toBe(2000);
    expect(inv.balanceMicros).toBe(1_000_000 - 2000);
    expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
  });

  it('a free reservation writes its task and no ledger entry, and completes like any other', async () => {
    const { id, key } = await s.account(1);
    const account = (await s.app.accounts.authenticate(key)).account;
    const r = await s.app.billing.reserve({ taskId: newTaskId(), accountId: account.id, type: 'request', mode: 'passive', sensibility: 'low' }, 0);
    expect((await s.call('/request/result', { taskId: r.taskId }, key)).body.data.task.status).toBe('processing');
    expect(await s.app.billing.complete(r, () => ({ ok: true }))).toMatchObject({ kind: 'completed', task: { id: r.taskId, status: 'completed', priceMicros: 0 } });
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.balanceMicros).toBe(1_000_000);
    expect(inv.byKind.charge ?? 0).toBe(0);
    expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
  });

  it('an account can never be charged below zero', async () => {
    const { key } = await s.account(0.005);
    const account = (await s.app.accounts.authenticate(key)).account;
    const tries = await Promise.allSettled(
      Array.from({ length: 20 }, () => s.app.billing.reserve({ taskId: newTaskId(), accountId: account.id, type: 'request', mode: 'passive', sensibility: 'low' }, 1000)),
    );
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(5);
    for (const t of tries) if (t.status === 'rejected') expect((t.reason as BbreError).code).toBe('INSUFFICIENT_BALANCE');
    expect((await s.call('/account/balance', {}, key)).body.balance).toBe(0);
  });
});
