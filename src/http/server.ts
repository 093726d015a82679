import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { AccountService } from '../domain/accounts/account.service.js';
import type { SessionService } from '../domain/sessions/session.service.js';
import type { BrowserActionService } from '../domain/requests/browser-action.service.js';
import type { SessionRequestService } from '../domain/requests/session-request.service.js';
import type { HistoryService } from '../domain/tasks/history.service.js';
import type { RequestService } from '../domain/tasks/request.service.js';
import { BbreError } from '../errors/bbre-error.js';
import { registerAuth } from './auth.plugin.js';
import { registerJsonBodyParser } from './body-parser.js';
import { requestLoggerFactory } from './request-logger.js';
import { clientError, errorCodeOf, frameworkError, rawErrorResponse, registerErrorHandling } from './error-handler.js';
import type { Metrics } from './metrics.js';
import type { CatalogEntry } from './openapi.js';
import { accountRoutes } from './routes/account.routes.js';
import { adminRoutes } from './routes/admin.routes.js';
import { browserRoutes } from './routes/browser.routes.js';
import { opsRoutes, type Readiness } from './routes/ops.routes.js';
import { requestRoutes } from './routes/request.routes.js';
import { sessionRoutes } from './routes/session.routes.js';
import './route-config.js';

export interface HttpDeps {
  logger: PinoLogger;
  accounts: AccountService;
  sessions: SessionService;
  history: HistoryService;
  sessionRequests: SessionRequestService;
  requests: RequestService;
  browserActions: BrowserActionService;
  maxRequestTimeoutSecs: number;
  metrics: Metrics;
  readiness: Readiness;
  version: string;
  maxBodyBytes: number;
  adminToken: string | undefined;
  rateLimitRps: number;
  rateLimitBurst: number;
  now(): number;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Builds the Fastify server with every route; it does not listen (main.ts does). */
export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.maxBodyBytes,
    // One line per request is written by the onResponse hook below, with the route and the BBRE code.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: requestLoggerFactory,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // While closing, requests still arriving on open connections get our own envelope (auth.plugin's drain check).
    return503OnClosing: false,
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  });
  // CONNECT is not an API method (BBRE is not a forward proxy): answer it with the envelope instead of a dropped socket.
  app.server.on('connect', (_req, socket: Duplex) => {
    socket.on('error', () => undefined);
    socket.end(rawErrorResponse(new BbreError('METHOD_NOT_ALLOWED', { details: { method: 'CONNECT' } })));
  });

  const catalog: CatalogEntry[] = [];
  const knownPaths = new Set<string>();
  app.addHook('onRoute', (route) => {
    knownPaths.add(route.url);
    const doc = route.config?.doc;
    if (!doc || route.method === 'HEAD') return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    methods.forEach((method, i) => catalog.push({ method, url: route.url, doc: i === 0 ? doc : { ...doc, operationId: `${doc.operationId}${method[0]}${method.slice(1).toLowerCase()}` } }));
  });

  registerJsonBodyParser(app, deps.maxBodyBytes);
  registerErrorHandling(app, (path) => knownPaths.has(path) || knownPaths.has(path.replace(/\/$/, '')) || [...knownPaths].some((p) => p.includes(':') && new RegExp(`^${p.replace(/:[^/]+/g, '[^/]+')}$`).test(path)));

  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  registerAuth(app, {
    accounts: deps.accounts,
    adminToken: deps.adminToken,
    rateLimitRps: deps.rateLimitRps,
    rateLimitBurst: deps.rateLimitBurst,
    now: deps.now,
    isDraining: deps.readiness.isDraining,
  });
  // While draining, answers close their connection: a keep-alive socket that was busy when close began would
  // otherwise stay open (only idle ones are closed) and hold the shutdown until the grace timer kills it.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (deps.readiness.isDraining()) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const code = errorCodeOf(req);
    deps.metrics.httpRequests.inc({ route, status: String(reply.statusCode), code: code ?? 'OK' });
    deps.metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
    if (deps.logger.isLevelEnabled('info')) {
      req.log.info({ method: req.method, route, status: reply.statusCode, ...(code ? { code } : {}), ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    }
    done();
  });

  await app.register(sessionRoutes({ sessions: deps.sessions }));
  await app.register(requestRoutes({ sessionRequests: deps.sessionRequests, requests: deps.requests, maxRequestTimeoutSecs: deps.maxRequestTimeoutSecs }));
  await app.register(browserRoutes({ actions: deps.browserActions, maxRequestTimeoutSecs: deps.maxRequestTimeoutSecs }));
  await app.register(accountRoutes({ accounts: deps.accounts, sessions: deps.sessions, history: deps.history }));
  if (deps.adminToken) await app.register(adminRoutes({ accounts: deps.accounts, sessions: deps.sessions }));
  await app.register(opsRoutes({ readiness: deps.readiness, metrics: deps.metrics, catalog, version: deps.version }));
  return app;
}
