import { ActionInputError, asActionError, type ActionDefinition } from './action.js';

const SAME_SITE: Record<string, 'Strict' | 'Lax' | 'None'> = { strict: 'Strict', lax: 'Lax', none: 'None' };

export const getCookies: ActionDefinition = {
  name: 'getCookies',
  parse: (p) => {
    if (p.urls !== undefined && (!Array.isArray(p.urls) || !p.urls.every((u) => typeof u === 'string'))) throw new ActionInputError('urls', 'urls must be an array of URLs.');
    return { urls: p.urls };
  },
  async run(ctx, p) {
    const cookies = await ctx.context.cookies((p.urls as string[] | undefined) ?? []);
    return { cookies: cookies.map((c) => ({ name: c.name, value: c.value, domain: c.domain, path: c.path, expires: c.expires, httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite })) };
  },
};

export const setCookies: ActionDefinition = {
  name: 'setCookies',
  parse: (p) => {
    if (!Array.isArray(p.cookies) || p.cookies.length === 0) throw new ActionInputError('cookies', 'cookies must be a non-empty array of {name, value, domain|url, ...}.');
    const cookies = p.cookies.map((c: Record<string, unknown>, i) => {
      if (!c || typeof c.name !== 'string' || typeof c.value !== 'string') throw new ActionInputError(`cookies[${i}]`, 'each cookie needs a name and a value.');
      if (typeof c.domain !== 'string' && typeof c.url !== 'string') throw new ActionInputError(`cookies[${i}].domain`, 'each cookie needs a domain or a url.');
      return {
        name: c.name,
        value: c.value,
        ...(typeof c.url === 'string' ? { url: c.url } : { domain: c.domain as string, path: typeof c.path === 'string' ? c.path : '/' }),
        expires: typeof c.expires === 'number' ? (c.expires > 1e11 ? Math.floor(c.expires / 1000) : c.expires) : -1,
        httpOnly: c.httpOnly === true,
        secure: c.secure === true,
        sameSite: SAME_SITE[String(c.sameSite ?? 'lax').toLowerCase()] ?? 'Lax',
      };
    });
    return { cookies };
  },
  async run(ctx, p) {
    try {
      await ctx.context.addCookies(p.cookies as Parameters<typeof ctx.context.addCookies>[0]);
    } catch (err) {
      throw asActionError(err);
    }
    return { count: (p.cookies as unknown[]).length };
  },
};

export const clearCookies: ActionDefinition = {
  name: 'clearCookies',
  parse: () => ({}),
  async run(ctx) {
    await ctx.context.clearCookies();
    return { cleared: true };
  },
};
