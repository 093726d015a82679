import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ACTION_MICROS, ADAPTIVE_PRICES, adaptiveCalls, renderedEcho as echoOf, REQUEST_MICROS, usd } from '../support/adaptive.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { ledgerInvariants } from '../support/ledger.js';
import { until } from '../support/processes.js';
import { closedPort, echoCookies, echoHeader, startTargetSite, type EchoBody, type TargetSite } from '../support/target-site.js';

/** What the HTTP client and the connection add, not the browser identity. */
const CONNECTION_HEADERS = new Set(['host', 'connection']);

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

/** Browser-heavy: SQLite only (adaptive-postgres.test.ts walks the PostgreSQL path); skipped when BBRE_TEST_BACKENDS leaves it out. */
const backend: Backend = 'sqlite';

describe.skipIf(!BACKENDS.includes(backend))(`adaptive sessions: requests, cookies, errors, charging (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { config: { maxBrowserContexts: 3, prices: ADAPTIVE_PRICES } });
  });
  afterAll(() => s?.close());

  const { newAccount, balanceOf, statusOf, busy, open, send, act } = adaptiveCalls(() => s);

  it("a target's 404 is a completed, charged task; a 302 chain lists its hops", async () => {
    const { key } = await newAccount();
    const sessionId = await open(key);
    const notFound = await send(key, sessionId, { url: `${site.url}/status/404` });
    expect(notFound.status).toBe(200);
    expect(notFound.headers.get('x-bbre-cost')).toBe(String(usd(REQUEST_MICROS)));
    expect(notFound.body.data).toMatchObject({ task: { status: 'completed' }, statusCode: 404, url: `${site.url}/status/404`, redirects: [], cookies: { s1: 'one', s2: 'two' } });
    expect(notFound.body.data.headers['set-cookie']).toEqual(['s1=one; Path=/', 's2=two; Path=/']);
    expect(notFound.body.data.body).toContain('status 404');
    expect(notFound.body.session).toMatchObject({ requestCount: 1, totalCharged: usd(REQUEST_MICROS) });

    const chain = await send(key, sessionId, { url: `${site.url}/chain/1` });
    expect(chain.body.data).toMatchObject({ statusCode: 200, url: `${site.url}/chain/3`, cookies: { c1: 'v1', c2: 'v2', c3: 'v3' } });
    expect(chain.body.data.redirects).toEqual([
      { url: `${site.url}/chain/1`, statusCode: 302, location: '/chain/2' },
      { url: `${site.url}/chain/2`, statusCode: 302, location: '/chain/3' },
    ]);
    expect(chain.body.data.body).toContain('end of chain');

    const single = await send(key, sessionId, { url: `${site.url}/redirect-to?status=302&url=/status/200` });
    expect(single.body.data).toMatchObject({ statusCode: 200, url: `${site.url}/status/200` });
    expect(single.body.data.redirects).toEqual([{ url: `${site.url}/redirect-to?status=302&url=/status/200`, statusCode: 302, location: '/status/200' }]);
    expect((await statusOf(key, sessionId)).requestCount).toBe(3);
  });

  it.each(['medium', 'high'] as const)(
    'a passive and an adaptive session of one sensibility send the target the same Chrome: header order, user agent, client hints, accept headers (%s)',
    async (sensibility) => {
      // The passive identity is written for the Chromium the adaptive engine runs: this fails when Debian's Chromium
      // moves to another version (or the header set drifts) until chrome-profile.ts and header-sets.ts follow it.
      const { key } = await newAccount();
      const adaptive = await open(key, { sensibility });
      const passive = (await s.call('/session/create', { mode: 'passive', sensibility }, key)).body.session.id;
      onTestFinished(async () => {
        await s.call('/session/close', { sessionId: passive }, key);
      });
      const browser = echoOf(await send(key, adaptive, { url: `${site.url}/echo` })).rawHeaders;
      const passiveRes = await send(key, passive, { url: `${site.url}/echo` });
      expect(passiveRes.body.data.statusCode).toBe(200);
      const client = (JSON.parse(passiveRes.body.data.body) as EchoBody).rawHeaders;
      const identity = (headers: Array<[string, string]>) => headers.filter(([n]) => !CONNECTION_HEADERS.has(n.toLowerCase())).map(([n, v]) => [n.toLowerCase(), v]);
      expect(identity(client)).toEqual(identity(browser));
      expect(Object.fromEntries(identity(browser))['user-agent']).toMatch(/ Chrome\/\d+\.0\.0\.0 /);
    },
  );

  it.each(['medium', 'high'] as const)('followRedirects false and maxRedirects end at the 3xx answer; the page keeps its document (%s)', async (sensibility) => {
    const { key } = await newAccount();
    const sessionId = await open(key, { sensibility });
    await send(key, sessionId, { url: `${site.url}/page?title=Before` });
    const notFollowed = await send(key, sessionId, { url: `${site.url}/chain/1`, followRedirects: false });
    expect(notFollowed.status).toBe(200);
    expect(notFollowed.body.data).toMatchObject({ statusCode: 302, url: `${site.url}/chain/1`, redirects: [], cookies: { c1: 'v1' } });
    expect(notFollowed.body.data.headers.location).toBe('/chain/2');
    expect((await act(key, sessionId, { action: 'getTitle' })).body.data.result).toEqual({ title: 'Before' });

    const capped = await send(key, sessionId, { url: `${site.url}/chain/1`, maxRedirects: 1 });
    expect(capped.body.data).toMatchObject({ statusCode: 302, url: `${site.url}/chain/2`, cookies: { c2: 'v2' } });
    expect(capped.body.data.headers.location).toBe('/chain/3');
    expect(capped.body.data.redirects).toEqual([{ url: `${site.url}/chain/1`, statusCode: 302, location: '/chain/2' }]);
    const none = await send(key, sessionId, { url: `${site.url}/chain/1`, maxRedirects: 0 });
    expect(none.body.data).toMatchObject({ statusCode: 302, url: `${site.url}/chain/1`, redirects: [] });
    // Within the limit the chain is followed to its end.
    const enough = await send(key, sessionId, { url: `${site.url}/chain/1`, maxRedirects: 2 });
    expect(enough.body.data).toMatchObject({ statusCode: 200, url: `${site.url}/chain/3` });
    expect((await statusOf(key, sessionId)).requestCount).toBe(5);
  });

  it('verifySSL false accepts a self-signed target for that request only', async () => {
    const tlsSite = await startTargetSite({ tls: true });
    onTestFinished(() => tlsSite.close());
    const { key } = await newAccount();
    const sessionId = await open(key);
    const refused = await send(key, sessionId, { url: `${tlsSite.url}/page?title=Secure` });
    expectEnvelopeError(refused, 502, 'TARGET_UNREACHABLE');
    expect(refused.body.error.details).toMatchObject({ reason: 'tls', refunded: true });
    const accepted = await send(key, sessionId, { url: `${tlsSite.url}/page?title=Secure`, verifySSL: false });
    expect(accepted.status).toBe(200);
    expect(accepted.body.data).toMatchObject({ statusCode: 200, url: `${tlsSite.url}/page?title=Secure` });
    expect(accepted.body.data.body).toContain('Secure');
    // The override ended with that request: a new connection (another self-signed site) is verified again.
    // (A connection the browser opened under the override may still be reused for the same site.)
    const otherTlsSite = await startTargetSite({ tls: true });
    onTestFinished(() => otherTlsSite.close());
    expectEnvelopeError(await send(key, sessionId, { url: `${otherTlsSite.url}/page?title=Again` }), 502, 'TARGET_UNREACHABLE');
    // Stateless adaptive requests take the option too.
    const stateless = await s.call('/request/execute', { url: `${tlsSite.url}/page?title=Once`, mode: 'adaptive', verify: false }, key);
    expect(stateless.status).toBe(200);
    expect(stateless.body.data.statusCode).toBe(200);
  });

  it('an error answer with an empty body is still a completed task with its status', async () => {
    const { key } = await newAccount();
    const sessionId = await open(key);
    for (const code of [404, 500, 204]) {
      const res = await send(key, sessionId, { url: `${site.url}/empty/${code}` });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ task: { status: 'completed' }, statusCode: code, body: '' });
    }
  });

  it('evaluate: an IIFE is an expression; a script that never settles is cut off at its timeout and the session goes on', async () => {
    const { key } = await newAccount();
    const sessionId = await open(key);
    expect((await act(key, sessionId, { action: 'evaluate', script: '(() => 1 + 1)()' })).body.data.result).toEqual({ value: 2 });
    const hung = await act(key, sessionId, { action: 'evaluate', script: 'new Promise(() => {})', timeout: 1 });
    expectEnvelopeError(hung, 504, 'BROWSER_TIMEOUT');
    expect((await act(key, sessionId, { action: 'getUrl', timeout: 2 })).status).toBe(200);
  });

  it("POST with a body reaches the target with the browser's identity and cookies", async () => {
    const { key } = await newAccount();
    const sessionId = await open(key);
    await send(key, sessionId, { url: `${site.url}/set-cookie?name=pc&value=pv` });
    const res = await send(key, sessionId, { url: `${site.url}/echo`, method: 'POST', body: { hello: 'world', n: [1, 2] }, cookies: { extra: 'yes' } });
    const echo = echoOf(res);
    expect(echo.method).toBe('POST');
    expect(JSON.parse(echo.body)).toEqual({ hello: 'world', n: [1, 2] });
    expect(echoHeader(echo, 'content-type')).toEqual(['application/json']);
    expect(echoCookies(echo)).toEqual({ pc: 'pv', extra: 'yes' });
    expect(echoHeader(echo, 'user-agent')).toEqual([(await statusOf(key, sessionId)).profile.userAgent]);
    expect(res.body.session.requestCount).toBe(2);
    // The rewrite leaves the browser's cache on: no header of a forced reload (a Playwright route would add them).
    expect(echoHeader(echo, 'pragma')).toEqual([]);
    expect(echoHeader(echo, 'cache-control')).toEqual([]);

    const form = echoOf(await send(key, sessionId, { url: `${site.url}/echo`, method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-Extra': 'e1' }, body: { a: '1', b: 'x y' } }));
    expect(form.method).toBe('PUT');
    expect(form.body).toBe('a=1&b=x+y');
    // A header given in another case replaces the browser's own in place, once.
    expect(echoHeader(form, 'content-type')).toEqual(['application/x-www-form-urlencoded']);
    expect(echoHeader(form, 'x-extra')).toEqual(['e1']);
    expect(echoHeader(form, 'pragma')).toEqual([]);
  });

  it('cookies move both ways between the browser context and the session jar', async () => {
    const { key } = await newAccount();
    const sessionId = await open(key);
    const set = await act(key, sessionId, { action: 'setCookies', cookies: [{ name: 'from_action', value: 'a1', domain: '127.0.0.1', path: '/' }, { name: 'by_url', value: 'u1', url: site.url }] });
    expect(set.body.data.result).toEqual({ count: 2 });
    expect(echoCookies(echoOf(await send(key, sessionId, { url: `${site.url}/echo` })))).toEqual({ from_action: 'a1', by_url: 'u1' });

    const fromTarget = await send(key, sessionId, { url: `${site.url}/set-cookie?name=from_target&value=t1` });
    expect(fromTarget.body.data.cookies).toEqual({ from_target: 't1' });
    const got = await act(key, sessionId, { action: 'getCookies', urls: [site.url] });
    const byName = Object.fromEntries(got.body.data.result.cookies.map((c: { name: string; value: string }) => [c.name, c.value]));
    expect(byName).toEqual({ from_action: 'a1', by_url: 'u1', from_target: 't1' });
    for (const c of got.body.data.result.cookies) expect(Object.keys(c).sort()).toEqual(['domain', 'expires', 'httpOnly', 'name', 'path', 'sameSite', 'secure', 'value']);

    // The request's `cookies` option reaches the browser too; a past `expires` deletes one.
    const merged = await send(key, sessionId, { url: `${site.url}/echo`, cookies: [{ name: 'by_url', value: 'gone', expires: Date.now() - 86_400_000 }, { name: 'opt', value: 'o1' }] });
    expect(echoCookies(echoOf(merged))).toEqual({ from_action: 'a1', from_target: 't1', opt: 'o1' });

    const cleared = await act(key, sessionId, { action: 'clearCookies' });
    expect(cleared.body.data.result).toEqual({ cleared: true });
    expect(echoCookies(echoOf(await send(key, sessionId, { url: `${site.url}/echo` })))).toEqual({});
  });

  describe('errors', () => {
    let key: string;
    let accountId: string;
    let sessionId: string;
    beforeAll(async () => {
      ({ key, id: accountId } = await newAccount());
      const res = await s.call('/session/create', { mode: 'adaptive' }, key);
      sessionId = res.body.session.id;
      await s.call('/session/request', { sessionId, url: `${site.url}/page?title=Errors` }, key);
    });
    afterAll(async () => {
      await s.call('/session/close', { sessionId }, key);
    });

    it('a passive session → 400 ADAPTIVE_MODE_REQUIRED', async () => {
      const passive = (await s.call('/session/create', {}, key)).body.session.id;
      onTestFinished(async () => {
        await s.call('/session/close', { sessionId: passive }, key);
      });
      expectEnvelopeError(await act(key, passive, { action: 'getTitle' }), 400, 'ADAPTIVE_MODE_REQUIRED');
    });

    it('input errors: ACTION_REQUIRED, INVALID_ACTION with details.field, INVALID_TIMEOUT, SESSION_ID_REQUIRED', async () => {
      expectEnvelopeError(await act(key, sessionId, {}), 400, 'ACTION_REQUIRED');
      expectEnvelopeError(await s.call('/browser/action', { action: 'getTitle' }, key), 400, 'SESSION_ID_REQUIRED');

      const unknown = await act(key, sessionId, { action: 'teleport' });
      expectEnvelopeError(unknown, 400, 'INVALID_ACTION');
      expect(unknown.body.error.details.field).toEqual(expect.stringContaining('type'));
      const unknownNested = await act(key, sessionId, { action: { type: 'teleport' } });
      expectEnvelopeError(unknownNested, 400, 'INVALID_ACTION');
      expect(unknownNested.body.error.details.field).toEqual(expect.stringContaining('type'));
      const unknownInBatch = await act(key, sessionId, { actions: [{ type: 'getTitle' }, { type: 'teleport' }] });
      expectEnvelopeError(unknownInBatch, 400, 'INVALID_ACTION');
      expect(unknownInBatch.body.error.details.field).toBe('actions[1].type');

      const missing = await act(key, sessionId, { action: 'click' });
      expectEnvelopeError(missing, 400, 'INVALID_ACTION');
      expect(missing.body.error.details.field).toBe('selector');
      const missingInBatch = await act(key, sessionId, { actions: [{ type: 'getTitle' }, { type: 'navigate' }] });
      expectEnvelopeError(missingInBatch, 400, 'INVALID_ACTION');
      expect(missingInBatch.body.error.details.field).toBe('actions[1].url');

      const tooMany = await act(key, sessionId, { actions: Array.from({ length: 51 }, () => ({ type: 'getTitle' })) });
      expectEnvelopeError(tooMany, 400, 'INVALID_ACTION');
      expect(tooMany.body.error.details.field).toBe('actions');
      // Fifty is the limit, not over it.
      expect((await act(key, sessionId, { actions: Array.from({ length: 50 }, () => ({ type: 'getUrl' })) })).body.data.results).toHaveLength(50);

      const longWait = await act(key, sessionId, { action: 'wait', ms: 61_000 });
      expectEnvelopeError(longWait, 400, 'INVALID_ACTION');
      expect(longWait.body.error.details.field).toBe('ms');
      expectEnvelopeError(await act(key, sessionId, { action: 'navigate', url: 'ftp://example.test/' }), 400, 'INVALID_ACTION');
      expectEnvelopeError(await act(key, sessionId, { action: 'getTitle', speed: 'warp' }), 400, 'INVALID_ACTION');

      for (const timeout of [0, -1, 121, 'soon']) expectEnvelopeError(await act(key, sessionId, { action: 'getTitle', timeout }), 400, 'INVALID_TIMEOUT');
    });

    it('402: a price above maxCost (the whole batch counts), or above the balance', async () => {
      const above = await act(key, sessionId, { action: 'getTitle', maxCost: usd(ACTION_MICROS - 1) });
      expectEnvelopeError(above, 402, 'PRICE_ABOVE_MAX_COST');
      expect((await act(key, sessionId, { action: 'getTitle', maxCost: usd(ACTION_MICROS) })).status).toBe(200);
      expectEnvelopeError(await act(key, sessionId, { actions: [{ type: 'getTitle' }, { type: 'getUrl' }, { type: 'getTitle' }], maxCost: usd(2 * ACTION_MICROS) }), 402, 'PRICE_ABOVE_MAX_COST');

      // The session's own maxCost (set at creation) bounds each call that gives none.
      const capped = await open(key, { maxCost: usd(4 * ACTION_MICROS) });
      const five = Array.from({ length: 5 }, () => ({ type: 'getUrl' }));
      expectEnvelopeError(await act(key, capped, { actions: five }), 402, 'PRICE_ABOVE_MAX_COST');
      expect((await act(key, capped, { actions: five.slice(0, 4) })).status).toBe(200);
      expect((await act(key, capped, { actions: five, maxCost: usd(5 * ACTION_MICROS) })).status).toBe(200);

      const poor = await s.account(0.002, { maxSessions: 10 });
      const poorSession = await open(poor.key);
      expect(await balanceOf(poor.key)).toBe(0);
      expectEnvelopeError(await act(poor.key, poorSession, { action: 'getTitle' }), 402, 'INSUFFICIENT_BALANCE');
    });

    it('a selector that matches nothing → 422 ELEMENT_NOT_FOUND with the step results, refunded', async () => {
      const before = await balanceOf(key);
      const res = await act(key, sessionId, { action: 'click', selector: '#missing', timeout: 1 });
      expectEnvelopeError(res, 422, 'ELEMENT_NOT_FOUND');
      expect(res.headers.get('x-bbre-cost')).toBe('0');
      const details = res.body.error.details;
      expect(details).toMatchObject({ failedStep: 0, taskId: expect.stringMatching(/^task_/), refunded: true });
      expect(details.results).toEqual([{ step: 0, action: 'click', success: false, duration: expect.any(Number), error: { code: 'ELEMENT_NOT_FOUND', message: expect.any(String) } }]);
      expect(await balanceOf(key)).toBe(before);
      const task = await s.call('/request/result', { taskId: details.taskId }, key);
      expect(task.body.data.task).toMatchObject({ id: details.taskId, status: 'failed', refunded: true, error: { code: 'ELEMENT_NOT_FOUND' } });
    });

    it('a script that throws → 422 BROWSER_ACTION_FAILED', async () => {
      const res = await act(key, sessionId, { action: 'evaluate', script: '(() => { throw new Error("boom") })()' });
      expectEnvelopeError(res, 422, 'BROWSER_ACTION_FAILED');
      expect(res.body.error.details).toMatchObject({ failedStep: 0, refunded: true });
    });

    it('a batch failing at step 2 stops there: failedStep 2 and the three results, the failed one with its error; the two steps that ran are charged', async () => {
      const balanceBefore = await balanceOf(key);
      const chargedBefore = (await statusOf(key, sessionId)).totalCharged;
      const res = await act(key, sessionId, {
        timeout: 1,
        actions: [{ type: 'getTitle' }, { type: 'evaluate', script: '1 + 1' }, { type: 'click', selector: '#missing' }, { type: 'getUrl' }],
      });
      expectEnvelopeError(res, 422, 'ELEMENT_NOT_FOUND');
      const { failedStep, results } = res.body.error.details;
      expect(failedStep).toBe(2);
      expect(results).toHaveLength(3);
      expect(results[0]).toMatchObject({ step: 0, action: 'getTitle', success: true, result: { title: 'Errors' } });
      expect(results[1]).toMatchObject({ step: 1, action: 'evaluate', success: true, result: { value: 2 } });
      expect(results[2]).toMatchObject({ step: 2, action: 'click', success: false, error: { code: 'ELEMENT_NOT_FOUND' } });

      // Contract §3.5: steps 0 and 1 ran and are charged; the failing step and the one after it are refunded.
      expect(res.headers.get('x-bbre-cost')).toBe(String(usd(2 * ACTION_MICROS)));
      expect(res.body.error.details).toMatchObject({ refunded: true, charged: usd(2 * ACTION_MICROS) });
      expect(await balanceOf(key)).toBeCloseTo(balanceBefore - usd(2 * ACTION_MICROS), 9);
      const status = await statusOf(key, sessionId);
      expect(status.totalCharged).toBeCloseTo(chargedBefore + usd(2 * ACTION_MICROS), 9);
      const taskId = res.body.error.details.taskId;
      const record = (await s.call('/account/history', { type: 'browser_action' }, key)).body.history.find((h: { id: string }) => h.id === taskId);
      expect(record).toMatchObject({ action: 'batch', status: 'failed', price: usd(2 * ACTION_MICROS) });
      const task = await s.call('/request/result', { taskId }, key);
      expect(task.body.data.task).toMatchObject({ status: 'failed', refunded: true, charged: usd(2 * ACTION_MICROS) });
      const inv = await ledgerInvariants(s.app, accountId);
      expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
      expect(inv.totalChargedMicros).toBe(inv.sessionTaskNetMicros);
      expect(inv.priceMismatches).toEqual([]);
      // The ledger shows the whole reservation charged and the two unexecuted steps' price returned.
      const entries = inv.entries.filter((e) => e.task_id === taskId).map((e) => [e.kind, Number(e.amount_micros)]);
      expect(entries).toEqual([
        ['charge', 4 * ACTION_MICROS],
        ['refund', 2 * ACTION_MICROS],
      ]);
    });

    it('an action or request on a closed session → 400 SESSION_CLOSED', async () => {
      const closedId = await open(key);
      expect((await s.call('/session/close', { sessionId: closedId }, key)).status).toBe(200);
      const res = await act(key, closedId, { action: 'getTitle' });
      expectEnvelopeError(res, 400, 'SESSION_CLOSED');
      expect(res.body.error.details).toMatchObject({ status: 'closed', endedReason: 'closed' });
      expectEnvelopeError(await send(key, closedId, { url: `${site.url}/page` }), 400, 'SESSION_CLOSED');
      expectEnvelopeError(await act(key, 'session_doesnotexist00', { action: 'getTitle' }), 404, 'SESSION_NOT_FOUND');
    });

    it("another account's session → 404 SESSION_NOT_FOUND", async () => {
      const other = await newAccount();
      expectEnvelopeError(await act(other.key, sessionId, { action: 'getTitle' }), 404, 'SESSION_NOT_FOUND');
    });
  });

  it('charging and history: actions are charged per step and recorded, but only requests count', async () => {
    const { id: accountId, key } = await newAccount();
    const start = await balanceOf(key);
    const sessionId = await open(key);
    // The test clock stands still; a tick between calls gives the history its newest-first order.
    const tick = () => s.clock.advance(1000);
    await send(key, sessionId, { url: `${site.url}/page?title=One` });
    tick();
    const single = await act(key, sessionId, { action: 'getTitle' });
    expect(single.headers.get('x-bbre-cost')).toBe(String(usd(ACTION_MICROS)));
    tick();
    const batch = await act(key, sessionId, { actions: [{ type: 'navigate', url: `${site.url}/page?title=Two` }, { type: 'getText', selector: 'h1' }] });
    expect(batch.headers.get('x-bbre-cost')).toBe(String(usd(2 * ACTION_MICROS)));
    tick();
    const failed = await act(key, sessionId, { action: 'click', selector: '#missing', timeout: 1 });
    expectEnvelopeError(failed, 422, 'ELEMENT_NOT_FOUND');
    tick();
    await send(key, sessionId, { url: `${site.url}/status/404` });

    const status = await statusOf(key, sessionId);
    expect(status.requestCount).toBe(2);
    expect(status.totalCharged).toBeCloseTo(usd(2 * REQUEST_MICROS + 3 * ACTION_MICROS), 9);
    expect(await balanceOf(key)).toBeCloseTo(start - usd(2_000 + 2 * REQUEST_MICROS + 3 * ACTION_MICROS), 9);

    const actions = (await s.call('/account/history', { type: 'browser_action' }, key)).body.history;
    expect(actions.map((h: { action: string; status: string; price: number }) => [h.action, h.status, h.price])).toEqual([
      ['click', 'failed', 0],
      ['batch', 'completed', usd(2 * ACTION_MICROS)],
      ['getTitle', 'completed', usd(ACTION_MICROS)],
    ]);
    for (const h of actions) {
      expect(h).toMatchObject({ id: expect.stringMatching(/^task_/), type: 'browser_action', mode: 'adaptive', sensibility: 'medium', method: null, sessionId });
    }
    // Contract §3.12: the page URL when the call started.
    expect(actions.map((h: { url: string }) => h.url)).toEqual([`${site.url}/page?title=Two`, `${site.url}/page?title=One`, `${site.url}/page?title=One`]);

    const requests = (await s.call('/account/history', { type: 'session_request' }, key)).body.history;
    expect(requests.map((h: { url: string; method: string; status: string; price: number }) => [h.url, h.method, h.status, h.price])).toEqual([
      [`${site.url}/status/404`, 'GET', 'completed', usd(REQUEST_MICROS)],
      [`${site.url}/page?title=One`, 'GET', 'completed', usd(REQUEST_MICROS)],
    ]);
    // A completed action task reads back through /request/result with the action's data.
    const read = await s.call('/request/result', { taskId: actions[1].id }, key);
    expect(read.body.data).toMatchObject({ task: { id: actions[1].id, status: 'completed' }, results: [{ action: 'navigate' }, { action: 'getText', result: { text: 'Two' } }] });

    const inv = await ledgerInvariants(s.app, accountId);
    expect(inv.chainOk).toBe(true);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.totalChargedMicros).toBe(inv.sessionTaskNetMicros);
    expect(inv.totalChargedMicros).toBe(2 * REQUEST_MICROS + 3 * ACTION_MICROS);
    expect(inv.requestCount).toBe(2);
    expect(inv.priceMismatches).toEqual([]);
  });

  it('timeouts and unreachable targets: 504 and 502, refunded, not counted', async () => {
    const { key } = await newAccount();
    const sessionId = await open(key);
    await send(key, sessionId, { url: `${site.url}/page?title=Still` });
    const before = await balanceOf(key);
    // First, on a page that stays still (after a refused navigation, Chromium's error page reloads itself).
    const navWait = await act(key, sessionId, { action: 'waitForNavigation', timeout: 1 });
    expectEnvelopeError(navWait, 504, 'BROWSER_TIMEOUT');
    expect(navWait.body.error.details).toMatchObject({ refunded: true, failedStep: 0 });
    const slow = await send(key, sessionId, { url: `${site.url}/slow?ms=20000`, timeout: 1 });
    expectEnvelopeError(slow, 504, 'REQUEST_TIMEOUT');
    expect(slow.body.error.details).toMatchObject({ taskId: expect.stringMatching(/^task_/), refunded: true });
    // The first document answers, but the script navigation it starts does not finish in time.
    const lateNavigation = await send(key, sessionId, { url: `${site.url}/js-cookie?delay=50&wait=10000`, timeout: 1.5 });
    expectEnvelopeError(lateNavigation, 504, 'REQUEST_TIMEOUT');
    expect(lateNavigation.body.error.details).toMatchObject({ refunded: true });
    const port = await closedPort();
    const refused = await send(key, sessionId, { url: `http://127.0.0.1:${port}/` });
    expectEnvelopeError(refused, 502, 'TARGET_UNREACHABLE');
    expect(refused.body.error.details).toMatchObject({ refunded: true, reason: 'connect' });
    const navRefused = await act(key, sessionId, { action: 'navigate', url: `http://127.0.0.1:${port}/` });
    expectEnvelopeError(navRefused, 502, 'TARGET_UNREACHABLE');
    expect(navRefused.body.error.details).toMatchObject({ refunded: true, failedStep: 0 });
    expect(await balanceOf(key)).toBe(before);
    expect(await statusOf(key, sessionId)).toMatchObject({ status: 'active', requestCount: 1, totalCharged: usd(REQUEST_MICROS) });
  });

  it('closing a session aborts its running request and queued action: 400 SESSION_CLOSED, refunded', async () => {
    const { id: accountId, key } = await newAccount();
    const sessionId = await open(key);
    const slowHits = site.hits.get('/slow') ?? 0;
    const running = send(key, sessionId, { url: `${site.url}/slow?ms=30000` });
    await until(() => ((site.hits.get('/slow') ?? 0) > slowHits ? true : undefined), 'the request reached the target');
    // The action's task exists (processing) once it is admitted; it then waits behind the request (one page).
    const queued = act(key, sessionId, { action: 'wait', ms: 30_000 });
    await until(async () => ((await s.call('/account/history', { type: 'browser_action', status: 'processing' }, key)).body.pagination.total === 1 ? true : undefined), 'the action is queued');
    expect((await s.call('/session/close', { sessionId }, key)).status).toBe(200);
    for (const res of [await running, await queued]) {
      expectEnvelopeError(res, 400, 'SESSION_CLOSED');
      expect(res.body.error.details).toMatchObject({ refunded: true, status: 'closed', endedReason: 'closed' });
    }
    const inv = await ledgerInvariants(s.app, accountId);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.totalChargedMicros).toBe(0);
    expect(inv.priceMismatches).toEqual([]);
  });

  it('closing a session frees its browser context', async () => {
    const { key } = await newAccount();
    const before = await busy();
    const sessionId = await open(key);
    expect(await busy()).toBe(before + 1);
    await send(key, sessionId, { url: `${site.url}/page` });
    expect((await s.call('/session/close', { sessionId }, key)).body.session).toMatchObject({ status: 'closed', endedReason: 'closed' });
    await until(async () => ((await busy()) === before ? true : undefined), 'context released after close');
  });

});
