import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDurationSecs } from '../../src/config/load-config.js';
import { DEFAULT_PRICES } from '../../src/config/schema.js';

/** Runs `fn`, expects a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** The problems that name `envVar`. */
const problemsFor = (err: ConfigError, envVar: string) => err.problems.filter((p) => p.includes(envVar));

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it.each([
    ['port', 8080],
    ['host', '127.0.0.1'],
    ['databaseUrl', 'sqlite:./data/bbre.sqlite'],
    ['maxSessionTimeoutSecs', 300],
    ['maxSessionsPerAccount', 10],
    ['rateLimitRps', 50],
    ['rateLimitBurst', 100],
    ['sessionRetentionSecs', 86400],
    ['taskRetentionSecs', 86400],
    ['sweepIntervalMs', 5000],
    ['maxBodyBytes', 1048576],
    ['maxResponseBytes', 10485760],
    ['maxRequestTimeoutSecs', 120],
    ['allowPrivateTargets', false],
    ['closeSessionsOnEmptyBalance', false],
    ['maxQueue', 1000],
    ['maxBrowserContexts', 8],
    ['logLevel', 'info'],
    ['shutdownGraceMs', 30000],
  ] as const)('%s defaults to %j', (key, expected) => {
    expect(config[key]).toBe(expected);
  });

  it('leaves optional settings unset', () => {
    expect(config.adminToken).toBeUndefined();
    expect(config.chromiumPath).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
  });

  it('uses the built-in price table', () => {
    expect(config.prices).toEqual(DEFAULT_PRICES);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ BBRE_PORT: '', BBRE_SESSION_RETENTION: '' })).toMatchObject({ port: 8080, sessionRetentionSecs: 86400 });
  });

  it('does not read process.env when an env object is given', () => {
    const saved = process.env.BBRE_PORT;
    process.env.BBRE_PORT = '9999';
    try {
      expect(loadConfig({}).port).toBe(8080);
    } finally {
      if (saved === undefined) delete process.env.BBRE_PORT;
      else process.env.BBRE_PORT = saved;
    }
  });
});

describe('loadConfig values', () => {
  it('reads integers and strings', () => {
    const c = loadConfig({ BBRE_PORT: '0', BBRE_HOST: '0.0.0.0', BBRE_MAX_SESSIONS_PER_ACCOUNT: '3', BBRE_ADMIN_TOKEN: 'secret', BBRE_LOG_LEVEL: 'silent' });
    expect(c).toMatchObject({ port: 0, host: '0.0.0.0', maxSessionsPerAccount: 3, adminToken: 'secret', logLevel: 'silent' });
  });

  it('lets typed overrides win over the environment', () => {
    const c = loadConfig({ BBRE_PORT: '1234', BBRE_LOG_LEVEL: 'debug' }, { port: 4321, logLevel: 'silent' });
    expect(c.port).toBe(4321);
    expect(c.logLevel).toBe('silent');
  });

  it('returns a frozen object', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(c.port).toBe(8080);
  });
});

describe('durations', () => {
  it.each([
    ['24h', 86400],
    ['90s', 90],
    ['5m', 300],
    ['1.5m', 90],
    ['2d', 172800],
    ['90', 90],
    [' 10 s ', 10],
    ['250ms', 0.25],
    ['24H', 86400],
  ])('parseDurationSecs(%j) = %d seconds', (raw, secs) => {
    expect(parseDurationSecs(raw)).toBe(secs);
  });

  it('reads a bare number in the given unit', () => {
    expect(parseDurationSecs('250', 'ms')).toBe(0.25);
    expect(parseDurationSecs('250', 's')).toBe(250);
  });

  it.each(['', 'abc', '-5s', '5 minutes', '5x', '1e3', 's'])('rejects %j', (raw) => {
    expect(parseDurationSecs(raw)).toBeUndefined();
  });

  it('applies duration strings to settings in their own unit', () => {
    const c = loadConfig({
      BBRE_SESSION_RETENTION: '24h',
      BBRE_TASK_RETENTION: '90s',
      BBRE_MAX_SESSION_TIMEOUT: '5m',
      BBRE_SWEEP_INTERVAL: '250ms',
      BBRE_SHUTDOWN_GRACE: '1m',
      BBRE_MAX_REQUEST_TIMEOUT: '2m',
    });
    expect(c.sessionRetentionSecs).toBe(86400);
    expect(c.taskRetentionSecs).toBe(90);
    expect(c.maxSessionTimeoutSecs).toBe(300);
    expect(c.sweepIntervalMs).toBe(250);
    expect(c.shutdownGraceMs).toBe(60000);
    expect(c.maxRequestTimeoutSecs).toBe(120);
  });

  it('reads a bare sweep interval in seconds', () => {
    expect(loadConfig({ BBRE_SWEEP_INTERVAL: '2' }).sweepIntervalMs).toBe(2000);
  });
});

describe('validation', () => {
  it('reports every bad value at once, naming each variable', () => {
    const bad = {
      BBRE_PORT: 'eighty',
      BBRE_RATE_LIMIT_RPS: '0',
      BBRE_ALLOW_PRIVATE_TARGETS: 'maybe',
      BBRE_SESSION_RETENTION: 'forever',
      BBRE_LOG_LEVEL: 'loud',
      BBRE_DATABASE_URL: 'mysql://localhost/bbre',
      BBRE_MAX_SESSION_TIMEOUT: '7200',
    };
    const err = configError(() => loadConfig(bad));
    expect(err.problems).toHaveLength(Object.keys(bad).length);
    for (const envVar of Object.keys(bad)) expect(problemsFor(err, envVar), envVar).toHaveLength(1);
  });

  it('accepts the session-timeout clamp up to 3600 s and rejects above', () => {
    expect(loadConfig({ BBRE_MAX_SESSION_TIMEOUT: '3600' }).maxSessionTimeoutSecs).toBe(3600);
    expect(loadConfig({ BBRE_MAX_SESSION_TIMEOUT: '1h' }).maxSessionTimeoutSecs).toBe(3600);
    expect(problemsFor(configError(() => loadConfig({ BBRE_MAX_SESSION_TIMEOUT: '3601' })), 'BBRE_MAX_SESSION_TIMEOUT')).toHaveLength(1);
    expect(problemsFor(configError(() => loadConfig({ BBRE_MAX_SESSION_TIMEOUT: '2h' })), 'BBRE_MAX_SESSION_TIMEOUT')).toHaveLength(1);
  });

  it('rejects a session-timeout clamp below 60 s', () => {
    expect(problemsFor(configError(() => loadConfig({ BBRE_MAX_SESSION_TIMEOUT: '59' })), 'BBRE_MAX_SESSION_TIMEOUT')).toHaveLength(1);
    expect(loadConfig({ BBRE_MAX_SESSION_TIMEOUT: '60' }).maxSessionTimeoutSecs).toBe(60);
  });

  it.each(['sqlite:/tmp/x.sqlite', 'postgres://u@localhost:5432/db', 'postgresql://localhost/db'])('accepts database URL %j', (url) => {
    expect(loadConfig({ BBRE_DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each(['mysql://localhost/db', './data/bbre.sqlite', 'http://localhost', 'SQLITE'])('rejects database URL %j', (url) => {
    const err = configError(() => loadConfig({ BBRE_DATABASE_URL: url }));
    expect(err.problems).toHaveLength(1);
    expect(problemsFor(err, 'BBRE_DATABASE_URL')).toHaveLength(1);
  });

  it.each(['-1', '1.5', '65536', '8080abc'])('rejects port %j', (port) => {
    expect(problemsFor(configError(() => loadConfig({ BBRE_PORT: port })), 'BBRE_PORT')).toHaveLength(1);
  });

  it('rejects a body limit under its minimum', () => {
    expect(problemsFor(configError(() => loadConfig({ BBRE_MAX_BODY_BYTES: '1023' })), 'BBRE_MAX_BODY_BYTES')).toHaveLength(1);
    expect(loadConfig({ BBRE_MAX_BODY_BYTES: '1024' }).maxBodyBytes).toBe(1024);
  });

  it('rejects a sweep interval under 50 ms', () => {
    expect(problemsFor(configError(() => loadConfig({ BBRE_SWEEP_INTERVAL: '10ms' })), 'BBRE_SWEEP_INTERVAL')).toHaveLength(1);
    expect(loadConfig({ BBRE_SWEEP_INTERVAL: '50ms' }).sweepIntervalMs).toBe(50);
  });

  it('still throws when overrides are given for other settings', () => {
    expect(() => loadConfig({ BBRE_PORT: 'x' }, { host: '0.0.0.0' })).toThrow(ConfigError);
  });
});

describe('booleans', () => {
  it.each(['1', 'true', 'TRUE', 'yes', 'on', ' On '])('%j is true', (raw) => {
    expect(loadConfig({ BBRE_ALLOW_PRIVATE_TARGETS: raw }).allowPrivateTargets).toBe(true);
  });

  it.each(['0', 'false', 'False', 'no', 'off'])('%j is false', (raw) => {
    expect(loadConfig({ BBRE_CLOSE_SESSIONS_ON_EMPTY_BALANCE: raw }).closeSessionsOnEmptyBalance).toBe(false);
  });

  it.each(['maybe', '2', 'y', 'enabled'])('%j is rejected', (raw) => {
    expect(problemsFor(configError(() => loadConfig({ BBRE_ALLOW_PRIVATE_TARGETS: raw })), 'BBRE_ALLOW_PRIVATE_TARGETS')).toHaveLength(1);
  });
});

describe('BBRE_PRICES_FILE', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bbre-config-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  const pricesFile = (content: unknown) => {
    const file = join(dir, `prices-${++n}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('merges the file over the defaults', () => {
    const request = { passive: 0.01, adaptive: { low: 0.02, high: 0.05 } };
    const c = loadConfig({ BBRE_PRICES_FILE: pricesFile({ sessionCreate: 0, request }) });
    const all = (v: number) => ({ low: v, medium: v, high: v });
    expect(c.prices).toEqual({
      sessionCreate: { passive: all(0), adaptive: all(0) },
      // Cells the file leaves out keep their default price (adaptive medium 0.004), never 0.
      request: { passive: all(0.01), adaptive: { low: 0.02, medium: 0.004, high: 0.05 } },
      browserAction: DEFAULT_PRICES.browserAction,
    });
  });

  it('keeps the defaults for an empty object', () => {
    expect(loadConfig({ BBRE_PRICES_FILE: pricesFile({}) }).prices).toEqual(DEFAULT_PRICES);
  });

  it.each([
    ['a negative number', { sessionCreate: -0.001 }],
    ['a negative per-mode number', { request: { passive: -1 } }],
    ['a negative per-sensibility number', { request: { adaptive: { high: -0.005 } } }],
    ['an unknown operation', { sessionDelete: 0.001 }],
    ['an unknown mode', { request: { turbo: 0.001 } }],
    ['an unknown sensibility', { request: { passive: { extreme: 0.001 } } }],
    ['a string price', { browserAction: '0.001' }],
    ['an array entry', { request: [0.001] }],
    ['a top-level array', [0.001]],
    ['invalid JSON', '{ "sessionCreate": '],
  ])('rejects %s', (_what, content) => {
    const err = configError(() => loadConfig({ BBRE_PRICES_FILE: pricesFile(content) }));
    expect(err.problems).toHaveLength(1);
    expect(problemsFor(err, 'BBRE_PRICES_FILE')).toHaveLength(1);
  });

  it('reports each bad entry of one file', () => {
    const err = configError(() => loadConfig({ BBRE_PRICES_FILE: pricesFile({ sessionCreate: -1, bogus: 1, request: { passive: { low: -1 } } }) }));
    expect(err.problems).toHaveLength(3);
    expect(problemsFor(err, 'BBRE_PRICES_FILE')).toHaveLength(3);
  });

  it('rejects a file that cannot be read', () => {
    const err = configError(() => loadConfig({ BBRE_PRICES_FILE: join(dir, 'missing.json') }));
    expect(problemsFor(err, 'BBRE_PRICES_FILE')).toHaveLength(1);
  });

  it('reports price problems together with other problems', () => {
    const err = configError(() => loadConfig({ BBRE_PRICES_FILE: pricesFile({ sessionCreate: -1 }), BBRE_PORT: 'x' }));
    expect(err.problems).toHaveLength(2);
    expect(problemsFor(err, 'BBRE_PRICES_FILE')).toHaveLength(1);
    expect(problemsFor(err, 'BBRE_PORT')).toHaveLength(1);
  });
});
