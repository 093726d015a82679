import {
  unwrapResult,
  type ActionData,
  type BatchData,
  type BatchStepResult,
  type BrowserActionName,
  type BrowserCallOptions,
  type BrowserCookie,
  type BrowserCookieInput,
  type BrowserStep,
  type NavigationResult,
  type ScrollPosition,
} from './browser-results.js';
import {
  checkPageResult,
  checkPageSteps,
  submitFormResult,
  submitFormSteps,
  type CheckPageOptions,
  type CheckPageResult,
  type SubmitFormOptions,
  type SubmitFormResult,
} from './browser-workflows.js';
import { clientError } from './errors.js';
import type { BBRESession } from './session.js';
import { transportOf } from './transport.js';

/**
 * Drives the real browser of an adaptive session (`/browser/action`). Each method is one action and resolves to
 * the action's value; `batch`, `submitForm`, `interact` and `checkPage` are one batch call each. On a passive
 * session the server answers `ADAPTIVE_MODE_REQUIRED`.
 */
export class BrowserAPI {
  constructor(private readonly session: BBRESession) {}

  navigate(url: string, options: BrowserCallOptions & { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' } = {}): Promise<NavigationResult> {
    const { waitUntil, ...call } = options;
    return this.action('navigate', { url, waitUntil }, call);
  }

  /** Same as `navigate`. */
  goto(url: string, options: BrowserCallOptions & { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' } = {}): Promise<NavigationResult> {
    return this.navigate(url, options);
  }

  click(selector: string, options: BrowserCallOptions & { button?: 'left' | 'right' | 'middle'; clickCount?: number } = {}): Promise<boolean> {
    const { button, clickCount, ...call } = options;
    return this.action('click', { selector, button, clickCount }, call);
  }

  /** Replaces the field's content. */
  fill(selector: string, value: string, options: BrowserCallOptions = {}): Promise<boolean> {
    return this.action('fill', { selector, value }, options);
  }

  /** Types key by key; `delay` is ms per key (default from the speed). */
  type(selector: string, text: string, options: BrowserCallOptions & { delay?: number } = {}): Promise<boolean> {
    const { delay, ...call } = options;
    return this.action('type', { selector, text, delay }, call);
  }

  /** Picks options of a `<select>`; resolves the selected values. */
  select(selector: string, value: string | string[], options: BrowserCallOptions = {}): Promise<string[]> {
    return this.action('select', { selector, value }, options);
  }

  check(selector: string, options: BrowserCallOptions = {}): Promise<boolean> {
    return this.action('check', { selector }, options);
  }

  uncheck(selector: string, options: BrowserCallOptions = {}): Promise<boolean> {
    return this.action('uncheck', { selector }, options);
  }

  press(key: string, options: BrowserCallOptions & { selector?: string } = {}): Promise<boolean> {
    const { selector, ...call } = options;
    return this.action('press', { key, selector }, call);
  }

  hover(selector: string, options: BrowserCallOptions = {}): Promise<boolean> {
    return this.action('hover', { selector }, options);
  }

  /** To an element (`selector`), to a position (`x`/`y`), or by `amount` px in a `direction`. */
  scroll(options: BrowserCallOptions & { selector?: string; x?: number; y?: number; direction?: 'up' | 'down'; amount?: number } = {}): Promise<ScrollPosition> {
    const { selector, x, y, direction, amount, ...call } = options;
    return this.action('scroll', { selector, x, y, direction, amount }, call);
  }

  /** Waits `ms` (at most 60000) in the page. */
  wait(ms: number, options: BrowserCallOptions = {}): Promise<number> {
    return this.action('wait', { ms }, options);
  }

  waitForSelector(selector: string, options: BrowserCallOptions & { state?: 'visible' | 'attached' | 'hidden' } = {}): Promise<boolean> {
    const { state, ...call } = options;
    return this.action('waitForSelector', { selector, state }, call);
  }

  /** Waits for the next navigation; resolves the URL it led to. */
  waitForNavigation(options: BrowserCallOptions = {}): Promise<string> {
    return this.action('waitForNavigation', {}, options);
  }

  /** The image bytes (PNG unless `format: 'jpeg'`). */
  screenshot(options: BrowserCallOptions & { fullPage?: boolean; selector?: string; format?: 'png' | 'jpeg'; quality?: number } = {}): Promise<Buffer> {
    const { fullPage, selector, format, quality, ...call } = options;
    return this.action('screenshot', { fullPage, selector, format, quality }, call);
  }

  /** The PDF bytes of the page. */
  pdf(options: BrowserCallOptions & { format?: 'A4' | 'Letter'; landscape?: boolean; printBackground?: boolean } = {}): Promise<Buffer> {
    const { format, landscape, printBackground, ...call } = options;
    return this.action('pdf', { format, landscape, printBackground }, call);
  }

  /**
   * Runs `script` in the page: an expression, or a function (its source is sent) called with `args`. Resolves the
   * JSON value it returns; promises are awaited.
   */
  evaluate<T = unknown>(script: string | ((...args: never[]) => unknown), ...args: unknown[]): Promise<T> {
    return this.action('evaluate', { script: typeof script === 'function' ? script.toString() : script, args }, {});
  }

  /** The page's HTML, or an element's outer HTML. */
  getHtml(selector?: string, options: BrowserCallOptions = {}): Promise<string> {
    return this.action('getHtml', { selector }, options);
  }

  getText(selector: string, options: BrowserCallOptions = {}): Promise<string> {
    return this.action('getText', { selector }, options);
  }

  /** `null` when the element has no such attribute. */
  getAttribute(selector: string, name: string, options: BrowserCallOptions = {}): Promise<string | null> {
    return this.action('getAttribute', { selector, name }, options);
  }

  getUrl(): Promise<string> {
    return this.action('getUrl', {}, {});
  }

  getTitle(): Promise<string> {
    return this.action('getTitle', {}, {});
  }

  /** The browser context's cookies, optionally only those for `urls`. */
  getCookies(urls?: string[]): Promise<BrowserCookie[]> {
    return this.action('getCookies', { urls }, {});
  }

  /** Resolves how many cookies were set. */
  setCookies(cookies: BrowserCookieInput[]): Promise<number> {
    return this.action('setCookies', { cookies }, {});
  }

  clearCookies(): Promise<boolean> {
    return this.action('clearCookies', {}, {});
  }

  goBack(options: BrowserCallOptions = {}): Promise<string> {
    return this.action('goBack', {}, options);
  }

  goForward(options: BrowserCallOptions = {}): Promise<string> {
    return this.action('goForward', {}, options);
  }

  reload(options: BrowserCallOptions = {}): Promise<string> {
    return this.action('reload', {}, options);
  }

  /**
   * Runs one action by name with its parameters; resolves its value as the named methods do (`run('getText',
   * { selector: 'h1' })` is `getText('h1')`).
   */
  run<T = unknown>(action: BrowserActionName | (string & {}), params: Record<string, unknown> = {}, options: BrowserCallOptions = {}): Promise<T> {
    return this.action(action, params, options);
  }

  /**
   * Runs the steps in order in one call (at most 50); resolves each step's record. The first failing step throws
   * its BBREError, with `details.failedStep` and `details.results` (the steps run so far).
   */
  async batch(actions: BrowserStep[], options: BrowserCallOptions = {}): Promise<BatchStepResult[]> {
    return (await this.runBatch(actions, options)).results;
  }

  /** Fills a form and submits it, in one batch; resolves the page it led to. */
  async submitForm(options: SubmitFormOptions): Promise<SubmitFormResult> {
    const { url: _url, fields: _fields, submit: _submit, waitForNavigation: _wait, ...call } = options;
    return submitFormResult(await this.runBatch(submitFormSteps(options), call));
  }

  /** Runs `{type, ...params}` steps in one batch; resolves each step's value, as the single methods do. */
  async interact(steps: BrowserStep[], options: BrowserCallOptions = {}): Promise<unknown[]> {
    const data = await this.runBatch(steps, options);
    return data.results.map((r) => unwrapResult(r.action, r.result));
  }

  /** Opens a page and checks it, in one batch; unmet expectations give `ok: false`, not an exception. */
  async checkPage(options: CheckPageOptions): Promise<CheckPageResult> {
    const { url: _url, expectSelector: _selector, expectText: _text, waitUntil: _waitUntil, ...call } = options;
    return checkPageResult(options, await this.runBatch(checkPageSteps(options), call));
  }

  private async action<T>(type: string, params: Record<string, unknown>, options: BrowserCallOptions): Promise<T> {
    const data = await this.send<ActionData>({ action: { type, ...withoutUndefined(params) } }, options);
    return unwrapResult(type, data.result) as T;
  }

  private runBatch(actions: BrowserStep[], options: BrowserCallOptions): Promise<BatchData> {
    return this.send<BatchData>({ actions }, options);
  }

  private async send<T>(body: Record<string, unknown>, options: BrowserCallOptions): Promise<T> {
    const sessionId = this.session.getSessionId();
    if (!sessionId) throw clientError('SESSION_NOT_ACTIVE', 'Browser actions need a started adaptive session.', { retryable: false });
    const payload = withoutUndefined({ sessionId, ...body, timeout: options.timeout, speed: options.speed ?? this.session.browserSpeed, maxCost: options.maxCost });
    return (await transportOf(this.session).call<{ data: T }>('/browser/action', { body: payload })).data;
  }
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
