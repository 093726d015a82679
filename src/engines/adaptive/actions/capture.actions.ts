import { asActionError, bool, element, num, oneOf, str, type ActionDefinition } from './action.js';

export const screenshot: ActionDefinition = {
  name: 'screenshot',
  parse: (p) => ({
    fullPage: bool(p, 'fullPage') ?? false,
    selector: str(p, 'selector', false),
    format: oneOf(p, 'format', ['png', 'jpeg'] as const) ?? 'png',
    quality: num(p, 'quality', { min: 0, max: 100 }),
  }),
  async run(ctx, p) {
    const format = p.format as 'png' | 'jpeg';
    const options = { type: format, timeout: ctx.timeoutMs, ...(format === 'jpeg' && p.quality !== undefined ? { quality: p.quality as number } : {}) };
    try {
      const image = p.selector
        ? await (await element(ctx, p.selector as string, 'visible')).screenshot(options)
        : await ctx.page.screenshot({ ...options, fullPage: p.fullPage as boolean });
      return { image: image.toString('base64'), format };
    } catch (err) {
      throw asActionError(err);
    }
  },
};

export const pdf: ActionDefinition = {
  name: 'pdf',
  parse: (p) => ({ format: oneOf(p, 'format', ['A4', 'Letter'] as const) ?? 'A4', landscape: bool(p, 'landscape') ?? false, printBackground: bool(p, 'printBackground') ?? false }),
  async run(ctx, p) {
    try {
      const buffer = await ctx.page.pdf({ format: p.format as string, landscape: p.landscape as boolean, printBackground: p.printBackground as boolean });
      return { pdf: buffer.toString('base64'), format: 'pdf' };
    } catch (err) {
      throw asActionError(err);
    }
  },
};
