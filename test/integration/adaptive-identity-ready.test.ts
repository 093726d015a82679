import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../src/engines/adaptive/chromium.js';
import { AdaptiveEngine } from '../../src/engines/adaptive/adaptive.engine.js';
import { BrowserPool } from '../../src/engines/adaptive/browser-pool.js';
import { buildChromeProfile } from '../../src/engines/identity/chrome-profile.js';
import type { EngineRequest, EngineSession } from '../../src/engines/engine.js';
import { createTargetPolicy } from '../../src/security/target-policy.js';
import { preText } from '../support/adaptive.js';
import { echoHeader, startTargetSite, type EchoBody, type TargetSite } from '../support/target-site.js';

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
  let site: TargetSite;

  beforeAll(async () => {
    site = await startTargetSite();
    pool = new BrowserPool({ executablePath, maxContexts: 4, retireAfterContexts: 100, maxWaitMs: 5_000, killTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await pool?.close();
    await site?.close();
  });

  it.each(['medium', 'high'] as const)('the first request of a %s session sends the same identity as its later ones', async (sensibility) => {
    const engine = new AdaptiveEngine({ pool, policy: createTargetPolicy(true), maxResponseBytes: 1 << 20 });
    const profile = buildChromeProfile(sensibility, { platform: 'Win32' });
    const session: EngineSession = { id: `ready-${sensibility}`, accountId: 'acc_test', mode: 'adaptive', sensibility, profile, proxy: null, state: null };
    const request: EngineRequest = { url: new URL(`${site.url}/echo`), method: 'GET', headers: {}, timeoutMs: 10_000, followRedirects: true, maxRedirects: 10, verifySSL: true };
    const identity = (echo: EchoBody) => ['user-agent', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform'].map((name) => echoHeader(echo, name).join(', '));
    try {
      await engine.open(session);
      const first = JSON.parse(preText((await engine.execute(session, request)).body)) as EchoBody;
      const later = JSON.parse(preText((await engine.execute(session, request)).body)) as EchoBody;
      // The profile's platform is not the engine's own: only the override can put it in the headers.
      expect(echoHeader(first, 'user-agent')[0]).toContain('Windows NT 10.0');
      expect(echoHeader(first, 'sec-ch-ua-platform')).toEqual(['"Windows"']);
      expect(identity(first)).toEqual(identity(later));
    } finally {
      await engine.release(session.id, 'closed');
    }
  });
});
