import { AsyncLocalStorage, executionAsyncId } from 'node:async_hooks';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../src/engines/adaptive/chromium.js';
import { BrowserWorkerEngine } from '../../src/engines/adaptive/worker/browser-worker.engine.js';
import { PassiveEngine } from '../../src/engines/passive/passive.engine.js';
import { createTargetPolicy } from '../../src/security/target-policy.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { ledgerInvariants } from '../support/ledger.js';
import { chromiumBrowsers, until } from '../support/processes.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

const backend: Backend = 'sqlite';

/**
 * On Node 20 an AsyncLocalStorage in use turns on promise hooks for its whole thread: inside a promise reaction,
 * `executionAsyncId()` is then the promise's own id; without hooks it is 0.
 */
async function promiseHooksOn(): Promise<boolean> {
  const id = await new Promise<number>((resolve) => {
    void Promise.resolve().then(() => resolve(executionAsyncId()));
  });
  return id !== 0;
}

/**
 * Adaptive mode runs its pool and driver in a worker thread. These tests hold the two promises of that design:
 * the API thread stays free of the driver's promise hooks, and a worker that dies takes nothing down with it.
 * The hooks test runs last: its control turns the hooks on for the rest of this file.
 */
describe.skipIf(!BACKENDS.includes(backend))(`adaptive browser worker (${backend})`, () => {
  let s: TestServer;
  let engine: BrowserWorkerEngine;
  beforeAll(async () => {
    const policy = createTargetPolicy(true);
    engine = new BrowserWorkerEngine({
      worker: {
        executablePath: findChromium(undefined),
        maxContexts: 4,
        retireAfterContexts: 100,
        maxWaitMs: 5000,
        killTimeoutMs: 5000,
        allowPrivateTargets: true,
        maxResponseBytes: 1_000_000,
      },
    });
    s = await startServer(backend, { engines: [new PassiveEngine({ policy, maxResponseBytes: 1_000_000 }), engine] });
  });
  afterAll(() => s?.close());

  const statusOf = async (key: string, sessionId: string) => (await s.call('/session/status', { sessionId }, key)).body.session;
  const open = async (key: string): Promise<string> => {
    const res = await s.call('/session/create', { mode: 'adaptive' }, key);
    if (res.status !== 200) throw new Error(`session create failed: ${JSON.stringify(res.body)}`);
    return res.body.session.id as string;
  };
  const page = (key: string, sessionId: string, title: string) => s.call('/session/request', { sessionId, url: `${site.url}/page?title=${title}` }, key);

  it('a worker that dies: its sessions end crashed, the request in flight is refunded, no Chromium is left, the next session gets a new worker', async () => {
    const { id: accountId, key } = await s.account(100, { maxSessions: 100 });
    const idle = await open(key);
    const busy = await open(key);
    expect((await page(key, idle, 'Idle')).body.data.statusCode).toBe(200);
    const browsers = chromiumBrowsers();
    expect(browsers.length).toBeGreaterThan(0);
    const balanceBefore = (await s.call('/account/balance', {}, key)).body.balance;

    const slowHits = site.hits.get('/slow') ?? 0;
    const inFlight = s.call('/session/request', { sessionId: busy, url: `${site.url}/slow?ms=30000` }, key);
    await until(() => ((site.hits.get('/slow') ?? 0) > slowHits ? true : undefined), 'the request reached the target');

    // Cut off, not failed: its own handler cannot close the browsers, so the API thread has to.
    await (engine as unknown as { worker: Worker }).worker.terminate();

    const failed = await inFlight;
    if (failed.body.error?.code === 'SESSION_CLOSED') expectEnvelopeError(failed, 400, 'SESSION_CLOSED');
    else expectEnvelopeError(failed, 503, 'SERVICE_UNAVAILABLE');
    expect(failed.body.error.details).toMatchObject({ refunded: true });
    for (const sessionId of [idle, busy]) {
      const ended = await until(async () => {
        const st = await statusOf(key, sessionId);
        return st.status === 'active' ? undefined : st;
      }, `session ${sessionId} ended`);
      expect(ended).toMatchObject({ status: 'closed', endedReason: 'crashed' });
    }
    await until(() => (chromiumBrowsers().length === 0 ? true : undefined), 'the dead worker’s browsers killed');
    expect(engine.poolStatus()).toMatchObject({ state: 'failed', error: expect.stringContaining('browser worker stopped') });
    expect(engine.liveSessionIds()).toEqual([]);

    expect((await s.call('/account/balance', {}, key)).body.balance).toBe(balanceBefore);
    const inv = await ledgerInvariants(s.app, accountId);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.totalChargedMicros).toBe(inv.sessionTaskNetMicros);

    const fresh = await open(key);
    expect((await page(key, fresh, 'Fresh')).body.data).toMatchObject({ statusCode: 200, url: `${site.url}/page?title=Fresh` });
    expect((await s.call('/browser/action', { sessionId: fresh, action: 'getTitle' }, key)).body.data.result).toEqual({ title: 'Fresh' });
    expect(engine.poolStatus()).toMatchObject({ state: 'ready', busy: 1 });
    expect(engine.liveSessionIds()).toEqual([fresh]);
    expect((await s.call('/session/close', { sessionId: fresh }, key)).status).toBe(200);
    expect(engine.poolStatus()).toMatchObject({ busy: 0 });
  });

  it('the API thread never turns on promise hooks: browser work leaves them off, and the probe sees them once on', async () => {
    expect(await promiseHooksOn()).toBe(false);
    const { key } = await s.account(100, { maxSessions: 100 });
    const sessionId = await open(key);
    expect((await page(key, sessionId, 'Hooks')).body.data.statusCode).toBe(200);
    // A batch whose second step fails: the typed failure crosses from the worker as it would in one thread.
    const act = await s.call('/browser/action', { sessionId, timeout: 1, actions: [{ type: 'getTitle' }, { type: 'click', selector: '#missing' }] }, key);
    expectEnvelopeError(act, 422, 'ELEMENT_NOT_FOUND');
    expect(act.body.error.details.results[0]).toMatchObject({ success: true, result: { title: 'Hooks' } });
    // The URL the worker reports is the one a browser_action record carries.
    expect(engine.pageUrl(sessionId)).toBe(`${site.url}/page?title=Hooks`);
    expect((await s.call('/session/close', { sessionId }, key)).status).toBe(200);
    expect(await promiseHooksOn()).toBe(false);

    // Control: the probe does see hooks once something in this thread uses an AsyncLocalStorage.
    new AsyncLocalStorage<number>().run(1, () => undefined);
    expect(await promiseHooksOn()).toBe(true);
  });
});
