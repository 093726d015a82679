import type { BrowserContext, BrowserContextOptions, Cookie as BrowserCookie, Page } from 'playwright-core';
import type { EndedReason, Profile, ProxySpec, Sensibility } from '../../contract/types.js';
import type { TargetPolicy } from '../../security/target-policy.js';
import {
  ActionError,
  EngineUnavailableError,
  TargetError,
  type ActionRunOptions,
  type ActionRunResult,
  type ActionStep,
  type EngineRequest,
  type EngineResult,
  type EngineSession,
  type ExecuteOptions,
  type StepResult,
} from '../engine.js';
import { buildChromeProfile } from '../identity/chrome-profile.js';
import { asActionError, type ActionContext, type Speed } from './actions/action.js';
import { actionByName } from './actions/catalog.js';
import type { BrowserPool, Driver, LeasedContext, PoolFlavor } from './browser-pool.js';
import { browserCookiesToJar, inputToBrowserCookies, jarToBrowserCookies } from './cookie-bridge.js';
import { pageRequest } from './page-request.js';
import { mainWorldEvaluator } from './stealth/main-world.js';
import { applyUaOverride, launchUserAgent, readEngineUaMetadata, uaOverrideFor, type EngineUaMetadata } from './stealth/ua-override.js';
import { framedWindow } from './stealth/window-frame.js';
import { ConnectGuard } from './connect-guard.js';

export interface AdaptiveEngineOptions {
  pool: BrowserPool;
  policy: TargetPolicy;
  maxResponseBytes: number;
  onLog?(event: string, data: Record<string, unknown>): void;
  /** Told when a session's page commits a new main-document URL, by a call or by the page itself. */
  onPageUrl?(sessionId: string, url: string): void;
}

/** A request's result with the context's cookies as read after it (what `updateState` folds into the jar). */
export interface AdaptiveResult extends EngineResult {
  browserCookies: BrowserCookie[];
}

/** An action run's result with the context's cookies as read after it. */
export interface AdaptiveActionResult extends ActionRunResult {
  browserCookies: BrowserCookie[];
}

interface Handle {
  sessionId: string;
  accountId: string;
  context: BrowserContext;
  page: Page;
  /** Which driver made the page (patchright evaluates in an isolated world unless told otherwise). */
  driver: Driver;
  release(): Promise<void>;
  /** Set when we close it on purpose, so a context close is not mistaken for a crash. */
  closing: boolean;
  /** Settles once the page carries the session's identity (stealth flavors); nothing may use the page before. */
  ready: Promise<void>;
}

/** What Playwright says when the page, its context or the whole browser went away under a call. */
const BROWSER_GONE = /Target page, context or browser has been closed|Target closed|browser has disconnected|Browser closed/i;

/** Beyond an action's own timeout, a step that still has not settled (a script that never resolves) is cut off. */
const STEP_GRACE_MS = 1000;

/** Races `work` against a deadline; the timer is always cleared, and a late result is dropped. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ActionError('timeout', 'The browser action did not finish in time.')), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

const DEFAULT_SPEED: Record<Sensibility, Speed> = { low: 'instant', medium: 'fast', high: 'human' };

export function flavorOf(sensibility: Sensibility, profile: Profile): PoolFlavor {
  // --accept-lang takes the language list; Chromium adds the q-values itself.
  const acceptLanguage = (profile.languages ?? ['en-US', 'en']).join(',');
  if (sensibility === 'low') return { driver: 'playwright', stealth: false, acceptLanguage };
  return { driver: sensibility === 'high' ? 'patchright' : 'playwright', stealth: true, acceptLanguage, userAgent: launchUserAgent(profile) };
}

function proxyOption(proxy: ProxySpec | null | undefined): BrowserContextOptions['proxy'] {
  if (!proxy) return undefined;
  const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  return { server: `${proxy.protocol}://${host}:${proxy.port}`, username: proxy.username, password: proxy.password };
}

/**
 * Adaptive mode (contract §4.3): one isolated Chromium context and page per session, leased from the pool.
 * The page is the session: requests navigate it, actions drive it; cookies move between the context and the
 * session's stored jar. A context that closes without us asking (browser crash) ends its session `crashed`.
 * It runs inside the browser worker thread (worker/browser-worker.host.ts); the API thread's side of the
 * engine interface (profiles, step validation, availability, live sessions) is worker/browser-worker.engine.ts.
 */
export class AdaptiveEngine {
  onSessionLost?: (sessionId: string, accountId: string) => void;
  private readonly handles = new Map<string, Handle>();
  private readonly opening = new Map<string, Promise<Handle>>();
  private readonly uaMetadata = new Map<string, Promise<EngineUaMetadata>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: AdaptiveEngineOptions) {}

  /** Launches the browser a default session (medium, generated profile) will use, ahead of the first one. */
  warm(): Promise<void> {
    return this.options.pool.warm(flavorOf('medium', buildChromeProfile('medium')));
  }

  async open(session: EngineSession): Promise<void> {
    await this.handleFor(session);
  }

  private handleFor(session: EngineSession): Promise<Handle> {
    const existing = this.handles.get(session.id);
    if (existing) return Promise.resolve(existing);
    let opening = this.opening.get(session.id);
    if (!opening) {
      opening = this.openContext(session).finally(() => this.opening.delete(session.id));
      this.opening.set(session.id, opening);
    }
    return opening;
  }

  private async openContext(session: EngineSession): Promise<Handle> {
    if (this.closing) throw new EngineUnavailableError('The server is shutting down.', true, 5);
    const profile = session.profile;
    const flavor = flavorOf(session.sensibility, profile);
    // Private targets refused: the context's connections go through its own guard (and from there through the
    // session's proxy, if it has one).
    const guard = this.options.policy.allowPrivate ? undefined : await ConnectGuard.open(this.options.policy, (session.proxy as ProxySpec | null) ?? undefined);
    let lease: LeasedContext;
    try {
      lease = await this.options.pool.lease(flavor, {
        viewport: profile.viewport ?? null,
        screen: profile.screen,
        timezoneId: profile.timezone,
        proxy: guard ? { server: guard.proxyServer } : proxyOption(session.proxy as ProxySpec | null),
        serviceWorkers: 'allow',
      });
    } catch (err) {
      await guard?.close();
      throw err;
    }
    const leased = lease;
    const release = guard
      ? async () => {
          try {
            await leased.release();
          } finally {
            await guard.close();
          }
        }
      : leased.release;
    // Built in steps: if a later step fails, the earlier ones are undone (the lease closes the context).
    try {
      const { context } = lease;
      guard?.attach(context);
      const cookies = jarToBrowserCookies(session.state);
      if (cookies.length > 0) await context.addCookies(cookies);
      if (flavor.stealth) {
        const meta = await this.metadataFor(flavor, context);
        const override = uaOverrideFor(meta, profile);
        const window = framedWindow(profile);
        const page = await context.newPage();
        // Pages opened later (popups) get the same identity. Registered once the first page exists: Playwright
        // reports that one as a 'page' event too, and applying it twice cost every create a second CDP session.
        context.on('page', (p) => {
          if (p !== page) void applyUaOverride(context, p, override, window).catch(() => undefined);
        });
        // Not awaited: the create answers while the identity is set (a few CDP round trips), and every use of
        // the page waits for it first (liveHandle), so nothing reaches a target before it is in place.
        return this.register(session, context, page, flavor.driver, release, applyUaOverride(context, page, override, window));
      }
      return this.register(session, context, await context.newPage(), flavor.driver, release);
    } catch (err) {
      await release();
      if (err instanceof EngineUnavailableError) throw err;
      throw new EngineUnavailableError(`The browser context could not be prepared: ${(err as Error).message}`, true, 2);
    }
  }

  private metadataFor(flavor: PoolFlavor, context: BrowserContext): Promise<EngineUaMetadata> {
    const key = `${flavor.driver}|${flavor.stealth}`;
    let meta = this.uaMetadata.get(key);
    if (!meta) {
      meta = readEngineUaMetadata(context);
      this.uaMetadata.set(key, meta);
      meta.catch(() => this.uaMetadata.delete(key));
    }
    return meta;
  }

  private register(session: EngineSession, context: BrowserContext, page: Page, driver: Driver, release: () => Promise<void>, ready: Promise<void> = Promise.resolve()): Handle {
    const handle: Handle = { sessionId: session.id, accountId: session.accountId, context, page, driver, release, closing: false, ready };
    this.handles.set(session.id, handle);
    // A page that could not take its identity must never be used: its context is closed, which ends the session as
    // lost (below), unless we were closing it anyway.
    ready.catch((err: unknown) => {
      if (handle.closing) return;
      this.options.onLog?.('identity_failed', { sessionId: session.id, err: (err as Error).message });
      void context.close().catch(() => undefined);
    });
    const onPageUrl = this.options.onPageUrl;
    if (onPageUrl) {
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) onPageUrl(session.id, frame.url());
      });
    }
    context.on('close', () => {
      if (handle.closing || this.handles.get(session.id) !== handle) return;
      // Not closed by us: the browser died under the session.
      this.handles.delete(session.id);
      void release();
      this.options.onLog?.('context_lost', { sessionId: session.id });
      this.onSessionLost?.(session.id, session.accountId);
    });
    return handle;
  }

  /** A session whose context is gone (crash) cannot continue: report it lost rather than guess its state. */
  private async liveHandle(session: EngineSession): Promise<Handle> {
    // Stateless tasks open their context on demand.
    if (!this.handles.has(session.id) && !this.opening.has(session.id) && !session.id.startsWith('task_')) {
      throw new TargetError('aborted', 'The browser of this session is gone.', 'crashed');
    }
    const handle = await this.handleFor(session);
    try {
      await handle.ready;
    } catch (err) {
      throw new TargetError('aborted', 'The browser could not give this session its identity.', 'crashed', { cause: err });
    }
    return handle;
  }

  async execute(session: EngineSession, request: EngineRequest, options: ExecuteOptions = {}): Promise<AdaptiveResult> {
    try {
      return await this.executeOnPage(session, request, options);
    } catch (err) {
      // The browser died at any step (navigation, settling, reading the page or its cookies): not our bug, an abort.
      if (!(err instanceof TargetError) && BROWSER_GONE.test((err as Error).message ?? '')) {
        throw new TargetError('aborted', 'The browser closed during the request.', 'crashed', { cause: err });
      }
      throw err;
    }
  }

  private async executeOnPage(session: EngineSession, request: EngineRequest, options: ExecuteOptions): Promise<AdaptiveResult> {
    const handle = await this.liveHandle(session);
    const { context, page } = handle;
    if (request.cookies?.length) await context.addCookies(inputToBrowserCookies(request.cookies, request.url));
    const before = new Map((await context.cookies()).map((c) => [`${c.domain}|${c.path}|${c.name}`, c.value]));
    const res = await pageRequest(context, page, request, options.signal);
    const after = await context.cookies();
    const cookies: Record<string, string> = {};
    for (const c of after) if (before.get(`${c.domain}|${c.path}|${c.name}`) !== c.value) cookies[c.name] = c.value;
    let body = res.body;
    let truncated = false;
    if (Buffer.byteLength(body) > this.options.maxResponseBytes) {
      body = Buffer.from(body).subarray(0, this.options.maxResponseBytes).toString('utf8');
      truncated = true;
    }
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      body,
      bodyEncoding: 'utf8',
      truncated,
      url: res.url,
      redirects: res.redirects,
      cookies,
      browserCookies: after,
      updateState: (stored) => browserCookiesToJar(after, stored),
    };
  }

  async runActions(session: EngineSession, steps: ActionStep[], options: ActionRunOptions): Promise<AdaptiveActionResult> {
    const handle = await this.liveHandle(session);
    const ctx: ActionContext = {
      page: handle.page,
      context: handle.context,
      evaluateInMainWorld: mainWorldEvaluator(handle.page, handle.driver),
      timeoutMs: options.timeoutMs,
      speed: (options.speed as Speed | undefined) ?? DEFAULT_SPEED[session.sensibility],
      checkTarget: (url) => {
        const verdict = this.options.policy.checkUrl(url);
        if (!verdict.allowed) throw new TargetError('not_allowed', `target not allowed: ${verdict.reason}`, verdict.reason);
      },
    };
    const results: StepResult[] = [];
    let failure: ActionRunResult['failure'];
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const started = performance.now();
      if (options.signal?.aborted) {
        failure = { index: i, error: new TargetError('aborted', 'The action was aborted.', 'aborted') };
        break;
      }
      try {
        const action = actionByName(step.name);
        if (!action) throw new ActionError('failed', `Unknown action ${step.name}.`);
        const result = await withDeadline(action.run(ctx, step.params), options.timeoutMs + STEP_GRACE_MS);
        results.push({ step: i, action: step.name, success: true, result, duration: Math.round(performance.now() - started) });
      } catch (err) {
        const error = err instanceof TargetError || err instanceof ActionError ? err : asActionError(err);
        results.push({ step: i, action: step.name, success: false, duration: Math.round(performance.now() - started), error: { code: '', message: error.message } });
        failure = { index: i, error };
        break;
      }
    }
    const cookies = await handle.context.cookies().catch(() => []);
    return {
      results,
      failure,
      url: handle.page.url(),
      title: await handle.page.title().catch(() => ''),
      browserCookies: cookies,
      updateState: (stored) => browserCookiesToJar(cookies, stored),
    };
  }

  pageUrl(sessionId: string): string | undefined {
    return this.handles.get(sessionId)?.page.url();
  }

  async release(sessionId: string, _reason: EndedReason): Promise<void> {
    const handle = this.handles.get(sessionId);
    this.handles.delete(sessionId);
    const opening = this.opening.get(sessionId);
    if (!handle && opening) {
      // Released while still opening: close it as soon as it exists.
      const h = await opening.catch(() => undefined);
      this.handles.delete(sessionId);
      if (h) {
        h.closing = true;
        await h.release();
      }
      return;
    }
    if (!handle) return;
    handle.closing = true;
    await handle.release();
  }

  contextStates(): Record<string, number> {
    const s = this.options.pool.status();
    return { live: this.handles.size, available: s.available, busy: s.busy };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.handles.values()];
      this.handles.clear();
      await Promise.allSettled(
        all.map(async (h) => {
          h.closing = true;
          await h.release();
        }),
      );
      await this.options.pool.close();
    })();
    return this.closing;
  }
}
