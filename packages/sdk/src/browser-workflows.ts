/** The documented browser workflows (form submission, page checking), each built as the steps of one batch. */

import type { BatchData, BatchStepResult, BrowserCallOptions, BrowserStep, NavigationResult } from './browser-results.js';

/**
 * A field's value: a string (or number) is typed into the field with `fill`; a boolean checks or unchecks a checkbox
 * or radio; an array, or `{ select }`, picks the options of a `<select>`.
 */
export type FormFieldValue = string | number | boolean | string[] | { select: string | string[] };

export interface SubmitFormOptions extends BrowserCallOptions {
  /** Page to open first; without it the form is looked for on the current page. */
  url?: string;
  /** Selector → value. */
  fields: Record<string, FormFieldValue>;
  /** Selector of the element to click to submit. */
  submit: string;
  /** Wait for the page the submission leads to to finish loading. @default true */
  waitForNavigation?: boolean;
}

export interface SubmitFormResult {
  /** URL and title of the page after the submission. */
  url: string;
  title: string;
  results: BatchStepResult[];
}

export interface CheckPageOptions extends BrowserCallOptions {
  url: string;
  /** A selector (CSS, or `xpath=`) the page must contain. */
  expectSelector?: string;
  /** Text the page must show. */
  expectText?: string;
  /** @default 'load' */
  waitUntil?: 'load' | 'domcontentloaded' | 'networkidle';
}

export interface CheckPageResult {
  /** The page answered below 400 and every expectation was met. */
  ok: boolean;
  url: string;
  title: string;
  statusCode: number | null;
  /** Present when `expectSelector` was given. */
  selectorFound?: boolean;
  /** Present when `expectText` was given. */
  textFound?: boolean;
}

/**
 * Resolves once the current document has loaded. A click that starts a navigation returns when the new document
 * commits, so this runs in the new document; a click that navigates nowhere finds the old one complete.
 */
const WAIT_FOR_LOAD = `() => document.readyState === 'complete' || new Promise((resolve) => addEventListener('load', () => resolve(true), { once: true }))`;

/** Looks for the expectations in the page without failing the batch when they are unmet. */
const CHECK_EXPECTATIONS = `(selector, text) => {
  const find = (s) => s.startsWith('xpath=')
    ? document.evaluate(s.slice(6), document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue
    : document.querySelector(s);
  let selectorFound = null;
  let textFound = null;
  if (selector !== null) {
    try { selectorFound = find(selector) !== null; } catch { selectorFound = false; }
  }
  if (text !== null) textFound = (document.body ? document.body.innerText : document.documentElement.textContent || '').includes(text);
  return { selectorFound, textFound };
}`;

function fieldStep(selector: string, value: FormFieldValue): BrowserStep {
  if (typeof value === 'boolean') return { type: value ? 'check' : 'uncheck', selector };
  if (Array.isArray(value)) return { type: 'select', selector, value };
  if (typeof value === 'object' && value !== null) return { type: 'select', selector, value: value.select };
  return { type: 'fill', selector, value: String(value) };
}

export function submitFormSteps(options: SubmitFormOptions): BrowserStep[] {
  const steps: BrowserStep[] = [];
  if (options.url) steps.push({ type: 'navigate', url: options.url });
  for (const [selector, value] of Object.entries(options.fields)) steps.push(fieldStep(selector, value));
  steps.push({ type: 'click', selector: options.submit });
  if (options.waitForNavigation ?? true) steps.push({ type: 'evaluate', script: WAIT_FOR_LOAD });
  return steps;
}

export function submitFormResult(data: BatchData): SubmitFormResult {
  return { url: data.url, title: data.title, results: data.results };
}

export function checkPageSteps(options: CheckPageOptions): BrowserStep[] {
  return [
    { type: 'navigate', url: options.url, ...(options.waitUntil ? { waitUntil: options.waitUntil } : {}) },
    { type: 'evaluate', script: CHECK_EXPECTATIONS, args: [options.expectSelector ?? null, options.expectText ?? null] },
  ];
}

export function checkPageResult(options: CheckPageOptions, data: BatchData): CheckPageResult {
  const navigation = data.results[0]!.result as unknown as NavigationResult;
  const found = (data.results[1]!.result.value ?? {}) as { selectorFound: boolean | null; textFound: boolean | null };
  const out: CheckPageResult = { ok: true, url: data.url, title: data.title, statusCode: navigation.statusCode };
  if (options.expectSelector !== undefined) out.selectorFound = found.selectorFound === true;
  if (options.expectText !== undefined) out.textFound = found.textFound === true;
  out.ok = (out.statusCode === null || out.statusCode < 400) && out.selectorFound !== false && out.textFound !== false;
  return out;
}
