import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { findChromium } from '../../src/engines/adaptive/chromium.js';
import { BrowserPool, type PoolFlavor } from '../../src/engines/adaptive/browser-pool.js';
import { loadConfig } from '../../src/config/load-config.js';

const executablePath = findChromium(undefined);

const DEFAULT_FLAVOR: PoolFlavor = { driver: 'playwright', stealth: false, acceptLanguage: 'en-US,en' };
const OTHER_FLAVOR: PoolFlavor = { driver: 'playwright', stealth: false, acceptLanguage: 'de-DE,de' };

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

describe('BBRE_BROWSER_IDLE_CLOSE', () => {
  it('defaults to 60 s and takes a duration', () => {
    expect(loadConfig({}).browserIdleCloseMs).toBe(60_000);
    expect(loadConfig({ BBRE_BROWSER_IDLE_CLOSE: '5m' }).browserIdleCloseMs).toBe(300_000);
    expect(loadConfig({ BBRE_BROWSER_IDLE_CLOSE: '2' }).browserIdleCloseMs).toBe(2_000);
    expect(() => loadConfig({ BBRE_BROWSER_IDLE_CLOSE: 'soon' })).toThrow(/BBRE_BROWSER_IDLE_CLOSE/);
    expect(() => loadConfig({ BBRE_BROWSER_IDLE_CLOSE: '2d' })).toThrow(/BBRE_BROWSER_IDLE_CLOSE/);
  });
});

describe.skipIf(executablePath === undefined)('idle browsers', () => {
  let pool: BrowserPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  const makePool = (idleCloseMs: number, events: string[]) =>
    new BrowserPool({ executablePath, maxContexts: 2, retireAfterContexts: 100, maxWaitMs: 5_000, killTimeoutMs: 5_000, idleCloseMs, standbyPage: false, onLog: (event) => events.push(event) });

  it('a browser of another flavor closes once it has had no context for idleCloseMs; the pre-warmed one stays', async () => {
    const events: string[] = [];
    pool = makePool(300, events);
    await pool.warm(DEFAULT_FLAVOR);
    const other = await pool.lease(OTHER_FLAVOR, {});
    const usual = await pool.lease(DEFAULT_FLAVOR, {});
    expect(pool.status().browsers).toBe(2);
    await other.release();
    await usual.release();
    // The pool forgets the browser at once; its process reports the disconnect when it has exited.
    expect(await until(() => pool!.status().browsers === 1 && events.includes('browser_disconnected'), 10_000)).toBe(true);
    expect(events.filter((e) => e === 'browser_disconnected')).toHaveLength(1);
    // The pre-warmed flavor's browser is still there, idle for longer than idleCloseMs.
    await sleep(600);
    expect(pool.status().browsers).toBe(1);
    const again = await pool.lease(DEFAULT_FLAVOR, {});
    await again.release();
    expect(events.filter((e) => e === 'browser_launched')).toHaveLength(2);
  });

  it('a longer idleCloseMs keeps the idle browser open', async () => {
    const events: string[] = [];
    pool = makePool(60_000, events);
    await pool.warm(DEFAULT_FLAVOR);
    const other = await pool.lease(OTHER_FLAVOR, {});
    await other.release();
    await sleep(1_000);
    expect(pool.status().browsers).toBe(2);
    expect(events).not.toContain('browser_disconnected');
  });
});
