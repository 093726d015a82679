import { ERRORS, type ErrorCode } from './codes.js';

export interface BbreErrorOptions {
  message?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the catalogue's retryable flag where the contract makes it depend on the call. */
  retryable?: boolean;
  /** Seconds, rendered as Retry-After and details.retryAfter. */
  retryAfterSecs?: number;
}

/** A client-visible error. Built from a code alone, so a throw site cannot pair a code with the wrong status. */
export class BbreError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;
  readonly retryAfterSecs: number | undefined;

  constructor(code: ErrorCode, options: BbreErrorOptions = {}) {
    const spec = ERRORS[code];
    super(options.message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BbreError';
    this.code = code;
    this.status = spec.status;
    this.retryable = options.retryable ?? spec.retryable;
    this.details = options.details ?? {};
    this.retryAfterSecs = options.retryAfterSecs;
  }
}

export function isBbreError(err: unknown): err is BbreError {
  return err instanceof BbreError;
}
