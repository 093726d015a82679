import { setTimeout as sleep } from 'node:timers/promises';
import { echoCookies, type EchoBody } from '../../support/target-site.js';
import type { CallResult } from './call-log.js';
import { REQUEST_MICROS, SENSIBILITIES, SESSION_CREATE_MICROS, usdToMicros, type Sensibility } from './model.js';
import { EXPECTED, scenarioRequest, type ClientContext, type Scenario } from './scenarios.js';

/** What the client knows about its session; `uncertain` once a call on it got no answer (a kill). */
interface LocalSession {
  id: string;
  sensibility: Sensibility;
  priceMicros: number;
  okCount: number;
  okChargedMicros: number;
  uncertain: boolean;
  /** Cookies set by a request that answered 200: the jar must hold them. */
  cookies: Map<string, string>;
  /** Every cookie value of this session starts with the tag: a foreign one in its jar would be a crossed response. */
  tag: string;
  cookieSeq: number;
}

const SESSION_STEPS: Readonly<Record<'page' | 'status404' | 'closed' | 'slow' | 'cookie' | 'burst' | 'echo', number>> = {
  page: 40,
  status404: 15,
  closed: 8,
  slow: 4,
  cookie: 18,
  burst: 10,
  echo: 5,
};
const STATELESS_SCENARIOS: Readonly<Record<'page' | 'status404' | 'closed' | 'slow', number>> = { page: 55, status404: 15, closed: 15, slow: 15 };
const POLL_INTERVAL_MS = 150;
const CLOSE_RETRY_MS = 90_000;

/** One client: a random mix of session cycles and stateless requests until the run stops. */
export async function runClient(c: ClientContext): Promise<void> {
  let sessionSeq = 0;
  while (!c.stopping()) {
    const kind = c.rng.weighted({ session: 55, execute: 25, create: 20 });
    try {
      if (kind === 'session') await sessionCycle(c, `s${c.index}x${++sessionSeq}`);
      else if (kind === 'execute') await statelessExecute(c);
      else await statelessCreate(c);
    } catch (err) {
      c.log.violation(`client ${c.index} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      c.backoff = true;
    }
    await c.pause();
  }
}

async function sessionCycle(c: ClientContext, tag: string): Promise<void> {
  const sensibility = c.rng.pick(SENSIBILITIES);
  const abandon = c.abandonSessions && c.rng.chance(0.05);
  const created = await c.log.call({
    client: c.index,
    account: c.account.index,
    key: c.account.key,
    endpoint: '/session/create',
    label: 'session/create',
    body: { mode: 'passive', sensibility, timeout: abandon ? 60 : 300 },
  });
  if (c.judge(created, { status: 200, code: 'OK' }, SESSION_CREATE_MICROS) !== 'as-expected') return;
  const id = created.body.session.id as string;
  created.record.sessionId = id;
  if (created.body.session.requestCount !== 0 || created.body.session.totalCharged !== 0) c.log.violation(`new session ${id} does not start at zero`);
  const s: LocalSession = { id, sensibility, priceMicros: REQUEST_MICROS[sensibility], okCount: 0, okChargedMicros: 0, uncertain: false, cookies: new Map(), tag, cookieSeq: 0 };
  const steps = c.rng.int(3, 8);
  for (let i = 0; i < steps && !c.stopping(); i++) {
    await sessionStep(c, s);
    await untilServerBack(c);
    await c.pause();
  }
  await statusCheck(c, s);
  if (abandon) return;
  if (c.rng.chance(0.1) && !c.stopping()) await closeDuringRequest(c, s);
  else await closeSession(c, s);
}

/**
 * While the server is down (killed, not yet healthy again) every call fails at once: a session would spend its
 * remaining steps in a moment and end before the restart. Waiting, as a client retrying with backoff does, lets
 * sessions in use at a kill carry on after it (contract §4.1: passive sessions survive a restart).
 */
async function untilServerBack(c: ClientContext): Promise<void> {
  while (c.log.serverDown() && !c.stopping()) await sleep(100);
}

async function sessionStep(c: ClientContext, s: LocalSession): Promise<void> {
  const step = c.rng.weighted(SESSION_STEPS);
  if (step === 'cookie') {
    await setCookie(c, s);
    await echoCheck(c, s);
  } else if (step === 'burst') {
    // Three concurrent requests on one session: each commit must count, and no cookie may be lost (contract §3.2).
    await Promise.all([setCookie(c, s, true), setCookie(c, s, true), setCookie(c, s, true)]);
    await echoCheck(c, s);
  } else if (step === 'echo') {
    await echoCheck(c, s);
  } else {
    await sessionRequest(c, s, step);
  }
}

async function sessionRequest(c: ClientContext, s: LocalSession, scenario: Scenario, options: { concurrent?: boolean; cookie?: { name: string; value: string } } = {}): Promise<CallResult> {
  const marker = c.marker();
  const { url, timeout } = scenarioRequest(c.targets, scenario, marker, options.cookie);
  const res = await c.log.call({
    client: c.index,
    account: c.account.index,
    key: c.account.key,
    endpoint: '/session/request',
    label: `session/request ${scenario}`,
    body: { sessionId: s.id, url, timeout },
    marker,
    sessionId: s.id,
  });
  const verdict = c.judge(res, EXPECTED[scenario], s.priceMicros);
  if (verdict === 'unknown') s.uncertain = true;
  if (res.record.httpStatus === 200) {
    s.okCount++;
    s.okChargedMicros += res.record.costMicros ?? 0;
    // One request at a time on this session: the answer's counters are exactly the client's own.
    if (!options.concurrent && !s.uncertain) expectCounters(c, s, res.body?.session, `session/request (call ${res.record.seq})`);
  }
  return res;
}

function expectCounters(c: ClientContext, s: LocalSession, session: { requestCount?: number; totalCharged?: number } | undefined, where: string): void {
  if (session?.requestCount !== s.okCount || usdToMicros(session?.totalCharged ?? -1) !== s.okChargedMicros) {
    c.log.violation(`${where}: session ${s.id} says requestCount ${session?.requestCount} / totalCharged ${session?.totalCharged}, the client counted ${s.okCount} / ${s.okChargedMicros} µ$`);
  }
}

async function setCookie(c: ClientContext, s: LocalSession, concurrent = false): Promise<void> {
  const n = ++s.cookieSeq;
  const cookie = { name: `k${n}`, value: `${s.tag}v${n}` };
  const res = await sessionRequest(c, s, 'setCookie', { concurrent, cookie });
  if (res.record.httpStatus === 200) s.cookies.set(cookie.name, cookie.value);
}

async function echoCheck(c: ClientContext, s: LocalSession): Promise<void> {
  const res = await sessionRequest(c, s, 'echo');
  if (res.record.httpStatus !== 200) return;
  let got: Record<string, string>;
  try {
    got = echoCookies(JSON.parse(res.body.data.body as string) as EchoBody);
  } catch {
    c.log.violation(`echo on ${s.id} did not return the echo document (call ${res.record.seq})`);
    return;
  }
  for (const [name, value] of s.cookies) {
    if (got[name] !== value) c.log.violation(`cookie ${name}=${value} lost from session ${s.id} (target saw ${got[name]}, call ${res.record.seq})`);
  }
  for (const [name, value] of Object.entries(got)) {
    if (/^k\d+$/.test(name) && !value.startsWith(`${s.tag}v`)) c.log.violation(`session ${s.id} sent a foreign cookie ${name}=${value} (call ${res.record.seq})`);
  }
}

async function statusCheck(c: ClientContext, s: LocalSession): Promise<void> {
  const res = await c.log.call({ client: c.index, account: c.account.index, key: c.account.key, endpoint: '/session/status', label: 'session/status', body: { sessionId: s.id }, sessionId: s.id });
  if (c.judge(res, { status: 200, code: 'OK' }, 0) !== 'as-expected') return;
  if (res.body.session.status !== 'active') c.log.violation(`session ${s.id} is ${res.body.session.status} before its close`);
  if (!s.uncertain) expectCounters(c, s, res.body.session, `session/status (call ${res.record.seq})`);
}

/** Closes, retrying across a kill; a retry that finds the session closed means the unanswered close went through. */
async function closeSession(c: ClientContext, s: LocalSession): Promise<void> {
  const deadline = c.log.now() + CLOSE_RETRY_MS;
  for (let attempt = 0; ; attempt++) {
    const res = await c.log.call({ client: c.index, account: c.account.index, key: c.account.key, endpoint: '/session/close', label: 'session/close', body: { sessionId: s.id }, sessionId: s.id });
    const r = res.record;
    if (r.httpStatus === undefined || c.log.acceptedUnavailable(r)) {
      if (c.log.now() > deadline) return c.log.violation(`session ${s.id}: close got no answer for ${CLOSE_RETRY_MS / 1000} s`);
      await sleep(250);
      continue;
    }
    if (attempt > 0 && r.httpStatus === 400 && r.code === 'SESSION_CLOSED') return;
    if (c.judge(res, { status: 200, code: 'OK' }, 0) !== 'as-expected') return;
    const closed = res.body.session;
    if (closed.status !== 'closed' || closed.endedReason !== 'closed' || typeof closed.closedAt !== 'number') c.log.violation(`close of ${s.id} answered ${JSON.stringify(closed)}`);
    if (!s.uncertain) expectCounters(c, s, closed, `session/close (call ${r.seq})`);
    break;
  }
  // An ended session refuses work without charging (the check runs before any reservation).
  if (c.rng.chance(0.05)) {
    const marker = c.marker();
    const res = await c.log.call({
      client: c.index,
      account: c.account.index,
      key: c.account.key,
      endpoint: '/session/request',
      label: 'session/request after close',
      body: { sessionId: s.id, url: scenarioRequest(c.targets, 'page', marker).url },
      marker,
      sessionId: s.id,
    });
    c.judge(res, { status: 400, code: 'SESSION_CLOSED' }, 0);
  }
  if (c.rng.chance(0.05)) {
    const res = await c.log.call({ client: c.index, account: c.account.index, key: c.account.key, endpoint: '/session/close', label: 'session/close again', body: { sessionId: s.id }, sessionId: s.id });
    if (res.record.httpStatus !== undefined && !c.log.acceptedUnavailable(res.record) && (res.record.httpStatus !== 400 || res.record.code !== 'SESSION_CLOSED')) {
      c.log.violation(`second close of ${s.id} answered ${res.record.httpStatus} ${res.record.code}`);
    }
  }
}

/**
 * Contract §3.4: a close while a request runs on the session. The request either committed first (200, counted)
 * or is aborted, refunded and answers 400 SESSION_CLOSED; of concurrent closes exactly one wins.
 */
async function closeDuringRequest(c: ClientContext, s: LocalSession): Promise<void> {
  const marker = c.marker();
  const base = { client: c.index, account: c.account.index, key: c.account.key, sessionId: s.id };
  const racing = c.log.call({
    ...base,
    endpoint: '/session/request',
    label: 'session/request racing close',
    body: { sessionId: s.id, url: `${c.targets.site}/slow?ms=${c.rng.int(20, 400)}&lc=${marker}`, timeout: 30 },
    marker,
  });
  await sleep(c.rng.int(0, 400));
  const closes = Array.from({ length: c.rng.chance(0.3) ? 2 : 1 }, () => c.log.call({ ...base, endpoint: '/session/close', label: 'session/close racing a request', body: { sessionId: s.id } }));
  const [req, ...closed] = await Promise.all([racing, ...closes]);
  const r = req!.record;
  if (r.httpStatus === undefined) s.uncertain = true;
  else if (r.httpStatus === 200) {
    if (r.costMicros !== s.priceMicros) c.log.violation(`${r.label}: X-BBRE-Cost ${r.costMicros}, expected ${s.priceMicros} (call ${r.seq})`);
  } else if (r.httpStatus === 400 && r.code === 'SESSION_CLOSED') {
    if ((r.costMicros ?? 0) !== 0) c.log.violation(`${r.label}: SESSION_CLOSED with X-BBRE-Cost ${r.costMicros} (call ${r.seq})`);
    if (r.taskId !== undefined && req!.body.error.details.refunded !== true) c.log.violation(`${r.label}: aborted task ${r.taskId} without refunded: true (call ${r.seq})`);
  } else if (!(r.httpStatus === 402 && c.account.poor) && !c.log.acceptedUnavailable(r)) {
    c.log.violation(`${r.label}: ${r.httpStatus} ${r.code} (call ${r.seq})`);
  }
  // A close answered 503 during a database outage did nothing: like an unanswered one, it neither won nor lost.
  const answered = closed.filter((x) => x.record.httpStatus !== undefined && !c.log.acceptedUnavailable(x.record));
  const won = answered.filter((x) => x.record.httpStatus === 200);
  const lost = answered.filter((x) => x.record.httpStatus === 400 && x.record.code === 'SESSION_CLOSED');
  const unavailable = closed.some((x) => c.log.acceptedUnavailable(x.record));
  if (won.length + lost.length !== answered.length || (answered.length === closed.length && won.length !== 1) || won.length > 1 || (unavailable && lost.length > 0 && won.length === 0)) {
    c.log.violation(`racing closes of ${s.id}: ${closed.map((x) => `${x.record.httpStatus} ${x.record.code}`).join(', ')}`);
  }
}

/** One stateless call of a random scenario and sensibility; returns it with the price it reserves. */
async function statelessCall(c: ClientContext, endpoint: '/request/execute' | '/request/create'): Promise<{ res: CallResult; scenario: Scenario; priceMicros: number }> {
  const scenario = c.rng.weighted(STATELESS_SCENARIOS);
  const sensibility = c.rng.pick(SENSIBILITIES);
  const marker = c.marker();
  const { url, timeout } = scenarioRequest(c.targets, scenario, marker);
  const res = await c.log.call({
    client: c.index,
    account: c.account.index,
    key: c.account.key,
    endpoint,
    label: `${endpoint.slice(1)} ${scenario}`,
    body: { url, timeout, mode: 'passive', sensibility },
    marker,
  });
  return { res, scenario, priceMicros: REQUEST_MICROS[sensibility] };
}

async function statelessExecute(c: ClientContext): Promise<void> {
  const { res, scenario, priceMicros } = await statelessCall(c, '/request/execute');
  c.judge(res, EXPECTED[scenario], priceMicros);
}

/** /request/create, then /request/result until the task ends; the outcome is kept on the create record. */
async function statelessCreate(c: ClientContext): Promise<void> {
  const { res, scenario, priceMicros } = await statelessCall(c, '/request/create');
  // The reservation is what /request/create answers (contract §7.2): the full price, whatever happens later.
  if (c.judge(res, { status: 200, code: 'OK' }, priceMicros) !== 'as-expected') return;
  await pollTask(c, res, scenario);
}

export async function pollTask(c: ClientContext, created: CallResult, scenario: Scenario): Promise<void> {
  const taskId = created.body.taskId as string;
  const deadline = c.log.now() + 120_000;
  while (c.log.now() < deadline) {
    await sleep(POLL_INTERVAL_MS);
    const res = await c.log.call({ client: c.index, account: c.account.index, key: c.account.key, endpoint: '/request/result', label: 'request/result', body: { taskId } });
    if (res.record.httpStatus === undefined || c.log.acceptedUnavailable(res.record)) continue;
    if (c.judge(res, { status: 200, code: 'OK' }, 0) !== 'as-expected') return;
    const task = res.body.data.task;
    if (task.status === 'processing') continue;
    created.record.polled = { status: task.status, code: task.error?.code ?? null, statusCode: res.body.data.statusCode ?? null };
    judgeTaskEnd(c, created, scenario, task);
    return;
  }
  c.log.violation(`task ${taskId} (${created.record.label}) still processing after 120 s`);
}

function judgeTaskEnd(c: ClientContext, created: CallResult, scenario: Scenario, task: { status: string; error?: { code?: string }; refunded?: boolean }): void {
  const polled = created.record.polled!;
  const where = `${created.record.label} task ${created.record.taskId} (call ${created.record.seq})`;
  // A task running when the server was killed ends failed at the restart (contract §6), refunded.
  const cutByKill = polled.status === 'failed' && polled.code === 'SERVICE_UNAVAILABLE' && c.log.killedAfter(created.record.startedAt);
  // A task whose commit or refund fell in a database outage is abandoned, then refunded as SERVICE_UNAVAILABLE.
  const cutByOutage = polled.status === 'failed' && polled.code === 'SERVICE_UNAVAILABLE' && c.log.overlapsOutage(created.record.startedAt, Number.POSITIVE_INFINITY);
  const expected = EXPECTED[scenario];
  if (cutByKill || cutByOutage) {
    // as expected in a fault run
  } else if (expected.status === 200) {
    if (polled.status !== 'completed' || polled.statusCode !== expected.targetStatus) c.log.violation(`${where}: ended ${polled.status} ${polled.code} ${polled.statusCode}`);
  } else {
    const status = expected.code === 'REQUEST_TIMEOUT' ? 'timeout' : 'failed';
    if (polled.status !== status || polled.code !== expected.code) c.log.violation(`${where}: ended ${polled.status} ${polled.code}, expected ${status} ${expected.code}`);
  }
  if (polled.status !== 'completed' && task.refunded !== true) c.log.violation(`${where}: ${polled.status} without refunded: true`);
}
