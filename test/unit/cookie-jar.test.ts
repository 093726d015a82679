import { CookieJar } from 'tough-cookie';
import { describe, expect, it } from 'vitest';
import { MAX_COOKIES, MAX_COOKIES_PER_DOMAIN, replayCookieOps, SessionCookieJar, type CookieOp } from '../../src/engines/http/cookie-jar.js';

/** A stored jar state holding `perDomain` cookies on each of `domains` hosts, made by tough-cookie itself. */
function storedJar(domains: number, perDomain: number) {
  const jar = new CookieJar(undefined, { looseMode: true });
  for (let d = 0; d < domains; d++) for (let i = 0; i < perDomain; i++) jar.setCookieSync(`c${i}=v${i}`, `http://host${d}.test/`);
  return { cookies: jar.serializeSync() };
}

const count = (state: { cookies?: { cookies: unknown[] } }) => state.cookies?.cookies.length ?? 0;

describe('session cookie jar limits', () => {
  it('loads a stored jar of thousands of cookies (tough-cookie alone overflows the stack on it)', () => {
    const stored = storedJar(30, 150);
    expect(() => CookieJar.deserializeSync(stored.cookies!)).toThrow(/call stack/);
    const jar = SessionCookieJar.fromState(stored);
    expect(jar.cookieHeader(new URL('http://host7.test/'))).toContain('c149=v149');
    expect(count(jar.toState() as never)).toBe(30 * 150);
  });

  it('keeps at most 180 cookies per domain, the most recently set', () => {
    const jar = SessionCookieJar.fromState(null);
    const url = new URL('http://many.test/');
    jar.applySetCookie(Array.from({ length: 300 }, (_, i) => `k${i}=${i}`), url);
    const kept = jar.cookiesFor(url);
    expect(Object.keys(kept)).toHaveLength(MAX_COOKIES_PER_DOMAIN);
    expect(kept.k299).toBe('299');
    expect(kept.k0).toBeUndefined();
  });

  it('replaying at commit applies the same limits, per domain and in all', () => {
    const ops: CookieOp[] = Array.from({ length: 200 }, (_, i) => ({ kind: 'set', header: `n${i}=${i}`, url: 'http://one.test/' }));
    const perDomain = replayCookieOps(null, ops);
    expect(count(perDomain as never)).toBe(MAX_COOKIES_PER_DOMAIN);
    const overall = replayCookieOps(storedJar(20, 170), [{ kind: 'set', header: 'fresh=1', url: 'http://new.test/' }]);
    expect(count(overall as never)).toBe(MAX_COOKIES);
    expect(SessionCookieJar.fromState(overall).cookiesFor(new URL('http://new.test/'))).toEqual({ fresh: '1' });
  });
});
