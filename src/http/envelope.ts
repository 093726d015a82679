import { SERVICE_NAME, type ErrorEnvelope, type SuccessEnvelope } from '../contract/types.js';
import type { BbreError } from '../errors/bbre-error.js';

export function ok(payload: Record<string, unknown>): SuccessEnvelope {
  return { success: true, service: SERVICE_NAME, ...payload };
}

export function fail(err: BbreError): ErrorEnvelope {
  const details: ErrorEnvelope['error']['details'] = { ...err.details, retryable: err.retryable };
  if (err.retryAfterSecs !== undefined) details.retryAfter = err.retryAfterSecs;
  return { success: false, service: SERVICE_NAME, error: { code: err.code, message: err.message, details } };
}
