import { describe, expect, it } from 'vitest';
import { BbreError } from '../../src/errors/bbre-error.js';
import type { ErrorCode } from '../../src/errors/codes.js';
import { parseHistory, parseSessionList } from '../../src/http/schemas/account.schemas.js';
import { parseAccountPatch, parseCredit, parseNewAccount } from '../../src/http/schemas/admin.schemas.js';
import { paging, pagingFromQuery } from '../../src/http/schemas/fields.js';
import { parseFingerprint } from '../../src/http/schemas/profile.schema.js';
import { parseProxy } from '../../src/http/schemas/proxy.schema.js';
import { parseCreateSession, parseSessionId, SESSION_ID_HINT } from '../../src/http/schemas/session.schemas.js';

/** Runs `fn`, expects a BbreError with `code` (and `details.field` when given), and returns it. */
function rejects(fn: () => unknown, code: ErrorCode, field?: string): BbreError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) throw new Error(`expected ${code}, nothing was thrown`);
  expect(caught).toBeInstanceOf(BbreError);
  const err = caught as BbreError;
  expect(err.code).toBe(code);
  if (field !== undefined) expect(err.details.field).toBe(field);
  return err;
}

describe('parseCreateSession', () => {
  it.each([undefined, null, {}])('applies the defaults to %j', (body) => {
    expect(parseCreateSession(body)).toEqual({
      mode: 'passive',
      sensibility: 'medium',
      timeoutSecs: 300,
      fingerprint: undefined,
      proxy: undefined,
      maxCost: undefined,
    });
  });

  it('treats null fields as absent', () => {
    expect(parseCreateSession({ mode: null, sensibility: null, timeout: null })).toMatchObject({ mode: 'passive', sensibility: 'medium', timeoutSecs: 300 });
  });

  it.each([
    ['adaptive', 'adaptive'],
    ['ADAPTIVE', 'adaptive'],
    ['Passive', 'passive'],
  ])('reads mode %j as %j', (mode, expected) => {
    expect(parseCreateSession({ mode }).mode).toBe(expected);
  });

  it.each([
    ['low', 'low'],
    ['HIGH', 'high'],
    ['Medium', 'medium'],
  ])('reads sensibility %j as %j', (sensibility, expected) => {
    expect(parseCreateSession({ sensibility }).sensibility).toBe(expected);
  });

  it.each(['turbo', '', 'passive ', 1, true, ['passive'], {}])('rejects mode %j with INVALID_MODE', (mode) => {
    rejects(() => parseCreateSession({ mode }), 'INVALID_MODE', 'mode');
  });

  it.each(['extreme', '', 2, false, ['low']])('rejects sensibility %j with INVALID_SENSIBILITY', (sensibility) => {
    rejects(() => parseCreateSession({ sensibility }), 'INVALID_SENSIBILITY', 'sensibility');
  });

  it('passes a numeric timeout through (the range is checked by the lifecycle)', () => {
    expect(parseCreateSession({ timeout: 600 }).timeoutSecs).toBe(600);
  });

  it.each(['300', true, [300], { s: 300 }])('rejects timeout %j with INVALID_TIMEOUT', (timeout) => {
    rejects(() => parseCreateSession({ timeout }), 'INVALID_TIMEOUT', 'timeout');
  });

  it('reads maxCost and rejects a negative or non-numeric one', () => {
    expect(parseCreateSession({ maxCost: 0.01 }).maxCost).toBe(0.01);
    expect(parseCreateSession({ maxCost: 0 }).maxCost).toBe(0);
    rejects(() => parseCreateSession({ maxCost: -0.01 }), 'INVALID_REQUEST', 'maxCost');
    rejects(() => parseCreateSession({ maxCost: '1' }), 'INVALID_REQUEST', 'maxCost');
  });

  it('parses the proxy and fingerprint fields', () => {
    const input = parseCreateSession({ proxy: 'http://u:p@proxy.test:3128', fingerprint: { platform: 'Win32' } });
    expect(input.proxy).toEqual({ protocol: 'http', host: 'proxy.test', port: 3128, username: 'u', password: 'p' });
    expect(input.fingerprint).toEqual({ platform: 'Win32' });
  });

  it.each(['a string', 42, true, [{ mode: 'passive' }]])('rejects a body that is not an object (%j) with INVALID_REQUEST', (body) => {
    rejects(() => parseCreateSession(body), 'INVALID_REQUEST', 'body');
  });
});

describe('parseSessionId', () => {
  it('returns the session id', () => {
    expect(parseSessionId({ sessionId: 'session_abc123' })).toBe('session_abc123');
  });

  it.each([{}, { sessionId: '' }, { sessionId: null }, undefined])('answers SESSION_ID_REQUIRED for %j, with the documented hint', (body) => {
    const err = rejects(() => parseSessionId(body), 'SESSION_ID_REQUIRED', 'sessionId');
    expect(err.status).toBe(400);
    expect(err.details.hint).toBe('Session ID is returned when you create a session');
    expect(SESSION_ID_HINT).toBe('Session ID is returned when you create a session');
  });

  it.each([123, true, ['session_abc'], { id: 'session_abc' }])('rejects a non-string id %j with INVALID_REQUEST', (sessionId) => {
    rejects(() => parseSessionId({ sessionId }), 'INVALID_REQUEST', 'sessionId');
  });
});

describe('parseProxy (contract §1.6)', () => {
  it.each([undefined, null, ''])('returns undefined for %j', (value) => {
    expect(parseProxy(value)).toBeUndefined();
  });

  it.each([
    ['http://proxy.test:8080', { protocol: 'http', host: 'proxy.test', port: 8080 }],
    ['http://proxy.test', { protocol: 'http', host: 'proxy.test', port: 80 }],
    ['https://proxy.test', { protocol: 'https', host: 'proxy.test', port: 443 }],
    ['https://user:pass@proxy.test:8443', { protocol: 'https', host: 'proxy.test', port: 8443, username: 'user', password: 'pass' }],
    ['http://user:pass@host:8080', { protocol: 'http', host: 'host', port: 8080, username: 'user', password: 'pass' }],
    ['socks5://10.0.0.1:1081', { protocol: 'socks5', host: '10.0.0.1', port: 1081 }],
    ['socks5://proxy.test', { protocol: 'socks5', host: 'proxy.test', port: 1080 }],
    ['socks5://u%40x:p%3Ass@proxy.test:1080', { protocol: 'socks5', host: 'proxy.test', port: 1080, username: 'u@x', password: 'p:ss' }],
    ['http://[::1]:3128', { protocol: 'http', host: '::1', port: 3128 }],
    ['HTTP://Proxy.Test:8080', { protocol: 'http', host: 'proxy.test', port: 8080 }],
  ])('parses URL %j', (url, expected) => {
    expect(parseProxy(url)).toEqual(expected);
  });

  it.each([
    [{ protocol: 'socks5', host: 'proxy.test', port: 1080, username: 'u', password: 'p' }, { protocol: 'socks5', host: 'proxy.test', port: 1080, username: 'u', password: 'p' }],
    [{ host: 'proxy.test', port: 3128 }, { protocol: 'http', host: 'proxy.test', port: 3128 }],
    [{ protocol: 'HTTPS:', host: 'proxy.test', port: '8443' }, { protocol: 'https', host: 'proxy.test', port: 8443 }],
  ])('parses object %j', (value, expected) => {
    expect(parseProxy(value)).toEqual(expected);
  });

  it.each([
    'proxy.test:8080',
    'not a url',
    'ftp://proxy.test:21',
    'socks4://proxy.test:1080',
    'http://',
    42,
    true,
    ['http://proxy.test:8080'],
    {},
    { host: 'proxy.test' },
    { host: '', port: 8080 },
    { protocol: 'gopher', host: 'proxy.test', port: 70 },
    { host: 'proxy.test', port: 0 },
    { host: 'proxy.test', port: 65536 },
    { host: 'proxy.test', port: 80.5 },
    { host: 'proxy.test', port: 'eighty' },
    { host: 'proxy.test', port: 8080, username: 5 },
    { host: 'proxy.test', port: 8080, password: { secret: true } },
  ])('rejects %j with INVALID_REQUEST on field proxy', (value) => {
    rejects(() => parseProxy(value), 'INVALID_REQUEST', 'proxy');
  });
});

describe('parseFingerprint (contract §1.6)', () => {
  const full = {
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    platform: 'Win32',
    language: 'en-US',
    languages: ['en-US', 'en'],
    timezone: 'America/New_York',
    screen: { width: 1920, height: 1080 },
    viewport: { width: 1366, height: 768 },
    deviceMemory: 8,
    hardwareConcurrency: 8,
    webgl: { vendor: 'Google Inc. (Intel)', renderer: 'ANGLE (Intel)' },
    headers: { 'accept-language': 'en-US,en;q=0.9' },
  };

  it.each([undefined, null])('returns undefined for %j', (value) => {
    expect(parseFingerprint(value)).toBeUndefined();
  });

  it('accepts the whole profile', () => {
    expect(parseFingerprint(full)).toEqual(full);
  });

  it('accepts a subset', () => {
    expect(parseFingerprint({ timezone: 'Europe/Paris', deviceMemory: 4 })).toEqual({ timezone: 'Europe/Paris', deviceMemory: 4 });
  });

  it('ignores unknown keys', () => {
    const out = parseFingerprint({ userAgent: 'UA', favouriteColour: 'blue', screen: { width: 800, height: 600, depth: 24 } });
    expect(out).toEqual({ userAgent: 'UA', screen: { width: 800, height: 600 } });
  });

  it('lowercases header names', () => {
    expect(parseFingerprint({ headers: { 'Accept-Language': 'fr' } })).toEqual({ headers: { 'accept-language': 'fr' } });
  });

  it.each([
    [{ screen: { width: '1920', height: 1080 } }, 'fingerprint.screen.width'],
    [{ screen: { width: 1920 } }, 'fingerprint.screen.height'],
    [{ viewport: { width: 0, height: 768 } }, 'fingerprint.viewport.width'],
    [{ screen: 'big' }, 'fingerprint.screen'],
    [{ userAgent: 42 }, 'fingerprint.userAgent'],
    [{ userAgent: 'x'.repeat(2049) }, 'fingerprint.userAgent'],
    [{ hardwareConcurrency: 2.5 }, 'fingerprint.hardwareConcurrency'],
    [{ deviceMemory: -1 }, 'fingerprint.deviceMemory'],
    [{ webgl: { vendor: 'v', renderer: 1 } }, 'fingerprint.webgl.renderer'],
    [{ languages: [] }, 'fingerprint.languages'],
    [{ languages: 'en-US' }, 'fingerprint.languages'],
    [{ languages: ['en', 1] }, 'fingerprint.languages'],
    [{ headers: ['x'] }, 'fingerprint.headers'],
    [{ headers: { 'x-a': 1 } }, 'fingerprint.headers.x-a'],
    [{ headers: { 'x-a': 'ok\r\nInjected: yes' } }, 'fingerprint.headers.x-a'],
    [{ headers: { 'bad name': 'v' } }, 'fingerprint.headers.bad name'],
  ])('rejects %j with INVALID_REQUEST on %s', (value, field) => {
    rejects(() => parseFingerprint(value), 'INVALID_REQUEST', field);
  });

  it.each(['ua', 1, true, [{}]])('rejects a non-object fingerprint %j on field fingerprint', (value) => {
    rejects(() => parseFingerprint(value), 'INVALID_REQUEST', 'fingerprint');
  });

  it('reports the field path through parseCreateSession', () => {
    rejects(() => parseCreateSession({ fingerprint: { screen: { width: '1920', height: 1080 } } }), 'INVALID_REQUEST', 'fingerprint.screen.width');
  });
});

describe('paging (contract §3.11)', () => {
  it('defaults to limit 20, offset 0', () => {
    expect(paging({})).toEqual({ limit: 20, offset: 0 });
  });

  it.each([
    [1, 1],
    [100, 100],
    [101, 100],
    [500, 100],
  ])('limit %d → %d', (limit, expected) => {
    expect(paging({ limit }).limit).toBe(expected);
  });

  it('keeps a given offset', () => {
    expect(paging({ offset: 40 }).offset).toBe(40);
  });

  it.each([0, -1, 1.5, '10', true])('rejects limit %j', (limit) => {
    rejects(() => paging({ limit }), 'INVALID_REQUEST', 'limit');
  });

  it.each([-1, 0.5, '0', false])('rejects offset %j', (offset) => {
    rejects(() => paging({ offset }), 'INVALID_REQUEST', 'offset');
  });

  it('reads query-string paging as numbers', () => {
    expect(pagingFromQuery({})).toEqual({ limit: 20, offset: 0 });
    expect(pagingFromQuery(undefined)).toEqual({ limit: 20, offset: 0 });
    expect(pagingFromQuery({ limit: '500', offset: '3' })).toEqual({ limit: 100, offset: 3 });
    rejects(() => pagingFromQuery({ limit: 'ten' }), 'INVALID_REQUEST', 'limit');
    rejects(() => pagingFromQuery({ limit: '0' }), 'INVALID_REQUEST', 'limit');
    rejects(() => pagingFromQuery({ offset: '-1' }), 'INVALID_REQUEST', 'offset');
  });
});

describe('parseSessionList', () => {
  it('defaults to every status', () => {
    expect(parseSessionList({})).toEqual({ status: undefined, limit: 20, offset: 0 });
  });

  it.each(['active', 'expired', 'closed'])('filters on %s', (status) => {
    expect(parseSessionList({ status, limit: 500, offset: 2 })).toEqual({ status, limit: 100, offset: 2 });
  });

  it.each(['open', 'ACTIVE', 1])('rejects status %j', (status) => {
    rejects(() => parseSessionList({ status }), 'INVALID_REQUEST', 'status');
  });

  it('rejects bad paging', () => {
    rejects(() => parseSessionList({ limit: 0 }), 'INVALID_REQUEST', 'limit');
    rejects(() => parseSessionList({ offset: -1 }), 'INVALID_REQUEST', 'offset');
  });
});

describe('parseHistory (contract §3.12)', () => {
  const iso = '2026-01-02T03:04:05.000Z';
  const ms = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('has no filter by default', () => {
    expect(parseHistory({})).toEqual({ filter: { startDate: undefined, endDate: undefined }, limit: 20, offset: 0 });
  });

  it('accepts an ISO 8601 string and a millisecond number', () => {
    expect(parseHistory({ startDate: iso, endDate: ms + 1000 }).filter).toMatchObject({ startDate: ms, endDate: ms + 1000 });
  });

  it('accepts a date-only ISO string and a string of digits', () => {
    expect(parseHistory({ startDate: '2026-01-02' }).filter.startDate).toBe(Date.UTC(2026, 0, 2));
    expect(parseHistory({ endDate: String(ms) }).filter.endDate).toBe(ms);
  });

  it.each(['garbage', '', ' ', true, {}, ['2026-01-02']])('rejects startDate %j', (startDate) => {
    rejects(() => parseHistory({ startDate }), 'INVALID_REQUEST', 'startDate');
  });

  it('rejects an unparsable endDate on its own field', () => {
    rejects(() => parseHistory({ startDate: iso, endDate: 'tomorrow-ish' }), 'INVALID_REQUEST', 'endDate');
  });

  it('filters on status and type', () => {
    expect(parseHistory({ status: 'completed', type: 'session_create' }).filter).toMatchObject({ status: 'completed', type: 'session_create' });
  });

  it.each([
    [{ status: 'done' }, 'status'],
    [{ status: 1 }, 'status'],
    [{ type: 'batch' }, 'type'],
    [{ limit: 0 }, 'limit'],
    [{ offset: -1 }, 'offset'],
  ])('rejects %j on %s', (body, field) => {
    rejects(() => parseHistory(body), 'INVALID_REQUEST', field);
  });

  it('clamps the limit', () => {
    expect(parseHistory({ limit: 500 }).limit).toBe(100);
  });
});

describe('admin schemas (contract §9.2)', () => {
  it('parses a new account, name or username', () => {
    expect(parseNewAccount({ name: ' Ada ', email: 'ada@example.test', balance: 5 })).toEqual({ username: 'Ada', email: 'ada@example.test', balanceUsd: 5 });
    expect(parseNewAccount({ username: 'bob' })).toEqual({ username: 'bob', email: null, balanceUsd: 0 });
  });

  it.each([
    [{}, 'name'],
    [{ name: '  ' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'a', email: 5 }, 'email'],
    [{ name: 'a', balance: -1 }, 'balance'],
    [{ name: 'a', balance: '10' }, 'balance'],
  ])('rejects new account %j on %s', (body, field) => {
    rejects(() => parseNewAccount(body), 'INVALID_REQUEST', field);
  });

  it('parses a credit, negative amounts included', () => {
    expect(parseCredit({ amount: 10, note: 'top-up' })).toEqual({ amountUsd: 10, note: 'top-up' });
    expect(parseCredit({ amount: -2.5 })).toEqual({ amountUsd: -2.5, note: null });
  });

  it.each([
    [{}, 'amount'],
    [{ amount: 0 }, 'amount'],
    [{ amount: '10' }, 'amount'],
    [{ amount: 1, note: 3 }, 'note'],
  ])('rejects credit %j on %s', (body, field) => {
    rejects(() => parseCredit(body), 'INVALID_REQUEST', field);
  });

  it('parses an account patch, null clearing a limit', () => {
    expect(parseAccountPatch({ status: 'suspended', maxSessions: 3, rateLimitRps: null })).toEqual({ status: 'suspended', limits: { maxSessions: 3, rateLimitRps: null } });
    expect(parseAccountPatch({})).toEqual({ limits: {} });
  });

  it.each([
    [{ status: 'banned' }, 'status'],
    [{ maxSessions: 0 }, 'maxSessions'],
    [{ rateLimitRps: 1.5 }, 'rateLimitRps'],
    [{ rateLimitBurst: '5' }, 'rateLimitBurst'],
  ])('rejects patch %j on %s', (body, field) => {
    rejects(() => parseAccountPatch(body), 'INVALID_REQUEST', field);
  });
});
