import type { BrowserContext, CDPSession, Page, Request as PwRequest, Response as PwResponse } from 'playwright-core';
import { TargetError, type EngineRequest, type RedirectHop } from '../engine.js';
import { encodeRequestBody } from '../http/exchange.js';
import { explainNetworkError } from './connect-guard.js';

export interface PageResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: string;
  url: string;
  redirects: RedirectHop[];
}

/** Contract §1.7 adaptive: after `load`, the page must stay still (no navigation) this long. */
const QUIET_MS = 500;

function headersOf(raw: Array<{ name: string; value: string }>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const setCookies: string[] = [];
  for (const { name, value } of raw) {
    const n = name.toLowerCase();
    if (n === 'set-cookie') setCookies.push(...value.split('\n'));
    else out[n] = out[n] === undefined ? value : `${out[n] as string}, ${value}`;
  }
  if (setCookies.length > 0) out['set-cookie'] = setCookies;
  return out;
}

async function redirectsOf(response: PwResponse): Promise<RedirectHop[]> {
  const hops: RedirectHop[] = [];
  for (let req: PwRequest | null = response.request().redirectedFrom(); req; req = req.redirectedFrom()) {
    const r = await req.response();
    hops.unshift({ url: req.url(), statusCode: r?.status() ?? 0, location: (await r?.headerValue('location')) ?? '' });
  }
  return hops;
}

/** The frame of a document response; service-worker responses have none. */
function frameOf(response: PwResponse): unknown {
  try {
    return response.frame();
  } catch {
    return undefined;
  }
}

const withoutHash = (url: string) => url.split('#')[0];

/** Contract §1.5 default of maxRedirects. */
const DEFAULT_MAX_REDIRECTS = 10;

interface RedirectGuard {
  /** Hops followed so far, in order. */
  hops: RedirectHop[];
  /** The 3xx answer the limit stopped, if any. */
  stopped?: { url: string; statusCode: number; headers: Array<{ name: string; value: string }> };
  release(): Promise<void>;
}

interface PausedDocument {
  requestId: string;
  frameId: string;
  request: { url: string; headers: Record<string, string> };
  responseStatusCode?: number;
  responseHeaders?: Array<{ name: string; value: string }>;
}

/**
 * Pauses the page's document requests at `stage` through the DevTools Fetch domain, on a CDP session of its own.
 * `onPaused` receives each one with the main frame's id and must continue or fail it. Resolves to the release,
 * which ends the interception and detaches the session.
 */
async function interceptDocuments(
  context: BrowserContext,
  page: Page,
  stage: 'Request' | 'Response',
  onPaused: (e: PausedDocument, mainFrameId: string, cdp: CDPSession) => void,
): Promise<() => Promise<void>> {
  const cdp = await context.newCDPSession(page);
  let mainFrameId = '';
  const listener = (e: PausedDocument) => onPaused(e, mainFrameId, cdp);
  const release = async () => {
    cdp.off('Fetch.requestPaused', listener);
    await cdp.send('Fetch.disable').catch(() => undefined);
    await cdp.detach().catch(() => undefined);
  };
  try {
    const tree = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
    mainFrameId = tree.frameTree.frame.id;
    cdp.on('Fetch.requestPaused', listener);
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', resourceType: 'Document', requestStage: stage }] });
    return release;
  } catch (err) {
    await release();
    throw err;
  }
}

/**
 * Stops the main document's redirect chain after `limit` hops. Playwright's routes never see redirects, so this
 * pauses main-frame document responses through the DevTools Fetch domain: a 3xx beyond the limit is failed
 * (its cookies are already stored, as in the passive engine), everything else continues unchanged.
 */
async function guardRedirects(context: BrowserContext, page: Page, limit: number): Promise<RedirectGuard> {
  const hops: RedirectHop[] = [];
  const guard: RedirectGuard = { hops, release: async () => {} };
  guard.release = await interceptDocuments(context, page, 'Response', (e, mainFrameId, cdp) => {
    const status = e.responseStatusCode ?? 0;
    const location = e.responseHeaders?.find((h) => h.name.toLowerCase() === 'location')?.value;
    const redirect = e.frameId === mainFrameId && status >= 300 && status < 400 && location !== undefined;
    if (redirect && !guard.stopped && hops.length >= limit) {
      guard.stopped = { url: e.request.url, statusCode: status, headers: e.responseHeaders ?? [] };
      void cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'Aborted' }).catch(() => undefined);
      return;
    }
    if (redirect) hops.push({ url: e.request.url, statusCode: status, location });
    void cdp.send('Fetch.continueRequest', { requestId: e.requestId }).catch(() => undefined);
  });
  return guard;
}

/** Request headers with `extra` laid over them: a header of the same name (any case) is replaced in place. */
export function mergeHeaders(original: Record<string, string>, extra: Record<string, string>): Array<{ name: string; value: string }> {
  const merged = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(original)) merged.set(name.toLowerCase(), { name, value });
  for (const [name, value] of Object.entries(extra)) {
    const key = name.toLowerCase();
    const existing = merged.get(key);
    merged.set(key, existing ? { name: existing.name, value } : { name, value });
  }
  return [...merged.values()];
}

/**
 * Sends the session request's own method, headers and body with the main-frame navigation to `target`, through the
 * DevTools Fetch domain on a session of its own. Not a Playwright route: a route turns the browser's HTTP cache
 * off while it is installed, and every request of the page then carries `pragma: no-cache` and
 * `cache-control: no-cache`.
 */
async function rewriteNavigation(
  context: BrowserContext,
  page: Page,
  target: string,
  rewrite: { method: string; headers: Record<string, string>; body?: Buffer },
): Promise<() => Promise<void>> {
  let done = false;
  return interceptDocuments(context, page, 'Request', (e, mainFrameId, cdp) => {
    if (done || e.frameId !== mainFrameId || e.request.url !== target) {
      void cdp.send('Fetch.continueRequest', { requestId: e.requestId }).catch(() => undefined);
      return;
    }
    done = true;
    void cdp
      .send('Fetch.continueRequest', {
        requestId: e.requestId,
        method: rewrite.method,
        headers: mergeHeaders(e.request.headers, rewrite.headers),
        ...(rewrite.body ? { postData: rewrite.body.toString('base64') } : {}),
      })
      .catch(() => undefined);
  });
}

async function ignoreCertificateErrors(context: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('Security.setIgnoreCertificateErrors', { ignore: true });
    return cdp;
  } catch (err) {
    await cdp.detach().catch(() => undefined);
    throw err;
  }
}

/**
 * Waits until no main-frame navigation happened for QUIET_MS and none is pending, or the deadline. A script
 * navigation is pending from its request until it commits or fails: a target slower than QUIET_MS must not
 * leave the page mid-navigation (its content cannot be read until the navigation ends).
 */
async function settle(page: Page, deadline: number): Promise<{ navigating: boolean }> {
  let last = Date.now();
  const pending = new Set<PwRequest>();
  const isMainNavigation = (req: PwRequest) => {
    try {
      return req.isNavigationRequest() && req.frame() === page.mainFrame();
    } catch {
      return false; // a service worker's request has no frame
    }
  };
  const onNav = (frame: unknown) => {
    if (frame === page.mainFrame()) last = Date.now();
  };
  const onRequest = (req: PwRequest) => {
    if (!isMainNavigation(req)) return;
    pending.add(req);
    last = Date.now();
  };
  const onRequestDone = (req: PwRequest) => {
    if (pending.delete(req)) last = Date.now();
  };
  page.on('framenavigated', onNav);
  page.on('request', onRequest);
  page.on('requestfinished', onRequestDone);
  page.on('requestfailed', onRequestDone);
  try {
    while ((pending.size > 0 || Date.now() - last < QUIET_MS) && Date.now() < deadline) {
      const quietLeft = pending.size > 0 ? 50 : QUIET_MS - (Date.now() - last) + 10;
      await page.waitForTimeout(Math.min(quietLeft, Math.max(1, deadline - Date.now())));
    }
    if (pending.size > 0) return { navigating: true };
    await page.waitForLoadState('load', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
    return { navigating: false };
  } finally {
    page.off('framenavigated', onNav);
    page.off('request', onRequest);
    page.off('requestfinished', onRequestDone);
    page.off('requestfailed', onRequestDone);
  }
}

/** The serialized DOM; a page still navigating when the timeout ran out never got its final document in time. */
async function documentContent(page: Page, timeoutSecs: number): Promise<string> {
  try {
    return await page.content();
  } catch (err) {
    if (/page is navigating/i.test((err as Error).message ?? '')) throw new TargetError('timeout', `The target did not answer within ${timeoutSecs} seconds.`, 'timeout', { cause: err });
    throw err;
  }
}

/** How long a failed navigation may take to show its error page; past it the request ends anyway. */
const ERROR_PAGE_WAIT_MS = 2_000;

/**
 * A navigation that failed on the network (refused, TLS, DNS) rejects `goto` before Chromium commits its error
 * page. That commit comes later and would interrupt the session's next navigation ("interrupted by another
 * navigation to chrome-error://"), so the failed request ends only once the page shows its error document.
 */
async function errorPageCommitted(page: Page, err: unknown): Promise<void> {
  const message = (err as Error).message ?? '';
  if (!/net::ERR_/.test(message) || /net::ERR_ABORTED/.test(message) || page.isClosed()) return;
  const isErrorPage = (url: string) => url.startsWith('chrome-error://');
  if (isErrorPage(page.mainFrame().url())) return;
  await page
    .waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() && isErrorPage(frame.url()), timeout: ERROR_PAGE_WAIT_MS })
    .catch(() => undefined);
}

function navigationError(err: unknown, timeoutSecs: number): TargetError {
  const message = (err as Error).message ?? String(err);
  if (/Timeout|timed out/i.test(message)) return new TargetError('timeout', `The target did not answer within ${timeoutSecs} seconds.`, 'timeout', { cause: err });
  if (/ERR_BLOCKED_BY_CLIENT|blocked by policy/i.test(message)) return new TargetError('not_allowed', 'target not allowed', 'policy', { cause: err });
  if (/ERR_NAME_NOT_RESOLVED/.test(message)) return new TargetError('unreachable', 'The target host name could not be resolved.', 'dns', { cause: err });
  if (/ERR_CERT|SSL|ERR_SSL/.test(message)) return new TargetError('unreachable', 'The TLS handshake with the target failed.', 'tls', { cause: err });
  if (/ERR_PROXY|ERR_TUNNEL/.test(message)) return new TargetError('unreachable', 'The proxy could not be reached or refused the request.', 'proxy', { cause: err });
  if (/Target page, context or browser has been closed|Target closed|browser has disconnected/i.test(message)) return new TargetError('aborted', 'The browser closed during the request.', 'crashed', { cause: err });
  if (/ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/.test(message)) return new TargetError('unreachable', 'The connection to the target was reset.', 'reset', { cause: err });
  return new TargetError('unreachable', 'Connection refused by the target.', 'connect', { cause: err });
}

/**
 * One request through the session's page (contract §1.7 adaptive): the main document's real status, headers
 * and redirect hops, the rendered DOM. A method other than GET (or a body, or headers) goes through the browser's
 * own network stack by rewriting the navigation request (rewriteNavigation), as a form submission would.
 */
export async function pageRequest(context: BrowserContext, page: Page, request: EngineRequest, signal?: AbortSignal): Promise<PageResponse> {
  const started = Date.now();
  const deadline = started + request.timeoutMs;
  const timeoutSecs = request.timeoutMs / 1000;
  const encoded = encodeRequestBody(request.body, request.headers);
  const extraHeaders: Record<string, string> = { ...request.headers };
  if (request.auth && !Object.keys(extraHeaders).some((h) => h.toLowerCase() === 'authorization')) {
    extraHeaders.authorization = `Basic ${Buffer.from(`${request.auth.username}:${request.auth.password}`).toString('base64')}`;
  }
  if (encoded.contentType && !Object.keys(extraHeaders).some((h) => h.toLowerCase() === 'content-type')) extraHeaders['content-type'] = encoded.contentType;
  const target = request.url.toString();
  const rewrite = request.method !== 'GET' || encoded.bytes !== undefined || Object.keys(extraHeaders).length > 0;
  let releaseRewrite: (() => Promise<void>) | undefined;
  // Contract §1.5: followRedirects false, or more hops than maxRedirects, ends at the last 3xx answer. The browser
  // itself follows up to 20 hops, so the default (10) and above are left to it.
  const redirectLimit = request.followRedirects ? request.maxRedirects : 0;
  let redirectGuard: RedirectGuard | undefined;
  let tlsOverride: CDPSession | undefined;
  // Contract §1.7 adaptive: statusCode/headers are those of the final document's main response, and a script
  // navigation (a JavaScript challenge) replaces the document `goto` answered for.
  let lastDocument: PwResponse | undefined;
  const onResponse = (r: PwResponse) => {
    if (!r.request().isNavigationRequest() || frameOf(r) !== page.mainFrame()) return;
    if (r.status() >= 300 && r.status() < 400 && r.headers().location !== undefined) return; // a redirect hop
    lastDocument = r;
  };
  page.on('response', onResponse);
  const onAbort = () => void page.goto('about:blank').catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (rewrite) releaseRewrite = await rewriteNavigation(context, page, target, { method: request.method, headers: extraHeaders, body: encoded.bytes });
    if (redirectLimit < DEFAULT_MAX_REDIRECTS) redirectGuard = await guardRedirects(context, page, redirectLimit);
    // verifySSL false (contract §1.5): certificate errors of this page are ignored for this request only. The
    // override belongs to a DevTools session of the page and ends when that session detaches.
    if (!request.verifySSL) tlsOverride = await ignoreCertificateErrors(context, page);
    if (signal?.aborted) throw new TargetError('aborted', 'The request was aborted.', 'aborted');
    let response: PwResponse | null;
    try {
      response = await page.goto(target, { waitUntil: 'load', timeout: request.timeoutMs });
    } catch (err) {
      if (signal?.aborted) throw new TargetError('aborted', 'The request was aborted.', 'aborted', { cause: err });
      const stopped = redirectGuard?.stopped;
      if (stopped) {
        // The redirect the limit stopped: its 3xx answer is the result; the page keeps its earlier document.
        return { statusCode: stopped.statusCode, headers: headersOf(stopped.headers), body: '', url: stopped.url, redirects: redirectGuard!.hops };
      }
      // An error status with an empty body (or a 204) makes Chromium abandon the navigation with
      // ERR_HTTP_RESPONSE_CODE_FAILURE, yet the target did answer: that answer is the result (contract §1.7).
      if (lastDocument && /ERR_HTTP_RESPONSE_CODE_FAILURE|ERR_ABORTED/.test((err as Error).message ?? '')) {
        return {
          statusCode: lastDocument.status(),
          headers: headersOf(await lastDocument.headersArray()),
          body: '',
          url: lastDocument.url(),
          redirects: await redirectsOf(lastDocument),
        };
      }
      await errorPageCommitted(page, err);
      throw explainNetworkError(context, (err as Error).message ?? '', started) ?? navigationError(err, timeoutSecs);
    }
    if (!response) throw new TargetError('unreachable', 'The navigation produced no response.', 'connect');
    if (request.followRedirects && (await settle(page, deadline)).navigating) {
      // The final document did not arrive in time (reading the page now would wait for it).
      throw new TargetError('timeout', `The target did not answer within ${timeoutSecs} seconds.`, 'timeout');
    }
    const body = request.method === 'HEAD' ? '' : await documentContent(page, timeoutSecs);
    const url = page.url();
    // A navigation that never committed (a 204, a download) leaves the page on the earlier document.
    const final = lastDocument && withoutHash(lastDocument.url()) === withoutHash(url) ? lastDocument : response;
    return {
      statusCode: final.status(),
      headers: headersOf(await final.headersArray()),
      body,
      url,
      redirects: await redirectsOf(final),
    };
  } finally {
    page.off('response', onResponse);
    signal?.removeEventListener('abort', onAbort);
    await releaseRewrite?.();
    await redirectGuard?.release();
    await tlsOverride?.detach().catch(() => undefined);
  }
}
