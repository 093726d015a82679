import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ProxySpec } from '../../contract/types.js';

/** A proxy that has not set up the tunnel by then has failed. */
const TUNNEL_TIMEOUT_MS = 30_000;
/** Longest CONNECT answer head read from an HTTP proxy. */
const MAX_HEAD_BYTES = 16 * 1024;

export class TunnelError extends Error {}

/** Reads exact byte counts (or up to a delimiter) from a socket that is not piped yet. */
class SocketReader {
  private buffer: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.wake?.();
  };
  private readonly onEnd = (err?: Error) => {
    this.failure ??= err ?? new TunnelError('the proxy closed the connection');
    this.wake?.();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.once('error', this.onEnd);
    socket.once('close', () => this.onEnd());
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  async read(n: number): Promise<Buffer> {
    await this.until(() => this.buffer.length >= n);
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  async readHead(): Promise<Buffer> {
    let end = -1;
    await this.until(() => {
      end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0 && this.buffer.length > MAX_HEAD_BYTES) throw new TunnelError('the proxy answered with an oversized head');
      return end >= 0;
    });
    const head = this.buffer.subarray(0, end);
    this.buffer = this.buffer.subarray(end + 4);
    return head;
  }

  /** Stops reading; what arrived beyond the handshake belongs to the tunnel. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    return this.buffer;
  }
}

function proxyAuthorization(proxy: ProxySpec): string | undefined {
  if (proxy.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
}

async function httpConnect(socket: Socket, proxy: ProxySpec, host: string, port: number): Promise<Buffer> {
  const reader = new SocketReader(socket);
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const auth = proxyAuthorization(proxy);
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`);
  const head = (await reader.readHead()).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  if (!(status >= 200 && status < 300)) throw new TunnelError(`the proxy answered CONNECT with ${Number.isNaN(status) ? 'something else than HTTP' : status}`);
  return reader.detach();
}

async function socks5Connect(socket: Socket, proxy: ProxySpec, host: string, port: number): Promise<Buffer> {
  const reader = new SocketReader(socket);
  const withAuth = proxy.username !== undefined;
  socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
  const [version, method] = await reader.read(2);
  if (version !== 5 || (method !== 0 && method !== 2) || (method === 2 && !withAuth)) throw new TunnelError('the SOCKS5 proxy accepts none of our authentication methods');
  if (method === 2) {
    const user = Buffer.from(proxy.username ?? '');
    const pass = Buffer.from(proxy.password ?? '');
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const [, status] = await reader.read(2);
    if (status !== 0) throw new TunnelError('the SOCKS5 proxy refused the credentials');
  }
  const family = isIP(host);
  const address =
    family === 4
      ? Buffer.from([1, ...host.split('.').map(Number)])
      : family === 6
        ? Buffer.concat([Buffer.from([4]), ipv6Bytes(host)])
        : Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, portBytes]));
  const [, reply, , type] = await reader.read(4);
  if (reply !== 0) throw new TunnelError(`the SOCKS5 proxy refused the connection (reply ${reply})`);
  const addressLength = type === 1 ? 4 : type === 4 ? 16 : type === 3 ? (await reader.read(1))[0]! : -1;
  if (addressLength < 0) throw new TunnelError('the SOCKS5 proxy answered with an unknown address type');
  await reader.read(addressLength + 2);
  return reader.detach();
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const all = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/**
 * A TCP tunnel to `host:port` through the session's proxy (HTTP or HTTPS CONNECT, or SOCKS5 with optional
 * username and password; the proxy resolves the host name). Resolves with the connected socket and any bytes
 * of the target that arrived with the proxy's answer.
 */
export async function openTunnel(proxy: ProxySpec, host: string, port: number): Promise<{ socket: Socket; early: Buffer }> {
  const socket: Socket =
    proxy.protocol === 'https' ? tlsConnect({ host: proxy.host, port: proxy.port, servername: isIP(proxy.host) ? undefined : proxy.host }) : netConnect({ host: proxy.host, port: proxy.port, noDelay: true });
  socket.setTimeout(TUNNEL_TIMEOUT_MS, () => socket.destroy(new TunnelError('the proxy did not set up the tunnel in time')));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once(proxy.protocol === 'https' ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    const early = proxy.protocol === 'socks5' ? await socks5Connect(socket, proxy, host, port) : await httpConnect(socket, proxy, host, port);
    socket.setTimeout(0);
    socket.removeAllListeners('error');
    return { socket, early };
  } catch (err) {
    socket.destroy();
    throw err instanceof TunnelError ? err : new TunnelError(`the proxy could not be reached: ${(err as Error).message}`);
  }
}
