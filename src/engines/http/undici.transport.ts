import { Agent, ProxyAgent, Socks5ProxyAgent, request, type Dispatcher } from 'undici';
import type { ProxySpec } from '../../contract/types.js';
import type { TargetPolicy } from '../../security/target-policy.js';
import { decodeContentEncoding } from './body-codec.js';
import { guardedLookup } from './guarded-lookup.js';
import { collectHeaders, type HopRequest, type HopResponse, type Transport } from './transport.js';

const KEEP_ALIVE_MS = 10_000;

function proxyKey(proxy: ProxySpec | undefined, verifySSL: boolean): string {
  return `${proxy ? `${proxy.protocol}://${proxy.username ?? ''}:${proxy.password ?? ''}@${proxy.host}:${proxy.port}` : 'direct'}|${verifySSL}`;
}

/**
 * undici dispatchers shared by all plain-client requests, one per (proxy, TLS verification) pair. Direct
 * connections resolve through the policy's guarded lookup, so the address checked is the address used.
 */
export class UndiciDispatchers {
  private readonly dispatchers = new Map<string, Dispatcher>();
  private closing: Promise<void> | undefined;

  constructor(private readonly policy: TargetPolicy) {}

  get(proxy: ProxySpec | undefined, verifySSL: boolean): Dispatcher {
    const key = proxyKey(proxy, verifySSL);
    let d = this.dispatchers.get(key);
    if (!d) {
      d = this.create(proxy, verifySSL);
      this.dispatchers.set(key, d);
    }
    return d;
  }

  private create(proxy: ProxySpec | undefined, verifySSL: boolean): Dispatcher {
    const tls = { rejectUnauthorized: verifySSL };
    if (!proxy) {
      return new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, connect: { ...tls, lookup: guardedLookup(this.policy) } as never });
    }
    const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
    if (proxy.protocol === 'socks5') {
      // `connect` would replace the connector to the proxy itself; the target's TLS settings go in `requestTls`
      // (read by undici's Socks5ProxyAgent, missing from its type declarations).
      const options: Socks5ProxyAgent.Options & { requestTls: typeof tls } = { username: proxy.username, password: proxy.password, keepAliveTimeout: KEEP_ALIVE_MS, requestTls: tls };
      return new Socks5ProxyAgent(`socks5://${host}:${proxy.port}`, options);
    }
    const token = proxy.username !== undefined ? `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}` : undefined;
    return new ProxyAgent({ uri: `${proxy.protocol}://${host}:${proxy.port}`, token, requestTls: tls, keepAliveTimeout: KEEP_ALIVE_MS });
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled([...this.dispatchers.values()].map((d) => d.close())).then(() => this.dispatchers.clear());
    return this.closing;
  }
}

/** The plain client (sensibility low): undici, headers sent in the given order, bodies decoded here. */
export class UndiciTransport implements Transport {
  readonly resolvesItself = false;

  constructor(private readonly dispatcher: Dispatcher) {}

  async send(hop: HopRequest): Promise<HopResponse> {
    const res = await request(hop.url, {
      method: hop.method as Dispatcher.HttpMethod,
      headers: hop.headers.flat(),
      body: hop.body,
      dispatcher: this.dispatcher,
      signal: hop.signal,
    });
    const pairs: Array<[string, string]> = [];
    for (const [name, value] of Object.entries(res.headers)) {
      if (Array.isArray(value)) for (const v of value) pairs.push([name, v]);
      else if (value !== undefined) pairs.push([name, value]);
    }
    const { headers, setCookies } = collectHeaders(pairs);
    const encoding = typeof headers['content-encoding'] === 'string' ? headers['content-encoding'] : undefined;
    return {
      status: res.statusCode,
      headers,
      setCookies,
      body: hop.method === 'HEAD' ? emptyBody() : decodeContentEncoding(res.body, encoding),
      discard: () => res.body.dump(),
    };
  }

  async close(): Promise<void> {}
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}
