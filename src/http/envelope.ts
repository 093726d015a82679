import { SERVICE_NAME, type ErrorEnvelope, type SessionView, type SuccessEnvelope } from '../contract/types.js';
import type { BbreError } from '../errors/bbre-error.js';

export function ok(payload: Record<string, unknown>): SuccessEnvelope {
  return { success: true, service: SERVICE_NAME, ...payload };
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const SERVICE_JSON = JSON.stringify(SERVICE_NAME);
const str = JSON.stringify;
/** A finite number as JSON.stringify writes it (the same shortest round-trip digits); anything else is null. */
const num = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/**
 * `ok({ session })` as JSON text, written field by field in the view's own order: the same text as
 * JSON.stringify, without enumerating a copy of the view. The session's profile is the text the store holds,
 * spliced in as is: parsing and re-serializing it was the largest cost of POST /session/status after the keyed
 * read.
 */
export function sessionEnvelopeJson(session: SessionView): string {
  let out = `{"success":true,"service":${SERVICE_JSON},"session":{"id":${str(session.id)},"status":${str(session.status)},"mode":${str(session.mode)},"sensibility":${str(session.sensibility)},"timeout":${num(session.timeout)},"requestCount":${num(session.requestCount)},"totalCharged":${num(session.totalCharged)},"expiresAt":${num(session.expiresAt)},"createdAt":${num(session.createdAt)}`;
  if (session.closedAt !== undefined) out += `,"closedAt":${num(session.closedAt)}`;
  if (session.endedReason !== undefined) out += `,"endedReason":${str(session.endedReason)}`;
  return `${out},"profile":${session.profile.text}}}`;
}

export function fail(err: BbreError): ErrorEnvelope {
  const details: ErrorEnvelope['error']['details'] = { ...err.details, retryable: err.retryable };
  if (err.retryAfterSecs !== undefined) details.retryAfter = err.retryAfterSecs;
  return { success: false, service: SERVICE_NAME, error: { code: err.code, message: err.message, details } };
}
