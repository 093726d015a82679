import { HTTP_METHODS, type Mode, type Profile, type ProxySpec, type Sensibility } from '../../contract/types.js';
import type { CookieInput, EngineRequest, RequestBody } from '../../engines/engine.js';
import { BbreError } from '../../errors/bbre-error.js';
import { asBody, invalid, jsonDepthExceeds, MAX_JSON_DEPTH, optBoolean, optMaxCost, optMode, optSensibility, pick, requiredId, type Body } from './fields.js';
import { parseFingerprint } from './profile.schema.js';
import { parseProxy } from './proxy.schema.js';
import { SESSION_ID_HINT } from './session.schemas.js';

export interface RequestOptionsInput {
  request: EngineRequest;
  maxCost?: number;
}

export interface StatelessRequestInput extends RequestOptionsInput {
  mode: Mode;
  sensibility: Sensibility;
  proxy?: ProxySpec;
  fingerprint?: Profile;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_REDIRECTS_LIMIT = 50;

function parseUrl(body: Body): URL {
  const raw = body.url;
  if (raw === undefined || raw === null || raw === '') throw new BbreError('URL_REQUIRED', { details: { field: 'url' } });
  if (typeof raw !== 'string') throw invalid('url', 'url must be a string.', 'INVALID_URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url', 'url is not a valid absolute URL.', 'INVALID_URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('url', 'url must be http or https.', 'INVALID_URL');
  return url;
}

/** More query parameters than any real request carries: refused rather than built (each one costs a URL rewrite). */
const MAX_PARAMS = 1000;

function appendParams(url: URL, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('params', 'params must be an object.');
  // Built in one URLSearchParams and written back once: appending to url.searchParams re-serializes every time.
  const search = new URLSearchParams(url.search);
  let count = 0;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (item === undefined || item === null) continue;
      if (typeof item === 'object') throw invalid(`params.${k}`, 'params values must be scalars or arrays of scalars.');
      if (++count > MAX_PARAMS) throw invalid('params', `params may hold at most ${MAX_PARAMS} values.`);
      search.append(k, String(item));
    }
  }
  if (count > 0) url.search = search.toString();
}

function parseHeaders(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('headers', 'headers must be an object of strings.');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    const text = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
    if (!TOKEN.test(name) || typeof text !== 'string' || /[\r\n\0]/.test(text)) throw invalid(`headers.${name}`, 'header names must be tokens and values strings without line breaks.');
    out[name.toLowerCase()] = text;
  }
  return out;
}

function parseRequestBody(body: Body): RequestBody | undefined {
  const value = body.body;
  if (value === undefined || value === null) return undefined;
  if (body.bodyEncoding === 'base64') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s_-]*$/.test(value)) throw invalid('body', 'a base64 body must be a base64 string.');
    return { kind: 'binary', value: Buffer.from(value, 'base64') };
  }
  if (typeof value === 'string') return { kind: 'text', value };
  // Contract §1.5: an object (or an array) is sent as JSON, a string as is; a bare number or boolean is neither.
  if (typeof value !== 'object') throw invalid('body', 'body must be an object, an array or a string.');
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) throw invalid('body', `body may not nest deeper than ${MAX_JSON_DEPTH} levels.`);
  return { kind: 'json', value };
}

const SAME_SITE: Record<string, CookieInput['sameSite']> = { strict: 'Strict', lax: 'Lax', none: 'None' };

/** What a Cookie header can carry: no control characters and no `;` (browsers are looser than RFC 6265 otherwise). */
// eslint-disable-next-line no-control-regex
const COOKIE_VALUE = /^[^\u0000-\u001f\u007f;]*$/;

function parseCookies(value: unknown): CookieInput[] | undefined {
  if (value === undefined || value === null) return undefined;
  const bad = (field: string) => invalid(field, 'cookies must be an object of name → value or an array of {name, value, …}.');
  // A name that is not a token, or a value a cookie cannot carry, is the caller's error, not the target's.
  const checked = (field: string, c: CookieInput): CookieInput => {
    if (!TOKEN.test(c.name) || !COOKIE_VALUE.test(c.value)) throw invalid(field, 'cookie names must be tokens, and values free of control characters and semicolons.');
    return c;
  };
  if (Array.isArray(value)) {
    return value.map((c, i) => {
      if (!c || typeof c !== 'object' || typeof c.name !== 'string' || !c.name || typeof c.value !== 'string') throw bad(`cookies[${i}]`);
      const expires = c.expires === undefined || c.expires === null ? undefined : typeof c.expires === 'number' ? (c.expires < 1e11 ? c.expires * 1000 : c.expires) : Date.parse(String(c.expires));
      if (expires !== undefined && !Number.isFinite(expires)) throw bad(`cookies[${i}].expires`);
      const cookie: CookieInput = { name: c.name, value: c.value };
      if (typeof c.domain === 'string') cookie.domain = c.domain;
      if (typeof c.path === 'string') cookie.path = c.path;
      if (expires !== undefined) cookie.expires = expires;
      if (typeof c.httpOnly === 'boolean') cookie.httpOnly = c.httpOnly;
      if (typeof c.secure === 'boolean') cookie.secure = c.secure;
      if (typeof c.sameSite === 'string' && SAME_SITE[c.sameSite.toLowerCase()]) cookie.sameSite = SAME_SITE[c.sameSite.toLowerCase()];
      return checked(`cookies[${i}]`, cookie);
    });
  }
  if (typeof value !== 'object') throw bad('cookies');
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(`cookies.${name}`);
    return checked(`cookies.${name}`, { name, value: String(v) });
  });
}

function parseAuth(value: unknown): EngineRequest['auth'] {
  if (value === undefined || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof value !== 'object' || typeof o.username !== 'string' || typeof o.password !== 'string') throw invalid('auth', 'auth must be {username, password}.');
  return { username: o.username, password: o.password };
}

/** Contract §1.5, shared by /session/request and the stateless endpoints. */
export function parseRequestOptions(raw: unknown, defaults: { timeoutSecs: number; maxTimeoutSecs: number }): RequestOptionsInput & { body: Body } {
  const body = asBody(raw);
  const url = parseUrl(body);
  const methodRaw = body.method ?? 'GET';
  const method = typeof methodRaw === 'string' ? methodRaw.toUpperCase() : '';
  if (!(HTTP_METHODS as readonly string[]).includes(method)) throw invalid('method', 'method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS.', 'INVALID_METHOD');
  appendParams(url, pick(body, 'params', 'query'));
  const timeout = body.timeout ?? defaults.timeoutSecs;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > defaults.maxTimeoutSecs) {
    throw new BbreError('INVALID_TIMEOUT', { message: `timeout must be > 0 and ≤ ${defaults.maxTimeoutSecs} seconds.`, details: { field: 'timeout', max: defaults.maxTimeoutSecs } });
  }
  const maxRedirects = body.maxRedirects ?? 10;
  if (typeof maxRedirects !== 'number' || !Number.isInteger(maxRedirects) || maxRedirects < 0 || maxRedirects > MAX_REDIRECTS_LIMIT) throw invalid('maxRedirects', `maxRedirects must be an integer from 0 to ${MAX_REDIRECTS_LIMIT}.`);
  const request: EngineRequest = {
    url,
    method,
    headers: parseHeaders(body.headers),
    body: method === 'GET' || method === 'HEAD' ? undefined : parseRequestBody(body),
    cookies: parseCookies(body.cookies),
    timeoutMs: Math.round(timeout * 1000),
    followRedirects: optBoolean(body, 'followRedirects', 'allowRedirects') ?? true,
    maxRedirects,
    verifySSL: optBoolean(body, 'verifySSL', 'verify') ?? true,
    auth: parseAuth(body.auth),
  };
  return { request, maxCost: optMaxCost(body), body };
}

export function parseSessionRequest(raw: unknown, defaults: { timeoutSecs: number; maxTimeoutSecs: number }): RequestOptionsInput & { sessionId: string } {
  const body = asBody(raw);
  const sessionId = requiredId(body, ['sessionId'], 'SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND', SESSION_ID_HINT);
  const { request, maxCost } = parseRequestOptions(body, defaults);
  return { sessionId, request, maxCost };
}

export function parseStatelessRequest(raw: unknown, defaults: { timeoutSecs: number; maxTimeoutSecs: number }): StatelessRequestInput {
  const { request, maxCost, body } = parseRequestOptions(raw, defaults);
  return { request, maxCost, mode: optMode(body), sensibility: optSensibility(body), proxy: parseProxy(body.proxy), fingerprint: parseFingerprint(body.fingerprint) };
}

export function parseTaskId(raw: unknown): string {
  return requiredId(asBody(raw), ['taskId', 'id'], 'TASK_ID_REQUIRED', 'TASK_NOT_FOUND');
}
