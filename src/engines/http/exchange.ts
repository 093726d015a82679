import type { TargetPolicy } from '../../security/target-policy.js';
import { literalIp } from '../../security/target-policy.js';
import { TargetError, type EngineRequest, type RedirectHop, type RequestBody } from '../engine.js';
import { mergeHeaders, type HeaderList } from '../identity/header-sets.js';
import { readCapped } from './body-codec.js';
import { deadline } from './deadline.js';
import type { SessionCookieJar } from './cookie-jar.js';
import { toTargetError } from './exchange-errors.js';
import { assertResolvedAllowed } from './guarded-lookup.js';
import type { Transport } from './transport.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface ExchangeInput {
  transport: Transport;
  policy: TargetPolicy;
  jar: SessionCookieJar;
  request: EngineRequest;
  /** The identity headers for one hop, in the browser's order. */
  identity(url: URL, method: string, hasBody: boolean): HeaderList;
  maxResponseBytes: number;
  viaProxy: boolean;
  signal?: AbortSignal;
}

export interface ExchangeOutput {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  truncated: boolean;
  url: string;
  redirects: RedirectHop[];
}

/** Contract §1.5 body rules: object → JSON unless the caller asked for a form; string as is; binary bytes. */
export function encodeRequestBody(body: RequestBody | undefined, headers: Record<string, string>): { bytes?: Buffer; contentType?: string } {
  if (!body) return {};
  const declared = Object.entries(headers).find(([n]) => n.toLowerCase() === 'content-type')?.[1];
  switch (body.kind) {
    case 'json':
    case 'form': {
      if (body.kind === 'form' || /application\/x-www-form-urlencoded/i.test(declared ?? '')) {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(body.value as Record<string, unknown>)) {
          if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
          else if (v !== undefined && v !== null) params.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
        }
        return { bytes: Buffer.from(params.toString()), contentType: declared ? undefined : 'application/x-www-form-urlencoded' };
      }
      return { bytes: Buffer.from(JSON.stringify(body.value)), contentType: declared ? undefined : 'application/json' };
    }
    case 'text':
      return { bytes: Buffer.from(body.value), contentType: declared ? undefined : 'text/plain;charset=UTF-8' };
    case 'binary':
      return { bytes: body.value, contentType: declared ? undefined : 'application/octet-stream' };
  }
}

function withCookie(headers: HeaderList, cookie: string): HeaderList {
  if (!cookie) return headers;
  const existing = headers.findIndex(([n]) => n === 'cookie');
  if (existing >= 0) {
    // The caller's own Cookie header is kept and the jar's cookies go first, as a browser would send them.
    const out = headers.slice();
    out[existing] = ['cookie', `${cookie}; ${headers[existing]![1]}`];
    return out;
  }
  // Chromium sends Cookie after Accept-Language, before Priority.
  const at = headers.findIndex(([n]) => n === 'priority');
  const out = headers.slice();
  out.splice(at >= 0 ? at : out.length, 0, ['cookie', cookie]);
  return out;
}

/**
 * One request, hop by hop: the target policy on every hop (resolved address included), the jar's cookies
 * sent and the target's cookies taken on every hop, redirects followed as a browser does.
 */
export async function runExchange(input: ExchangeInput): Promise<ExchangeOutput> {
  const { request, transport, policy, jar } = input;
  const limit = deadline(request.timeoutMs, input.signal);
  const { signal } = limit;
  if (request.cookies?.length) jar.applyInput(request.cookies, request.url);
  const encoded = encodeRequestBody(request.body, request.headers);
  const originalOrigin = request.url.origin;

  let url = request.url;
  let method = request.method;
  let body = encoded.bytes;
  const redirects: RedirectHop[] = [];
  try {
    for (;;) {
      const verdict = policy.checkUrl(url);
      if (!verdict.allowed) throw new TargetError('not_allowed', `target not allowed: ${verdict.reason}`, verdict.reason);
      if (transport.resolvesItself && !literalIp(url) && !input.viaProxy) await assertResolvedAllowed(url.hostname, policy);

      let headers = mergeHeaders(input.identity(url, method, body !== undefined), request.headers);
      if (body !== undefined && encoded.contentType && !headers.some(([n]) => n === 'content-type')) headers.push(['content-type', encoded.contentType]);
      if (body === undefined) headers = headers.filter(([n]) => n !== 'content-type' && n !== 'content-length');
      if (request.auth && url.origin === originalOrigin && !headers.some(([n]) => n === 'authorization')) {
        headers.push(['authorization', `Basic ${Buffer.from(`${request.auth.username}:${request.auth.password}`).toString('base64')}`]);
      }
      // Credentials never follow a redirect to another origin (as in browsers and fetch).
      if (url.origin !== originalOrigin) headers = headers.filter(([n]) => n !== 'authorization');
      headers = withCookie(headers, jar.cookieHeader(url));

      const res = await transport.send({ url, method, headers, body, signal, timeoutMs: limit.remainingMs() });
      if (input.viaProxy && res.status === 407) {
        // Only a proxy answers 407 (RFC 9110 §15.5.8): it refused us, as a refused CONNECT tunnel reports.
        await res.discard();
        throw new TargetError('unreachable', 'The proxy could not be reached or refused the request.', 'proxy');
      }
      jar.applySetCookie(res.setCookies, url);
      const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
      if (request.followRedirects && REDIRECT_STATUSES.has(res.status) && location && redirects.length < request.maxRedirects) {
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          next = url;
        }
        if (next !== url && (next.protocol === 'http:' || next.protocol === 'https:')) {
          await res.discard();
          redirects.push({ url: url.toString(), statusCode: res.status, location });
          // 303 always, and 301/302 after a POST, continue as a GET without a body (as browsers do).
          if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
            if (method !== 'HEAD') method = 'GET';
            body = undefined;
          }
          url = next;
          continue;
        }
      }
      const { buffer, truncated } = await readCapped(res.body, input.maxResponseBytes);
      return { statusCode: res.status, headers: res.headers, body: buffer, truncated, url: url.toString(), redirects };
    }
  } catch (err) {
    throw toTargetError(err, { timedOut: limit.timedOut(), aborted: input.signal?.aborted ?? false, viaProxy: input.viaProxy });
  } finally {
    limit.dispose();
  }
}
