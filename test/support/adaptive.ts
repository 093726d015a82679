import { onTestFinished } from 'vitest';
import { DEFAULT_PRICES } from '../../src/config/schema.js';
import type { ApiResponse, TestServer } from './app.js';
import type { EchoBody } from './target-site.js';

/** Contract §7.1: an adaptive medium request, in micro-dollars. */
export const REQUEST_MICROS = 4000;
/** A non-zero browser-action price (the default is 0), so step charging shows in balances and the ledger. */
export const ACTION_MICROS = 500;
export const ADAPTIVE_PRICES = { ...DEFAULT_PRICES, browserAction: { passive: 0, adaptive: ACTION_MICROS / 1e6 } };
export const usd = (micros: number) => micros / 1e6;

/** Chromium shows a text or JSON document as `<pre>…</pre>`; this is the text the target sent. */
export function preText(html: string): string {
  const m = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(html);
  if (!m) throw new Error(`no <pre> in ${html.slice(0, 300)}`);
  return m[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The /echo answer of an adaptive request (rendered by the browser). */
export function renderedEcho(res: ApiResponse): EchoBody {
  if (res.status !== 200 || res.body.data?.statusCode !== 200) throw new Error(`expected an echo, got ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return JSON.parse(preText(res.body.data.body)) as EchoBody;
}

/** Short calls on one test server, for the adaptive suites. */
export function adaptiveCalls(server: () => TestServer) {
  const s = () => server();
  return {
    newAccount: () => s().account(100, { maxSessions: 100 }),
    balanceOf: async (key: string): Promise<number> => (await s().call('/account/balance', {}, key)).body.balance,
    statusOf: async (key: string, sessionId: string) => (await s().call('/session/status', { sessionId }, key)).body.session,
    /** Contexts in use, from /ready. */
    busy: async (): Promise<number> => (await s().call('/ready', undefined, undefined, { method: 'GET' })).body.checks.browserPool.busy,
    /** An adaptive session, closed when the test ends (one the test closed itself just answers SESSION_CLOSED). */
    open: async (key: string, extra: Record<string, unknown> = {}): Promise<string> => {
      const res = await s().call('/session/create', { mode: 'adaptive', ...extra }, key);
      if (res.status !== 200) throw new Error(`session create failed: ${JSON.stringify(res.body)}`);
      const sessionId = res.body.session.id as string;
      onTestFinished(async () => {
        await s().call('/session/close', { sessionId }, key);
      });
      return sessionId;
    },
    send: (key: string, sessionId: string, options: Record<string, unknown>) => s().call('/session/request', { sessionId, ...options }, key),
    act: (key: string, sessionId: string, body: Record<string, unknown>) => s().call('/browser/action', { sessionId, ...body }, key),
  };
}
