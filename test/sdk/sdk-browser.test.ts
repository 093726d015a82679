import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BBREError, BrowserAPI, type BBRESession } from '../../packages/sdk/src/index.js';
import { startServer, type TestServer } from '../support/app.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { FORM_LOGIN } from '../support/browser-pages.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';
import { clientFor, LiveClock, rejectionOf } from './helpers.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

/** Browser-heavy: SQLite only, one adaptive session for the whole file. */
const backend: Backend = 'sqlite';

describe.skipIf(!BACKENDS.includes(backend))(`BrowserAPI through an adaptive session (${backend})`, () => {
  let server: TestServer;
  let key: string;
  let session: BBRESession;
  beforeAll(async () => {
    server = await startServer(backend, { clock: new LiveClock(), config: { maxBrowserContexts: 2 } });
    key = (await server.account(10)).key;
    session = await clientFor(server, key).createSession({ mode: 'adaptive', sensibility: 'low', browserSpeed: 'instant' });
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('navigates, then submits the login form in one batch', async () => {
    expect(session.browser).toBeInstanceOf(BrowserAPI);
    const page = await session.browser.navigate(`${site.url}/form-login`);
    expect(page).toEqual({ url: `${site.url}/form-login`, title: 'Sign in', statusCode: 200 });

    const submitted = await session.browser.submitForm({
      fields: { '#user': FORM_LOGIN.user, '#pass': FORM_LOGIN.pass, '#role': { select: FORM_LOGIN.role }, '#remember': true },
      submit: '#submit',
    });
    expect(submitted).toMatchObject({ url: `${site.url}/dashboard`, title: 'Dashboard' });
    expect(submitted.results.map((r) => [r.action, r.success])).toEqual([
      ['fill', true],
      ['fill', true],
      ['select', true],
      ['check', true],
      ['click', true],
      ['evaluate', true],
    ]);
    expect(await session.browser.getText('#welcome')).toBe(`Welcome, ${FORM_LOGIN.user}`);
    expect(await session.browser.getAttribute('#role', 'id')).toBe('role');
    expect(await session.browser.getAttribute('#role', 'data-none')).toBeNull();
    expect(await session.browser.getTitle()).toBe('Dashboard');
    expect(await session.browser.run('getText', { selector: '#role' })).toBe(`role ${FORM_LOGIN.role}`);
    expect(await session.browser.getUrl()).toBe(`${site.url}/dashboard`);
    // One call for the whole form: the history has one batch record for it.
    const { history } = await clientFor(server, key).getHistory({ type: 'browser_action' });
    expect(history.filter((h) => h.action === 'batch')).toHaveLength(1);
  });

  it('checkPage: met and unmet expectations, without exceptions', async () => {
    const ok = await session.browser.checkPage({ url: `${site.url}/page?title=Checked`, expectSelector: 'h1', expectText: 'tall content' });
    expect(ok).toEqual({ ok: true, url: `${site.url}/page?title=Checked`, title: 'Checked', statusCode: 200, selectorFound: true, textFound: true });
    const missing = await session.browser.checkPage({ url: `${site.url}/page?title=Checked`, expectSelector: '#nowhere', expectText: 'not on the page' });
    expect(missing).toEqual({ ok: false, url: `${site.url}/page?title=Checked`, title: 'Checked', statusCode: 200, selectorFound: false, textFound: false });
    const denied = await session.browser.checkPage({ url: `${site.url}/js-protected` });
    expect(denied).toEqual({ ok: false, url: `${site.url}/js-protected`, title: 'Denied', statusCode: 403 });
  });

  it('screenshot is a PNG Buffer; evaluate returns values; interact unwraps each step', async () => {
    await session.browser.goto(`${site.url}/page?title=Shot`);
    const png = await session.browser.screenshot();
    expect(Buffer.isBuffer(png)).toBe(true);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(1000);

    expect(await session.browser.evaluate('document.title')).toBe('Shot');
    expect(await session.browser.evaluate((a: number, b: number) => ({ sum: a + b }), 2, 40)).toEqual({ sum: 42 });

    const values = await session.browser.interact([
      { type: 'navigate', url: `${site.url}/page?title=Steps` },
      { type: 'getTitle' },
      { type: 'getText', selector: 'h1' },
      { type: 'scroll', y: 500 },
      { type: 'evaluate', script: '(n) => n * 2', args: [21] },
    ]);
    expect(values).toEqual([{ url: `${site.url}/page?title=Steps`, title: 'Steps', statusCode: 200 }, 'Steps', 'Steps', { scrollX: 0, scrollY: 500 }, 42]);
    const steps = await session.browser.batch([{ type: 'getUrl' }, { type: 'getHtml', selector: 'h1' }]);
    expect(steps.map((s) => [s.step, s.action, s.success, s.result])).toEqual([
      [0, 'getUrl', true, { url: `${site.url}/page?title=Steps` }],
      [1, 'getHtml', true, { html: '<h1>Steps</h1>' }],
    ]);
  });

  it('a failing step throws its BBREError', async () => {
    const single = await rejectionOf(session.browser.click('#does-not-exist', { timeout: 0.3 }));
    expect(single).toBeInstanceOf(BBREError);
    expect(single).toMatchObject({ code: 'ELEMENT_NOT_FOUND', httpStatus: 422, retryable: false });
    const batch = await rejectionOf(session.browser.interact([{ type: 'getTitle' }, { type: 'fill', selector: '#nope', value: 'x' }], { timeout: 0.3 }));
    expect(batch).toMatchObject({ code: 'ELEMENT_NOT_FOUND', httpStatus: 422 });
    expect(batch.details.failedStep).toBe(1);
    expect(batch.details.results).toHaveLength(2);
  });

  it('a passive session has no browser: ADAPTIVE_MODE_REQUIRED; no session at all: SESSION_NOT_ACTIVE', async () => {
    const passive = await clientFor(server, key).createSession();
    const err = await rejectionOf(passive.browser.getTitle());
    expect(err).toMatchObject({ code: 'ADAPTIVE_MODE_REQUIRED', httpStatus: 400, retryable: false });
    await passive.close();
    expect(await rejectionOf(passive.browser.getTitle())).toMatchObject({ code: 'SESSION_NOT_ACTIVE', httpStatus: null });
  });
});
