import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SessionService } from '../../domain/sessions/session.service.js';
import { microsToUsd } from '../../domain/billing/money.js';
import { BbreError } from '../../errors/bbre-error.js';
import { JSON_CONTENT_TYPE, sessionEnvelopeJson } from '../envelope.js';
import { parseCreateSession, parseSessionId } from '../schemas/session.schemas.js';

export function principalOf(req: FastifyRequest) {
  if (!req.principal) throw new BbreError('SERVICE_ERROR', { message: 'Route is missing authentication.' });
  return req.principal;
}

const sessionIdBody = { type: 'object', required: ['sessionId'], properties: { sessionId: { type: 'string' } } };

export function sessionRoutes(deps: { sessions: SessionService }) {
  return async function plugin(app: FastifyInstance) {
    app.post(
      '/session/create',
      {
        config: {
          doc: {
            operationId: 'createSession',
            summary: 'Open a stateful session (cookie jar, fingerprint profile, optional proxy; a browser context in adaptive mode).',
            tag: 'Sessions',
            auth: 'key',
            charged: true,
            errors: ['INVALID_MODE', 'INVALID_SENSIBILITY', 'INVALID_TIMEOUT', 'SESSION_LIMIT_REACHED', 'INSUFFICIENT_BALANCE', 'PRICE_ABOVE_MAX_COST', 'TARGET_NOT_ALLOWED', 'SERVICE_UNAVAILABLE'],
            body: {
              type: 'object',
              properties: {
                mode: { type: 'string', enum: ['passive', 'adaptive'], default: 'passive' },
                sensibility: { type: 'string', enum: ['low', 'medium', 'high'], default: 'medium' },
                timeout: { type: 'number', minimum: 60, maximum: 3600, default: 300 },
                fingerprint: { type: 'object' },
                proxy: { oneOf: [{ type: 'string' }, { type: 'object' }] },
                maxCost: { type: 'number', minimum: 0 },
              },
            },
            returns: ['session'],
          },
        },
      },
      async (req, reply) => {
        const { session, costMicros } = await deps.sessions.create(principalOf(req).account, parseCreateSession(req.body));
        reply.header('x-bbre-cost', String(microsToUsd(costMicros))).type(JSON_CONTENT_TYPE);
        return sessionEnvelopeJson(session);
      },
    );

    app.post(
      '/session/status',
      {
        config: {
          doc: {
            operationId: 'getSessionStatus',
            summary: 'Session state and usage; an active session whose expiry passed is persisted as expired first.',
            tag: 'Sessions',
            auth: 'key',
            errors: ['SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND'],
            body: sessionIdBody,
            returns: ['session'],
          },
        },
      },
      async (req, reply) => {
        const session = await deps.sessions.status(principalOf(req).account, parseSessionId(req.body));
        reply.type(JSON_CONTENT_TYPE);
        return sessionEnvelopeJson(session);
      },
    );

    app.post(
      '/session/close',
      {
        config: {
          doc: {
            operationId: 'closeSession',
            summary: 'End an active session at once and release its resources.',
            tag: 'Sessions',
            auth: 'key',
            errors: ['SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND', 'SESSION_CLOSED', 'SESSION_EXPIRED'],
            body: sessionIdBody,
            returns: ['session'],
          },
        },
      },
      async (req, reply) => {
        const session = await deps.sessions.close(principalOf(req).account, parseSessionId(req.body));
        reply.type(JSON_CONTENT_TYPE);
        return sessionEnvelopeJson(session);
      },
    );
  };
}
