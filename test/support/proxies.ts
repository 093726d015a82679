import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * Tiny local proxies for the passive-engine tests, written on node:net / node:http. Both are bounded: they relay
 * only to 127.0.0.1 (never anywhere else), and `close()` destroys every socket they hold.
 */
export interface TestProxy {
  url: string;
  port: number;
  /** Requests (HTTP proxy: CONNECT tunnels and absolute-form requests) or connections (SOCKS5) relayed. */
  readonly relayed: number;
  close(): Promise<void>;
}

export interface ProxyCredentials {
  username: string;
  password: string;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const IPV6_LOOPBACK = Buffer.from([...Array(15).fill(0), 1]);

/** Keeps every socket of a server (and the upstream sockets it opened) so close() can drop them. */
class SocketSet {
  private readonly sockets = new Set<Socket>();
  add(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

function pipeBoth(a: Socket, b: Socket): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.once('close', () => b.destroy());
  b.once('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

async function listenLocal(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function closer(server: Server, sockets: SocketSet): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      sockets.destroyAll();
    });
    return closing;
  };
}

/** An HTTP forward proxy: CONNECT tunnels and absolute-form requests (`GET http://host/path`). */
export async function startHttpProxy(options: { auth?: ProxyCredentials } = {}): Promise<TestProxy> {
  let relayed = 0;
  const sockets = new SocketSet();
  const expected = options.auth ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` : undefined;
  const authorized = (req: IncomingMessage) => !expected || req.headers['proxy-authorization'] === expected;

  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form only');
      return;
    }
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="proxy"' }).end();
      return;
    }
    if (target.protocol !== 'http:' || !LOCAL_HOSTS.has(target.hostname)) {
      res.writeHead(403).end('this proxy relays to 127.0.0.1 only');
      return;
    }
    relayed++;
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.rawHeaders);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const reply = (status: string): void => void client.end(`HTTP/1.1 ${status}\r\n\r\n`);
    if (!authorized(req)) return reply('407 Proxy Authentication Required');
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m || !LOCAL_HOSTS.has(m[1]!)) return reply('403 Forbidden');
    relayed++;
    const upstream = sockets.add(connect(Number(m[2]), m[1]!.replace(/^\[|\]$/g, '')));
    upstream.once('error', () => reply('502 Bad Gateway'));
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      pipeBoth(client, upstream);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get relayed() {
      return relayed;
    },
    close: closer(server, sockets),
  };
}

/** Reads exact byte counts from a socket, for the SOCKS5 handshake. */
class ByteReader {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.once('close', () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.waiter?.();
  };

  async read(n: number): Promise<Buffer> {
    while (this.buffer.length < n) {
      if (this.ended) throw new Error('socket closed during the handshake');
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** Stops reading and hands back what arrived beyond the handshake. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    return this.buffer;
  }
}

/** A SOCKS5 proxy (RFC 1928, CONNECT only) with no authentication, or username/password (RFC 1929). */
export async function startSocks5Proxy(options: { auth?: ProxyCredentials } = {}): Promise<TestProxy> {
  let relayed = 0;
  const sockets = new SocketSet();

  const handshake = async (client: Socket): Promise<void> => {
    const r = new ByteReader(client);
    const [version, nMethods] = await r.read(2);
    if (version !== 5) return void client.destroy();
    const methods = [...(await r.read(nMethods!))];
    const wanted = options.auth ? 0x02 : 0x00;
    if (!methods.includes(wanted)) return void client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, wanted]));
    if (options.auth) {
      const [, uLen] = await r.read(2);
      const user = (await r.read(uLen!)).toString();
      const [pLen] = await r.read(1);
      const pass = (await r.read(pLen!)).toString();
      const ok = user === options.auth.username && pass === options.auth.password;
      client.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) return void client.end();
    }
    const [, cmd, , atyp] = await r.read(4);
    let host: string;
    if (atyp === 1) host = [...(await r.read(4))].join('.');
    else if (atyp === 3) host = (await r.read((await r.read(1))[0]!)).toString();
    else if (atyp === 4) host = (await r.read(16)).equals(IPV6_LOOPBACK) ? '::1' : 'non-local-ipv6';
    else return void client.destroy();
    const port = (await r.read(2)).readUInt16BE(0);
    const fail = (code: number): void => void client.end(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
    if (cmd !== 1) return fail(0x07);
    if (!LOCAL_HOSTS.has(host)) return fail(0x02);
    relayed++;
    const upstream = sockets.add(connect(port, host === 'localhost' ? '127.0.0.1' : host));
    upstream.once('error', () => fail(0x05));
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
      const rest = r.detach();
      if (rest.length) upstream.write(rest);
      pipeBoth(client, upstream);
    });
  };

  const server = createNetServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    handshake(client).catch(() => client.destroy());
  });
  const port = await listenLocal(server);
  return {
    url: `socks5://127.0.0.1:${port}`,
    port,
    get relayed() {
      return relayed;
    },
    close: closer(server, sockets),
  };
}
