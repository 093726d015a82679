import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../../src/config/schema.js';
import { expectEnvelopeError, startServer, type TestServer } from '../support/app.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { ledgerInvariants } from '../support/ledger.js';
import { until } from '../support/processes.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

const CREATE_MICROS = 2000;
const REQUEST_MICROS = 4000;
/** The flat form of a price entry (one number for every mode), unlike the per-mode table of the SQLite suites. */
const ACTION_MICROS = 700;
const PRICES = { ...DEFAULT_PRICES, browserAction: ACTION_MICROS / 1e6 };
const usd = (micros: number) => micros / 1e6;

let site: TargetSite;
beforeAll(async () => {
  site = await startTargetSite();
});
afterAll(() => site?.close());

/** The browser-heavy suites run on SQLite; this smoke test walks the adaptive charging path on PostgreSQL. */
const backend: Backend = 'postgres';

describe.skipIf(!BACKENDS.includes(backend))(`adaptive session smoke test (${backend})`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { config: { maxBrowserContexts: 2, prices: PRICES } });
  });
  afterAll(() => s?.close());

  it('create, request, actions, close: charged, counted and recorded', async () => {
    const { id: accountId, key } = await s.account(10);
    const created = await s.call('/session/create', { mode: 'adaptive', sensibility: 'medium' }, key);
    expect(created.status).toBe(200);
    expect(created.headers.get('x-bbre-cost')).toBe(String(usd(CREATE_MICROS)));
    const sessionId = created.body.session.id;
    expect(created.body.session).toMatchObject({ status: 'active', mode: 'adaptive', requestCount: 0, totalCharged: 0 });

    s.clock.advance(1000);
    const req = await s.call('/session/request', { sessionId, url: `${site.url}/js-cookie` }, key);
    expect(req.headers.get('x-bbre-cost')).toBe(String(usd(REQUEST_MICROS)));
    expect(req.body.data).toMatchObject({ statusCode: 200, url: `${site.url}/js-protected` });
    expect(req.body.data.body).toContain('granted');

    s.clock.advance(1000);
    const batch = await s.call('/browser/action', { sessionId, actions: [{ type: 'getTitle' }, { type: 'getText', selector: 'h1' }] }, key);
    expect(batch.headers.get('x-bbre-cost')).toBe(String(usd(2 * ACTION_MICROS)));
    expect(batch.body.data.results.map((r: { result: unknown }) => r.result)).toEqual([{ title: 'Protected' }, { text: 'granted' }]);

    s.clock.advance(1000);
    const failed = await s.call('/browser/action', { sessionId, action: 'click', selector: '#missing', timeout: 1 }, key);
    expectEnvelopeError(failed, 422, 'ELEMENT_NOT_FOUND');
    expect(failed.headers.get('x-bbre-cost')).toBe('0');

    const closed = await s.call('/session/close', { sessionId }, key);
    expect(closed.body.session).toMatchObject({ status: 'closed', endedReason: 'closed', requestCount: 1, totalCharged: usd(REQUEST_MICROS + 2 * ACTION_MICROS) });
    expect((await s.call('/account/balance', {}, key)).body.balance).toBeCloseTo(10 - usd(CREATE_MICROS + REQUEST_MICROS + 2 * ACTION_MICROS), 9);
    await until(async () => ((await s.call('/ready', undefined, undefined, { method: 'GET' })).body.checks.browserPool.busy === 0 ? true : undefined), 'context released');

    const history = (await s.call('/account/history', {}, key)).body.history;
    expect(history.map((h: { type: string; action?: string; status: string; price: number }) => [h.type, h.action ?? null, h.status, h.price])).toEqual([
      ['browser_action', 'click', 'failed', 0],
      ['browser_action', 'batch', 'completed', usd(2 * ACTION_MICROS)],
      ['session_request', null, 'completed', usd(REQUEST_MICROS)],
      ['session_create', null, 'completed', usd(CREATE_MICROS)],
    ]);
    expect(history[1].url).toBe(`${site.url}/js-protected`);

    const inv = await ledgerInvariants(s.app, accountId);
    expect(inv.chainOk).toBe(true);
    expect(inv.balanceMicros).toBe(inv.ledgerBalanceMicros);
    expect(inv.totalChargedMicros).toBe(inv.sessionTaskNetMicros);
    expect(inv.requestCount).toBe(1);
    expect(inv.priceMismatches).toEqual([]);
    expect(inv.byKind).toMatchObject({ charge: CREATE_MICROS + REQUEST_MICROS + 3 * ACTION_MICROS, refund: ACTION_MICROS });
  });
});
