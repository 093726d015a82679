import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from '../support/backends.js';
import { checkAnswer, SLOW_ANSWER_MS, type Answer } from './answer-check.js';
import { CONTRACTS } from './endpoints.js';
import { runFuzz } from './fuzz-driver.js';
import { healthAfterRun, MAX_BODY_BYTES, startFuzzFixture, type FuzzFixture } from './fuzz-fixture.js';
import { confineTarget } from './generators.js';
import { parseRawAnswer } from './http-send.js';
import { mayHitRoute } from './path-cases.js';

/** The short run; `npm run fuzz` is the long one. PostgreSQL gets fewer inputs: same code above the store. */
const RUNS: Record<Backend, number> = { sqlite: 1500, postgres: 600 };
/** A new seed every run widens coverage over time; a failure prints it, and BBRE_FUZZ_SEED replays it. */
const SEED = Number(process.env.BBRE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

const SERVICE = 'MyDisct Solver BBRE';
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: Buffer.from(JSON.stringify(body)),
});
const failure = (code: string, retryable: boolean, details: Record<string, unknown> = {}) => ({ success: false, service: SERVICE, error: { code, message: 'Something.', details: { ...details, retryable } } });
const status = { contract: CONTRACTS.sessionStatus, expectSuccess: false };

describe('the fuzz answer check', () => {
  it('accepts a listed error in the envelope, and a success with its payload', () => {
    expect(checkAnswer(status, json(404, failure('SESSION_NOT_FOUND', false)))).toEqual([]);
    expect(checkAnswer(status, json(200, { success: true, service: SERVICE, session: {} }))).toEqual([]);
    expect(checkAnswer(status, json(429, failure('RATE_LIMIT_EXCEEDED', true), { 'retry-after': '2' }))).toEqual([]);
  });

  it('rejects a 500, even in the envelope', () => {
    expect(checkAnswer(status, json(500, failure('SERVICE_ERROR', true)))).toEqual(expect.arrayContaining(['HTTP 500']));
  });

  it("rejects answers that are not the BBRE envelope: Fastify's own error body, HTML, an empty body", () => {
    expect(checkAnswer(status, json(400, { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: 'x', statusCode: 400 })).join()).toMatch(/not the BBRE envelope/);
    const html: Answer = { status: 502, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html>Bad Gateway</html>') };
    expect(checkAnswer(status, html).join()).toMatch(/not application\/json.*not JSON/);
    expect(checkAnswer(status, { status: 400, headers: {}, body: Buffer.alloc(0) })).not.toEqual([]);
  });

  it('rejects a code the endpoint may not return, an unlisted code, a lower-case code, a wrong status or retryable', () => {
    expect(checkAnswer(status, json(400, failure('INVALID_URL', false))).join()).toMatch(/not an error POST \/session\/status may return/);
    expect(checkAnswer(status, json(400, failure('MADE_UP', false))).join()).toMatch(/not in the error list/);
    expect(checkAnswer(status, json(400, failure('session_not_found', false))).join()).toMatch(/UPPER_SNAKE/);
    expect(checkAnswer(status, json(400, failure('SESSION_NOT_FOUND', false))).join()).toMatch(/the list says 404/);
    expect(checkAnswer(status, json(404, failure('SESSION_NOT_FOUND', true))).join()).toMatch(/retryable is true/);
    expect(checkAnswer(status, json(404, { success: false, service: SERVICE, error: { code: 'SESSION_NOT_FOUND', message: 'x', details: {} } })).join()).toMatch(/not a boolean/);
    expect(checkAnswer(status, json(429, failure('RATE_LIMIT_EXCEEDED', true))).join()).toMatch(/Retry-After/);
  });

  it('rejects a success without its payload, and an error where unknown fields had to be ignored', () => {
    expect(checkAnswer(status, json(200, { success: true, service: SERVICE })).join()).toMatch(/lacks "session"/);
    expect(checkAnswer(status, json(201, { success: true, service: SERVICE, session: {} })).join()).toMatch(/not 200/);
    expect(checkAnswer({ ...status, expectSuccess: true }, json(400, failure('INVALID_REQUEST', false))).join()).toMatch(/unknown fields were not ignored/);
  });

  it('rejects any other answer where the contract names the code (unreadable JSON, oversized body)', () => {
    const malformed = { ...status, expectCodes: ['INVALID_REQUEST'] };
    expect(checkAnswer(malformed, json(400, failure('INVALID_REQUEST', false)))).toEqual([]);
    expect(checkAnswer(malformed, json(400, failure('SESSION_ID_REQUIRED', false))).join()).toMatch(/where the contract says INVALID_REQUEST/);
    expect(checkAnswer(malformed, json(200, { success: true, service: SERVICE, session: {} })).join()).toMatch(/where the contract says INVALID_REQUEST/);
  });

  it('rejects no answer and an answer that came too late', () => {
    expect(checkAnswer(status, { status: 0, headers: {}, body: Buffer.alloc(0), failure: 'ECONNRESET' })).toEqual(['no answer: ECONNRESET']);
    expect(checkAnswer(status, { ...json(404, failure('SESSION_NOT_FOUND', false)), elapsedMs: SLOW_ANSWER_MS + 1 }).join()).toMatch(/answered after/);
  });

  it('reads raw HTTP answers framed by length and by chunks', () => {
    const byLength = parseRawAnswer(Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}junk'));
    expect(byLength).toMatchObject({ status: 400, headers: { 'content-type': 'application/json' } });
    expect(byLength.body.toString()).toBe('{}');
    const chunked = parseRawAnswer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"\r\n1\r\n}\r\n0\r\n\r\n'));
    expect(chunked.body.toString()).toBe('{"}');
    expect(parseRawAnswer(Buffer.from('garbage')).failure).toBeDefined();
  });

  it('keeps every generated target on loopback', () => {
    for (const url of ['http://example.com/', 'https://10.0.0.1/', 'http:evil', 'socks5://user:pw@proxy.example:1080', 'HTTP://169.254.169.254/latest']) expect(confineTarget(url)).toBe('http://127.0.0.1:9/');
    for (const url of ['http://127.0.0.1:1/x', 'http://localhost:8080/', 'http://[::1]:1/', 'http://127.9.9.9/', 'not a url', 'ftp:', 'mailto:a@b']) expect(confineTarget(url)).toBe(url);
  });

  it('does not count a real route among the unknown paths', () => {
    for (const path of ['/health', '/session/create/', '//session//create', '/admin/accounts/x/ledger', '/%68ealth', '/SESSION/CREATE']) expect(mayHitRoute(path)).toBe(true);
    for (const path of ['/', '/nope', '/session', '/session/create/extra', '/admin/accounts/x/y/z']) expect(mayHitRoute(path)).toBe(false);
  });
});

describe.each(BACKENDS)('fuzzing every endpoint (%s)', (backend) => {
  let fixture: FuzzFixture;
  beforeAll(async () => {
    fixture = await startFuzzFixture(backend);
  }, 60_000);
  afterAll(() => fixture?.close());

  it(`answers ${RUNS[backend]} generated bad inputs with the envelope and a listed code, never a 500`, async () => {
    const run = await runFuzz(fixture.ctx, { numRuns: RUNS[backend], seed: SEED, stopOnFailure: true, maxBodyBytes: MAX_BODY_BYTES });
    if (run.details.failed) {
      const broken = run.details.errorInstance instanceof Error ? run.details.errorInstance.message : String(run.details.errorInstance);
      throw new Error(`${fc.defaultReportMessage(run.details)}\nBroken rules: ${broken}\nReplay: BBRE_FUZZ_SEED=${SEED} BBRE_TEST_BACKENDS=${backend} npx vitest run test/fuzz/fuzz.test.ts`);
    }
    expect(run.figures.inputs).toBe(RUNS[backend]);
    // Every API endpoint, the admin API, unknown paths and malformed HTTP were all exercised.
    expect(run.figures.endpoints.size).toBeGreaterThanOrEqual(28);
  }, 150_000);

  it('still serves, still works and keeps its ledger consistent afterwards', async () => {
    expect(await healthAfterRun(fixture)).toEqual([]);
  }, 60_000);
});
