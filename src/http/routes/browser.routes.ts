import type { FastifyInstance } from 'fastify';
import { microsToUsd } from '../../domain/billing/money.js';
import type { BrowserActionService } from '../../domain/requests/browser-action.service.js';
import { BbreError } from '../../errors/bbre-error.js';
import { ok } from '../envelope.js';
import { MAX_BATCH_STEPS, parseBrowserAction } from '../schemas/browser.schemas.js';
import { principalOf } from './session.routes.js';

export function browserRoutes(deps: { actions: BrowserActionService; maxRequestTimeoutSecs: number }) {
  return async function plugin(app: FastifyInstance) {
    app.post(
      '/browser/action',
      {
        config: {
          doc: {
            operationId: 'browserAction',
            summary: 'Drive the browser of an active adaptive session: one action, or a batch run in order that stops at the first failure.',
            tag: 'Browser',
            auth: 'key',
            charged: true,
            errors: [
              'SESSION_ID_REQUIRED',
              'SESSION_NOT_FOUND',
              'SESSION_EXPIRED',
              'SESSION_CLOSED',
              'ADAPTIVE_MODE_REQUIRED',
              'ACTION_REQUIRED',
              'INVALID_ACTION',
              'INVALID_TIMEOUT',
              'ELEMENT_NOT_FOUND',
              'BROWSER_ACTION_FAILED',
              'BROWSER_TIMEOUT',
              'TARGET_NOT_ALLOWED',
              'TARGET_UNREACHABLE',
              'INSUFFICIENT_BALANCE',
              'PRICE_ABOVE_MAX_COST',
            ],
            body: {
              type: 'object',
              required: ['sessionId'],
              properties: {
                sessionId: { type: 'string' },
                action: { oneOf: [{ type: 'string' }, { type: 'object', required: ['type'] }] },
                actions: { type: 'array', maxItems: MAX_BATCH_STEPS, items: { type: 'object', required: ['type'] } },
                timeout: { type: 'number', exclusiveMinimum: 0, maximum: 120, default: 30 },
                speed: { type: 'string', enum: ['instant', 'fast', 'normal', 'slow', 'human'] },
                maxCost: { type: 'number', minimum: 0 },
              },
            },
            returns: ['data'],
          },
        },
      },
      async (req, reply) => {
        const input = parseBrowserAction(req.body, { maxTimeoutSecs: deps.maxRequestTimeoutSecs });
        reply.header('x-bbre-cost', '0');
        let out;
        try {
          out = await deps.actions.run(principalOf(req).account, input);
        } catch (err) {
          // A failed batch keeps the price of the steps that ran before the failing one (contract §3.5, §7.2).
          if (err instanceof BbreError && typeof err.details.charged === 'number') reply.header('x-bbre-cost', String(err.details.charged));
          throw err;
        }
        reply.header('x-bbre-cost', String(microsToUsd(out.costMicros)));
        return ok({ data: out.data });
      },
    );
  };
}
