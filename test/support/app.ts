import { Writable } from 'node:stream';
import { buildApp, type BbreApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { SessionEngine } from '../../src/engines/engine.js';
import { createTestDatabase, type Backend, type TestDatabase } from './backends.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestServer {
  app: BbreApp;
  url: string;
  clock: ManualClock;
  db: TestDatabase;
  logs: string[];
  /** POST (or `method`) a JSON body with an API key, read the JSON answer. */
  call<T = any>(path: string, body?: unknown, key?: string, init?: { method?: string; headers?: Record<string, string>; rawBody?: string }): Promise<ApiResponse<T>>;
  admin<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** A new active account (through the admin API) and its key. */
  account(balance?: number, limits?: Record<string, number>): Promise<{ id: string; key: string }>;
  /** Stops the server; `keepDb` leaves the database for a restart test. */
  close(keepDb?: boolean): Promise<void>;
}

export interface StartOptions {
  config?: Partial<Config>;
  engines?: SessionEngine[];
  clock?: ManualClock;
  db?: TestDatabase;
}

/** Starts the real app on 127.0.0.1, port 0, on a real database of `backend`. */
export async function startServer(backend: Backend, options: StartOptions = {}): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase(backend));
  // Tests move time by hand, but it starts at the real time: clients in other processes (the SDK's expiry checks,
  // cookie lifetimes) read the real clock, and a fixed start drifts into their past as the day goes on.
  const clock = options.clock ?? new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const config = loadConfig(
    {},
    {
      databaseUrl: db.url,
      adminToken: ADMIN_TOKEN,
      logLevel: 'info',
      allowPrivateTargets: true,
      rateLimitRps: 1000,
      rateLimitBurst: 2000,
      sweepIntervalMs: 3_600_000,
      // Only the adaptive tests need a browser; they launch it on demand.
      browserPrewarm: false,
      ...options.config,
    },
  );
  const app = await buildApp(config, { clock, logStream, engines: options.engines });
  let url: string;
  try {
    url = await app.http.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    await app.close();
    throw err;
  }

  const call = async (path: string, body?: unknown, key?: string, init: { method?: string; headers?: Record<string, string>; rawBody?: string } = {}) => {
    const method = init.method ?? 'POST';
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}), ...init.headers };
    const res = await fetch(url + path, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : (init.rawBody ?? (body === undefined ? undefined : JSON.stringify(body))),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* non-JSON (metrics, docs) */
    }
    return { status: res.status, headers: res.headers, body: parsed as any };
  };

  const admin = (method: string, path: string, body?: unknown) =>
    call(path, body, undefined, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  let n = 0;
  const server: TestServer = {
    app,
    url,
    clock,
    db,
    logs,
    call,
    admin,
    async account(balance = 10, limits) {
      const created = await admin('POST', '/admin/accounts', { name: `acct-${++n}`, email: `a${n}@example.test`, balance });
      if (created.status !== 200) throw new Error(`account creation failed: ${JSON.stringify(created.body)}`);
      const id = created.body.account.id as string;
      if (limits) {
        const patched = await admin('PATCH', `/admin/accounts/${id}`, limits);
        if (patched.status !== 200) throw new Error(`limits failed: ${JSON.stringify(patched.body)}`);
      }
      return { id, key: created.body.apiKey as string };
    },
    async close(keepDb = false) {
      await app.close();
      if (!keepDb) await db.drop();
    },
  };
  return server;
}

export function expectEnvelopeError(res: ApiResponse, status: number, code: string): void {
  if (res.status !== status || res.body?.success !== false || res.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (res.body.service !== 'MyDisct Solver BBRE') throw new Error('service field missing');
  if (typeof res.body.error.message !== 'string' || typeof res.body.error.details?.retryable !== 'boolean') throw new Error(`malformed error envelope: ${JSON.stringify(res.body)}`);
}
