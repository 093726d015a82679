import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createBrowserPages } from './browser-pages.js';

/** What /echo answers: the request as the target saw it. */
export interface EchoBody {
  method: string;
  url: string;
  /** Header name/value pairs in the order and case they arrived. */
  rawHeaders: Array<[string, string]>;
  body: string;
  bodyBase64: string;
}

/** The values of header `name` (any case) as /echo saw them, in arrival order. */
export function echoHeader(echo: EchoBody, name: string): string[] {
  const lower = name.toLowerCase();
  return echo.rawHeaders.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The cookies /echo received, name → value. */
export function echoCookies(echo: EchoBody): Record<string, string> {
  return parseCookieHeader(echoHeader(echo, 'cookie').join('; '));
}

function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export interface TargetSiteOptions {
  /** Size of /big in bytes. @default 256 KiB */
  bigBytes?: number;
  /** Serve HTTPS with a self-signed certificate made at start-up with the openssl CLI. */
  tls?: boolean;
}

export interface TargetSite {
  /** Origin, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Requests answered, by path (without query). */
  hits: Map<string, number>;
  /** /slow requests whose client hung up before the answer. */
  slowAbandoned(): number;
  /** The last 200 requests (path with query, Cookie header, ms since start), for failure messages. */
  recent: Array<{ url: string; cookie: string | undefined; ms: number }>;
  close(): Promise<void>;
}

/** Eight PNG signature bytes, then bytes no text decoder would keep intact. */
export const BINARY_BYTES = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(Array.from({ length: 248 }, (_, i) => (i * 7 + 3) % 256))]);
export const LATIN1_TEXT = 'Café, crème brûlée, señor, Øresund, ½ £';
export const GZIP_TEXT = 'gzipped hello '.repeat(50);
export const BASIC_USER = 'alice';
export const BASIC_PASSWORD = 'wonder land:42';

function rawHeaderPairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI in a temp dir (removed at once). */
function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'bbre-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The local target site the engine tests aim at (STYLE.md §5: our own site, never the internet).
 * Bound to 127.0.0.1 on port 0; `close()` also drops held sockets, so a pending /slow never outlives the tests.
 */
export async function startTargetSite(options: TargetSiteOptions = {}): Promise<TargetSite> {
  const bigBytes = options.bigBytes ?? 256 * 1024;
  const sessions = new Set<string>();
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let slowAbandoned = 0;
  const recent: TargetSite['recent'] = [];
  const started = Date.now();
  const browserPages = createBrowserPages();

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://target.invalid');
    const path = url.pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    recent.push({ url: req.url ?? '/', cookie: req.headers.cookie, ms: Date.now() - started });
    if (recent.length > 200) recent.shift();
    const body = await readBody(req);

    if (path === '/login' && req.method === 'POST') {
      const sid = randomBytes(8).toString('hex');
      sessions.add(sid);
      return send(res, 302, 'see /account', { location: '/account', 'set-cookie': `sid=${sid}; Path=/; HttpOnly` });
    }
    if (path === '/account') {
      const sid = parseCookieHeader(req.headers.cookie).sid;
      if (!sid || !sessions.has(sid)) return send(res, 403, 'forbidden');
      return send(res, 200, `welcome ${sid}`);
    }
    const chain = /^\/chain\/([123])$/.exec(path);
    if (chain) {
      const n = Number(chain[1]);
      const cookie = `c${n}=v${n}; Path=/`;
      if (n < 3) return send(res, 302, '', { location: `/chain/${n + 1}`, 'set-cookie': cookie });
      return send(res, 200, 'end of chain', { 'set-cookie': cookie });
    }
    if (path === '/echo') {
      const echo: EchoBody = { method: req.method ?? '', url: req.url ?? '', rawHeaders: rawHeaderPairs(req.rawHeaders), body: body.toString('utf8'), bodyBase64: body.toString('base64') };
      return send(res, 200, JSON.stringify(echo), { 'content-type': 'application/json' });
    }
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) return send(res, Number(status[1]), `status ${status[1]}`, { 'x-repeated': ['a', 'b'], 'set-cookie': ['s1=one; Path=/', 's2=two; Path=/'] });
    if (path.startsWith('/empty/')) {
      // An answer without a body (browsers abandon such navigations, yet the target did answer).
      res.writeHead(Number(path.slice('/empty/'.length)) || 204).end();
      return;
    }
    if (path === '/gzip') return send(res, 200, gzipSync(GZIP_TEXT), { 'content-encoding': 'gzip' });
    if (path === '/binary') return send(res, 200, BINARY_BYTES, { 'content-type': 'image/png' });
    if (path === '/big') return send(res, 200, Buffer.alloc(bigBytes, 'x'));
    if (path === '/latin1') return send(res, 200, Buffer.from(LATIN1_TEXT, 'latin1'), { 'content-type': 'text/plain; charset=iso-8859-1' });
    if (path === '/slow') {
      const ms = Math.min(Number(url.searchParams.get('ms') ?? 1000), 60_000);
      const timer = setTimeout(() => {
        timers.delete(timer);
        send(res, 200, 'slow answer');
      }, ms);
      timers.add(timer);
      res.once('close', () => {
        if (res.writableFinished) return;
        slowAbandoned++;
        clearTimeout(timer);
        timers.delete(timer);
      });
      return;
    }
    if (path === '/set-cookie') {
      const name = url.searchParams.get('name') ?? 'c';
      const value = url.searchParams.get('value') ?? 'v';
      return send(res, 200, `set ${name}`, { 'set-cookie': `${name}=${value}; Path=/` });
    }
    if (path === '/basic-auth') {
      const expected = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(res, 401, 'who are you', { 'www-authenticate': 'Basic realm="t"' });
      return send(res, 200, 'authorized');
    }
    if (path === '/redirect-to') {
      const code = Number(url.searchParams.get('status') ?? 302);
      return send(res, code, '', { location: url.searchParams.get('url') ?? '/' });
    }
    if (browserPages(req, res, url, body)) return;
    send(res, 404, 'no such page');
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, String(err));
      else res.destroy();
    });
  };
  const server: Server = options.tls ? createHttpsServer(selfSignedCert(), listener) : createHttpServer(listener);
  // TLS handshakes that a client aborts (verifySSL true against our self-signed cert) are not our errors.
  server.on('tlsClientError', () => undefined);
  const { port, close } = await listenOnLoopback(server, () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });
  return { url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, hits, slowAbandoned: () => slowAbandoned, recent, close };
}

/**
 * Listens on 127.0.0.1, port 0, tracking connections: `close()` (idempotent) runs `beforeClose`, stops the server
 * and drops the sockets still open, so a test never waits for a client's keep-alive to end.
 */
export async function listenOnLoopback(server: Server, beforeClose: () => void = () => {}): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      beforeClose();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }));
  return { port, close };
}

/** A port that was just free: a server bound to it and closed again, so connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
