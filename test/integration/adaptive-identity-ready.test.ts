import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../src/engines/adaptive/chromium.js';
import { AdaptiveEngine } from '../../src/engines/adaptive/adaptive.engine.js';
import { BrowserPool } from '../../src/engines/adaptive/browser-pool.js';
import { buildChromeProfile } from '../../src/engines/identity/chrome-profile.js';
import type { EngineRequest, EngineSession } from '../../src/engines/engine.js';
import { createTargetPolicy } from '../../src/security/target-policy.js';

const executablePath = findChromium(undefined);

/**
 * A stealth session's create answers before its page carries the session's identity (the CDP override may still be
 * in flight); the engine holds every use of the page until it does. Driven on the engine, with no HTTP between the
 * create and the first request, so the request starts at the earliest moment a client could send it. (The override
 * and Playwright's own commands share one DevTools connection, which keeps them in order today; the wait does not
 * rely on that.)
 */
describe.skipIf(executablePath === undefined)('adaptive identity before the first request', () => {
  let pool: BrowserPool;
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>echo</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    pool = new BrowserPool({ executablePath, maxContexts: 4, retireAfterContexts: 100, maxWaitMs: 5_000, killTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await pool?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it.each(['medium', 'high'] as const)('the first request of a %s session sends the same identity as its later ones', async (sensibility) => {
    const engine = new AdaptiveEngine({ pool, policy: createTargetPolicy(true), maxResponseBytes: 1 << 20 });
    const profile = buildChromeProfile(sensibility, { platform: 'Win32' });
    const session: EngineSession = { id: `ready-${sensibility}`, accountId: 'acc_test', mode: 'adaptive', sensibility, profile, proxy: null, state: null };
    const request: EngineRequest = { url: new URL(url), method: 'GET', headers: {}, timeoutMs: 10_000, followRedirects: true, maxRedirects: 10, verifySSL: true };
    try {
      await engine.open(session);
      const first = seen.length;
      await engine.execute(session, request);
      await engine.execute(session, request);
      const [a, b] = [seen[first]!, seen[first + 1]!];
      // The profile's platform is not the engine's own: only the override can put it in the headers.
      expect(a['user-agent']).toContain('Windows NT 10.0');
      expect(a['sec-ch-ua-platform']).toBe('"Windows"');
      expect(a['user-agent']).toBe(b['user-agent']);
      expect(a['sec-ch-ua']).toBe(b['sec-ch-ua']);
      expect(a['sec-ch-ua-platform']).toBe(b['sec-ch-ua-platform']);
    } finally {
      await engine.release(session.id, 'closed');
    }
  });
});
