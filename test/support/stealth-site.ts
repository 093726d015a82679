import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * A local bot-detection page set (contract §4.3): @fingerprintjs/botd and fpscanner served from node_modules
 * (no network at all), plus our own checks, on 127.0.0.1 port 0.
 *
 * GET /stealth runs everything in the page and publishes
 * `window.__stealth = { done: true, botd, fpscanner, checks: { name: { pass, detail } }, values }`
 * (also as JSON in `#stealth-result`, and `#stealth-done` appears when finished).
 */

/**
 * Our own checks, in report order. A service worker's identity is split in two: `serviceWorkerConsistency`
 * (user agent, brands, platform, languages) and `serviceWorkerHighEntropy` (getHighEntropyValues), because the
 * engine can make the first certain and only race for the second (src/engines/adaptive/stealth/child-targets.ts).
 */
export const CHECK_NAMES = [
  'webdriver',
  'headlessUserAgent',
  'headlessBrands',
  'plugins',
  'languages',
  'windowChrome',
  'permissions',
  'outerWindowSize',
  'browserFrame',
  'workerConsistency',
  'serviceWorkerConsistency',
  'serviceWorkerHighEntropy',
  'iframeConsistency',
  'crossSiteIframeConsistency',
  'headersPage',
  'headersWorker',
  'headersServiceWorker',
  'headerOrder',
  'runtimeEnableLeak',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** The one check the contract allows `medium` to fail (§4.3: only `high` promises no CDP leak at all). */
export const RUNTIME_LEAK_CHECK: CheckName = 'runtimeEnableLeak';

export interface CheckResult {
  pass: boolean;
  detail: unknown;
}

export interface StealthResult {
  done: true;
  runId: string;
  botd: { bot: boolean; botKind?: string; detectors: string[]; error?: string };
  fpscanner: { bot: boolean; detected: Array<{ name: string; severity: string }>; fsid?: string; webGL?: unknown; error?: string };
  checks: Record<CheckName, CheckResult>;
  /** The navigator values seen in each context, for diagnostics. */
  values: Record<string, unknown>;
}

/** What the server saw for one request. */
export interface SeenRequest {
  path: string;
  userAgent: string | undefined;
  secChUa: string | undefined;
  secChUaMobile: string | undefined;
  secChUaPlatform: string | undefined;
  acceptLanguage: string | undefined;
  /** Header names in arrival order, lower-cased. */
  order: string[];
}

export interface StealthSite {
  /** Origin, e.g. `http://127.0.0.1:40123`; the page is `${url}/stealth`. */
  url: string;
  port: number;
  /** Requests seen per run id, by kind (page, worker, sw, frame, xframe). */
  seen(runId: string): Record<string, SeenRequest>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const BOTD_PATH = join(dirname(require.resolve('@fingerprintjs/botd')), 'botd.esm.js');
const FPSCANNER_PATH = join(dirname(require.resolve('fpscanner')), 'fpScanner.es.js');

/**
 * Collects the identity values of a context (window, dedicated worker, service worker, iframe). Kept as plain
 * JavaScript source (not a TypeScript function's toString: a transpiler may inject helpers) and inlined into
 * every script of the page set.
 */
const COLLECT_SRC = `async function collectNavigator(nav) {
  var out = {
    userAgent: nav.userAgent,
    platform: nav.platform,
    language: nav.language,
    languages: Array.from(nav.languages || []),
    webdriver: nav.webdriver,
    hardwareConcurrency: nav.hardwareConcurrency
  };
  var uad = nav.userAgentData;
  if (uad) {
    out.brands = uad.brands.map(function (b) { return { brand: b.brand, version: b.version }; });
    out.mobile = uad.mobile;
    out.uaPlatform = uad.platform;
    try {
      var he = await uad.getHighEntropyValues(['fullVersionList', 'uaFullVersion', 'platformVersion', 'architecture', 'bitness']);
      out.fullVersionList = (he.fullVersionList || []).map(function (b) { return { brand: b.brand, version: b.version }; });
      out.uaFullVersion = he.uaFullVersion;
      out.platformVersion = he.platformVersion;
      out.architecture = he.architecture;
      out.bitness = he.bitness;
    } catch (e) {
      out.highEntropyError = String(e);
    }
  } else {
    out.brands = null;
  }
  return out;
}`;

// Workers answer with what they saw twice: when their script first ran (what a detector's worker script reads
// at once) and when asked.
const WORKER_JS = `${COLLECT_SRC}
var atStart = collectNavigator(self.navigator);
self.onmessage = function () {
  Promise.all([atStart, collectNavigator(self.navigator)]).then(function (v) { self.postMessage({ atStart: v[0], onMessage: v[1] }); });
};`;

const SW_JS = `${COLLECT_SRC}
var atStart = collectNavigator(self.navigator);
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener('message', function (e) {
  Promise.all([atStart, collectNavigator(self.navigator)]).then(function (v) { e.ports[0].postMessage({ atStart: v[0], onMessage: v[1] }); });
});`;

function frameHtml(kind: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>frame</title></head><body>frame
<script>${COLLECT_SRC}
collectNavigator(navigator).then(function (v) { parent.postMessage({ stealthFrame: ${JSON.stringify(kind)}, values: v }, '*'); });
</script></body></html>`;
}

/**
 * The Runtime.enable leak, run synchronously before anything else on the page. Two variants:
 * - classic: an Error whose `stack` is a getter, logged with console.debug; a CDP client with Runtime enabled
 *   builds a preview of it and reads `stack`. (Chromium 156's V8 no longer reads it: recorded, not decisive alone.)
 * - prepareStackTrace: Error.prepareStackTrace is only consulted when something formats the logged error's
 *   stack, which on Chromium 156 happens when (and only when) Runtime is enabled (same probe as fpscanner hasCDP).
 */
const LEAK_JS = `(function () {
  var r = { stackGetter: false, prepareStackTrace: false };
  try {
    var e = new Error('probe');
    Object.defineProperty(e, 'stack', { configurable: false, enumerable: false, get: function () { r.stackGetter = true; return ''; } });
    console.debug(e);
  } catch (err) { r.classicError = String(err); }
  try {
    var prev = Error.prepareStackTrace;
    Error.prepareStackTrace = function () { r.prepareStackTrace = true; return prev ? prev.apply(this, arguments) : ''; };
    console.debug(new Error(''));
    Error.prepareStackTrace = prev;
  } catch (err) { r.prepareError = String(err); }
  window.__stealthLeak = r;
})();`;

function pageHtml(runId: string, page: SeenRequest, xOrigin: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>stealth</title>
<script>${LEAK_JS}</script>
</head><body>
<h1>stealth</h1>
<iframe id="frame" src="/frame?run=${runId}&kind=frame" width="200" height="60"></iframe>
<iframe id="xframe" src="${xOrigin}/frame?run=${runId}&kind=xframe" width="200" height="60"></iframe>
<pre id="stealth-result"></pre>
<script>
window.__stealthRun = ${JSON.stringify(runId)};
window.__stealthSeenPage = ${JSON.stringify(page)};
window.__stealthFrames = {};
window.__stealthFrameWaiters = [];
window.addEventListener('message', function (e) {
  if (e.data && e.data.stealthFrame) {
    window.__stealthFrames[e.data.stealthFrame] = e.data.values;
    window.__stealthFrameWaiters.forEach(function (f) { f(); });
  }
});
${COLLECT_SRC}
</script>
<script type="module">
import { load as loadBotd } from '/botd.esm.js';
import FingerprintScanner from '/fpscanner.es.js';

const run = window.__stealthRun;
const checks = {};
const values = {};
const check = (name, pass, detail) => { checks[name] = { pass: !!pass, detail }; };
const withTimeout = (p, ms, label) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(label + ' timed out after ' + ms + ' ms')), ms))]);
const errText = (e) => (e && e.message) || String(e);
// Identity: what every context reports synchronously. High entropy: what userAgentData.getHighEntropyValues
// resolves. A service worker gets them from different places (see serviceWorkerHighEntropy), so its check is split.
const IDENTITY_KEYS = ['userAgent', 'brands', 'languages', 'platform', 'uaPlatform', 'mobile'];
const HIGH_ENTROPY_KEYS = ['fullVersionList', 'uaFullVersion', 'platformVersion', 'architecture', 'bitness'];
const ALL_KEYS = IDENTITY_KEYS.concat(HIGH_ENTROPY_KEYS);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function compare(main, other, keys = ALL_KEYS) {
  if (!other) return { pass: false, detail: 'no values' };
  const diff = {};
  for (const k of keys) if (!same(main[k], other[k])) diff[k] = { main: main[k], other: other[k] };
  return { pass: Object.keys(diff).length === 0, detail: Object.keys(diff).length ? diff : 'identical' };
}
// A worker's values at start and when asked must both equal the page's.
function compareWorker(main, v, keys = ALL_KEYS) {
  if (!v) return { pass: false, detail: 'no values' };
  const start = compare(main, v.atStart, keys), later = compare(main, v.onMessage, keys);
  return { pass: start.pass && later.pass, detail: start.pass && later.pass ? 'identical' : { atStart: start.detail, onMessage: later.detail } };
}
const tags = (al) => (al || '').split(',').map((s) => s.split(';')[0].trim()).filter(Boolean);
const chUa = (brands) => (brands || []).map((b) => '"' + b.brand + '";v="' + b.version + '"').join(', ');
// Every header present must equal the JavaScript value. User-Agent and Accept-Language must be present; the
// client hints too on the page request. Chromium itself sends no client hints with a worker's or a service
// worker's script request (plain headless, the "low" level, shows the same), so there they count when present.
function headerCheck(main, seen, hintsRequired) {
  if (!seen) return { pass: false, detail: 'request not seen by the server' };
  const want = {
    userAgent: main.userAgent,
    secChUa: chUa(main.brands),
    secChUaMobile: main.mobile ? '?1' : '?0',
    secChUaPlatform: '"' + main.uaPlatform + '"',
    acceptLanguage: main.languages,
  };
  const got = { userAgent: seen.userAgent, secChUa: seen.secChUa, secChUaMobile: seen.secChUaMobile, secChUaPlatform: seen.secChUaPlatform, acceptLanguage: seen.acceptLanguage === undefined ? undefined : tags(seen.acceptLanguage) };
  const diff = {};
  const absent = [];
  for (const k of Object.keys(want)) {
    const optional = !hintsRequired && k.startsWith('secCh');
    if (got[k] === undefined && optional) absent.push(k);
    else if (!same(want[k], got[k])) diff[k] = { js: want[k], header: got[k] === undefined ? null : got[k] };
  }
  const ok = Object.keys(diff).length === 0;
  return { pass: ok, detail: ok ? (absent.length ? { identical: true, absent } : 'identical') : { diff, absent } };
}

async function main() {
  const main = await collectNavigator(navigator);
  values.main = main;

  // --- libraries ---
  let botd;
  try {
    const detector = await withTimeout(loadBotd({ monitoring: false }), 10000, 'botd');
    const verdict = detector.detect();
    const detections = detector.getDetections() || {};
    botd = { bot: verdict.bot, botKind: verdict.bot ? verdict.botKind : undefined, detectors: Object.keys(detections).filter((k) => detections[k].bot) };
  } catch (e) {
    botd = { bot: true, detectors: [], error: errText(e) };
  }
  let fpscanner;
  try {
    const fp = await withTimeout(new FingerprintScanner().collectFingerprint({ encrypt: false }), 15000, 'fpscanner');
    const det = fp.fastBotDetectionDetails || {};
    fpscanner = {
      bot: !!fp.fastBotDetection,
      detected: Object.keys(det).filter((k) => det[k].detected).map((k) => ({ name: k, severity: det[k].severity })),
      fsid: fp.fsid,
      webGL: fp.signals && fp.signals.graphics && fp.signals.graphics.webGL,
    };
  } catch (e) {
    fpscanner = { bot: true, detected: [], error: errText(e) };
  }

  // --- own checks: the page ---
  check('webdriver', navigator.webdriver === false, { webdriver: navigator.webdriver });
  const ua = main.userAgent || '';
  check('headlessUserAgent', !/HeadlessChrome/.test(ua) && !/Headless/i.test(navigator.appVersion || ''), { userAgent: ua });
  const brandText = JSON.stringify([main.brands, main.fullVersionList]);
  check('headlessBrands', Array.isArray(main.brands) && main.brands.length > 0 && !/HeadlessChrome/.test(brandText), { brands: main.brands, fullVersionList: main.fullVersionList });
  check('plugins', navigator.plugins.length > 0, { plugins: navigator.plugins.length, mimeTypes: navigator.mimeTypes.length });
  const seenPage = window.__stealthSeenPage;
  check('languages', main.languages.length > 0 && same(main.languages, tags(seenPage.acceptLanguage)), { languages: main.languages, acceptLanguage: seenPage.acceptLanguage });
  check('windowChrome', typeof window.chrome === 'object' && window.chrome !== null, { type: typeof window.chrome, keys: window.chrome ? Object.keys(window.chrome) : null });
  try {
    const state = (await withTimeout(navigator.permissions.query({ name: 'notifications' }), 5000, 'permissions')).state;
    const perm = Notification.permission;
    const expected = { default: 'prompt', denied: 'denied', granted: 'granted' }[perm];
    check('permissions', state === expected, { notificationPermission: perm, queryState: state });
  } catch (e) {
    check('permissions', false, errText(e));
  }
  check('outerWindowSize', window.outerWidth > 0 && window.outerHeight > 0, { outerWidth: window.outerWidth, outerHeight: window.outerHeight, innerWidth: window.innerWidth, innerHeight: window.innerHeight });
  // A real window has the browser's tab strip and toolbar above the page (a headless one is exactly the viewport),
  // is at least as wide as the page, and fits on the screen it reports.
  check('browserFrame', window.outerHeight > window.innerHeight && window.outerWidth >= window.innerWidth && window.outerWidth <= screen.width && window.outerHeight <= screen.height, { outerWidth: window.outerWidth, outerHeight: window.outerHeight, innerWidth: window.innerWidth, innerHeight: window.innerHeight, screenWidth: screen.width, screenHeight: screen.height });

  // --- a dedicated worker ---
  try {
    const worker = new Worker('/worker.js?run=' + run);
    values.worker = await withTimeout(new Promise((res, rej) => { worker.onmessage = (e) => res(e.data); worker.onerror = (e) => rej(new Error('worker error: ' + (e.message || 'load failed'))); worker.postMessage('go'); }), 8000, 'worker');
    worker.terminate();
    const r = compareWorker(main, values.worker);
    check('workerConsistency', r.pass, r.detail);
  } catch (e) {
    check('workerConsistency', false, errText(e));
  }

  // --- a service worker (127.0.0.1 over http is a potentially trustworthy origin) ---
  try {
    if (!('serviceWorker' in navigator)) throw new Error('navigator.serviceWorker missing');
    await withTimeout(navigator.serviceWorker.register('/sw.js?run=' + run, { scope: '/' }), 8000, 'service worker registration');
    const reg = await withTimeout(navigator.serviceWorker.ready, 8000, 'service worker activation');
    values.serviceWorker = await withTimeout(new Promise((res) => { const ch = new MessageChannel(); ch.port1.onmessage = (e) => res(e.data); reg.active.postMessage('go', [ch.port2]); }), 8000, 'service worker answer');
    const r = compareWorker(main, values.serviceWorker, IDENTITY_KEYS);
    check('serviceWorkerConsistency', r.pass, r.detail);
    const h = compareWorker(main, values.serviceWorker, HIGH_ENTROPY_KEYS);
    check('serviceWorkerHighEntropy', h.pass, h.detail);
  } catch (e) {
    check('serviceWorkerConsistency', false, errText(e));
    check('serviceWorkerHighEntropy', false, errText(e));
  }

  // --- iframes: same origin, and cross-site (an out-of-process iframe under site isolation) ---
  const frameValues = (kind) => withTimeout(new Promise((res) => {
    const poll = () => { if (window.__stealthFrames[kind]) res(window.__stealthFrames[kind]); };
    window.__stealthFrameWaiters.push(poll);
    poll();
  }), 8000, kind);
  for (const [kind, name] of [['frame', 'iframeConsistency'], ['xframe', 'crossSiteIframeConsistency']]) {
    try {
      values[kind] = await frameValues(kind);
      const r = compare(main, values[kind]);
      check(name, r.pass, r.detail);
    } catch (e) {
      check(name, false, errText(e));
    }
  }

  // --- request headers vs JavaScript values ---
  let seen = {};
  try {
    seen = await (await fetch('/seen?run=' + run, { cache: 'no-store' })).json();
  } catch (e) {
    values.seenError = errText(e);
  }
  values.seen = seen;
  for (const [kind, name] of [['page', 'headersPage'], ['worker', 'headersWorker'], ['sw', 'headersServiceWorker']]) {
    const r = headerCheck(main, kind === 'page' ? seenPage : seen[kind], kind === 'page');
    check(name, r.pass, r.detail);
  }
  // Chromium's own navigation header order ends with Accept-Encoding, Accept-Language; overrides that set
  // Accept-Language through CDP or extra headers move it before Accept.
  {
    const order = seenPage.order;
    const ia = order.indexOf('accept'), il = order.indexOf('accept-language'), ie = order.indexOf('accept-encoding');
    check('headerOrder', ia >= 0 && il > ia && il > ie, { order });
  }

  // --- the Runtime.enable leak (probed synchronously at the top of the page) ---
  const leak = window.__stealthLeak || {};
  check('runtimeEnableLeak', !leak.stackGetter && !leak.prepareStackTrace, leak);

  const result = { done: true, runId: run, botd, fpscanner, checks, values };
  window.__stealth = result;
  document.getElementById('stealth-result').textContent = JSON.stringify(result);
  const done = document.createElement('div');
  done.id = 'stealth-done';
  done.textContent = 'done';
  document.body.appendChild(done);
}

main().catch((e) => {
  window.__stealth = { done: true, runId: run, error: errText(e), botd: null, fpscanner: null, checks, values };
  const done = document.createElement('div');
  done.id = 'stealth-done';
  done.textContent = 'failed';
  document.body.appendChild(done);
});
</script>
</body></html>`;
}

function seenRequest(req: IncomingMessage, path: string): SeenRequest {
  const h = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const order: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) order.push(req.rawHeaders[i]!.toLowerCase());
  return {
    path,
    userAgent: h('user-agent'),
    secChUa: h('sec-ch-ua'),
    secChUaMobile: h('sec-ch-ua-mobile'),
    secChUaPlatform: h('sec-ch-ua-platform'),
    acceptLanguage: h('accept-language'),
    order,
  };
}

/** Starts the stealth page set on 127.0.0.1, port 0. The cross-site iframe uses `localhost` on the same port. */
export async function startStealthSite(): Promise<StealthSite> {
  const botdJs = readFileSync(BOTD_PATH);
  const fpscannerJs = readFileSync(FPSCANNER_PATH);
  const runs = new Map<string, Record<string, SeenRequest>>();
  const sockets = new Set<Socket>();
  let port = 0;

  const remember = (runId: string | null, kind: string, seen: SeenRequest) => {
    if (!runId || !runs.has(runId)) return;
    const byKind = runs.get(runId)!;
    // The first request of a kind is the one that matters (a service worker update check may refetch).
    byKind[kind] ??= seen;
  };

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
    res.end(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stealth.invalid');
    const path = url.pathname;
    const runId = url.searchParams.get('run');
    switch (path) {
      case '/stealth': {
        const id = randomBytes(8).toString('hex');
        const seen = seenRequest(req, path);
        runs.set(id, { page: seen });
        if (runs.size > 200) runs.delete(runs.keys().next().value!);
        return send(res, 200, 'text/html; charset=utf-8', pageHtml(id, seen, `http://localhost:${port}`));
      }
      case '/frame': {
        const kind = url.searchParams.get('kind') === 'xframe' ? 'xframe' : 'frame';
        remember(runId, kind, seenRequest(req, path));
        return send(res, 200, 'text/html; charset=utf-8', frameHtml(kind));
      }
      case '/worker.js':
        remember(runId, 'worker', seenRequest(req, path));
        return send(res, 200, 'application/javascript; charset=utf-8', WORKER_JS);
      case '/sw.js':
        remember(runId, 'sw', seenRequest(req, path));
        return send(res, 200, 'application/javascript; charset=utf-8', SW_JS, { 'service-worker-allowed': '/' });
      case '/seen':
        return send(res, 200, 'application/json', JSON.stringify((runId && runs.get(runId)) || {}));
      case '/botd.esm.js':
        return send(res, 200, 'application/javascript; charset=utf-8', botdJs);
      case '/fpscanner.es.js':
        return send(res, 200, 'application/javascript; charset=utf-8', fpscannerJs);
      case '/favicon.ico':
        return send(res, 204, 'text/plain', '');
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen: (runId) => runs.get(runId) ?? {},
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- driving the page through the BBRE API (shared by the integration test and bench/stealth.ts) ----

export type Sensibility = 'low' | 'medium' | 'high';

/** POSTs a JSON body to the BBRE API with the caller's key and returns status and parsed body. */
export type ApiCall = (path: string, body: unknown) => Promise<{ status: number; body: any }>;

export interface StealthRun {
  sensibility: Sensibility;
  result: StealthResult;
  /** Wall time of POST /session/create (the adaptive context is opened during it), ms. */
  createMs: number;
}

/**
 * One run: a fresh adaptive session of `sensibility`, /browser/action navigate to the page, wait (bounded) for
 * `#stealth-done`, read `window.__stealth` with an evaluate action, close the session (always).
 */
export async function runStealthPage(call: ApiCall, sensibility: Sensibility, pageUrl: string, waitSecs = 60): Promise<StealthRun> {
  const started = performance.now();
  const created = await call('/session/create', { mode: 'adaptive', sensibility, timeout: 300 });
  const createMs = performance.now() - started;
  if (created.status !== 200) throw new Error(`session/create (${sensibility}) answered ${created.status}: ${JSON.stringify(created.body)}`);
  const sessionId = created.body.session.id as string;
  try {
    const nav = await call('/browser/action', {
      sessionId,
      timeout: waitSecs,
      actions: [
        { type: 'navigate', url: pageUrl, waitUntil: 'load' },
        { type: 'waitForSelector', selector: '#stealth-done', state: 'attached' },
        { type: 'evaluate', script: '() => window.__stealth ?? null' },
      ],
    });
    if (nav.status !== 200) throw new Error(`browser/action (${sensibility}) answered ${nav.status}: ${JSON.stringify(nav.body).slice(0, 2000)}`);
    const value = nav.body.data.results[2].result.value as StealthResult | null;
    if (!value || value.done !== true) throw new Error(`window.__stealth not readable (${sensibility}): ${JSON.stringify(value)}`);
    if ((value as { error?: string }).error) throw new Error(`the stealth page failed (${sensibility}): ${(value as { error?: string }).error}`);
    return { sensibility, result: value, createMs };
  } finally {
    await call('/session/close', { sessionId }).catch(() => undefined);
  }
}

/** Names of our own checks that failed in a result. */
export function failedChecks(result: StealthResult): CheckName[] {
  return CHECK_NAMES.filter((name) => !result.checks[name]?.pass);
}
