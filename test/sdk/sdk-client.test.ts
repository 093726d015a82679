import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { BBREClient, BBREError, SDK_VERSION, type RetryEvent } from '../../packages/sdk/src/index.js';
import { startServer, type TestServer } from '../support/app.js';
import { BACKENDS } from '../support/backends.js';
import { closedPort, echoHeader, startTargetSite, type EchoBody, type TargetSite } from '../support/target-site.js';
import { clientFor, LiveClock, rejectionOf, SERVICE, startStub } from './helpers.js';

/** Contract §7.1, in USD. */
const PASSIVE_MEDIUM = 0.002;
const PASSIVE_HIGH = 0.003;

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

const echoOf = (body: string) => JSON.parse(body) as EchoBody;

describe.each(BACKENDS)('BBREClient against a real server (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(backend, { clock: new LiveClock() });
  });
  afterAll(() => server?.close());

  it('a synchronous stateless request returns the result object and is charged', async () => {
    const { key } = await server.account(10);
    const client = clientFor(server, key);
    const result = await client.request({ url: `${site.url}/echo`, method: 'POST', body: { hello: 'world' }, headers: { 'x-probe': '1' }, params: { q: 'a b' } });
    expect(result.task).toMatchObject({ id: expect.stringMatching(/^task_/), status: 'completed', processingTime: expect.any(Number) });
    expect(result.statusCode).toBe(200);
    expect(result.url).toBe(`${site.url}/echo?q=a+b`);
    expect(result.redirects).toEqual([]);
    expect(result.profile.userAgent).toEqual(expect.any(String));
    const echo = echoOf(result.body);
    expect(echo.method).toBe('POST');
    expect(JSON.parse(echo.body)).toEqual({ hello: 'world' });
    expect(echoHeader(echo, 'x-probe')).toEqual(['1']);
    expect(await client.getBalance()).toBeCloseTo(10 - PASSIVE_MEDIUM, 6);
  });

  it('an async request creates a task and polls it to the end', async () => {
    const { key } = await server.account(10);
    const client = clientFor(server, key, { pollingInterval: 20 });
    const result = await client.request({ url: `${site.url}/slow?ms=150`, async: true });
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('slow answer');
    expect(result.task.status).toBe('completed');
    const { history } = await client.getHistory({ type: 'request' });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ id: result.task.id, status: 'completed', url: `${site.url}/slow?ms=150`, price: PASSIVE_MEDIUM });
  });

  it('verb shortcuts send their method (and body)', async () => {
    const { key } = await server.account(10);
    const client = clientFor(server, key);
    const url = `${site.url}/echo`;
    expect(echoOf((await client.get(url, { headers: { 'x-v': 'get' } })).body)).toMatchObject({ method: 'GET' });
    expect(echoOf((await client.delete(url)).body).method).toBe('DELETE');
    expect(echoOf((await client.options(url)).body).method).toBe('OPTIONS');
    const head = await client.head(url);
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    for (const [verb, send] of [
      ['POST', client.post.bind(client)],
      ['PUT', client.put.bind(client)],
      ['PATCH', client.patch.bind(client)],
    ] as const) {
      const echo = echoOf((await send(url, { verb })).body);
      expect(echo.method).toBe(verb);
      expect(JSON.parse(echo.body)).toEqual({ verb });
    }
    const text = echoOf((await client.post(url, 'a=1&b=2', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })).body);
    expect(text.body).toBe('a=1&b=2');
    expect((await client.getAccountInfo()).statistics.totalRequests).toBe(8);
  });

  it('createTask answers at once; getResult reads the task until it completes', async () => {
    const { key } = await server.account(10);
    const client = clientFor(server, key);
    const task = await client.createTask({ url: `${site.url}/slow?ms=100` });
    expect(task).toEqual({ taskId: expect.stringMatching(/^task_/), status: 'processing' });
    const deadline = Date.now() + 10_000;
    let data = await client.getResult(task.taskId);
    while (data.task.status === 'processing' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      data = await client.getResult(task.taskId);
    }
    expect(data.task).toMatchObject({ id: task.taskId, status: 'completed' });
    expect(data.statusCode).toBe(200);
    expect(data.body).toBe('slow answer');
    // A completed result is kept and re-read as it was.
    expect(await client.getResult(task.taskId)).toEqual(data);
  });

  it('balance, account info, sessions and history, with their paging fields', async () => {
    const { id, key } = await server.account(5);
    const client = clientFor(server, key);
    expect(await client.getBalance()).toBe(5);
    const session = await client.createSession({ timeout: 120 });
    onTestFinished(() => session.close().then(() => undefined));
    await session.get(`${site.url}/echo`);
    const second = await client.createSession();
    const secondId = second.sessionId;
    expect(await second.close()).toBe(true);

    const info = await client.getAccountInfo();
    expect(info.account).toMatchObject({ id, status: 'active' });
    expect(info.account.balance).toBeCloseTo(5 - 2 * 0.002 - PASSIVE_MEDIUM, 6);
    expect(info.statistics).toMatchObject({ totalRequests: 1, completedRequests: 1, failedRequests: 0, activeSessions: 1, successRate: 100 });

    const all = await client.getSessions();
    expect(all.sessions.map((s) => s.id)).toEqual([secondId, session.sessionId]);
    expect(all.pagination).toEqual({ total: 2, limit: 20, offset: 0, hasMore: false });
    const active = await client.getSessions({ status: 'active' });
    expect(active.sessions.map((s) => s.id)).toEqual([session.sessionId]);
    expect(active.sessions[0]).toMatchObject({ status: 'active', mode: 'passive', sensibility: 'medium', requestCount: 1, timeout: 120 });
    const page = await client.getSessions({ limit: 1, offset: 1 });
    expect(page.pagination).toEqual({ total: 2, limit: 1, offset: 1, hasMore: false });
    expect(page.sessions[0]!.id).toBe(session.sessionId);

    const history = await client.getHistory({ limit: 2 });
    expect(history.pagination).toEqual({ total: 3, limit: 2, offset: 0, hasMore: true });
    expect(history.history.map((h) => h.type)).toEqual(['session_create', 'session_request']);
    const requests = await client.getHistory({ type: 'session_request', status: 'completed' });
    expect(requests.history).toEqual([expect.objectContaining({ sessionId: session.sessionId, method: 'GET', price: PASSIVE_MEDIUM })]);
  });

  it('default setters return the client and apply to later calls', async () => {
    const { key } = await server.account(10);
    const client = clientFor(server, key);
    expect(client.setDefaultMode('passive').setDefaultSensibility('high').setDefaultTimeout(0.5)).toBe(client);
    expect([client.mode, client.sensibility, client.timeout]).toEqual(['passive', 'high', 0.5]);
    await client.get(`${site.url}/echo`);
    const { history } = await client.getHistory();
    expect(history[0]).toMatchObject({ sensibility: 'high', price: PASSIVE_HIGH });
    // The 0.5 s default timeout applies: a target slower than that times out (refunded, retryable for a GET).
    const err = await rejectionOf(client.get(`${site.url}/slow?ms=3000`));
    expect(err).toBeInstanceOf(BBREError);
    expect(err).toMatchObject({ code: 'REQUEST_TIMEOUT', httpStatus: 504, retryable: true });
    expect(err.details).toMatchObject({ taskId: expect.stringMatching(/^task_/), refunded: true, retryable: true });
    expect(await client.getBalance()).toBeCloseTo(10 - PASSIVE_HIGH, 6);
  });

  describe('error mapping', () => {
    it.each([
      ['INVALID_API_KEY', 403, (c: BBREClient) => c.getBalance(), 'bbre_wrong'],
      ['SESSION_NOT_FOUND', 404, (c: BBREClient) => c.getSessionStatus('session_doesnotexist'), undefined],
      ['INVALID_URL', 400, (c: BBREClient) => c.request({ url: 'ftp://example.test/file' }), undefined],
      ['URL_REQUIRED', 400, (c: BBREClient) => c.request({} as never), undefined],
      ['TASK_NOT_FOUND', 404, (c: BBREClient) => c.getResult('task_doesnotexist'), undefined],
      ['INVALID_TIMEOUT', 400, (c: BBREClient) => c.createSession({ timeout: 30 }), undefined],
    ] as const)('%s (%i)', async (code, status, call, wrongKey) => {
      const { key } = await server.account(10);
      const err = await rejectionOf(call(clientFor(server, wrongKey ?? key)));
      expect(err).toBeInstanceOf(BBREError);
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ name: 'BBREError', code, httpStatus: status, status, retryable: false });
      expect(err.details.retryable).toBe(false);
      expect(err.message).toEqual(expect.any(String));
    });

    it('SESSION_CLOSED on a second close, with the session state in details', async () => {
      const { key } = await server.account(10);
      const client = clientFor(server, key);
      const session = await client.createSession();
      const sessionId = session.sessionId!;
      expect(await client.closeSession(sessionId)).toBe(true);
      const err = await rejectionOf(client.closeSession(sessionId));
      expect(err).toMatchObject({ code: 'SESSION_CLOSED', httpStatus: 400, retryable: false });
      expect(err.details).toMatchObject({ status: 'closed', endedReason: 'closed', retryable: false });
    });

    it('a task that fails throws its code (async), as the synchronous call does', async () => {
      const { key } = await server.account(10);
      const client = clientFor(server, key, { pollingInterval: 20 });
      const url = `http://127.0.0.1:${await closedPort()}/`;
      const asyncErr = await rejectionOf(client.request({ url, async: true }));
      expect(asyncErr).toBeInstanceOf(BBREError);
      expect(asyncErr).toMatchObject({ code: 'TARGET_UNREACHABLE', httpStatus: 502, retryable: true });
      expect(asyncErr.details).toMatchObject({ taskId: expect.stringMatching(/^task_/), status: 'failed', refunded: true });
      const syncErr = await rejectionOf(client.request({ url, method: 'POST', body: 'x' }));
      expect(syncErr).toMatchObject({ code: 'TARGET_UNREACHABLE', httpStatus: 502, retryable: false });
      expect(syncErr.details).toMatchObject({ refunded: true, reason: 'connect' });
      // Both were refunded.
      expect(await client.getBalance()).toBe(10);
      expect((await client.getAccountInfo()).statistics.failedRequests).toBe(2);
    });

    it('a missing apiKey is refused before any call', () => {
      for (const options of [{}, { apiKey: '' }, { apiKey: '  ' }]) {
        let thrown: unknown;
        try {
          new BBREClient(options as never);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(BBREError);
        expect(thrown).toMatchObject({ code: 'API_KEY_REQUIRED', httpStatus: null, retryable: false });
      }
    });
  });

  describe('retries', () => {
    it('a 429 RATE_LIMIT_EXCEEDED is retried after Retry-After, then succeeds', async () => {
      const { key } = await server.account(10, { rateLimitRps: 1, rateLimitBurst: 1 });
      const retries: RetryEvent[] = [];
      const client = clientFor(server, key, { retries: 2, retryDelay: 10, onRetry: (e) => retries.push(e) });
      expect(await client.getBalance()).toBe(10);
      expect(await client.getBalance()).toBe(10);
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatchObject({ attempt: 1, path: '/account/balance' });
      expect(retries[0]!.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', httpStatus: 429, retryable: true });
      expect(retries[0]!.error.details.retryAfter).toBe(1);
      // max(Retry-After 1 s, 10 ms × 2^0), plus at most 20 % jitter.
      expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1000);
      expect(retries[0]!.delayMs).toBeLessThanOrEqual(1200);

      // Without retries the same error surfaces, marked retryable.
      const impatient = clientFor(server, key, { retries: 0 });
      const err = await rejectionOf(impatient.getBalance());
      expect(err).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', httpStatus: 429, retryable: true });
    });

  });
});

describe('transport against a scripted server', () => {
  it('a 503 SERVICE_UNAVAILABLE is retried with backoff; a non-retryable error is not', async () => {
    const stub = await startStub((n) =>
      n <= 2
        ? { status: 503, body: { success: false, service: SERVICE, error: { code: 'SERVICE_UNAVAILABLE', message: 'busy', details: { retryable: true } } } }
        : n === 3
          ? { status: 200, body: { success: true, service: SERVICE, balance: 1.5 } }
          : { status: 403, body: { success: false, service: SERVICE, error: { code: 'INVALID_API_KEY', message: 'no', details: { retryable: false } } } },
    );
    onTestFinished(() => stub.close());
    const retries: RetryEvent[] = [];
    const client = new BBREClient({ apiKey: 'bbre_key', baseUrl: `${stub.url}/`, retries: 2, retryDelay: 20, onRetry: (e) => retries.push(e) });
    expect(await client.getBalance()).toBe(1.5);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    // retryDelay × 2^attempt, plus at most 20 % jitter.
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(20);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(24);
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(40);
    expect(retries[1]!.delayMs).toBeLessThanOrEqual(48);
    const err = await rejectionOf(client.getBalance());
    expect(err).toMatchObject({ code: 'INVALID_API_KEY', httpStatus: 403 });
    expect(stub.requests).toHaveLength(4);
    // What every call carries (contract §1.2, §8).
    const { headers, method, path } = stub.requests[0]!;
    expect([method, path]).toEqual(['GET', '/account/balance']);
    expect(headers['x-api-key']).toBe('bbre_key');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toBe(`bbre-sdk/${SDK_VERSION}`);
  });

  it('NETWORK_ERROR: free calls are retried, charged calls are never re-sent', async () => {
    const stub = await startStub(() => 'drop');
    onTestFinished(() => stub.close());
    const retries: RetryEvent[] = [];
    const client = new BBREClient({ apiKey: 'k', baseUrl: stub.url, retries: 2, retryDelay: 5, onRetry: (e) => retries.push(e) });

    const free = await rejectionOf(client.getSessionStatus('session_x'));
    expect(free).toBeInstanceOf(BBREError);
    expect(free).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: null, retryable: true });
    expect(retries).toHaveLength(2);
    expect(stub.requests).toHaveLength(3);

    retries.length = 0;
    for (const charged of [() => client.request({ url: 'https://example.test/' }), () => client.createSession(), () => client.createTask({ url: 'https://example.test/' })]) {
      const err = await rejectionOf(charged());
      expect(err).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: null, retryable: false });
    }
    expect(retries).toHaveLength(0);
    expect(stub.requests.map((r) => r.path)).toEqual([...Array(3).fill('/session/status'), '/request/execute', '/session/create', '/request/create']);

    // Nothing listening at all: the same rules.
    const closed = new BBREClient({ apiKey: 'k', baseUrl: `http://127.0.0.1:${await closedPort()}`, retries: 1, retryDelay: 5, onRetry: (e) => retries.push(e) });
    expect(await rejectionOf(closed.getBalance())).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(retries).toHaveLength(1);
    expect(await rejectionOf(closed.get('https://example.test/'))).toMatchObject({ code: 'NETWORK_ERROR', retryable: false });
    expect(retries).toHaveLength(1);
  });

  it('an answer that is not a BBRE envelope is a SERVICE_ERROR with its status', async () => {
    const stub = await startStub(() => ({ status: 502, body: '<html>Bad gateway</html>' }));
    onTestFinished(() => stub.close());
    const client = new BBREClient({ apiKey: 'k', baseUrl: stub.url, retries: 1, retryDelay: 5 });
    expect(await rejectionOf(client.getBalance())).toMatchObject({ code: 'SERVICE_ERROR', httpStatus: 502, retryable: true });
    expect(stub.requests).toHaveLength(2);
    expect(await rejectionOf(client.get('https://example.test/'))).toMatchObject({ code: 'SERVICE_ERROR', httpStatus: 502, retryable: false });
    expect(stub.requests).toHaveLength(3);
  });
});

describe('client options', () => {
  const saved = process.env.BBRE_API_BASE;
  afterEach(() => {
    if (saved === undefined) delete process.env.BBRE_API_BASE;
    else process.env.BBRE_API_BASE = saved;
  });

  it('baseUrl, its aliases, BBRE_API_BASE, then the hosted default', () => {
    delete process.env.BBRE_API_BASE;
    expect(new BBREClient({ apiKey: 'k' }).baseUrl).toBe('https://bbre-solver-api.mydisct.com');
    process.env.BBRE_API_BASE = 'http://env.example.test:8080/';
    expect(new BBREClient({ apiKey: 'k' }).baseUrl).toBe('http://env.example.test:8080');
    expect(new BBREClient({ apiKey: 'k', apiBase: 'http://a.test' }).baseUrl).toBe('http://a.test');
    expect(new BBREClient({ apiKey: 'k', baseURL: 'http://b.test//' }).baseUrl).toBe('http://b.test');
    expect(new BBREClient({ apiKey: 'k', baseUrl: 'http://c.test', apiBase: 'http://a.test' }).baseUrl).toBe('http://c.test');
  });

  it('defaults: passive, medium, server timeout, 2000 ms polling', () => {
    const client = new BBREClient({ apiKey: 'k' });
    expect([client.mode, client.sensibility, client.timeout, client.pollingInterval]).toEqual(['passive', 'medium', undefined, 2000]);
  });

  it('async polling gives up at the task timeout + 10 s with REQUEST_TIMEOUT', async () => {
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const paths: string[] = [];
    const client = new BBREClient({
      apiKey: 'k',
      baseUrl: 'http://bbre.test',
      fetch: async (url, init) => {
        paths.push(new URL(url).pathname);
        const body = JSON.parse(init.body ?? '{}') as Record<string, unknown>;
        const payload = url.endsWith('/request/create')
          ? { taskId: 'task_slow', data: { task: { id: 'task_slow', status: 'processing' } } }
          : { data: { task: { id: body.taskId, status: 'processing' } } };
        return new Response(JSON.stringify({ success: true, service: SERVICE, ...payload }), { status: 200 });
      },
    });
    const outcome = rejectionOf(client.request({ url: 'https://example.test/', async: true, timeout: 20 }));
    await vi.advanceTimersByTimeAsync(29_000);
    expect(paths.filter((p) => p === '/request/result')).toHaveLength(14);
    await vi.advanceTimersByTimeAsync(2_000);
    const err = await outcome;
    expect(err).toBeInstanceOf(BBREError);
    expect(err).toMatchObject({ code: 'REQUEST_TIMEOUT', httpStatus: null, retryable: false });
    expect(err.details.taskId).toBe('task_slow');
    // Polled every 2 s (the default) until 20 + 10 s had passed.
    expect(paths).toEqual(['/request/create', ...Array(15).fill('/request/result')]);
  });
});

describe('BBREError', () => {
  it('instanceof holds across two copies of the SDK', async () => {
    vi.resetModules();
    const copy = await import('../../packages/sdk/src/index.js');
    expect(copy.BBREError).not.toBe(BBREError);
    const fromCopy = new copy.BBREError('SESSION_NOT_FOUND', 'Session not found.', { httpStatus: 404 });
    expect(fromCopy instanceof BBREError).toBe(true);
    expect(new BBREError('X', 'y') instanceof copy.BBREError).toBe(true);
    expect(new Error('plain') instanceof BBREError).toBe(false);
    expect((null as unknown) instanceof BBREError).toBe(false);
    expect({ code: 'X' } instanceof BBREError).toBe(false);
    // A subclass keeps the ordinary prototype check.
    class Special extends BBREError {}
    expect(new Special('X', 'y') instanceof Special).toBe(true);
    expect(fromCopy instanceof Special).toBe(false);
    expect(new Special('X', 'y') instanceof BBREError).toBe(true);
  });
});
