/**
 * The one error type of the SDK. Every error envelope of the server, every failed task and every client-side
 * failure surfaces as a BBREError, so callers branch on `code`, `httpStatus` and `retryable`, never on text.
 */

/** Shared by every copy of the SDK in a process, so `instanceof` holds across copies (ESM and CJS, two versions). */
const BRAND = Symbol.for('bbre.error');

export interface BBREErrorDetails {
  /** Whether the same call may be sent again unchanged. */
  retryable?: boolean;
  [key: string]: unknown;
}

export interface BBREErrorOptions {
  /** HTTP status of the answer; `null` when no answer came (client-side errors). @default null */
  httpStatus?: number | null;
  details?: BBREErrorDetails;
  /** @default details.retryable, else false */
  retryable?: boolean;
  cause?: unknown;
}

export class BBREError extends Error {
  /** UPPER_SNAKE code: a server code, or `NETWORK_ERROR`, `SESSION_NOT_ACTIVE`, `REQUEST_TIMEOUT`, `API_KEY_REQUIRED` from the client. */
  readonly code: string;
  /** HTTP status of the error answer; `null` for errors raised by the client. */
  readonly httpStatus: number | null;
  readonly details: BBREErrorDetails;
  /** Whether sending the same call again may succeed (the SDK already retried it `retries` times). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: BBREErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BBREError';
    this.code = code;
    this.httpStatus = options.httpStatus ?? null;
    this.retryable = options.retryable ?? options.details?.retryable === true;
    this.details = { ...options.details, retryable: this.retryable };
  }

  /** Same as `httpStatus`. */
  get status(): number | null {
    return this.httpStatus;
  }

  /**
   * `err instanceof BBREError` is true for an error of any copy of the SDK (contract §8.5). Subclasses keep the
   * ordinary prototype check.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== BBREError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

Object.defineProperty(BBREError.prototype, BRAND, { value: true, enumerable: false });

export function isBBREError(value: unknown): value is BBREError {
  return value instanceof BBREError;
}

/** The error of a client-side condition: no HTTP answer involved. */
export function clientError(code: 'NETWORK_ERROR' | 'SESSION_NOT_ACTIVE' | 'REQUEST_TIMEOUT' | 'API_KEY_REQUIRED', message: string, details: BBREErrorDetails = {}, cause?: unknown): BBREError {
  return new BBREError(code, message, { httpStatus: null, details, retryable: details.retryable === true, cause });
}

/** Codes that mean the session can no longer be used. */
export const SESSION_ENDED_CODES: ReadonlySet<string> = new Set(['SESSION_EXPIRED', 'SESSION_CLOSED', 'SESSION_NOT_FOUND']);

/** Task error codes and the HTTP status the same failure answers with on a synchronous call (contract §5). */
const TASK_FAILURE_STATUS: Record<string, number> = {
  REQUEST_TIMEOUT: 504,
  TARGET_UNREACHABLE: 502,
  TARGET_NOT_ALLOWED: 403,
  SERVICE_UNAVAILABLE: 503,
  SERVICE_ERROR: 500,
  SESSION_CLOSED: 400,
  SESSION_EXPIRED: 400,
  ELEMENT_NOT_FOUND: 422,
  BROWSER_ACTION_FAILED: 422,
  BROWSER_TIMEOUT: 504,
};

/** Contract §5: a timeout or an unreachable target may be retried unchanged only for these methods. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** The error of a task that ended `failed` or `timeout`, as `/request/result` reports it. */
export function taskFailure(task: { id: string; status: string; error?: { code: string; message: string }; refunded?: boolean }, method: string): BBREError {
  const code = task.error?.code ?? (task.status === 'timeout' ? 'REQUEST_TIMEOUT' : 'SERVICE_ERROR');
  const retryable =
    code === 'REQUEST_TIMEOUT' || code === 'TARGET_UNREACHABLE' ? IDEMPOTENT_METHODS.has(method.toUpperCase()) : code === 'SERVICE_UNAVAILABLE' || code === 'SERVICE_ERROR';
  return new BBREError(code, task.error?.message ?? `The task ended ${task.status}.`, {
    httpStatus: TASK_FAILURE_STATUS[code] ?? null,
    details: { taskId: task.id, status: task.status, refunded: task.refunded ?? false, retryable },
  });
}
