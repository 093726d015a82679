import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  activeSessionsByMode(): Promise<Record<string, number>>;
  browserContexts(): Record<string, number>;
}

/** Contract §9.3: the Prometheus series BBRE exposes. One registry per app, so tests never share state. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'route' | 'status' | 'code'>;
  readonly engineDuration: Histogram<'mode' | 'sensibility' | 'operation' | 'outcome'>;
  readonly httpDuration: Histogram<'route'>;
  readonly tasks: Counter<'type' | 'status'>;
  readonly charged: Counter;
  readonly refunded: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'bbre_http_requests_total',
      help: 'API requests by route, HTTP status and BBRE error code (OK for a success)',
      labelNames: ['route', 'status', 'code'],
      registers,
    });
    this.engineDuration = new Histogram({
      name: 'bbre_engine_duration_seconds',
      help: 'Engine work per request or browser action call, by mode, sensibility and outcome',
      labelNames: ['mode', 'sensibility', 'operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'bbre_http_request_duration_seconds',
      help: 'API request duration',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers,
    });
    this.tasks = new Counter({ name: 'bbre_tasks_total', help: 'Finished tasks by type and status', labelNames: ['type', 'status'], registers });
    this.charged = new Counter({ name: 'bbre_charged_usd_total', help: 'USD charged', registers });
    this.refunded = new Counter({ name: 'bbre_refunded_usd_total', help: 'USD refunded', registers });
    new Gauge({
      name: 'bbre_sessions_active',
      help: 'Active sessions by mode',
      labelNames: ['mode'],
      registers,
      async collect() {
        const counts = await sources.activeSessionsByMode();
        this.reset();
        for (const mode of ['passive', 'adaptive']) this.set({ mode }, counts[mode] ?? 0);
      },
    });
    new Gauge({
      name: 'bbre_browser_contexts',
      help: 'Browser contexts by state',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(sources.browserContexts())) this.set({ state }, n);
      },
    });
  }
}
