import type { Page } from 'playwright-core';
import type { Driver } from '../browser-pool.js';

/** Runs a function in the page's main world, where the page's own scripts and globals live. */
export type MainWorldEvaluate = <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => Promise<R>;

/**
 * `page.evaluate` in the main world whatever the driver. patchright evaluates in an isolated world by default (a
 * fourth argument, `isolatedContext`, defaults to true: its stealth choice for its own internals), where globals
 * the page's scripts set are invisible. The evaluate action promises the page's JavaScript (contract §3.5), so it
 * asks for the main world explicitly. Playwright always uses the main world and refuses extra arguments.
 */
export function mainWorldEvaluator(page: Page, driver: Driver): MainWorldEvaluate {
  if (driver !== 'patchright') return (fn, arg) => page.evaluate(fn as never, arg) as Promise<never>;
  const evaluate = page.evaluate.bind(page) as unknown as (fn: unknown, arg: unknown, options: undefined, isolatedContext: boolean) => Promise<never>;
  return (fn, arg) => evaluate(fn, arg, undefined, false);
}
