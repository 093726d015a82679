import { BBREError, clientError } from './errors.js';
import type { FetchLike, RetryEvent } from './types.js';
import { SDK_VERSION } from './version.js';

/**
 * Free endpoints: a call that got no answer can be sent again without risking a second charge. A charged call
 * (session create, requests, browser actions) may have run even when its answer was lost, so it is never re-sent
 * after a network error (contract §8.5).
 */
const FREE_PATHS: ReadonlySet<string> = new Set([
  '/session/status',
  '/session/close',
  '/request/result',
  '/account/balance',
  '/account/info',
  '/account/sessions',
  '/account/history',
]);

export interface TransportConfig {
  apiKey: string;
  baseUrl: string;
  retries: number;
  retryDelayMs: number;
  fetch: FetchLike;
  onRetry?: (event: RetryEvent) => void;
}

/** The fields every success envelope carries beside its payload. */
export interface SuccessEnvelope {
  success: true;
  service: string;
}

interface ErrorEnvelope {
  success: false;
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Retry-After in seconds (an integer, or an HTTP date), as milliseconds. */
function retryAfterMs(error: BBREError, header: string | null): number {
  const fromDetails = error.details.retryAfter;
  if (typeof fromDetails === 'number' && Number.isFinite(fromDetails)) return fromDetails * 1000;
  if (!header) return 0;
  const secs = Number(header);
  if (Number.isFinite(secs)) return secs * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 0;
}

/** One HTTP exchange with the API and its envelope: JSON in, the success payload out, a BBREError otherwise. */
export class Transport {
  constructor(private readonly config: TransportConfig) {}

  get baseUrl(): string {
    return this.config.baseUrl;
  }

  /**
   * Sends the call, retrying errors marked retryable up to `retries` times with exponential backoff
   * (contract §8.1: `max(Retry-After, retryDelay × 2^attempt)` plus up to 20 % jitter).
   */
  async call<T extends object>(path: string, options: { method?: 'GET' | 'POST'; body?: object } = {}): Promise<T & SuccessEnvelope> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.once<T>(path, options.method ?? 'POST', options.body);
      if (outcome.ok) return outcome.payload;
      const { error } = outcome;
      if (!error.retryable || attempt >= this.config.retries) throw error;
      const baseMs = Math.max(outcome.retryAfterMs, this.config.retryDelayMs * 2 ** attempt);
      const delayMs = Math.round(baseMs * (1 + Math.random() * 0.2));
      this.config.onRetry?.({ attempt: attempt + 1, delayMs, path, error });
      await sleep(delayMs);
    }
  }

  private async once<T>(
    path: string,
    method: 'GET' | 'POST',
    body: object | undefined,
  ): Promise<{ ok: true; payload: T & SuccessEnvelope } | { ok: false; error: BBREError; retryAfterMs: number }> {
    const free = FREE_PATHS.has(path);
    const url = this.config.baseUrl + path;
    const headers: Record<string, string> = {
      'X-API-Key': this.config.apiKey,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': `bbre-sdk/${SDK_VERSION}`,
    };
    let status: number;
    let text: string;
    let retryAfterHeader: string | null;
    try {
      const res = await this.config.fetch(url, { method, headers, body: method === 'GET' ? undefined : JSON.stringify(body ?? {}) });
      status = res.status;
      retryAfterHeader = res.headers.get('retry-after');
      text = await res.text();
    } catch (cause) {
      const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
      return { ok: false, error: clientError('NETWORK_ERROR', `No answer from ${url}: ${reason}`, { path, retryable: free }, cause), retryAfterMs: 0 };
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isObject(parsed) && parsed.success === true) return { ok: true, payload: parsed as T & SuccessEnvelope };
    if (isObject(parsed) && parsed.success === false && isObject(parsed.error) && typeof parsed.error.code === 'string') {
      const envelope = (parsed as unknown as ErrorEnvelope).error;
      const error = new BBREError(envelope.code, envelope.message ?? envelope.code, { httpStatus: status, details: { ...envelope.details } });
      return { ok: false, error, retryAfterMs: retryAfterMs(error, retryAfterHeader) };
    }
    // Not a BBRE envelope (a proxy or load balancer in between): like a lost answer, the call may have run.
    const retryable = free && (status >= 500 || status === 429);
    const error = new BBREError('SERVICE_ERROR', `Unexpected answer (HTTP ${status}) from ${url}.`, {
      httpStatus: status,
      details: { path, retryable, body: text.slice(0, 200) },
    });
    return { ok: false, error, retryAfterMs: retryAfterMs(error, retryAfterHeader) };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each client's transport, kept off the public surface of the classes. */
const transports = new WeakMap<object, Transport>();

export function bindTransport(owner: object, transport: Transport): void {
  transports.set(owner, transport);
}

export function transportOf(owner: object): Transport {
  const transport = transports.get(owner);
  if (!transport) throw new TypeError('Not a BBRE client or session.');
  return transport;
}
