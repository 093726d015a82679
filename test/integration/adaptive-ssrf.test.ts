import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../src/engines/adaptive/chromium.js';
import { AdaptiveEngine } from '../../src/engines/adaptive/adaptive.engine.js';
import { BrowserPool } from '../../src/engines/adaptive/browser-pool.js';
import { ConnectGuard } from '../../src/engines/adaptive/connect-guard.js';
import { buildChromeProfile } from '../../src/engines/identity/chrome-profile.js';
import { TargetError, type EngineRequest, type EngineSession } from '../../src/engines/engine.js';
import type { ProxySpec } from '../../src/contract/types.js';
import { createTargetPolicy, type TargetPolicy } from '../../src/security/target-policy.js';
import { startHttpProxy, startSocks5Proxy, type TestProxy } from '../support/proxies.js';

/**
 * Contract §1.5 for browser traffic, with the operator default (private targets refused): every connection of
 * an adaptive context goes through its ConnectGuard. Everything here listens on 127.0.0.1; the "public" site is
 * 127.0.0.1 too, trusted by origin the way passive-ssrf.test.ts trusts its first hop, and every other private
 * address stays refused.
 */
interface Site {
  url: string;
  port: number;
  hits: number;
  seen: Array<{ path: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

async function startSite(route: (path: string) => Answer): Promise<Site> {
  const site = { hits: 0, seen: [] } as unknown as Site;
  const server: Server = createServer((req, res) => {
    site.hits++;
    const path = req.url ?? '/';
    site.seen.push({ path, headers: req.headers });
    const answer = route(path);
    res.writeHead(answer.status, { 'content-type': 'text/html; charset=utf-8', ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site.port = (server.address() as AddressInfo).port;
  site.url = `http://127.0.0.1:${site.port}`;
  site.close = () => new Promise((resolve) => server.close(() => resolve()));
  return site;
}

const executablePath = findChromium(undefined);

describe.skipIf(executablePath === undefined)('adaptive contexts under the default target policy', () => {
  let inner: Site;
  let outer: Site;
  let pool: BrowserPool;
  beforeAll(async () => {
    inner = await startSite(() => ({ status: 200, body: '<title>inner</title>' }));
    outer = await startSite((path): Answer => {
      if (path.startsWith('/redirect?to=')) return { status: 302, body: '', headers: { location: decodeURIComponent(path.slice('/redirect?to='.length)) } };
      if (path.startsWith('/embeds?src=')) {
        const src = decodeURIComponent(path.slice('/embeds?src='.length));
        return { status: 200, body: `<title>embeds</title><img src="${src}"><script src="/script.js"></script>` };
      }
      if (path === '/script.js') return { status: 200, body: 'window.loaded = true;', headers: { 'content-type': 'application/javascript' } };
      return { status: 200, body: '<title>outer</title>' };
    });
    pool = new BrowserPool({ executablePath, maxContexts: 4, retireAfterContexts: 100, maxWaitMs: 5_000, killTimeoutMs: 5_000, standbyPage: false });
  });
  afterAll(async () => {
    await pool?.close();
    await inner?.close();
    await outer?.close();
  });

  const strict = createTargetPolicy(false);
  const trusting = (trusted: (url: URL) => boolean): TargetPolicy => ({
    allowPrivate: false,
    checkUrl: (url) => (trusted(url) ? { allowed: true } : strict.checkUrl(url)),
    checkAddress: (address) => strict.checkAddress(address),
  });
  const outerTrusted = () => trusting((url) => url.origin === outer.url);

  let n = 0;
  async function run(policy: TargetPolicy, url: string, sensibility: 'low' | 'medium' = 'medium', proxy: ProxySpec | null = null) {
    const engine = new AdaptiveEngine({ pool, policy, maxResponseBytes: 1 << 20 });
    const session: EngineSession = { id: `ssrf-${++n}`, accountId: 'acc_test', mode: 'adaptive', sensibility, profile: buildChromeProfile(sensibility), proxy, state: null };
    const request: EngineRequest = { url: new URL(url), method: 'GET', headers: {}, timeoutMs: 10_000, followRedirects: true, maxRedirects: 10, verifySSL: true };
    try {
      await engine.open(session);
      return await engine.execute(session, request);
    } finally {
      // Not engine.close(): that closes the shared pool.
      await engine.release(session.id, 'closed');
    }
  }
  // With what the policy said, as a passive refusal has it (details.reason in the API answer).
  const refused = (err: unknown) => err instanceof TargetError && err.kind === 'not_allowed' && /is not public|is local/.test(err.reason ?? '');

  it.each(['low', 'medium'] as const)('the trusted site is reached through the guard, with the request headers of an uncontrolled browser (%s)', async (sensibility) => {
    const before = outer.seen.length;
    const result = await run(outerTrusted(), `${outer.url}/embeds?src=${encodeURIComponent(`${outer.url}/image`)}`, sensibility);
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('<title>embeds</title>');
    const seen = outer.seen.slice(before);
    expect(seen.map((s) => s.path)).toEqual(expect.arrayContaining(['/embeds?src=' + encodeURIComponent(`${outer.url}/image`), '/image', '/script.js']));
    // Request interception would have turned the cache off, and every request would say so.
    for (const { headers } of seen) {
      expect(headers).not.toHaveProperty('pragma');
      expect(headers).not.toHaveProperty('cache-control');
    }
  });

  it.each(['http://127.0.0.1:PORT/', 'http://localhost:PORT/', 'http://[::1]:PORT/', 'http://2130706433:PORT/'])('a redirect to %s is refused before connecting', async (template) => {
    const target = template.replace('PORT', String(inner.port));
    const hits = inner.hits;
    await expect(run(outerTrusted(), `${outer.url}/redirect?to=${encodeURIComponent(target)}`)).rejects.toSatisfy(refused);
    expect(inner.hits).toBe(hits);
  });

  it('a host name that resolves to loopback is refused on its resolved address, directly and after a redirect', async () => {
    const namePasses = trusting((url) => url.hostname === 'localhost' || url.origin === outer.url);
    const target = `http://localhost:${inner.port}/`;
    const hits = inner.hits;
    await expect(run(namePasses, target)).rejects.toSatisfy(refused);
    await expect(run(namePasses, `${outer.url}/redirect?to=${encodeURIComponent(target)}`)).rejects.toSatisfy(refused);
    expect(inner.hits).toBe(hits);
  });

  it('a subresource on a private address is not fetched; the page itself loads', async () => {
    const hits = inner.hits;
    const result = await run(outerTrusted(), `${outer.url}/embeds?src=${encodeURIComponent(`${inner.url}/pixel`)}`);
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('<title>embeds</title>');
    expect(inner.hits).toBe(hits);
  });

  it('a name that does not resolve is TARGET_UNREACHABLE (dns), not a refusal', async () => {
    const err = await run(trusting(() => false), 'http://bbre-test-no-such-host.invalid/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect(err).toMatchObject({ kind: 'unreachable', reason: 'dns' });
  });

  describe.each([
    ['an HTTP proxy', 'http', startHttpProxy],
    ['a SOCKS5 proxy', 'socks5', startSocks5Proxy],
  ] as const)("through the session's own proxy (%s, with credentials)", (_name, protocol, start) => {
    const credentials = { username: 'bbre-user', password: 'p@ss:word' };
    let proxy: TestProxy;
    beforeAll(async () => {
      proxy = await start({ auth: credentials });
    });
    afterAll(() => proxy?.close());
    const spec = (): ProxySpec => ({ protocol, host: '127.0.0.1', port: proxy.port, ...credentials });

    it('the trusted site is reached through the guard and then the proxy, with an uncontrolled browser\'s headers', async () => {
      const [relayed, before] = [proxy.relayed, outer.seen.length];
      const result = await run(outerTrusted(), `${outer.url}/embeds?src=${encodeURIComponent(`${outer.url}/image`)}`, 'medium', spec());
      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('<title>embeds</title>');
      expect(proxy.relayed).toBeGreaterThan(relayed);
      const seen = outer.seen.slice(before);
      expect(seen.map((x) => x.path)).toEqual(expect.arrayContaining(['/image', '/script.js']));
      for (const { headers } of seen) {
        expect(headers).not.toHaveProperty('pragma');
        expect(headers).not.toHaveProperty('cache-control');
      }
    });

    it('a redirect to a local or literal private host is refused before the proxy is asked', async () => {
      for (const target of [`http://localhost:${inner.port}/`, `http://127.0.0.1:${inner.port}/`]) {
        const hits = inner.hits;
        await expect(run(outerTrusted(), `${outer.url}/redirect?to=${encodeURIComponent(target)}`, 'medium', spec())).rejects.toSatisfy(refused);
        expect(inner.hits).toBe(hits);
      }
    });

    it('wrong credentials are TARGET_UNREACHABLE (proxy)', async () => {
      const err = await run(outerTrusted(), `${outer.url}/`, 'medium', { ...spec(), password: 'wrong' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetError);
      expect(err).toMatchObject({ kind: 'unreachable', reason: 'proxy' });
    });
  });

  it('the guard closes with its context: no listener or connection is left', async () => {
    const policy = outerTrusted();
    const guard = await ConnectGuard.open(policy);
    const port = Number(new URL(guard.proxyServer).port);
    await guard.close();
    const { connect } = await import('node:net');
    const error = await new Promise<unknown>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', resolve);
    });
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(guard.connections).toBe(0);
  });
});
