import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BBREClient, BBRESession, type BBREClientOptions, type BBRESessionOptions } from '../../packages/sdk/src/index.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { TestServer } from '../support/app.js';

/**
 * The server's clock for SDK tests: wall time plus an offset the test moves. The SDK reads `Date.now()` for
 * `isActive()` and renewal, so the server's "now" has to be the same time, moved only on purpose.
 */
export class LiveClock extends ManualClock {
  private offsetMs = 0;

  constructor() {
    super(Date.now());
  }

  override now(): number {
    return Date.now() + this.offsetMs;
  }

  override advance(ms: number): void {
    this.offsetMs += ms;
  }

  override set(ms: number): void {
    this.offsetMs = ms - Date.now();
  }
}

/** Fast polling and retries, so no test waits on the SDK's production defaults. */
export const FAST: Partial<BBREClientOptions> = { pollingInterval: 25, retries: 0, retryDelay: 10 };

export function clientFor(server: TestServer, apiKey: string, options: Partial<BBREClientOptions> = {}): BBREClient {
  return new BBREClient({ apiKey, baseUrl: server.url, ...FAST, ...options });
}

export function sessionFor(server: TestServer, apiKey: string, options: Partial<BBRESessionOptions> = {}): BBRESession {
  return new BBRESession({ apiKey, baseUrl: server.url, ...FAST, ...options });
}

/** The rejection of `promise`, which must reject. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, the promise resolved');
}

export interface StubServer {
  url: string;
  /** Requests seen: method, path and headers (lowercased names). */
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  /** TCP connections accepted. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A scripted stand-in for a BBRE server (or for what sits in front of one): each request gets the next answer of
 * `answer`; the answer `'drop'` closes the socket without a response.
 */
export async function startStub(answer: (n: number, req: IncomingMessage) => { status: number; body: unknown; headers?: Record<string, string> } | 'drop'): Promise<StubServer> {
  const sockets = new Set<Socket>();
  const stub: StubServer = { url: '', requests: [], connections: 0, close: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stub.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const out = answer(stub.requests.length, req);
      if (out === 'drop') {
        req.socket.destroy();
        return;
      }
      const text = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
      res.writeHead(out.status, { 'content-type': typeof out.body === 'string' ? 'text/html' : 'application/json', ...out.headers });
      res.end(text);
    });
  });
  server.on('connection', (socket: Socket) => {
    stub.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return stub;
}

export const SERVICE = 'MyDisct Solver BBRE';
