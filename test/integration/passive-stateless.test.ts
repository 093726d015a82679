import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { expectEnvelopeError, startServer, type ApiResponse, type TestServer } from '../support/app.js';
import { ledgerInvariants } from '../support/ledger.js';
import { closedPort, echoCookies, echoHeader, startTargetSite, type EchoBody, type TargetSite } from '../support/target-site.js';

/** /request/result polling: a short interval against a deadline (STYLE.md §5: no guessed sleeps). */
const POLL_INTERVAL_MS = 20;
const POLL_DEADLINE_MS = 15_000;

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

/** Polls `probe` until it returns a value, against a deadline. */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${POLL_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

function echoOf(res: ApiResponse): EchoBody {
  if (res.status !== 200 || res.body.data?.statusCode !== 200) throw new Error(`expected an echo, got ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return JSON.parse(res.body.data.body) as EchoBody;
}

describe.each(BACKENDS)('stateless passive requests (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(() => s?.close());

  const balanceOf = async (key: string): Promise<number> => (await s.call('/account/balance', {}, key)).body.balance;

  /** Polls /request/result until the task leaves `processing`. */
  const settle = (key: string, taskId: string): Promise<ApiResponse> =>
    until(async () => {
      const res = await s.call('/request/result', { taskId }, key);
      return res.status !== 200 || res.body.data.task.status !== 'processing' ? res : undefined;
    }, `task ${taskId} settled`);

  it.each(['/request/execute', '/request/sync'])('%s answers the result in data, from a fresh jar, passive medium by default', async (path) => {
    const { key } = await s.account(1);
    // The account's session has a jar with a cookie; a stateless request never sees it.
    const sessionId = (await s.call('/session/create', {}, key)).body.session.id;
    await s.call('/session/request', { sessionId, url: `${site.url}/login`, method: 'POST' }, key);

    const res = await s.call(path, { url: `${site.url}/echo?stateless=1` }, key);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-bbre-cost')).toBe('0.002');
    expect(res.body).toMatchObject({ success: true, service: 'MyDisct Solver BBRE' });
    const data = res.body.data;
    expect(data).toMatchObject({ task: { id: expect.stringMatching(/^task_/), status: 'completed', processingTime: expect.any(Number) }, statusCode: 200, url: `${site.url}/echo?stateless=1`, redirects: [], cookies: {}, truncated: false });
    expect(data.profile.userAgent).toContain('Chrome/');
    expect(res.body).not.toHaveProperty('session');
    const echo = echoOf(res);
    expect(echoCookies(echo)).toEqual({});
    // medium by default: Chromium's client hints are sent.
    expect(echoHeader(echo, 'sec-ch-ua')).toHaveLength(1);

    const history = await s.call('/account/history', { type: 'request' }, key);
    expect(history.body.history).toEqual([
      expect.objectContaining({ id: data.task.id, type: 'request', mode: 'passive', sensibility: 'medium', status: 'completed', method: 'GET', url: `${site.url}/echo?stateless=1`, price: 0.002, processingTime: expect.any(Number), completedAt: expect.any(Number) }),
    ]);
    expect(history.body.history[0]).not.toHaveProperty('sessionId');
  });

  it('a stateless task keeps its cookies across its own redirects, never into the next task', async () => {
    const { key } = await s.account(1);
    const login = await s.call('/request/execute', { url: `${site.url}/login`, method: 'POST', body: { user: 'a' } }, key);
    expect(login.body.data).toMatchObject({ statusCode: 200, url: `${site.url}/account`, cookies: { sid: expect.any(String) } });
    expect(login.body.data.redirects).toEqual([{ url: `${site.url}/login`, statusCode: 302, location: '/account' }]);
    const next = await s.call('/request/execute', { url: `${site.url}/account` }, key);
    expect(next.body.data.statusCode).toBe(403);
  });

  it('takes sensibility, fingerprint and cookies from the body; each task gets its own profile', async () => {
    const { key } = await s.account(1);
    const low = await s.call('/request/execute', { url: `${site.url}/echo`, sensibility: 'low', cookies: { given: 'yes' } }, key);
    expect(low.headers.get('x-bbre-cost')).toBe('0.001');
    expect(echoHeader(echoOf(low), 'sec-ch-ua')).toEqual([]);
    expect(echoCookies(echoOf(low))).toEqual({ given: 'yes' });
    const windows = await s.call('/request/execute', { url: `${site.url}/echo`, sensibility: 'high', fingerprint: { platform: 'Win32' } }, key);
    expect(windows.headers.get('x-bbre-cost')).toBe('0.003');
    expect(windows.body.data.profile.platform).toBe('Win32');
    expect(echoHeader(echoOf(windows), 'user-agent')[0]).toContain('Windows NT 10.0');
    expect(echoHeader(echoOf(windows), 'sec-ch-ua-platform')).toEqual(['"Windows"']);
    const history = await s.call('/account/history', { type: 'request' }, key);
    // Same createdAt (the test clock stands still): compare as a set.
    expect(history.body.history.map((h: { sensibility: string; price: number }) => `${h.sensibility} ${h.price}`).sort()).toEqual(['high 0.003', 'low 0.001']);
  });

  it('/request/create returns a processing task; /request/result reaches completed and re-reads it unchanged', async () => {
    const { key } = await s.account(1);
    const before = site.hits.get('/status/203') ?? 0;
    const created = await s.call('/request/create', { url: `${site.url}/status/203` }, key);
    expect(created.status).toBe(200);
    expect(created.headers.get('x-bbre-cost')).toBe('0.002');
    expect(created.body).toEqual({ success: true, service: 'MyDisct Solver BBRE', data: { task: { id: expect.stringMatching(/^task_/), status: 'processing' } }, taskId: created.body.data.task.id });
    const taskId = created.body.taskId as string;

    const done = await settle(key, taskId);
    expect(done.status).toBe(200);
    expect(done.body.data).toMatchObject({ task: { id: taskId, status: 'completed', processingTime: expect.any(Number) }, statusCode: 203, body: 'status 203', url: `${site.url}/status/203` });
    // Completed results are kept and re-read without reprocessing.
    const again = await s.call('/request/result', { id: taskId }, key);
    expect(again.body.data).toEqual(done.body.data);
    expect(site.hits.get('/status/203')).toBe(before + 1);
    expect(await balanceOf(key)).toBe(0.998);
  });

  it('a task whose target refuses the connection ends failed, refunded, the balance restored', async () => {
    const { id, key } = await s.account(1);
    const created = await s.call('/request/create', { url: `http://127.0.0.1:${await closedPort()}/` }, key);
    expect(created.status).toBe(200);
    expect(created.headers.get('x-bbre-cost')).toBe('0.002');
    const done = await settle(key, created.body.taskId);
    expect(done.body.data.task).toMatchObject({ id: created.body.taskId, status: 'failed', refunded: true, error: { code: 'TARGET_UNREACHABLE', message: expect.any(String) }, processingTime: expect.any(Number) });
    expect(await balanceOf(key)).toBe(1);
    const history = await s.call('/account/history', { type: 'request' }, key);
    expect(history.body.history[0]).toMatchObject({ id: created.body.taskId, status: 'failed', price: 0 });
    const inv = await ledgerInvariants(s.app, id);
    expect(inv.byKind).toMatchObject({ charge: 2000, refund: 2000 });
    expect(inv.ledgerBalanceMicros).toBe(inv.balanceMicros);
    expect(inv.priceMismatches).toEqual([]);
  });

  it('a task slower than its timeout ends timeout, refunded', async () => {
    const { key } = await s.account(1);
    const created = await s.call('/request/create', { url: `${site.url}/slow?ms=20000`, timeout: 0.3 }, key);
    const done = await settle(key, created.body.taskId);
    expect(done.body.data.task).toMatchObject({ status: 'timeout', refunded: true, error: { code: 'REQUEST_TIMEOUT' } });
    expect(await balanceOf(key)).toBe(1);
  });

  it('/request/execute without an answer: 502 or 504 with taskId and refunded, X-BBRE-Cost 0', async () => {
    const { key } = await s.account(1);
    const refused = await s.call('/request/execute', { url: `http://127.0.0.1:${await closedPort()}/x`, method: 'DELETE' }, key);
    expectEnvelopeError(refused, 502, 'TARGET_UNREACHABLE');
    expect(refused.body.error.details).toMatchObject({ taskId: expect.stringMatching(/^task_/), refunded: true, reason: 'connect', retryable: true });
    expect(refused.headers.get('x-bbre-cost')).toBe('0');
    const slow = await s.call('/request/sync', { url: `${site.url}/slow?ms=20000`, method: 'POST', body: 'x', timeout: 0.3 }, key);
    expectEnvelopeError(slow, 504, 'REQUEST_TIMEOUT');
    // Contract §5: not retryable for a POST.
    expect(slow.body.error.details).toMatchObject({ taskId: expect.stringMatching(/^task_/), refunded: true, retryable: false });
    expect(slow.headers.get('x-bbre-cost')).toBe('0');
    expect(await balanceOf(key)).toBe(1);
    const failed = await s.call('/request/result', { taskId: refused.body.error.details.taskId }, key);
    expect(failed.body.data.task).toMatchObject({ status: 'failed', refunded: true, error: { code: 'TARGET_UNREACHABLE' } });
    const history = await s.call('/account/history', { type: 'request' }, key);
    expect(history.body.history.map((h: { status: string; price: number }) => `${h.status} ${h.price}`).sort()).toEqual(['failed 0', 'timeout 0']);
  });

  it('a client leaving /request/execute does not stop the task: it completes, is charged and is in the history', async () => {
    const { key } = await s.account(1);
    const slowHits = () => site.hits.get('/slow') ?? 0;
    const before = slowHits();
    const controller = new AbortController();
    const pending = fetch(`${s.url}/request/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ url: `${site.url}/slow?ms=300` }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    await until(() => (slowHits() > before ? true : undefined), 'the target received the request');
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    const history = await until(async () => {
      const res = await s.call('/account/history', { type: 'request' }, key);
      return res.body.history[0]?.status === 'processing' ? undefined : res;
    }, 'the task finished');
    expect(history.body.history).toEqual([expect.objectContaining({ status: 'completed', price: 0.002 })]);
    expect(await balanceOf(key)).toBe(0.998);
  });

  it('TASK_ID_REQUIRED without an id; TASK_NOT_FOUND for an unknown or another account’s task', async () => {
    const { key } = await s.account(1);
    const { key: otherKey } = await s.account(1);
    const taskId = (await s.call('/request/execute', { url: `${site.url}/echo` }, key)).body.data.task.id as string;
    expectEnvelopeError(await s.call('/request/result', {}, key), 400, 'TASK_ID_REQUIRED');
    expectEnvelopeError(await s.call('/request/result', { taskId: '' }, key), 400, 'TASK_ID_REQUIRED');
    expectEnvelopeError(await s.call('/request/result', { taskId: 'task_doesnotexist00000' }, key), 404, 'TASK_NOT_FOUND');
    expectEnvelopeError(await s.call('/request/result', { taskId }, otherKey), 404, 'TASK_NOT_FOUND');
    expect((await s.call('/request/result', { taskId }, key)).body.data.task).toMatchObject({ id: taskId, status: 'completed' });
  });

  describe('validation happens before anything is charged', () => {
    let key: string;
    let sessionId: string;
    beforeAll(async () => {
      ({ key } = await s.account(1));
      sessionId = (await s.call('/session/create', {}, key)).body.session.id;
    });

    const CASES: Array<[string, Record<string, unknown>, number, string]> = [
      ['no url', {}, 400, 'URL_REQUIRED'],
      ['empty url', { url: '' }, 400, 'URL_REQUIRED'],
      ['ftp url', { url: 'ftp://127.0.0.1/file' }, 400, 'INVALID_URL'],
      ['not a url', { url: 'not a url' }, 400, 'INVALID_URL'],
      ['relative url', { url: '/echo' }, 400, 'INVALID_URL'],
      ['javascript url', { url: 'javascript:alert(1)' }, 400, 'INVALID_URL'],
      ['unknown method', { url: 'http://127.0.0.1/', method: 'FETCH' }, 400, 'INVALID_METHOD'],
      ['timeout 0', { url: 'http://127.0.0.1/', timeout: 0 }, 400, 'INVALID_TIMEOUT'],
      ['timeout 121', { url: 'http://127.0.0.1/', timeout: 121 }, 400, 'INVALID_TIMEOUT'],
      ['negative timeout', { url: 'http://127.0.0.1/', timeout: -1 }, 400, 'INVALID_TIMEOUT'],
      ['timeout not a number', { url: 'http://127.0.0.1/', timeout: '30' }, 400, 'INVALID_TIMEOUT'],
    ];

    for (const path of ['/request/execute', '/request/sync', '/request/create', '/session/request']) {
      it(`${path}: URL_REQUIRED, INVALID_URL, INVALID_METHOD, INVALID_TIMEOUT`, async () => {
        const before = await balanceOf(key);
        for (const [, body, status, code] of CASES) {
          const res = await s.call(path, path === '/session/request' ? { sessionId, ...body } : body, key);
          expectEnvelopeError(res, status, code);
        }
        expect(await balanceOf(key)).toBe(before);
        expect((await s.call('/account/history', { type: path === '/session/request' ? 'session_request' : 'request' }, key)).body.pagination.total).toBe(0);
      });
    }

    it('stateless endpoints: INVALID_MODE, INVALID_SENSIBILITY; /session/request: SESSION_ID_REQUIRED', async () => {
      for (const path of ['/request/execute', '/request/create']) {
        expectEnvelopeError(await s.call(path, { url: 'http://127.0.0.1/', mode: 'turbo' }, key), 400, 'INVALID_MODE');
        expectEnvelopeError(await s.call(path, { url: 'http://127.0.0.1/', sensibility: 'extreme' }, key), 400, 'INVALID_SENSIBILITY');
      }
      expectEnvelopeError(await s.call('/session/request', { url: 'http://127.0.0.1/' }, key), 400, 'SESSION_ID_REQUIRED');
      expect(await balanceOf(key)).toBe(0.998);
    });

    it('the timeout bound 120 is inclusive', async () => {
      const { key: ownKey } = await s.account(1);
      const res = await s.call('/request/execute', { url: `${site.url}/echo`, timeout: 120 }, ownKey);
      expect(res.status).toBe(200);
      expect(res.body.data.statusCode).toBe(200);
    });
  });
});
