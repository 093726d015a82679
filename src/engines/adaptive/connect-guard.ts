import { promises as dns } from 'node:dns';
import { connect, createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { TargetError } from '../engine.js';
import type { ProxySpec } from '../../contract/types.js';
import { literalIp, type TargetPolicy } from '../../security/target-policy.js';
import { openTunnel } from './proxy-tunnel.js';

export type ConnectFailureReason = 'policy' | 'dns' | 'connect' | 'proxy';

export interface ConnectFailure {
  reason: ConnectFailureReason;
  /** What the policy said (`address 10.0.0.1 is not public`), or what failed. */
  detail: string;
  host: string;
  at: number;
}

type Refusal = Pick<ConnectFailure, 'reason' | 'detail'>;

/** A browser that never finishes its SOCKS greeting is cut off after this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Failures kept per context, newest last: a navigation's error is matched against the recent ones. */
const FAILURES_KEPT = 16;

const REPLY = { succeeded: 0x00, general: 0x01, notAllowed: 0x02, hostUnreachable: 0x04, refused: 0x05, commandNotSupported: 0x07 } as const;
const FAILURE_REPLY: Record<ConnectFailureReason, number> = { policy: REPLY.notAllowed, dns: REPLY.hostUnreachable, connect: REPLY.refused, proxy: REPLY.general };

type Parsed = { host: string; port: number; command: number; length: number } | 'incomplete' | 'malformed';

/** A SOCKS5 request (RFC 1928 §4): VER CMD RSV ATYP DST.ADDR DST.PORT. */
function parseRequest(buf: Buffer): Parsed {
  if (buf.length < 5) return 'incomplete';
  if (buf[0] !== 5) return 'malformed';
  const command = buf[1]!;
  const type = buf[3]!;
  let host: string;
  let offset: number;
  if (type === 1) {
    if (buf.length < 10) return 'incomplete';
    host = [...buf.subarray(4, 8)].join('.');
    offset = 8;
  } else if (type === 3) {
    const length = buf[4]!;
    if (buf.length < 5 + length + 2) return 'incomplete';
    host = buf.subarray(5, 5 + length).toString('latin1');
    offset = 5 + length;
  } else if (type === 4) {
    if (buf.length < 22) return 'incomplete';
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(4 + i).toString(16));
    host = groups.join(':');
    offset = 20;
  } else {
    return 'malformed';
  }
  return { host, port: buf.readUInt16BE(offset), command, length: offset + 2 };
}

const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);

const registry = new WeakMap<BrowserContext, ConnectGuard>();

/**
 * The egress of a browser context when private targets are refused (contract §1.5): a SOCKS5 listener on
 * 127.0.0.1, one per context, that every connection of the context goes through (Chromium sends it the host
 * name and resolves nothing itself). Each connection is checked as the passive engine checks its own: the host
 * name first (local names, literal private addresses), then every address it resolves to, and the connection
 * is made to the address that was checked, so a name cannot resolve one way for the check and another for the
 * connection. Behind the session's own proxy, the host name is checked (literal and local hosts) and the proxy,
 * which resolves it, is asked for a tunnel (proxy-tunnel.ts), as the passive engine does through a proxy. Bytes
 * pass through untouched: TLS, HTTP/2 and header order are the browser's own.
 *
 * Unlike request interception, it leaves the browser's HTTP cache alone: intercepting requests (a route) turns
 * the cache off, and every request then carries `pragma: no-cache` and `cache-control: no-cache`, which a real
 * Chrome only sends on a forced reload.
 */
export class ConnectGuard {
  private readonly sockets = new Set<Socket>();
  private readonly failures: ConnectFailure[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly policy: TargetPolicy,
    private readonly upstream: ProxySpec | undefined,
    /** The context's proxy setting: `socks5://127.0.0.1:<port>`. */
    readonly proxyServer: string,
  ) {
    server.on('connection', (socket) => this.handle(socket));
  }

  /** `upstream`: the session's own proxy, which every connection then goes through. */
  static async open(policy: TargetPolicy, upstream?: ProxySpec): Promise<ConnectGuard> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new ConnectGuard(server, policy, upstream, `socks5://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  /** Ties the guard to the context it serves, for `explainNetworkError`. */
  attach(context: BrowserContext): void {
    registry.set(context, this);
  }

  /** The newest failure since `since` (ms since the epoch), a refusal by the policy first. */
  failureSince(since: number): ConnectFailure | undefined {
    const recent = this.failures.filter((f) => f.at >= since);
    return recent.filter((f) => f.reason === 'policy').at(-1) ?? recent.at(-1);
  }

  get connections(): number {
    return this.sockets.size;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A reset from either side only ends that connection.
    socket.on('error', () => socket.destroy());
  }

  private fail(client: Socket, refusal: Refusal, host: string): void {
    this.failures.push({ ...refusal, host, at: Date.now() });
    if (this.failures.length > FAILURES_KEPT) this.failures.shift();
    client.end(reply(FAILURE_REPLY[refusal.reason]));
  }

  private handle(client: Socket): void {
    this.track(client);
    if (this.closing) {
      client.destroy();
      return;
    }
    let buf: Buffer = Buffer.alloc(0);
    let greeted = false;
    const timer = setTimeout(() => client.destroy(), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    client.once('close', () => clearTimeout(timer));
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (!greeted) {
        if (buf.length < 2) return;
        const end = 2 + buf[1]!;
        if (buf.length < end) return;
        // Version 5, and "no authentication" among the methods offered.
        if (buf[0] !== 5 || !buf.subarray(2, end).includes(0)) {
          client.end(Buffer.from([5, 0xff]));
          return;
        }
        client.write(Buffer.from([5, 0]));
        greeted = true;
        buf = buf.subarray(end);
      }
      const request = parseRequest(buf);
      if (request === 'incomplete') return;
      client.off('data', onData);
      clearTimeout(timer);
      if (request === 'malformed') {
        client.end(reply(REPLY.general));
        return;
      }
      if (request.command !== 1) {
        client.end(reply(REPLY.commandNotSupported));
        return;
      }
      client.pause();
      void this.connectOut(client, request.host, request.port, buf.subarray(request.length));
    };
    client.on('data', onData);
  }

  /** The addresses `host` may be reached at, or why not. */
  private async addressesOf(host: string, port: number): Promise<string[] | Refusal> {
    let url: URL;
    try {
      url = new URL(`http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`);
    } catch {
      return { reason: 'dns', detail: `host ${host} is not a valid host name` };
    }
    const byName = this.policy.checkUrl(url);
    if (!byName.allowed) return { reason: 'policy', detail: byName.reason };
    const literal = literalIp(url);
    if (literal) return [literal];
    // The proxy resolves the name, as for a passive request through a proxy.
    if (this.upstream) return [url.hostname];
    const found = await dns.lookup(url.hostname, { all: true }).catch(() => []);
    if (found.length === 0) return { reason: 'dns', detail: `host ${url.hostname} could not be resolved` };
    for (const { address } of found) {
      const verdict = this.policy.checkAddress(address);
      if (!verdict.allowed) return { reason: 'policy', detail: verdict.reason };
    }
    return found.map((a) => a.address);
  }

  private async connectOut(client: Socket, host: string, port: number, early: Buffer): Promise<void> {
    const addresses = await this.addressesOf(host, port);
    if (client.destroyed) return;
    if (!Array.isArray(addresses)) {
      this.fail(client, addresses, host);
      return;
    }
    if (this.upstream) {
      const tunnel = await openTunnel(this.upstream, addresses[0]!, port).catch((err: Error) => err);
      if (tunnel instanceof Error) {
        if (!client.destroyed) this.fail(client, { reason: 'proxy', detail: tunnel.message }, host);
        return;
      }
      this.splice(client, tunnel.socket, early, tunnel.early);
      return;
    }
    for (const address of addresses) {
      const upstream = await new Promise<Socket | undefined>((resolve) => {
        const socket = connect({ host: address, port, noDelay: true });
        socket.once('connect', () => resolve(socket));
        socket.once('error', () => {
          socket.destroy();
          resolve(undefined);
        });
      });
      if (!upstream) continue;
      this.splice(client, upstream, early, Buffer.alloc(0));
      return;
    }
    this.fail(client, { reason: 'connect', detail: `no address of ${host} accepted a connection on port ${port}` }, host);
  }

  /** Answers the browser and joins its connection to the target's. */
  private splice(client: Socket, upstream: Socket, fromClient: Buffer, fromUpstream: Buffer): void {
    if (client.destroyed || this.closing) {
      upstream.destroy();
      return;
    }
    this.track(upstream);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.write(reply(REPLY.succeeded));
    if (fromUpstream.length > 0) client.write(fromUpstream);
    if (fromClient.length > 0) upstream.write(fromClient);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }

  /** Stops listening and cuts every connection still open. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }
}

/**
 * A navigation that failed at the context's guard: Chromium reports every refused SOCKS connection alike
 * (`ERR_SOCKS_CONNECTION_FAILED`), and the guard knows why. Undefined when the error is not the guard's.
 */
export function explainNetworkError(context: BrowserContext, message: string, since: number): TargetError | undefined {
  if (!/ERR_SOCKS|ERR_PROXY_CONNECTION_FAILED/.test(message)) return undefined;
  const failure = registry.get(context)?.failureSince(since);
  if (!failure) return undefined;
  if (failure.reason === 'policy') return new TargetError('not_allowed', `target not allowed: ${failure.detail}`, failure.detail);
  if (failure.reason === 'dns') return new TargetError('unreachable', 'The target host name could not be resolved.', 'dns');
  if (failure.reason === 'proxy') return new TargetError('unreachable', 'The proxy could not be reached or refused the request.', 'proxy');
  return new TargetError('unreachable', 'Connection refused by the target.', 'connect');
}
