/** One row per setting: env var, type, default. Nothing outside config/ reads process.env. */

export type PriceEntry = number | Partial<Record<'passive' | 'adaptive', number | Partial<Record<'low' | 'medium' | 'high', number>>>>;

export interface PriceTable {
  sessionCreate: PriceEntry;
  request: PriceEntry;
  browserAction: PriceEntry;
}

export interface Config {
  /** @default 8080 */
  port: number;
  /** @default "127.0.0.1" */
  host: string;
  /** @default "sqlite:./data/bbre.sqlite" */
  databaseUrl: string;
  /** Enables /admin/* when set. */
  adminToken: string | undefined;
  /** Clamp for session timeouts, seconds. @default 300 */
  maxSessionTimeoutSecs: number;
  /** @default 10 */
  maxSessionsPerAccount: number;
  /** @default 86400 */
  sessionRetentionSecs: number;
  /** @default 86400 */
  taskRetentionSecs: number;
  /** @default 120 */
  maxRequestTimeoutSecs: number;
  /** @default 1048576 */
  maxBodyBytes: number;
  /** @default 10485760 */
  maxResponseBytes: number;
  /** How long an authenticated key is remembered (changes from other processes apply within it). @default 1000 */
  authCacheMs: number;
  /** @default 50 */
  rateLimitRps: number;
  /** @default 100 */
  rateLimitBurst: number;
  /** @default false */
  allowPrivateTargets: boolean;
  /** @default 1000 */
  maxQueue: number;
  /** Stateless tasks running at once. @default 32 */
  taskConcurrency: number;
  /** @default 8 */
  maxBrowserContexts: number;
  /** A browser process is replaced after serving this many contexts. @default 100 */
  browserRetireAfter: number;
  /** How long a new adaptive session waits for a free context before 503. @default 10000 */
  browserQueueWaitMs: number;
  /** A browser of a non-default flavor with no context left is closed after this long. @default 60000 */
  browserIdleCloseMs: number;
  /** Launch a browser at start so the first adaptive session does not wait for it. @default true */
  browserPrewarm: boolean;
  /** @default 5000 */
  sweepIntervalMs: number;
  /** @default false */
  closeSessionsOnEmptyBalance: boolean;
  prices: PriceTable;
  chromiumPath: string | undefined;
  redisUrl: string | undefined;
  /** @default "info" */
  logLevel: string;
  /** Time given to in-flight work on shutdown. @default 30000 */
  shutdownGraceMs: number;
  /** This server's name among the nodes sharing a database. @default "<host name>:<port>" */
  nodeId: string;
  /** Another node silent this long is dead and its work is recovered. @default 60000 */
  nodeDeadAfterMs: number;
}

export type SettingKind = 'int' | 'string' | 'bool' | 'duration' | 'url' | 'file';

export interface Setting {
  key: keyof Config;
  env: string;
  kind: SettingKind;
  default?: string;
  min?: number;
  max?: number;
  /** For 'duration': the unit a bare number is read in. */
  unit?: 's' | 'ms';
  description: string;
}

export const DEFAULT_PRICES: PriceTable = {
  sessionCreate: 0.002,
  request: {
    passive: { low: 0.001, medium: 0.002, high: 0.003 },
    adaptive: { low: 0.003, medium: 0.004, high: 0.005 },
  },
  browserAction: 0,
};

export const SETTINGS: readonly Setting[] = [
  { key: 'port', env: 'BBRE_PORT', kind: 'int', default: '8080', min: 0, max: 65535, description: 'Listen port' },
  { key: 'host', env: 'BBRE_HOST', kind: 'string', default: '127.0.0.1', description: 'Listen address' },
  { key: 'databaseUrl', env: 'BBRE_DATABASE_URL', kind: 'url', default: 'sqlite:./data/bbre.sqlite', description: '`sqlite:<path>` or `postgres://…`' },
  { key: 'adminToken', env: 'BBRE_ADMIN_TOKEN', kind: 'string', description: 'Bearer token for /admin/*; the admin API is off when unset' },
  { key: 'maxSessionTimeoutSecs', env: 'BBRE_MAX_SESSION_TIMEOUT', kind: 'duration', unit: 's', default: '300', min: 60, max: 3600, description: 'Session timeouts (accepted 60–3600 s) are clamped to this' },
  { key: 'maxSessionsPerAccount', env: 'BBRE_MAX_SESSIONS_PER_ACCOUNT', kind: 'int', default: '10', min: 1, max: 100000, description: 'Active sessions per account (per-account overrides via the CLI/admin API)' },
  { key: 'sessionRetentionSecs', env: 'BBRE_SESSION_RETENTION', kind: 'duration', unit: 's', default: '24h', min: 0, description: 'How long ended session records are kept' },
  { key: 'taskRetentionSecs', env: 'BBRE_TASK_RETENTION', kind: 'duration', unit: 's', default: '24h', min: 0, description: 'How long task results are kept' },
  { key: 'maxRequestTimeoutSecs', env: 'BBRE_MAX_REQUEST_TIMEOUT', kind: 'duration', unit: 's', default: '120', min: 1, max: 3600, description: 'Maximum request / browser action timeout' },
  { key: 'maxBodyBytes', env: 'BBRE_MAX_BODY_BYTES', kind: 'int', default: '1048576', min: 1024, description: 'Maximum API request body' },
  { key: 'maxResponseBytes', env: 'BBRE_MAX_RESPONSE_BYTES', kind: 'int', default: '10485760', min: 1024, description: 'Target response body kept, then `truncated: true`' },
  { key: 'authCacheMs', env: 'BBRE_AUTH_CACHE', kind: 'duration', unit: 's', default: '1', min: 0, max: 60, description: 'How long an authenticated API key is remembered; suspensions and revocations made by another process (the CLI, another node) apply within it (0 disables)' },
  { key: 'rateLimitRps', env: 'BBRE_RATE_LIMIT_RPS', kind: 'int', default: '50', min: 1, description: 'Token bucket refill per API key (requests per second)' },
  { key: 'rateLimitBurst', env: 'BBRE_RATE_LIMIT_BURST', kind: 'int', default: '100', min: 1, description: 'Token bucket size per API key' },
  { key: 'allowPrivateTargets', env: 'BBRE_ALLOW_PRIVATE_TARGETS', kind: 'bool', default: 'false', description: 'Allow loopback/private/link-local targets' },
  { key: 'maxQueue', env: 'BBRE_MAX_QUEUE', kind: 'int', default: '1000', min: 1, description: 'Pending task queue length' },
  { key: 'taskConcurrency', env: 'BBRE_TASK_CONCURRENCY', kind: 'int', default: '32', min: 1, max: 10000, description: 'Stateless tasks (/request/*) running at once; the rest wait in the queue' },
  { key: 'maxBrowserContexts', env: 'BBRE_MAX_BROWSER_CONTEXTS', kind: 'int', default: '8', min: 1, description: 'Concurrent browser contexts' },
  { key: 'browserRetireAfter', env: 'BBRE_BROWSER_RETIRE_AFTER', kind: 'int', default: '100', min: 1, description: 'A Chromium process is replaced (once idle) after serving this many contexts' },
  { key: 'browserQueueWaitMs', env: 'BBRE_BROWSER_QUEUE_WAIT', kind: 'duration', unit: 's', default: '10', min: 0, max: 600, description: 'How long an adaptive session waits for a free context before 503 SERVICE_UNAVAILABLE' },
  { key: 'browserIdleCloseMs', env: 'BBRE_BROWSER_IDLE_CLOSE', kind: 'duration', unit: 's', default: '60', min: 0, max: 86400, description: 'A Chromium process of a flavor other than the pre-warmed one is closed once it has had no context for this long' },
  { key: 'browserPrewarm', env: 'BBRE_BROWSER_PREWARM', kind: 'bool', default: 'true', description: 'Launch Chromium at start so the first adaptive session does not wait for it' },
  { key: 'sweepIntervalMs', env: 'BBRE_SWEEP_INTERVAL', kind: 'duration', unit: 's', default: '5', min: 0.05, description: 'Expiry sweeper interval' },
  { key: 'closeSessionsOnEmptyBalance', env: 'BBRE_CLOSE_SESSIONS_ON_EMPTY_BALANCE', kind: 'bool', default: 'false', description: 'Close sessions (`balance_exhausted`) when the balance reaches 0' },
  { key: 'prices', env: 'BBRE_PRICES_FILE', kind: 'file', description: 'JSON price table (contract §7.1); built-in defaults otherwise' },
  { key: 'chromiumPath', env: 'BBRE_CHROMIUM_PATH', kind: 'string', description: 'Chromium binary; the system Chromium otherwise' },
  { key: 'redisUrl', env: 'BBRE_REDIS_URL', kind: 'string', description: 'Redis, for scale-out' },
  { key: 'logLevel', env: 'BBRE_LOG_LEVEL', kind: 'string', default: 'info', description: 'pino log level (`silent` to disable)' },
  { key: 'nodeId', env: 'BBRE_NODE_ID', kind: 'string', description: "This server's name among the nodes sharing a database: start-up recovery ends only the adaptive sessions and tasks that this node left behind (default: host name and port)" },
  { key: 'nodeDeadAfterMs', env: 'BBRE_NODE_DEAD_AFTER', kind: 'duration', unit: 's', default: '60', min: 5, description: 'A node sharing the database that has not beaten its heartbeat (every sweep) for this long is dead: a live node refunds its unfinished tasks and ends its adaptive sessions' },
  { key: 'shutdownGraceMs', env: 'BBRE_SHUTDOWN_GRACE', kind: 'duration', unit: 's', default: '30', min: 0, description: 'Time in-flight work gets on SIGTERM' },
];
