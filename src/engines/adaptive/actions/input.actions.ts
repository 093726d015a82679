import { approach, asActionError, element, KEY_DELAY_MS, num, oneOf, randomBetween, str, ActionInputError, type ActionContext, type ActionDefinition } from './action.js';

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw asActionError(err);
  }
}

/** Types text key by key at the session's pace (contract §4.4). */
async function typeText(ctx: ActionContext, text: string, delayMs?: number): Promise<void> {
  if (delayMs !== undefined || ctx.speed === 'instant') {
    await ctx.page.keyboard.type(text, { delay: delayMs ?? 0 });
    return;
  }
  for (const ch of text) {
    await ctx.page.keyboard.type(ch);
    await ctx.page.waitForTimeout(randomBetween(KEY_DELAY_MS[ctx.speed]));
    if (ctx.speed === 'human' && Math.random() < 0.05) await ctx.page.waitForTimeout(randomBetween([200, 600]));
  }
}

export const click: ActionDefinition = {
  name: 'click',
  parse: (p) => ({ selector: str(p, 'selector'), button: oneOf(p, 'button', ['left', 'right', 'middle'] as const) ?? 'left', clickCount: num(p, 'clickCount', { min: 1, max: 3 }) ?? 1 }),
  async run(ctx, p) {
    const el = await element(ctx, p.selector as string, 'visible');
    await approach(ctx, el);
    await guarded(() => el.click({ button: p.button as 'left', clickCount: p.clickCount as number, timeout: ctx.timeoutMs }));
    return { clicked: true };
  },
};

export const fill: ActionDefinition = {
  name: 'fill',
  parse: (p) => {
    const value = p.value;
    if (typeof value !== 'string' && typeof value !== 'number') throw new ActionInputError('value', 'value must be a string.');
    return { selector: str(p, 'selector'), value: String(value) };
  },
  async run(ctx, p) {
    const el = await element(ctx, p.selector as string, 'visible');
    await approach(ctx, el);
    await guarded(() => el.fill(p.value as string, { timeout: ctx.timeoutMs }));
    return { filled: true };
  },
};

export const type: ActionDefinition = {
  name: 'type',
  parse: (p) => ({ selector: str(p, 'selector'), text: str(p, 'text') ?? '', delay: num(p, 'delay', { min: 0, max: 2000 }) }),
  async run(ctx, p) {
    const el = await element(ctx, p.selector as string, 'visible');
    await approach(ctx, el);
    await guarded(() => el.focus({ timeout: ctx.timeoutMs }));
    await guarded(() => typeText(ctx, p.text as string, p.delay as number | undefined));
    return { typed: true };
  },
};

export const select: ActionDefinition = {
  name: 'select',
  parse: (p) => {
    const v = p.value;
    const values = Array.isArray(v) ? v : [v];
    if (values.length === 0 || !values.every((x) => typeof x === 'string')) throw new ActionInputError('value', 'value must be a string or an array of strings.');
    return { selector: str(p, 'selector'), value: values };
  },
  async run(ctx, p) {
    const el = await element(ctx, p.selector as string, 'attached');
    const selected = await guarded(() => el.selectOption(p.value as string[], { timeout: ctx.timeoutMs }));
    return { selected };
  },
};

function checkAction(name: 'check' | 'uncheck'): ActionDefinition {
  return {
    name,
    parse: (p) => ({ selector: str(p, 'selector') }),
    async run(ctx, p) {
      const el = await element(ctx, p.selector as string, 'attached');
      await guarded(() => el[name]({ timeout: ctx.timeoutMs }));
      return { checked: await el.isChecked() };
    },
  };
}

export const check = checkAction('check');
export const uncheck = checkAction('uncheck');

export const press: ActionDefinition = {
  name: 'press',
  parse: (p) => ({ key: str(p, 'key'), selector: str(p, 'selector', false) }),
  async run(ctx, p) {
    if (p.selector) {
      const el = await element(ctx, p.selector as string, 'visible');
      await guarded(() => el.press(p.key as string, { timeout: ctx.timeoutMs }));
    } else await guarded(() => ctx.page.keyboard.press(p.key as string));
    return { pressed: true };
  },
};

export const hover: ActionDefinition = {
  name: 'hover',
  parse: (p) => ({ selector: str(p, 'selector') }),
  async run(ctx, p) {
    const el = await element(ctx, p.selector as string, 'visible');
    await approach(ctx, el);
    await guarded(() => el.hover({ timeout: ctx.timeoutMs }));
    return { hovered: true };
  },
};

export const scroll: ActionDefinition = {
  name: 'scroll',
  parse: (p) => ({
    selector: str(p, 'selector', false),
    x: num(p, 'x'),
    y: num(p, 'y'),
    direction: oneOf(p, 'direction', ['up', 'down'] as const),
    amount: num(p, 'amount', { min: 0, max: 1_000_000 }),
  }),
  async run(ctx, p) {
    if (p.selector) {
      const el = await element(ctx, p.selector as string, 'attached');
      await guarded(() => el.scrollIntoViewIfNeeded({ timeout: ctx.timeoutMs }));
    } else if (p.x !== undefined || p.y !== undefined) {
      await ctx.page.evaluate(([x, y]) => window.scrollTo(x ?? window.scrollX, y ?? window.scrollY), [p.x as number | undefined, p.y as number | undefined]);
    } else {
      const amount = (p.amount as number | undefined) ?? 600;
      await ctx.page.mouse.wheel(0, p.direction === 'up' ? -amount : amount);
      await ctx.page.waitForTimeout(ctx.speed === 'instant' ? 50 : 150);
    }
    return ctx.page.evaluate(() => ({ scrollX: window.scrollX, scrollY: window.scrollY }));
  },
};
