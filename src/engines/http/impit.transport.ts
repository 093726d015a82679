import { Impit, type Browser, type HttpMethod } from 'impit';
import type { ProxySpec } from '../../contract/types.js';
import { collectHeaders, type HopRequest, type HopResponse, type Transport } from './transport.js';

/** impit's newest Chrome profile: its default is an old macOS Chrome, which contradicts our identity. */
export const IMPIT_BROWSER: Browser = 'chrome151';

/**
 * The headers impit's Chrome impersonation adds on its own (with its Chrome 151 values) when a request lacks them.
 * The hop's list is the whole identity: any of these it does not carry is sent empty, which impit drops.
 */
const IMPERSONATED_HEADERS = ['sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'upgrade-insecure-requests', 'user-agent', 'accept', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-user', 'sec-fetch-dest', 'accept-encoding', 'accept-language', 'priority'];

export function proxyUrl(proxy: ProxySpec | undefined): string | undefined {
  if (!proxy) return undefined;
  const cred = proxy.username !== undefined ? `${encodeURIComponent(proxy.username)}:${encodeURIComponent(proxy.password ?? '')}@` : '';
  const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  return `${proxy.protocol}://${cred}${host}:${proxy.port}`;
}

/**
 * Chrome TLS + HTTP/2 impersonation (sensibility medium/high). One impit client per session, so a session keeps
 * one connection pool and one TLS identity. impit resolves names itself: the engine pre-checks the policy.
 */
export class ImpitTransport implements Transport {
  readonly resolvesItself = true;
  private readonly client: Impit;

  constructor(options: { proxy?: ProxySpec; verifySSL: boolean }) {
    this.client = new Impit({
      browser: IMPIT_BROWSER,
      followRedirects: false,
      ignoreTlsErrors: !options.verifySSL,
      proxyUrl: proxyUrl(options.proxy),
    });
  }

  async send(hop: HopRequest): Promise<HopResponse> {
    const present = new Set(hop.headers.map(([n]) => n.toLowerCase()));
    const suppressed = IMPERSONATED_HEADERS.filter((n) => !present.has(n)).map((n): [string, string] => [n, '']);
    const res = await this.client.fetch(hop.url.toString(), {
      method: hop.method as HttpMethod,
      headers: [...hop.headers, ...suppressed],
      body: hop.body,
      signal: hop.signal,
      // impit's signal only rejects the promise: the native request runs on until the target answers. Its own
      // timeout ends it at the request's deadline, so a client that hung up never leaves a request behind for long.
      timeout: hop.timeoutMs,
    });
    const pairs: Array<[string, string]> = [];
    res.headers.forEach((value, name) => {
      if (name.toLowerCase() !== 'set-cookie') pairs.push([name, value]);
    });
    for (const c of res.headers.getSetCookie()) pairs.push(['set-cookie', c]);
    const { headers, setCookies } = collectHeaders(pairs);
    const stream = res.body;
    return {
      status: res.status,
      headers,
      setCookies,
      body: stream as unknown as AsyncIterable<Uint8Array>,
      discard: async () => {
        await stream.cancel().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {}
}
