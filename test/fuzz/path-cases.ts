import fc from 'fast-check';
import { ERRORS, type ErrorCode } from '../../src/errors/codes.js';
import { apiBodyRoutes } from './api-cases.js';
import { CONTRACTS, type EndpointContract, type FuzzContext } from './endpoints.js';
import { JSON_TYPE, makeCase, type FuzzCase } from './fuzz-case.js';
import { encodePathSegment, nastyString } from './generators.js';

/** Every route the server knows, with its methods (contract §2, §9.2, §9.3). `:id` stands for any one segment. */
const KNOWN_ROUTES: Array<[string, string[]]> = [
  ['/session/create', ['POST']],
  ['/session/request', ['POST']],
  ['/session/status', ['POST']],
  ['/session/close', ['POST']],
  ['/browser/action', ['POST']],
  ['/request/create', ['POST']],
  ['/request/result', ['POST']],
  ['/request/execute', ['POST']],
  ['/request/sync', ['POST']],
  ['/account/balance', ['GET', 'POST']],
  ['/account/info', ['GET', 'POST']],
  ['/account/sessions', ['POST']],
  ['/account/history', ['POST']],
  ['/admin/accounts', ['GET', 'POST']],
  ['/admin/accounts/:id', ['GET', 'PATCH']],
  ['/admin/accounts/:id/credit', ['POST']],
  ['/admin/accounts/:id/ledger', ['GET']],
  ['/admin/accounts/:id/keys', ['POST']],
  ['/admin/keys/:id', ['DELETE']],
  ['/admin/sessions/:id/close', ['POST']],
  ['/health', ['GET']],
  ['/ready', ['GET']],
  ['/metrics', ['GET']],
  ['/openapi.json', ['GET']],
  ['/docs', ['GET']],
];

const ROUTE_PATTERNS = KNOWN_ROUTES.map(([p]) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/:id/g, '[^/]+')}$`, 'i'));

/** Whether `path` might reach a route: generated "unknown" paths that could, are left out. */
export function mayHitRoute(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.split('?')[0]!);
  } catch {
    decoded = path.split('?')[0]!;
  }
  const normalised = decoded.replace(/\/{2,}/g, '/').replace(/\/$/, '') || '/';
  return ROUTE_PATTERNS.some((re) => re.test(normalised) || re.test(decoded));
}

/** Methods the HTTP parser accepts, so the answer comes from the router; HEAD is left out (its answers have no body). */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'PURGE', 'LINK', 'UNLINK', 'TRACE'];

const segment = fc.oneof(fc.constantFrom('session', 'request', 'admin', 'account', 'accounts', 'api', 'v1', '.', '..', 'x'), nastyString.map(encodePathSegment));

export function unknownPathCases(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom(...METHODS), fc.boolean())
    .map(([segments, method, withKey]) => ({ path: `/${segments.join('/')}`, method, withKey }))
    .filter(({ path }) => !mayHitRoute(path))
    .map(({ path, method, withKey }) =>
      makeCase({ contract: CONTRACTS.unknownPath, category: 'unknown path', method, path, headers: withKey ? [['x-api-key', ctx.keys.main], JSON_TYPE] : [JSON_TYPE], body: method === 'GET' ? undefined : Buffer.from('{}'), expectSuccess: false }),
    );
}

export function wrongMethodCases(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const pairs = KNOWN_ROUTES.flatMap(([path, allowed]) => METHODS.filter((m) => !allowed.includes(m)).map((m) => [path.replace(':id', ctx.victim.accountId), m] as const));
  return fc.constantFrom(...pairs).map(([path, method]) =>
    makeCase({ contract: CONTRACTS.wrongMethod, category: 'wrong method', method, path, headers: [['x-api-key', ctx.keys.main], ['authorization', `Bearer ${ctx.adminToken}`], JSON_TYPE], body: Buffer.from('{}'), expectSuccess: false }),
  );
}

function widen(contract: EndpointContract, label: string, extra: ErrorCode[]): EndpointContract {
  return { name: label, codes: new Set([...contract.codes, ...extra]), success: contract.success };
}

/** Near-misses of real paths: case, slashes, encoded letters, suffixes. The answer is the route's or 404/405. */
export function pathVariantCases(ctx: FuzzContext, maxBodyBytes: number): fc.Arbitrary<FuzzCase> {
  const routes = apiBodyRoutes(ctx, maxBodyBytes);
  const variants = [
    (p: string) => p.toUpperCase(),
    (p: string) => `${p}/`,
    (p: string) => p.replace('/', '//'),
    (p: string) => `${p}/extra`,
    (p: string) => `${p};jsessionid=1`,
    (p: string) => `${p}%2F`,
    (p: string) => p.replace(/\/([a-z]+)$/, '%2F$1'),
    (p: string) => p.replace(/\/([a-z])/, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`),
    (p: string) => `/.${p}`,
    (p: string) => `${p}/..${p}`,
    (p: string) => `${p}?`,
    (p: string) => `${p}#fragment`,
    (p: string) => `${p}%00`,
    (p: string) => `${p}%20`,
  ];
  return fc.tuple(fc.constantFrom(...routes), fc.constantFrom(...variants.keys())).map(([route, i]) =>
    makeCase({
      contract: widen(route.contract, 'path variants', ['NOT_FOUND', 'METHOD_NOT_ALLOWED']),
      category: `path variant ${i}`,
      method: 'POST',
      path: variants[i]!(route.path),
      headers: [...route.auth, JSON_TYPE],
      body: Buffer.from(JSON.stringify(route.base)),
      expectSuccess: false,
    }),
  );
}

const BAD_ESCAPES = ['%', '%Z', '%ZZ', '%E0%A4%A', '%FF', '%C0%80', '%ED%A0%80', '%F4%90%80%80', '%%', '%u0041'];

/** Percent-escapes that do not decode, in the path of a real route or in its query string. */
export function badEncodingCases(ctx: FuzzContext, maxBodyBytes: number): fc.Arbitrary<FuzzCase> {
  const routes = apiBodyRoutes(ctx, maxBodyBytes);
  return fc.tuple(fc.constantFrom(...routes), fc.constantFrom(...BAD_ESCAPES), fc.nat(), fc.boolean()).map(([route, junk, at, inQuery]) => {
    const i = 1 + (at % route.path.length);
    const path = inQuery ? `${route.path}?${junk}=${junk}` : `${route.path.slice(0, i)}${junk}${route.path.slice(i)}`;
    return makeCase({
      contract: widen(route.contract, 'bad percent-encoding', ['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'INVALID_REQUEST']),
      category: inQuery ? 'bad escape in query' : 'bad escape in path',
      method: 'POST',
      path,
      headers: [...route.auth, JSON_TYPE],
      body: Buffer.from(JSON.stringify(route.base)),
      expectSuccess: false,
    });
  });
}

/** Whatever reaches the server on the wire: any listed code but the two that mean "our fault". */
const WIRE_CONTRACT: EndpointContract = {
  name: 'malformed HTTP',
  codes: new Set((Object.keys(ERRORS) as ErrorCode[]).filter((c) => c !== 'SERVICE_ERROR' && c !== 'SERVICE_UNAVAILABLE')),
  success: [],
};

/**
 * Requests no HTTP client would send: junk methods and versions, control bytes in headers, bad framing, huge
 * headers. The HTTP parser refuses most of them before any route runs; the answer must still be the envelope.
 */
export function wireCases(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const key = ctx.keys.main;
  // Host comes first: Node keeps only the first 2000 headers, and a request that lost its Host is refused before routing.
  const request = ([line, ...head]: string[], body = '', eol = '\r\n') =>
    Buffer.concat([Buffer.from([line, 'Host: 127.0.0.1', 'Connection: close', ...head, '', ''].join(eol), 'latin1'), Buffer.from(body, 'latin1')]);
  const post = (extra: string[], body = '{"sessionId":"x"}', apiKey: string | null = key) =>
    request(['POST /session/status HTTP/1.1', ...(apiKey === null ? [] : [`x-api-key: ${apiKey}`]), 'Content-Type: application/json', ...extra], body);
  const withLength = (extra: string[], apiKey: string | null = key, body = '{"sessionId":"x"}') => post([`Content-Length: ${Buffer.byteLength(body, 'latin1')}`, ...extra], body, apiKey);
  const templates: Array<[string, fc.Arbitrary<Buffer>]> = [
    ['junk method', fc.constantFrom('FOO', 'get', 'G\u0000T', 'POST\t', '', 'PO ST', 'CONNECT').map((m) => request([`${m} /session/status HTTP/1.1`, `x-api-key: ${key}`, 'Content-Length: 0']))],
    ['junk version', fc.constantFrom('HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 x', 'HTTP/11', 'FTP/1.1', '').map((v) => request([`POST /session/status ${v}`, `x-api-key: ${key}`, 'Content-Length: 0']))],
    ['control byte in header value', fc.constantFrom('\u0000', '\u0001', '\u007f', '\u001b', '\r').map((c) => withLength([], `${key}${c}x`))],
    ['bad header name', fc.constantFrom('x api key', 'x-api-key ', ' x-api-key', '', 'x\u0000y', '(x)', '\u00e9t\u00e9', 'x:y').map((n) => withLength([`${n}: ${key}`], null))],
    ['obsolete line folding', fc.constant(withLength([`x-api-key: ${key}`, ' continued'], null))],
    ['bare LF line endings', fc.constant(request(['POST /session/status HTTP/1.1', `x-api-key: ${key}`, 'Content-Length: 2'], '{}', '\n'))],
    ['header overflow', fc.integer({ min: 17_000, max: 40_000 }).map((n) => withLength([`x-pad: ${'a'.repeat(n)}`]))],
    ['thousands of headers', fc.integer({ min: 500, max: 3_000 }).map((n) => withLength(Array.from({ length: n }, (_, i) => `x-h${i}: v`)))],
    ['length and chunked together', fc.constant(post(['Content-Length: 17', 'Transfer-Encoding: chunked'], '11\r\n{"sessionId":"x"}\r\n0\r\n\r\n'))],
    ['bad transfer-encoding', fc.constantFrom('gzip, chunked', 'chunked, identity', 'xchunked', 'chunked\u0000').map((te) => post([`Transfer-Encoding: ${te}`], '2\r\n{}\r\n0\r\n\r\n'))],
    ['bad chunk size', fc.constantFrom('zz', '-1', 'fffffffffffffffffff', '2;' + 'x'.repeat(20_000)).map((size) => post(['Transfer-Encoding: chunked'], `${size}\r\n{}\r\n0\r\n\r\n`))],
    ['bad content-length', fc.constantFrom('abc', '-1', '1, 2', '+2', '0x2', '2 2').map((cl) => post([`Content-Length: ${cl}`], '{}'))],
    ['two content-lengths', fc.constant(post(['Content-Length: 2', 'Content-Length: 3'], '{}'))],
    ['latin1 bytes in key', fc.constantFrom('\u00ff\u00fe', '\u00e9', '\u0080', `${key}\u00a0`).map((k) => withLength([], k))],
    ['absolute-form target', fc.constant(request(['POST http://127.0.0.1/session/status HTTP/1.1', `x-api-key: ${key}`, 'Content-Length: 17'], '{"sessionId":"x"}'))],
    ['asterisk target', fc.constant(request(['POST * HTTP/1.1', `x-api-key: ${key}`, 'Content-Length: 0']))],
    ['raw space in target', fc.constant(request(['POST /session/ status HTTP/1.1', `x-api-key: ${key}`, 'Content-Length: 0']))],
    ['raw UTF-8 in target', fc.constant(Buffer.concat([Buffer.from('POST /session/'), Buffer.from('stätus💥', 'utf8'), Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-api-key: ${key}\r\nContent-Length: 0\r\n\r\n`)]))],
  ];
  return fc.constantFrom(...templates.keys()).chain((i) => templates[i]![1].map((wire) => makeCase({ contract: WIRE_CONTRACT, category: templates[i]![0], method: '', path: '', headers: [], wire, expectSuccess: false })));
}
