/** Browser action shapes, and how each action's `result` unwraps to the value a BrowserAPI method resolves to. */

import type { BrowserSpeed, Cookie } from './types.js';

export type BrowserActionName =
  | 'navigate'
  | 'goto'
  | 'click'
  | 'fill'
  | 'type'
  | 'select'
  | 'check'
  | 'uncheck'
  | 'press'
  | 'hover'
  | 'scroll'
  | 'wait'
  | 'waitForSelector'
  | 'waitForNavigation'
  | 'screenshot'
  | 'pdf'
  | 'evaluate'
  | 'getHtml'
  | 'content'
  | 'getText'
  | 'getAttribute'
  | 'getUrl'
  | 'getTitle'
  | 'getCookies'
  | 'setCookies'
  | 'clearCookies'
  | 'goBack'
  | 'goForward'
  | 'reload';

/** One step of a batch: the action name in `type`, its parameters beside it. */
export interface BrowserStep {
  /** An action name; the server refuses unknown ones with `INVALID_ACTION`. */
  type: BrowserActionName | (string & {});
  [param: string]: unknown;
}

/** Options every action call takes. */
export interface BrowserCallOptions {
  /** Seconds per action (selector-based actions wait this long for their element). @default 30 */
  timeout?: number;
  /** A speed preset. @default the session's `browserSpeed`, else the server's default for the sensibility */
  speed?: BrowserSpeed | (string & {});
  /** USD: refuse the call when its price is higher (bounds the whole batch). */
  maxCost?: number;
}

/** One step's record in a batch answer. */
export interface BatchStepResult {
  step: number;
  action: string;
  success: boolean;
  result: Record<string, unknown>;
  duration: number;
  error?: { code: string; message: string };
}

/** The `data` of a single action answer. */
export interface ActionData {
  action: string;
  result: Record<string, unknown>;
  url: string;
  title: string;
  duration: number;
}

/** The `data` of a batch answer. */
export interface BatchData {
  results: BatchStepResult[];
  url: string;
  title: string;
  duration: number;
}

export interface NavigationResult {
  url: string;
  title: string;
  /** `null` when the navigation had no HTTP answer (same-document navigation). */
  statusCode: number | null;
}

export interface ScrollPosition {
  scrollX: number;
  scrollY: number;
}

/** A cookie of the browser context. */
export interface BrowserCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** Seconds epoch; -1 for a session cookie. */
  expires: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Strict' | 'Lax' | 'None';
}

export type BrowserCookieInput = Cookie;

function field(name: string): (result: Record<string, unknown>) => unknown {
  return (result) => result[name];
}

function decoded(name: string): (result: Record<string, unknown>) => unknown {
  return (result) => Buffer.from(String(result[name] ?? ''), 'base64');
}

const UNWRAP: Record<string, (result: Record<string, unknown>) => unknown> = {
  click: field('clicked'),
  fill: field('filled'),
  type: field('typed'),
  select: field('selected'),
  check: field('checked'),
  uncheck: field('checked'),
  press: field('pressed'),
  hover: field('hovered'),
  wait: field('waited'),
  waitForSelector: field('found'),
  waitForNavigation: field('url'),
  goBack: field('url'),
  goForward: field('url'),
  reload: field('url'),
  getUrl: field('url'),
  getTitle: field('title'),
  screenshot: decoded('image'),
  pdf: decoded('pdf'),
  evaluate: field('value'),
  getHtml: field('html'),
  content: field('html'),
  getText: field('text'),
  getAttribute: field('value'),
  getCookies: field('cookies'),
  setCookies: field('count'),
  clearCookies: field('cleared'),
};

/**
 * The value an action resolves to: the result's one meaningful field (`getText` → the text, `screenshot` → a
 * Buffer); `navigate` and `scroll` keep their whole object.
 */
export function unwrapResult(action: string, result: Record<string, unknown>): unknown {
  const unwrap = UNWRAP[action];
  return unwrap ? unwrap(result ?? {}) : result;
}
