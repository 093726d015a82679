import type { Profile, Sensibility } from '../../src/contract/types.js';
import { parseSpeed, parseSteps } from '../../src/engines/adaptive/actions/catalog.js';
import { ActionError, type ActionRunOptions, type ActionRunResult, type ActionStep, type BrowserEngine, type EngineRequest, type EngineResult, type EngineSession } from '../../src/engines/engine.js';
import { buildChromeProfile } from '../../src/engines/identity/chrome-profile.js';

/**
 * The adaptive engine's input side without a browser: steps and speeds are validated by the real action catalog,
 * and running them only records the page URL. It lets the fuzz suite drive adaptive sessions and /browser/action
 * thousands of times a minute. Failures are reproducible by input, so the refund paths run too:
 * a selector containing "missing" is ELEMENT_NOT_FOUND, a script containing "throw" fails, `wait` over 30 s times out.
 */
export class StandInBrowserEngine implements BrowserEngine {
  readonly mode = 'adaptive' as const;
  private readonly pages = new Map<string, string>();

  createProfile(sensibility: Sensibility, overrides: Profile | undefined): Profile {
    return buildChromeProfile(sensibility, overrides);
  }

  parseSteps(raw: Array<Record<string, unknown>>, batch: boolean): ActionStep[] {
    return parseSteps(raw, batch);
  }

  parseSpeed(raw: unknown): string | undefined {
    return parseSpeed(raw);
  }

  async open(session: EngineSession): Promise<void> {
    this.pages.set(session.id, 'about:blank');
  }

  liveSessionIds(): string[] {
    return [...this.pages.keys()];
  }

  async release(sessionId: string): Promise<void> {
    this.pages.delete(sessionId);
  }

  pageUrl(sessionId: string): string | undefined {
    return this.pages.get(sessionId);
  }

  async execute(session: EngineSession, request: EngineRequest): Promise<EngineResult> {
    this.pages.set(session.id, request.url.href);
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html><head><title>stand-in</title></head></html>',
      bodyEncoding: 'utf8',
      truncated: false,
      url: request.url.href,
      redirects: [],
      cookies: {},
      updateState: (stored) => stored,
    };
  }

  async runActions(session: EngineSession, steps: ActionStep[], _options: ActionRunOptions): Promise<ActionRunResult> {
    const results: ActionRunResult['results'] = [];
    let failure: ActionRunResult['failure'];
    for (const [index, step] of steps.entries()) {
      const error = failureOf(step);
      if (error) {
        failure = { index, error };
        results.push({ step: index, action: step.name, success: false, duration: 0 });
        break;
      }
      if (typeof step.params.url === 'string') this.pages.set(session.id, step.params.url);
      results.push({ step: index, action: step.name, success: true, result: {}, duration: 0 });
    }
    return { results, failure, url: this.pages.get(session.id) ?? 'about:blank', title: 'stand-in', updateState: (stored) => stored };
  }

  async close(): Promise<void> {
    this.pages.clear();
  }
}

function failureOf(step: ActionStep): Error | undefined {
  const { selector, script, ms } = step.params;
  if (typeof selector === 'string' && selector.includes('missing')) return new ActionError('element_not_found', 'No element matched.');
  if (typeof script === 'string' && script.includes('throw')) return new ActionError('failed', 'The script threw.');
  if (typeof ms === 'number' && ms > 30_000) return new ActionError('timeout', 'The wait outlasted the action timeout.');
  return undefined;
}
