import fc from 'fast-check';
import type { ErrorCode } from '../../src/errors/codes.js';
import type { EndpointContract } from './endpoints.js';
import { anyString, anyValue, deepJson, invalidUtf8, JsonObject, jsonBreakage, nonObjectJson, rawNumber, smallValue, toJsonText, unknownKey } from './generators.js';

/** One generated call: what goes on the wire, and what the contract allows to come back. */
export interface FuzzCase {
  contract: EndpointContract;
  /** Kind of bad input, e.g. `wrong type` or `malformed json`. */
  category: string;
  method: string;
  /** Request target, already percent-encoded as it goes on the wire. */
  path: string;
  headers: Array<[string, string]>;
  body?: Buffer;
  /** A whole hand-written HTTP/1.1 request, for what an HTTP client refuses to send. */
  wire?: Buffer;
  /** Only unknown fields were added to a valid call: the contract says they are ignored, so it must succeed. */
  expectSuccess: boolean;
  /** The contract names the answer (§1.1: unreadable JSON or a non-object is INVALID_REQUEST, over 1 MiB is 413). */
  expectCodes?: readonly ErrorCode[];
}

const PREVIEW_CHARS = 240;

function preview(bytes: Buffer | undefined): string {
  if (!bytes) return '(none)';
  const text = bytes.subarray(0, PREVIEW_CHARS).toString('latin1');
  return `${bytes.length} B ${JSON.stringify(text)}${bytes.length > PREVIEW_CHARS ? '…' : ''}`;
}

/** API keys shortened to their last characters: reports get pasted into documents. */
function redact(text: string): string {
  return text.replace(/bbre_[A-Za-z0-9]{28,}([A-Za-z0-9]{4})/g, 'bbre_…$1');
}

/** Short enough to read in a failure report even when the body is a mebibyte. */
export function describeCase(c: FuzzCase): string {
  return redact(describeUnredacted(c));
}

function describeUnredacted(c: FuzzCase): string {
  if (c.wire) return `[${c.contract.name} / ${c.category}] raw request ${preview(c.wire)}`;
  const headers = c.headers.map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`).join(' | ');
  const path = c.path.length > 200 ? `${c.path.slice(0, 200)}…(${c.path.length})` : c.path;
  return `[${c.contract.name} / ${c.category}] ${c.method} ${path} {${headers}} body ${preview(c.body)}`;
}

export function makeCase(c: FuzzCase): FuzzCase {
  return Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) });
}

export const JSON_TYPE: [string, string] = ['content-type', 'application/json'];

export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(toJsonText(value), 'utf8');
}

/** A route whose JSON body the fuzzer varies around a valid `base`. */
export interface BodyRoute {
  contract: EndpointContract;
  method: string;
  path: string;
  base: Record<string, unknown>;
  /** Documented fields, with plausible (and sometimes wrong) values. */
  fields: Record<string, fc.Arbitrary<unknown>>;
  /** `base` plus unknown fields always succeeds (nothing else changes the answer). */
  deterministic: boolean;
  /** Fields that take objects or arrays: where deep nesting goes. @default every field */
  deepFields?: string[];
  /** Headers that authenticate the call (API key or admin token). */
  auth: Array<[string, string]>;
  maxBodyBytes: number;
}

export interface BodyVariant {
  category: string;
  body?: Buffer;
  contentType?: string | null;
  expectSuccess?: boolean;
  /** Holds once the caller is authenticated (authentication runs before the body is read). */
  expectCodes?: readonly ErrorCode[];
}

/**
 * Contract §1.1 for a body that was meant to be unreadable: over the limit is 413 whatever it holds, otherwise
 * 400 INVALID_REQUEST. Some edits leave an empty body (read as {}) or valid JSON behind: then nothing is promised.
 */
function expectedForUnreadable(body: Buffer, maxBodyBytes: number): readonly ErrorCode[] | undefined {
  if (body.length > maxBodyBytes) return ['PAYLOAD_TOO_LARGE'];
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    return ['INVALID_REQUEST'];
  }
}

function withMember(base: Record<string, unknown>, key: string, value: unknown): JsonObject {
  const members = Object.entries(base).filter(([k]) => k !== key);
  return new JsonObject([...members, [key, value]]);
}

const CONTENT_TYPES = [
  null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1',
  'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;;', ';', '*/*', 'application/octet-stream', 'application/merge-patch+json', 'text/html; charset=\u00ff',
];

/** Every kind of bad body, around one route's valid body. */
export function bodyVariants(route: BodyRoute): fc.Arbitrary<BodyVariant> {
  const { base, fields } = route;
  const fieldNames = Object.keys(fields);
  const documented = new Set([...fieldNames, ...Object.keys(base)]);
  const baseText = toJsonText(base);
  const fieldArb = fieldNames.length > 0 ? fc.constantFrom(...fieldNames) : fc.constant('x');
  const stringKeys = Object.keys(base).filter((k) => typeof base[k] === 'string');

  const unknownFields = fc
    .array(fc.tuple(unknownKey(documented), fc.oneof({ weight: 5, arbitrary: smallValue }, { weight: 1, arbitrary: deepJson })), { minLength: 1, maxLength: 4 })
    .map((extra): BodyVariant => ({ category: 'unknown fields', body: jsonBytes(new JsonObject([...Object.entries(base), ...extra])), expectSuccess: route.deterministic }));
  const wrongType = fc.tuple(fieldArb, anyValue).map(([k, v]): BodyVariant => ({ category: 'wrong type', body: jsonBytes(withMember(base, k, v)) }));
  const fieldMix = fc.record(fields, { requiredKeys: [] }).map((mix): BodyVariant => ({ category: 'field mix', body: jsonBytes({ ...base, ...mix }) }));
  const missing = fc.subarray(Object.keys(base)).map((drop): BodyVariant => ({ category: 'missing fields', body: jsonBytes(Object.fromEntries(Object.entries(base).filter(([k]) => !drop.includes(k)))) }));
  const rawNumbers = fc.tuple(fieldArb, rawNumber).map(([k, v]): BodyVariant => ({ category: 'raw numbers', body: jsonBytes(withMember(base, k, v)) }));
  const duplicateKeys = fc
    .tuple(fieldArb, anyValue, anyValue)
    .map(([k, first, second]): BodyVariant => ({ category: 'duplicate keys', body: jsonBytes(new JsonObject([[k, first], ...Object.entries(base), [k, second]])) }));
  const deepFieldArb = route.deepFields && route.deepFields.length > 0 ? fc.constantFrom(...route.deepFields) : fieldArb;
  const deep = fc
    .tuple(fc.boolean(), deepFieldArb, deepJson)
    .map(([topLevel, k, v]): BodyVariant => ({ category: 'deep nesting', body: jsonBytes(topLevel ? v : withMember(base, k, v)) }));
  const malformed = fc.tuple(fc.oneof(fc.constant(baseText), fieldMix.map((v) => v.body!.toString('utf8'))), jsonBreakage).map(([text, breakIt]): BodyVariant => {
    const body = Buffer.from(breakIt(text), 'utf8');
    return { category: 'malformed json', body, expectCodes: expectedForUnreadable(body, route.maxBodyBytes) };
  });
  const nonObject = nonObjectJson.map((text): BodyVariant => ({ category: 'non-object json', body: Buffer.from(text, 'utf8'), expectCodes: ['INVALID_REQUEST'] }));
  const badUtf8 = fc.tuple(fc.nat(), invalidUtf8, fc.boolean()).map(([at, bytes, insideString]): BodyVariant => {
    const text = insideString && stringKeys.length > 0 ? toJsonText({ ...base, [stringKeys[at % stringKeys.length]!]: '\u0001' }) : baseText;
    const raw = Buffer.from(text, 'utf8');
    const i = insideString ? raw.indexOf('\\u0001') : at % (raw.length + 1);
    const cut = i < 0 ? raw.length : i;
    return { category: 'invalid utf-8', body: Buffer.concat([raw.subarray(0, cut), bytes, raw.subarray(insideString && i >= 0 ? cut + 6 : cut)]) };
  });
  const oversized = fc.tuple(fc.integer({ min: 1, max: 64 * 1024 }), fc.constantFrom('string', 'array', 'junk')).map(([extra, shape]): BodyVariant => {
    const n = route.maxBodyBytes + extra;
    const body = shape === 'string' ? Buffer.from(`{"x":"${'A'.repeat(n)}"}`) : shape === 'array' ? Buffer.from(`[${'0,'.repeat(n / 2)}0]`) : Buffer.alloc(n, 0x7b);
    return { category: 'oversized body', body, expectCodes: ['PAYLOAD_TOO_LARGE'] };
  });
  const empty = fc.constantFrom('', ' ', '\n', '\r\n\t ').map((text): BodyVariant => ({ category: 'empty body', body: Buffer.from(text) }));
  const strings = fc.array(anyString, { minLength: stringKeys.length, maxLength: stringKeys.length }).map((values): BodyVariant => {
    const copy: Record<string, unknown> = { ...base };
    stringKeys.forEach((k, i) => (copy[k] = values[i]));
    return { category: 'unicode strings', body: jsonBytes(copy) };
  });
  const contentType = fc.constantFrom(...CONTENT_TYPES).map((ct): BodyVariant => ({ category: 'content type', body: Buffer.from(baseText), contentType: ct }));

  return fc.oneof(
    { weight: 3, arbitrary: unknownFields },
    { weight: 3, arbitrary: wrongType },
    { weight: 4, arbitrary: fieldMix },
    { weight: 1, arbitrary: missing },
    { weight: 1, arbitrary: rawNumbers },
    { weight: 1, arbitrary: duplicateKeys },
    { weight: 1, arbitrary: deep },
    { weight: 2, arbitrary: malformed },
    { weight: 1, arbitrary: nonObject },
    { weight: 1, arbitrary: badUtf8 },
    { weight: 1, arbitrary: oversized },
    { weight: 1, arbitrary: empty },
    { weight: 2, arbitrary: strings },
    { weight: 1, arbitrary: contentType },
  );
}

/** A body route's cases: its body variants sent with valid credentials. */
export function bodyRouteCases(route: BodyRoute): fc.Arbitrary<FuzzCase> {
  return bodyVariants(route).map((v) =>
    makeCase({
      contract: route.contract,
      category: v.category,
      method: route.method,
      path: route.path,
      headers: [...route.auth, ...(v.contentType === undefined ? [JSON_TYPE] : v.contentType === null ? [] : [['content-type', v.contentType] as [string, string]])],
      body: v.body,
      expectSuccess: v.expectSuccess ?? false,
      expectCodes: v.expectCodes,
    }),
  );
}
