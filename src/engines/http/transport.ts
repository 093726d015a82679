import type { HeaderList } from '../identity/header-sets.js';

export interface HopRequest {
  url: URL;
  method: string;
  headers: HeaderList;
  body?: Buffer;
  signal: AbortSignal;
  /** Time left until the request's deadline: for a client that cannot cancel a request in flight on `signal`. */
  timeoutMs: number;
}

export interface HopResponse {
  status: number;
  /** Lowercased names; repeated headers joined with ", " except set-cookie. */
  headers: Record<string, string | string[]>;
  setCookies: string[];
  /** Decoded (Content-Encoding undone) body bytes. */
  body: AsyncIterable<Uint8Array>;
  /** Drops the body of a hop we do not read (a redirect), releasing the connection. */
  discard(): Promise<void>;
}

/** One HTTP exchange without redirects; the engine's redirect loop drives it hop by hop. */
export interface Transport {
  /** True when the transport resolves host names itself, so the policy must pre-resolve them. */
  readonly resolvesItself: boolean;
  send(hop: HopRequest): Promise<HopResponse>;
  close(): Promise<void>;
}

/** Normalises a header list of name/value pairs the way the contract returns headers (§1.7). */
export function collectHeaders(pairs: Iterable<[string, string]>): { headers: Record<string, string | string[]>; setCookies: string[] } {
  const headers: Record<string, string | string[]> = {};
  const setCookies: string[] = [];
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (name === 'set-cookie') {
      setCookies.push(value);
      continue;
    }
    const prev = headers[name];
    headers[name] = prev === undefined ? value : `${prev as string}, ${value}`;
  }
  if (setCookies.length > 0) headers['set-cookie'] = setCookies;
  return { headers, setCookies };
}
