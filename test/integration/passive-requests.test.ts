import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Sensibility } from '../../src/contract/types.js';
import { BACKENDS } from '../support/backends.js';
import { expectEnvelopeError, startServer, type ApiResponse, type TestServer } from '../support/app.js';
import { ledgerInvariants } from '../support/ledger.js';
import { until } from '../support/processes.js';
import { startHttpProxy, startSocks5Proxy, type TestProxy } from '../support/proxies.js';
import {
  BASIC_PASSWORD,
  BASIC_USER,
  BINARY_BYTES,
  GZIP_TEXT,
  LATIN1_TEXT,
  closedPort,
  echoCookies,
  echoHeader,
  startTargetSite,
  type EchoBody,
  type TargetSite,
} from '../support/target-site.js';

/** Contract §7.1, passive request prices in micro-dollars. */
const PRICE_MICROS: Record<Sensibility, number> = { low: 1000, medium: 2000, high: 3000 };
const usd = (micros: number) => micros / 1e6;
/** Small enough that /big (4×) is cut, large enough for every other page. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Chromium 156's document-navigation headers over HTTP/1.1, in its order (captured from `chromium --headless`). */
const CHROMIUM_NAVIGATION = [
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'upgrade-insecure-requests',
  'user-agent',
  'accept',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-user',
  'sec-fetch-dest',
  'accept-encoding',
  'accept-language',
];
/** Connection-level headers the HTTP client adds, and the ones a request's cookies and body bring. */
const NOT_IDENTITY = new Set(['host', 'connection', 'cookie', 'content-length', 'content-type']);

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite({ bigBytes: 4 * MAX_RESPONSE_BYTES });
});
afterAll(() => site?.close());

let tlsSite: TargetSite;
beforeAll(async () => {
  tlsSite = await startTargetSite({ tls: true });
});
afterAll(() => tlsSite?.close());

let httpProxy: TestProxy;
beforeAll(async () => {
  httpProxy = await startHttpProxy();
});
afterAll(() => httpProxy?.close());

const PROXY_PASSWORD = 'Px-s3cret-77';
let httpAuthProxy: TestProxy;
beforeAll(async () => {
  httpAuthProxy = await startHttpProxy({ auth: { username: 'pxu', password: PROXY_PASSWORD } });
});
afterAll(() => httpAuthProxy?.close());

let socksProxy: TestProxy;
beforeAll(async () => {
  socksProxy = await startSocks5Proxy();
});
afterAll(() => socksProxy?.close());

let socksAuthProxy: TestProxy;
beforeAll(async () => {
  socksAuthProxy = await startSocks5Proxy({ auth: { username: 'sock', password: 's3cret' } });
});
afterAll(() => socksAuthProxy?.close());

function echoOf(res: ApiResponse): EchoBody {
  if (res.status !== 200 || res.body.data?.statusCode !== 200) throw new Error(`expected an echo, got ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return JSON.parse(res.body.data.body) as EchoBody;
}

function identityNames(echo: EchoBody): string[] {
  return echo.rawHeaders.map(([n]) => n.toLowerCase()).filter((n) => !NOT_IDENTITY.has(n));
}

describe.each(BACKENDS)('passive session requests (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { config: { maxResponseBytes: MAX_RESPONSE_BYTES } });
  });
  afterAll(() => s?.close());

  const balanceOf = async (key: string): Promise<number> => (await s.call('/account/balance', {}, key)).body.balance;
  const statusOf = async (key: string, sessionId: string) => (await s.call('/session/status', { sessionId }, key)).body.session;

  describe.each(['low', 'medium'] as const)('sensibility %s', (sensibility) => {
    const price = PRICE_MICROS[sensibility];
    let key: string;
    beforeAll(async () => {
      ({ key } = await s.account(100, { maxSessions: 1000 }));
    });

    const open = async (extra: Record<string, unknown> = {}): Promise<string> => {
      const res = await s.call('/session/create', { sensibility, ...extra }, key);
      if (res.status !== 200) throw new Error(`session create failed: ${JSON.stringify(res.body)}`);
      return res.body.session.id as string;
    };
    const send = (sessionId: string, options: Record<string, unknown>, apiKey = key) => s.call('/session/request', { sessionId, ...options }, apiKey);

    it('closing a session discards its cookie jar (contract §3.4)', async () => {
      const sessionId = await open();
      await send(sessionId, { url: `${site.url}/login`, method: 'POST', body: { user: 'alice' } });
      const accountId = (await s.app.accounts.authenticate(key)).account.id;
      expect((await s.app.store.sessions.getSession(accountId, sessionId))?.state).toBeTruthy();
      expect((await s.call('/session/close', { sessionId }, key)).status).toBe(200);
      expect((await s.app.store.sessions.getSession(accountId, sessionId))?.state).toBeNull();
    });

    it('login: the cookie set on the POST redirect hop is sent on the next hop and on later requests', async () => {
      const sessionId = await open();
      const login = await send(sessionId, { url: `${site.url}/login`, method: 'POST', body: { user: 'alice' } });
      expect(login.status).toBe(200);
      expect(login.headers.get('x-bbre-cost')).toBe(String(usd(price)));
      const data = login.body.data;
      expect(data.task).toMatchObject({ id: expect.stringMatching(/^task_[A-Za-z0-9]+$/), status: 'completed', processingTime: expect.any(Number) });
      expect(data.statusCode).toBe(200);
      expect(data.url).toBe(`${site.url}/account`);
      expect(data.redirects).toEqual([{ url: `${site.url}/login`, statusCode: 302, location: '/account' }]);
      expect(data.cookies).toEqual({ sid: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(data.body).toBe(`welcome ${data.cookies.sid}`);
      expect(login.body.session).toMatchObject({ id: sessionId, status: 'active', requestCount: 1, totalCharged: usd(price) });

      const account = await send(sessionId, { url: `${site.url}/account` });
      expect(account.body.data.statusCode).toBe(200);
      expect(account.body.data.body).toBe(`welcome ${data.cookies.sid}`);
      expect(account.body.data.redirects).toEqual([]);

      const fresh = await send(await open(), { url: `${site.url}/account` });
      expect(fresh.status).toBe(200);
      expect(fresh.body.data.statusCode).toBe(403);
    });

    it('keeps the cookie of every hop of a redirect chain and sends them all later', async () => {
      const sessionId = await open();
      const res = await send(sessionId, { url: `${site.url}/chain/1` });
      expect(res.body.data).toMatchObject({ statusCode: 200, url: `${site.url}/chain/3`, body: 'end of chain', cookies: { c1: 'v1', c2: 'v2', c3: 'v3' } });
      expect(res.body.data.redirects).toEqual([
        { url: `${site.url}/chain/1`, statusCode: 302, location: '/chain/2' },
        { url: `${site.url}/chain/2`, statusCode: 302, location: '/chain/3' },
      ]);
      const echo = echoOf(await send(sessionId, { url: `${site.url}/echo` }));
      expect(echoCookies(echo)).toEqual({ c1: 'v1', c2: 'v2', c3: 'v3' });
      expect(echoHeader(echo, 'cookie')).toHaveLength(1);
    });

    it('sends every method; HEAD answers without a body', async () => {
      const sessionId = await open();
      for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'post']) {
        const echo = echoOf(await send(sessionId, { url: `${site.url}/echo`, method }));
        expect(echo.method).toBe(method.toUpperCase());
      }
      const head = await send(sessionId, { url: `${site.url}/echo`, method: 'HEAD' });
      expect(head.body.data).toMatchObject({ statusCode: 200, body: '', truncated: false });
      expect(head.body.data.headers['content-type']).toBe('application/json');
    });

    it('caller headers replace the profile header of the same name in place and add new ones', async () => {
      const sessionId = await open();
      const plain = echoOf(await send(sessionId, { url: `${site.url}/echo` }));
      const custom = echoOf(await send(sessionId, { url: `${site.url}/echo`, headers: { 'User-Agent': 'custom-agent/1.0', 'X-Custom': 'yes', Accept: 'application/json' } }));
      expect(echoHeader(custom, 'user-agent')).toEqual(['custom-agent/1.0']);
      expect(echoHeader(custom, 'accept')).toEqual(['application/json']);
      expect(echoHeader(custom, 'x-custom')).toEqual(['yes']);
      // Same place in the browser's order; the new header comes after the browser's own.
      const names = identityNames(custom);
      expect(names.filter((n) => n !== 'x-custom')).toEqual(identityNames(plain));
      expect(names.indexOf('x-custom')).toBeGreaterThan(names.indexOf('accept-language'));
      // An empty value removes the header (header-sets.ts mergeHeaders): nothing else puts one back.
      const removed = echoOf(await send(sessionId, { url: `${site.url}/echo`, headers: { 'Accept-Language': '', 'Sec-Ch-Ua': '', Priority: '' } }));
      expect(echoHeader(removed, 'accept-language')).toEqual([]);
      expect(echoHeader(removed, 'sec-ch-ua')).toEqual([]);
      expect(echoHeader(removed, 'priority')).toEqual([]);
      expect(identityNames(removed)).toEqual(identityNames(plain).filter((n) => n !== 'accept-language' && n !== 'sec-ch-ua'));
    });

    it('encodes bodies: JSON object, form object, string, base64 binary', async () => {
      const sessionId = await open();
      const json = echoOf(await send(sessionId, { url: `${site.url}/echo`, method: 'POST', body: { a: 1, b: 'x', nested: { ok: true } } }));
      expect(echoHeader(json, 'content-type')).toEqual(['application/json']);
      expect(JSON.parse(json.body)).toEqual({ a: 1, b: 'x', nested: { ok: true } });

      const form = echoOf(
        await send(sessionId, { url: `${site.url}/echo`, method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: { a: '1', b: ['x', 'y'], c: 'é &=' } }),
      );
      expect(echoHeader(form, 'content-type')).toEqual(['application/x-www-form-urlencoded']);
      expect(form.body).toBe('a=1&b=x&b=y&c=%C3%A9+%26%3D');

      const text = echoOf(await send(sessionId, { url: `${site.url}/echo`, method: 'PUT', body: 'plain text, as is {"not": "json"}' }));
      expect(text.body).toBe('plain text, as is {"not": "json"}');
      expect(echoHeader(text, 'content-length')).toEqual([String(Buffer.byteLength(text.body))]);

      const binary = echoOf(await send(sessionId, { url: `${site.url}/echo`, method: 'POST', body: BINARY_BYTES.toString('base64'), bodyEncoding: 'base64' }));
      expect(Buffer.from(binary.bodyBase64, 'base64').equals(BINARY_BYTES)).toBe(true);

      const array = echoOf(await send(sessionId, { url: `${site.url}/echo`, method: 'POST', body: [1, { two: 2 }] }));
      expect(echoHeader(array, 'content-type')).toEqual(['application/json']);
      expect(JSON.parse(array.body)).toEqual([1, { two: 2 }]);
      // A bare number or boolean is neither an object nor a string: refused before anything is charged.
      for (const body of [42, true]) {
        const res = await send(sessionId, { url: `${site.url}/echo`, method: 'POST', body });
        expectEnvelopeError(res, 400, 'INVALID_REQUEST');
        expect(res.body.error.details.field).toBe('body');
      }
    });

    it('appends params (alias query) to the existing query string, arrays repeating the key', async () => {
      const sessionId = await open();
      const withParams = await send(sessionId, { url: `${site.url}/echo?x=1`, params: { a: 'b c', list: ['p', 'q'], n: 2, yes: true } });
      expect(echoOf(withParams).url).toBe('/echo?x=1&a=b+c&list=p&list=q&n=2&yes=true');
      expect(withParams.body.data.url).toBe(`${site.url}/echo?x=1&a=b+c&list=p&list=q&n=2&yes=true`);
      expect(echoOf(await send(sessionId, { url: `${site.url}/echo`, query: { q: ['1', '2'] } })).url).toBe('/echo?q=1&q=2');
      // Both sent: the first-named (params) wins.
      expect(echoOf(await send(sessionId, { url: `${site.url}/echo`, params: { p: 1 }, query: { q: 1 } })).url).toBe('/echo?p=1');
    });

    it('merges cookies given as an object or an array into the jar; a past expires deletes one', async () => {
      const sessionId = await open();
      const first = echoOf(await send(sessionId, { url: `${site.url}/echo`, cookies: { k1: 'v1', k2: 'v2' } }));
      expect(echoCookies(first)).toEqual({ k1: 'v1', k2: 'v2' });
      const second = echoOf(
        await send(sessionId, {
          url: `${site.url}/echo`,
          cookies: [
            { name: 'k1', value: 'gone', expires: Date.now() - 86_400_000 },
            { name: 'k3', value: 'v3', path: '/', httpOnly: true, sameSite: 'Lax' },
          ],
        }),
      );
      expect(echoCookies(second)).toEqual({ k2: 'v2', k3: 'v3' });
      // The jar kept the change: a later request without cookies sends the same.
      expect(echoCookies(echoOf(await send(sessionId, { url: `${site.url}/echo` })))).toEqual({ k2: 'v2', k3: 'v3' });
    });

    it('a target slower than timeout → 504 REQUEST_TIMEOUT, refunded, nothing counted', async () => {
      const sessionId = await open();
      const before = await balanceOf(key);
      const res = await send(sessionId, { url: `${site.url}/slow?ms=20000`, timeout: 0.3 });
      expectEnvelopeError(res, 504, 'REQUEST_TIMEOUT');
      expect(res.body.error.details).toMatchObject({ taskId: expect.stringMatching(/^task_/), refunded: true, retryable: true });
      expect(res.headers.get('x-bbre-cost')).toBe('0');
      expect(await balanceOf(key)).toBe(before);
      expect(await statusOf(key, sessionId)).toMatchObject({ requestCount: 0, totalCharged: 0 });
      const task = await s.call('/request/result', { taskId: res.body.error.details.taskId }, key);
      expect(task.body.data.task).toMatchObject({ status: 'timeout', refunded: true, error: { code: 'REQUEST_TIMEOUT' } });
    });

    it('a client that hangs up mid-request: refunded at once, nothing counted, the request to the target gone by its deadline', async () => {
      const sessionId = await open();
      const before = await balanceOf(key);
      const hitsBefore = site.hits.get('/slow') ?? 0;
      const abandonedBefore = site.slowAbandoned();
      const client = new AbortController();
      const pending = fetch(`${s.url}/session/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        // undici drops the target's connection at once; impit cannot cancel a request in flight and ends it
        // at the request's deadline (its own timeout): either way nothing outlives the 2 s asked for.
        body: JSON.stringify({ sessionId, url: `${site.url}/slow?ms=20000&hangup=${sessionId}`, timeout: 2 }),
        signal: client.signal,
      }).catch((err: unknown) => err);
      await until(() => ((site.hits.get('/slow') ?? 0) > hitsBefore ? true : undefined), 'the target to receive the request');
      client.abort();
      expect(await pending).toBeInstanceOf(Error);
      await until(async () => ((await balanceOf(key)) === before ? true : undefined), 'the refund', 1_500);
      await until(() => (site.slowAbandoned() > abandonedBefore ? true : undefined), 'BBRE to drop its request to the target', 6_000);
      expect(await statusOf(key, sessionId)).toMatchObject({ requestCount: 0, totalCharged: 0 });
      const history = await s.call('/account/history', { type: 'session_request', limit: 100 }, key);
      const task = history.body.history.find((h: { url?: string }) => h.url?.endsWith(`hangup=${sessionId}`));
      expect(task).toMatchObject({ status: 'failed', price: 0 });
    });

    it('followRedirects false returns the 3xx; maxRedirects exceeded returns the last 3xx', async () => {
      const sessionId = await open();
      const notFollowed = await send(sessionId, { url: `${site.url}/chain/1`, followRedirects: false });
      expect(notFollowed.body.data).toMatchObject({ statusCode: 302, url: `${site.url}/chain/1`, redirects: [], cookies: { c1: 'v1' } });
      expect(notFollowed.body.data.headers.location).toBe('/chain/2');
      const alias = await send(sessionId, { url: `${site.url}/chain/1`, allowRedirects: false });
      expect(alias.body.data.statusCode).toBe(302);

      const capped = await send(sessionId, { url: `${site.url}/chain/1`, maxRedirects: 1 });
      expect(capped.status).toBe(200);
      expect(capped.body.data).toMatchObject({ statusCode: 302, url: `${site.url}/chain/2`, cookies: { c1: 'v1', c2: 'v2' } });
      expect(capped.body.data.headers.location).toBe('/chain/3');
      expect(capped.body.data.redirects).toEqual([{ url: `${site.url}/chain/1`, statusCode: 302, location: '/chain/2' }]);
      const none = await send(sessionId, { url: `${site.url}/chain/1`, maxRedirects: 0 });
      expect(none.body.data).toMatchObject({ statusCode: 302, url: `${site.url}/chain/1`, redirects: [] });
      expect((await statusOf(key, sessionId)).requestCount).toBe(4);
    });

    it('a 307 after a POST keeps method and body; a 303 continues as a body-less GET', async () => {
      const sessionId = await open();
      const kept = echoOf(await send(sessionId, { url: `${site.url}/redirect-to?status=307&url=/echo`, method: 'POST', body: { keep: 1 } }));
      expect(kept.method).toBe('POST');
      expect(JSON.parse(kept.body)).toEqual({ keep: 1 });
      const switched = echoOf(await send(sessionId, { url: `${site.url}/redirect-to?status=303&url=/echo`, method: 'PUT', body: 'dropped' }));
      expect(switched.method).toBe('GET');
      expect(switched.body).toBe('');
      expect(echoHeader(switched, 'content-type')).toEqual([]);
    });

    it('verifySSL: a self-signed target fails with TARGET_UNREACHABLE reason tls unless verification is off', async () => {
      const sessionId = await open();
      const before = await balanceOf(key);
      const strict = await send(sessionId, { url: `${tlsSite.url}/echo` });
      expectEnvelopeError(strict, 502, 'TARGET_UNREACHABLE');
      expect(strict.body.error.details).toMatchObject({ reason: 'tls', refunded: true });
      expect(await balanceOf(key)).toBe(before);
      const lax = await send(sessionId, { url: `${tlsSite.url}/echo`, verifySSL: false });
      expect(echoOf(lax).method).toBe('GET');
      expect(lax.body.data.url).toBe(`${tlsSite.url}/echo`);
      expect(echoOf(await send(sessionId, { url: `${tlsSite.url}/echo`, verify: false })).method).toBe('GET');
      // The choice is per request: verification is back on for the next one.
      expectEnvelopeError(await send(sessionId, { url: `${tlsSite.url}/echo` }), 502, 'TARGET_UNREACHABLE');
    });

    it('auth sends HTTP basic credentials; an explicit Authorization header wins', async () => {
      const sessionId = await open();
      const auth = { username: BASIC_USER, password: BASIC_PASSWORD };
      expect((await send(sessionId, { url: `${site.url}/basic-auth` })).body.data.statusCode).toBe(401);
      const ok = await send(sessionId, { url: `${site.url}/basic-auth`, auth });
      expect(ok.body.data).toMatchObject({ statusCode: 200, body: 'authorized' });
      const overridden = await send(sessionId, { url: `${site.url}/basic-auth`, auth, headers: { Authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
      expect(overridden.body.data.statusCode).toBe(401);
    });

    it('credentials follow a same-origin redirect, never a cross-origin one', async () => {
      const sessionId = await open();
      const auth = { username: BASIC_USER, password: BASIC_PASSWORD };
      const expected = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`;
      const same = echoOf(await send(sessionId, { url: `${site.url}/redirect-to?url=/echo`, auth }));
      expect(echoHeader(same, 'authorization')).toEqual([expected]);
      const elsewhere = `${site.url}/redirect-to?url=${encodeURIComponent(`${tlsSite.url}/echo`)}`;
      const cross = await send(sessionId, { url: elsewhere, auth, verifySSL: false });
      expect(cross.body.data.url).toBe(`${tlsSite.url}/echo`);
      expect(echoHeader(echoOf(cross), 'authorization')).toEqual([]);
      const explicit = echoOf(await send(sessionId, { url: elsewhere, headers: { Authorization: 'Bearer t0ken' }, verifySSL: false }));
      expect(echoHeader(explicit, 'authorization')).toEqual([]);
    });

    it('a session proxy carries every request of the session, http and https (CONNECT) targets', async () => {
      const sessionId = await open({ proxy: httpProxy.url });
      const before = httpProxy.relayed;
      expect(echoOf(await send(sessionId, { url: `${site.url}/echo?via=proxy` })).url).toBe('/echo?via=proxy');
      const login = await send(sessionId, { url: `${site.url}/login`, method: 'POST' });
      expect(login.body.data.statusCode).toBe(200);
      expect(echoOf(await send(sessionId, { url: `${tlsSite.url}/echo?via=tunnel`, verifySSL: false })).url).toBe('/echo?via=tunnel');
      // At least one relay per origin (a relay may carry several requests on a kept-alive connection).
      expect(httpProxy.relayed).toBeGreaterThanOrEqual(before + 2);
    });

    it('proxy credentials are used, a refusal (407) is 502 reason proxy, and they never come back', async () => {
      const created = await s.call('/session/create', { sensibility, proxy: `http://pxu:${PROXY_PASSWORD}@127.0.0.1:${httpAuthProxy.port}` }, key);
      expect(created.status).toBe(200);
      const before = httpAuthProxy.relayed;
      const plain = await send(created.body.session.id, { url: `${site.url}/echo` });
      expect(echoOf(plain).method).toBe('GET');
      expect(echoHeader(echoOf(plain), 'proxy-authorization')).toEqual([]);
      expect(echoOf(await send(created.body.session.id, { url: `${tlsSite.url}/echo`, verifySSL: false })).method).toBe('GET');
      expect(httpAuthProxy.relayed).toBeGreaterThanOrEqual(before + 2);

      const wrong = await open({ proxy: { protocol: 'http', host: '127.0.0.1', port: httpAuthProxy.port, username: 'pxu', password: 'wrong' } });
      const balance = await balanceOf(key);
      for (const url of [`${site.url}/echo`, `${tlsSite.url}/echo`]) {
        const res = await send(wrong, { url, verifySSL: false });
        expectEnvelopeError(res, 502, 'TARGET_UNREACHABLE');
        expect(res.body.error.details).toMatchObject({ reason: 'proxy', refunded: true });
      }
      expect(await balanceOf(key)).toBe(balance);
      const status = await s.call('/session/status', { sessionId: created.body.session.id }, key);
      for (const text of [JSON.stringify(created.body), JSON.stringify(plain.body), JSON.stringify(status.body), s.logs.join('')]) expect(text).not.toContain(PROXY_PASSWORD);
    });

    it('an unreachable proxy fails with 502 TARGET_UNREACHABLE reason proxy, refunded', async () => {
      const sessionId = await open({ proxy: `http://127.0.0.1:${await closedPort()}` });
      const before = await balanceOf(key);
      const res = await send(sessionId, { url: `${site.url}/echo` });
      expectEnvelopeError(res, 502, 'TARGET_UNREACHABLE');
      expect(res.body.error.details).toMatchObject({ reason: 'proxy', refunded: true, taskId: expect.any(String) });
      expect(res.headers.get('x-bbre-cost')).toBe('0');
      expect(await balanceOf(key)).toBe(before);
    });

    it('a SOCKS5 proxy, without and with username/password, carries the requests', async () => {
      const open1 = await open({ proxy: socksProxy.url });
      const before = socksProxy.relayed;
      expect(echoOf(await send(open1, { url: `${site.url}/echo?via=socks` })).url).toBe('/echo?via=socks');
      expect(socksProxy.relayed).toBeGreaterThan(before);
      // TLS to the target runs inside the tunnel, with the request's verification choice.
      expect(echoOf(await send(open1, { url: `${tlsSite.url}/echo?via=socks`, verifySSL: false })).url).toBe('/echo?via=socks');
      const strict = await send(open1, { url: `${tlsSite.url}/echo` });
      expectEnvelopeError(strict, 502, 'TARGET_UNREACHABLE');
      expect(strict.body.error.details.reason).toBe('tls');

      const authed = await open({ proxy: { protocol: 'socks5', host: '127.0.0.1', port: socksAuthProxy.port, username: 'sock', password: 's3cret' } });
      const beforeAuth = socksAuthProxy.relayed;
      expect(echoOf(await send(authed, { url: `${site.url}/echo?via=socks-auth` })).url).toBe('/echo?via=socks-auth');
      expect(socksAuthProxy.relayed).toBeGreaterThan(beforeAuth);

      const refused = await open({ proxy: `socks5://sock:wrong@127.0.0.1:${socksAuthProxy.port}` });
      const res = await send(refused, { url: `${site.url}/echo` });
      expectEnvelopeError(res, 502, 'TARGET_UNREACHABLE');
      expect(res.body.error.details.reason).toBe('proxy');
    });

    it("the target's 404 and 500 are completed, charged tasks; headers are normalised", async () => {
      const sessionId = await open();
      for (const [i, code] of [404, 500].entries()) {
        const res = await send(sessionId, { url: `${site.url}/status/${code}` });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-bbre-cost')).toBe(String(usd(price)));
        expect(res.body.data).toMatchObject({ task: { status: 'completed' }, statusCode: code, body: `status ${code}`, cookies: { s1: 'one', s2: 'two' } });
        expect(res.body.session.requestCount).toBe(i + 1);
        const headers = res.body.data.headers as Record<string, unknown>;
        for (const name of Object.keys(headers)) expect(name).toBe(name.toLowerCase());
        expect(headers['set-cookie']).toEqual(['s1=one; Path=/', 's2=two; Path=/']);
        expect(headers['x-repeated']).toBe('a, b');
        expect(headers['content-type']).toBe('text/plain; charset=utf-8');
      }
      expect(await statusOf(key, sessionId)).toMatchObject({ requestCount: 2, totalCharged: usd(2 * price) });
    });

    it('decodes bodies honestly: gzip, binary as base64, latin1, and truncates at the response cap', async () => {
      const sessionId = await open();
      expect((await send(sessionId, { url: `${site.url}/gzip` })).body.data).toMatchObject({ statusCode: 200, body: GZIP_TEXT, bodyEncoding: 'utf8', truncated: false });
      const binary = (await send(sessionId, { url: `${site.url}/binary` })).body.data;
      expect(binary.bodyEncoding).toBe('base64');
      expect(Buffer.from(binary.body, 'base64').equals(BINARY_BYTES)).toBe(true);
      expect((await send(sessionId, { url: `${site.url}/latin1` })).body.data).toMatchObject({ body: LATIN1_TEXT, bodyEncoding: 'utf8' });
      const big = (await send(sessionId, { url: `${site.url}/big` })).body.data;
      expect(big).toMatchObject({ statusCode: 200, truncated: true, bodyEncoding: 'utf8' });
      expect(big.body).toBe('x'.repeat(MAX_RESPONSE_BYTES));
    });

    it('connection refused → 502 TARGET_UNREACHABLE, refunded, requestCount unchanged', async () => {
      const sessionId = await open();
      await send(sessionId, { url: `${site.url}/echo` });
      const before = await balanceOf(key);
      const res = await send(sessionId, { url: `http://127.0.0.1:${await closedPort()}/` });
      expectEnvelopeError(res, 502, 'TARGET_UNREACHABLE');
      expect(res.body.error.details).toMatchObject({ reason: 'connect', refunded: true, taskId: expect.stringMatching(/^task_/), retryable: true });
      expect(res.headers.get('x-bbre-cost')).toBe('0');
      expect(await balanceOf(key)).toBe(before);
      expect(await statusOf(key, sessionId)).toMatchObject({ requestCount: 1, totalCharged: usd(price) });
      const history = await s.call('/account/history', { type: 'session_request', status: 'failed', limit: 100 }, key);
      expect(history.body.history.find((h: { id: string }) => h.id === res.body.error.details.taskId)).toMatchObject({ status: 'failed', price: 0, sessionId });
    });

    it('sends the identity of its sensibility, with one profile for the whole session', async () => {
      const created = await s.call('/session/create', { sensibility }, key);
      const sessionId = created.body.session.id as string;
      const responses = [];
      for (let i = 0; i < 3; i++) responses.push(await send(sessionId, { url: `${site.url}/echo` }));
      for (const r of responses) expect(r.body.data.profile).toEqual(created.body.session.profile);
      const echo = echoOf(responses[0]!);
      const [ua] = echoHeader(echo, 'user-agent');
      expect(ua).toMatch(/^Mozilla\/5\.0 \(.+\) AppleWebKit\/537\.36 \(KHTML, like Gecko\) Chrome\/156\.0\.0\.0 Safari\/537\.36$/);
      expect(ua).not.toContain('Headless');
      expect(ua).toBe(created.body.session.profile.userAgent);
      for (const name of ['user-agent', 'accept', 'accept-language', 'accept-encoding']) expect(echoHeader(echo, name)).toHaveLength(1);
      if (sensibility === 'low') return;
      expect(identityNames(echo)).toEqual(CHROMIUM_NAVIGATION);
      const major = /Chrome\/(\d+)\./.exec(ua!)![1];
      expect(echoHeader(echo, 'sec-ch-ua')[0]).toContain(`"Chromium";v="${major}"`);
      expect(echoHeader(echo, 'sec-fetch-site')).toEqual(['none']);
      for (const r of responses.slice(1)) expect(identityNames(echoOf(r))).toEqual(CHROMIUM_NAVIGATION);
    });

    it('20 concurrent requests on one session: no crossed responses, exact counters and ledger', async () => {
      const { id, key: ownKey } = await s.account(1, { maxSessions: 10 });
      const sessionId = (await s.call('/session/create', { sensibility }, ownKey)).body.session.id as string;
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => send(sessionId, { url: `${site.url}/echo?i=${i}` }, ownKey)));
      results.forEach((r, i) => {
        expect(echoOf(r).url).toBe(`/echo?i=${i}`);
        expect(r.body.data.url).toBe(`${site.url}/echo?i=${i}`);
      });
      expect(new Set(results.map((r) => r.body.data.task.id)).size).toBe(20);
      expect(await statusOf(ownKey, sessionId)).toMatchObject({ requestCount: 20, totalCharged: usd(20 * price) });
      expect(await balanceOf(ownKey)).toBe(usd(1_000_000 - 2000 - 20 * price));
      const inv = await ledgerInvariants(s.app, id);
      expect(inv.chainOk).toBe(true);
      expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
      expect(inv.requestCount).toBe(20);
      expect(inv.totalChargedMicros).toBe(20 * price);
      expect(inv.sessionTaskNetMicros).toBe(inv.totalChargedMicros);
      expect(inv.priceMismatches).toEqual([]);
    });

    it('20 concurrent requests that each set a cookie lose none of them', async () => {
      const sessionId = await open();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => send(sessionId, { url: `${site.url}/set-cookie?name=c${i}&value=v${i}` })));
      results.forEach((r, i) => expect(r.body.data.cookies).toEqual({ [`c${i}`]: `v${i}` }));
      const cookies = echoCookies(echoOf(await send(sessionId, { url: `${site.url}/echo` })));
      expect(cookies).toEqual(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}`, `v${i}`])));
    });

    it('the jar survives a restart of the server', async () => {
      const first = await startServer(backend);
      let firstClosed = false;
      onTestFinished(async () => {
        if (!firstClosed) await first.close();
      });
      const { key: k } = await first.account(1);
      const sessionId = (await first.call('/session/create', { sensibility }, k)).body.session.id as string;
      const login = await first.call('/session/request', { sessionId, url: `${site.url}/login`, method: 'POST' }, k);
      expect(login.body.data.statusCode).toBe(200);
      firstClosed = true;
      await first.close(true);

      const second = await startServer(backend, { db: first.db, clock: first.clock });
      onTestFinished(() => second.close());
      const account = await second.call('/session/request', { sessionId, url: `${site.url}/account` }, k);
      expect(account.body.data).toMatchObject({ statusCode: 200, body: `welcome ${login.body.data.cookies.sid}` });
      expect(account.body.session).toMatchObject({ requestCount: 2, totalCharged: usd(2 * price) });
    });
  });

  describe('sensibility high, where it differs', () => {
    it('continues the browsing flow: the next request carries Referer and Sec-Fetch-Site same-origin', async () => {
      const { key } = await s.account(1);
      const sessionId = (await s.call('/session/create', { sensibility: 'high' }, key)).body.session.id as string;
      const first = await s.call('/session/request', { sessionId, url: `${site.url}/echo?step=1` }, key);
      expect(first.headers.get('x-bbre-cost')).toBe(String(usd(PRICE_MICROS.high)));
      expect(identityNames(echoOf(first))).toEqual(CHROMIUM_NAVIGATION);
      const second = echoOf(await s.call('/session/request', { sessionId, url: `${site.url}/echo?step=2` }, key));
      const expected = [...CHROMIUM_NAVIGATION];
      expected.splice(expected.indexOf('sec-fetch-dest') + 1, 0, 'referer');
      expect(identityNames(second)).toEqual(expected);
      expect(echoHeader(second, 'referer')).toEqual([`${site.url}/echo?step=1`]);
      expect(echoHeader(second, 'sec-fetch-site')).toEqual(['same-origin']);
    });
  });
});
