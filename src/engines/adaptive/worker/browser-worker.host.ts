import { parentPort, workerData } from 'node:worker_threads';
import { createTargetPolicy } from '../../../security/target-policy.js';
import { AdaptiveEngine } from '../adaptive.engine.js';
import { BrowserPool } from '../browser-pool.js';
import { childBrowserPids } from './browser-processes.js';
import { fromWireRequest, toWireError, type BrowserWorkerConfig, type FromWorker, type ToWorker, type WireActionResult, type WireResult, type WorkerCall, type WorkerStatus } from './browser-worker.protocol.js';

/**
 * The browser worker thread: the pool and the adaptive engine live here, away from the API thread. Playwright
 * keeps an AsyncLocalStorage for its API calls, and on Node 20 the first use of one turns on promise hooks for
 * the whole isolate: every promise of every API request would pay for them. Here only browser work does, and
 * the driver's protocol traffic runs on its own core.
 */

const port = parentPort;
if (!port) throw new Error('browser-worker.host.ts runs as a worker thread');
const config = workerData as BrowserWorkerConfig;
const post = (message: FromWorker) => port.postMessage(message);

let lastStatus = '';
function snapshot(): WorkerStatus {
  const status = { pool: pool.status(), contexts: engine.contextStates() };
  lastStatus = JSON.stringify(status);
  return status;
}

/** Pushes the status when it changed since the last one sent (a launch, a crash, an idle browser closed). */
function pushStatusIfChanged(): void {
  const status = { pool: pool.status(), contexts: engine.contextStates() };
  const text = JSON.stringify(status);
  if (text === lastStatus) return;
  lastStatus = text;
  post({ kind: 'status', status });
}

const onLog = (event: string, data: Record<string, unknown>) => {
  post({ kind: 'log', event, data });
  if (event === 'browser_launched' || event === 'browser_disconnected') post({ kind: 'browsers', pids: childBrowserPids() });
  queueMicrotask(pushStatusIfChanged);
};

const pool = new BrowserPool({
  executablePath: config.executablePath,
  maxContexts: config.maxContexts,
  retireAfterContexts: config.retireAfterContexts,
  maxWaitMs: config.maxWaitMs,
  idleCloseMs: config.idleCloseMs,
  killTimeoutMs: config.killTimeoutMs,
  onLog,
});
const engine = new AdaptiveEngine({
  pool,
  policy: createTargetPolicy(config.allowPrivateTargets),
  maxResponseBytes: config.maxResponseBytes,
  onLog,
  onPageUrl: (sessionId, url) => post({ kind: 'url', sessionId, url }),
});
engine.onSessionLost = (sessionId, accountId) => post({ kind: 'lost', sessionId, accountId, status: snapshot() });

const aborts = new Map<number, AbortController>();
const statusTimer = setInterval(pushStatusIfChanged, 250);
statusTimer.unref();

function sessionIdOf(call: WorkerCall): string | undefined {
  return call.method === 'open' || call.method === 'execute' || call.method === 'runActions' ? call.session.id : undefined;
}

async function run(call: WorkerCall, signal: AbortSignal): Promise<unknown> {
  switch (call.method) {
    case 'warm':
      return engine.warm();
    case 'open':
      return engine.open(call.session);
    case 'release':
      return engine.release(call.sessionId, call.reason);
    case 'execute': {
      const { updateState: _, ...result } = await engine.execute(call.session, fromWireRequest(call.request), { signal });
      return result satisfies WireResult;
    }
    case 'runActions': {
      const { updateState: _, failure, ...result } = await engine.runActions(call.session, call.steps, { timeoutMs: call.timeoutMs, speed: call.speed, signal });
      return { ...result, ...(failure ? { failure: { index: failure.index, error: toWireError(failure.error) } } : {}) } satisfies WireActionResult;
    }
    case 'close':
      clearInterval(statusTimer);
      return engine.close();
  }
}

async function handle(id: number, call: WorkerCall): Promise<void> {
  const controller = new AbortController();
  aborts.set(id, controller);
  try {
    const value = await run(call, controller.signal);
    const sessionId = sessionIdOf(call);
    const pageUrl = sessionId === undefined ? undefined : engine.pageUrl(sessionId);
    post({ kind: 'reply', id, ok: true, value, pageUrl, status: snapshot() });
  } catch (err) {
    post({ kind: 'reply', id, ok: false, error: toWireError(err), status: snapshot() });
  } finally {
    aborts.delete(id);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.kind === 'abort') {
    aborts.get(message.id)?.abort();
    return;
  }
  const { kind: _, id, ...call } = message;
  void handle(id, call as WorkerCall);
});

// A bug here must not leave Chromium running with nobody to close it: close the pool, then end the thread
// (the API thread sees the exit, fails what was in flight and ends the sessions that were open).
let dying = false;
const die = (err: unknown) => {
  if (dying) return;
  dying = true;
  post({ kind: 'log', event: 'worker_failed', data: { err: err instanceof Error ? err.message : String(err) } });
  void engine.close().finally(() => process.exit(1));
};
process.on('uncaughtException', die);
process.on('unhandledRejection', die);
