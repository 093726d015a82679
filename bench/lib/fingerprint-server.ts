import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createH2cServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { clientHelloBytes, parseClientHello, type ClientHello } from './client-hello.js';
import { BENCH_HOST } from './server-process.js';

/**
 * A local HTTPS server that records how each client opens a connection, in three layers:
 *   1. a net.Server reads the raw TLS ClientHello before any TLS happens, then hands the socket back (unshifted);
 *   2. a TLS socket terminates TLS (h2 or http/1.1 by ALPN) and records every decrypted byte the client sends;
 *   3. the plaintext is piped to a local h2c or HTTP/1.1 server, which answers and reports the request's raw
 *      header list in wire order (pseudo-headers included).
 * Only 127.0.0.1; each connection is labelled with the client being measured when it was accepted.
 */

const PAGE = Buffer.from('<!doctype html><html><head><title>fingerprint</title></head><body><p>ok</p></body></html>');
const HELLO_TIMEOUT_MS = 5_000;
/** The opening of an HTTP/2 connection fits easily; nothing after it is needed. */
const MAX_RECORDED_BYTES = 64 * 1024;

export interface ConnectionRecord {
  label: string;
  clientHello?: ClientHello;
  helloError?: string;
  /** Negotiated by the TLS server. */
  alpn?: string | false;
  tlsVersion?: string;
  /** Decrypted bytes from the client, from the start (capped). */
  clientBytes: Buffer[];
  /** The first request on the connection: HTTP version and raw header list [name, value, …] in wire order. */
  firstRequest?: { httpVersion: string; rawHeaders: string[] };
}

export interface FingerprintServer {
  readonly port: number;
  /** Connections accepted from now on are attributed to `label`. */
  expect(label: string): void;
  records(label: string): ConnectionRecord[];
  close(): Promise<void>;
}

function respond(res: { writeHead(status: number, headers: Record<string, string | number>): unknown; end(body: Buffer): unknown }) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': PAGE.length });
  res.end(PAGE);
}

export async function startFingerprintServer(cert: { key: Buffer; cert: Buffer }): Promise<FingerprintServer> {
  const all: ConnectionRecord[] = [];
  /** Backend connections by the local port of our pipe to them, to find the record a request belongs to. */
  const byPipePort = new Map<number, ConnectionRecord>();
  const sockets = new Set<Socket>();
  let label = 'unlabelled';

  const noteRequest = (pipePort: number | undefined, httpVersion: string, rawHeaders: string[]) => {
    const record = pipePort === undefined ? undefined : byPipePort.get(pipePort);
    if (record && !record.firstRequest) record.firstRequest = { httpVersion, rawHeaders: [...rawHeaders] };
  };

  const http1: HttpServer = createHttpServer((req, res) => {
    noteRequest(req.socket.remotePort, req.httpVersion, req.rawHeaders);
    req.resume();
    respond(res);
  });
  const h2c: Http2Server = createH2cServer();
  h2c.on('stream', (stream: ServerHttp2Stream, _headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    noteRequest(stream.session?.socket?.remotePort, '2.0', rawHeaders);
    stream.respond({ ':status': 200, 'content-type': 'text/html; charset=utf-8', 'content-length': PAGE.length });
    stream.end(PAGE);
  });
  h2c.on('sessionError', () => undefined);
  for (const s of [http1, h2c]) s.listen(0, BENCH_HOST);
  await Promise.all([once(http1, 'listening'), once(h2c, 'listening')]);
  const backendPort = (s: HttpServer | Http2Server) => (s.address() as { port: number }).port;

  const secureContext = createSecureContext({ key: cert.key, cert: cert.cert });

  /** Layers 2 and 3: TLS on the raw socket (which still holds every byte), then plaintext to a backend. */
  const terminate = (raw: Socket, record: ConnectionRecord) => {
    const socket = new TLSSocket(raw, { isServer: true, secureContext, ALPNProtocols: ['h2', 'http/1.1'] });
    socket.on('error', () => raw.destroy());
    socket.once('secure', () => {
      record.alpn = socket.alpnProtocol ?? false;
      record.tlsVersion = socket.getProtocol() ?? undefined;
      let recorded = 0;
      socket.on('data', (chunk: Buffer) => {
        if (recorded < MAX_RECORDED_BYTES) record.clientBytes.push(chunk);
        recorded += chunk.length;
      });
      const backend = connect(backendPort(socket.alpnProtocol === 'h2' ? h2c : http1), BENCH_HOST);
      sockets.add(backend);
      backend.once('connect', () => byPipePort.set(backend.localPort!, record));
      socket.pipe(backend).pipe(socket);
      const end = () => {
        socket.destroy();
        backend.destroy();
        sockets.delete(backend);
      };
      socket.on('close', end);
      backend.on('error', end).on('close', end);
    });
  };

  /** Layer 1: the raw ClientHello, read before TLS starts and put back for it. */
  const front: NetServer = createNetServer((raw) => {
    const record: ConnectionRecord = { label, clientBytes: [] };
    all.push(record);
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => raw.destroy());
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => raw.destroy(), HELLO_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      const stream = Buffer.concat(chunks);
      try {
        const hello = clientHelloBytes(stream);
        if (hello === undefined) return;
        record.clientHello = parseClientHello(hello);
      } catch (err) {
        record.helloError = err instanceof Error ? err.message : String(err);
      }
      clearTimeout(timer);
      raw.removeListener('data', onData);
      raw.pause();
      // Everything read so far goes back: the TLS socket reads a wrapped socket's buffered data first.
      raw.unshift(stream);
      terminate(raw, record);
    };
    raw.on('data', onData);
  });
  front.listen(0, BENCH_HOST);
  await once(front, 'listening');

  return {
    port: (front.address() as { port: number }).port,
    expect(next) {
      label = next;
    },
    records: (wanted) => all.filter((r) => r.label === wanted),
    async close() {
      for (const s of sockets) s.destroy();
      h2c.close();
      http1.closeAllConnections();
      await Promise.all([front, http1, h2c].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
