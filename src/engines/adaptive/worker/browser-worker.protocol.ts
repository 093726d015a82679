import type { Cookie as BrowserCookie } from 'playwright-core';
import type { EndedReason } from '../../../contract/types.js';
import {
  ActionError,
  ActionInputError,
  EngineUnavailableError,
  TargetError,
  type ActionRunResult,
  type ActionStep,
  type EngineRequest,
  type EngineResult,
  type EngineSession,
} from '../../engine.js';
import type { PoolStatus } from '../browser-pool.js';

/**
 * The messages between the API thread and the browser worker thread (browser-worker.host.ts). Everything crosses
 * by structured clone: no functions, no class instances. A URL travels as its href, a Buffer arrives as a
 * Uint8Array, an error as its fields, and a result's `updateState` is rebuilt on the API side from the cookies
 * the browser held after the work.
 */

/** What the worker needs to build its pool and engine (plain data, from the validated config). */
export interface BrowserWorkerConfig {
  executablePath: string | undefined;
  maxContexts: number;
  retireAfterContexts: number;
  maxWaitMs: number;
  /** A non-default browser with no context is closed after this long (BrowserPool default when absent). */
  idleCloseMs?: number;
  killTimeoutMs: number;
  allowPrivateTargets: boolean;
  maxResponseBytes: number;
}

export interface WorkerStatus {
  pool: PoolStatus;
  contexts: Record<string, number>;
}

export type WireRequest = Omit<EngineRequest, 'url'> & { url: string };

export type WireResult = Omit<EngineResult, 'updateState'> & { browserCookies: BrowserCookie[] };

export interface WireError {
  name: string;
  message: string;
  kind?: string;
  reason?: string;
  retryable?: boolean;
  retryAfterSecs?: number;
  field?: string;
}

export type WireActionResult = Omit<ActionRunResult, 'updateState' | 'failure'> & {
  failure?: { index: number; error: WireError };
  browserCookies: BrowserCookie[];
};

export type WorkerCall =
  | { method: 'warm' }
  | { method: 'open'; session: EngineSession }
  | { method: 'release'; sessionId: string; reason: EndedReason }
  | { method: 'execute'; session: EngineSession; request: WireRequest }
  | { method: 'runActions'; session: EngineSession; steps: ActionStep[]; timeoutMs: number; speed?: string }
  | { method: 'close' };

/** API thread → worker. */
export type ToWorker = ({ kind: 'call'; id: number } & WorkerCall) | { kind: 'abort'; id: number };

/** Worker → API thread. Every reply carries the pool's status as of its sending. */
export type FromWorker =
  | { kind: 'reply'; id: number; ok: true; value: unknown; pageUrl?: string; status: WorkerStatus }
  | { kind: 'reply'; id: number; ok: false; error: WireError; status: WorkerStatus }
  | { kind: 'status'; status: WorkerStatus }
  | { kind: 'lost'; sessionId: string; accountId: string; status: WorkerStatus }
  | { kind: 'url'; sessionId: string; url: string }
  /** The Chromium browsers the worker runs now (process ids), so they can be killed if the worker dies. */
  | { kind: 'browsers'; pids: number[] }
  | { kind: 'log'; event: string; data: Record<string, unknown> };

export function toWireRequest(request: EngineRequest): WireRequest {
  return { ...request, url: request.url.href };
}

export function fromWireRequest(request: WireRequest): EngineRequest {
  const body = request.body;
  return {
    ...request,
    url: new URL(request.url),
    // A Buffer arrives as a plain Uint8Array: give it Buffer's methods back without copying.
    body: body?.kind === 'binary' ? { kind: 'binary', value: Buffer.from(body.value.buffer, body.value.byteOffset, body.value.byteLength) } : body,
  };
}

/**
 * A session's fields, and nothing else the object may carry. Profile, proxy and state are already plain data (the
 * parsed stored JSON), so the structured clone copies them as they are.
 */
export function toWireSession(session: EngineSession): EngineSession {
  const { id, accountId, mode, sensibility, profile, proxy, state } = session;
  return { id, accountId, mode, sensibility, profile, proxy, state: state ?? null };
}

export function toWireError(err: unknown): WireError {
  if (err instanceof TargetError) return { name: err.name, message: err.message, kind: err.kind, reason: err.reason };
  if (err instanceof ActionError) return { name: err.name, message: err.message, kind: err.kind };
  if (err instanceof EngineUnavailableError) return { name: err.name, message: err.message, retryable: err.retryable, retryAfterSecs: err.retryAfterSecs };
  if (err instanceof ActionInputError) return { name: err.name, message: err.message, field: err.field };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: 'Error', message: e.message };
}

/** The same typed error the domain would have caught from an in-thread engine. */
export function fromWireError(w: WireError): Error {
  switch (w.name) {
    case 'TargetError':
      return new TargetError(w.kind as TargetError['kind'], w.message, w.reason);
    case 'ActionError':
      return new ActionError(w.kind as ActionError['kind'], w.message);
    case 'EngineUnavailableError':
      return new EngineUnavailableError(w.message, w.retryable ?? true, w.retryAfterSecs);
    case 'ActionInputError':
      return new ActionInputError(w.field ?? '', w.message);
    default:
      return new Error(w.message);
  }
}
