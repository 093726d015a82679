import { SERVICE_NAME, type ErrorEnvelope, type SessionView, type SuccessEnvelope } from '../contract/types.js';
import type { BbreError } from '../errors/bbre-error.js';

export function ok(payload: Record<string, unknown>): SuccessEnvelope {
  return { success: true, service: SERVICE_NAME, ...payload };
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * `ok({ session })` as JSON text. The session's profile is the text the store holds, spliced in as is: parsing
 * and re-serializing it was the largest cost of POST /session/status after the keyed read.
 */
export function sessionEnvelopeJson(session: SessionView): string {
  const { profile, ...rest } = session;
  const head = JSON.stringify(ok({ session: rest }));
  return `${head.slice(0, -2)},"profile":${profile.text}}}`;
}

export function fail(err: BbreError): ErrorEnvelope {
  const details: ErrorEnvelope['error']['details'] = { ...err.details, retryable: err.retryable };
  if (err.retryAfterSecs !== undefined) details.retryAfter = err.retryAfterSecs;
  return { success: false, service: SERVICE_NAME, error: { code: err.code, message: err.message, details } };
}
