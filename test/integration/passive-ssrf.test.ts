import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sensibility } from '../../src/contract/types.js';
import { TargetError, type EngineRequest, type EngineSession } from '../../src/engines/engine.js';
import { assertResolvedAllowed, guardedLookup, TargetNotAllowedError } from '../../src/engines/http/guarded-lookup.js';
import { PassiveEngine } from '../../src/engines/passive/passive.engine.js';
import { createTargetPolicy, type TargetPolicy } from '../../src/security/target-policy.js';
import { BACKENDS } from '../support/backends.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { startHttpProxy, type TestProxy } from '../support/proxies.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

/**
 * Contract §1.5 "Target restrictions" with the operator default (allowPrivateTargets false). No test here may
 * reach a private network: every address outside 127.0.0.1 is refused from the URL alone, and the requests that
 * could go further carry a proxy on 127.0.0.1 (refused as well, and relaying to 127.0.0.1 only) as a safety net.
 */
let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

let proxy: TestProxy;
beforeAll(async () => {
  proxy = await startHttpProxy();
});
afterAll(() => proxy?.close());

const totalHits = (t: TargetSite) => [...t.hits.values()].reduce((a, b) => a + b, 0);

describe.each(BACKENDS)('private targets refused over HTTP (%s)', (backend) => {
  let s: TestServer;
  let key: string;
  let plainSession: string;
  beforeAll(async () => {
    s = await startServer(backend, { config: { allowPrivateTargets: false } });
    ({ key } = await s.account(1));
    plainSession = (await s.call('/session/create', {}, key)).body.session.id;
  });
  afterAll(() => s?.close());

  const balanceOf = async (): Promise<number> => (await s.call('/account/balance', {}, key)).body.balance;
  const taskCount = async (): Promise<number> => (await s.call('/account/history', {}, key)).body.pagination.total;

  it('a loopback target is refused with 403 TARGET_NOT_ALLOWED before any connection; nothing is charged', async () => {
    const hits = totalHits(site);
    const [balance, tasks] = [await balanceOf(), await taskCount()];
    const url = `${site.url}/echo`;
    const session = await s.call('/session/request', { sessionId: plainSession, url }, key);
    expectEnvelopeError(session, 403, 'TARGET_NOT_ALLOWED');
    expect(session.body.error.details).not.toHaveProperty('taskId');
    expect(session.headers.get('x-bbre-cost')).toBe('0');
    expectEnvelopeError(await s.call('/request/execute', { url }, key), 403, 'TARGET_NOT_ALLOWED');
    expectEnvelopeError(await s.call('/request/create', { url }, key), 403, 'TARGET_NOT_ALLOWED');
    expect(totalHits(site)).toBe(hits);
    expect(await balanceOf()).toBe(balance);
    expect(await taskCount()).toBe(tasks);
    expect((await s.call('/session/status', { sessionId: plainSession }, key)).body.session).toMatchObject({ requestCount: 0, totalCharged: 0 });
  });

  const LOCAL = ['localhost', 'LOCALHOST.', 'app.localhost', '[::1]', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0', '0.0.0.0', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]'];
  const REMOTE_PRIVATE = ['169.254.169.254', '10.0.0.1', '192.168.1.1', '172.16.0.1', '100.64.0.1', '[fe80::1]', '[fc00::1]', '[::ffff:a9fe:a9fe]', '[64:ff9b::a00:1]'];
  it.each([...LOCAL.map((h) => `http://${h}:PORT/echo`), ...REMOTE_PRIVATE.map((h) => `http://${h}/latest/meta-data/`), 'https://10.0.0.1/'])(
    '%s is refused from the URL alone, on every endpoint',
    async (template) => {
      const url = template.replace('PORT', String(site.port));
      const hits = totalHits(site);
      const relayed = proxy.relayed;
      const balance = await balanceOf();
      for (const [path, body] of [
        ['/session/request', { sessionId: plainSession, url }],
        ['/request/execute', { url, proxy: proxy.url }],
        ['/request/create', { url, proxy: proxy.url }],
      ] as const) {
        const res = await s.call(path, body, key);
        expectEnvelopeError(res, 403, 'TARGET_NOT_ALLOWED');
        // Refused at admission: no task was made, so the proxy safety net was never needed.
        expect(res.body.error.details).not.toHaveProperty('taskId');
      }
      expect(totalHits(site)).toBe(hits);
      expect(proxy.relayed).toBe(relayed);
      expect(await balanceOf()).toBe(balance);
    },
  );

  it('a session with a proxy on a private address is refused at creation, before the fee', async () => {
    const balance = await balanceOf();
    const res = await s.call('/session/create', { proxy: proxy.url }, key);
    expectEnvelopeError(res, 403, 'TARGET_NOT_ALLOWED');
    expect(res.body.error.details.field).toBe('proxy');
    expect(await balanceOf()).toBe(balance);
  });

  it('a stateless request through a proxy on a private address is refused, and the reservation refunded', async () => {
    const balance = await balanceOf();
    const relayed = proxy.relayed;
    // `.example` never resolves; the proxy check comes first anyway.
    const res = await s.call('/request/execute', { url: 'http://public-target.example/', proxy: proxy.url }, key);
    expectEnvelopeError(res, 403, 'TARGET_NOT_ALLOWED');
    expect(res.body.error.details).toMatchObject({ taskId: expect.stringMatching(/^task_/), refunded: true });
    expect(proxy.relayed).toBe(relayed);
    expect(await balanceOf()).toBe(balance);
  });
});

/**
 * Every hop is checked, redirects included. A redirect into private space needs a public first hop, which a local
 * test cannot have: the engine gets the real policy, except that it trusts the one origin playing the public site.
 */
describe.each(['low', 'medium'] as const)('engine level, sensibility %s: every hop is checked', (sensibility: Sensibility) => {
  let inner: TargetSite;
  beforeAll(async () => {
    inner = await startTargetSite();
  });
  afterAll(() => inner?.close());

  const strict = createTargetPolicy(false);
  const trusting = (trusted: (url: URL) => boolean): TargetPolicy => ({
    allowPrivate: false,
    checkUrl: (url) => (trusted(url) ? { allowed: true } : strict.checkUrl(url)),
    checkAddress: (address) => strict.checkAddress(address),
  });

  let n = 0;
  async function run(policy: TargetPolicy, url: string) {
    const engine = new PassiveEngine({ policy, maxResponseBytes: 1 << 20 });
    try {
      const session: EngineSession = { id: `engine-${sensibility}-${++n}`, accountId: 'acc_test', mode: 'passive', sensibility, profile: engine.createProfile(sensibility, undefined), proxy: null, state: null };
      const request: EngineRequest = { url: new URL(url), method: 'GET', headers: {}, timeoutMs: 5000, followRedirects: true, maxRedirects: 10, verifySSL: true };
      return await engine.execute(session, request);
    } finally {
      await engine.close();
    }
  }

  it('the trusted first hop is reached (control)', async () => {
    const publicSite = trusting((url) => url.origin === site.url);
    const result = await run(publicSite, `${site.url}/redirect-to?url=/echo`);
    expect(result.statusCode).toBe(200);
    expect(result.redirects).toHaveLength(1);
  });

  it.each(['http://127.0.0.1:PORT/echo', 'http://localhost:PORT/echo', 'http://[::1]:PORT/echo', 'http://2130706433:PORT/echo'])(
    'a redirect to %s is refused before connecting',
    async (template) => {
      const target = template.replace('PORT', String(inner.port));
      const publicSite = trusting((url) => url.origin === site.url);
      await expect(run(publicSite, `${site.url}/redirect-to?url=${encodeURIComponent(target)}`)).rejects.toSatisfy((err) => err instanceof TargetError && err.kind === 'not_allowed');
      expect(totalHits(inner)).toBe(0);
    },
  );

  it('a host name that resolves to loopback is refused on its resolved address, directly and after a redirect', async () => {
    // The name itself passes (as a public-looking name would); the address it resolves to must not.
    const namePasses = trusting((url) => url.hostname === 'localhost' || url.origin === site.url);
    const target = `http://localhost:${inner.port}/echo`;
    await expect(run(namePasses, target)).rejects.toSatisfy((err) => err instanceof TargetError && err.kind === 'not_allowed');
    await expect(run(namePasses, `${site.url}/redirect-to?url=${encodeURIComponent(target)}`)).rejects.toSatisfy((err) => err instanceof TargetError && err.kind === 'not_allowed');
    expect(totalHits(inner)).toBe(0);
  });
});

describe('resolved-address guards', () => {
  it('guardedLookup refuses a name resolving to loopback, and passes it when private targets are allowed', async () => {
    const lookup = (policy: TargetPolicy) =>
      new Promise<{ err: unknown; addresses: LookupAddress[] }>((resolve) => {
        guardedLookup(policy)('localhost', { all: true }, (err, addresses) => resolve({ err, addresses: addresses as LookupAddress[] }));
      });
    expect((await lookup(createTargetPolicy(false))).err).toBeInstanceOf(TargetNotAllowedError);
    const allowed = await lookup(createTargetPolicy(true));
    expect(allowed.err).toBeNull();
    expect(allowed.addresses.length).toBeGreaterThan(0);
  });

  it('assertResolvedAllowed refuses a name resolving to loopback', async () => {
    await expect(assertResolvedAllowed('localhost', createTargetPolicy(false))).rejects.toBeInstanceOf(TargetNotAllowedError);
    await expect(assertResolvedAllowed('localhost', createTargetPolicy(true))).resolves.toBeUndefined();
  });
});
