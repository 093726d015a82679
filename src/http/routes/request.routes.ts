import type { FastifyInstance } from 'fastify';
import { microsToUsd } from '../../domain/billing/money.js';
import type { SessionRequestService } from '../../domain/requests/session-request.service.js';
import type { RequestService } from '../../domain/tasks/request.service.js';
import type { ErrorCode } from '../../errors/codes.js';
import { clientGoneSignal } from '../client-signal.js';
import { ok } from '../envelope.js';
import { parseSessionRequest, parseStatelessRequest, parseTaskId } from '../schemas/request.schemas.js';
import { principalOf } from './session.routes.js';

export interface RequestRouteDeps {
  sessionRequests: SessionRequestService;
  requests: RequestService;
  maxRequestTimeoutSecs: number;
}

const REQUEST_OPTIONS_SCHEMA = {
  url: { type: 'string', format: 'uri' },
  method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], default: 'GET' },
  headers: { type: 'object', additionalProperties: { type: 'string' } },
  body: { oneOf: [{ type: 'object' }, { type: 'string' }] },
  bodyEncoding: { type: 'string', enum: ['utf8', 'base64'] },
  params: { type: 'object' },
  query: { type: 'object' },
  cookies: { oneOf: [{ type: 'object' }, { type: 'array' }] },
  timeout: { type: 'number', exclusiveMinimum: 0, maximum: 120 },
  followRedirects: { type: 'boolean', default: true },
  maxRedirects: { type: 'integer', minimum: 0, default: 10 },
  verifySSL: { type: 'boolean', default: true },
  auth: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } } },
  maxCost: { type: 'number', minimum: 0 },
};

const STATELESS_SCHEMA = {
  type: 'object',
  required: ['url'],
  properties: {
    ...REQUEST_OPTIONS_SCHEMA,
    mode: { type: 'string', enum: ['passive', 'adaptive'], default: 'passive' },
    sensibility: { type: 'string', enum: ['low', 'medium', 'high'], default: 'medium' },
    proxy: { oneOf: [{ type: 'string' }, { type: 'object' }] },
    fingerprint: { type: 'object' },
  },
};

const REQUEST_ERRORS: ErrorCode[] = ['URL_REQUIRED', 'INVALID_URL', 'INVALID_METHOD', 'INVALID_TIMEOUT', 'TARGET_NOT_ALLOWED', 'INSUFFICIENT_BALANCE', 'PRICE_ABOVE_MAX_COST', 'TARGET_UNREACHABLE', 'REQUEST_TIMEOUT', 'SERVICE_UNAVAILABLE'];

export function requestRoutes(deps: RequestRouteDeps) {
  const limits = (timeoutSecs: number) => ({ timeoutSecs: Math.min(timeoutSecs, deps.maxRequestTimeoutSecs), maxTimeoutSecs: deps.maxRequestTimeoutSecs });
  return async function plugin(app: FastifyInstance) {
    app.post(
      '/session/request',
      {
        config: {
          doc: {
            operationId: 'sessionRequest',
            summary: "One HTTP request inside an active session, with the session's cookie jar, profile, proxy and mode.",
            tag: 'Sessions',
            auth: 'key',
            charged: true,
            errors: ['SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND', 'SESSION_EXPIRED', 'SESSION_CLOSED', ...REQUEST_ERRORS],
            body: { type: 'object', required: ['sessionId', 'url'], properties: { sessionId: { type: 'string' }, ...REQUEST_OPTIONS_SCHEMA } },
            returns: ['data', 'session'],
          },
        },
      },
      async (req, reply) => {
        const input = parseSessionRequest(req.body, limits(30));
        reply.header('x-bbre-cost', '0');
        const out = await deps.sessionRequests.request(principalOf(req).account, input, clientGoneSignal(reply));
        reply.header('x-bbre-cost', String(microsToUsd(out.costMicros)));
        return ok({ data: out.data, session: out.session });
      },
    );

    app.post(
      '/request/create',
      {
        config: {
          doc: {
            operationId: 'createTask',
            summary: 'Stateless asynchronous request: returns a task at once; read it with /request/result.',
            tag: 'Requests',
            auth: 'key',
            charged: true,
            errors: ['URL_REQUIRED', 'INVALID_URL', 'INVALID_METHOD', 'INVALID_MODE', 'INVALID_SENSIBILITY', 'INVALID_TIMEOUT', 'TARGET_NOT_ALLOWED', 'INSUFFICIENT_BALANCE', 'PRICE_ABOVE_MAX_COST', 'SERVICE_UNAVAILABLE'],
            body: STATELESS_SCHEMA,
            returns: ['data', 'taskId'],
          },
        },
      },
      async (req, reply) => {
        const { taskId, costMicros } = await deps.requests.create(principalOf(req).account, parseStatelessRequest(req.body, limits(30)));
        reply.header('x-bbre-cost', String(microsToUsd(costMicros)));
        return ok({ data: { task: { id: taskId, status: 'processing' } }, taskId });
      },
    );

    app.post(
      '/request/result',
      {
        config: {
          doc: {
            operationId: 'getResult',
            summary: "A task's state and, once completed, its result.",
            tag: 'Requests',
            auth: 'key',
            errors: ['TASK_ID_REQUIRED', 'TASK_NOT_FOUND'],
            body: { type: 'object', properties: { taskId: { type: 'string' }, id: { type: 'string' } } },
            returns: ['data'],
          },
        },
      },
      async (req) => ok({ data: await deps.requests.result(principalOf(req).account, parseTaskId(req.body)) }),
    );

    for (const [path, operationId] of [
      ['/request/execute', 'request'],
      ['/request/sync', 'requestSync'],
    ] as const) {
      app.post(
        path,
        {
          config: {
            doc: {
              operationId,
              summary: path === '/request/sync' ? 'Exact alias of /request/execute.' : 'Stateless synchronous request: the answer is the result (or the error).',
              tag: 'Requests',
              auth: 'key',
              charged: true,
              errors: [...REQUEST_ERRORS, 'INVALID_MODE', 'INVALID_SENSIBILITY'],
              body: STATELESS_SCHEMA,
              returns: ['data'],
            },
          },
        },
        async (req, reply) => {
          const input = parseStatelessRequest(req.body, limits(120));
          // From here on the call is charged: a failure answers with the net amount kept, 0.
          reply.header('x-bbre-cost', '0');
          const { data, costMicros } = await deps.requests.execute(principalOf(req).account, input);
          reply.header('x-bbre-cost', String(microsToUsd(costMicros)));
          return ok({ data });
        },
      );
    }
  };
}
