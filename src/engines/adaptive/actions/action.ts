import type { BrowserContext, Locator, Page } from 'playwright-core';
import { ActionError, ActionInputError } from '../../engine.js';
import type { MainWorldEvaluate } from '../stealth/main-world.js';

export { ActionError, ActionInputError };

export const SPEEDS = ['instant', 'fast', 'normal', 'slow', 'human'] as const;
export type Speed = (typeof SPEEDS)[number];

/** Per-key delay range (ms) of each speed preset (contract §4.4). */
export const KEY_DELAY_MS: Record<Speed, [number, number]> = { instant: [0, 0], fast: [10, 30], normal: [50, 100], slow: [150, 250], human: [80, 220] };

export interface ActionContext {
  page: Page;
  context: BrowserContext;
  /** `page.evaluate` in the page's main world whatever the driver (stealth/main-world.ts). */
  evaluateInMainWorld: MainWorldEvaluate;
  timeoutMs: number;
  speed: Speed;
  /** Checks a navigation target against the target policy before the browser goes there. */
  checkTarget(url: URL): void;
}

export type Params = Record<string, unknown>;

export interface ActionDefinition {
  name: string;
  aliases?: string[];
  /** Validates and normalises the step's parameters; throws ActionInputError. */
  parse(params: Params): Params;
  run(ctx: ActionContext, params: Params): Promise<unknown>;
}

// ---- parameter helpers ----

export function str(params: Params, field: string, required = true): string | undefined {
  const v = params[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new ActionInputError(field, `${field} is required.`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ActionInputError(field, `${field} must be a string.`);
  return v;
}

export function num(params: Params, field: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const v = params[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    throw new ActionInputError(field, `${field} must be a number${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` and ≤ ${opts.max}` : ''}.`);
  }
  return v;
}

export function bool(params: Params, field: string): boolean | undefined {
  const v = params[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ActionInputError(field, `${field} must be a boolean.`);
  return v;
}

export function oneOf<T extends string>(params: Params, field: string, values: readonly T[]): T | undefined {
  const v = params[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new ActionInputError(field, `${field} must be one of ${values.join(', ')}.`);
  return v as T;
}

// ---- running helpers ----

export function randomBetween([lo, hi]: [number, number]): number {
  return lo + Math.random() * (hi - lo);
}

/** Waits for the first element matching `selector` (CSS, or `xpath=`), or fails ELEMENT_NOT_FOUND. */
export async function element(ctx: ActionContext, selector: string, state: 'attached' | 'visible' = 'attached'): Promise<Locator> {
  const locator = ctx.page.locator(selector).first();
  try {
    await locator.waitFor({ state, timeout: ctx.timeoutMs });
  } catch (err) {
    if (isTimeout(err)) throw new ActionError('element_not_found', `No element matched ${selector} within ${ctx.timeoutMs / 1000} s.`, { cause: err });
    throw asActionError(err);
  }
  return locator;
}

export function isTimeout(err: unknown): boolean {
  return (err as Error)?.name === 'TimeoutError' || /Timeout \d+ms exceeded|timed out/i.test((err as Error)?.message ?? '');
}

export function asActionError(err: unknown): Error {
  if (err instanceof ActionError || err instanceof ActionInputError) return err;
  if (isTimeout(err)) return new ActionError('timeout', 'The browser action did not finish in time.', { cause: err });
  return new ActionError('failed', firstLine((err as Error)?.message ?? String(err)), { cause: err });
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300);
}

/** Human-like pointer travel to an element before interacting with it (speed human/slow/normal). */
export async function approach(ctx: ActionContext, locator: Locator): Promise<void> {
  if (ctx.speed === 'instant' || ctx.speed === 'fast') return;
  const box = await locator.boundingBox().catch(() => null);
  if (!box) return;
  const x = box.x + box.width * (0.3 + Math.random() * 0.4);
  const y = box.y + box.height * (0.3 + Math.random() * 0.4);
  const steps = ctx.speed === 'human' ? 12 + Math.floor(Math.random() * 12) : 5;
  await ctx.page.mouse.move(x + (Math.random() - 0.5) * 40, y + (Math.random() - 0.5) * 40, { steps: Math.ceil(steps / 2) });
  await ctx.page.mouse.move(x, y, { steps });
  if (ctx.speed === 'human' && Math.random() < 0.3) await ctx.page.waitForTimeout(randomBetween([80, 400]));
}
