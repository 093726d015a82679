import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Config } from './config/schema.js';
import { AccountService } from './domain/accounts/account.service.js';
import { BillingService } from './domain/billing/billing.service.js';
import { PriceList } from './domain/billing/pricing.js';
import { systemClock, type Clock } from './domain/clock.js';
import { SessionReleaser } from './domain/sessions/session-releaser.js';
import { SessionService } from './domain/sessions/session.service.js';
import { SessionSweeper } from './domain/sessions/session-sweeper.js';
import { InFlightWork } from './domain/requests/in-flight.js';
import { BrowserActionService } from './domain/requests/browser-action.service.js';
import { SessionQueues } from './domain/requests/session-queues.js';
import { SessionRequestService } from './domain/requests/session-request.service.js';
import { HistoryService } from './domain/tasks/history.service.js';
import { RequestService } from './domain/tasks/request.service.js';
import { TaskRunner } from './domain/tasks/task-runner.js';
import { isBrowserEngine, type SessionEngine } from './engines/engine.js';
import { findChromium } from './engines/adaptive/chromium.js';
import { BrowserWorkerEngine } from './engines/adaptive/worker/browser-worker.engine.js';
import { PassiveEngine } from './engines/passive/passive.engine.js';
import { EngineRegistry } from './engines/registry.js';
import { Metrics } from './http/metrics.js';
import { buildHttpServer } from './http/server.js';
import { REDACTED_LOG_PATHS } from './security/redact.js';
import { createTargetPolicy } from './security/target-policy.js';
import { openStore } from './storage/open-store.js';
import type { Store } from './storage/ports.js';

export { toAccountView } from './domain/accounts/account.service.js';
export { toAdminAccountView, toKeyView, toLedgerView } from './domain/accounts/account-views.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The server's SQLite WAL is checkpointed from a worker thread this often (never inside a request's commit). */
const SQLITE_CHECKPOINT_INTERVAL_MS = 200;

/** A task of this node processing longer than this, and no longer worked on here, is abandoned. */
const ABANDONED_TASK_MIN_AGE_MS = 5_000;

export interface AppOverrides {
  clock?: Clock;
  /** Where logs go (tests capture them); stdout otherwise. */
  logStream?: DestinationStream;
  engines?: SessionEngine[];
}

export interface BbreApp {
  readonly config: Readonly<Config>;
  readonly http: FastifyInstance;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: PinoLogger;
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly billing: BillingService;
  readonly history: HistoryService;
  readonly sweeper: SessionSweeper;
  readonly metrics: Metrics;
  /** Readiness fails and new API calls get 503 from now on. */
  drain(): void;
  /** Graceful: drain, let in-flight requests finish, stop the sweeper, release engines, close the store. Idempotent. */
  close(): Promise<void>;
}

export function createLogger(config: Readonly<Config>, stream?: DestinationStream): PinoLogger {
  return pino({ level: config.logLevel, base: { service: 'bbre' }, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, stream);
}

/** The composition root: the only place that names concrete classes. */
export async function buildApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<BbreApp> {
  const clock = overrides.clock ?? systemClock;
  const logger = createLogger(config, overrides.logStream);
  const store = await openStore(config.databaseUrl, {
    nodeId: config.nodeId,
    backgroundCheckpointMs: SQLITE_CHECKPOINT_INTERVAL_MS,
    onLog: (event, data) => logger.warn({ storage: 'sqlite', event, ...data }, 'sqlite checkpointer'),
  });
  let draining = false;
  let closing: Promise<void> | undefined;
  try {
    const policy = createTargetPolicy(config.allowPrivateTargets);
    const onEngineLog = (event: string, data: Record<string, unknown>) => logger.info({ engine: 'adaptive', event, ...data }, 'browser pool');
    const adaptive = new BrowserWorkerEngine({
      worker: {
        executablePath: findChromium(config.chromiumPath),
        maxContexts: config.maxBrowserContexts,
        retireAfterContexts: config.browserRetireAfter,
        maxWaitMs: config.browserQueueWaitMs,
        idleCloseMs: config.browserIdleCloseMs,
        killTimeoutMs: 5000,
        allowPrivateTargets: config.allowPrivateTargets,
        maxResponseBytes: config.maxResponseBytes,
      },
      onLog: onEngineLog,
    });
    const engineList = overrides.engines ?? [new PassiveEngine({ policy, maxResponseBytes: config.maxResponseBytes }), adaptive];
    const engines = new EngineRegistry(engineList);
    const inFlight = new InFlightWork();
    const releaser = new SessionReleaser(engines, inFlight, logger);
    const metricsRef: { current?: Metrics } = {};
    const billing = new BillingService(store.billing, new PriceList(config.prices), clock, config.taskRetentionSecs * 1000, {
      charged: (m) => metricsRef.current?.charged.inc(m / 1e6),
      refunded: (m) => metricsRef.current?.refunded.inc(m / 1e6),
      taskEnded: (type, status) => metricsRef.current?.tasks.inc({ type, status }),
    });
    const accounts = new AccountService(store, clock, releaser, config.maxSessionsPerAccount, config.authCacheMs);
    const sessions = new SessionService(store, engines, billing, releaser, clock, logger, {
      maxSessionTimeoutSecs: config.maxSessionTimeoutSecs,
      policy,
      maxSessionsOf: (a) => accounts.maxSessionsOf(a),
    });
    const history = new HistoryService(store.tasks);
    const queues = new SessionQueues();
    const sessionRequests = new SessionRequestService(sessions, engines, billing, policy, inFlight, queues);
    const browserActions = new BrowserActionService(sessions, engines, billing, inFlight, queues);
    // A context that died under its session (browser crash) ends the session honestly.
    for (const engine of engineList) {
      if (!isBrowserEngine(engine)) continue;
      engine.onSessionLost = (sessionId, accountId) => {
        void sessions.endLost(accountId, sessionId).catch((err: unknown) => logger.warn({ err, sessionId }, 'ending a crashed session failed'));
      };
    }
    const runner = new TaskRunner({ concurrency: config.taskConcurrency, maxQueue: config.maxQueue });
    const requests = new RequestService(engines, billing, store.tasks, runner, policy, clock);
    const sweeper = new SessionSweeper(store, releaser, clock, logger, {
      intervalMs: config.sweepIntervalMs,
      sessionRetentionMs: config.sessionRetentionSecs * 1000,
      nodeDeadAfterMs: config.nodeDeadAfterMs,
      taskRetentionMs: config.taskRetentionSecs * 1000,
      recoverAbandonedTasks: () => billing.recoverAbandoned(ABANDONED_TASK_MIN_AGE_MS, config.taskRetentionSecs * 1000),
    });
    const metrics = new Metrics({
      activeSessionsByMode: () => store.sessions.countActiveByMode(),
      browserContexts: () => adaptive.contextStates(),
    });
    metricsRef.current = metrics;
    engines.onTiming = (labels, seconds) => metrics.engineDuration.observe(labels, seconds);

    // Contract §6: tasks a previous process left processing end failed and refunded.
    const recovered = await store.billing.refundAllProcessing(
      clock.now(),
      'SERVICE_UNAVAILABLE',
      'The server restarted before the task finished.',
      clock.now() + config.taskRetentionSecs * 1000,
    );
    if (recovered > 0) logger.warn({ recovered }, 'refunded tasks interrupted by a restart');
    // Contract §4.1: adaptive sessions do not survive a restart (their browser context is gone).
    const orphaned = await store.sessions.endAllOfMode('adaptive', 'evicted', clock.now());
    if (orphaned > 0) logger.warn({ orphaned }, 'ended adaptive sessions orphaned by a restart');
    // This node is alive from now on (every sweep beats again); other nodes recover its work if it stops.
    await store.nodes.heartbeat(clock.now());
    // Only an engine the registry holds is closed at shutdown: an app given its own engines pre-warms nothing.
    if (config.browserPrewarm && engineList.includes(adaptive)) void adaptive.warm();

    const http = await buildHttpServer({
      logger,
      accounts,
      sessions,
      history,
      sessionRequests,
      requests,
      browserActions,
      maxRequestTimeoutSecs: config.maxRequestTimeoutSecs,
      metrics,
      version: VERSION,
      maxBodyBytes: config.maxBodyBytes,
      adminToken: config.adminToken,
      rateLimitRps: config.rateLimitRps,
      rateLimitBurst: config.rateLimitBurst,
      now: () => clock.now(),
      readiness: {
        database: () => store.ping(),
        browserPool: () => adaptive.poolStatus(),
        isDraining: () => draining,
      },
    });
    sweeper.start();

    const close = (): Promise<void> => {
      closing ??= (async () => {
        draining = true;
        // Fastify's close waits for in-flight requests; each owner then releases what it holds, store last.
        await http.close().catch((err: unknown) => logger.warn({ err }, 'http close failed'));
        await runner.close();
        await sweeper.stop();
        // Contract §9.4: sessions whose browser dies with this process end now (`evicted`), not at the next start.
        const live = engines.liveSessions().flatMap((e) => (e.mode === 'adaptive' ? e.ids : []));
        await store.sessions.endSessionsById(live, 'evicted', clock.now()).catch((err: unknown) => logger.warn({ err }, 'ending adaptive sessions at shutdown failed'));
        await engines.close();
        await store.close();
      })();
      return closing;
    };

    return {
      config,
      http,
      store,
      clock,
      logger,
      accounts,
      sessions,
      billing,
      history,
      sweeper,
      metrics,
      drain: () => {
        draining = true;
      },
      close,
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export interface OperatorApp {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  close(): Promise<void>;
}

/**
 * The operator CLI's view: the same store and services, without HTTP, sweeper or start-up recovery (a running
 * server owns those; the CLI must never refund the server's in-flight tasks).
 */
export async function buildOperator(config: Readonly<Config>): Promise<OperatorApp> {
  const logger = createLogger({ ...config, logLevel: 'silent' });
  const store = await openStore(config.databaseUrl, { poolSize: 2 });
  const engines = new EngineRegistry([new PassiveEngine({ policy: createTargetPolicy(config.allowPrivateTargets), maxResponseBytes: config.maxResponseBytes })]);
  const releaser = new SessionReleaser(engines, new InFlightWork(), logger);
  const accounts = new AccountService(store, systemClock, releaser, config.maxSessionsPerAccount);
  const billing = new BillingService(store.billing, new PriceList(config.prices), systemClock, config.taskRetentionSecs * 1000);
  const sessions = new SessionService(store, engines, billing, releaser, systemClock, logger, {
    maxSessionTimeoutSecs: config.maxSessionTimeoutSecs,
    policy: createTargetPolicy(config.allowPrivateTargets),
    maxSessionsOf: (a) => accounts.maxSessionsOf(a),
  });
  return { accounts, sessions, close: () => store.close() };
}
