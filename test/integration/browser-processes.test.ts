import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumSnapshot } from '../../bench/lib/process-tree.js';
import { BrowserPool, type PoolFlavor } from '../../src/engines/adaptive/browser-pool.js';
import { findChromium } from '../../src/engines/adaptive/chromium.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

const executablePath = findChromium(undefined);

const FLAVORS: PoolFlavor[] = [
  { driver: 'playwright', stealth: false, acceptLanguage: 'en-US,en' },
  { driver: 'playwright', stealth: true, acceptLanguage: 'en-US,en' },
];

const renderers = () => chromiumSnapshot(process.pid).byType.renderer?.processes ?? 0;

/**
 * Chromium's spare renderer (started after a page's first navigation and kept idle for the next cross-site one)
 * is off: an open session costs the renderer its page runs in, not a second idle one.
 */
describe.skipIf(executablePath === undefined)('renderer processes per session', () => {
  let pool: BrowserPool | undefined;
  let site: TargetSite | undefined;
  afterEach(async () => {
    await pool?.close();
    await site?.close();
    pool = site = undefined;
  });

  it.each(FLAVORS.map((f) => [f.stealth ? 'stealth' : 'plain', f] as const))('%s: one renderer per navigated page, no spare', async (_name, flavor) => {
    site = await startTargetSite();
    pool = new BrowserPool({ executablePath, maxContexts: 2, retireAfterContexts: 100, maxWaitMs: 5_000, killTimeoutMs: 5_000, standbyPage: false });
    const lease = await pool.lease(flavor, {});
    const page = await lease.context.newPage();
    const response = await page.goto(`${site.url}/echo`);
    expect(response?.status()).toBe(200);
    // A spare is started right after the navigation commits; give it ample time to show up.
    await sleep(1_500);
    expect(renderers()).toBe(1);
    // The next session's page gets its own renderer, still with no spare beside them.
    const second = await pool.lease(flavor, {});
    await (await second.context.newPage()).goto(`${site.url}/echo`);
    await sleep(1_500);
    expect(renderers()).toBe(2);
    await second.release();
    await lease.release();
  });
});
