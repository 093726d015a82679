/**
 * The runnable examples under examples/: the Session Status page's raw-HTTP examples (axios, Python requests,
 * curl) and the README's session workflow, each run unchanged as a child process (node, python3, bash) against
 * a real BBRE server; only the environment points them at it. Every case checks the printed output against the
 * server's state.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { startServer, type TestServer } from '../support/app.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STATUS_DIR = join(ROOT, 'examples', 'session-status');
const WORKFLOW_DIR = join(ROOT, 'examples', 'workflow');
const RUN_TIMEOUT_MS = 20_000;

/** Why `cmd args` cannot run here, or null when it runs. */
function probe(cmd: string, args: string[]): string | null {
  try {
    execFileSync(cmd, args, { stdio: 'pipe', timeout: 10_000 });
    return null;
  } catch (err) {
    const lastLine = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
    return lastLine || String(err);
  }
}

const MISSING = {
  python: probe('python3', ['-c', 'import requests']),
  curl: probe('curl', ['--version']),
  jq: probe('jq', ['--version']),
};

/** The Python and shell cases fail (never skip) when their tools are missing: CI must provide them. */
function requireTool(tool: keyof typeof MISSING): void {
  const hint = { python: 'python3 with the requests module (Debian: apt-get install python3-requests)', curl: 'curl (Debian: apt-get install curl)', jq: 'jq (Debian: apt-get install jq)' }[tool];
  if (MISSING[tool] !== null) throw new Error(`This example needs ${hint}: ${MISSING[tool]}`);
}

/** The environment of an example: ours, without proxy settings (axios, requests and curl all honour them). */
function exampleEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(https?|all|no)_proxy$/i.test(name)) env[name] = value;
  }
  // The Python basic check prints local times; UTC makes them comparable.
  return { ...env, TZ: 'UTC', PYTHONDONTWRITEBYTECODE: '1', ...vars };
}

interface RunResult {
  code: number | string | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], vars: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env: exampleEnv(vars), timeout: RUN_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? err.signal ?? 'failed') : 0, stdout, stderr: err && typeof err.code !== 'number' ? `${stderr}\n${err.message}` : stderr });
    });
  });
}

/** Runs an example, expects exit code 0, returns its stdout lines (without the last newline). */
async function runOk(cmd: string, args: string[], vars: Record<string, string>): Promise<string[]> {
  const result = await run(cmd, args, vars);
  expect(result.code, `${cmd} ${args.join(' ')} failed:\n${result.stderr}\n${result.stdout}`).toBe(0);
  return result.stdout.replace(/\n$/, '').split('\n');
}

/**
 * Evaluates an example unchanged and prints the value of its last statement (the doc's call of its function)
 * as `RESULT <json>`, for examples whose return value the doc does not print.
 */
const JS_LAST_VALUE = `
const fs = require('node:fs');
const vm = require('node:vm');
const file = process.argv[1];
Promise.resolve(vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file }))
  .then((value) => console.log('RESULT ' + JSON.stringify(value)));
`;
const PY_LAST_VALUE = `
import ast, json, sys
path = sys.argv[1]
with open(path) as f:
    tree = ast.parse(f.read(), path)
last = tree.body[-1]
tree.body[-1] = ast.copy_location(ast.Assign(targets=[ast.Name(id="__result__", ctx=ast.Store())], value=last.value), last)
ast.fix_missing_locations(tree)
scope = {"__name__": "__main__", "__file__": path}
exec(compile(tree, path, "exec"), scope)
print("RESULT " + json.dumps(scope["__result__"]))
`;

/** What Python's `datetime.fromtimestamp(ms / 1000).isoformat()` prints in UTC. */
function pythonIso(ms: number): string {
  const base = new Date(ms).toISOString().slice(0, 19);
  return ms % 1000 === 0 ? base : `${base}.${String(ms % 1000).padStart(3, '0')}000`;
}

let server: TestServer;
let site: TargetSite;

beforeAll(async () => {
  // The examples compute remaining time with the real clock, so the server's clock starts at real time.
  server = await startServer('sqlite', { clock: new ManualClock(Date.now()) });
  site = await startTargetSite();
});
afterAll(async () => {
  await site?.close();
  await server?.close();
});
beforeEach(() => {
  server.clock.set(Date.now());
});

interface Session {
  id: string;
  status: string;
  mode: string;
  sensibility: string;
  requestCount: number;
  totalCharged: number;
  expiresAt: number;
  createdAt: number;
  timeout: number;
  endedReason?: string;
}

/** An account and its key (balance $1 unless given). */
const account = (balance = 1) => server.account(balance);

/** A passive session created `ageSeconds` before now (the server clock is moved back for the creation only). */
async function createSession(key: string, options: { sensibility?: string; ageSeconds?: number } = {}): Promise<Session> {
  server.clock.set(Date.now() - (options.ageSeconds ?? 0) * 1000);
  const res = await server.call('/session/create', { mode: 'passive', sensibility: options.sensibility ?? 'medium', timeout: 300 }, key);
  server.clock.set(Date.now());
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.session as Session;
}

async function sendRequests(key: string, sessionId: string, count: number): Promise<void> {
  for (let done = 0; done < count; done += 10) {
    const batch = Array.from({ length: Math.min(10, count - done) }, () => server.call('/session/request', { sessionId, url: `${site.url}/echo` }, key));
    for (const res of await Promise.all(batch)) expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

async function statusBody(key: string, sessionId: string): Promise<any> {
  const res = await server.call('/session/status', { sessionId }, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
const status = async (key: string, sessionId: string): Promise<Session> => (await statusBody(key, sessionId)).session as Session;

async function closeSession(key: string, sessionId: string): Promise<void> {
  const res = await server.call('/session/close', { sessionId }, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function sessionsOf(key: string): Promise<Session[]> {
  const res = await server.call('/account/sessions', {}, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.sessions as Session[];
}

const echoHits = () => site.hits.get('/echo') ?? 0;

/** `expires in N seconds` → N. */
function seconds(line: string | undefined, pattern: RegExp): number {
  const match = pattern.exec(line ?? '');
  expect(match, `"${line}" does not match ${pattern}`).not.toBeNull();
  return Number(match![1]);
}

type Lang = 'js' | 'py';
const LANGS: Lang[] = ['js', 'py'];
function example(lang: Lang, js: string, py: string): { cmd: string; args: string[]; file: string } {
  if (lang === 'py') requireTool('python');
  const file = join(STATUS_DIR, lang === 'js' ? js : py);
  return { cmd: lang === 'js' ? 'node' : 'python3', args: [file], file };
}

describe('Basic Status Check', () => {
  async function twoRequestSession() {
    const { key } = await account();
    const session = await createSession(key, { sensibility: 'high' });
    await sendRequests(key, session.id, 2);
    const body = await statusBody(key, session.id);
    expect(body.session).toMatchObject({ id: session.id, status: 'active', mode: 'passive', sensibility: 'high', requestCount: 2, totalCharged: 0.006 });
    expect(body.session.expiresAt - body.session.createdAt).toBe(300_000);
    return { key, body, env: { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: session.id } };
  }

  for (const lang of LANGS) {
    it(`${lang}: prints every field of the session as the server has it`, async () => {
      const { cmd, args } = example(lang, 'basic-status-check.cjs', 'basic_status_check.py');
      const { body, env } = await twoRequestSession();
      const s = body.session as Session;
      const time = lang === 'js' ? (ms: number) => new Date(ms).toISOString() : pythonIso;
      expect(await runOk(cmd, args, env)).toEqual([
        `Session ID: ${s.id}`,
        'Status: active',
        'Mode: passive',
        'Sensibility: high',
        'Request Count: 2',
        'Total Charged: 0.006',
        `Expires At: ${time(s.expiresAt)}`,
        `Created At: ${time(s.createdAt)}`,
      ]);
    });
  }

  it('curl: prints the status envelope', async () => {
    requireTool('curl');
    const { key, body, env } = await twoRequestSession();
    const out = await runOk('bash', [join(STATUS_DIR, 'basic-status-check.sh')], env);
    const printed = JSON.parse(out.join('\n'));
    expect(printed).toEqual(body);
    expect(printed).toMatchObject({ success: true, service: 'MyDisct Solver BBRE', session: { requestCount: 2, totalCharged: 0.006, status: 'active' } });
    // Reading the status changed nothing.
    expect(await statusBody(key, body.session.id)).toEqual(body);
  });

  it('curl: an unknown session ID prints the SESSION_NOT_FOUND envelope', async () => {
    requireTool('curl');
    const { key } = await account();
    const out = await runOk('bash', [join(STATUS_DIR, 'basic-status-check.sh')], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: 'session_abc123def456' });
    expect(JSON.parse(out.join('\n'))).toMatchObject({ success: false, service: 'MyDisct Solver BBRE', error: { code: 'SESSION_NOT_FOUND', message: 'Session not found.' } });
  });
});

describe('Check Expiration Before Sending Requests', () => {
  const target = () => `${site.url}/echo?from=check-before-send`;

  async function lastHistory(key: string): Promise<any> {
    const res = await server.call('/account/history', { type: 'session_request', limit: 1 }, key);
    expect(res.status).toBe(200);
    return res.body.history[0];
  }

  for (const lang of LANGS) {
    it(`${lang}: an active session is used as it is`, async () => {
      const { cmd, args } = example(lang, 'check-before-send.cjs', 'check_before_send.py');
      const { key } = await account();
      const session = await createSession(key);
      const hits = echoHits();
      const out = await runOk(cmd, args, { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: session.id, BBRE_TARGET_URL: target() });
      expect(out).toHaveLength(2);
      const remaining = seconds(out[0], /^Session is active, expires in (-?\d+) seconds$/);
      expect(remaining).toBeGreaterThanOrEqual(270);
      expect(remaining).toBeLessThanOrEqual(299);
      expect(out[1]).toBe('Request completed: completed');

      expect(echoHits()).toBe(hits + 1);
      expect(await status(key, session.id)).toMatchObject({ status: 'active', requestCount: 1, totalCharged: 0.002 });
      expect((await sessionsOf(key)).map((s) => s.id)).toEqual([session.id]);
      expect(await lastHistory(key)).toMatchObject({ sessionId: session.id, url: target(), method: 'GET', status: 'completed' });
    });

    it(`${lang}: a closed session is replaced by a new one, which sends the request`, async () => {
      const { cmd, args } = example(lang, 'check-before-send.cjs', 'check_before_send.py');
      const { key } = await account();
      const old = await createSession(key);
      await closeSession(key, old.id);
      const hits = echoHits();
      const out = await runOk(cmd, args, { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: old.id, BBRE_TARGET_URL: target() });
      expect(out).toHaveLength(4);
      expect(out.slice(0, 2)).toEqual(['Session is closed - cannot send requests', 'Creating a new session...']);
      const created = /^New session created: (session_\w+)$/.exec(out[2] ?? '');
      expect(created, out[2]).not.toBeNull();
      const newId = created![1]!;
      expect(out[3]).toBe('Request completed: completed');

      expect(newId).not.toBe(old.id);
      expect(echoHits()).toBe(hits + 1);
      const sessions = await sessionsOf(key);
      expect(sessions.map((s) => s.id).sort()).toEqual([old.id, newId].sort());
      expect(sessions.find((s) => s.id === newId)).toMatchObject({ status: 'active', mode: 'passive', sensibility: 'medium', timeout: 300, requestCount: 1, totalCharged: 0.002 });
      expect(sessions.find((s) => s.id === old.id)).toMatchObject({ status: 'closed', requestCount: 0 });
      expect(await lastHistory(key)).toMatchObject({ sessionId: newId, url: target(), method: 'GET', status: 'completed' });
    });

    it(`${lang}: a session about to expire is left alone and a new one sends the request`, async () => {
      const { cmd, args } = example(lang, 'check-before-send.cjs', 'check_before_send.py');
      const { key } = await account();
      // Created 292 s ago with a 300 s timeout: 8 s left, under the example's 10 s margin.
      const old = await createSession(key, { ageSeconds: 292 });
      const out = await runOk(cmd, args, { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: old.id, BBRE_TARGET_URL: target() });
      expect(out).toHaveLength(5);
      const remaining = seconds(out[0], /^Session is active, expires in (-?\d+) seconds$/);
      // Real time runs on while the server's clock stands still, so on a slow machine it may even be negative.
      expect(remaining).toBeLessThan(10);
      expect(remaining).toBeGreaterThan(-30);
      expect(out.slice(1, 3)).toEqual(['Session expiring too soon, create a new one', 'Creating a new session...']);
      const newId = /^New session created: (session_\w+)$/.exec(out[3] ?? '')?.[1];
      expect(newId, out[3]).toBeDefined();
      expect(out[4]).toBe('Request completed: completed');

      expect(await status(key, old.id)).toMatchObject({ status: 'active', requestCount: 0 });
      expect(await status(key, newId!)).toMatchObject({ status: 'active', requestCount: 1, totalCharged: 0.002 });
    });
  }
});

describe('Track Usage and Costs (monitorSession / monitor_session with 50 requests, $0.50)', () => {
  const cases: Array<{ name: string; requests: number; close?: boolean; status: string; cost: string; result: (session: Session) => { continue: boolean; reason?: string; session?: Session } }> = [
    { name: 'the 50th request reaches maxRequests', requests: 50, status: 'active', cost: '$0.1000', result: () => ({ continue: false, reason: 'max_requests_reached' }) },
    { name: 'a session within its limits may continue', requests: 3, status: 'active', cost: '$0.0060', result: (session) => ({ continue: true, session }) },
    { name: 'a closed session stops the workflow', requests: 1, close: true, status: 'closed', cost: '$0.0020', result: () => ({ continue: false, reason: 'session_closed' }) },
  ];

  for (const lang of LANGS) {
    for (const c of cases) {
      it(`${lang}: ${c.name}`, async () => {
        const { cmd, args, file } = example(lang, 'track-usage.cjs', 'track_usage.py');
        const { key } = await account();
        const session = await createSession(key);
        await sendRequests(key, session.id, c.requests);
        if (c.close) await closeSession(key, session.id);
        const state = await status(key, session.id);
        expect(state).toMatchObject({ status: c.status, requestCount: c.requests });

        const env = { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: session.id };
        const expectReport = (out: string[]) => {
          expect(out.slice(0, 5)).toEqual(['Session Monitor Report:', ` Status: ${c.status}`, ' Mode: passive', ` Requests: ${c.requests} / 50`, ` Cost: ${c.cost} / $0.5000`]);
          const remaining = seconds(out[5], /^ Time Remaining: (-?\d+) seconds$/);
          expect(remaining).toBeGreaterThanOrEqual(270);
          expect(remaining).toBeLessThanOrEqual(299);
        };

        const plain = await runOk(cmd, args, env);
        expect(plain).toHaveLength(6);
        expectReport(plain);

        // The doc's call discards the verdict; evaluate the file unchanged and read it.
        const evaluated = lang === 'js' ? await runOk('node', ['-e', JS_LAST_VALUE, file], env) : await runOk('python3', ['-c', PY_LAST_VALUE, file], env);
        expect(evaluated).toHaveLength(7);
        expectReport(evaluated);
        const printed = JSON.parse(evaluated[6]!.replace(/^RESULT /, ''));
        const expected = c.result(state);
        const verdict = lang === 'js' ? printed.shouldContinue : printed.should_continue;
        expect(verdict).toBe(expected.continue);
        expect(printed.reason).toBe(expected.reason);
        if (expected.session) expect(printed.session).toEqual(expected.session);
        else expect(printed.session).toBeUndefined();
      });
    }
  }
});

describe('Expiration Countdown Timer (getSessionTimeRemaining)', () => {
  const file = join(STATUS_DIR, 'expiration-countdown.cjs');

  it('prints the seconds left of an active session', async () => {
    const { key } = await account();
    const session = await createSession(key, { ageSeconds: 100 });
    const out = await runOk('node', [file], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: session.id });
    expect(out).toHaveLength(1);
    const remaining = seconds(out[0], /^Session expires in (\d+) seconds$/);
    expect(remaining).toBeGreaterThanOrEqual(170);
    expect(remaining).toBeLessThanOrEqual(199);
  });

  it('reports a closed session', async () => {
    const { key } = await account();
    const session = await createSession(key);
    await closeSession(key, session.id);
    expect(await runOk('node', [file], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: session.id })).toEqual(['Session is closed']);
  });

  it('reports a session past its expiresAt as expired (the status read reconciles it)', async () => {
    const { key } = await account();
    const session = await createSession(key, { ageSeconds: 400 });
    expect(session.expiresAt).toBeLessThan(Date.now());
    expect(await runOk('node', [file], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: session.id })).toEqual(['Session is expired']);
    expect(await status(key, session.id)).toMatchObject({ status: 'expired', endedReason: 'expired' });
  });
});

describe('Usage Tracking for Billing (getSessionUsageReport)', () => {
  const file = join(STATUS_DIR, 'usage-report.cjs');

  async function report(key: string, sessionId: string): Promise<any> {
    const out = await runOk('node', [file], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SESSION_ID: sessionId });
    expect(out[0]).toBe('Usage Report: {');
    return JSON.parse(out.join('\n').replace(/^Usage Report: /, ''));
  }

  it('reports requests, cost, average cost and age of the session', async () => {
    const { key } = await account();
    const session = await createSession(key, { sensibility: 'low', ageSeconds: 60 });
    await sendRequests(key, session.id, 3);
    const printed = await report(key, session.id);
    expect(printed).toMatchObject({ sessionId: session.id, status: 'active', mode: 'passive', sensibility: 'low', totalRequests: 3, totalCost: 0.003, averageCostPerRequest: 0.001 });
    expect(printed.sessionDurationSeconds).toBeGreaterThanOrEqual(60);
    expect(printed.sessionDurationSeconds).toBeLessThan(90);
    expect(Object.keys(printed)).toHaveLength(8);
    expect(await status(key, session.id)).toMatchObject({ requestCount: printed.totalRequests, totalCharged: printed.totalCost });
  });

  it('a session without requests averages 0', async () => {
    const { key } = await account();
    const session = await createSession(key, { sensibility: 'high' });
    expect(await report(key, session.id)).toMatchObject({ sessionId: session.id, sensibility: 'high', totalRequests: 0, totalCost: 0, averageCostPerRequest: 0 });
  });
});

describe('README session workflow (create, log in, protected page, status, close)', () => {
  let demo: ChildProcess | undefined;
  let demoUrl: string;

  beforeAll(async () => {
    demo = spawn('node', [join(WORKFLOW_DIR, 'demo-site.mjs')], { cwd: ROOT, env: exampleEnv({ DEMO_SITE_PORT: '0' }), stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    demo.stdout!.setEncoding('utf8');
    const ready = new Promise<string>((resolve, reject) => {
      demo!.stdout!.on('data', (chunk: string) => {
        seen += chunk;
        const match = /demo site on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
        if (match) resolve(match[1]!);
      });
      once(demo!, 'exit').then(([code]) => reject(new Error(`demo site exited with ${code}: ${seen}`)), reject);
    });
    demoUrl = await ready;
  });
  afterAll(async () => {
    if (demo && demo.exitCode === null && demo.signalCode === null) {
      const exited = once(demo, 'exit');
      demo.kill();
      await exited;
    }
  });

  /** The session the workflow created ended closed after the login and the protected page. */
  async function expectClosedAfterTwoRequests(key: string, sessionId: string, expiresAt: number): Promise<void> {
    expect(await status(key, sessionId)).toMatchObject({ status: 'closed', endedReason: 'closed', requestCount: 2, totalCharged: 0.004, expiresAt });
    expect((await sessionsOf(key)).map((s) => s.id)).toEqual([sessionId]);
  }

  it('JavaScript (workflow.mjs)', async () => {
    const { key } = await account();
    const out = await runOk('node', [join(WORKFLOW_DIR, 'workflow.mjs')], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SITE_URL: demoUrl });
    const [, sessionId, expiresAt] = /^session (session_\w+) expires at (\d+)$/.exec(out[0] ?? '') ?? [];
    expect(sessionId, out[0]).toBeDefined();
    const text = out.join('\n');
    expect(text).toContain(`login: 200 ${demoUrl}/account [`);
    expect(text).toContain(`url: '${demoUrl}/login'`);
    expect(text).toContain('statusCode: 302');
    expect(text).toContain(`location: '/account'`);
    expect(text).toContain(`] { sid: 's3cr3t' } cost 0.002`);
    expect(out.slice(-3)).toEqual(['account: 200 <h1>Welcome, demo</h1>', 'status: active 2 0.004', 'closed: closed closed']);
    await expectClosedAfterTwoRequests(key, sessionId!, Number(expiresAt));
  });

  it('JavaScript (workflow.mjs) with a wrong key prints the error envelope and exits 1', async () => {
    const result = await run('node', [join(WORKFLOW_DIR, 'workflow.mjs')], { BBRE_API_BASE: server.url, BBRE_API_KEY: 'bbre_not_a_key', BBRE_SITE_URL: demoUrl });
    expect(result.code).toBe(1);
    // util.inspect breaks the object over lines when stderr is not a terminal.
    expect(result.stderr).toMatch(/^403 \{\s+code: 'INVALID_API_KEY',\s+message: 'The API key is not valid\.',\s+details: \{ retryable: false \}\s+\}$/m);
    expect(result.stdout).toBe('');
  });

  it('Python (workflow.py)', async () => {
    requireTool('python');
    const { key } = await account();
    const out = await runOk('python3', [join(WORKFLOW_DIR, 'workflow.py')], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SITE_URL: demoUrl });
    const [, sessionId, expiresAt] = /^session (session_\w+) expires at (\d+)$/.exec(out[0] ?? '') ?? [];
    expect(sessionId, out[0]).toBeDefined();
    expect(out.slice(1)).toEqual([
      `login: 200 ${demoUrl}/account [{'url': '${demoUrl}/login', 'statusCode': 302, 'location': '/account'}] {'sid': 's3cr3t'}`,
      'account: 200 <h1>Welcome, demo</h1>',
      'status: active 2 0.004',
      'closed: closed closed',
    ]);
    await expectClosedAfterTwoRequests(key, sessionId!, Number(expiresAt));
  });

  it('curl (workflow.sh, with jq)', async () => {
    requireTool('curl');
    requireTool('jq');
    const { key } = await account();
    const out = (await runOk('bash', [join(WORKFLOW_DIR, 'workflow.sh')], { BBRE_API_BASE: server.url, BBRE_API_KEY: key, BBRE_SITE_URL: demoUrl })).map((line) => line.replace(/\r$/, ''));
    const sessionId = out[0]!;
    expect(sessionId).toMatch(/^session_\w+$/);
    // 2. The login, with the answer's headers (-i).
    expect(out[1]).toBe('HTTP/1.1 200 OK');
    expect(out).toContain('x-bbre-cost: 0.002');
    const login = JSON.parse(out.find((line) => line.startsWith('{"success"'))!);
    expect(login.data).toMatchObject({ statusCode: 200, url: `${demoUrl}/account`, cookies: { sid: 's3cr3t' }, redirects: [{ url: `${demoUrl}/login`, statusCode: 302, location: '/account' }] });
    // 3. The protected page, as jq shapes it.
    const start = out.indexOf('{');
    const end = out.indexOf('}');
    expect(start).toBeGreaterThan(0);
    const page = JSON.parse(out.slice(start, end + 1).join('\n'));
    expect(page).toMatchObject({ statusCode: 200, body: '<h1>Welcome, demo</h1>', session: { id: sessionId, status: 'active', requestCount: 2, totalCharged: 0.004 } });
    // 4. Status, 5. close.
    expect(out.slice(end + 1)).toHaveLength(2);
    const statusLine = JSON.parse(out[end + 1]!);
    expect(statusLine).toEqual({ status: 'active', requestCount: 2, totalCharged: 0.004, expiresAt: page.session.expiresAt });
    const closed = JSON.parse(out[end + 2]!);
    expect(closed).toEqual({ status: 'closed', endedReason: 'closed', closedAt: server.clock.now() });
    await expectClosedAfterTwoRequests(key, sessionId, page.session.expiresAt);
  });
});
