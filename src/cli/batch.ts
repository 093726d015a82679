import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Progress } from './progress.js';

/** What the batch needs of the SDK client: one stateless request and the balance. */
export interface BatchClient {
  request(options: { url: string; method?: string; mode?: string; sensibility?: string; timeout?: number }): Promise<{ statusCode: number; task?: { id: string } }>;
  getBalance(): Promise<number>;
}

export interface BatchOptions {
  concurrency: number;
  outDir: string;
  method?: string;
  mode?: string;
  sensibility?: string;
  timeout?: number;
  progress?: Progress;
}

export interface BatchFailure {
  line: number;
  url: string;
  code: string;
  message: string;
}

export interface BatchSummary {
  total: number;
  ok: number;
  failed: number;
  /** USD: the account's balance before the batch minus after it. */
  cost: number;
  durationMs: number;
  failures: BatchFailure[];
}

/** The URLs of a batch file: one per line; blank lines and lines starting with `#` are skipped. */
export function parseUrlList(text: string): Array<{ line: number; url: string }> {
  const out: Array<{ line: number; url: string }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const url = raw.trim();
    if (url !== '' && !url.startsWith('#')) out.push({ line: i + 1, url });
  });
  return out;
}

const roundUsd = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * Sends every URL as a stateless request, `concurrency` at a time, and writes one JSON file per URL
 * (`<line>.json`: the result object, or the error) plus `summary.json` into `outDir`. Retries of retryable errors
 * happen inside the client; a URL that still fails is counted and the batch goes on.
 */
export async function runBatch(client: BatchClient, urls: Array<{ line: number; url: string }>, options: BatchOptions): Promise<BatchSummary> {
  await mkdir(options.outDir, { recursive: true });
  const started = Date.now();
  const balanceBefore = await client.getBalance();
  const width = String(Math.max(1, ...urls.map((u) => u.line))).length;
  const failures: BatchFailure[] = [];
  let ok = 0;
  let next = 0;
  options.progress?.update({ done: 0, ok: 0, failed: 0 });

  const worker = async () => {
    for (let i = next++; i < urls.length; i = next++) {
      const { line, url } = urls[i]!;
      let record: Record<string, unknown>;
      try {
        const result = await client.request({ url, method: options.method, mode: options.mode, sensibility: options.sensibility, timeout: options.timeout });
        ok++;
        record = { line, url, ok: true, result };
      } catch (err) {
        const e = err as { code?: string; message?: string; httpStatus?: number | null; details?: unknown };
        const failure = { line, url, code: e.code ?? 'CLIENT_ERROR', message: e.message ?? String(err) };
        failures.push(failure);
        record = { line, url, ok: false, error: { code: failure.code, message: failure.message, httpStatus: e.httpStatus ?? null, details: e.details ?? {} } };
      }
      await writeFile(join(options.outDir, `${String(line).padStart(width, '0')}.json`), `${JSON.stringify(record, null, 2)}\n`);
      options.progress?.update({ done: ok + failures.length, ok, failed: failures.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, urls.length) }, worker));
  options.progress?.finish();

  const balanceAfter = await client.getBalance();
  failures.sort((a, b) => a.line - b.line);
  const summary: BatchSummary = { total: urls.length, ok, failed: failures.length, cost: roundUsd(balanceBefore - balanceAfter), durationMs: Date.now() - started, failures };
  await writeFile(join(options.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
