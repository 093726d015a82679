/**
 * The hosted service's session-status examples (docs/contract/seed-session-status.txt), written with the SDK and run
 * against a real BBRE server. Each keeps the documented function's name, shape and decisions; `API_KEY` and the
 * target URLs are the test's own, and `console.log` writes into `logs`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import BBREClient, { BBRESession } from '../../packages/sdk/src/index.js';
import { startServer, type TestServer } from '../support/app.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';
import { FAST, LiveClock } from './helpers.js';

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

const logs: string[] = [];
const console = { log: (...parts: unknown[]) => logs.push(parts.map(String).join(' ')) };

const backend: Backend = 'sqlite';

describe.skipIf(!BACKENDS.includes(backend))(`documented SDK examples against BBRE (${backend})`, () => {
  let server: TestServer;
  let clock: LiveClock;
  let API_KEY: string;
  /** Where a hosted example says `new BBREClient({ apiKey: "YOUR_API_KEY", ... })`. */
  const newClient = (options: { mode?: 'passive' | 'adaptive'; sensibility?: 'low' | 'medium' | 'high' } = {}) =>
    new BBREClient({ apiKey: API_KEY, baseUrl: server.url, ...FAST, ...options });

  beforeAll(async () => {
    clock = new LiveClock();
    server = await startServer(backend, { clock });
  });
  afterAll(() => server?.close());
  beforeEach(async () => {
    logs.length = 0;
    API_KEY = (await server.account(10)).key;
  });

  it('Basic Status Check', async () => {
    const client = newClient();
    async function checkSessionStatus(sessionId: string) {
      const session = await client.getSessionStatus(sessionId);
      console.log('Session ID:', session.id);
      console.log('Status:', session.status);
      console.log('Mode:', session.mode);
      console.log('Sensibility:', session.sensibility);
      console.log('Request Count:', session.requestCount);
      console.log('Total Charged:', session.totalCharged);
      console.log('Expires At:', new Date(session.expiresAt).toISOString());
      console.log('Created At:', new Date(session.createdAt).toISOString());
      return session;
    }

    const created = await client.createSession({ timeout: 300 });
    await created.request({ url: `${site.url}/echo`, method: 'GET' });
    const session = await checkSessionStatus(created.sessionId!);
    expect(session).toMatchObject({ id: created.sessionId, status: 'active', mode: 'passive', sensibility: 'medium', requestCount: 1, totalCharged: 0.002 });
    expect(session.expiresAt - session.createdAt).toBe(300_000);
    expect(logs).toEqual([
      `Session ID: ${created.sessionId}`,
      'Status: active',
      'Mode: passive',
      'Sensibility: medium',
      'Request Count: 1',
      'Total Charged: 0.002',
      `Expires At: ${new Date(session.expiresAt).toISOString()}`,
      `Created At: ${new Date(session.createdAt).toISOString()}`,
    ]);
    await created.close();
  });

  it('Check Expiration Before Sending Requests', async () => {
    const client = newClient();
    async function isSessionUsable(sessionId: string) {
      const session = await client.getSessionStatus(sessionId);
      if (session.status !== 'active') {
        console.log('Session is', session.status, '- cannot send requests');
        return false;
      }
      const remainingMs = session.expiresAt - Date.now();
      const remainingSec = Math.floor(remainingMs / 1000);
      console.log('Session is active, expires in', remainingSec, 'seconds');
      if (remainingSec < 10) {
        console.log('Session expiring too soon, create a new one');
        return false;
      }
      return true;
    }

    async function sendRequestIfSessionActive(sessionId: string, url: string) {
      const usable = await isSessionUsable(sessionId);
      if (!usable) {
        console.log('Creating a new session...');
        const created = await client.createSession({ mode: 'passive', sensibility: 'medium', timeout: 300 });
        sessionId = created.sessionId!;
        console.log('New session created:', sessionId);
      }
      // The raw example posts { sessionId, url } to /session/request: a session object attached to that ID.
      const result = await BBRESession.attach({ apiKey: API_KEY, baseUrl: server.url }, sessionId).request({ url: url, method: 'GET' });
      console.log('Request completed:', result.task.status);
      return { sessionId, result };
    }

    // Usable: the request goes through the given session.
    const live = await client.createSession({ timeout: 300 });
    const first = await sendRequestIfSessionActive(live.sessionId!, `${site.url}/echo`);
    expect(first.sessionId).toBe(live.sessionId);
    expect(first.result.task.status).toBe('completed');
    expect(logs).toEqual([expect.stringMatching(/^Session is active, expires in (299|300) seconds$/), 'Request completed: completed']);
    expect((await client.getSessionStatus(live.sessionId!)).requestCount).toBe(1);

    // Closed: a new session is created and used.
    await live.close();
    logs.length = 0;
    const second = await sendRequestIfSessionActive(first.sessionId, `${site.url}/echo`);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(logs).toEqual(['Session is closed - cannot send requests', 'Creating a new session...', `New session created: ${second.sessionId}`, 'Request completed: completed']);
    expect((await client.getSessionStatus(second.sessionId)).requestCount).toBe(1);
    await client.closeSession(second.sessionId);

    // Expiring in under 10 s: replaced too. The session is created 295 s in the server's past.
    clock.advance(-295_000);
    const old = await client.createSession({ timeout: 300 });
    clock.advance(295_000);
    logs.length = 0;
    const third = await sendRequestIfSessionActive(old.sessionId!, `${site.url}/echo`);
    expect(third.sessionId).not.toBe(old.sessionId);
    expect(logs[0]).toMatch(/^Session is active, expires in [4-5] seconds$/);
    expect(logs[1]).toBe('Session expiring too soon, create a new one');
    expect((await client.getSessionStatus(old.sessionId!)).requestCount).toBe(0);
    expect((await client.getSessionStatus(third.sessionId)).requestCount).toBe(1);
    await Promise.all([old.close(), client.closeSession(third.sessionId)]);
  });

  it('Track Usage and Costs (budget limits)', async () => {
    const client = newClient();
    async function monitorSession(sessionId: string, maxRequests: number, maxCost: number) {
      const session = await client.getSessionStatus(sessionId);
      const remainingSec = Math.floor((session.expiresAt - Date.now()) / 1000);
      console.log('Session Monitor Report:');
      console.log(' Status:', session.status);
      console.log(' Mode:', session.mode);
      console.log(' Requests:', session.requestCount, '/', maxRequests);
      console.log(' Cost: $' + session.totalCharged.toFixed(4), '/ $' + maxCost.toFixed(4));
      console.log(' Time Remaining:', remainingSec, 'seconds');
      if (session.status !== 'active') {
        return { shouldContinue: false, reason: 'session_' + session.status };
      }
      if (session.requestCount >= maxRequests) {
        return { shouldContinue: false, reason: 'max_requests_reached' };
      }
      if (session.totalCharged >= maxCost) {
        return { shouldContinue: false, reason: 'max_cost_reached' };
      }
      if (remainingSec < 15) {
        return { shouldContinue: false, reason: 'expiring_soon' };
      }
      return { shouldContinue: true, session: session };
    }

    const session = await client.createSession({ timeout: 300 });
    const id = session.sessionId!;
    expect(await monitorSession(id, 50, 0.5)).toMatchObject({ shouldContinue: true, session: { id, requestCount: 0 } });
    expect(logs).toContain(' Requests: 0 / 50');
    // A workflow loop that stops when the monitor says so.
    let reason: string | undefined;
    for (let i = 0; i < 10 && !reason; i++) {
      await session.request({ url: `${site.url}/echo`, method: 'GET' });
      const check = await monitorSession(id, 3, 0.5);
      if (!check.shouldContinue) reason = check.reason;
    }
    expect(reason).toBe('max_requests_reached');
    expect((await client.getSessionStatus(id)).requestCount).toBe(3);
    // Three passive medium requests cost $0.006: a $0.005 budget is spent.
    logs.length = 0;
    expect(await monitorSession(id, 50, 0.005)).toEqual({ shouldContinue: false, reason: 'max_cost_reached' });
    expect(logs).toContain(' Cost: $0.0060 / $0.0050');
    await session.close();
    expect(await monitorSession(id, 50, 0.5)).toEqual({ shouldContinue: false, reason: 'session_closed' });
  });

  it('Expiration Countdown Timer and Usage Tracking for Billing', async () => {
    const client = newClient();
    async function getSessionTimeRemaining(sessionId: string) {
      const session = await client.getSessionStatus(sessionId);
      if (session.status !== 'active') {
        return { active: false, status: session.status, remainingSeconds: 0 };
      }
      const remainingMs = session.expiresAt - Date.now();
      const remainingSec = Math.max(0, Math.floor(remainingMs / 1000));
      return { active: true, status: session.status, remainingSeconds: remainingSec, expiresAt: new Date(session.expiresAt).toISOString() };
    }
    async function getSessionUsageReport(sessionId: string) {
      const session = await client.getSessionStatus(sessionId);
      const durationMs = Date.now() - session.createdAt;
      const durationSec = Math.floor(durationMs / 1000);
      const costPerRequest = session.requestCount > 0 ? session.totalCharged / session.requestCount : 0;
      return {
        sessionId: session.id,
        status: session.status,
        mode: session.mode,
        sensibility: session.sensibility,
        totalRequests: session.requestCount,
        totalCost: session.totalCharged,
        averageCostPerRequest: parseFloat(costPerRequest.toFixed(6)),
        sessionDurationSeconds: durationSec,
      };
    }

    const session = await newClient({ sensibility: 'high' }).createSession({ timeout: 120 });
    const id = session.sessionId!;
    const remaining = await getSessionTimeRemaining(id);
    expect(remaining).toMatchObject({ active: true, status: 'active', expiresAt: new Date(session.expiresAt!).toISOString() });
    expect(remaining.remainingSeconds).toBeGreaterThanOrEqual(118);
    expect(remaining.remainingSeconds).toBeLessThanOrEqual(120);
    await session.get(`${site.url}/echo`);
    await session.get(`${site.url}/echo`);
    expect(await getSessionUsageReport(id)).toEqual({
      sessionId: id,
      status: 'active',
      mode: 'passive',
      sensibility: 'high',
      totalRequests: 2,
      totalCost: 0.006,
      averageCostPerRequest: 0.003,
      sessionDurationSeconds: expect.any(Number),
    });
    clock.advance(121_000);
    expect(await getSessionTimeRemaining(id)).toEqual({ active: false, status: 'expired', remainingSeconds: 0 });
  });

  it('Check Status via BBREClient', async () => {
    const client = newClient();
    async function checkWithClient(sessionId: string) {
      const result = await client.getSessionStatus(sessionId);
      console.log('Status:', result.status);
      console.log('Expires At:', new Date(result.expiresAt).toISOString());
      if (result.status === 'active') {
        console.log('Session is ready for requests');
      } else {
        console.log('Session is no longer active:', result.status);
      }
      return result;
    }

    const session = await client.createSession({ timeout: 300 });
    expect((await checkWithClient(session.sessionId!)).status).toBe('active');
    expect(logs[2]).toBe('Session is ready for requests');
    const id = session.sessionId!;
    await session.close();
    expect((await checkWithClient(id)).status).toBe('closed');
    expect(logs[5]).toBe('Session is no longer active: closed');
  });

  it('Check Status via BBRESession Object (workflowWithStatusCheck)', async () => {
    const client = newClient({ mode: 'passive', sensibility: 'medium' });
    let createdId: string | null = null;
    async function workflowWithStatusCheck() {
      const session = await client.createSession({ timeout: 300 });
      console.log('Session created:', session.sessionId);
      createdId = session.sessionId;
      try {
        const loginResult = await session.request({
          url: `${site.url}/login`,
          method: 'POST',
          body: { username: 'myuser', password: 'mypassword' },
        });
        console.log('Login status:', loginResult.statusCode);
        const statusInfo = await session.status();
        console.log('Session status:', statusInfo.status);
        console.log('Expires at:', new Date(statusInfo.expiresAt).toISOString());
        if (statusInfo.status !== 'active') {
          console.log('Session is no longer active, stopping workflow');
          return null;
        }
        const dataResult = await session.request({ url: `${site.url}/account`, method: 'GET' });
        console.log('Data fetched:', dataResult.statusCode);
        return dataResult.body;
      } finally {
        await session.close();
        console.log('Session closed');
      }
    }

    const body = await workflowWithStatusCheck();
    // The data page saw the login's cookie: the two requests shared the session.
    expect(body).toMatch(/^welcome [0-9a-f]{16}$/);
    expect(logs[0]).toBe(`Session created: ${createdId}`);
    expect(logs.slice(1, 3)).toEqual(['Login status: 200', 'Session status: active']);
    expect(logs.slice(4)).toEqual(['Data fetched: 200', 'Session closed']);
    expect(await client.getSessionStatus(createdId!)).toMatchObject({ status: 'closed', requestCount: 2 });
  });

  it('Conditional Session Renewal with SDK (ensureActiveSession, fetchWithAutoRenewal)', async () => {
    const client = newClient({ mode: 'passive', sensibility: 'medium' });
    let currentSession: BBRESession | null = null;
    async function ensureActiveSession() {
      if (currentSession) {
        try {
          const statusInfo = await currentSession.status();
          if (statusInfo.status === 'active') {
            const remainingMs = statusInfo.expiresAt - Date.now();
            if (remainingMs > 15000) {
              return currentSession;
            }
          }
        } catch (err) {
          console.log('Status check failed, creating new session');
        }
        try {
          await currentSession.close();
        } catch (err) {
          console.log('Close failed (session may have expired)');
        }
      }
      currentSession = await client.createSession({ timeout: 300 });
      console.log('New session created:', currentSession.sessionId);
      return currentSession;
    }
    async function fetchWithAutoRenewal(url: string) {
      const session = await ensureActiveSession();
      const result = await session.request({ url: url, method: 'GET' });
      return result;
    }

    const first = await fetchWithAutoRenewal(`${site.url}/set-cookie?name=a&value=1`);
    expect(first.statusCode).toBe(200);
    const firstSession = currentSession!;
    const firstId = firstSession.sessionId;
    await fetchWithAutoRenewal(`${site.url}/echo`);
    expect(currentSession).toBe(firstSession);
    expect(logs).toEqual([`New session created: ${firstId}`]);

    // Closed behind the workflow's back: a new session.
    await client.closeSession(firstId!);
    await fetchWithAutoRenewal(`${site.url}/echo`);
    const secondId = currentSession!.sessionId;
    expect(secondId).not.toBe(firstId);
    expect(logs[1]).toBe(`New session created: ${secondId}`);

    // Expired: a new session again; closing the expired one resolved.
    clock.advance(301_000);
    await fetchWithAutoRenewal(`${site.url}/echo`);
    const thirdId = currentSession!.sessionId;
    expect(thirdId).not.toBe(secondId);
    expect(logs).toEqual([`New session created: ${firstId}`, `New session created: ${secondId}`, `New session created: ${thirdId}`]);
    expect(await client.getSessionStatus(secondId!)).toMatchObject({ status: 'expired' });
    expect(await client.getSessionStatus(thirdId!)).toMatchObject({ status: 'active', requestCount: 1 });
    // Closed by another part of the application through the same object: the status check throws, the example recovers.
    await currentSession!.close();
    await fetchWithAutoRenewal(`${site.url}/echo`);
    expect(logs[3]).toBe('Status check failed, creating new session');
    expect(logs[4]).toBe(`New session created: ${currentSession!.sessionId}`);
    await currentSession!.close();
  });
});
