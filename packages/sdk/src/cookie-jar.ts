import type { Cookie, CookieAttributes } from './types.js';

/** An `expires` in the past: the server deletes the cookie from the session's jar. */
const PAST_EXPIRES = '1970-01-01T00:00:01.000Z';

/**
 * The local copy of a session's cookie jar, by name. It learns every cookie a session response reports, and
 * holds the local changes (set, cleared) until a session request has carried them to the server.
 */
export class LocalCookieJar {
  private readonly cookies = new Map<string, Cookie>();
  /** Changes not yet on the server, by name; a deletion is an entry with a past `expires`. */
  private readonly pending = new Map<string, Cookie>();

  /** name → value. */
  values(): Record<string, string> {
    return Object.fromEntries([...this.cookies.values()].map((c) => [c.name, c.value]));
  }

  /** Every cookie with the attributes the jar knows. */
  list(): Cookie[] {
    return [...this.cookies.values()].map((c) => ({ ...c }));
  }

  set(name: string, value: string, attributes: CookieAttributes = {}): void {
    const cookie: Cookie = { ...attributes, name, value };
    if (isDeletion(cookie)) this.cookies.delete(name);
    else this.cookies.set(name, cookie);
    this.pending.set(name, cookie);
  }

  setMany(cookies: Record<string, string> | Cookie[]): void {
    for (const { name, value, ...attributes } of normalize(cookies)) this.set(name, value, attributes);
  }

  /** Empties the jar; each cookie is deleted on the server by the next session request. */
  clear(): void {
    for (const cookie of this.cookies.values()) {
      this.pending.set(cookie.name, { name: cookie.name, value: '', domain: cookie.domain, path: cookie.path ?? '/', expires: PAST_EXPIRES });
    }
    this.cookies.clear();
  }

  /** Forgets everything, pending changes included (the session ended). */
  reset(): void {
    this.cookies.clear();
    this.pending.clear();
  }

  /** What a session request sends as `cookies`: the pending changes, then the request's own cookies. */
  outgoing(requestCookies?: Record<string, string> | Cookie[]): Cookie[] | undefined {
    const out = [...this.pending.values(), ...normalize(requestCookies)];
    return out.length > 0 ? out : undefined;
  }

  /**
   * After a successful session request: the changes it carried are on the server, the request's own cookies were
   * merged into the server's jar, and the cookies the target set are learned (host of the final URL, path `/`).
   */
  commit(sent: readonly Cookie[] | undefined, requestCookies: Record<string, string> | Cookie[] | undefined, setByTarget: Record<string, string> | undefined, finalUrl: string | undefined): void {
    for (const cookie of sent ?? []) {
      if (this.pending.get(cookie.name) === cookie) this.pending.delete(cookie.name);
    }
    for (const cookie of normalize(requestCookies)) {
      if (isDeletion(cookie)) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, { ...cookie });
    }
    const host = hostOf(finalUrl);
    for (const [name, value] of Object.entries(setByTarget ?? {})) {
      const known = this.cookies.get(name);
      this.cookies.set(name, { ...known, name, value, domain: known?.domain ?? host, path: known?.path ?? '/' });
    }
  }
}

function normalize(cookies: Record<string, string> | Cookie[] | undefined): Cookie[] {
  if (!cookies) return [];
  if (Array.isArray(cookies)) return cookies.map((c) => ({ ...c }));
  return Object.entries(cookies).map(([name, value]) => ({ name, value: String(value) }));
}

function isDeletion(cookie: Cookie): boolean {
  if (cookie.expires === undefined) return false;
  const ms = typeof cookie.expires === 'number' ? (cookie.expires < 1e11 ? cookie.expires * 1000 : cookie.expires) : Date.parse(cookie.expires);
  return Number.isFinite(ms) && ms <= Date.now();
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
