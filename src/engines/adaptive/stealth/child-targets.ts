import type { CDPSession } from 'playwright-core';

/**
 * Applies the identity override to the targets a page starts: out-of-process iframes (cross-site frames under
 * site isolation), dedicated workers, service workers and shared workers. Emulation and network overrides set
 * on the page's own CDP session stop at its process boundary; without this, a cross-site iframe or a service
 * worker of a stealth session reports the headless identity the page hides (contract §4.3).
 *
 * Mechanism (Chromium's own): `Target.setAutoAttach` with `waitForDebuggerOnStart` on the page's session reports
 * each new child target paused; we send `Emulation.setUserAgentOverride` and `Network.setUserAgentOverride` to
 * it, then `Runtime.runIfWaitingForDebugger`. An OOPIF waits for every client that paused it, so it never runs a
 * script without the override; dedicated workers take the identity of the frame that starts them anyway. No
 * `Runtime.enable` is ever sent (that would be the CDP leak `high` must not have).
 *
 * Non-flattened sessions on purpose: Playwright's CDPSession cannot address flattened child sessions (their
 * messages are dropped by its connection), so child targets are driven through `Target.sendMessageToTarget` /
 * `Target.receivedMessageFromTarget`, nested once per level (an OOPIF inside an OOPIF).
 *
 * Known limits, both Chromium's (measured on 156):
 * - A service worker's `navigator.userAgent` and `navigator.platform` come from the browser's defaults when it
 *   starts; no CDP override reaches them. The pool sets `--user-agent` per flavor for the former (chromium.ts);
 *   the latter is right only for the engine's own platform.
 * - A service worker is not held before its first script by this pause: the worker pause is shared by every
 *   client, and the driver's own browser-level session releases it at once. Our override lands a few ms after
 *   the worker starts, so high-entropy client hints read by its first script are the browser defaults, which
 *   `--user-agent` blanks (fullVersionList, uaFullVersion, architecture, bitness); read later, they are ours.
 */

type Params = Record<string, unknown>;
type Listener = (params: any) => void;

/** A CDP endpoint: the page's CDPSession, or a child target reached through its parent. */
interface Endpoint {
  send(method: string, params?: Params): Promise<any>;
  on(event: string, listener: Listener): void;
  off(event: string, listener: Listener): void;
}

const SEND_TIMEOUT_MS = 5_000;
/** OOPIF nesting followed; deeper frames keep whatever their parent frame gives them. */
const MAX_DEPTH = 4;

function sessionEndpoint(cdp: CDPSession): Endpoint {
  return {
    send: (method, params) => cdp.send(method as never, params as never),
    on: (event, listener) => void cdp.on(event as never, listener as never),
    off: (event, listener) => void cdp.off(event as never, listener as never),
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
  const onMessage = (ev: { sessionId: string; message: string }) => {
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
  };
  // A page lives long and starts many frames and workers: each child unhooks itself from its parent when it goes.
  const onDetached = (ev: { sessionId?: string }) => {
    if (ev.sessionId !== sessionId) return;
    parent.off('Target.receivedMessageFromTarget', onMessage);
    parent.off('Target.detachedFromTarget', onDetached);
    failAll('target detached');
    listeners.clear();
  };
  parent.on('Target.receivedMessageFromTarget', onMessage);
  parent.on('Target.detachedFromTarget', onDetached);
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
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    off(event, listener) {
      listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== listener));
    },
  };
}

/** Pauses, overrides and resumes every child target `endpoint` starts (and, for frames, their children). */
async function autoAttach(endpoint: Endpoint, override: Params, depth: number, onError: (err: Error) => void): Promise<void> {
  endpoint.on('Target.attachedToTarget', (ev: { sessionId: string; targetInfo: { type: string }; waitingForDebugger: boolean }) => {
    const child = childEndpoint(endpoint, ev.sessionId);
    void (async () => {
      try {
        // Sent together (a session handles its messages in order): a service worker is not held by this pause
        // (see the note above), so every millisecond here is one its first script may run without the override.
        // Each override is best effort (a worker may lack a domain or end first); the resume is not.
        await Promise.all([
          child.send('Emulation.setUserAgentOverride', override).catch(() => undefined),
          child.send('Network.setUserAgentOverride', override).catch(() => undefined),
        ]);
        if (ev.targetInfo.type === 'iframe' && depth < MAX_DEPTH) await autoAttach(child, override, depth + 1, onError).catch(onError);
      } finally {
        // Always resume: a frame waits for every client that paused it, so a lost resume would hang it.
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
