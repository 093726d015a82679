import type { FastifyInstance } from 'fastify';
import type { AccountService } from '../../domain/accounts/account.service.js';
import type { SessionService } from '../../domain/sessions/session.service.js';
import type { HistoryService } from '../../domain/tasks/history.service.js';
import { ok } from '../envelope.js';
import { parseHistory, parseSessionList } from '../schemas/account.schemas.js';
import { asBody } from '../schemas/fields.js';
import { principalOf } from './session.routes.js';

const pagingProps = { limit: { type: 'integer', minimum: 1, default: 20 }, offset: { type: 'integer', minimum: 0, default: 0 } };

export function accountRoutes(deps: { accounts: AccountService; sessions: SessionService; history: HistoryService }) {
  return async function plugin(app: FastifyInstance) {
    app.route({
      method: ['GET', 'POST'],
      url: '/account/balance',
      config: { doc: { operationId: 'getBalance', summary: 'Current balance in USD (reserved amounts already deducted).', tag: 'Account', auth: 'key', errors: [], returns: ['balance'] } },
      handler: async (req) => {
        if (req.method === 'POST') asBody(req.body);
        return ok({ balance: await deps.accounts.balance(principalOf(req).account) });
      },
    });

    app.route({
      method: ['GET', 'POST'],
      url: '/account/info',
      config: { doc: { operationId: 'getAccountInfo', summary: 'Account details and live statistics.', tag: 'Account', auth: 'key', errors: [], returns: ['account', 'statistics'] } },
      handler: async (req) => {
        if (req.method === 'POST') asBody(req.body);
        return ok(await deps.accounts.info(principalOf(req).account));
      },
    });

    app.post(
      '/account/sessions',
      {
        config: {
          doc: {
            operationId: 'listSessions',
            summary: "The account's sessions, newest first; expiry is reconciled before listing.",
            tag: 'Account',
            auth: 'key',
            errors: [],
            body: { type: 'object', properties: { status: { type: 'string', enum: ['active', 'expired', 'closed'] }, ...pagingProps } },
            returns: ['sessions', 'pagination'],
          },
        },
      },
      async (req) => {
        const q = parseSessionList(req.body);
        const { sessions, total } = await deps.sessions.list(principalOf(req).account, q.status, q.limit, q.offset);
        return ok({ sessions, pagination: { total, limit: q.limit, offset: q.offset, hasMore: q.offset + sessions.length < total } });
      },
    );

    app.post(
      '/account/history',
      {
        config: {
          doc: {
            operationId: 'getHistory',
            summary: 'Every task and session creation of the account, newest first.',
            tag: 'Account',
            auth: 'key',
            errors: [],
            body: {
              type: 'object',
              properties: {
                status: { type: 'string', enum: ['processing', 'completed', 'failed', 'timeout'] },
                type: { type: 'string', enum: ['request', 'session_request', 'browser_action', 'session_create'] },
                startDate: { oneOf: [{ type: 'number' }, { type: 'string', format: 'date-time' }] },
                endDate: { oneOf: [{ type: 'number' }, { type: 'string', format: 'date-time' }] },
                ...pagingProps,
              },
            },
            returns: ['history', 'pagination'],
          },
        },
      },
      async (req) => {
        const q = parseHistory(req.body);
        const { history, total } = await deps.history.list(principalOf(req).account, q.filter, q.limit, q.offset);
        return ok({ history, pagination: { total, limit: q.limit, offset: q.offset, hasMore: q.offset + history.length < total } });
      },
    );
  };
}
