import fc from 'fast-check';
import { HTTP_METHODS } from '../../src/contract/types.js';
import { ACTION_NAMES } from '../../src/engines/adaptive/actions/catalog.js';
import type { ErrorCode } from '../../src/errors/codes.js';
import { anyValue, edgeNumber, hugeString, JsonObject, nastyString, plausibleOrAny, scalar, wideJson } from './generators.js';

/** What the fuzz driver knows of the server under test: keys, a live session of each kind, a task, an admin token. */
export interface FuzzContext {
  url: string;
  adminToken: string;
  keys: { main: string; other: string; suspended: string; inactive: string; revoked: string };
  sessions: { passive: string; adaptive: string; closable: string; other: string };
  taskId: string;
  otherTaskId: string;
  /** An account the admin cases may suspend, credit, limit or close sessions of: nothing else uses it. */
  victim: { accountId: string; sessionId: string; keyPrefix: string };
  /** The local target site, and an address on 127.0.0.1 where nothing listens. */
  target: { url: string; closedUrl: string };
}

/** What the contract promises one endpoint may answer (contract §2, §3, §5, §9.2). */
export interface EndpointContract {
  /** Label in the run's figures, e.g. `POST /session/create`. */
  name: string;
  /** Error codes the contract lists for this endpoint, common errors included. */
  codes: ReadonlySet<ErrorCode>;
  /** Payload keys of a success envelope. */
  success: readonly string[];
}

/** Contract §1.3 "common errors", without the two that only shutdown (503) or a bug (500) can cause. */
const COMMON: ErrorCode[] = ['API_KEY_REQUIRED', 'INVALID_API_KEY', 'ACCOUNT_SUSPENDED', 'ACCOUNT_INACTIVE', 'INVALID_REQUEST', 'PAYLOAD_TOO_LARGE', 'RATE_LIMIT_EXCEEDED'];
const ADMIN_COMMON: ErrorCode[] = ['ADMIN_TOKEN_REQUIRED', 'INVALID_ADMIN_TOKEN', 'INVALID_REQUEST', 'PAYLOAD_TOO_LARGE'];
const REQUEST_ERRORS: ErrorCode[] = ['URL_REQUIRED', 'INVALID_URL', 'INVALID_METHOD', 'INVALID_TIMEOUT', 'TARGET_NOT_ALLOWED', 'INSUFFICIENT_BALANCE', 'PRICE_ABOVE_MAX_COST'];
const SESSION_ENDED: ErrorCode[] = ['SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND', 'SESSION_EXPIRED', 'SESSION_CLOSED'];

function contract(name: string, codes: ErrorCode[], success: string[], common: ErrorCode[] = COMMON): EndpointContract {
  return { name, codes: new Set([...common, ...codes]), success };
}

export const CONTRACTS = {
  sessionCreate: contract('POST /session/create', ['INVALID_MODE', 'INVALID_SENSIBILITY', 'INVALID_TIMEOUT', 'SESSION_LIMIT_REACHED', 'INSUFFICIENT_BALANCE', 'PRICE_ABOVE_MAX_COST', 'SERVICE_UNAVAILABLE'], ['session']),
  sessionRequest: contract('POST /session/request', [...SESSION_ENDED, ...REQUEST_ERRORS, 'TARGET_UNREACHABLE', 'REQUEST_TIMEOUT', 'SERVICE_UNAVAILABLE'], ['data', 'session']),
  sessionStatus: contract('POST /session/status', ['SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND'], ['session']),
  sessionClose: contract('POST /session/close', SESSION_ENDED, ['session']),
  browserAction: contract(
    'POST /browser/action',
    [...SESSION_ENDED, 'ADAPTIVE_MODE_REQUIRED', 'ACTION_REQUIRED', 'INVALID_ACTION', 'INVALID_TIMEOUT', 'ELEMENT_NOT_FOUND', 'BROWSER_ACTION_FAILED', 'BROWSER_TIMEOUT', 'TARGET_NOT_ALLOWED', 'TARGET_UNREACHABLE', 'INSUFFICIENT_BALANCE', 'PRICE_ABOVE_MAX_COST'],
    ['data'],
  ),
  requestCreate: contract('POST /request/create', [...REQUEST_ERRORS, 'INVALID_MODE', 'INVALID_SENSIBILITY', 'SERVICE_UNAVAILABLE'], ['data', 'taskId']),
  requestResult: contract('POST /request/result', ['TASK_ID_REQUIRED', 'TASK_NOT_FOUND'], ['data']),
  requestExecute: contract('POST /request/execute', [...REQUEST_ERRORS, 'INVALID_MODE', 'INVALID_SENSIBILITY', 'SERVICE_UNAVAILABLE', 'TARGET_UNREACHABLE', 'REQUEST_TIMEOUT'], ['data']),
  requestSync: contract('POST /request/sync', [...REQUEST_ERRORS, 'INVALID_MODE', 'INVALID_SENSIBILITY', 'SERVICE_UNAVAILABLE', 'TARGET_UNREACHABLE', 'REQUEST_TIMEOUT'], ['data']),
  balanceGet: contract('GET /account/balance', [], ['balance']),
  balancePost: contract('POST /account/balance', [], ['balance']),
  infoGet: contract('GET /account/info', [], ['account', 'statistics']),
  infoPost: contract('POST /account/info', [], ['account', 'statistics']),
  accountSessions: contract('POST /account/sessions', [], ['sessions', 'pagination']),
  accountHistory: contract('POST /account/history', [], ['history', 'pagination']),
  adminList: contract('GET /admin/accounts', [], ['accounts', 'pagination'], ADMIN_COMMON),
  adminCreate: contract('POST /admin/accounts', [], ['account', 'apiKey'], ADMIN_COMMON),
  adminGet: contract('GET /admin/accounts/:id', ['ACCOUNT_NOT_FOUND'], ['account'], ADMIN_COMMON),
  adminPatch: contract('PATCH /admin/accounts/:id', ['ACCOUNT_NOT_FOUND'], ['account'], ADMIN_COMMON),
  adminCredit: contract('POST /admin/accounts/:id/credit', ['ACCOUNT_NOT_FOUND'], ['account', 'entry'], ADMIN_COMMON),
  adminLedger: contract('GET /admin/accounts/:id/ledger', ['ACCOUNT_NOT_FOUND'], ['entries', 'pagination'], ADMIN_COMMON),
  adminKeys: contract('POST /admin/accounts/:id/keys', ['ACCOUNT_NOT_FOUND'], ['key', 'apiKey'], ADMIN_COMMON),
  adminRevoke: contract('DELETE /admin/keys/:prefix', ['KEY_NOT_FOUND'], ['key'], ADMIN_COMMON),
  adminSessionClose: contract('POST /admin/sessions/:id/close', ['SESSION_NOT_FOUND', 'SESSION_CLOSED', 'SESSION_EXPIRED'], ['session'], ADMIN_COMMON),
  unknownPath: contract('unknown path', ['NOT_FOUND', 'METHOD_NOT_ALLOWED'], [], []),
  wrongMethod: contract('wrong method', ['METHOD_NOT_ALLOWED', 'NOT_FOUND'], [], []),
} satisfies Record<string, EndpointContract>;

// ---- plausible values for the documented fields (contract §1.5, §1.6, §3) ----

/** Target URLs stay on 127.0.0.1 (the target site or a closed port) or do not parse as http(s) at all. */
export function targetUrlArb(ctx: FuzzContext): fc.Arbitrary<unknown> {
  const { url: t, closedUrl: closed } = ctx.target;
  const port = new URL(t).port;
  const closedPort = new URL(closed).port;
  const good = fc.constantFrom(
    `${t}/echo`, `${t}/status/404`, `${t}/status/500`, `${t}/chain/1`, `${t}/gzip`, `${t}/binary`, `${t}/latin1`, `${t}/empty/204`, `${t}/set-cookie`,
    `${t}/nope`, `${closed}/x`, `http://localhost:${port}/echo`, `http://[::1]:${closedPort}/`, `http://0.0.0.0:${closedPort}/`, `https://127.0.0.1:${port}/echo`,
    `HTTP://127.0.0.1:${port}/ECHO`, `http://user:pass@127.0.0.1:${port}/echo`, `http://0x7f.1:${closedPort}/`, `${t}/echo?x=1`, `${t}/set-cookie?name=a&value=b`, `${closed}/?q=1#f`,
  );
  const decorated = fc.tuple(good, nastyString, nastyString).map(([base, path, query]) => `${base}${path}?q=${query}#${path}`);
  const invalid = fc.constantFrom(
    '', ' ', 'example.com', '//127.0.0.1/', 'ftp://127.0.0.1/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/plain,hi', 'http://', 'http://[::1',
    'http:// 127.0.0.1', 'http://127.0.0.1:99999/', 'http://127.0.0.1:-1/', 'ws://127.0.0.1/', 'mailto:a@b', 'about:blank', '\u0000http://127.0.0.1', 'http://%00/',
    'http://\uD800/', 'https://[fe80::1%25eth0]/', 'http://a b/',
  );
  return fc.oneof({ weight: 4, arbitrary: good }, { weight: 2, arbitrary: decorated }, { weight: 2, arbitrary: invalid }, { weight: 2, arbitrary: anyValue });
}

const methodArb = fc.oneof(fc.constantFrom(...HTTP_METHODS), fc.constantFrom('get', 'Post', 'CONNECT', 'TRACE', 'PROPFIND', '', 'G E T', 'GET\u0000'), nastyString);

/** Header names include hop-by-hop and framing headers an HTTP client refuses to send as given. */
const headerName = fc.oneof(
  fc.constantFrom('accept', 'user-agent', 'content-type', 'cookie', 'host', 'authorization', 'content-length', 'transfer-encoding', 'connection', 'te', 'upgrade', 'expect', 'keep-alive', 'proxy-authorization', 'x-a'),
  fc.string({ minLength: 1, maxLength: 10 }),
  nastyString,
);
const headersArb = fc.dictionary(headerName, plausibleOrAny(fc.oneof(nastyString, fc.constantFrom('100-continue', 'chunked', 'close', 'upgrade', '0', '99999', 'websocket'))), { maxKeys: 4 });

const cookieObject = fc.record(
  {
    name: plausibleOrAny(nastyString),
    value: plausibleOrAny(nastyString),
    domain: plausibleOrAny(fc.constantFrom('127.0.0.1', 'localhost', '.127.0.0.1', '')),
    path: plausibleOrAny(fc.constantFrom('/', '', '/echo')),
    expires: plausibleOrAny(fc.oneof(edgeNumber, fc.constantFrom('2030-01-01', 'yesterday'))),
    httpOnly: anyValue,
    secure: anyValue,
    sameSite: plausibleOrAny(fc.constantFrom('Strict', 'lax', 'NONE', 'x')),
  },
  { requiredKeys: [] },
);
const cookiesArb = fc.oneof(fc.dictionary(nastyString, plausibleOrAny(fc.oneof(nastyString, edgeNumber)), { maxKeys: 4 }), fc.array(plausibleOrAny(cookieObject), { maxLength: 4 }));

const paramsArb = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(nastyString, plausibleOrAny(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }))), { maxKeys: 4 }) },
  // Thousands of parameters, as many keys or as one repeated key.
  { weight: 1, arbitrary: fc.oneof(wideJson, fc.tuple(nastyString, wideJson).map(([k, v]) => new JsonObject([[k, v]]))) },
);
const timeoutArb = fc.oneof(fc.constantFrom(0, -1, 0.001, 1, 5, 30, 120, 120.0001, 121, 59, 60, 3600, 3601, 1e9), edgeNumber);
const booleanish = fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 0, 1, null));
const maxCostArb = fc.oneof(fc.constantFrom(0, 0.0001, 0.001, 0.002, 0.005, 1, -1, 1e308, 1e-9), edgeNumber);

function proxyArb(ctx: FuzzContext): fc.Arbitrary<unknown> {
  const closedPort = new URL(ctx.target.closedUrl).port;
  const targetPort = new URL(ctx.target.url).port;
  const strings = fc.constantFrom(
    `http://127.0.0.1:${closedPort}`, `socks5://user:pass@127.0.0.1:${closedPort}`, `https://127.0.0.1:${targetPort}`, `http://127.0.0.1:${targetPort}`,
    'ftp://127.0.0.1:21', 'http://', '127.0.0.1:8080', 'socks4://127.0.0.1:1', 'http://u:%ZZ@127.0.0.1:1', 'http://[::1]:0',
  );
  const object = fc.record(
    {
      protocol: plausibleOrAny(fc.constantFrom('http', 'https', 'socks5', 'HTTP:', 'socks4', '')),
      // Any non-empty string is a host to resolve, so strings stay on loopback; other types are fair game.
      host: fc.oneof(fc.constantFrom('127.0.0.1', 'localhost', '::1', ''), anyValue.filter((v) => typeof v !== 'string')),
      port: plausibleOrAny(fc.constantFrom(Number(closedPort), Number(targetPort), 0, 65536, '8080', -1)),
      username: anyValue,
      password: anyValue,
    },
    { requiredKeys: [] },
  );
  return fc.oneof(strings, object, anyValue);
}

const fingerprintArb = fc.record(
  {
    userAgent: plausibleOrAny(fc.oneof(nastyString, hugeString)),
    platform: plausibleOrAny(fc.constantFrom('Win32', 'MacIntel', 'Linux x86_64', '')),
    language: plausibleOrAny(fc.constantFrom('en-US', 'fr', 'zz-ZZ', '')),
    languages: plausibleOrAny(fc.array(nastyString, { maxLength: 25 })),
    timezone: plausibleOrAny(fc.constantFrom('America/New_York', 'UTC', 'Mars/Olympus', '+05:00', '')),
    screen: plausibleOrAny(fc.record({ width: plausibleOrAny(edgeNumber), height: plausibleOrAny(edgeNumber) }, { requiredKeys: [] })),
    viewport: plausibleOrAny(fc.record({ width: plausibleOrAny(edgeNumber), height: plausibleOrAny(edgeNumber) }, { requiredKeys: [] })),
    deviceMemory: plausibleOrAny(edgeNumber),
    hardwareConcurrency: plausibleOrAny(edgeNumber),
    webgl: plausibleOrAny(fc.record({ vendor: anyValue, renderer: anyValue }, { requiredKeys: [] })),
    headers: plausibleOrAny(headersArb),
  },
  { requiredKeys: [] },
);

/**
 * Session ids: live ones, near-misses of them, foreign ones, and anything at all. `closing` leaves out the
 * sessions the other cases need alive (a close would end them for the rest of the run).
 */
export function sessionIdArb(ctx: FuzzContext, closing = false): fc.Arbitrary<unknown> {
  const { passive, adaptive, closable, other } = ctx.sessions;
  const live = closing ? [closable, other, ctx.victim.sessionId] : [passive, adaptive, closable, other, ctx.victim.sessionId];
  const near = closing ? closable : passive;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...live) },
    { weight: 1, arbitrary: fc.constantFrom(`${near} `, ` ${near}`, near.toUpperCase(), `${near}\u0000`, near.slice(0, -1), `${near}x`, 'session_', ctx.taskId) },
    { weight: 2, arbitrary: anyValue },
  );
}

const actionNameArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ACTION_NAMES) }, { weight: 1, arbitrary: fc.constantFrom('GetUrl', 'exec', '__proto__', 'constructor', 'toString', '') }, { weight: 1, arbitrary: anyValue });

function stepParams(ctx: FuzzContext) {
  return {
    selector: plausibleOrAny(fc.oneof(fc.constantFrom('#go', 'body', '#missing', 'xpath=//a', 'xpath=', '::-p-text(x)', '>>>', 'a[href=', ''), nastyString)),
    url: targetUrlArb(ctx),
    value: plausibleOrAny(fc.oneof(nastyString, fc.array(nastyString, { maxLength: 3 }))),
    text: plausibleOrAny(fc.oneof(nastyString, hugeString)),
    key: plausibleOrAny(fc.constantFrom('Enter', 'Tab', 'Control+A', 'NotAKey', '')),
    ms: plausibleOrAny(fc.constantFrom(0, 1, 100, 60_000, 60_001, -1)),
    script: plausibleOrAny(fc.constantFrom('1+1', '() => document.title', 'throw new Error("x")', '(a, b) => a + b', 'while(true){}', '')),
    args: anyValue,
    state: plausibleOrAny(fc.constantFrom('visible', 'attached', 'hidden', 'detached')),
    waitUntil: plausibleOrAny(fc.constantFrom('load', 'domcontentloaded', 'networkidle', 'commit')),
    button: plausibleOrAny(fc.constantFrom('left', 'right', 'middle', 'back')),
    clickCount: plausibleOrAny(fc.constantFrom(0, 1, 3, 4)),
    x: anyValue,
    y: anyValue,
    direction: plausibleOrAny(fc.constantFrom('up', 'down', 'left')),
    amount: anyValue,
    fullPage: booleanish,
    format: plausibleOrAny(fc.constantFrom('png', 'jpeg', 'webp', 'A4', 'Letter')),
    quality: anyValue,
    landscape: booleanish,
    printBackground: booleanish,
    name: plausibleOrAny(nastyString),
    urls: anyValue,
    cookies: cookiesArb,
    delay: anyValue,
  };
}

export function browserStepArb(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({ type: actionNameArb, ...stepParams(ctx) }, { requiredKeys: ['type'] });
}

/** The documented fields of an endpoint's body, each with plausible values (sometimes wrong ones). */
export function requestFields(ctx: FuzzContext, stateless: boolean): Record<string, fc.Arbitrary<unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    url: targetUrlArb(ctx),
    method: plausibleOrAny(methodArb),
    headers: plausibleOrAny(headersArb),
    body: anyValue,
    bodyEncoding: plausibleOrAny(fc.constantFrom('utf8', 'base64', 'hex')),
    params: plausibleOrAny(paramsArb),
    query: plausibleOrAny(paramsArb),
    cookies: plausibleOrAny(cookiesArb),
    timeout: plausibleOrAny(timeoutArb),
    followRedirects: booleanish,
    allowRedirects: booleanish,
    maxRedirects: plausibleOrAny(fc.constantFrom(0, 1, 10, 50, 51, -1, 1.5)),
    verifySSL: booleanish,
    verify: booleanish,
    auth: plausibleOrAny(fc.record({ username: plausibleOrAny(nastyString), password: plausibleOrAny(nastyString) }, { requiredKeys: [] })),
    maxCost: plausibleOrAny(maxCostArb),
  };
  if (stateless) Object.assign(fields, statelessExtras(ctx));
  else fields.sessionId = sessionIdArb(ctx);
  return fields;
}

function statelessExtras(ctx: FuzzContext): Record<string, fc.Arbitrary<unknown>> {
  return {
    mode: plausibleOrAny(fc.constantFrom('passive', 'adaptive', 'PASSIVE', 'Adaptive', 'hybrid', '')),
    sensibility: plausibleOrAny(fc.constantFrom('low', 'medium', 'high', 'HIGH', 'extreme', '')),
    proxy: proxyArb(ctx),
    fingerprint: plausibleOrAny(fingerprintArb),
  };
}

export function sessionCreateFields(ctx: FuzzContext): Record<string, fc.Arbitrary<unknown>> {
  const { proxy, fingerprint, mode, sensibility } = statelessExtras(ctx);
  return { mode: mode!, sensibility: sensibility!, proxy: proxy!, fingerprint: fingerprint!, timeout: plausibleOrAny(timeoutArb), maxCost: plausibleOrAny(maxCostArb) };
}

export function browserActionFields(ctx: FuzzContext): Record<string, fc.Arbitrary<unknown>> {
  return {
    sessionId: sessionIdArb(ctx),
    action: fc.oneof(actionNameArb, browserStepArb(ctx)),
    actions: plausibleOrAny(fc.array(browserStepArb(ctx), { maxLength: 55 })),
    timeout: plausibleOrAny(timeoutArb),
    speed: plausibleOrAny(fc.constantFrom('instant', 'fast', 'normal', 'slow', 'human', 'warp')),
    maxCost: plausibleOrAny(maxCostArb),
    ...stepParams(ctx),
  };
}

const pagingFields = {
  limit: plausibleOrAny(fc.constantFrom(0, 1, 5, 20, 100, 101, -1, 1.5, 1e20, 2 ** 63, '5')),
  offset: plausibleOrAny(fc.constantFrom(0, 1, 5, -1, 0.5, 2 ** 31, 2 ** 53, 1e20, 2 ** 63, '0')),
};
const dateArb = plausibleOrAny(fc.oneof(edgeNumber, fc.constantFrom('2026-11-27', '2026-11-27T12:00:00Z', '0', '-1', 'yesterday', '99999999999999999999', '2026-13-45', ' ')));

export const accountSessionsFields = { status: plausibleOrAny(fc.constantFrom('active', 'expired', 'closed', 'ACTIVE', 'processing')), ...pagingFields };
export const accountHistoryFields = {
  status: plausibleOrAny(fc.constantFrom('processing', 'completed', 'failed', 'timeout', 'active')),
  type: plausibleOrAny(fc.constantFrom('request', 'session_request', 'browser_action', 'session_create', 'batch')),
  startDate: dateArb,
  endDate: dateArb,
  ...pagingFields,
};

export const adminAccountFields = {
  name: plausibleOrAny(fc.oneof(nastyString, fc.constantFrom('fuzz-account'))),
  username: plausibleOrAny(nastyString),
  email: plausibleOrAny(fc.oneof(nastyString, fc.constantFrom('a@example.test'))),
  balance: plausibleOrAny(fc.oneof(edgeNumber, fc.constantFrom(0, 1, 1e9, 1e9 + 1))),
};
export const adminPatchFields = {
  status: plausibleOrAny(fc.constantFrom('active', 'suspended', 'inactive', 'deleted')),
  maxSessions: plausibleOrAny(fc.constantFrom(1, 10, 0, 1_000_000, 1_000_001, null)),
  rateLimitRps: plausibleOrAny(fc.constantFrom(1, 50, 0, 1_000_000, null)),
  rateLimitBurst: plausibleOrAny(fc.constantFrom(1, 100, 0, 1_000_000, null)),
};
export const adminCreditFields = {
  amount: plausibleOrAny(fc.oneof(edgeNumber, fc.constantFrom(1, -1, 0, 0.000001, 0.0000001, 1e9, -1e9, 1e9 + 1))),
  note: plausibleOrAny(nastyString),
};
