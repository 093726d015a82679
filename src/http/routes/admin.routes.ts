import type { FastifyInstance } from 'fastify';
import { toAdminAccountView, toKeyView, toLedgerView } from '../../domain/accounts/account-views.js';
import type { AccountService } from '../../domain/accounts/account.service.js';
import type { SessionService } from '../../domain/sessions/session.service.js';
import { BbreError } from '../../errors/bbre-error.js';
import { isPlausibleId } from '../../security/ids.js';
import type { RouteDoc } from '../route-config.js';
import { ok } from '../envelope.js';
import { parseAccountPatch, parseCredit, parseNewAccount } from '../schemas/admin.schemas.js';
import { pagingFromQuery } from '../schemas/fields.js';

const doc = (operationId: string, summary: string, errors: RouteDoc['errors'] = ['ACCOUNT_NOT_FOUND']): { doc: RouteDoc } => ({
  doc: { operationId, summary, tag: 'Admin', auth: 'admin', errors: ['ADMIN_TOKEN_REQUIRED', 'INVALID_ADMIN_TOKEN', ...errors] },
});

type IdParams = { Params: { id: string } };

/** A path ID BBRE could never have issued names nothing: answered "not found" without touching the store. */
function id(value: string, notFound: 'ACCOUNT_NOT_FOUND' | 'KEY_NOT_FOUND' | 'SESSION_NOT_FOUND'): string {
  if (!isPlausibleId(value)) throw new BbreError(notFound);
  return value;
}

/** Contract §9.2. Registered only when BBRE_ADMIN_TOKEN is set. */
export function adminRoutes(deps: { accounts: AccountService; sessions: SessionService }) {
  return async function plugin(app: FastifyInstance) {
    const { accounts } = deps;

    app.get('/admin/accounts', { config: doc('adminListAccounts', 'List accounts.', []) }, async (req) => {
      const { limit, offset } = pagingFromQuery(req.query);
      const page = await accounts.listAccounts(limit, offset);
      return ok({
        accounts: page.items.map((a) => toAdminAccountView(a, { activeSessions: a.activeSessions })),
        pagination: { total: page.total, limit, offset, hasMore: offset + page.items.length < page.total },
      });
    });

    app.post('/admin/accounts', { config: doc('adminCreateAccount', 'Create an account and its first API key (shown once).', []) }, async (req) => {
      const created = await accounts.createAccount(parseNewAccount(req.body));
      return ok({ account: toAdminAccountView(created.account), apiKey: created.apiKey });
    });

    app.get<IdParams>('/admin/accounts/:id', { config: doc('adminGetAccount', 'An account with its limits and key prefixes.') }, async (req) => {
      const account = await accounts.requireAccount(id(req.params.id, 'ACCOUNT_NOT_FOUND'));
      return ok({ account: toAdminAccountView(account, { keys: await accounts.listKeys(account.id) }) });
    });

    app.patch<IdParams>('/admin/accounts/:id', { config: doc('adminUpdateAccount', 'Change status or limits; suspending/deactivating evicts sessions.') }, async (req) => {
      const patch = parseAccountPatch(req.body);
      let account = await accounts.requireAccount(id(req.params.id, 'ACCOUNT_NOT_FOUND'));
      if (Object.keys(patch.limits).length > 0) account = await accounts.setLimits(account.id, patch.limits);
      if (patch.status) account = await accounts.setStatus(account.id, patch.status);
      return ok({ account: toAdminAccountView(account) });
    });

    app.post<IdParams>('/admin/accounts/:id/credit', { config: doc('adminCredit', 'Credit (or, negative, adjust) the balance.') }, async (req) => {
      const { amountUsd, note } = parseCredit(req.body);
      const out = await accounts.credit(id(req.params.id, 'ACCOUNT_NOT_FOUND'), amountUsd, note);
      return ok({ account: toAdminAccountView(out.account), entry: toLedgerView(out.entry) });
    });

    app.get<IdParams>('/admin/accounts/:id/ledger', { config: doc('adminLedger', 'Ledger entries, newest first.') }, async (req) => {
      const { limit, offset } = pagingFromQuery(req.query);
      const page = await accounts.ledger(id(req.params.id, 'ACCOUNT_NOT_FOUND'), limit, offset);
      return ok({ entries: page.items.map(toLedgerView), pagination: { total: page.total, limit, offset, hasMore: offset + page.items.length < page.total } });
    });

    app.post<IdParams>('/admin/accounts/:id/keys', { config: doc('adminCreateKey', 'Issue a new API key (shown once).') }, async (req) => {
      const { key, apiKey } = await accounts.createKey(id(req.params.id, 'ACCOUNT_NOT_FOUND'));
      return ok({ key: toKeyView(key), apiKey });
    });

    app.delete<{ Params: { prefix: string } }>('/admin/keys/:prefix', { config: doc('adminRevokeKey', 'Revoke the key with this prefix.', ['KEY_NOT_FOUND']) }, async (req) => {
      return ok({ key: toKeyView(await accounts.revokeKey(id(req.params.prefix, 'KEY_NOT_FOUND'))) });
    });

    app.post<IdParams>('/admin/sessions/:id/close', { config: doc('adminCloseSession', 'Close a session (`endedReason: "evicted"`).', ['SESSION_NOT_FOUND', 'SESSION_CLOSED', 'SESSION_EXPIRED']) }, async (req) => {
      return ok({ session: await deps.sessions.evict(id(req.params.id, 'SESSION_NOT_FOUND')) });
    });
  };
}
