import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { CallLog, CallResult, FaultWindow, OutageWindow } from './call-log.js';
import type { HoldTarget } from './hold-target.js';
import type { PrivatePostgres } from './private-postgres.js';
import { REQUEST_MICROS, SESSION_CREATE_MICROS, usdToMicros, type LoadAccount } from './model.js';
import { Random } from './random.js';
import { ClientContext, type Targets } from './scenarios.js';
import type { ServerSlot } from './server-slot.js';

export interface DriverOptions {
  /** Seconds into the run at which the server gets `kill -9`. */
  killAtSecs: number[];
  /** The poor account is topped up this often (operator credits while charges run). */
  topUpEverySecs: number;
  topUpMicros: number;
  /** Time the server stays dead before the restart. */
  restartDelayMs: number;
  /** Restart on another port (the clients follow), as an operator who changes BBRE_PORT would. */
  restartOnNewPort?: boolean;
  /** Seconds into the run at which PostgreSQL (a private cluster) is stopped immediately, then started again. */
  pgOutageAtSecs?: number[];
  /** How long PostgreSQL stays down. */
  pgOutageMs?: number;
  database?: PrivatePostgres;
}

/** One /ready answer, polled during and after an outage. */
export interface ReadyPoll {
  startedAt: number;
  endedAt: number;
  /** HTTP status, or undefined without an answer. */
  status?: number;
  database?: string;
}

/** One PostgreSQL outage: stopped with `-m immediate` while the clients run, started again after `pgOutageMs`. */
export interface OutageReport {
  atSecs: number;
  /** ms since the run started: PostgreSQL stopped, accepting connections again, /ready 200 again. */
  stoppedAt: number;
  restartedAt: number;
  readyAt?: number;
  /** `pg_ctl stop` returned (every backend gone) / `pg_ctl start` was called: the database was surely down in between. */
  downAt: number;
  restartingAt: number;
  /** Stopped → accepting connections again. */
  downtimeMs: number;
  /** /ready polls wholly inside [stoppedAt, restartedAt], then after the restart until the first 200. */
  readyPollsDown: ReadyPoll[];
  readyPollsAfter: ReadyPoll[];
}

/** One kill -9 and what was deliberately in flight when it happened. */
export interface KillReport {
  atSecs: number;
  /** From the kill until the restarted server answered /health. */
  downtimeMs: number;
  /** When the restarted server answered /health, ms since the run started. */
  healthyAt: number;
  /** Markers of the calls held inside BBRE at the kill (session requests, executes, creates). */
  doomedMarkers: string[];
  doomedSessionId?: string;
  /** Requests of this kill's doomed calls the hold target had received when the kill came. */
  heldAtKill: number;
}

const DOOMED_EACH = 2;
const DOOMED_TIMEOUT_SECS = 60;

/** The operator's side of the run: credits while the load runs, and the kill -9 / restart cycles. */
export class Driver {
  readonly kills: KillReport[] = [];
  readonly outages: OutageReport[] = [];
  private readonly rng = new Random(0xd1e);

  constructor(
    private readonly log: CallLog,
    private readonly slot: ServerSlot,
    private readonly accounts: LoadAccount[],
    private readonly adminToken: string,
    private readonly targets: Targets,
    private readonly hold: HoldTarget,
    private readonly stopping: () => boolean,
    private readonly options: DriverOptions,
  ) {}

  /** Runs events one at a time (a credit never races a kill: its outcome must be known) until the run stops. */
  async run(): Promise<void> {
    const kills = [...this.options.killAtSecs].sort((a, b) => a - b);
    const outages = [...(this.options.pgOutageAtSecs ?? [])].sort((a, b) => a - b);
    let nextTopUp = this.options.topUpEverySecs;
    while (!this.stopping()) {
      const nowSecs = this.log.now() / 1000;
      if (outages.length > 0 && nowSecs >= outages[0]!) {
        outages.shift();
        await this.databaseOutage();
      } else if (kills.length > 0 && nowSecs >= kills[0]!) {
        kills.shift();
        await this.killAndRestart();
      } else if (nowSecs >= nextTopUp) {
        nextTopUp += this.options.topUpEverySecs;
        for (const a of this.accounts.filter((x) => x.poor)) await this.topUp(a, this.options.topUpMicros);
      } else {
        await sleep(100);
      }
    }
  }

  async topUp(account: LoadAccount, micros: number): Promise<void> {
    let res = await this.log.admin(this.adminToken, 'POST', `/admin/accounts/${account.id}/credit`, { amount: micros / 1_000_000, note: 'load top-up' });
    // Just after a database outage the credit may still answer 503 (nothing done): the operator retries.
    for (let tries = 0; res.status === 503 && res.body?.error?.code === 'SERVICE_UNAVAILABLE' && this.log.outages.length > 0 && tries < 60; tries++) {
      await sleep(500);
      res = await this.log.admin(this.adminToken, 'POST', `/admin/accounts/${account.id}/credit`, { amount: micros / 1_000_000, note: 'load top-up' });
    }
    if (res.status !== 200 || res.body?.entry?.kind !== 'credit' || usdToMicros(res.body.entry.amount) !== micros) {
      this.log.violation(`top-up of account ${account.index} answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      return;
    }
    account.topUpsMicros.push(micros);
  }

  /**
   * Stops PostgreSQL immediately while the clients run, polls /ready meanwhile, starts it again after
   * `pgOutageMs`, then polls /ready until it answers 200.
   */
  private async databaseOutage(): Promise<void> {
    const database = this.options.database;
    if (!database) throw new Error('a PostgreSQL outage needs the private cluster');
    const window: OutageWindow = { stoppedAt: this.log.now() };
    this.log.outages.push(window);
    await database.stopImmediate();
    const downFrom = this.log.now();
    const report: OutageReport = { atSecs: window.stoppedAt / 1000, stoppedAt: window.stoppedAt, restartedAt: 0, downAt: downFrom, restartingAt: 0, downtimeMs: 0, readyPollsDown: [], readyPollsAfter: [] };
    const restartAt = downFrom + (this.options.pgOutageMs ?? 4_000);
    const polls: ReadyPoll[] = [];
    while (this.log.now() < restartAt - 250) {
      polls.push(await this.pollReady());
      await sleep(200);
    }
    await sleep(Math.max(0, restartAt - this.log.now()));
    report.restartingAt = this.log.now();
    await database.start();
    window.restartedAt = report.restartedAt = this.log.now();
    report.downtimeMs = report.restartedAt - report.stoppedAt;
    report.readyPollsDown = polls.filter((p) => p.startedAt >= downFrom && p.endedAt <= report.restartingAt);
    const deadline = this.log.now() + 30_000;
    while (this.log.now() < deadline) {
      const poll = await this.pollReady();
      report.readyPollsAfter.push(poll);
      if (poll.status === 200) {
        window.readyAt = report.readyAt = poll.endedAt;
        break;
      }
      await sleep(100);
    }
    if (window.readyAt === undefined) {
      // Keep 503s acceptable no longer than this; the missing 200 is reported by the outage checks.
      window.readyAt = this.log.now();
    }
    this.outages.push(report);
  }

  private async pollReady(): Promise<ReadyPoll> {
    const poll: ReadyPoll = { startedAt: this.log.now(), endedAt: 0 };
    try {
      const res = await request(`${this.slot.baseUrl}/ready`, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
      poll.status = res.statusCode;
      const body = JSON.parse(await res.body.text()) as { checks?: { database?: string } };
      poll.database = body.checks?.database;
    } catch {
      // no answer: recorded as such
    }
    poll.endedAt = this.log.now();
    return poll;
  }

  private async killAndRestart(): Promise<void> {
    const account = this.accounts.find((a) => !a.poor) ?? this.accounts[0]!;
    const ctx = new ClientContext(-1, account, this.log, this.rng, this.targets, () => false, false, `d${this.kills.length}`);
    const report: KillReport = { atSecs: 0, downtimeMs: 0, healthyAt: 0, doomedMarkers: [], heldAtKill: 0 };
    const heldBefore = this.hold.arrivals();
    const { pending, created } = await this.launchDoomed(ctx, report);
    report.heldAtKill = this.hold.arrivals() - heldBefore;
    const window: FaultWindow = { killedAt: this.log.now(), killedAtEpochMs: Date.now() };
    this.log.faults.push(window);
    report.atSecs = window.killedAt / 1000;
    await this.slot.current.killHard();
    await sleep(this.options.restartDelayMs);
    await this.slot.start({ newPort: this.options.restartOnNewPort });
    window.healthyAt = this.log.now();
    report.healthyAt = window.healthyAt;
    report.downtimeMs = window.healthyAt - window.killedAt;
    this.kills.push(report);
    await Promise.all(pending);
    for (const c of created) await this.expectCutByKill(ctx, c);
  }

  /**
   * Calls that are certainly inside BBRE at the kill: their target never answers. Two session requests, two
   * executes and two created tasks; the kill waits until the target has received them.
   */
  private async launchDoomed(ctx: ClientContext, report: KillReport): Promise<{ pending: Array<Promise<CallResult>>; created: CallResult[] }> {
    const a = ctx.account;
    const base = { client: -1, account: a.index, key: a.key };
    const session = await this.log.call({ ...base, endpoint: '/session/create', label: 'doomed session/create', body: { mode: 'passive', sensibility: 'low' } });
    ctx.judge(session, { status: 200, code: 'OK' }, SESSION_CREATE_MICROS);
    const sessionId = session.body?.session?.id as string | undefined;
    session.record.sessionId = sessionId;
    report.doomedSessionId = sessionId;
    const before = this.hold.arrivals();
    const doomedUrl = () => {
      const marker = ctx.marker();
      report.doomedMarkers.push(marker);
      return { marker, url: `${this.targets.hold}/hold?lc=${marker}` };
    };
    const pending: Array<Promise<CallResult>> = [];
    for (let i = 0; i < DOOMED_EACH && sessionId; i++) {
      const { marker, url } = doomedUrl();
      pending.push(this.log.call({ ...base, endpoint: '/session/request', label: 'doomed session/request', body: { sessionId, url, timeout: DOOMED_TIMEOUT_SECS }, marker, sessionId }));
    }
    for (let i = 0; i < DOOMED_EACH; i++) {
      const { marker, url } = doomedUrl();
      pending.push(this.log.call({ ...base, endpoint: '/request/execute', label: 'doomed request/execute', body: { url, timeout: DOOMED_TIMEOUT_SECS, mode: 'passive', sensibility: 'low' }, marker }));
    }
    const created: CallResult[] = [];
    for (let i = 0; i < DOOMED_EACH; i++) {
      const { marker, url } = doomedUrl();
      const res = await this.log.call({ ...base, endpoint: '/request/create', label: 'doomed request/create', body: { url, timeout: DOOMED_TIMEOUT_SECS, mode: 'passive', sensibility: 'low' }, marker });
      if (ctx.judge(res, { status: 200, code: 'OK' }, REQUEST_MICROS.low) === 'as-expected') created.push(res);
    }
    const expected = before + pending.length + created.length;
    if (!(await this.hold.waitForArrivals(expected, 15_000))) {
      this.log.violation(`only ${this.hold.arrivals() - before} of ${expected - before} doomed calls reached the target before the kill`);
    }
    return { pending, created };
  }

  /** A task created before the kill reads `failed`, SERVICE_UNAVAILABLE, refunded, once the server is back (contract §6). */
  private async expectCutByKill(ctx: ClientContext, created: CallResult): Promise<void> {
    const taskId = created.body.taskId as string;
    const deadline = this.log.now() + 60_000;
    while (this.log.now() < deadline) {
      const res = await this.log.call({ client: -1, account: ctx.account.index, key: ctx.account.key, endpoint: '/request/result', label: 'request/result', body: { taskId } });
      if (res.record.httpStatus === undefined) {
        await sleep(200);
        continue;
      }
      const task = res.body?.data?.task;
      if (task?.status === 'processing') {
        // Under another name, the dead node's work is recovered once its heartbeat is BBRE_NODE_DEAD_AFTER old.
        if (this.options.restartOnNewPort) {
          await sleep(500);
          continue;
        }
        // Under the same name, recovery runs before the restarted server listens: still processing means never.
        return this.log.violation(`doomed task ${taskId} still processing after the restart`);
      }
      created.record.polled = { status: task?.status, code: task?.error?.code ?? null, statusCode: null };
      if (task?.status !== 'failed' || task.error?.code !== 'SERVICE_UNAVAILABLE' || task.refunded !== true) {
        this.log.violation(`doomed task ${taskId} after the restart: ${JSON.stringify(task)}`);
      }
      return;
    }
    this.log.violation(`doomed task ${taskId}: no terminal state within 60 s of the restart`);
  }
}
