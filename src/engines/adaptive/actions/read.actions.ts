import { ActionError, ActionInputError, asActionError, element, num, oneOf, str, type ActionDefinition } from './action.js';

export const getHtml: ActionDefinition = {
  name: 'getHtml',
  aliases: ['content'],
  parse: (p) => ({ selector: str(p, 'selector', false) }),
  async run(ctx, p) {
    if (!p.selector) return { html: await ctx.page.content() };
    const el = await element(ctx, p.selector as string);
    return { html: await el.evaluate((node) => (node as Element).outerHTML) };
  },
};

export const getText: ActionDefinition = {
  name: 'getText',
  parse: (p) => ({ selector: str(p, 'selector') }),
  async run(ctx, p) {
    const el = await element(ctx, p.selector as string);
    return { text: (await el.innerText().catch(() => el.textContent())) ?? '' };
  },
};

export const getAttribute: ActionDefinition = {
  name: 'getAttribute',
  parse: (p) => ({ selector: str(p, 'selector'), name: str(p, 'name') }),
  async run(ctx, p) {
    const el = await element(ctx, p.selector as string);
    return { value: await el.getAttribute(p.name as string) };
  },
};

export const evaluate: ActionDefinition = {
  name: 'evaluate',
  parse: (p) => {
    const script = str(p, 'script')!;
    if (p.args !== undefined && !Array.isArray(p.args)) throw new ActionInputError('args', 'args must be an array.');
    return { script, args: (p.args as unknown[] | undefined) ?? [] };
  },
  async run(ctx, p) {
    const script = p.script as string;
    const args = p.args as unknown[];
    try {
      // A function source is called with args; anything else is an expression. Promises are awaited. The main
      // world: the caller reads and drives the page's own JavaScript.
      const value = await ctx.evaluateInMainWorld(
        async ([source, fnArgs]) => {
          // The source is evaluated as an expression; if that yields a function (a function source), it is
          // called with the args. An IIFE such as "(() => 1)()" is an expression and yields its value.
          const evaluated = new Function(`return (${source.trim()})`)();
          const result = typeof evaluated === 'function' ? evaluated(...fnArgs) : evaluated;
          const awaited = await result;
          return awaited === undefined ? null : JSON.parse(JSON.stringify(awaited));
        },
        [script, args] as [string, unknown[]],
      );
      return { value };
    } catch (err) {
      const e = asActionError(err);
      if (e instanceof ActionError && e.kind === 'failed') throw new ActionError('failed', `The script threw: ${e.message}`, { cause: err });
      throw e;
    }
  },
};

export const wait: ActionDefinition = {
  name: 'wait',
  parse: (p) => {
    const ms = num(p, 'ms', { min: 0, max: 60_000 });
    if (ms === undefined) throw new ActionInputError('ms', 'ms is required (≤ 60000).');
    return { ms };
  },
  async run(ctx, p) {
    await ctx.page.waitForTimeout(p.ms as number);
    return { waited: p.ms };
  },
};

export const waitForSelector: ActionDefinition = {
  name: 'waitForSelector',
  parse: (p) => ({ selector: str(p, 'selector'), state: oneOf(p, 'state', ['visible', 'attached', 'hidden'] as const) ?? 'visible' }),
  async run(ctx, p) {
    const state = p.state as 'visible' | 'attached' | 'hidden';
    if (state === 'hidden') {
      try {
        await ctx.page.locator(p.selector as string).first().waitFor({ state, timeout: ctx.timeoutMs });
      } catch (err) {
        throw asActionError(err);
      }
    } else await element(ctx, p.selector as string, state);
    return { found: true };
  },
};
