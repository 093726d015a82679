import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { bbreEnv } from '../../../bench/lib/child-env.js';
import { findFreePort } from '../../../bench/lib/server-process.js';
import { closedPort, startTargetSite, type TargetSite } from '../../support/target-site.js';
import { CallLog } from './call-log.js';
import { Checks } from './checks.js';
import { readSnapshot } from './db-snapshot.js';
import { runClient } from './client-loop.js';
import { Driver, type KillReport } from './driver.js';
import { checkOutages, type OutageSummary } from './outage-checks.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { finalSweep, type SweepResult } from './final-sweep.js';
import { startHoldTarget, type HoldTarget } from './hold-target.js';
import { createLoadDatabase, type LoadBackend, type LoadDatabase } from './load-database.js';
import { usdToMicros, type LoadAccount } from './model.js';
import { Random } from './random.js';
import { ClientContext, type Targets } from './scenarios.js';
import { ServerSlot } from './server-slot.js';
import { verifyRun, type Verification } from './verify-run.js';

export interface LoadOptions {
  backend: LoadBackend;
  durationSecs: number;
  clients: number;
  accounts: number;
  /** Seconds into the run at which the server gets `kill -9` and is restarted on the same database. */
  killAtSecs?: number[];
  /**
   * The checks need a sample that does not depend on the machine's speed: past `durationSecs` the load goes on
   * until this many sessions were opened, up to twice `durationSecs`.
   */
  minSessions?: number;
  seed?: number;
  /** The repository root (where bin/bbre.js lives). */
  repoRoot: string;
  /** Progress lines (every 10 s, kills); silent when unset. */
  progress?: (line: string) => void;
  /** Aborting ends the load early; the run still drains, verifies and cleans up. */
  signal?: AbortSignal;
  keepDatabase?: boolean;
  /** Nice value for the server child (the caller renices itself). */
  niceness?: number;
  /**
   * Restart after a kill on another port and without BBRE_NODE_ID (the default node id is host name and port):
   * shows what start-up recovery leaves behind when the node's name changes.
   */
  restartOnNewPort?: boolean;
  /** PostgreSQL only: run on a private cluster of its own (implied by `pgOutageAtSecs`). */
  privatePostgres?: boolean;
  /** Seconds into the run at which the private PostgreSQL is stopped immediately, then started again. */
  pgOutageAtSecs?: number[];
  /** How long PostgreSQL stays down at each outage (default 4 s). */
  pgOutageMs?: number;
}

export interface LoadReport extends Verification {
  options: Omit<LoadOptions, 'progress' | 'signal' | 'repoRoot'>;
  database: string;
  loadSecs: number;
  accounts: LoadAccount[];
  kills: KillReport[];
  outages: OutageSummary[];
  sweep: SweepResult;
  /** Every violation: live ones (unexpected answers, counters) and failed invariants. */
  violations: string[];
  ok: boolean;
}

const RICH_BALANCE_MICROS = 1_000_000_000;
const POOR_BALANCE_MICROS = 50_000;
const TOP_UP_MICROS = 100_000;
const TOP_UP_EVERY_SECS = 10;
const FINAL_TOP_UP_MICROS = 1_000_000;
const DRAIN_LIMIT_MS = 150_000;

/**
 * Starts a BBRE server child on a fresh database, a local target site, and `clients` concurrent client loops
 * over `accounts` accounts for `durationSecs`; kills and restarts the server when asked; then drains, sweeps the
 * sessions left active, and verifies the ledger from the database and from the clients' records.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const progress = options.progress ?? (() => {});
  const outages = options.pgOutageAtSecs ?? [];
  if (outages.length > 0 && options.backend !== 'postgres') throw new Error('a PostgreSQL outage needs the postgres backend');
  const cluster = options.backend === 'postgres' && (options.privatePostgres || outages.length > 0) ? await startPrivatePostgres() : undefined;
  if (cluster) progress(`private PostgreSQL ${cluster.version} on 127.0.0.1:${cluster.port} (${cluster.dir})`);
  const resources: { site?: TargetSite; hold?: HoldTarget; slot?: ServerSlot; log?: CallLog; cluster?: PrivatePostgres } = { cluster };
  let db: LoadDatabase | undefined;
  try {
    db = await createLoadDatabase(options.backend, cluster?.url);
    resources.site = await startTargetSite();
    resources.hold = await startHoldTarget();
    const targets: Targets = { site: resources.site.url, closedPort: await closedPort(), hold: resources.hold.url };
    const adminToken = randomBytes(16).toString('hex');
    const slot = (resources.slot = new ServerSlot({ repoRoot: options.repoRoot, env: serverEnv(db, adminToken, options.restartOnNewPort === true, (options.pgOutageAtSecs?.length ?? 0) > 0), host: '127.0.0.1', port: await findFreePort(), niceness: options.niceness }));
    await slot.start();
    const log = (resources.log = new CallLog(() => slot.baseUrl));
    const accounts = await createAccounts(log, adminToken, options.accounts);
    progress(`server pid ${slot.current.pid} on ${slot.baseUrl}, ${db.description}; ${options.clients} clients over ${accounts.length} accounts for ${options.durationSecs} s`);
    return await loadAndVerify(options, { db, log, slot, accounts, targets, adminToken, hold: resources.hold, cluster }, progress);
  } finally {
    await resources.slot?.stopAll();
    await resources.log?.close();
    await resources.hold?.close();
    await resources.site?.close();
    // A private cluster goes with its data (--keep-db keeps only schemas on the shared server and SQLite files).
    if (cluster) await cluster.destroy();
    else if (!options.keepDatabase) await db?.drop();
  }
}

interface RunParts {
  db: LoadDatabase;
  log: CallLog;
  slot: ServerSlot;
  accounts: LoadAccount[];
  targets: Targets;
  adminToken: string;
  hold: HoldTarget;
  cluster?: PrivatePostgres;
}

async function loadAndVerify(options: LoadOptions, parts: RunParts, progress: (line: string) => void): Promise<LoadReport> {
  const { log, slot, accounts, targets } = parts;
  const stopAtMs = log.now() + options.durationSecs * 1000;
  const hardStopAtMs = log.now() + options.durationSecs * 2000;
  const stopping = () =>
    options.signal?.aborted === true || log.now() >= hardStopAtMs || (log.now() >= stopAtMs && log.sessionsOpened >= (options.minSessions ?? 0));
  const driver = new Driver(log, slot, accounts, parts.adminToken, targets, parts.hold, stopping, {
    killAtSecs: options.killAtSecs ?? [],
    topUpEverySecs: TOP_UP_EVERY_SECS,
    topUpMicros: TOP_UP_MICROS,
    restartDelayMs: 1_000,
    restartOnNewPort: options.restartOnNewPort,
    pgOutageAtSecs: options.pgOutageAtSecs,
    pgOutageMs: options.pgOutageMs ?? 4_000,
    database: parts.cluster,
  });
  const seed = options.seed ?? 1;
  const loadStart = log.now();
  const clients = Array.from({ length: options.clients }, (_, i) =>
    runClient(new ClientContext(i, accounts[i % accounts.length]!, log, new Random(seed * 1_000 + i), targets, stopping, options.durationSecs >= 90)),
  );
  const ticker = setInterval(() => progress(progressLine(log, loadStart, slot)), 10_000);
  const drained = await Promise.race([Promise.all([...clients, driver.run()]).then(() => true), sleep(options.durationSecs * 2000 + DRAIN_LIMIT_MS, false, { ref: false })]);
  clearInterval(ticker);
  const loadSecs = (log.now() - loadStart) / 1000;
  if (!drained) log.violation(`clients still running ${DRAIN_LIMIT_MS / 1000} s after the end of the load`);
  progress(`load over after ${loadSecs.toFixed(1)} s: ${log.records.length} calls; sweeping sessions left active`);

  for (const a of accounts.filter((x) => x.poor)) await driver.topUp(a, FINAL_TOP_UP_MICROS);
  const checks = new Checks();
  const { sweep, balances } = await finalSweep(log, accounts, targets, checks);
  const outages = checkOutages(log, driver.outages, checks);
  for (const o of outages) progress(`PostgreSQL outage at ${o.atSecs.toFixed(1)} s: down ${(o.downtimeMs / 1000).toFixed(1)} s, /ready 200 after ${o.readyAfterMs ?? '-'} ms, full service after ${o.fullServiceAfterMs ?? '-'} ms; answers ${JSON.stringify(o.answers)}`);
  if ((options.pgOutageAtSecs?.length ?? 0) > 0) {
    // Tasks abandoned in an outage are refunded by the server's sweeper (every second here, once 5 s old): give it
    // that time, bounded, before the checks read the database.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await readSnapshot(parts.db.url)).tasks.some((t) => t.status === 'processing')) await sleep(500);
  }
  const verification = await verifyRun({ databaseUrl: parts.db.url, log, slot, accounts, balances, kills: driver.kills, checks, loadSecs });
  const violations = [...log.violations, ...(log.violationCount > log.violations.length ? [`… and ${log.violationCount - log.violations.length} more live violations`] : []), ...checks.failures()];
  const { progress: _p, signal: _s, repoRoot: _r, ...rest } = options;
  return { ...verification, options: rest, database: parts.db.description, loadSecs, accounts, kills: driver.kills, outages, sweep, violations, ok: violations.length === 0 };
}

function serverEnv(db: LoadDatabase, adminToken: string, defaultNodeId: boolean, outages = false): Record<string, string> {
  const settings: Record<string, string> = {
    BBRE_DATABASE_URL: db.url,
    BBRE_ALLOW_PRIVATE_TARGETS: 'true',
    BBRE_ADMIN_TOKEN: adminToken,
    BBRE_RATE_LIMIT_RPS: '100000',
    BBRE_RATE_LIMIT_BURST: '100000',
    BBRE_LOG_LEVEL: 'warn',
    BBRE_BROWSER_PREWARM: 'false',
    // Sessions left to expire and sessions orphaned by a kill must not push clients into SESSION_LIMIT_REACHED.
    BBRE_MAX_SESSIONS_PER_ACCOUNT: '1000',
    // Start-up recovery ends only this node's tasks: the restarted server must be the same node.
    BBRE_NODE_ID: `load-${randomBytes(4).toString('hex')}`,
    BBRE_SHUTDOWN_GRACE: '10',
  };
  // Tasks abandoned in a database outage are refunded by the sweeper: sweep often so that it happens within the run.
  if (outages) settings.BBRE_SWEEP_INTERVAL = '1';
  if (defaultNodeId) {
    // Restarted under another name (the default host:port, on a new port): the dead name's work is recovered by the
    // live node's sweeper once the old name has been silent for BBRE_NODE_DEAD_AFTER; short here, so within the run.
    delete settings.BBRE_NODE_ID;
    settings.BBRE_NODE_DEAD_AFTER = '5';
    settings.BBRE_SWEEP_INTERVAL = '1';
  }
  return bbreEnv(settings);
}

/** Account 0 is poor when there are several: it runs dry, answers 402, and gets operator top-ups meanwhile. */
async function createAccounts(log: CallLog, adminToken: string, count: number): Promise<LoadAccount[]> {
  const accounts: LoadAccount[] = [];
  for (let index = 0; index < count; index++) {
    const poor = index === 0 && count > 1;
    const initialMicros = poor ? POOR_BALANCE_MICROS : RICH_BALANCE_MICROS;
    const res = await log.admin(adminToken, 'POST', '/admin/accounts', { name: `load-${index}`, email: `load-${index}@example.test`, balance: initialMicros / 1_000_000 });
    if (res.status !== 200 || usdToMicros(res.body.account.balance) !== initialMicros) throw new Error(`account creation answered ${res.status}: ${JSON.stringify(res.body)}`);
    accounts.push({ index, id: res.body.account.id, key: res.body.apiKey, initialMicros, poor, topUpsMicros: [] });
  }
  return accounts;
}

function progressLine(log: CallLog, loadStart: number, slot: ServerSlot): string {
  const secs = (log.now() - loadStart) / 1000;
  const calls = log.records.length;
  const unanswered = log.records.filter((r) => r.networkError !== undefined).length;
  return `t=${secs.toFixed(0)} s: ${calls} calls (${(calls / Math.max(secs, 0.001)).toFixed(0)}/s), unanswered ${unanswered}, violations ${log.violationCount}, server pid ${slot.current.pid}`;
}
