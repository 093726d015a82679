import { TargetError } from '../../engine.js';
import { explainNetworkError } from '../connect-guard.js';
import { ActionInputError, asActionError, oneOf, str, type ActionContext, type ActionDefinition, type Params } from './action.js';

const WAIT_UNTIL = ['load', 'domcontentloaded', 'networkidle'] as const;

function parseUrl(params: Params): string {
  const raw = str(params, 'url')!;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ActionInputError('url', 'url is not a valid absolute URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ActionInputError('url', 'url must be http or https.');
  return url.toString();
}

async function navigation<T>(ctx: ActionContext, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } catch (err) {
    const message = (err as Error).message ?? '';
    const atGuard = explainNetworkError(ctx.page.context(), message, started);
    if (atGuard) throw atGuard;
    if (/ERR_BLOCKED_BY_CLIENT/.test(message)) throw new TargetError('not_allowed', 'target not allowed', 'policy', { cause: err });
    if (/ERR_NAME_NOT_RESOLVED|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_ADDRESS_UNREACHABLE|ERR_CERT|ERR_SSL|ERR_PROXY|ERR_TUNNEL|ERR_EMPTY_RESPONSE/.test(message)) {
      throw new TargetError('unreachable', 'The target could not be reached.', /ERR_NAME/.test(message) ? 'dns' : /CERT|SSL/.test(message) ? 'tls' : 'connect', { cause: err });
    }
    throw asActionError(err);
  }
}

export const navigate: ActionDefinition = {
  name: 'navigate',
  aliases: ['goto'],
  parse: (p) => ({ url: parseUrl(p), waitUntil: oneOf(p, 'waitUntil', WAIT_UNTIL) ?? 'load' }),
  async run(ctx, p) {
    ctx.checkTarget(new URL(p.url as string));
    const response = await navigation(ctx, () => ctx.page.goto(p.url as string, { waitUntil: p.waitUntil as (typeof WAIT_UNTIL)[number], timeout: ctx.timeoutMs }));
    return { url: ctx.page.url(), title: await ctx.page.title(), statusCode: response?.status() ?? null };
  },
};

function historyAction(name: 'goBack' | 'goForward' | 'reload'): ActionDefinition {
  return {
    name,
    parse: () => ({}),
    async run(ctx) {
      await navigation(ctx, () => ctx.page[name]({ timeout: ctx.timeoutMs, waitUntil: 'load' }));
      return { url: ctx.page.url() };
    },
  };
}

export const goBack = historyAction('goBack');
export const goForward = historyAction('goForward');
export const reload = historyAction('reload');

export const waitForNavigation: ActionDefinition = {
  name: 'waitForNavigation',
  parse: () => ({}),
  async run(ctx) {
    await navigation(ctx, () => ctx.page.waitForNavigation({ timeout: ctx.timeoutMs }));
    return { url: ctx.page.url() };
  },
};

export const getUrl: ActionDefinition = { name: 'getUrl', parse: () => ({}), run: async (ctx) => ({ url: ctx.page.url() }) };
export const getTitle: ActionDefinition = { name: 'getTitle', parse: () => ({}), run: async (ctx) => ({ title: await ctx.page.title() }) };
