import { MODES, SENSIBILITIES, type Mode, type Sensibility } from '../../contract/types.js';
import { BbreError } from '../../errors/bbre-error.js';
import type { ErrorCode } from '../../errors/codes.js';
import { isPlausibleId } from '../../security/ids.js';

/** A parsed JSON body: always a plain object (contract §1.1). */
export type Body = Record<string, unknown>;

export function asBody(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BbreError('INVALID_REQUEST', { message: 'The request body must be a JSON object.', details: { field: 'body' } });
  }
  return body as Body;
}

export function invalid(field: string, message: string, code: ErrorCode = 'INVALID_REQUEST'): BbreError {
  return new BbreError(code, { message, details: { field } });
}

/** First present of `names` (contract: "if both are sent, the first-named wins"). */
export function pick(body: Body, ...names: string[]): unknown {
  for (const n of names) if (body[n] !== undefined && body[n] !== null) return body[n];
  return undefined;
}

/** A required ID: missing → `missing`; an ID BBRE could never have issued → `notFound`, without touching the store. */
export function requiredId(body: Body, names: string[], missing: ErrorCode, notFound: ErrorCode, hint?: string): string {
  const v = pick(body, ...names);
  if (v === undefined || v === '') {
    throw new BbreError(missing, hint ? { details: { hint, field: names[0] } } : { details: { field: names[0] } });
  }
  if (typeof v !== 'string') throw invalid(names[0]!, `${names[0]} must be a string.`);
  if (!isPlausibleId(v)) throw new BbreError(notFound);
  return v;
}

/** Names, e-mails and notes are stored as text: no control characters (PostgreSQL refuses NUL outright). */
export function hasControlChars(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text);
}

export function optMode(body: Body, fallback: Mode = 'passive'): Mode {
  const v = body.mode;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(MODES as readonly string[]).includes(v.toLowerCase())) {
    throw invalid('mode', 'Mode must be "passive" or "adaptive".', 'INVALID_MODE');
  }
  return v.toLowerCase() as Mode;
}

export function optSensibility(body: Body, fallback: Sensibility = 'medium'): Sensibility {
  const v = body.sensibility;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(SENSIBILITIES as readonly string[]).includes(v.toLowerCase())) {
    throw invalid('sensibility', 'Sensibility must be "low", "medium" or "high".', 'INVALID_SENSIBILITY');
  }
  return v.toLowerCase() as Sensibility;
}

export function optNumber(body: Body, field: string, code: ErrorCode = 'INVALID_REQUEST'): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(field, `${field} must be a number.`, code);
  return v;
}

/** Above any price BBRE can charge: a larger ceiling means "no ceiling" and is kept as this (it fits the ledger's integers). */
const MAX_COST_CEILING_USD = 1e9;

export function optMaxCost(body: Body): number | undefined {
  const v = optNumber(body, 'maxCost');
  if (v !== undefined && v < 0) throw invalid('maxCost', 'maxCost must be ≥ 0.');
  return v === undefined ? undefined : Math.min(v, MAX_COST_CEILING_USD);
}

export function optBoolean(body: Body, ...names: string[]): boolean | undefined {
  const v = pick(body, ...names);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw invalid(names[0]!, `${names[0]} must be a boolean.`);
  return v;
}

/** Largest offset accepted: far past any list, and within every database's integer. */
export const MAX_OFFSET = 2_147_483_647;

/** Contract §3.11: limit 1–100 (larger clamped), offset ≥ 0. */
export function paging(body: Body): { limit: number; offset: number } {
  const limit = body.limit ?? 20;
  const offset = body.offset ?? 0;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw invalid('limit', 'limit must be an integer ≥ 1.');
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw invalid('offset', `offset must be an integer from 0 to ${MAX_OFFSET}.`);
  return { limit: Math.min(limit, 100), offset };
}

/** Query strings carry numbers as text: admin GET paging. */
export function pagingFromQuery(query: unknown): { limit: number; offset: number } {
  const q = (query ?? {}) as Record<string, string | undefined>;
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : /^-?\d+$/.test(v) ? Number(v) : NaN);
  return paging({ limit: num(q.limit), offset: num(q.offset) });
}

/** A JSON value sent on to a target may not nest deeper than this: serializing it again would exhaust the stack. */
export const MAX_JSON_DEPTH = 512;

/** The nesting depth of a parsed JSON value, walked without recursion; stops counting past `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push({ v: child, d: d + 1 });
  }
  return false;
}
