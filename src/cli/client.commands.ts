import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { BBREClient, BBRESession, type RequestResult, type SessionInfo } from '../../packages/sdk/src/index.js';
import { loadClientConfig } from '../config/client-config.js';
import { parseUrlList, runBatch } from './batch.js';
import { progressBar } from './progress.js';

type Out = (value: unknown, text: () => string) => void;

const MODES = ['passive', 'adaptive'];
const SENSIBILITIES = ['low', 'medium', 'high'];

interface CommonOptions {
  mode?: string;
  sensibility?: string;
  timeout?: string;
  retries?: string;
  json?: boolean;
}

function oneOf(value: string | undefined, allowed: string[], what: string): string | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (!allowed.includes(v)) throw new Error(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return v;
}

function positive(value: string | undefined, what: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new Error(`${what} must be a ${integer ? 'non-negative integer' : 'positive number'}, got ${JSON.stringify(value)}`);
  return n;
}

/** The SDK client, keyed from BBRE_API_KEY and pointed at BBRE_API_BASE. */
function clientFor(o: CommonOptions, extra: { onRetry?: () => void } = {}): BBREClient {
  const config = loadClientConfig();
  if (!config.apiKey) throw new Error('BBRE_API_KEY is not set: export the API key of your account (bbre account create prints one)');
  return new BBREClient({
    apiKey: config.apiKey,
    ...(config.apiBase ? { baseUrl: config.apiBase } : {}),
    ...(o.mode ? { mode: oneOf(o.mode, MODES, '--mode') as 'passive' | 'adaptive' } : {}),
    ...(o.sensibility ? { sensibility: oneOf(o.sensibility, SENSIBILITIES, '--sensibility') as 'low' | 'medium' | 'high' } : {}),
    ...(o.timeout !== undefined ? { timeout: positive(o.timeout, '--timeout') } : {}),
    ...(o.retries !== undefined ? { retries: positive(o.retries, '--retries', true) } : {}),
    ...(extra.onRetry ? { onRetry: extra.onRetry } : {}),
  });
}

/** `--data`: a JSON object or array is sent as JSON, anything else as a string. */
function parseData(data: string | undefined): unknown {
  if (data === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed !== null && typeof parsed === 'object') return parsed;
  } catch {
    // not JSON: a plain string body
  }
  return data;
}

function parseHeaders(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const h of list) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new Error(`--header must look like "Name: value", got ${JSON.stringify(h)}`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  return headers;
}

function parseJsonArg(text: string | undefined, what: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '');

function resultText(r: RequestResult): string {
  const lines = [`${r.statusCode} ${r.url}`];
  for (const hop of r.redirects ?? []) lines.push(`  via ${hop.statusCode} ${hop.url}`);
  const cookies = Object.entries(r.cookies ?? {});
  if (cookies.length > 0) lines.push(`  cookies: ${cookies.map(([n]) => n).join(', ')}`);
  lines.push('', r.bodyEncoding === 'base64' ? `(${Buffer.from(r.body ?? '', 'base64').length} bytes of binary body; use --json to get it base64)` : (r.body ?? ''));
  return lines.join('\n');
}

function sessionText(s: SessionInfo): string {
  return [
    `session ${s.id}: ${s.status}${s.endedReason && s.status !== 'active' ? ` (${s.endedReason})` : ''}`,
    `  mode ${s.mode}, sensibility ${s.sensibility}`,
    `  requests ${s.requestCount}, charged $${s.totalCharged}`,
    `  created ${iso(s.createdAt)}, expires ${iso(s.expiresAt)}`,
  ].join('\n');
}

/** A session object bound to an existing session ID (for `bbre browser` and `bbre request --session`). */
function attached(client: BBREClient, sessionId: string, o: CommonOptions): BBRESession {
  return BBRESession.attach({ ...clientSettings(client, o), forceMode: true }, sessionId);
}

function clientSettings(client: BBREClient, o: CommonOptions) {
  const config = loadClientConfig();
  return {
    apiKey: config.apiKey!,
    baseUrl: client.baseUrl,
    ...(o.retries !== undefined ? { retries: positive(o.retries, '--retries', true) } : {}),
  };
}

/** Contract §8 through the SDK: requests, sessions, browser actions and batches against a BBRE server. */
export function registerClientCommands(program: Command, print: (json: boolean) => Out): void {
  const common = (c: Command) =>
    c
      .option('--mode <mode>', 'passive | adaptive')
      .option('--sensibility <level>', 'low | medium | high')
      .option('--timeout <seconds>', 'request timeout in seconds')
      .option('--retries <n>', 'automatic retries of retryable errors (default 2)')
      .option('--json', 'print JSON');

  common(
    program
      .command('request <url>')
      .description('send one request through BBRE (stateless, or inside --session)')
      .option('--method <method>', 'HTTP method', 'GET')
      .option('--data <body>', 'request body: JSON object/array, or a string')
      .option('-H, --header <header>', '"Name: value" (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--session <sessionId>', 'send it inside this session')
      .option('--async', 'create a task and poll its result'),
  ).action(async (url: string, o: CommonOptions & { method: string; data?: string; header: string[]; session?: string; async?: boolean }) => {
    const client = clientFor(o);
    const request = {
      url,
      method: o.method.toUpperCase(),
      body: parseData(o.data),
      headers: parseHeaders(o.header),
      ...(o.timeout !== undefined ? { timeout: positive(o.timeout, '--timeout') } : {}),
    };
    const result = o.session ? await attached(client, o.session, o).request(request) : await client.request({ ...request, ...(o.async ? { async: true } : {}) });
    print(!!o.json)(result, () => resultText(result));
  });

  const session = program.command('session').description('create, inspect and close sessions');
  common(session.command('create').description('create a session and print its ID')).action(async (o: CommonOptions) => {
    const client = clientFor({ ...o, timeout: undefined });
    const s = await client.createSession(o.timeout !== undefined ? { timeout: positive(o.timeout, '--timeout') } : {});
    const info = await s.status();
    print(!!o.json)(info, () => sessionText(info));
  });
  session
    .command('status <sessionId>')
    .description('the session object (expiry reconciled by the server)')
    .option('--json', 'print JSON')
    .action(async (sessionId: string, o: CommonOptions) => {
      const info = await clientFor(o).getSessionStatus(sessionId);
      print(!!o.json)(info, () => sessionText(info));
    });
  session
    .command('close <sessionId>')
    .description('close the session and free its slot')
    .option('--json', 'print JSON')
    .action(async (sessionId: string, o: CommonOptions) => {
      const client = clientFor(o);
      await client.closeSession(sessionId);
      const info = await client.getSessionStatus(sessionId);
      print(!!o.json)(info, () => sessionText(info));
    });

  program
    .command('browser <sessionId> <action> [params]')
    .description('run a browser action on an adaptive session; params is a JSON object (for "batch", a JSON array of steps)')
    .option('--speed <preset>', 'instant | fast | normal | slow | human')
    .option('--timeout <seconds>', 'per-action timeout in seconds')
    .option('--retries <n>', 'automatic retries of retryable errors (default 2)')
    .option('--json', 'print JSON')
    .action(async (sessionId: string, action: string, params: string | undefined, o: CommonOptions & { speed?: string }) => {
      const client = clientFor(o);
      const parsed = parseJsonArg(params, 'params');
      const call = { ...(o.speed ? { speed: o.speed } : {}), ...(o.timeout !== undefined ? { timeout: positive(o.timeout, '--timeout') } : {}) };
      const browser = attached(client, sessionId, o).browser;
      let out: unknown;
      if (action === 'batch') {
        if (!Array.isArray(parsed)) throw new Error('batch takes a JSON array of steps, e.g. \'[{"type":"navigate","url":"https://example.com"}]\'');
        out = await browser.batch(parsed as Array<{ type: string }>, call);
      } else {
        if (parsed !== undefined && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error('params must be a JSON object');
        out = await browser.run(action, (parsed ?? {}) as Record<string, unknown>, call);
      }
      print(!!o.json)(out, () => (typeof out === 'string' ? out : JSON.stringify(out, null, 2)));
    });

  common(
    program
      .command('batch <file>')
      .description('request every URL of a file (one per line), N at a time, writing one JSON file per URL')
      .requiredOption('--out <dir>', 'directory for the results and summary.json')
      .option('--concurrency <n>', 'requests at once', '4')
      .option('--method <method>', 'HTTP method', 'GET'),
  ).action(async (file: string, o: CommonOptions & { out: string; concurrency: string; method: string }) => {
    const concurrency = positive(o.concurrency, '--concurrency', true)!;
    if (concurrency < 1) throw new Error('--concurrency must be at least 1');
    const urls = parseUrlList(await readFile(file, 'utf8'));
    let retried = 0;
    const client = clientFor(o, { onRetry: () => void retried++ });
    const summary = await runBatch(client, urls, {
      concurrency,
      outDir: o.out,
      method: o.method.toUpperCase(),
      progress: progressBar(process.stderr, urls.length),
    });
    const report = { ...summary, retries: retried };
    print(!!o.json)(report, () =>
      [
        `${summary.total} URLs: ${summary.ok} ok, ${summary.failed} failed, ${retried} retries, cost $${summary.cost}, ${(summary.durationMs / 1000).toFixed(1)} s`,
        ...summary.failures.map((f) => `  line ${f.line} ${f.url}: ${f.code} ${f.message}`),
        `results in ${o.out}`,
      ].join('\n'),
    );
    if (summary.failed > 0) process.exitCode = 1;
  });
}
