/**
 * The list-versus-contract test (STYLE.md §3): the error list in src/errors/codes.ts and the error table of the
 * contract (§5) must agree in both directions, and every documented route error must be a code of the list.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BbreApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ERRORS, isErrorCode } from '../../src/errors/codes.js';

/** The copy of the contract kept in the repository (docs/contract/bbre-api.md). */
const VENDORED_CONTRACT = fileURLToPath(new URL('../../docs/contract/bbre-api.md', import.meta.url));
/** The upstream contract, when a checkout sits next to it: the kept copy must not drift from it. */
const UPSTREAM_CONTRACT = fileURLToPath(new URL('../../../shared/spec/bbre-api.md', import.meta.url));
const CONTRACT_PATH = process.env.BBRE_CONTRACT_FILE ? resolve(process.env.BBRE_CONTRACT_FILE) : VENDORED_CONTRACT;
const SKIP_CONTRACT_FILE = process.env.BBRE_SKIP_CONTRACT_FILE === '1';

interface ContractRow {
  codes: string[];
  status: number;
  retryable: string;
  line: string;
}

let cachedRows: ContractRow[] | undefined;
let cachedText: string | undefined;

/** The contract text; a missing file fails the calling test with a message saying what to do. */
function contractText(): string {
  if (cachedText !== undefined) return cachedText;
  if (!existsSync(CONTRACT_PATH)) {
    throw new Error(
      `Contract file not found at ${CONTRACT_PATH}. Set BBRE_CONTRACT_FILE to the path of bbre-api.md, ` +
        'or BBRE_SKIP_CONTRACT_FILE=1 to skip the list-versus-contract checks.',
    );
  }
  cachedText = readFileSync(CONTRACT_PATH, 'utf8');
  return cachedText;
}

/** Rows of the table in "## 5. Error codes": "| `CODE` [/ `CODE`] | status | when | retryable | basis |". */
function contractRows(): ContractRow[] {
  if (cachedRows) return cachedRows;
  const lines = contractText().split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+5\.\s+Error codes\s*$/.test(l));
  if (start < 0) throw new Error(`No "## 5. Error codes" section in ${CONTRACT_PATH}`);
  const end = lines.findIndex((l, i) => i > start && /^##\s/.test(l));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const rows: ContractRow[] = [];
  for (const line of section) {
    if (!/^\|\s*`/.test(line)) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const codes = [...cells[0]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    const status = Number(cells[1]);
    if (codes.length === 0 || !/^\d{3}$/.test(cells[1] ?? '')) throw new Error(`Unparsable error-table row in the contract: ${line}`);
    rows.push({ codes, status, retryable: cells[3] ?? '', line });
  }
  cachedRows = rows;
  return rows;
}

/** Contract code → HTTP status. */
function contractStatuses(): Map<string, number> {
  const map = new Map<string, number>();
  for (const row of contractRows()) {
    for (const code of row.codes) {
      if (map.has(code)) throw new Error(`${code} appears twice in the contract's error table`);
      map.set(code, row.status);
    }
  }
  return map;
}

const listCodes = Object.keys(ERRORS) as (keyof typeof ERRORS)[];

describe.skipIf(SKIP_CONTRACT_FILE)('error list versus contract §5', () => {
  it('parses the contract table, including the row listing two codes', () => {
    const statuses = contractStatuses();
    // Guards against a parser that silently reads nothing (and so would let everything pass).
    expect(statuses.size).toBeGreaterThanOrEqual(30);
    expect(statuses.get('ACCOUNT_NOT_FOUND')).toBe(404);
    expect(statuses.get('KEY_NOT_FOUND')).toBe(404);
    expect(contractRows().find((r) => r.codes.includes('ACCOUNT_NOT_FOUND'))?.codes).toEqual(['ACCOUNT_NOT_FOUND', 'KEY_NOT_FOUND']);
  });

  it.skipIf(!existsSync(UPSTREAM_CONTRACT))('keeps docs/contract/bbre-api.md identical to the upstream contract', () => {
    expect(readFileSync(VENDORED_CONTRACT, 'utf8'), 'docs/contract/bbre-api.md drifted from the contract').toBe(
      readFileSync(UPSTREAM_CONTRACT, 'utf8'),
    );
  });

  it('every contract code is in the list', () => {
    const missing = [...contractStatuses().keys()].filter((code) => !isErrorCode(code));
    expect(missing, 'codes in the contract but not in src/errors/codes.ts').toEqual([]);
  });

  it('every listed code is in the contract', () => {
    const statuses = contractStatuses();
    const undocumented = listCodes.filter((code) => !statuses.has(code));
    expect(undocumented, 'codes in src/errors/codes.ts but not in the contract').toEqual([]);
  });

  it('every code has the contract status', () => {
    const mismatches = [...contractStatuses()]
      .filter(([code, status]) => isErrorCode(code) && ERRORS[code].status !== status)
      .map(([code, status]) => `${code}: contract ${status}, list ${isErrorCode(code) ? ERRORS[code].status : '-'}`);
    expect(mismatches).toEqual([]);
  });

  it('every default retryable flag agrees with the Retryable column', () => {
    const rows = contractRows();
    const flagOf = (code: string, seen = new Set<string>()): boolean => {
      const row = rows.find((r) => r.codes.includes(code));
      if (!row) throw new Error(`${code} not in the contract`);
      const text = row.retryable.toLowerCase();
      if (text.startsWith('yes')) return true;
      if (text.startsWith('no')) return false;
      const alias = /^as `([A-Z_]+)`/.exec(row.retryable);
      if (alias && !seen.has(alias[1]!)) return flagOf(alias[1]!, seen.add(code));
      throw new Error(`Cannot read the Retryable column of ${code}: "${row.retryable}"`);
    };
    const mismatches = listCodes.filter((code) => contractStatuses().has(code) && ERRORS[code].retryable !== flagOf(code));
    expect(mismatches).toEqual([]);
  });

  it('keeps the documented messages verbatim', () => {
    const documented = {
      SESSION_ID_REQUIRED: 'Session ID is required.',
      SESSION_NOT_FOUND: 'Session not found.',
      SERVICE_ERROR: 'An internal error occurred. Please try again later.',
    } as const;
    const text = contractText();
    for (const [code, message] of Object.entries(documented)) {
      expect(text.includes(`"${message}"`), `the contract no longer documents "${message}"`).toBe(true);
      expect(ERRORS[code as keyof typeof documented].message, code).toBe(message);
    }
  });
});

describe('error list', () => {
  it('carries the documented retryable flags', () => {
    expect(ERRORS.SERVICE_ERROR.retryable).toBe(true);
    expect(ERRORS.RATE_LIMIT_EXCEEDED.retryable).toBe(true);
    expect(ERRORS.SESSION_NOT_FOUND.retryable).toBe(false);
  });

  it('has UPPER_SNAKE codes, HTTP error statuses and a message for each entry', () => {
    for (const code of listCodes) {
      const spec = ERRORS[code];
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(Number.isInteger(spec.status) && spec.status >= 400 && spec.status <= 599, code).toBe(true);
      expect(typeof spec.retryable, code).toBe('boolean');
      expect(spec.message.length, code).toBeGreaterThan(0);
    }
  });
});

describe('OpenAPI document versus the error list', () => {
  let app: BbreApp | undefined;
  let dir: string | undefined;
  let doc: { paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, { 'x-bbre-codes'?: unknown }> }>> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bbre-contract-'));
    const config = loadConfig({}, { databaseUrl: `sqlite:${join(dir, 'x.sqlite')}`, adminToken: 'x', logLevel: 'silent' });
    app = await buildApp(config);
    await app.http.ready();
    const res = await app.http.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}: ${res.body}`);
    doc = res.json();
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })));

  it('documents key, admin and ops routes (so the checks below are not vacuous)', () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/session/create', '/session/status', '/session/close', '/account/balance', '/account/history', '/admin/accounts', '/openapi.json']));
  });

  it('names only codes of the list, each under its own status', () => {
    const problems: string[] = [];
    let documented = 0;
    for (const { where, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const codes = response['x-bbre-codes'];
        if (codes === undefined) continue;
        if (!Array.isArray(codes)) {
          problems.push(`${where} ${status}: x-bbre-codes is not an array`);
          continue;
        }
        for (const code of codes) {
          documented++;
          if (typeof code !== 'string' || !isErrorCode(code)) problems.push(`${where} ${status}: ${String(code)} is not in the list`);
          else if (String(ERRORS[code].status) !== status) problems.push(`${where} ${status}: ${code} has status ${ERRORS[code].status}`);
        }
      }
    }
    expect(documented, 'no x-bbre-codes found at all').toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('documents the errors of /session/create from contract §3.1', () => {
    const create = doc.paths['/session/create']?.post;
    const codes = Object.values(create?.responses ?? {}).flatMap((r) => (Array.isArray(r['x-bbre-codes']) ? (r['x-bbre-codes'] as string[]) : []));
    expect(codes).toEqual(
      expect.arrayContaining(['INVALID_MODE', 'INVALID_SENSIBILITY', 'INVALID_TIMEOUT', 'SESSION_LIMIT_REACHED', 'INSUFFICIENT_BALANCE', 'PRICE_ABOVE_MAX_COST', 'SERVICE_UNAVAILABLE', 'API_KEY_REQUIRED']),
    );
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations().map(({ where, op }) => ({ where, id: op.operationId }));
    expect(ids.filter((x) => typeof x.id !== 'string' || x.id === '').map((x) => x.where), 'operations without an operationId').toEqual([]);
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { where, id } of ids) {
      if (seen.has(id!)) duplicates.push(`${id}: ${seen.get(id!)} and ${where}`);
      else seen.set(id!, where);
    }
    expect(duplicates).toEqual([]);
  });
});
