import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { ADMIN_TOKEN, expectEnvelopeError, startServer, type TestServer } from '../support/app.js';

const API_ROUTES: Array<[string, string]> = [
  ['POST', '/session/create'],
  ['POST', '/session/status'],
  ['POST', '/session/close'],
  ['GET', '/account/balance'],
  ['POST', '/account/balance'],
  ['GET', '/account/info'],
  ['POST', '/account/info'],
  ['POST', '/account/sessions'],
  ['POST', '/account/history'],
];

describe.each(BACKENDS)('authentication, envelope and error codes (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { config: { maxBodyBytes: 4096 } });
  });
  afterAll(() => s?.close());

  it.each(API_ROUTES)('%s %s: 401 API_KEY_REQUIRED without a key, 403 INVALID_API_KEY with a wrong one', async (method, path) => {
    expectEnvelopeError(await s.call(path, {}, undefined, { method }), 401, 'API_KEY_REQUIRED');
    expectEnvelopeError(await s.call(path, {}, 'bbre_notarealkeynotarealkeynotarealkey1', { method }), 403, 'INVALID_API_KEY');
  });

  it('accepts the key in apikey as well as x-api-key; x-api-key wins when both are sent', async () => {
    const { key } = await s.account(3);
    const viaApikey = await s.call('/account/balance', undefined, undefined, { method: 'GET', headers: { apikey: key } });
    expect(viaApikey.status).toBe(200);
    expect(viaApikey.body).toEqual({ success: true, service: 'MyDisct Solver BBRE', balance: 3 });
    const both = await s.call('/account/balance', undefined, undefined, { method: 'GET', headers: { 'X-API-Key': 'bbre_wrongwrongwrongwrongwrongwrongwrong1', apikey: key } });
    expectEnvelopeError(both, 403, 'INVALID_API_KEY');
  });

  it('answers ACCOUNT_SUSPENDED and ACCOUNT_INACTIVE, and a revoked key is INVALID_API_KEY', async () => {
    const { id, key } = await s.account(1);
    const session = (await s.call('/session/create', {}, key)).body.session.id;
    expect((await s.admin('PATCH', `/admin/accounts/${id}`, { status: 'suspended' })).status).toBe(200);
    expectEnvelopeError(await s.call('/session/status', { sessionId: session }, key), 403, 'ACCOUNT_SUSPENDED');
    // Suspension ends the account's sessions (evicted).
    const row = await s.app.store.sessions.getSession(id, session);
    expect(row).toMatchObject({ status: 'closed', endedReason: 'evicted' });
    await s.admin('PATCH', `/admin/accounts/${id}`, { status: 'inactive' });
    expectEnvelopeError(await s.call('/account/info', {}, key), 403, 'ACCOUNT_INACTIVE');
    await s.admin('PATCH', `/admin/accounts/${id}`, { status: 'active' });
    expect((await s.call('/account/info', {}, key)).status).toBe(200);
    const prefix = key.slice(0, 12);
    const revoked = await s.admin('DELETE', `/admin/keys/${prefix}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.key.revoked).toBe(true);
    expectEnvelopeError(await s.call('/account/info', {}, key), 403, 'INVALID_API_KEY');
    const fresh = await s.admin('POST', `/admin/accounts/${id}/keys`);
    expect(fresh.body.apiKey).toMatch(/^bbre_[A-Za-z0-9]{36}$/);
    expect((await s.call('/account/info', {}, fresh.body.apiKey)).status).toBe(200);
  });

  it('rejects malformed JSON, non-object bodies and wrong types with 400 INVALID_REQUEST, never 500', async () => {
    const { key } = await s.account(1);
    for (const rawBody of ['{bad', '[1,2]', '"text"', '42', 'null', '{"sessionId":']) {
      expectEnvelopeError(await s.call('/session/status', undefined, key, { rawBody }), 400, 'INVALID_REQUEST');
    }
    expectEnvelopeError(await s.call('/session/status', { sessionId: 12 }, key), 400, 'INVALID_REQUEST');
    expectEnvelopeError(await s.call('/session/create', { proxy: 'ftp://x' }, key), 400, 'INVALID_REQUEST');
    const fp = await s.call('/session/create', { fingerprint: { screen: { width: 'wide', height: 1 } } }, key);
    expectEnvelopeError(fp, 400, 'INVALID_REQUEST');
    expect(fp.body.error.details.field).toBe('fingerprint.screen.width');
    expectEnvelopeError(await s.call('/account/sessions', { status: 'weird' }, key), 400, 'INVALID_REQUEST');
    expectEnvelopeError(await s.call('/account/sessions', { limit: 0 }, key), 400, 'INVALID_REQUEST');
    expectEnvelopeError(await s.call('/account/history', { startDate: 'not a date' }, key), 400, 'INVALID_REQUEST');
    // Any declared content type is parsed as JSON; an empty body is {}.
    const textPlain = await s.call('/account/sessions', undefined, key, { rawBody: '{"limit":5}', headers: { 'content-type': 'text/plain' } });
    expect(textPlain.status).toBe(200);
    expect(textPlain.body.pagination.limit).toBe(5);
    expect((await s.call('/account/sessions', undefined, key, { rawBody: '' })).status).toBe(200);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
    const { key } = await s.account(1);
    const res = await s.call('/session/status', undefined, key, { rawBody: JSON.stringify({ sessionId: 'x'.repeat(10_000) }) });
    expectEnvelopeError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 404 NOT_FOUND for unknown paths and 405 METHOD_NOT_ALLOWED for a wrong method', async () => {
    expectEnvelopeError(await s.call('/nope', {}), 404, 'NOT_FOUND');
    expectEnvelopeError(await s.call('/session/status', undefined, undefined, { method: 'GET' }), 405, 'METHOD_NOT_ALLOWED');
    expectEnvelopeError(await s.call('/session/create', undefined, undefined, { method: 'DELETE' }), 405, 'METHOD_NOT_ALLOWED');
  });

  it('answers 402 INSUFFICIENT_BALANCE and PRICE_ABOVE_MAX_COST without charging', async () => {
    const { key } = await s.account(0.001);
    expectEnvelopeError(await s.call('/session/create', {}, key), 402, 'INSUFFICIENT_BALANCE');
    const { key: rich } = await s.account(1);
    expectEnvelopeError(await s.call('/session/create', { maxCost: 0.001 }, rich), 402, 'PRICE_ABOVE_MAX_COST');
    expect((await s.call('/session/create', { maxCost: 0.002 }, rich)).status).toBe(200);
    expect((await s.call('/account/balance', {}, rich)).body.balance).toBe(0.998);
    expect((await s.call('/account/balance', {}, key)).body.balance).toBe(0.001);
  });

  it('guards the admin API with its token', async () => {
    expectEnvelopeError(await s.call('/admin/accounts', undefined, undefined, { method: 'GET' }), 401, 'ADMIN_TOKEN_REQUIRED');
    expectEnvelopeError(await s.call('/admin/accounts', undefined, undefined, { method: 'GET', headers: { authorization: 'Bearer wrong' } }), 403, 'INVALID_ADMIN_TOKEN');
    expectEnvelopeError(await s.admin('GET', '/admin/accounts/acc_missing'), 404, 'ACCOUNT_NOT_FOUND');
    expectEnvelopeError(await s.admin('DELETE', '/admin/keys/bbre_missing'), 404, 'KEY_NOT_FOUND');
    expectEnvelopeError(await s.admin('POST', '/admin/accounts/acc_missing/credit', { amount: 1 }), 404, 'ACCOUNT_NOT_FOUND');
    expectEnvelopeError(await s.admin('POST', '/admin/accounts', { email: 'x@y' }), 400, 'INVALID_REQUEST');
    const list = await s.admin('GET', '/admin/accounts?limit=2');
    expect(list.status).toBe(200);
    expect(list.body.accounts.length).toBeLessThanOrEqual(2);
    expect(list.body.pagination.limit).toBe(2);
  });

  it('keeps API keys hashed at rest and out of the logs', async () => {
    const { key, id } = await s.account(1);
    await s.call('/session/create', {}, key);
    await s.call('/session/status', { sessionId: 'session_x' }, key);
    await s.call('/account/info', {}, key, { headers: { apikey: key } });
    // Wrong keys, in both headers, and a key that errors deeper in (a foreign session): none reaches the log or the answer.
    const wrong = `bbre_${'W'.repeat(36)}`;
    const refused = await s.call('/session/status', { sessionId: 'session_x' }, wrong);
    expect(JSON.stringify(refused.body)).not.toContain(wrong);
    await s.call('/account/balance', {}, undefined, { headers: { apikey: wrong } });
    await s.call('/session/request', { sessionId: 'session_x', url: 'http://127.0.0.1:9/' }, key);
    const db = (s.app.store as unknown as { db: import('kysely').Kysely<any> }).db;
    const rows = await db.selectFrom('api_keys').selectAll().where('account_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(key.slice(12));
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    const logs = s.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(key.slice(12));
    expect(logs).not.toContain(ADMIN_TOKEN);
    expect(logs).not.toContain(wrong);
    expect(logs).not.toContain('W'.repeat(20));
  });

  it('has no admin API at all without BBRE_ADMIN_TOKEN', async () => {
    const plain = await startServer(backend, { config: { adminToken: undefined } });
    try {
      expectEnvelopeError(await plain.call('/admin/accounts', undefined, undefined, { method: 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 404, 'NOT_FOUND');
      expectEnvelopeError(await plain.call('/admin/accounts', { name: 'x' }, undefined, { headers: { authorization: 'Bearer anything' } }), 404, 'NOT_FOUND');
    } finally {
      await plain.close();
    }
  });

  it('puts a request id on every response and every log line of the request', async () => {
    const res = await s.call('/health', undefined, undefined, { method: 'GET', headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const generated = await s.call('/nope', {});
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const lines = s.logs.join('').split('\n').filter((l) => l.includes('"msg":"request"'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line).reqId).toBeTruthy();
  });
});

describe.each(BACKENDS)('rate limiting (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { config: { rateLimitRps: 5, rateLimitBurst: 5 } });
  });
  afterAll(() => s?.close());

  it('empties the token bucket, then answers 429 RATE_LIMIT_EXCEEDED with Retry-After, per key', async () => {
    const { key } = await s.account(1);
    const { key: other } = await s.account(1);
    for (let i = 0; i < 5; i++) expect((await s.call('/account/balance', {}, key)).status).toBe(200);
    const limited = await s.call('/account/balance', {}, key);
    expectEnvelopeError(limited, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.error.details.retryable).toBe(true);
    expect((await s.call('/account/balance', {}, other)).status).toBe(200);
    // The bucket refills with (injected) time.
    s.clock.advance(1000);
    expect((await s.call('/account/balance', {}, key)).status).toBe(200);
  });

  it('applies per-account overrides', async () => {
    const { key } = await s.account(1, { rateLimitRps: 100, rateLimitBurst: 20 });
    for (let i = 0; i < 20; i++) expect((await s.call('/account/balance', {}, key)).status).toBe(200);
    expectEnvelopeError(await s.call('/account/balance', {}, key), 429, 'RATE_LIMIT_EXCEEDED');
  });
});

describe.each(BACKENDS)('draining (%s)', (backend) => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After and fails readiness once draining', async () => {
    const s = await startServer(backend);
    try {
      const { key } = await s.account(1);
      expect((await s.call('/ready', undefined, undefined, { method: 'GET' })).status).toBe(200);
      s.app.drain();
      const res = await s.call('/account/balance', {}, key);
      expectEnvelopeError(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBeTruthy();
      const ready = await s.call('/ready', undefined, undefined, { method: 'GET' });
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('not_ready');
      expect((await s.call('/health', undefined, undefined, { method: 'GET' })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('readiness follows the browser pool', () => {
  it('a Chromium that fails to launch makes /ready not ready, with the reason; passive mode keeps serving', async () => {
    // An executable that exits at once: installed as far as the pool can tell, but it never becomes a browser.
    const s = await startServer('sqlite', { config: { chromiumPath: '/bin/false' } });
    try {
      const { key } = await s.account(1);
      expect((await s.call('/ready', undefined, undefined, { method: 'GET' })).body.checks.browserPool.state).toBe('cold');
      const res = await s.call('/session/create', { mode: 'adaptive' }, key);
      expectEnvelopeError(res, 503, 'SERVICE_UNAVAILABLE');
      expect((await s.call('/account/balance', {}, key)).body.balance).toBe(1);
      const ready = await s.call('/ready', undefined, undefined, { method: 'GET' });
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(ready.body).toMatchObject({ status: 'not_ready', checks: { database: 'ok', browserPool: { state: 'failed', error: expect.any(String) } } });
      expect((await s.call('/session/create', {}, key)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe.each(BACKENDS)('adaptive mode without a browser (%s)', (backend) => {
  it('answers 503 SERVICE_UNAVAILABLE, not retryable, with how to install Chromium, and charges nothing', async () => {
    const s = await startServer(backend, { config: { chromiumPath: '/nonexistent/chromium' } });
    try {
      const { key } = await s.account(1);
      const res = await s.call('/session/create', { mode: 'adaptive' }, key);
      expectEnvelopeError(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.body.error.details.retryable).toBe(false);
      expect(res.body.error.message).toMatch(/chromium/i);
      expect((await s.call('/account/balance', {}, key)).body.balance).toBe(1);
      const stateless = await s.call('/request/execute', { url: 'http://127.0.0.1:9/', mode: 'adaptive' }, key);
      expectEnvelopeError(stateless, 503, 'SERVICE_UNAVAILABLE');
      const ready = await s.call('/ready', undefined, undefined, { method: 'GET' });
      expect(ready.status).toBe(200);
      expect(ready.body.checks.browserPool.state).toBe('unavailable');
    } finally {
      await s.close();
    }
  });
});
