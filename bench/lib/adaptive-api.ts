import { performance } from 'node:perf_hooks';
import type { CallOutcome, Sensibility } from './adaptive-plan.js';

/**
 * The three session calls of bench/adaptive.ts, timed from this process (request sent → JSON body read), and
 * failures returned as data: phase c counts them instead of stopping at the first.
 */
export interface AdaptiveApi {
  /** `viewport` is the session's profile viewport as `W×H` (default profiles draw it, and memory follows it). */
  create(sensibility: Sensibility): Promise<CallOutcome & { sessionId?: string; viewport?: string }>;
  request(sessionId: string, url: string, expectBody: string): Promise<CallOutcome>;
  close(sessionId: string): Promise<CallOutcome>;
}

interface Envelope {
  success?: boolean;
  error?: { code?: string };
  session?: { id?: unknown; profile?: { viewport?: { width?: unknown; height?: unknown } } };
  data?: { statusCode?: unknown; body?: unknown };
}

export function adaptiveApi(baseUrl: string, apiKey: string, timeoutSecs: number, callTimeoutMs: number): AdaptiveApi {
  const post = async (path: string, body: unknown): Promise<CallOutcome & { json?: Envelope }> => {
    const started = performance.now();
    try {
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(callTimeoutMs),
      });
      const json = (await res.json()) as Envelope;
      const ms = performance.now() - started;
      if (res.status !== 200 || json.success !== true) return { ok: false, ms, error: `${res.status} ${json.error?.code ?? 'no error code'}`, json };
      return { ok: true, ms, json };
    } catch (err) {
      const e = err as Error;
      return { ok: false, ms: performance.now() - started, error: e.name === 'TimeoutError' ? `no answer within ${callTimeoutMs / 1000} s` : `client error: ${e.message}` };
    }
  };
  const strip = ({ ok, ms, error }: CallOutcome): CallOutcome => (error === undefined ? { ok, ms } : { ok, ms, error });
  return {
    async create(sensibility) {
      const r = await post('/session/create', { mode: 'adaptive', sensibility, timeout: timeoutSecs });
      const id = r.json?.session?.id;
      if (r.ok && typeof id !== 'string') return { ok: false, ms: r.ms, error: 'no session id in the answer' };
      const v = r.json?.session?.profile?.viewport;
      const viewport = typeof v?.width === 'number' && typeof v.height === 'number' ? `${v.width}×${v.height}` : undefined;
      return typeof id === 'string' ? { ...strip(r), sessionId: id, ...(viewport ? { viewport } : {}) } : strip(r);
    },
    async request(sessionId, url, expectBody) {
      const r = await post('/session/request', { sessionId, url, method: 'GET' });
      if (!r.ok) return strip(r);
      const { statusCode, body } = r.json?.data ?? {};
      // A 200 from BBRE with the wrong page would still be a failed request.
      if (statusCode !== 200 || typeof body !== 'string' || !body.includes(expectBody)) return { ok: false, ms: r.ms, error: `target answered ${String(statusCode)} with an unexpected body` };
      return strip(r);
    },
    async close(sessionId) {
      return strip(await post('/session/close', { sessionId }));
    },
  };
}

/** Throws with the failure: for the sequential phases, where one failed call voids the series. */
export function mustSucceed<T extends CallOutcome>(what: string, outcome: T): T {
  if (!outcome.ok) throw new Error(`${what} failed: ${outcome.error}`);
  return outcome;
}
