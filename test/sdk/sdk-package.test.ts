/**
 * The published shape of bbre-sdk: built with its own build script from the current sources (into a temp copy, so a
 * stale or shared dist/ never decides the outcome), then loaded the way users load it: `require`, `import`, and a
 * TypeScript consumer type-checked against the emitted declarations.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_VERSION } from '../../packages/sdk/src/index.js';
import { startServer, type TestServer } from '../support/app.js';
import { BACKENDS } from '../support/backends.js';
import { startTargetSite, type TargetSite } from '../support/target-site.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const SDK_DIR = join(ROOT, 'packages/sdk');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

let tmp: string;
let pkg: string;
let consumer: string;

function link(target: string, path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  symlinkSync(target, path, 'dir');
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'bbre-sdk-pkg-'));
  pkg = join(tmp, 'bbre-sdk');
  cpSync(SDK_DIR, pkg, { recursive: true, filter: (src) => !/[\\/](dist|node_modules)$/.test(src) });
  link(join(ROOT, 'node_modules/typescript'), join(pkg, 'node_modules/typescript'));
  link(join(ROOT, 'node_modules/@types/node'), join(pkg, 'node_modules/@types/node'));
  await run('npm', ['run', 'build', '--silent'], { cwd: pkg });

  consumer = join(tmp, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  link(pkg, join(consumer, 'node_modules/bbre-sdk'));
  // `npm install mydisctsolver-bbre@npm:bbre-sdk`: the hosted SDK's name, this package.
  link(pkg, join(consumer, 'node_modules/mydisctsolver-bbre'));
  link(join(ROOT, 'node_modules/@types/node'), join(consumer, 'node_modules/@types/node'));
}, 120_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs `node` in the consumer project; the script prints one JSON line. */
async function node(args: string[], env: Record<string, string> = {}): Promise<any> {
  const { stdout } = await run(process.execPath, args, { cwd: consumer, env: { ...process.env, ...env } });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

async function typecheck(files: string[]): Promise<{ code: number; output: string }> {
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] }, files }),
  );
  try {
    const { stdout } = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: consumer });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

describe('package metadata', () => {
  it('package.json: ESM and CommonJS entry points with types, no runtime dependencies, dist only', () => {
    const manifest = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'bbre-sdk', version: SDK_VERSION, license: 'MIT', files: ['dist'], engines: { node: '>=18' } });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.exports['.']).toEqual({
      import: { types: './dist/esm/index.d.ts', default: './dist/esm/index.js' },
      require: { types: './dist/cjs/entry.d.cts', default: './dist/cjs/entry.cjs' },
    });
    expect([manifest.main, manifest.module, manifest.types]).toEqual(['./dist/cjs/entry.cjs', './dist/esm/index.js', './dist/esm/index.d.ts']);
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(root.workspaces).toEqual(['packages/sdk']);
    expect(root.scripts['build:sdk']).toBe('npm run build --workspace bbre-sdk');
  });

  it('the tarball holds the built entry points and declarations, and no sources', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg });
    const files: string[] = JSON.parse(stdout)[0].files.map((f: { path: string }) => f.path);
    for (const built of ['dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/entry.cjs', 'dist/cjs/entry.d.cts', 'dist/cjs/index.js', 'dist/cjs/package.json', 'README.md', 'package.json']) {
      expect(files).toContain(built);
    }
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'README.md' && f !== 'package.json')).toEqual([]);
  });
});

describe.skipIf(!BACKENDS.includes('sqlite'))('the built package at runtime', () => {
  let server: TestServer;
  let site: TargetSite;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startServer('sqlite');
    site = await startTargetSite();
    env = { BBRE_API_BASE: server.url, BBRE_KEY: (await server.account(10)).key, SITE: site.url };
  });
  afterAll(async () => {
    await site?.close();
    await server?.close();
  });

  it("require('bbre-sdk') is the BBREClient class, with the named exports on it", async () => {
    const out = await node(
      [
        '-e',
        `
        const BBREClient = require('bbre-sdk');
        const alias = require('mydisctsolver-bbre');
        const out = {
          type: typeof BBREClient,
          name: BBREClient.name,
          self: BBREClient.BBREClient === BBREClient,
          def: BBREClient.default === BBREClient,
          named: ['BBRESession', 'BrowserAPI', 'BBREError', 'RenewingSession'].map((n) => typeof BBREClient[n]),
          sessionIsClient: Object.getPrototypeOf(BBREClient.BBRESession) === BBREClient,
          alias: alias === BBREClient,
          version: BBREClient.SDK_VERSION,
          resolved: require.resolve('bbre-sdk').replace(/\\\\/g, '/').split('/').slice(-3).join('/'),
        };
        try { new BBREClient({}); } catch (e) { out.missingKey = [e instanceof BBREClient.BBREError, e.code]; }
        // The hosted SDK's example line, against the test server (BBRE_API_BASE).
        const client = new BBREClient({ apiKey: process.env.BBRE_KEY });
        client.getBalance().then((balance) => {
          out.balance = balance;
          console.log(JSON.stringify(out));
        });
        `,
      ],
      env,
    );
    expect(out).toEqual({
      type: 'function',
      name: 'BBREClient',
      self: true,
      def: true,
      named: ['function', 'function', 'function', 'function'],
      sessionIsClient: true,
      alias: true,
      version: SDK_VERSION,
      resolved: 'dist/cjs/entry.cjs',
      missingKey: [true, 'API_KEY_REQUIRED'],
      balance: 10,
    });
  });

  it('import: default and named exports; errors of the CJS copy pass instanceof of the ESM copy', async () => {
    const out = await node(
      [
        '--input-type=module',
        '-e',
        `
        import BBREClient, { BBREClient as Named, BBRESession, BrowserAPI, BBREError, RenewingSession } from 'bbre-sdk';
        import { createRequire } from 'node:module';
        const cjs = createRequire(import.meta.url)('bbre-sdk');
        const out = {
          same: BBREClient === Named,
          named: [BBRESession, BrowserAPI, BBREError, RenewingSession].map((c) => typeof c),
          resolved: import.meta.resolve('bbre-sdk').split('/').slice(-3).join('/'),
          twoCopies: cjs !== BBREClient,
          crossInstanceof: [new cjs.BBREError('X', 'y') instanceof BBREError, new BBREError('X', 'y') instanceof cjs.BBREError],
        };
        const client = new BBREClient({ apiKey: process.env.BBRE_KEY, pollingInterval: 20 });
        const session = await client.createSession({ timeout: 60 });
        const login = await session.post(process.env.SITE + '/login', { username: 'u' });
        const account = await session.get(process.env.SITE + '/account');
        out.session = [session instanceof BBRESession, login.statusCode, account.body.startsWith('welcome '), Object.keys(session.getCookies())];
        out.closed = await session.close();
        try {
          await new cjs({ apiKey: 'bbre_wrong' }).getBalance();
        } catch (err) {
          out.cjsError = [err instanceof BBREError, err.code, err.httpStatus];
        }
        console.log(JSON.stringify(out));
        `,
      ],
      env,
    );
    expect(out).toEqual({
      same: true,
      named: ['function', 'function', 'function', 'function'],
      resolved: 'dist/esm/index.js',
      twoCopies: true,
      crossInstanceof: [true, true],
      session: [true, 200, true, ['sid']],
      closed: true,
      cjsError: [true, 'INVALID_API_KEY', 403],
    });
  });
});

describe('type declarations', () => {
  it('a TypeScript consumer (ESM .ts and CommonJS .cts) type-checks against the built declarations', async () => {
    writeFileSync(
      join(consumer, 'esm-consumer.ts'),
      `
import BBREClient, { BBRESession, BBREError, BrowserAPI, RenewingSession, type RequestResult, type SessionInfo, type BBREClientOptions } from 'bbre-sdk';

const options: BBREClientOptions = { apiKey: 'YOUR_API_KEY', mode: 'passive', sensibility: 'medium', retries: 3, pollingInterval: 1000 };
const client = new BBREClient(options);

async function workflowWithStatusCheck(): Promise<string | null> {
  const session: BBRESession = await client.createSession({ timeout: 300 });
  console.log('Session created:', session.sessionId);
  try {
    const loginResult: RequestResult = await session.request({ url: 'https://example.com/api/login', method: 'POST', body: { username: 'myuser', password: 'mypassword' } });
    console.log('Login status:', loginResult.statusCode);
    const statusInfo: SessionInfo = await session.status();
    console.log('Expires at:', new Date(statusInfo.expiresAt).toISOString());
    if (statusInfo.status !== 'active') return null;
    const dataResult = await session.request({ url: 'https://example.com/api/data', method: 'GET' });
    return dataResult.body;
  } finally {
    await session.close();
  }
}

async function browserWork(): Promise<void> {
  const session = new BBRESession({ apiKey: 'k', mode: 'adaptive', sessionTime: 120, forceMode: true, browserSpeed: 'human' });
  await session.start();
  const browser: BrowserAPI = session.browser;
  const page = await browser.navigate('https://example.com');
  const status: number | null = page.statusCode;
  const shot: Buffer = await browser.screenshot({ fullPage: true });
  const text: string = await browser.getText('h1');
  const attr: string | null = await browser.getAttribute('a', 'href');
  const sum = await browser.evaluate<number>((a: number, b: number) => a + b, 1, 2);
  const form = await browser.submitForm({ url: 'https://example.com/login', fields: { '#user': 'u', '#remember': true, '#role': ['admin'] }, submit: '#go' });
  const check = await browser.checkPage({ url: 'https://example.com', expectSelector: 'h1', expectText: 'Example' });
  const values: unknown[] = await browser.interact([{ type: 'click', selector: '#a' }, { type: 'getTitle' }]);
  console.log(status, shot.length, text, attr, sum + 1, form.url, check.ok, check.selectorFound, values.length);
  session.setCookie('a', '1', { path: '/' }).setCookies({ b: '2' }).clearCookies();
  const jar: Record<string, string> = session.getCookies();
  console.log(jar, session.isActive(), session.getSessionId(), session.hasProfile(), session.getProfile()?.userAgent);
}

async function accountWork(): Promise<void> {
  const balance: number = await client.getBalance();
  const info = await client.getAccountInfo();
  const sessions = await client.getSessions({ status: 'active', limit: 10 });
  const history = await client.getHistory({ type: 'session_request', startDate: '2026-01-01T00:00:00Z' });
  const task = await client.createTask({ url: 'https://example.com' });
  const result = await client.getResult(task.taskId);
  const chained: BBREClient = client.setDefaultMode('adaptive').setDefaultSensibility('high').setDefaultTimeout(60);
  const closed: true = await client.closeSession('session_abc123def456');
  const renewing: RenewingSession = await client.createRenewingSession({ timeout: 300, renewBefore: 30 });
  console.log(balance, info.statistics.successRate, sessions.pagination.hasMore, history.history[0]?.price, result.task.status, chained, closed, renewing.renewals);
  try {
    await client.get('https://example.com', { headers: { accept: 'text/html' }, async: true });
  } catch (err) {
    if (err instanceof BBREError) {
      const code: string = err.code;
      const httpStatus: number | null = err.httpStatus;
      const retryable: boolean = err.retryable;
      console.log(code, httpStatus, retryable, err.details.taskId);
    }
  }
}

void workflowWithStatusCheck;
void browserWork;
void accountWork;
`,
    );
    writeFileSync(
      join(consumer, 'cjs-consumer.cts'),
      `
import BBREClient = require('mydisctsolver-bbre');

const client = new BBREClient({ apiKey: 'YOUR_API_KEY' });

async function checkWithClient(): Promise<BBREClient.SessionInfo> {
  const sessionId = 'session_abc123def456';
  const result = await client.getSessionStatus(sessionId);
  console.log('Status:', result.status);
  console.log('Expires At:', new Date(result.expiresAt).toISOString());
  return result;
}

const Session: typeof BBREClient.BBRESession = BBREClient.BBRESession;
const session: BBREClient.BBRESession = new Session({ apiKey: 'k', sessionTime: 60 });
const error: BBREClient.BBREError = new BBREClient.BBREError('X', 'y');
const same: BBREClient.BBREClient = new BBREClient.default({ apiKey: 'k' });
void checkWithClient;
void session;
void error;
void same;
`,
    );
    const checked = await typecheck(['esm-consumer.ts', 'cjs-consumer.cts']);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });

  it('type errors in a consumer are reported (the declarations are not `any`)', async () => {
    writeFileSync(
      join(consumer, 'bad-consumer.ts'),
      `
import BBREClient from 'bbre-sdk';
const client = new BBREClient({ apiKey: 'k' });
const balance: string = await client.getBalance();
await client.request({ url: 'https://example.com', timeout: '30' });
await client.createSession({ timeout: '300' });
const shot: string = await (await client.createSession()).browser.screenshot();
void balance;
void shot;
`,
    );
    writeFileSync(
      join(consumer, 'bad-consumer.cts'),
      `
import BBREClient = require('bbre-sdk');
const client = new BBREClient({ apiKey: 42 });
const info: BBREClient.SessionInfo = { id: 'x' };
void client;
void info;
`,
    );
    const checked = await typecheck(['bad-consumer.ts', 'bad-consumer.cts']);
    expect(checked.code).not.toBe(0);
    const errors = checked.output.split('\n').filter((l) => /error TS\d+/.test(l)).map((l) => l.replace(/: error (TS\d+).*$/, ' $1'));
    expect(errors).toEqual([
      'bad-consumer.cts(3,33) TS2322',
      'bad-consumer.cts(4,7) TS2740',
      'bad-consumer.ts(4,7) TS2322',
      'bad-consumer.ts(5,52) TS2322',
      'bad-consumer.ts(6,30) TS2322',
      'bad-consumer.ts(7,7) TS2322',
    ]);
  });
});
