import fc from 'fast-check';
import { adminAccountFields, adminCreditFields, adminPatchFields, CONTRACTS, type EndpointContract, type FuzzContext } from './endpoints.js';
import { bodyVariants, JSON_TYPE, makeCase, type BodyVariant, type FuzzCase } from './fuzz-case.js';
import { asHeaderValue, encodePathSegment, nastyString } from './generators.js';

/** `Authorization` headers for the admin API (contract §9.2): valid spellings and every kind of wrong one. */
function tokenArb(token: string): fc.Arbitrary<{ valid: boolean; label: string; headers: Array<[string, string]> }> {
  const t = (valid: boolean, label: string, value?: string) => ({ valid, label, headers: value === undefined ? [] : [['authorization', value] as [string, string]] });
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(t(true, 'token', `Bearer ${token}`), t(true, 'lower-case scheme', `bearer ${token}`), t(true, 'padded token', `Bearer   ${token}  `)) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.constantFrom(
          t(false, 'no token'),
          t(false, 'empty header', ''),
          t(false, 'scheme only', 'Bearer'),
          t(false, 'scheme and space', 'Bearer '),
          t(false, 'basic scheme', `Basic ${token}`),
          t(false, 'token without scheme', token),
          t(false, 'token plus one char', `Bearer ${token}x`),
          t(false, 'token minus one char', `Bearer ${token.slice(0, -1)}`),
          t(false, 'token upper-cased', `Bearer ${token.toUpperCase()}`),
        ),
        nastyString.map((s) => t(false, 'non-ASCII token', `Bearer ${asHeaderValue(s)}`)),
        fc.integer({ min: 100, max: 8_000 }).map((n) => t(false, 'very long token', `Bearer ${'t'.repeat(n)}`)),
      ),
    },
  );
}

/** Path ids: the victim account or session, unknown ids, traversal, encoded unicode, very long ones. */
function idArb(valid: string): fc.Arbitrary<{ valid: boolean; segment: string }> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ valid: true, segment: valid }) },
    { weight: 1, arbitrary: fc.constantFrom('acc_missing', 'acc_', 'session_missing', '0', '%2e%2e', '..%2F..', '%00', `${valid}%20`, encodePathSegment(`${valid}\u0000`)).map((segment) => ({ valid: false, segment })) },
    { weight: 2, arbitrary: nastyString.filter((s) => s !== '').map((s) => ({ valid: false, segment: encodePathSegment(s) })) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 6_000 }).map((n) => ({ valid: false, segment: 'a'.repeat(n) })) },
  );
}

const pagingQuery = fc.oneof(
  fc.constant(''),
  fc
    .tuple(fc.constantFrom('limit', 'offset'), fc.constantFrom('', '-1', '0', '1', '100', '101', '1e3', 'abc', '99999999999999999999', '9223372036854775808', '\uff11', '%00', '%20 5', '5%20', '0x10', '1.5'))
    .map(([k, v]) => `?${k}=${encodePathSegment(v).replace(/%25/g, '%')}`),
  fc.constantFrom('?limit=1&limit=2', '?offset=1&offset=x', '?limit[]=1', '?%ZZ', '?limit=%ZZ'),
);

interface AdminRoute {
  contract: EndpointContract;
  method: string;
  path: (id: string) => string;
  id?: string;
  body?: { base: Record<string, unknown>; fields: Record<string, fc.Arbitrary<unknown>>; deterministic: boolean };
  query?: boolean;
  /** Success is promised for a valid token and id (with a body: its base plus unknown fields). */
  deterministic: boolean;
}

/** Contract §9.2, each route with and without a valid token, with bad ids, bad bodies and bad paging. */
export function adminCaseArbs(ctx: FuzzContext, maxBodyBytes: number): Array<fc.Arbitrary<FuzzCase>> {
  const victim = ctx.victim.accountId;
  const routes: AdminRoute[] = [
    { contract: CONTRACTS.adminList, method: 'GET', path: () => '/admin/accounts', query: true, deterministic: true },
    { contract: CONTRACTS.adminCreate, method: 'POST', path: () => '/admin/accounts', body: { base: { name: 'fuzz-account', email: 'fuzz@example.test', balance: 1 }, fields: adminAccountFields, deterministic: true }, deterministic: true },
    { contract: CONTRACTS.adminGet, method: 'GET', path: (id) => `/admin/accounts/${id}`, id: victim, deterministic: true },
    { contract: CONTRACTS.adminPatch, method: 'PATCH', path: (id) => `/admin/accounts/${id}`, id: victim, body: { base: {}, fields: adminPatchFields, deterministic: true }, deterministic: true },
    { contract: CONTRACTS.adminCredit, method: 'POST', path: (id) => `/admin/accounts/${id}/credit`, id: victim, body: { base: { amount: 1 }, fields: adminCreditFields, deterministic: true }, deterministic: true },
    { contract: CONTRACTS.adminLedger, method: 'GET', path: (id) => `/admin/accounts/${id}/ledger`, id: victim, query: true, deterministic: true },
    { contract: CONTRACTS.adminKeys, method: 'POST', path: (id) => `/admin/accounts/${id}/keys`, id: victim, deterministic: true },
    // Revoking is idempotent, so the victim's spare key answers 200 every time.
    { contract: CONTRACTS.adminRevoke, method: 'DELETE', path: (id) => `/admin/keys/${id}`, id: ctx.victim.keyPrefix, deterministic: true },
    // The victim session closes once; after that SESSION_CLOSED, so no success is promised.
    { contract: CONTRACTS.adminSessionClose, method: 'POST', path: (id) => `/admin/sessions/${id}/close`, id: ctx.victim.sessionId, deterministic: false },
  ];
  return routes.map((route) => adminRouteCases(ctx, route, maxBodyBytes));
}

function adminRouteCases(ctx: FuzzContext, route: AdminRoute, maxBodyBytes: number): fc.Arbitrary<FuzzCase> {
  const id = route.id === undefined ? fc.constant({ valid: true, segment: '' }) : idArb(route.id);
  const body = route.body
    ? bodyVariants({ contract: route.contract, method: route.method, path: '', base: route.body.base, fields: route.body.fields, deterministic: route.body.deterministic, auth: [], maxBodyBytes })
    : fc.constant({ category: 'no body', body: undefined, expectSuccess: true });
  const query = route.query ? pagingQuery : fc.constant('');
  return fc.tuple(tokenArb(ctx.adminToken), id, body, query).map(([token, idPick, variant, q]) => {
    const category = !token.valid ? `admin token: ${token.label}` : !idPick.valid ? 'bad id' : q !== '' ? 'paging query' : variant.category;
    const expectSuccess = route.deterministic && token.valid && idPick.valid && q === '' && (variant.expectSuccess ?? false);
    const contentType: Array<[string, string]> = variant.body === undefined ? [] : variant.contentType === null ? [] : [['content-type', variant.contentType ?? JSON_TYPE[1]]];
    return makeCase({
      contract: route.contract,
      category,
      method: route.method,
      path: `${route.path(idPick.segment)}${q}`,
      headers: [...token.headers, ...contentType],
      body: variant.body,
      expectSuccess,
      // The token is checked before the body is read, and a path too long to route fails before either.
      expectCodes: token.valid && idPick.valid ? (variant as BodyVariant).expectCodes : undefined,
    });
  });
}
