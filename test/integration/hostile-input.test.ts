import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { BACKENDS } from '../support/backends.js';
import { ledgerInvariants } from '../support/ledger.js';

/** Writes raw bytes on a new connection and reads everything the server answers until it closes. */
function raw(url: string, bytes: string): Promise<{ status: number; body: any; text: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
      resolve({ status, body, text });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

function expectRawEnvelope(res: { status: number; body: any; text: string }, status: number, code: string) {
  expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(res.body).toMatchObject({ success: false, service: 'MyDisct Solver BBRE', error: { code, details: { retryable: expect.any(Boolean) } } });
}

/** Inputs the property-based fuzzer (test/fuzz) once turned into 500s, bare answers or a blocked server. */
describe.each(BACKENDS)('hostile input, answered with the envelope (%s)', (backend) => {
  let s: TestServer;
  let key: string;
  let accountId: string;
  beforeAll(async () => {
    s = await startServer(backend);
    ({ key, id: accountId } = await s.account(5));
  });
  afterAll(() => s?.close());

  it('a request body nested 20,000 levels deep is refused as INVALID_REQUEST, not a stack overflow', async () => {
    const deep = `{"url":"http://127.0.0.1:9/","method":"POST","body":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    for (const path of ['/request/execute', '/request/create']) {
      const res = await s.call(path, undefined, key, { rawBody: deep });
      expectEnvelopeError(res, 400, 'INVALID_REQUEST');
      expect(res.body.error.details.field).toBe('body');
    }
    // Deep nesting in a field BBRE does not read is ignored, as unknown fields are.
    const ignored = await s.call('/session/create', undefined, key, { rawBody: `{"mode":"passive","extra":${'['.repeat(5000)}${']'.repeat(5000)}}` });
    expect(ignored.status).toBe(200);
    await s.call('/session/close', { sessionId: ignored.body.session.id }, key);
  });

  it('offsets beyond any list, fractional or huge dates, huge maxCost: a 400 or an answer, never a 500', async () => {
    for (const offset of [1e20, 2 ** 31]) expectEnvelopeError(await s.call('/account/sessions', { offset }, key), 400, 'INVALID_REQUEST');
    expect((await s.call('/account/sessions', { offset: 2 ** 31 - 1 }, key)).body.sessions).toEqual([]);
    const adminList = await fetch(`${s.url}/admin/accounts?offset=99999999999999999999`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(adminList.status).toBe(400);
    expect((await s.call('/account/history', { startDate: 1.5, endDate: 1e15 + 0.5 }, key)).status).toBe(200);
    expectEnvelopeError(await s.call('/account/history', { startDate: 1e300 }, key), 400, 'INVALID_REQUEST');
    const capped = await s.call('/session/create', { maxCost: 1e300 }, key);
    expect(capped.status).toBe(200);
    await s.call('/session/close', { sessionId: capped.body.session.id }, key);
  });

  it('IDs no server could have issued (NUL, control characters) are simply not found', async () => {
    expectEnvelopeError(await s.call('/session/status', { sessionId: 'a\u0000b' }, key), 404, 'SESSION_NOT_FOUND');
    expectEnvelopeError(await s.call('/session/request', { sessionId: 'session_\u0001', url: 'http://127.0.0.1:9/' }, key), 404, 'SESSION_NOT_FOUND');
    expectEnvelopeError(await s.call('/request/result', { taskId: 'task_\u0000' }, key), 404, 'TASK_NOT_FOUND');
    expectEnvelopeError(await s.call('/browser/action', { sessionId: 'x'.repeat(500), action: 'getTitle' }, key), 404, 'SESSION_NOT_FOUND');
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const revoke = await admin('DELETE', '/admin/keys/%00');
    expect(revoke.status).toBe(404);
    expect((await revoke.json()).error.code).toBe('KEY_NOT_FOUND');
    expect((await admin('GET', '/admin/accounts/acc_%01')).status).toBe(404);
    const named = await admin('POST', '/admin/accounts', { name: 'nul\u0000name', email: 'e@example.test' });
    expect(named.status).toBe(400);
    expect((await named.json()).error.details.field).toBe('name');
  });

  it('malformed proxy credentials, cookie names and params floods are the caller’s error', async () => {
    const proxy = await s.call('/session/create', { proxy: 'http://u:%ZZ@127.0.0.1:1' }, key);
    expectEnvelopeError(proxy, 400, 'INVALID_REQUEST');
    expect(proxy.body.error.details.field).toBe('proxy');
    const cookie = await s.call('/request/execute', { url: 'http://127.0.0.1:9/', cookies: { 'bad\u0000name': 'v' } }, key);
    expectEnvelopeError(cookie, 400, 'INVALID_REQUEST');
    // 20,000 values on a URL that already has a query: refused at once instead of blocking the server.
    const started = Date.now();
    const flood = await s.call('/request/execute', { url: 'http://127.0.0.1:9/x?q=1', params: { k: Array.from({ length: 20_000 }, (_, i) => i) } }, key);
    expectEnvelopeError(flood, 400, 'INVALID_REQUEST');
    expect(flood.body.error.details.field).toBe('params');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('requests the HTTP parser or the router refuse still get the envelope', async () => {
    expectRawEnvelope(await raw(s.url, 'POST /session/sta%ZZtus HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}'), 400, 'INVALID_REQUEST');
    expectRawEnvelope(await raw(s.url, `GET /admin/accounts/${'a'.repeat(150)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n\r\n`), 400, 'INVALID_REQUEST');
    expectRawEnvelope(await raw(s.url, 'POST /session/status HTTP/1.1\r\nHost: x\r\nx-api-key: a\u0001b\r\nContent-Length: 2\r\n\r\n{}'), 400, 'INVALID_REQUEST');
    expectRawEnvelope(await raw(s.url, 'BREW /session/status HTTP/1.1\r\nHost: x\r\n\r\n'), 400, 'INVALID_REQUEST');
    expectRawEnvelope(await raw(s.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 413, 'PAYLOAD_TOO_LARGE');
    expectRawEnvelope(await raw(s.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), 405, 'METHOD_NOT_ALLOWED');
    // And the server is unharmed.
    expect((await s.call('/account/balance', {}, key)).status).toBe(200);
  });

  it('credits cannot push a balance past $1,000,000,000', async () => {
    const credit = (amount: number) =>
      fetch(`${s.url}/admin/accounts/${accountId}/credit`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount }) });
    expect((await credit(999_000_000)).status).toBe(200);
    const over = await credit(1_000_000);
    expect(over.status).toBe(400);
    expect((await over.json()).error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'amount' } });
    const inv = await ledgerInvariants(s.app, accountId);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.balanceMicros).toBeLessThanOrEqual(1e15);
  });
});
