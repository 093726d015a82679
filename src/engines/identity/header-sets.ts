import type { Profile, Sensibility } from '../../contract/types.js';

export type HeaderList = Array<[string, string]>;

const NAV_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';

export interface NavigationContext {
  /** The previous URL of this session, when the request continues a browsing flow (high sensibility). */
  referrer?: URL;
  target: URL;
  method: string;
  hasBody: boolean;
}

function fetchSite(target: URL, referrer: URL | undefined): string {
  if (!referrer) return 'none';
  if (referrer.origin === target.origin) return 'same-origin';
  const site = (h: string) => h.split('.').slice(-2).join('.');
  return site(referrer.hostname) === site(target.hostname) ? 'same-site' : 'cross-site';
}

/**
 * The headers a session sends before the caller's own, in the order a real browser sends them.
 * low: a plain, realistic browser set (what an ordinary HTTP client with a browser UA looks like).
 * medium/high: Chromium's document-navigation set, in Chromium's order (captured from the adaptive engine's
 * Chromium; `priority` is what Chromium adds on HTTP/2). high also continues the session's browsing flow:
 * Referer and Sec-Fetch-Site follow the previous page, as when a person clicks through a site.
 */
export function identityHeaders(profile: Profile, sensibility: Sensibility, ctx: NavigationContext): HeaderList {
  const h = profile.headers ?? {};
  const ua = profile.userAgent ?? '';
  const acceptLanguage = h['accept-language'] ?? 'en-US,en;q=0.9';
  if (sensibility === 'low') {
    return [
      ['user-agent', ua],
      ['accept', NAV_ACCEPT],
      ['accept-language', acceptLanguage],
      ['accept-encoding', 'gzip, deflate, br'],
    ];
  }
  const referrer = sensibility === 'high' ? ctx.referrer : undefined;
  const site = fetchSite(ctx.target, referrer);
  const list: HeaderList = [
    ['sec-ch-ua', h['sec-ch-ua'] ?? ''],
    ['sec-ch-ua-mobile', h['sec-ch-ua-mobile'] ?? '?0'],
    ['sec-ch-ua-platform', h['sec-ch-ua-platform'] ?? '"Linux"'],
  ];
  if (ctx.hasBody && ctx.method !== 'GET') list.push(['origin', referrer ? referrer.origin : 'null']);
  list.push(['upgrade-insecure-requests', '1'], ['user-agent', ua], ['accept', NAV_ACCEPT], ['sec-fetch-site', site], ['sec-fetch-mode', 'navigate']);
  if (site === 'none' || site === 'same-origin' || site === 'same-site') list.push(['sec-fetch-user', '?1']);
  list.push(['sec-fetch-dest', 'document']);
  if (referrer) list.push(['referer', referrer.toString()]);
  list.push(['accept-encoding', 'gzip, deflate, br, zstd'], ['accept-language', acceptLanguage]);
  // Chromium speaks HTTP/2 only over TLS and sends no Priority header on HTTP/1.1 (plain http: targets).
  if (ctx.target.protocol === 'https:') list.push(['priority', 'u=0, i']);
  // Profile header overrides not already placed keep their relative order after the browser's own.
  const placed = new Set(list.map(([n]) => n));
  for (const [name, value] of Object.entries(h)) if (!placed.has(name)) list.push([name, value]);
  return list;
}

/**
 * Merges the caller's headers into the identity list: a header of the same name is replaced in place (so the
 * browser's order survives), new ones are appended; an empty value removes the header.
 */
export function mergeHeaders(base: HeaderList, overrides: Record<string, string>): HeaderList {
  const out = base.map(([n, v]) => [n, v] as [string, string]);
  for (const [rawName, value] of Object.entries(overrides)) {
    const name = rawName.toLowerCase();
    const i = out.findIndex(([n]) => n === name);
    if (value === '') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = [name, value];
    else out.push([name, value]);
  }
  return out;
}
