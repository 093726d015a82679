import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { ledgerInvariants } from '../support/ledger.js';
import { chromiumBrowsers, chromiumDescendants, until } from '../support/processes.js';
import { openStore } from '../../src/storage/open-store.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

/** Browser-heavy: SQLite only (adaptive-postgres.test.ts walks the PostgreSQL path); skipped when BBRE_TEST_BACKENDS leaves it out. */
const backend: Backend = 'sqlite';

/**
 * The life of browser resources: expiry and sweeps release contexts, a browser killed under its sessions ends
 * them `crashed` while the server keeps serving, and shutdown leaves no Chromium behind. Runs in order: the
 * later tests kill the browser and stop the server.
 */
describe.skipIf(!BACKENDS.includes(backend))(`adaptive session lifecycle (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { config: { maxBrowserContexts: 3 } });
  });
  afterAll(() => s?.close());

  const pool = async () => (await s.call('/ready', undefined, undefined, { method: 'GET' })).body.checks.browserPool;
  const statusOf = async (key: string, sessionId: string) => (await s.call('/session/status', { sessionId }, key)).body.session;
  const open = async (key: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await s.call('/session/create', { mode: 'adaptive', ...extra }, key);
    if (res.status !== 200) throw new Error(`session create failed: ${JSON.stringify(res.body)}`);
    return res.body.session.id as string;
  };
  const page = (key: string, sessionId: string, title: string) => s.call('/session/request', { sessionId, url: `${site.url}/page?title=${title}` }, key);

  it('each browser keeps a standby page: with no session open a renderer still runs, and it takes no slot', async () => {
    const { key } = await s.account(100, { maxSessions: 100 });
    const sessionId = await open(key);
    expect((await s.call('/session/close', { sessionId }, key)).status).toBe(200);
    const renderers = () => chromiumDescendants().filter((p) => /\s--type=renderer\b/.test(p.args));
    // A closed context's renderer exits; the standby page's stays (one per browser).
    await until(() => (renderers().length === chromiumBrowsers().length ? true : undefined), 'one renderer per browser with no session open');
    expect(chromiumBrowsers().length).toBeGreaterThan(0);
    expect(await pool()).toMatchObject({ state: 'ready', busy: 0, available: 3 });
  });

  it('expiry releases the context: on a status read, and in a sweep nobody triggers', async () => {
    const { key } = await s.account(100, { maxSessions: 100 });
    const before = (await pool()).busy;
    const read = await open(key, { timeout: 60 });
    const swept = await open(key, { timeout: 120 });
    expect((await page(key, read, 'Read')).body.data.statusCode).toBe(200);
    expect((await pool()).busy).toBe(before + 2);

    s.clock.advance(61_000);
    expect(await statusOf(key, read)).toMatchObject({ status: 'expired', endedReason: 'expired' });
    await until(async () => ((await pool()).busy === before + 1 ? true : undefined), 'context released on the status read');
    expectEnvelopeError(await s.call('/browser/action', { sessionId: read, action: 'getTitle' }, key), 400, 'SESSION_EXPIRED');

    s.clock.advance(60_000);
    await s.app.sweeper.sweep();
    await until(async () => ((await pool()).busy === before ? true : undefined), 'context released by the sweeper');
    expect(await statusOf(key, swept)).toMatchObject({ status: 'expired', endedReason: 'expired' });
  });

  it('a killed browser ends its sessions crashed, refunds the request in flight, and the server keeps serving', async () => {
    const { id: accountId, key } = await s.account(100, { maxSessions: 100 });
    const idle = await open(key);
    const busySession = await open(key);
    expect((await page(key, idle, 'Idle')).body.data.statusCode).toBe(200);
    const balanceBefore = (await s.call('/account/balance', {}, key)).body.balance;

    const slowHits = site.hits.get('/slow') ?? 0;
    const inFlight = s.call('/session/request', { sessionId: busySession, url: `${site.url}/slow?ms=30000` }, key);
    await until(() => ((site.hits.get('/slow') ?? 0) > slowHits ? true : undefined), 'the request reached the target');

    const browsers = chromiumBrowsers();
    expect(browsers.length).toBeGreaterThan(0);
    for (const b of browsers) process.kill(b.pid, 'SIGKILL');

    // Which comes first, the failed navigation or the session's end, is a race: either answer is honest.
    const failed = await inFlight;
    if (failed.body.error?.code === 'SESSION_CLOSED') {
      expectEnvelopeError(failed, 400, 'SESSION_CLOSED');
      expect(failed.body.error.details).toMatchObject({ status: 'closed', endedReason: 'crashed' });
    } else expectEnvelopeError(failed, 503, 'SERVICE_UNAVAILABLE');
    expect(failed.body.error.details).toMatchObject({ refunded: true, taskId: expect.stringMatching(/^task_/) });
    for (const sessionId of [idle, busySession]) {
      const ended = await until(async () => {
        const st = await statusOf(key, sessionId);
        return st.status === 'active' ? undefined : st;
      }, `session ${sessionId} ended`);
      expect(ended).toMatchObject({ status: 'closed', endedReason: 'crashed', closedAt: expect.any(Number) });
    }
    expectEnvelopeError(await s.call('/session/request', { sessionId: idle, url: `${site.url}/page` }, key), 400, 'SESSION_CLOSED');
    expectEnvelopeError(await s.call('/browser/action', { sessionId: busySession, action: 'getTitle' }, key), 400, 'SESSION_CLOSED');
    await until(async () => ((await pool()).busy === 0 ? true : undefined), 'slots of the dead contexts returned');

    // Refunded: the balance is where it was before the request that died; the ledger agrees.
    expect((await s.call('/account/balance', {}, key)).body.balance).toBe(balanceBefore);
    const inv = await ledgerInvariants(s.app, accountId);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.totalChargedMicros).toBe(inv.sessionTaskNetMicros);
    expect(inv.requestCount).toBe(1);
    expect(inv.priceMismatches).toEqual([]);

    // A fresh browser for the next adaptive session; passive mode never depended on it.
    const fresh = await open(key);
    onTestFinished(async () => {
      await s.call('/session/close', { sessionId: fresh }, key);
    });
    const res = await page(key, fresh, 'Fresh');
    expect(res.body.data).toMatchObject({ statusCode: 200, url: `${site.url}/page?title=Fresh` });
    expect((await s.call('/browser/action', { sessionId: fresh, action: 'getTitle' }, key)).body.data.result).toEqual({ title: 'Fresh' });
    expect(chromiumBrowsers().map((b) => b.pid)).not.toEqual(expect.arrayContaining(browsers.map((b) => b.pid)));
    const passive = await s.call('/request/execute', { url: `${site.url}/status/200` }, key);
    expect(passive.body.data.statusCode).toBe(200);
    expect((await pool()).state).toBe('ready');
  });

  it('Chromium killed mid-load: every answer is honest (no 500), passive work never stops, the ledger stays exact', async () => {
    const { id: accountId, key } = await s.account(100, { maxSessions: 100 });
    const answers: Array<{ kind: string; status: number; code?: string; endedReason?: string }> = [];
    const sessionsAtKill = new Set<string>();
    let killed = false;
    let stop = false;
    const record = (kind: string, res: { status: number; body: any }) => {
      answers.push({ kind, status: res.status, code: res.body?.error?.code, endedReason: res.body?.error?.details?.endedReason });
    };
    // Three adaptive loops (a session, requests and actions; a new session once theirs has ended) and two passive ones.
    const adaptiveLoop = async (n: number) => {
      let sessionId: string | undefined;
      for (let i = 0; !stop && i < 200; i++) {
        if (!sessionId) {
          const created = await s.call('/session/create', { mode: 'adaptive' }, key);
          record('create', created);
          if (created.status !== 200) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          sessionId = created.body.session.id as string;
        }
        if (!killed) sessionsAtKill.add(sessionId);
        const res = i % 2 === 0 ? await page(key, sessionId, `L${n}i${i}`) : await s.call('/browser/action', { sessionId, action: 'getTitle' }, key);
        record(i % 2 === 0 ? 'request' : 'action', res);
        if (res.status !== 200) sessionId = undefined;
      }
      if (sessionId) await s.call('/session/close', { sessionId }, key);
    };
    const passiveLoop = async () => {
      for (let i = 0; !stop && i < 500; i++) record('passive', await s.call('/request/execute', { url: `${site.url}/page?title=P${i}` }, key));
    };
    const loops = [adaptiveLoop(1), adaptiveLoop(2), adaptiveLoop(3), passiveLoop(), passiveLoop()];
    await until(() => (answers.filter((a) => a.kind === 'request' && a.status === 200).length >= 3 ? true : undefined), 'adaptive load running');
    const before = answers.length;
    const browsers = chromiumBrowsers();
    killed = true;
    for (const b of browsers) process.kill(b.pid, 'SIGKILL');
    // Keep the load going through the crash until the adaptive loops serve again from a fresh browser.
    await until(() => (answers.slice(before).filter((a) => a.kind === 'request' && a.status === 200).length >= 3 ? true : undefined), 'adaptive service back after the crash', 60_000);
    stop = true;
    await Promise.all(loops);

    // Honest answers only: successes, the session ended by the crash, or a refunded 503; never a 500.
    for (const a of answers) {
      if (a.status === 200) continue;
      if (a.code === 'SESSION_CLOSED') expect(a.endedReason, JSON.stringify(a)).toBe('crashed');
      else expect([a.kind, a.status, a.code]).toEqual([a.kind, 503, 'SERVICE_UNAVAILABLE']);
    }
    expect(answers.filter((a) => a.kind === 'passive').every((a) => a.status === 200)).toBe(true);
    expect(answers.slice(before).filter((a) => a.kind === 'passive').length).toBeGreaterThan(0);
    // Every session that lived at the kill ended `crashed` (or was closed by its loop after it served again).
    for (const sessionId of sessionsAtKill) {
      const st = await statusOf(key, sessionId);
      expect(st.status).toBe('closed');
      expect(['crashed', 'closed']).toContain(st.endedReason);
    }
    expect(sessionsAtKill.size).toBeGreaterThanOrEqual(3);
    await until(async () => ((await pool()).busy === 0 ? true : undefined), 'every slot returned');
    const inv = await ledgerInvariants(s.app, accountId);
    expect(inv.chainOk).toBe(true);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.totalChargedMicros).toBe(inv.sessionTaskNetMicros);
    expect(inv.priceMismatches).toEqual([]);
    expect(inv.tasks.filter((t) => t.status === 'processing')).toEqual([]);
    // Each successful session request counted once, none of the failed ones.
    expect(inv.requestCount).toBe(answers.filter((a) => a.kind === 'request' && a.status === 200).length);
  });

  it('shutdown leaves no Chromium process; a restart ends the adaptive sessions it finds active (evicted)', async () => {
    const { key } = await s.account(100, { maxSessions: 100 });
    const survivor = await open(key);
    expect((await page(key, survivor, 'Survivor')).body.data.statusCode).toBe(200);
    expect(chromiumDescendants().length).toBeGreaterThan(0);

    const accountId = (await s.app.accounts.authenticate(key)).account.id;
    await s.close(true);
    await until(() => (chromiumDescendants().length === 0 ? true : undefined), 'no Chromium left after shutdown');
    // Contract §9.4: the shutdown itself ended the session whose browser went away with the process.
    const store = await openStore(s.db.url);
    try {
      expect(await store.sessions.getSession(accountId, survivor)).toMatchObject({ status: 'closed', endedReason: 'evicted' });
    } finally {
      await store.close();
    }

    const restarted = await startServer(backend, { db: s.db, clock: s.clock });
    onTestFinished(() => restarted.close());
    const status = await restarted.call('/session/status', { sessionId: survivor }, key);
    expect(status.body.session).toMatchObject({ status: 'closed', endedReason: 'evicted' });
    expectEnvelopeError(await restarted.call('/session/request', { sessionId: survivor, url: `${site.url}/page` }, key), 400, 'SESSION_CLOSED');
  });
});
