import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import { buildOpenApi, renderDocsHtml, type CatalogEntry } from '../openapi.js';

export interface BrowserPoolStatus {
  state: string;
  available: number;
  busy: number;
  max: number;
  browsers?: number;
  error?: string;
}

export interface Readiness {
  database(): Promise<void>;
  browserPool(): BrowserPoolStatus;
  isDraining(): boolean;
}

const opsDoc = (operationId: string, summary: string) => ({ doc: { operationId, summary, tag: 'Operations', auth: 'none' as const, errors: [] } });

/** Contract §9.3: plain JSON (not the API envelope), no key, no rate limit. */
export function opsRoutes(deps: { readiness: Readiness; metrics: Metrics; catalog: CatalogEntry[]; version: string }) {
  return async function plugin(app: FastifyInstance) {
    app.get('/health', { config: opsDoc('health', 'Liveness: 200 while the process serves HTTP.') }, async () => ({ status: 'ok' }));

    app.get('/ready', { config: opsDoc('ready', 'Readiness: database reachable, not draining, browser pool not failed; reports the browser pool.') }, async (_req, reply) => {
      let database = 'ok';
      try {
        await deps.readiness.database();
      } catch {
        database = 'unavailable';
      }
      const draining = deps.readiness.isDraining();
      const browserPool = deps.readiness.browserPool();
      // A pool whose Chromium fails to launch is down; one without Chromium installed serves passive mode only.
      const ready = database === 'ok' && !draining && browserPool.state !== 'failed';
      reply.code(ready ? 200 : 503);
      if (!ready) reply.header('retry-after', '5');
      return { status: ready ? 'ready' : 'not_ready', ...(draining ? { draining: true } : {}), checks: { database, browserPool } };
    });

    app.get('/metrics', { config: opsDoc('metrics', 'Prometheus metrics.') }, async (_req, reply) => {
      reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });

    let openapi: Record<string, unknown> | undefined;
    app.get('/openapi.json', { config: opsDoc('openapi', 'OpenAPI 3.1 description of the API.') }, async () => {
      openapi ??= buildOpenApi(deps.catalog, deps.version);
      return openapi;
    });

    app.get('/docs', { config: opsDoc('docs', 'Human-readable API reference.') }, async (_req, reply) => {
      reply.header('content-type', 'text/html; charset=utf-8');
      return renderDocsHtml(deps.catalog, deps.version);
    });
  };
}
