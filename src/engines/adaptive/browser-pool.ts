import type { Browser, BrowserContext, BrowserContextOptions, BrowserType } from 'playwright-core';
import { chromium as playwrightChromium } from 'playwright-core';
import { chromium as patchrightChromium } from 'patchright-core';
import { EngineUnavailableError } from '../engine.js';
import { chromiumArgs, CHROMIUM_MISSING, type LaunchFlavor } from './chromium.js';
import { ContextLimiter } from './limiter.js';

export type Driver = 'playwright' | 'patchright';

export interface PoolFlavor extends LaunchFlavor {
  driver: Driver;
}

export interface BrowserPoolOptions {
  executablePath: string | undefined;
  maxContexts: number;
  /** A browser is retired (closed once idle) after serving this many contexts. */
  retireAfterContexts: number;
  maxWaitMs: number;
  /** Backstop for a wedged browser: its close is abandoned (and the process killed by the driver) after this. */
  killTimeoutMs: number;
  /** A non-default browser with no context is closed after this long. @default 60000 */
  idleCloseMs?: number;
  /**
   * Every browser keeps one blank standby page (in a context of its own, at the smallest window) from its launch on.
   * Its renderer holds the code every renderer shares, so a session's context costs only its own pages, and the
   * first session after a launch does not pay for them. @default true
   */
  standbyPage?: boolean;
  onLog?(event: string, data: Record<string, unknown>): void;
}

interface PooledBrowser {
  key: string;
  browser: Browser;
  live: number;
  served: number;
  retired: boolean;
  idleTimer?: NodeJS.Timeout;
}

export interface PoolStatus {
  /** `failed`: Chromium is installed but its last launch failed and no browser runs (the pool is down). */
  state: 'ready' | 'cold' | 'unavailable' | 'failed' | 'closed';
  available: number;
  busy: number;
  max: number;
  browsers: number;
  /** Why the last launch failed, while the state is `failed`. */
  error?: string;
}

export interface LeasedContext {
  context: BrowserContext;
  /** Closes the context and returns its slot; idempotent. */
  release(): Promise<void>;
}

/** Chromium's smallest window (it widens narrower ones to 500): the standby page's surface is a fraction of a session's. */
const STANDBY_VIEWPORT = { width: 500, height: 100 };

const flavorKey = (f: PoolFlavor) => `${f.driver}|${f.stealth ? 'stealth' : 'plain'}|${f.acceptLanguage}|${f.userAgent ?? ''}`;

/**
 * A few long-lived Chromium processes, one per flavor in use (driver × stealth flags × Accept-Language × stealth
 * user agent, which every default-profile session shares), and one isolated context per session: never a browser
 * launch per session. Browsers are retired after `retireAfterContexts` and replaced when they crash; live
 * contexts are admitted through a limiter.
 */
export class BrowserPool {
  private readonly browsers = new Map<string, PooledBrowser>();
  private readonly launching = new Map<string, Promise<PooledBrowser>>();
  private readonly retired = new Set<PooledBrowser>();
  private readonly limiter: ContextLimiter;
  private closing: Promise<void> | undefined;
  /** The default (pre-warmed) flavor: never closed for being idle. */
  private keepKey: string | undefined;
  /** The last launch failure, cleared by the next successful launch. */
  private launchError: string | undefined;

  constructor(private readonly options: BrowserPoolOptions) {
    this.limiter = new ContextLimiter(options.maxContexts, options.maxWaitMs);
  }

  get installed(): boolean {
    return this.options.executablePath !== undefined;
  }

  status(): PoolStatus {
    const state = this.closing ? 'closed' : !this.installed ? 'unavailable' : this.browsers.size > 0 ? 'ready' : this.launchError ? 'failed' : 'cold';
    return {
      state,
      available: this.limiter.available,
      busy: this.limiter.busy,
      max: this.limiter.max,
      browsers: this.browsers.size + this.retired.size,
      ...(state === 'failed' ? { error: this.launchError } : {}),
    };
  }

  /** Launches the default flavor ahead of the first session; failures are logged, not thrown. */
  async warm(flavor: PoolFlavor): Promise<void> {
    this.keepKey = flavorKey(flavor);
    if (!this.installed || this.closing) return;
    try {
      await this.browserFor(flavor);
    } catch (err) {
      this.options.onLog?.('warm_failed', { err: (err as Error).message });
    }
  }

  async lease(flavor: PoolFlavor, contextOptions: BrowserContextOptions): Promise<LeasedContext> {
    if (this.closing) throw new EngineUnavailableError('The server is shutting down.', true, 5);
    if (!this.installed) throw new EngineUnavailableError(CHROMIUM_MISSING, false);
    const releaseSlot = await this.limiter.acquire();
    let pooled: PooledBrowser | undefined;
    try {
      pooled = await this.browserFor(flavor);
      clearTimeout(pooled.idleTimer);
      pooled.live++;
      pooled.served++;
      if (pooled.served >= this.options.retireAfterContexts) this.retire(pooled);
      const context = await pooled.browser.newContext(contextOptions);
      const owner = pooled;
      let released: Promise<void> | undefined;
      return {
        context,
        release: () => {
          released ??= (async () => {
            try {
              await context.close().catch(() => undefined);
            } finally {
              owner.live--;
              releaseSlot();
              if (owner.live === 0) {
                if (owner.retired) await this.closeBrowser(owner);
                else this.scheduleIdleClose(owner);
              }
            }
          })();
          return released;
        },
      };
    } catch (err) {
      if (pooled) pooled.live--;
      releaseSlot();
      if (err instanceof EngineUnavailableError) throw err;
      throw new EngineUnavailableError(`The browser could not open a context: ${(err as Error).message}`, true, 2);
    }
  }

  private async browserFor(flavor: PoolFlavor): Promise<PooledBrowser> {
    const key = flavorKey(flavor);
    const existing = this.browsers.get(key);
    if (existing && existing.browser.isConnected()) return existing;
    let launching = this.launching.get(key);
    if (!launching) {
      launching = this.launch(key, flavor).finally(() => this.launching.delete(key));
      this.launching.set(key, launching);
    }
    return launching;
  }

  private async launch(key: string, flavor: PoolFlavor): Promise<PooledBrowser> {
    const type = (flavor.driver === 'patchright' ? patchrightChromium : playwrightChromium) as BrowserType;
    let browser: Browser;
    try {
      browser = await type.launch({
        executablePath: this.options.executablePath,
        headless: true,
        chromiumSandbox: false,
        args: chromiumArgs(flavor),
        timeout: 30_000,
      });
    } catch (err) {
      this.launchError = ((err as Error).message ?? String(err)).split('\n')[0];
      throw err;
    }
    this.launchError = undefined;
    const pooled: PooledBrowser = { key, browser, live: 0, served: 0, retired: false };
    browser.on('disconnected', () => {
      // A crash or a close: forget it; the next lease launches a fresh one. Contexts report their own close.
      if (this.browsers.get(key) === pooled) this.browsers.delete(key);
      this.retired.delete(pooled);
      this.options.onLog?.('browser_disconnected', { flavor: key, live: pooled.live });
    });
    this.browsers.set(key, pooled);
    this.options.onLog?.('browser_launched', { flavor: key });
    if (this.options.standbyPage !== false) void this.openStandby(pooled);
    return pooled;
  }

  /** The standby page: not a lease, never navigated, closed with its browser. A failure only costs the warm-up. */
  private async openStandby(pooled: PooledBrowser): Promise<void> {
    try {
      const context = await pooled.browser.newContext({ viewport: STANDBY_VIEWPORT, serviceWorkers: 'block' });
      await context.newPage();
    } catch (err) {
      if (pooled.browser.isConnected()) this.options.onLog?.('standby_failed', { flavor: pooled.key, err: (err as Error).message });
    }
  }

  /**
   * A browser with no context left is closed after `idleCloseMs` unless a session needs it again: each distinct
   * fingerprint (user agent, languages) has its own browser, and idle ones must not pile up. The default flavor
   * (pre-warmed) is kept.
   */
  private scheduleIdleClose(pooled: PooledBrowser): void {
    if (pooled.key === this.keepKey || this.closing) return;
    clearTimeout(pooled.idleTimer);
    pooled.idleTimer = setTimeout(() => {
      if (pooled.live === 0 && !this.closing) void this.closeBrowser(pooled);
    }, this.options.idleCloseMs ?? 60_000);
    pooled.idleTimer.unref();
  }

  private retire(pooled: PooledBrowser): void {
    pooled.retired = true;
    if (this.browsers.get(pooled.key) === pooled) this.browsers.delete(pooled.key);
    this.retired.add(pooled);
  }

  private async closeBrowser(pooled: PooledBrowser): Promise<void> {
    clearTimeout(pooled.idleTimer);
    this.retired.delete(pooled);
    if (this.browsers.get(pooled.key) === pooled) this.browsers.delete(pooled.key);
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.killTimeoutMs);
      timer.unref();
    });
    await Promise.race([pooled.browser.close().catch(() => undefined), backstop]);
    clearTimeout(timer);
  }

  /** Closes every browser (each with its own catch). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.browsers.values(), ...this.retired, ...(await Promise.allSettled(this.launching.values())).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
      await Promise.allSettled([...new Set(all)].map((b) => this.closeBrowser(b)));
    })();
    return this.closing;
  }
}
