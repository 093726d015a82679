import { Impit } from 'impit';
import { Agent, request } from 'undici';
import type { SendOnce } from './raw-load.js';

/** The raw clients BBRE's passive transports are built on, configured as BBRE configures them. */
export interface RawClient {
  readonly name: string;
  send: SendOnce;
  close(): Promise<void>;
}

/** The header set of a `low` session (user agent, accept, language, encoding), so both sides send as much. */
const LOW_HEADERS = [
  'user-agent',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  'accept',
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'accept-language',
  'en-US,en;q=0.9',
  'accept-encoding',
  'gzip, deflate, br',
];

/** undici@7 with an Agent like UndiciDispatchers' direct one (keep-alive 10 s, one pool per origin). */
export function rawUndici(url: string): RawClient {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  return {
    name: 'undici',
    async send(signal) {
      const res = await request(url, { method: 'GET', headers: LOW_HEADERS, dispatcher, signal });
      await res.body.arrayBuffer();
      return res.statusCode;
    },
    close: () => dispatcher.close(),
  };
}

/** impit with ImpitTransport's options: the chrome151 profile, redirects not followed. */
export function rawImpit(url: string): RawClient {
  const client = new Impit({ browser: 'chrome151', followRedirects: false });
  return {
    name: 'impit',
    async send(signal) {
      const res = await client.fetch(url, { method: 'GET', signal });
      await res.arrayBuffer();
      return res.status;
    },
    close: async () => undefined,
  };
}
