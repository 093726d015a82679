import type { Cookie as BrowserCookie } from 'playwright-core';
import { Cookie, CookieJar } from 'tough-cookie';
import type { CookieInput } from '../engine.js';
import { loadJar, type JarState } from '../http/cookie-jar.js';

/** The session's stored jar (shared format with passive mode) as browser cookies. */
export function jarToBrowserCookies(state: unknown): BrowserCookie[] {
  const serialized = (state as JarState | null | undefined)?.cookies;
  if (!serialized) return [];
  const jar = loadJar(serialized);
  const out: BrowserCookie[] = [];
  for (const c of jar.serializeSync()?.cookies ?? []) {
    const cookie = Cookie.fromJSON(c);
    if (!cookie || !cookie.domain) continue;
    const expires = cookie.expires instanceof Date ? Math.floor(cookie.expires.getTime() / 1000) : -1;
    if (expires !== -1 && expires * 1000 < Date.now()) continue;
    out.push({
      name: cookie.key,
      value: cookie.value,
      domain: cookie.hostOnly ? cookie.domain : `.${cookie.domain}`,
      path: cookie.path ?? '/',
      expires,
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
      sameSite: cookie.sameSite === 'strict' ? 'Strict' : cookie.sameSite === 'lax' ? 'Lax' : 'None',
    });
  }
  return out;
}

/** The browser's cookies as the stored jar: the context is the truth for an adaptive session. */
export function browserCookiesToJar(cookies: readonly BrowserCookie[], previous: unknown): JarState {
  const jar = new CookieJar(undefined, { looseMode: true });
  for (const c of cookies) {
    const domain = c.domain.replace(/^\./, '');
    const cookie = new Cookie({
      key: c.name,
      value: c.value,
      domain,
      hostOnly: !c.domain.startsWith('.'),
      path: c.path,
      expires: c.expires > 0 ? new Date(c.expires * 1000) : 'Infinity',
      httpOnly: c.httpOnly,
      secure: c.secure,
      sameSite: c.sameSite.toLowerCase(),
    });
    const scheme = c.secure ? 'https' : 'http';
    jar.setCookieSync(cookie, `${scheme}://${domain}${c.path}`, { ignoreError: true, http: true });
  }
  return { ...((previous as object | null) ?? {}), cookies: jar.serializeSync() };
}

/** Request `cookies` input (contract §1.5) for the browser. */
export function inputToBrowserCookies(cookies: readonly CookieInput[], url: URL): BrowserCookie[] {
  return cookies.map((c) => ({
    name: c.name,
    value: c.value,
    domain: c.domain ?? url.hostname,
    path: c.path ?? '/',
    expires: c.expires === undefined ? -1 : Math.floor(c.expires / 1000),
    httpOnly: c.httpOnly ?? false,
    secure: c.secure ?? false,
    sameSite: c.sameSite ?? 'Lax',
  }));
}
