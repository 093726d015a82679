import fc from 'fast-check';
import {
  accountHistoryFields,
  accountSessionsFields,
  browserActionFields,
  CONTRACTS,
  requestFields,
  sessionCreateFields,
  sessionIdArb,
  type EndpointContract,
  type FuzzContext,
} from './endpoints.js';
import { bodyRouteCases, bodyVariants, JSON_TYPE, makeCase, type BodyRoute, type FuzzCase } from './fuzz-case.js';
import { anyValue, asHeaderValue, encodePathSegment, nastyString } from './generators.js';

/** Documented fields whose values are objects or arrays (contract §1.5, §1.6, §3.5). */
const CONTAINER_FIELDS = new Set(['body', 'headers', 'params', 'query', 'cookies', 'auth', 'proxy', 'fingerprint', 'action', 'actions', 'args', 'urls']);

/** The API routes of contract §2 whose body is JSON, each around a valid call. */
export function apiBodyRoutes(ctx: FuzzContext, maxBodyBytes: number): BodyRoute[] {
  const auth: Array<[string, string]> = [['x-api-key', ctx.keys.main]];
  const echo = `${ctx.target.url}/echo`;
  const route = (contract: EndpointContract, path: string, base: Record<string, unknown>, fields: Record<string, fc.Arbitrary<unknown>>, deterministic = true): BodyRoute => ({
    contract,
    method: 'POST',
    path,
    base,
    fields,
    deterministic,
    deepFields: Object.keys(fields).filter((f) => CONTAINER_FIELDS.has(f)),
    auth,
    maxBodyBytes,
  });
  return [
    route(CONTRACTS.sessionCreate, '/session/create', { mode: 'passive', sensibility: 'low', timeout: 60 }, sessionCreateFields(ctx)),
    // POST, so the request's own `body` is sent, not dropped as it is for GET.
    route(CONTRACTS.sessionRequest, '/session/request', { sessionId: ctx.sessions.passive, url: echo, method: 'POST' }, requestFields(ctx, false)),
    route(CONTRACTS.sessionStatus, '/session/status', { sessionId: ctx.sessions.passive }, { sessionId: sessionIdArb(ctx) }),
    // The first successful close ends the session; later ones answer SESSION_CLOSED, so no success is promised.
    route(CONTRACTS.sessionClose, '/session/close', { sessionId: ctx.sessions.closable }, { sessionId: sessionIdArb(ctx, true) }, false),
    route(CONTRACTS.browserAction, '/browser/action', { sessionId: ctx.sessions.adaptive, action: 'getUrl' }, browserActionFields(ctx)),
    route(CONTRACTS.requestCreate, '/request/create', { url: echo, method: 'POST' }, requestFields(ctx, true)),
    route(CONTRACTS.requestResult, '/request/result', { taskId: ctx.taskId }, { taskId: taskIdArb(ctx), id: taskIdArb(ctx) }),
    route(CONTRACTS.requestExecute, '/request/execute', { url: echo, method: 'POST' }, requestFields(ctx, true)),
    route(CONTRACTS.requestSync, '/request/sync', { url: echo, method: 'POST' }, requestFields(ctx, true)),
    route(CONTRACTS.balancePost, '/account/balance', {}, {}),
    route(CONTRACTS.infoPost, '/account/info', {}, {}),
    route(CONTRACTS.accountSessions, '/account/sessions', { limit: 5 }, accountSessionsFields),
    route(CONTRACTS.accountHistory, '/account/history', { limit: 5 }, accountHistoryFields),
  ];
}

function taskIdArb(ctx: FuzzContext): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constantFrom(ctx.taskId, ctx.otherTaskId, ctx.sessions.passive, 'task_', `${ctx.taskId}x`), anyValue);
}

/** API-key headers of every kind: missing, empty, foreign, revoked, suspended, huge, non-ASCII, doubled, misplaced. */
export function keyHeaderArb(ctx: FuzzContext): fc.Arbitrary<{ label: string; headers: Array<[string, string]> }> {
  const { main, other, suspended, inactive, revoked } = ctx.keys;
  const wrong = fc.stringMatching(/^bbre_[A-Za-z0-9]{36}$/);
  const pairs = (label: string, ...headers: Array<[string, string]>) => ({ label, headers });
  return fc.oneof(
    fc.constantFrom(
      pairs('no key'),
      pairs('empty x-api-key', ['x-api-key', '']),
      pairs('empty apikey', ['apikey', '']),
      pairs('apikey header', ['apikey', main]),
      pairs('upper-case header name', ['X-API-KEY', main]),
      pairs('padded key', ['x-api-key', `  ${main}\t`]),
      pairs('x-api-key wins', ['x-api-key', main], ['apikey', 'bbre_wrong']),
      pairs('x-api-key wins (wrong)', ['x-api-key', 'bbre_wrong'], ['apikey', main]),
      pairs('doubled x-api-key', ['x-api-key', main], ['x-api-key', main]),
      pairs('key as bearer token', ['authorization', `Bearer ${main}`]),
      pairs('key of another account', ['x-api-key', other]),
      pairs('suspended account', ['x-api-key', suspended]),
      pairs('inactive account', ['x-api-key', inactive]),
      pairs('revoked key', ['x-api-key', revoked]),
      pairs('key prefix only', ['x-api-key', main.slice(0, 12)]),
      pairs('key plus one char', ['x-api-key', `${main}x`]),
      pairs('admin token as key', ['x-api-key', ctx.adminToken]),
    ),
    wrong.map((k) => pairs('unknown key', ['x-api-key', k])),
    fc.integer({ min: 100, max: 8_000 }).map((n) => pairs('very long key', ['x-api-key', `bbre_${'a'.repeat(n)}`])),
    nastyString.map((s) => pairs('non-ASCII key', ['x-api-key', asHeaderValue(s)])),
    nastyString.map((s) => pairs('non-ASCII apikey', ['apikey', asHeaderValue(s)])),
  );
}

/** Valid bodies sent with every kind of bad key. */
export function keyCases(ctx: FuzzContext, routes: BodyRoute[]): fc.Arbitrary<FuzzCase> {
  return fc.tuple(fc.constantFrom(...routes), keyHeaderArb(ctx)).map(([route, key]) =>
    makeCase({ contract: route.contract, category: `api key: ${key.label}`, method: 'POST', path: route.path, headers: [...key.headers, JSON_TYPE], body: Buffer.from(JSON.stringify(route.base)), expectSuccess: false }),
  );
}

const queryJunk = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?', '?a', '?a=1&a=2', '?apikey=x', '?limit=-1', '?__proto__[x]=1', '?%ZZ=1', '?a=%ZZ', '?a=%00'),
  fc.tuple(nastyString, nastyString).map(([k, v]) => `?${encodePathSegment(k)}=${encodePathSegment(v)}`),
);

/** GET /account/balance and /account/info: no body is read; keys, query strings and stray bodies vary. */
export function getRouteCases(ctx: FuzzContext, maxBodyBytes: number): fc.Arbitrary<FuzzCase> {
  const routes = [
    { contract: CONTRACTS.balanceGet, path: '/account/balance' },
    { contract: CONTRACTS.infoGet, path: '/account/info' },
  ];
  return fc.tuple(fc.constantFrom(...routes), fc.nat({ max: 9 }), keyHeaderArb(ctx), queryJunk).chain(([route, pick, key, query]) => {
    if (pick < 3) {
      return fc.constant(makeCase({ contract: route.contract, category: `api key: ${key.label}`, method: 'GET', path: route.path, headers: key.headers, expectSuccess: false }));
    }
    if (pick < 6) {
      // Contract §2: GET needs no body and takes no parameters, so a query string changes nothing.
      return fc.constant(makeCase({ contract: route.contract, category: 'query string', method: 'GET', path: `${route.path}${query}`, headers: [['x-api-key', ctx.keys.main]], expectSuccess: true }));
    }
    const asPost: BodyRoute = { contract: route.contract, method: 'GET', path: route.path, base: {}, fields: {}, deterministic: false, auth: [['x-api-key', ctx.keys.main]], maxBodyBytes };
    return bodyVariants(asPost).map((v) =>
      makeCase({ contract: route.contract, category: `body on GET: ${v.category}`, method: 'GET', path: route.path, headers: [['x-api-key', ctx.keys.main], JSON_TYPE], body: v.body, expectSuccess: false }),
    );
  });
}

/** One arbitrary per API endpoint label, so the run's figures cover each of them. */
export function apiCaseArbs(ctx: FuzzContext, maxBodyBytes: number): Array<fc.Arbitrary<FuzzCase>> {
  const routes = apiBodyRoutes(ctx, maxBodyBytes);
  const perRoute = routes.map((route) => fc.oneof({ weight: 5, arbitrary: bodyRouteCases(route) }, { weight: 1, arbitrary: keyCases(ctx, [route]) }));
  return [...perRoute, getRouteCases(ctx, maxBodyBytes)];
}
