import type { CDPSession } from 'playwright-core';

/**
 * Applies the identity override to the targets a page starts: out-of-process iframes (cross-site frames under
 * site isolation), dedicated workers, service workers and shared workers. Emulation and network overrides set
 * on the page's own CDP session stop at its process boundary; without this, a cross-site iframe or a service
 * worker of a stealth session reports the headless identity the page hides (contract §4.3).
 *
 * Mechanism (Chromium's own): `Target.setAutoAttach` with `waitForDebuggerOnStart` on the page's session pauses
 * each new child target before its first script runs; we send `Network.setUserAgentOverride` and
 * `Emulation.setUserAgentOverride` to it, then `Runtime.runIfWaitingForDebugger`. No `Runtime.enable` is ever
 * sent (that would be the CDP leak `high` must not have).
 *
 * Non-flattened sessions on purpose: Playwright's CDPSession cannot address flattened child sessions (their
 * messages are dropped by its connection), so child targets are driven through `Target.sendMessageToTarget` /
 * `Target.receivedMessageFromTarget`, nested once per level (an OOPIF inside an OOPIF).
 *
 * Known limit: a service worker's `navigator.userAgent` and `navigator.platform` come from the browser's
 * defaults when it starts (no CDP override reaches them); the pool sets `--user-agent` per flavor for the former
 * (see chromium.ts), and the latter is right only for the engine's own platform.
 */

type Params = Record<string, unknown>;
type Listener = (params: any) => void;

/** A CDP endpoint: the page's CDPSession, or a child target reached through its parent. */
interface Endpoint {
  send(method: string, params?: Params): Promise<any>;
  on(event: string, listener: Listener): void;
}

const SEND_TIMEOUT_MS = 5_000;
/** OOPIF nesting followed; deeper frames keep whatever their parent frame gives them. */
const MAX_DEPTH = 4;

function sessionEndpoint(cdp: CDPSession): Endpoint {
  return {
    send: (method, params) => cdp.send(method as never, params as never),
    on: (event, listener) => void cdp.on(event as never, listener as never),
  };
}

/** A child target attached (non-flattened) under `parent`. */
function childEndpoint(parent: Endpoint, sessionId: string): Endpoint {
  let lastId = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  const listeners = new Map<string, Listener[]>();
  const failAll = (reason: string) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    pending.clear();
  };
  parent.on('Target.receivedMessageFromTarget', (ev: { sessionId: string; message: string }) => {
    if (ev.sessionId !== sessionId) return;
    let msg: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    try {
      msg = JSON.parse(ev.message);
    } catch {
      return;
    }
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners.get(msg.method) ?? []) l(msg.params);
    }
  });
  parent.on('Target.detachedFromTarget', (ev: { sessionId?: string }) => {
    if (ev.sessionId === sessionId) failAll('target detached');
  });
  return {
    send(method, params = {}) {
      const id = ++lastId;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} timed out`));
        }, SEND_TIMEOUT_MS);
        timer.unref();
        pending.set(id, { resolve, reject, timer });
        parent.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((err: Error) => {
          pending.delete(id);
          clearTimeout(timer);
          reject(err);
        });
      });
    },
    on(event, listener) {
      const list = listeners.get(event) ?? [];
      list.push(listener);
      listeners.set(event, list);
    },
  };
}

/** Pauses, overrides and resumes every child target `endpoint` starts (and, for frames, their children). */
async function autoAttach(endpoint: Endpoint, override: Params, depth: number, onError: (err: Error) => void): Promise<void> {
  endpoint.on('Target.attachedToTarget', (ev: { sessionId: string; targetInfo: { type: string }; waitingForDebugger: boolean }) => {
    const child = childEndpoint(endpoint, ev.sessionId);
    void (async () => {
      try {
        // Workers have no Emulation domain on some versions: each override is best effort, the resume is not.
        await child.send('Network.setUserAgentOverride', override).catch(() => undefined);
        await child.send('Emulation.setUserAgentOverride', override).catch(() => undefined);
        if (ev.targetInfo.type === 'iframe' && depth < MAX_DEPTH) await autoAttach(child, override, depth + 1, onError).catch(onError);
      } finally {
        // Always resume: the target waits for every client that asked to pause it, so a lost resume hangs it.
        if (ev.waitingForDebugger) await child.send('Runtime.runIfWaitingForDebugger').catch(onError);
      }
    })();
  });
  await endpoint.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
}

/** Starts overriding the children of the page behind `cdp` (call before the page navigates). */
export function overrideChildTargets(cdp: CDPSession, override: Params, onError: (err: Error) => void = () => undefined): Promise<void> {
  return autoAttach(sessionEndpoint(cdp), override, 0, onError);
}
