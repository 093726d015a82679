import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { BBREError, BBRESession, RenewingSession } from '../../packages/sdk/src/index.js';
import { startServer, type TestServer } from '../support/app.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { echoCookies, startTargetSite, type EchoBody, type TargetSite } from '../support/target-site.js';
import { clientFor, LiveClock, rejectionOf, sessionFor } from './helpers.js';

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

/** The cookies the target received with a session's GET /echo. */
async function cookiesSeen(session: { get(url: string): Promise<{ body: string }> }): Promise<Record<string, string>> {
  return echoCookies(JSON.parse((await session.get(`${site.url}/echo`)).body) as EchoBody);
}

const backend: Backend = 'sqlite';

describe.skipIf(!BACKENDS.includes(backend))(`BBRESession, passive (${backend})`, () => {
  let server: TestServer;
  let clock: LiveClock;
  beforeAll(async () => {
    clock = new LiveClock();
    server = await startServer(backend, { clock });
  });
  afterAll(() => server?.close());

  /** A started session, closed when the test ends. */
  async function started(options: Parameters<typeof sessionFor>[2] = {}) {
    const { key } = await server.account(10);
    const client = clientFor(server, key);
    const session = sessionFor(server, key, options);
    await session.start();
    onTestFinished(() => session.close().then(() => undefined));
    return { key, client, session };
  }

  it('start() creates the session and keeps its ID, expiry and profile', async () => {
    const { key } = await server.account(10);
    const session = sessionFor(server, key, { sessionTime: 120, sensibility: 'high' });
    expect([session.getSessionId(), session.isActive(), session.hasProfile(), session.getProfile()]).toEqual([null, false, false, null]);
    const before = Date.now();
    const out = await session.start();
    onTestFinished(() => session.close().then(() => undefined));
    expect(out).toEqual({ sessionId: expect.stringMatching(/^session_/), expiresAt: expect.any(Number), profile: expect.objectContaining({ userAgent: expect.any(String) }) });
    expect(out.expiresAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(out.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
    expect([session.sessionId, session.getSessionId(), session.expiresAt]).toEqual([out.sessionId, out.sessionId, out.expiresAt]);
    expect(session.isActive()).toBe(true);
    expect(session.hasProfile()).toBe(true);
    expect(session.getProfile()).toEqual(out.profile);
    expect(session.profile).toEqual(out.profile);

    const status = await session.status();
    expect(status).toMatchObject({ id: out.sessionId, status: 'active', mode: 'passive', sensibility: 'high', requestCount: 0, totalCharged: 0, timeout: 120, expiresAt: out.expiresAt });
    expect(status.profile).toEqual(out.profile);
    // Starting an active session again keeps it.
    expect((await session.start()).sessionId).toBe(out.sessionId);
  });

  it('a login flow keeps its cookie; the local jar mirrors the server jar', async () => {
    const { session } = await started();
    const login = await session.request({ url: `${site.url}/login`, method: 'POST', body: { username: 'myuser', password: 'mypassword' } });
    expect(login.statusCode).toBe(200);
    expect(login.url).toBe(`${site.url}/account`);
    const sid = login.cookies.sid!;
    expect(sid).toMatch(/^[0-9a-f]{16}$/);
    expect(login.body).toBe(`welcome ${sid}`);
    expect(session.getCookies()).toEqual({ sid });

    const account = await session.get(`${site.url}/account`);
    expect(account.statusCode).toBe(200);
    expect(await cookiesSeen(session)).toEqual(session.getCookies());
    // Cookies set along a redirect chain are learned too.
    await session.get(`${site.url}/chain/1`);
    expect(session.getCookies()).toEqual({ sid, c1: 'v1', c2: 'v2', c3: 'v3' });
    expect(await cookiesSeen(session)).toEqual(session.getCookies());
    expect((await session.status()).requestCount).toBe(5);
  });

  it('setCookie, setCookies and per-request cookies reach the server jar and stay there', async () => {
    const { session } = await started();
    expect(session.setCookie('theme', 'dark')).toBe(session);
    expect(session.getCookies()).toEqual({ theme: 'dark' });
    expect(await cookiesSeen(session)).toEqual({ theme: 'dark' });
    // Sent once, then kept by the server's jar.
    expect(await cookiesSeen(session)).toEqual({ theme: 'dark' });

    session.setCookies({ lang: 'en' }).setCookies([{ name: 'scoped', value: '1', path: '/elsewhere' }]);
    const res = await session.request({ url: `${site.url}/echo`, cookies: { once: 'yes' } });
    // The path attribute went to the server with the cookie: /echo is outside /elsewhere.
    expect(echoCookies(JSON.parse(res.body) as EchoBody)).toEqual({ theme: 'dark', lang: 'en', once: 'yes' });
    expect(session.getCookies()).toEqual({ theme: 'dark', lang: 'en', scoped: '1', once: 'yes' });
    const fresh = await session.get(`${site.url}/set-cookie?name=fresh&value=v`);
    expect(fresh.cookies).toEqual({ fresh: 'v' });
    expect(session.getCookies()).toMatchObject({ fresh: 'v' });
    expect(await cookiesSeen(session)).toEqual({ theme: 'dark', lang: 'en', once: 'yes', fresh: 'v' });
  });

  it('clearCookies empties the local jar and deletes the cookies on the server', async () => {
    const { session } = await started();
    await session.post(`${site.url}/login`, { username: 'u' });
    session.setCookie('theme', 'dark');
    expect(Object.keys(await cookiesSeen(session)).sort()).toEqual(['sid', 'theme']);
    expect(session.clearCookies()).toBe(session);
    expect(session.getCookies()).toEqual({});
    expect(await cookiesSeen(session)).toEqual({});
    expect((await session.get(`${site.url}/account`)).statusCode).toBe(403);
    expect(await cookiesSeen(session)).toEqual({});
  });

  it('forceMode: SESSION_NOT_ACTIVE without an active session; through the session while active', async () => {
    const { key } = await server.account(10);
    const session = sessionFor(server, key, { forceMode: true });
    const before = await rejectionOf(session.get(`${site.url}/echo`));
    expect(before).toBeInstanceOf(BBREError);
    expect(before).toMatchObject({ code: 'SESSION_NOT_ACTIVE', httpStatus: null, retryable: false });
    await session.start();
    await session.get(`${site.url}/set-cookie?name=a&value=1`);
    expect(await cookiesSeen(session)).toEqual({ a: '1' });
    expect(await session.close()).toBe(true);
    const after = await rejectionOf(session.get(`${site.url}/echo`));
    expect(after).toMatchObject({ code: 'SESSION_NOT_ACTIVE', httpStatus: null });
    const history = await clientFor(server, key).getHistory();
    expect(history.history.map((h) => h.type)).toEqual(['session_request', 'session_request', 'session_create']);
  });

  it('after close, requests go stateless with the session settings', async () => {
    const { key } = await server.account(10);
    const client = clientFor(server, key);
    const session = await client.createSession({ sensibility: 'low' });
    await session.get(`${site.url}/set-cookie?name=a&value=1`);
    expect(await session.close()).toBe(true);
    expect([session.getSessionId(), session.expiresAt, session.getProfile(), session.isActive()]).toEqual([null, null, null, false]);
    expect(session.getCookies()).toEqual({});
    // No session any more: a clean stateless request, with the session's sensibility.
    expect(await cookiesSeen(session)).toEqual({});
    const { history } = await client.getHistory({ limit: 1 });
    expect(history[0]).toMatchObject({ type: 'request', sensibility: 'low', url: `${site.url}/echo` });
    expect(history[0]!.sessionId).toBeUndefined();
  });

  it('close() resolves on a session that already ended (closed elsewhere, expired, or never started)', async () => {
    const { key, client, session } = await started({ sessionTime: 60 });
    const id = session.getSessionId()!;
    await client.closeSession(id);
    // isActive is local: it does not know yet.
    expect(session.isActive()).toBe(true);
    const err = await rejectionOf(session.get(`${site.url}/echo`));
    expect(err).toMatchObject({ code: 'SESSION_CLOSED', httpStatus: 400 });
    // The server's answer is remembered: no longer active, later requests go stateless.
    expect(session.isActive()).toBe(false);
    expect(session.getSessionId()).toBe(id);
    expect((await session.get(`${site.url}/echo`)).statusCode).toBe(200);
    expect(await session.close()).toBe(false);
    expect(session.getSessionId()).toBeNull();
    expect(await session.close()).toBe(false);

    const expiring = sessionFor(server, key, { sessionTime: 60 });
    await expiring.start();
    clock.advance(61_000);
    expect(expiring.isActive()).toBe(true);
    const status = await expiring.status();
    expect(status).toMatchObject({ status: 'expired', endedReason: 'expired' });
    expect(expiring.isActive()).toBe(false);
    expect(await expiring.close()).toBe(false);
    expect(await sessionFor(server, key).close()).toBe(false);
  });

  it('status() without a session is SESSION_NOT_ACTIVE; a foreign session is SESSION_NOT_FOUND', async () => {
    const { key } = await server.account(10);
    const idle = sessionFor(server, key);
    expect(await rejectionOf(idle.status())).toMatchObject({ code: 'SESSION_NOT_ACTIVE', httpStatus: null });
    const { session } = await started();
    const stranger = clientFor(server, key);
    expect(await rejectionOf(stranger.getSessionStatus(session.getSessionId()!))).toMatchObject({ code: 'SESSION_NOT_FOUND', httpStatus: 404 });
  });

  it('the profile stays the same for the whole session', async () => {
    const { session } = await started({ fingerprint: { timezone: 'Europe/Paris', language: 'fr-FR' } });
    const profile = session.getProfile()!;
    expect(profile).toMatchObject({ timezone: 'Europe/Paris', language: 'fr-FR' });
    const res = await session.get(`${site.url}/echo`);
    expect(res.profile).toEqual(profile);
    expect(session.getProfile()).toEqual(profile);
    expect((await session.status()).profile).toEqual(profile);
  });

  it('attach() binds a session object to an existing session ID, without an API call', async () => {
    const { key, client, session } = await started();
    await session.get(`${site.url}/set-cookie?name=a&value=1`);
    const id = session.getSessionId()!;
    const attached = BBRESession.attach({ apiKey: key, baseUrl: server.url, retries: 0 }, id);
    expect([attached.getSessionId(), attached.expiresAt, attached.isActive(), attached.hasProfile()]).toEqual([id, null, true, false]);
    // Through the existing session: the server's jar answers; the response teaches expiry and profile.
    expect(await cookiesSeen(attached)).toEqual({ a: '1' });
    expect(attached.expiresAt).toBe(session.expiresAt);
    expect(attached.getProfile()).toEqual(session.getProfile());
    expect(await client.getSessionStatus(id)).toMatchObject({ requestCount: 2 });
    // start() on an attached session keeps it (and learns its state first).
    const again = BBRESession.attach({ apiKey: key, baseUrl: server.url }, id);
    expect(await again.start()).toEqual({ sessionId: id, expiresAt: session.expiresAt, profile: session.getProfile() });

    await session.close();
    const gone = BBRESession.attach({ apiKey: key, baseUrl: server.url, forceMode: true }, id);
    expect(await rejectionOf(gone.get(`${site.url}/echo`))).toMatchObject({ code: 'SESSION_CLOSED', httpStatus: 400 });
    expect(gone.isActive()).toBe(false);
    expect(await rejectionOf(gone.get(`${site.url}/echo`))).toMatchObject({ code: 'SESSION_NOT_ACTIVE', httpStatus: null });
  });

  describe('RenewingSession', () => {
    it('renews before expiry and carries the cookies into the new session', async () => {
      const { key } = await server.account(10);
      const client = clientFor(server, key);
      // A renewal margin longer than the session: every request finds the session due for renewal.
      const renewing = await client.createRenewingSession({ sessionTime: 60, renewBefore: 3600 });
      onTestFinished(() => renewing.close().then(() => undefined));
      expect(renewing).toBeInstanceOf(RenewingSession);
      const first = renewing.sessionId!;
      expect(first).toMatch(/^session_/);
      expect(renewing.renewals).toBe(0);

      await renewing.get(`${site.url}/set-cookie?name=keep&value=1`);
      const second = renewing.sessionId!;
      expect(renewing.renewals).toBe(1);
      const echo = await renewing.get(`${site.url}/echo`);
      const third = renewing.sessionId!;
      expect(renewing.renewals).toBe(2);
      expect(new Set([first, second, third]).size).toBe(3);
      // The cookie set in the second session reached the target from the third.
      expect(echoCookies(JSON.parse(echo.body) as EchoBody)).toEqual({ keep: '1' });
      expect(renewing.session).toBeInstanceOf(BBRESession);
      expect(renewing.session.getCookies()).toEqual({ keep: '1' });
      // Renewed sessions were closed, not left to expire.
      for (const id of [first, second]) expect(await client.getSessionStatus(id)).toMatchObject({ status: 'closed', endedReason: 'closed' });
      expect(await client.getSessionStatus(third)).toMatchObject({ status: 'active', requestCount: 1 });
    });

    it('renews when the server says the session expired, and resends the request', async () => {
      const { key } = await server.account(10);
      const renewing = new RenewingSession({ apiKey: key, baseUrl: server.url, retries: 0, sessionTime: 60 });
      onTestFinished(() => renewing.close().then(() => undefined));
      await renewing.post(`${site.url}/login`, { username: 'u' });
      const first = renewing.sessionId!;
      const sid = renewing.session.getCookies().sid!;
      expect(sid).toEqual(expect.any(String));
      // The server's clock passes the expiry; locally the session still has more than its 15 s margin left.
      clock.advance(61_000);
      expect(renewing.session.isActive()).toBe(true);
      const account = await renewing.get(`${site.url}/account`);
      expect(renewing.renewals).toBe(1);
      expect(renewing.sessionId).not.toBe(first);
      expect(account.statusCode).toBe(200);
      expect(account.body).toBe(`welcome ${sid}`);
      expect(await clientFor(server, key).getSessionStatus(first)).toMatchObject({ status: 'expired' });
      expect(await renewing.close()).toBe(true);
      expect(renewing.sessionId).toBeNull();
    });
  });
});
