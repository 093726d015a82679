import { BbreError } from './bbre-error.js';

/** Network and server-state codes that mean "the database is down for now", not "the request was wrong". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
  '53300', // too_many_connections
]);

export function isTransientInfraError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    const msg = (e as { message?: unknown }).message;
    // PostgreSQL refusing new connections to a database under maintenance (ALLOW_CONNECTIONS false), SQLSTATE 55000.
    if (typeof msg === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error|is not currently accepting connections/i.test(msg)) return true;
  }
  return false;
}

/**
 * The client-visible error for a failure that is not already a BbreError: a database that is down for now is a
 * retryable 503, anything else our own 500.
 */
export function asServiceFailure(err: unknown, details: Record<string, unknown> = {}): BbreError {
  if (err instanceof BbreError) return err;
  if (isTransientInfraError(err)) return new BbreError('SERVICE_UNAVAILABLE', { message: 'The database is unavailable. Please retry shortly.', retryAfterSecs: 2, details, cause: err });
  return new BbreError('SERVICE_ERROR', { details, cause: err });
}
