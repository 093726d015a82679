import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DEFAULT_PRICES, SETTINGS, type Config, type PriceEntry, type PriceTable, type Setting } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Parses "90", "90s", "1.5m", "24h", "250ms" into seconds; a bare number is in `unit`. */
export function parseDurationSecs(raw: string, unit: 's' | 'ms' = 's'): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(raw);
  if (!m) return undefined;
  const n = Number(m[1]);
  const u = m[2]?.toLowerCase();
  if (u) return n * DURATION_UNITS[u]!;
  return unit === 'ms' ? n / 1000 : n;
}

function parseBool(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return undefined;
}

function checkPriceEntry(path: string, entry: unknown, problems: string[]): void {
  const isPrice = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1000;
  if (isPrice(entry)) return;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push(`${path}: must be a non-negative number or a per-mode object`);
    return;
  }
  for (const [mode, perMode] of Object.entries(entry)) {
    if (mode !== 'passive' && mode !== 'adaptive') {
      problems.push(`${path}.${mode}: unknown mode`);
      continue;
    }
    if (isPrice(perMode)) continue;
    if (perMode === null || typeof perMode !== 'object' || Array.isArray(perMode)) {
      problems.push(`${path}.${mode}: must be a number or a per-sensibility object`);
      continue;
    }
    for (const [level, price] of Object.entries(perMode)) {
      if (!['low', 'medium', 'high'].includes(level)) problems.push(`${path}.${mode}.${level}: unknown sensibility`);
      else if (!isPrice(price)) problems.push(`${path}.${mode}.${level}: must be a non-negative number`);
    }
  }
}

type PerModeMap = Record<'passive' | 'adaptive', Record<'low' | 'medium' | 'high', number>>;

function resolveEntry(entry: PriceEntry, mode: 'passive' | 'adaptive', level: 'low' | 'medium' | 'high'): number | undefined {
  if (typeof entry === 'number') return entry;
  const perMode = entry[mode];
  if (perMode === undefined) return undefined;
  return typeof perMode === 'number' ? perMode : perMode[level];
}

/** Expands an entry to every mode × sensibility; cells the file leaves out keep the default price, never 0. */
function completeEntry(entry: PriceEntry, fallback: PriceEntry): PerModeMap {
  const out = {} as PerModeMap;
  for (const mode of ['passive', 'adaptive'] as const) {
    out[mode] = {} as PerModeMap['passive'];
    for (const level of ['low', 'medium', 'high'] as const) out[mode][level] = resolveEntry(entry, mode, level) ?? resolveEntry(fallback, mode, level) ?? 0;
  }
  return out;
}

/** Validates a price table (contract §7.1); missing operations (and cells) keep the defaults. */
export function parsePriceTable(value: unknown, problems: string[], source = 'prices'): PriceTable {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${source}: must be a JSON object`);
    return DEFAULT_PRICES;
  }
  const table = { ...DEFAULT_PRICES } as Record<string, PriceEntry>;
  for (const [op, entry] of Object.entries(value)) {
    if (!(op in DEFAULT_PRICES)) {
      problems.push(`${source}.${op}: unknown operation (expected sessionCreate, request, browserAction)`);
      continue;
    }
    checkPriceEntry(`${source}.${op}`, entry, problems);
    table[op] = completeEntry(entry as PriceEntry, (DEFAULT_PRICES as unknown as Record<string, PriceEntry>)[op]!);
  }
  return table as unknown as PriceTable;
}

function parseSetting(s: Setting, raw: string, problems: string[]): unknown {
  const fail = (why: string) => {
    problems.push(`${s.env}=${JSON.stringify(raw)}: ${why}`);
    return undefined;
  };
  const inRange = (n: number, what: string) => {
    if (s.min !== undefined && n < s.min) return fail(`${what} must be ≥ ${s.min}`);
    if (s.max !== undefined && n > s.max) return fail(`${what} must be ≤ ${s.max}`);
    return n;
  };
  switch (s.kind) {
    case 'int': {
      if (!/^\s*\d+\s*$/.test(raw)) return fail('must be a non-negative integer');
      return inRange(Number(raw), 'value');
    }
    case 'bool': {
      const b = parseBool(raw);
      return b === undefined ? fail('must be true or false') : b;
    }
    case 'duration': {
      const secs = parseDurationSecs(raw, s.unit);
      if (secs === undefined) return fail('must be a duration such as 30, 30s, 5m, 24h');
      const checked = inRange(secs, 'duration (seconds)');
      if (checked === undefined) return undefined;
      return s.key.endsWith('Ms') ? Math.round(secs * 1000) : Math.round(secs);
    }
    case 'url': {
      if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(raw)) return fail('must start with sqlite: or postgres://');
      return raw;
    }
    case 'file': {
      let text: string;
      try {
        text = readFileSync(raw, 'utf8');
      } catch (err) {
        return fail(`cannot read file (${(err as Error).message})`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return fail('is not valid JSON');
      }
      return parsePriceTable(parsed, problems, s.env);
    }
    case 'string':
      if (s.key === 'logLevel' && !LOG_LEVELS.has(raw)) return fail(`must be one of ${[...LOG_LEVELS].join(', ')}`);
      return raw;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads every setting from `env` once, reports all problems together, and returns a frozen config.
 * `overrides` (already typed) win over the environment: tests and benchmarks use them.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const problems: string[] = [];
  const out: Record<string, unknown> = { prices: DEFAULT_PRICES };
  for (const s of SETTINGS) {
    const raw = env[s.env];
    const value = raw !== undefined && raw !== '' ? raw : s.default;
    if (value === undefined) {
      if (out[s.key] === undefined) out[s.key] = undefined;
      continue;
    }
    out[s.key] = parseSetting(s, value, problems);
  }
  Object.assign(out, overrides);
  out.nodeId ??= `${hostname()}:${String(out.port)}`;
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(structuredClone(out)) as unknown as Readonly<Config>;
}
