import fc from 'fast-check';

/**
 * Value generators shared by every endpoint of the fuzz suite: hostile strings, wrong-typed values, numbers JSON
 * cannot round-trip, deep nesting, and the JSON text writer that can emit all of them.
 */

/** A JSON fragment written verbatim by `toJsonText`: numbers like 1e400, deep nesting, duplicate keys. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written member by member: duplicate keys and own `__proto__` members go out as given. */
export class JsonObject {
  constructor(readonly members: Array<[string, unknown]>) {}
}

/** JSON text of `value`; `RawJson` fragments are spliced in as they are, so the writer never recurses deeply. */
export function toJsonText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(confineTarget(value));
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonObject) return `{${value.members.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
    .join(',')}}`;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '0.0.0.0']);
/** Port 9 (discard) on loopback: nothing listens, so a connection is refused at once. */
const NOWHERE = 'http://127.0.0.1:9/';

/**
 * The suite never reaches past this machine: any string that would parse as a network URL with a host off
 * loopback (whatever field it lands in: url, proxy, navigate) is replaced by a loopback address nobody serves.
 */
export function confineTarget(text: string): string {
  if (!/^\s*[a-z][a-z0-9+.-]*:/i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (!['http:', 'https:', 'ws:', 'wss:', 'socks:', 'socks4:', 'socks5:', 'ftp:'].includes(url.protocol)) return text;
  return url.hostname === '' || LOOPBACK_HOSTS.has(url.hostname) || /^127\./.test(url.hostname) ? text : NOWHERE;
}

/** Strings that have broken parsers, databases, loggers and header writers somewhere. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF', 'x\uDBFFy', '\uDC00\uD800', '\u202E', '\uFEFF', '\u200B', '💥', '👩‍👩‍👧‍👦',
  'ﷺ', 'İ', 'ß', 'Ǆ', '\r\n', 'a\r\nx-injected: 1', '\t', '\u001b[31m', '\u007f', '\u0085', '\u2028\u2029', '%00', '%ZZ', '%',
  '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '"; DROP TABLE accounts; --', '${jndi:ldap://x}', '{{7*7}}',
  'null', 'undefined', 'NaN', 'Infinity', '-1', '1e309', 'true', '[]', '{}', '__proto__', 'constructor', 'session_', 'task_',
  'acc_', 'bbre_', 'session_' + 'A'.repeat(20), 'task_\u0000', ' passive', 'PASSIVE', 'adaptive\u0000', 'get', 'GET ', 'CONNECT',
  'TRACE', '\\', '\\u0000', '"', "'", '`', '#', '?', '&', '=', '/', '*', '%s%s%s%n', 'Ω'.repeat(64),
];

/** One UTF-16 code unit of any kind: lone surrogates, C0/C1 controls, private use, non-characters. */
const oddCodeUnit = fc.oneof(
  fc.integer({ min: 0xd800, max: 0xdfff }),
  fc.integer({ min: 0x00, max: 0x1f }),
  fc.integer({ min: 0x7f, max: 0x9f }),
  fc.constantFrom(0xfffe, 0xffff, 0xfeff, 0x202e, 0x2028, 0x00ad, 0xe000),
  fc.integer({ min: 0x20, max: 0xffff }),
).map((c) => String.fromCharCode(c));

/** Long strings: long enough to stress a column or a header, short enough to stay inside the 1 MiB body limit. */
export const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 120_000 }), fc.constantFrom('A', 'é', '💥', '\u0000', '\\', '"', '\uD800', '%'))
  .map(([n, c]) => c.repeat(n));

export const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: oddCodeUnit, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
);

export const anyString = fc.oneof({ weight: 9, arbitrary: nastyString }, { weight: 1, arbitrary: hugeString });

/** Numbers at the edges of every numeric type the server may map them to (int32, int64, double, micro-dollars). */
export const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, -0.5, 1e-7, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e20, 1e308, -1e308, 5e-324, Number.MAX_VALUE),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Numbers only raw JSON text can carry: they parse to Infinity, -0, 0 or lose precision. */
export const rawNumber = fc
  .constantFrom('1e400', '-1e400', '1e-400', '-0', '0e0', '-0.0', '1E2', '123456789012345678901234567890', '-9223372036854775809', '9223372036854775807', '18446744073709551616', '1.0000000000000000001', '0.1e1000')
  .map((t) => new RawJson(t));

export const scalar = fc.oneof(fc.constant(null), fc.boolean(), edgeNumber, nastyString);

/** Nesting far past any recursion budget: JSON.parse copes, recursive walkers and JSON.stringify do not. */
export const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 60_000 }), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, kind]) => {
    if (kind === 'array') return new RawJson('['.repeat(depth) + ']'.repeat(depth));
    if (kind === 'object') return new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    return new RawJson('{"a":['.repeat(depth) + ']}'.repeat(depth));
  });

/** Objects and arrays with thousands of members. */
export const wideJson = fc.tuple(fc.integer({ min: 500, max: 20_000 }), fc.boolean()).map(([n, isArray]) =>
  new RawJson(isArray ? `[${Array.from({ length: n }, (_, i) => i).join(',')}]` : `{${Array.from({ length: n }, (_, i) => `"k${i}":"v${i}"`).join(',')}}`),
);

/** A small JSON value of any type, safe to put anywhere a body must stay small. */
export const smallValue = fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 }), fc.array(scalar, { maxLength: 4 }));

/** Any value at all, for "wrong type" mutations. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: rawNumber },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: wideJson },
  { weight: 1, arbitrary: hugeString },
);

/** Either a plausible value for a field or anything at all. */
export function plausibleOrAny<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: plausible as fc.Arbitrary<unknown> }, { weight: 2, arbitrary: anyValue });
}

/** Keys that no endpoint documents: the contract says they are ignored. Prototype names included on purpose. */
export function unknownKey(documented: ReadonlySet<string>): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON', 'then', 'length', 'Mode', 'URL', 'session_id', 'SessionId', 'x', ''),
      fc.string({ minLength: 1, maxLength: 12 }),
      nastyString,
    )
    .filter((k) => !documented.has(k));
}

/** Header-safe text: UTF-8 bytes carried as latin1, line breaks and other controls Node refuses replaced. */
export function asHeaderValue(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '?');
}

/** Percent-encodes every byte of the UTF-8 form that is not unreserved; lone surrogates become U+FFFD. */
export function encodePathSegment(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Text edits that turn valid JSON into invalid JSON. */
export const jsonBreakage = fc.oneof(
  fc.nat().map((at) => (text: string) => text.slice(0, text.length === 0 ? 0 : at % text.length)),
  fc.tuple(fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', "'", '\u0000', 'NaN', 'undefined', '/*', '//')).map(([at, junk]) => (text: string) => {
    const i = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, i) + junk + text.slice(i);
  }),
  fc.constantFrom(
    (t: string) => t.replace(/}$/, ',}'),
    (t: string) => t.replace(/"/g, "'"),
    (t: string) => `${t}${t}`,
    (t: string) => `${t} trailing`,
    (t: string) => `// comment\n${t}`,
    (t: string) => t.replace(/:/, '='),
    (t: string) => t.replace(/^\{/, '{,'),
    (t: string) => `{"a":Infinity,${t.slice(1)}`,
    (t: string) => `{"a":-,${t.slice(1)}`,
    (t: string) => `{"a":0x10,${t.slice(1)}`,
    (t: string) => `{"a":.5,${t.slice(1)}`,
    (t: string) => `{"a":"\\x41",${t.slice(1)}`,
    (t: string) => `{"a":"\\uZZZZ",${t.slice(1)}`,
    (t: string) => `{"a":"tab\there",${t.slice(1)}`,
  ),
);

/** JSON texts that parse to something other than an object. */
export const nonObjectJson = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-1', '1e400', '""', '"{}"', '[]', '[{}]', '[null]', '"\\u0000"'),
  fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v)),
);

/** Byte sequences that are not UTF-8. */
export const invalidUtf8 = fc.constantFrom(
  [0xff], [0xfe, 0xff], [0xc0, 0x80], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xef, 0xbb, 0xbf],
).map((bytes) => Buffer.from(bytes));
