import { Worker } from 'node:worker_threads';
import type { EndedReason, Profile, Sensibility } from '../../../contract/types.js';
import {
  EngineUnavailableError,
  type ActionRunOptions,
  type ActionRunResult,
  type ActionStep,
  type BrowserEngine,
  type EngineRequest,
  type EngineResult,
  type EngineSession,
  type ExecuteOptions,
} from '../../engine.js';
import { buildChromeProfile } from '../../identity/chrome-profile.js';
import { parseSpeed, parseSteps } from '../actions/catalog.js';
import type { PoolStatus } from '../browser-pool.js';
import { CHROMIUM_MISSING } from '../chromium.js';
import { browserCookiesToJar } from '../cookie-bridge.js';
import { killBrowserTrees } from './browser-processes.js';
import {
  fromWireError,
  toWireRequest,
  toWireSession,
  type BrowserWorkerConfig,
  type FromWorker,
  type ToWorker,
  type WireActionResult,
  type WireResult,
  type WorkerCall,
  type WorkerStatus,
} from './browser-worker.protocol.js';

export interface BrowserWorkerEngineOptions {
  worker: BrowserWorkerConfig;
  onLog?(event: string, data: Record<string, unknown>): void;
}

interface Pending {
  resolve(value: { value: unknown; pageUrl?: string }): void;
  reject(err: Error): void;
}

const ENTRY = new URL('./browser-worker.entry.mjs', import.meta.url);

/**
 * Adaptive mode as seen from the API thread: the pool and the engine run in a worker thread
 * (browser-worker.host.ts) and this forwards each call to it. What the domain reads synchronously (live sessions,
 * a page's URL, the pool's status) is mirrored here from the worker's replies and events.
 *
 * The worker starts with the first call (or `warm`). If it ever stops on its own, the calls in flight fail as
 * unavailable, the sessions it held are reported lost, and the next call starts a new one.
 */
export class BrowserWorkerEngine implements BrowserEngine {
  readonly mode = 'adaptive' as const;
  onSessionLost?: (sessionId: string, accountId: string) => void;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private status: WorkerStatus;
  /** Open sessions (id → account), as the worker confirmed them. */
  private readonly live = new Map<string, string>();
  /** Opens asked for and not released since (a release while opening must not be undone by the late reply). */
  private readonly opening = new Set<string>();
  private readonly urls = new Map<string, string>();
  /** The worker's Chromium browsers, as it last reported them. */
  private browserPids: number[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BrowserWorkerEngineOptions) {
    const installed = options.worker.executablePath !== undefined;
    const max = options.worker.maxContexts;
    this.status = { pool: { state: installed ? 'cold' : 'unavailable', available: max, busy: 0, max, browsers: 0 }, contexts: { live: 0, available: max, busy: 0 } };
  }

  createProfile(sensibility: Sensibility, overrides: Profile | undefined): Profile {
    return buildChromeProfile(sensibility, overrides);
  }

  assertAvailable(): void {
    if (this.options.worker.executablePath === undefined) throw new EngineUnavailableError(CHROMIUM_MISSING, false);
  }

  parseSteps(raw: Array<Record<string, unknown>>, batch: boolean): ActionStep[] {
    return parseSteps(raw, batch);
  }

  parseSpeed(raw: unknown): string | undefined {
    return parseSpeed(raw);
  }

  /** Starts the worker and launches the default browser ahead of the first session; failures are only logged. */
  async warm(): Promise<void> {
    if (this.options.worker.executablePath === undefined) return;
    await this.call({ method: 'warm' }).catch((err: unknown) => this.options.onLog?.('warm_failed', { err: (err as Error).message }));
  }

  poolStatus(): PoolStatus {
    return this.status.pool;
  }

  contextStates(): Record<string, number> {
    return this.status.contexts;
  }

  async open(session: EngineSession): Promise<void> {
    this.opening.add(session.id);
    try {
      const { pageUrl } = await this.call({ method: 'open', session: toWireSession(session) });
      if (!this.opening.has(session.id)) return;
      this.live.set(session.id, session.accountId);
      if (pageUrl !== undefined) this.urls.set(session.id, pageUrl);
    } finally {
      this.opening.delete(session.id);
    }
  }

  async execute(session: EngineSession, request: EngineRequest, options: ExecuteOptions = {}): Promise<EngineResult> {
    const { value, pageUrl } = await this.call({ method: 'execute', session: toWireSession(session), request: toWireRequest(request) }, options.signal);
    this.notePageUrl(session.id, pageUrl);
    const { browserCookies, ...result } = value as WireResult;
    return { ...result, updateState: (stored) => browserCookiesToJar(browserCookies, stored) };
  }

  async runActions(session: EngineSession, steps: ActionStep[], options: ActionRunOptions): Promise<ActionRunResult> {
    const { value, pageUrl } = await this.call({ method: 'runActions', session: toWireSession(session), steps, timeoutMs: options.timeoutMs, speed: options.speed }, options.signal);
    this.notePageUrl(session.id, pageUrl);
    const { browserCookies, failure, ...result } = value as WireActionResult;
    return {
      ...result,
      ...(failure ? { failure: { index: failure.index, error: fromWireError(failure.error) } } : {}),
      updateState: (stored) => browserCookiesToJar(browserCookies, stored),
    };
  }

  pageUrl(sessionId: string): string | undefined {
    return this.urls.get(sessionId);
  }

  liveSessionIds(): string[] {
    return [...this.live.keys()].filter((id) => id.startsWith('session_'));
  }

  async release(sessionId: string, reason: EndedReason): Promise<void> {
    this.live.delete(sessionId);
    this.opening.delete(sessionId);
    this.urls.delete(sessionId);
    // Without a worker there is nothing to close (what it held died with it and was reported lost); while
    // closing, the worker's own close releases everything.
    if (!this.worker || this.closing) return;
    await this.call({ method: 'release', sessionId, reason });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      await this.call({ method: 'close' }, undefined, true).catch((err: unknown) => this.options.onLog?.('worker_close_failed', { err: (err as Error).message }));
      this.worker = undefined;
      await worker.terminate();
      this.live.clear();
      this.urls.clear();
    })();
    return this.closing;
  }

  private notePageUrl(sessionId: string, url: string | undefined): void {
    if (url !== undefined && this.live.has(sessionId)) this.urls.set(sessionId, url);
  }

  private call(call: WorkerCall, signal?: AbortSignal, duringClose = false): Promise<{ value: unknown; pageUrl?: string }> {
    if (this.closing && !duringClose) return Promise.reject(new EngineUnavailableError('The server is shutting down.', true, 5));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.send(worker, { kind: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      try {
        this.send(worker, { kind: 'call', id, ...call });
      } catch (err) {
        // Not sendable (a value the structured clone refuses): fail this call alone, leave nothing pending.
        this.pending.get(id)?.reject(err as Error);
        this.pending.delete(id);
        return;
      }
      // Already aborted: the worker still answers, as an in-thread engine would, with its own typed error.
      if (signal?.aborted) onAbort();
    });
  }

  private send(worker: Worker, message: ToWorker): void {
    worker.postMessage(message);
  }

  private start(): Worker {
    const worker = new Worker(ENTRY, { workerData: this.options.worker, name: 'bbre-browser' });
    this.worker = worker;
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    let failure: Error | undefined;
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', (code) => this.onExit(worker, code, failure));
    return worker;
  }

  private onMessage(message: FromWorker): void {
    switch (message.kind) {
      case 'reply': {
        this.status = message.status;
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!pending) return;
        if (message.ok) pending.resolve({ value: message.value, pageUrl: message.pageUrl });
        else pending.reject(fromWireError(message.error));
        return;
      }
      case 'status':
        this.status = message.status;
        return;
      case 'url':
        if (this.live.has(message.sessionId)) this.urls.set(message.sessionId, message.url);
        return;
      case 'lost':
        this.status = message.status;
        this.live.delete(message.sessionId);
        this.urls.delete(message.sessionId);
        this.onSessionLost?.(message.sessionId, message.accountId);
        return;
      case 'log':
        this.options.onLog?.(message.event, message.data);
        return;
      case 'browsers':
        this.browserPids = message.pids;
        return;
    }
  }

  /** The worker ended: expected after `close`; otherwise everything it held is gone with it. */
  private onExit(worker: Worker, code: number, failure: Error | undefined): void {
    if (this.worker === worker) this.worker = undefined;
    const reason = failure?.message ?? `exit code ${code}`;
    if (this.pending.size > 0) {
      const err = new EngineUnavailableError(`The browser worker stopped (${reason}).`, true, 2);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    }
    if (this.closing) return;
    this.options.onLog?.('worker_exited', { code, err: reason });
    // A worker that failed closes its browsers first; one that was cut off could not: nobody else can reach them.
    killBrowserTrees(this.browserPids);
    this.browserPids = [];
    const max = this.options.worker.maxContexts;
    this.status = { pool: { state: 'failed', available: max, busy: 0, max, browsers: 0, error: `The browser worker stopped (${reason}).` }, contexts: { live: 0, available: max, busy: 0 } };
    const lost = [...this.live];
    this.live.clear();
    this.urls.clear();
    for (const [sessionId, accountId] of lost) this.onSessionLost?.(sessionId, accountId);
  }
}
