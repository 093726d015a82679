import { SERVICE_NAME } from '../../src/contract/types.js';
import { ERRORS, isErrorCode } from '../../src/errors/codes.js';
import type { EndpointContract } from './endpoints.js';

/** What came back for one call. */
export interface Answer {
  /** 0 when no complete answer arrived. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Why no complete answer arrived (reset, timeout). */
  failure?: string;
  /** From the first byte sent to the last byte received. */
  elapsedMs?: number;
}

export interface CheckedCall {
  contract: EndpointContract;
  expectSuccess: boolean;
  /** When set, the answer must be an error with one of these codes. */
  expectCodes?: readonly string[];
}

/**
 * Every target the suite uses answers at once or refuses the connection, so an answer this late means the
 * server stalled (a blocked event loop answers every caller late, not just this one).
 */
export const SLOW_ANSWER_MS = 15_000;

/** Codes whose `retryable` depends on the call (contract §5: the method, or whether a browser is installed). */
const RETRYABLE_VARIES = new Set(['REQUEST_TIMEOUT', 'TARGET_UNREACHABLE', 'SERVICE_UNAVAILABLE']);
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every rule the contract sets for an answer to a bad input (§1.1, §1.3, §5): an answer at all, never a 500,
 * JSON with the envelope, a listed code the endpoint may return, the status and `retryable` of that code.
 * Returns the broken rules; empty means the answer is fine.
 */
export function checkAnswer(call: CheckedCall, answer: Answer): string[] {
  if (answer.failure !== undefined || answer.status === 0) return [`no answer: ${answer.failure ?? 'connection closed'}`];
  const problems: string[] = [];
  const { status } = answer;
  if (answer.elapsedMs !== undefined && answer.elapsedMs > SLOW_ANSWER_MS) problems.push(`answered after ${Math.round(answer.elapsedMs)} ms`);
  if (status === 500) problems.push('HTTP 500');
  const type = String(answer.headers['content-type'] ?? '');
  if (!type.toLowerCase().startsWith('application/json')) problems.push(`content-type is "${type}", not application/json`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return [...problems, `HTTP ${status}: body is not JSON: ${JSON.stringify(answer.body.subarray(0, 200).toString('utf8'))}`];
  }
  if (!isPlainObject(body)) return [...problems, `HTTP ${status}: body is not a JSON object`];
  if (body.service !== SERVICE_NAME) problems.push(`HTTP ${status}: service is ${JSON.stringify(body.service)}, not "${SERVICE_NAME}" (not the BBRE envelope: ${JSON.stringify(body).slice(0, 200)})`);

  if (status >= 200 && status < 300) {
    if (call.expectCodes) problems.push(`HTTP ${status} where the contract says ${call.expectCodes.join(' or ')}`);
    if (status !== 200) problems.push(`success with HTTP ${status}, not 200`);
    if (body.success !== true) problems.push(`HTTP ${status} with success ${JSON.stringify(body.success)}`);
    if ('error' in body) problems.push('success envelope carries an error');
    for (const key of call.contract.success) if (!(key in body)) problems.push(`success envelope lacks "${key}"`);
    return problems;
  }

  if (call.expectSuccess) problems.push(`unknown fields were not ignored: HTTP ${status} ${JSON.stringify((body.error as { code?: unknown } | undefined)?.code)}`);
  if (body.success !== false) problems.push(`HTTP ${status} with success ${JSON.stringify(body.success)}`);
  const error = body.error;
  if (!isPlainObject(error)) return [...problems, `HTTP ${status}: no error object`];
  const { code, message, details } = error;
  if (typeof code !== 'string' || !UPPER_SNAKE.test(code)) return [...problems, `HTTP ${status}: error.code ${JSON.stringify(code)} is not an UPPER_SNAKE string`];
  if (!isErrorCode(code)) return [...problems, `HTTP ${status}: ${code} is not in the error list`];
  if (call.expectCodes && !call.expectCodes.includes(code)) problems.push(`${code} where the contract says ${call.expectCodes.join(' or ')}`);
  if (!call.contract.codes.has(code)) problems.push(`${code} is not an error ${call.contract.name} may return`);
  const spec = ERRORS[code];
  if (spec.status !== status) problems.push(`${code} came with HTTP ${status}, the list says ${spec.status}`);
  if (typeof message !== 'string' || message === '') problems.push(`${code}: error.message is not a sentence`);
  if (!isPlainObject(details)) return [...problems, `${code}: error.details is not an object`];
  if (typeof details.retryable !== 'boolean') problems.push(`${code}: details.retryable is not a boolean`);
  else if (!RETRYABLE_VARIES.has(code) && details.retryable !== spec.retryable) problems.push(`${code}: details.retryable is ${details.retryable}, the list says ${spec.retryable}`);
  if (code === 'RATE_LIMIT_EXCEEDED' && !/^\d+$/.test(String(answer.headers['retry-after'] ?? ''))) problems.push('RATE_LIMIT_EXCEEDED without an integer Retry-After');
  return problems;
}
