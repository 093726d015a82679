import { Cookie, CookieJar, type SerializedCookieJar } from 'tough-cookie';
import type { CookieInput } from '../engine.js';

/** One change to a jar; replayable on another copy of the jar (the stored one at commit time). */
export type CookieOp = { kind: 'set'; header: string; url: string } | { kind: 'input'; cookie: CookieInput; url: string };

/** The persisted shape of a session's jar (engine state, opaque to the store). */
export interface JarState {
  cookies?: SerializedCookieJar;
}

/** Chromium's limits: at most 180 cookies per domain and 3,000 in all; beyond them the least recently used go. */
export const MAX_COOKIES_PER_DOMAIN = 180;
export const MAX_COOKIES = 3000;

/**
 * A stored jar, rebuilt cookie by cookie: tough-cookie's own import recurses once per cookie and overflows the
 * stack on a jar of a few thousand.
 */
export function loadJar(serialized: SerializedCookieJar | undefined): CookieJar {
  if (!serialized) return new CookieJar(undefined, { looseMode: true });
  const jar = CookieJar.deserializeSync({ ...serialized, cookies: [] });
  for (const json of serialized.cookies ?? []) {
    const cookie = Cookie.fromJSON(json);
    // The memory store answers synchronously.
    if (cookie) void jar.store.putCookie(cookie, () => undefined);
  }
  return jar;
}

const lastUsed = (c: Cookie) => (c.lastAccessed instanceof Date ? c.lastAccessed.getTime() : c.creation instanceof Date ? c.creation.getTime() : 0);

/** Drops the least recently used cookies beyond Chromium's limits, per domain first, then in all. */
export function enforceCookieLimits(jar: CookieJar): void {
  let all: Cookie[] = [];
  void jar.store.getAllCookies((_err, cookies) => {
    all = cookies ?? [];
  });
  if (all.length <= MAX_COOKIES_PER_DOMAIN) return;
  const byDomain = new Map<string, Cookie[]>();
  for (const c of all) {
    const list = byDomain.get(c.domain ?? '');
    if (list) list.push(c);
    else byDomain.set(c.domain ?? '', [c]);
  }
  const evicted = new Set<Cookie>();
  for (const list of byDomain.values()) {
    if (list.length <= MAX_COOKIES_PER_DOMAIN) continue;
    for (const c of list.sort((a, b) => lastUsed(a) - lastUsed(b)).slice(0, list.length - MAX_COOKIES_PER_DOMAIN)) evicted.add(c);
  }
  const kept = all.filter((c) => !evicted.has(c));
  if (kept.length > MAX_COOKIES) for (const c of kept.sort((a, b) => lastUsed(a) - lastUsed(b)).slice(0, kept.length - MAX_COOKIES)) evicted.add(c);
  for (const c of evicted) void jar.store.removeCookie(c.domain ?? '', c.path ?? '/', c.key, () => undefined);
}

function toCookie(input: CookieInput, url: URL): Cookie {
  return new Cookie({
    key: input.name,
    value: input.value,
    domain: input.domain ? input.domain.replace(/^\./, '') : url.hostname,
    hostOnly: !input.domain,
    path: input.path ?? '/',
    expires: input.expires === undefined ? 'Infinity' : new Date(input.expires),
    httpOnly: input.httpOnly ?? false,
    secure: input.secure ?? false,
    sameSite: input.sameSite?.toLowerCase() ?? 'none',
  });
}

/**
 * A session's cookie jar (tough-cookie, RFC 6265) that records every change it takes, so the same changes can
 * be replayed onto whatever the store holds when the request commits.
 */
export class SessionCookieJar {
  readonly ops: CookieOp[] = [];
  /** Cookies the target set during this request (name → value), every hop included. */
  readonly setByTarget: Record<string, string> = {};

  private constructor(private readonly jar: CookieJar) {}

  static fromState(state: unknown): SessionCookieJar {
    const serialized = (state as JarState | null | undefined)?.cookies;
    return new SessionCookieJar(loadJar(serialized));
  }

  /** Request `cookies` (contract §1.5): merged before sending; a past `expires` deletes the cookie. */
  applyInput(cookies: readonly CookieInput[], url: URL): void {
    for (const cookie of cookies) {
      const op: CookieOp = { kind: 'input', cookie, url: url.toString() };
      applyOp(this.jar, op);
      this.ops.push(op);
    }
    enforceCookieLimits(this.jar);
  }

  /** Set-Cookie headers of one response hop. */
  applySetCookie(headers: readonly string[], url: URL): void {
    for (const header of headers) {
      const op: CookieOp = { kind: 'set', header, url: url.toString() };
      const stored = applyOp(this.jar, op);
      if (stored) this.setByTarget[stored.key] = stored.value;
      this.ops.push(op);
    }
    enforceCookieLimits(this.jar);
  }

  cookieHeader(url: URL): string {
    return this.jar.getCookieStringSync(url.toString());
  }

  /** Every cookie currently in the jar for `url` (name → value). */
  cookiesFor(url: URL): Record<string, string> {
    return Object.fromEntries(this.jar.getCookiesSync(url.toString()).map((c) => [c.key, c.value]));
  }

  toState(): JarState {
    return { cookies: this.jar.serializeSync() };
  }
}

function applyOp(jar: CookieJar, op: CookieOp): Cookie | undefined {
  if (op.kind === 'set') return jar.setCookieSync(op.header, op.url, { ignoreError: true }) ?? undefined;
  const url = new URL(op.url);
  const cookie = toCookie(op.cookie, url);
  // An expired cookie is stored as expired, which tough-cookie treats as a deletion of the live one.
  return jar.setCookieSync(cookie, op.url, { ignoreError: true, http: true }) ?? undefined;
}

/** Replays `ops` onto a stored jar state and returns the new state (runs inside the commit transaction). */
export function replayCookieOps(stored: unknown, ops: readonly CookieOp[]): JarState {
  const jar = loadJar((stored as JarState | null | undefined)?.cookies);
  for (const op of ops) applyOp(jar, op);
  enforceCookieLimits(jar);
  return { ...((stored as object | null) ?? {}), cookies: jar.serializeSync() };
}
