import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressBar } from '../../src/cli/progress.js';
import { parseUrlList } from '../../src/cli/batch.js';
import { startServer, type TestServer } from '../support/app.js';
import { closedPort, echoCookies, echoHeader, startTargetSite, type EchoBody, type TargetSite } from '../support/target-site.js';
import { LiveClock } from '../sdk/helpers.js';

const BIN = fileURLToPath(new URL('../../bin/bbre.js', import.meta.url));

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `bbre …` as a user would, with the key and base URL in the environment. */
function bbre(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, BBRE_API_KEY: '', BBRE_API_BASE: '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

describe('bbre client commands (request, session, browser, batch)', () => {
  let s: TestServer;
  let site: TargetSite;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    site = await startTargetSite();
    s = await startServer('sqlite', { clock: new LiveClock(), config: { maxBrowserContexts: 2 } });
    const { key } = await s.account(10, { maxSessions: 20 });
    env = { BBRE_API_KEY: key, BBRE_API_BASE: s.url };
    dir = mkdtempSync(join(tmpdir(), 'bbre-cli-client-'));
  });
  afterAll(async () => {
    await s?.close();
    await site?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('request: a stateless request, as text and as JSON, with method, data and headers', async () => {
    const text = await bbre(env, 'request', `${site.url}/page?title=Hello`);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^200 ${site.url.replace(/[.]/g, '\\.')}/page\\?title=Hello`));
    expect(text.stdout).toContain('<h1>Hello</h1>');

    const posted = await bbre(env, 'request', `${site.url}/echo`, '--method', 'post', '--data', '{"a":1}', '-H', 'X-Trace: t1', '--sensibility', 'low', '--json');
    expect(posted.code).toBe(0);
    const result = JSON.parse(posted.stdout);
    expect(result).toMatchObject({ statusCode: 200, task: { status: 'completed' } });
    const echo = JSON.parse(result.body) as EchoBody;
    expect(echo.method).toBe('POST');
    expect(JSON.parse(echo.body)).toEqual({ a: 1 });
    expect(echoHeader(echo, 'x-trace')).toEqual(['t1']);
  });

  it('session create | status | close, and requests inside the session keep its cookies', async () => {
    const created = await bbre(env, 'session', 'create', '--timeout', '120', '--json');
    expect(created.code).toBe(0);
    const session = JSON.parse(created.stdout);
    expect(session).toMatchObject({ id: expect.stringMatching(/^session_/), status: 'active', mode: 'passive', sensibility: 'medium', requestCount: 0 });
    expect(session.expiresAt - session.createdAt).toBe(120_000);

    expect((await bbre(env, 'request', `${site.url}/set-cookie?name=sid&value=abc`, '--session', session.id)).code).toBe(0);
    const echoed = await bbre(env, 'request', `${site.url}/echo`, '--session', session.id, '--json');
    expect(echoCookies(JSON.parse(JSON.parse(echoed.stdout).body))).toMatchObject({ sid: 'abc' });

    const status = await bbre(env, 'session', 'status', session.id);
    expect(status.stdout).toContain(`session ${session.id}: active`);
    expect(status.stdout).toContain('requests 2');

    const closed = await bbre(env, 'session', 'close', session.id, '--json');
    expect(JSON.parse(closed.stdout)).toMatchObject({ id: session.id, status: 'closed', requestCount: 2 });
    // Closing again is the server's error, on stderr with its code, and a non-zero exit.
    const again = await bbre(env, 'session', 'close', session.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('SESSION_CLOSED');
  });

  it('browser: actions on an adaptive session, single and batch', async () => {
    const created = JSON.parse((await bbre(env, 'session', 'create', '--mode', 'adaptive', '--json')).stdout);
    try {
      const nav = await bbre(env, 'browser', created.id, 'navigate', JSON.stringify({ url: `${site.url}/page?title=Driven` }), '--json');
      expect(nav.code).toBe(0);
      expect(JSON.parse(nav.stdout)).toMatchObject({ url: `${site.url}/page?title=Driven`, title: 'Driven', statusCode: 200 });
      const text = await bbre(env, 'browser', created.id, 'getText', '{"selector":"h1"}');
      expect(text.stdout.trim()).toBe('Driven');
      const batch = await bbre(env, 'browser', created.id, 'batch', JSON.stringify([{ type: 'getTitle' }, { type: 'evaluate', script: '6 * 7' }]), '--json');
      const results = JSON.parse(batch.stdout);
      expect(results.map((r: { result: unknown }) => r.result)).toEqual([{ title: 'Driven' }, { value: 42 }]);
      const missing = await bbre(env, 'browser', created.id, 'click', '{"selector":"#nothing"}', '--timeout', '1');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('ELEMENT_NOT_FOUND');
    } finally {
      await bbre(env, 'session', 'close', created.id);
    }
  });

  it('batch: every URL of a file, N at a time, a file per URL, a summary with ok/failed/cost and a progress bar', async () => {
    const dead = await closedPort();
    const list = join(dir, 'urls.txt');
    writeFileSync(list, [`# pages`, `${site.url}/page?title=A`, '', `${site.url}/page?title=B`, `http://127.0.0.1:${dead}/`, `${site.url}/status/404`, `${site.url}/page?title=C`].join('\n'));
    const out = join(dir, 'out');
    const run = await bbre(env, 'batch', list, '--concurrency', '3', '--out', out, '--retries', '0', '--json');
    // One URL failed: the batch says so with its exit code, after finishing the others.
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    // A 404 is a completed request; the closed port is the one failure, refunded: 4 × $0.002 kept.
    expect(summary).toMatchObject({ total: 5, ok: 4, failed: 1, cost: 0.008, retries: 0 });
    expect(summary.failures).toEqual([{ line: 5, url: `http://127.0.0.1:${dead}/`, code: 'TARGET_UNREACHABLE', message: expect.any(String) }]);
    expect(readdirSync(out).sort()).toEqual(['2.json', '4.json', '5.json', '6.json', '7.json', 'summary.json']);
    expect(JSON.parse(readFileSync(join(out, '4.json'), 'utf8'))).toMatchObject({ line: 4, ok: true, result: { statusCode: 200, url: `${site.url}/page?title=B` } });
    expect(JSON.parse(readFileSync(join(out, '6.json'), 'utf8')).result.statusCode).toBe(404);
    expect(JSON.parse(readFileSync(join(out, '5.json'), 'utf8'))).toMatchObject({ ok: false, error: { code: 'TARGET_UNREACHABLE', httpStatus: 502 } });
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ total: 5, ok: 4, failed: 1 });
    // Not a terminal: the bar is printed as lines, ending at 5/5.
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/\[#{30}\] 5\/5 {2}ok 4 {2}failed 1$/);
  });

  it('without BBRE_API_KEY the client commands say what to do', async () => {
    const run = await bbre({ BBRE_API_BASE: s.url }, 'request', `${site.url}/page`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BBRE_API_KEY is not set');
  });
});

describe('batch helpers', () => {
  it('reads one URL per line, skipping blanks and comments, keeping line numbers', () => {
    expect(parseUrlList('# c\nhttp://a/\n\n  http://b/  \r\n#x\nhttp://c/')).toEqual([
      { line: 2, url: 'http://a/' },
      { line: 4, url: 'http://b/' },
      { line: 6, url: 'http://c/' },
    ]);
  });

  it('draws the bar in place on a terminal and as tenth-steps otherwise', () => {
    const written: string[] = [];
    const tty = progressBar({ isTTY: true, write: (c: string) => written.push(c) }, 4);
    tty.update({ done: 1, ok: 1, failed: 0 });
    tty.finish();
    expect(written[0]).toMatch(/^\rbatch \[#{8}\.{22}\] 1\/4/);
    expect(written.at(-1)).toBe('\n');
    const lines: string[] = [];
    const plain = progressBar({ write: (c: string) => lines.push(c) }, 100);
    for (let done = 0; done <= 100; done++) plain.update({ done, ok: done, failed: 0 });
    expect(lines).toHaveLength(11);
  });
});
