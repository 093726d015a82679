import type { CallLog } from './call-log.js';
import type { CheckResult, Checks } from './checks.js';
import { reconcileClients, type ClientLedger } from './client-reconcile.js';
import { checkDatabase, moneyByTask, type AccountLedger } from './db-invariants.js';
import { readSnapshot, type DbSnapshot } from './db-snapshot.js';
import type { KillReport } from './driver.js';
import type { LoadAccount } from './model.js';
import type { ServerSlot } from './server-slot.js';
import { callStats, sessionsSurvivingKills, type CallStats } from './stats.js';

export interface Verification {
  stats: CallStats;
  /** Per account, from the database (a) and from the clients (b). */
  ledgers: Array<{ account: LoadAccount; db: AccountLedger; clients: ClientLedger }>;
  sessionsByEnd: Record<string, number>;
  tasksByOutcome: Record<string, number>;
  /** Tasks each server start refunded (the first start: 0). */
  recoveredPerStart: number[];
  sessionsSurvivingKills: number;
  checks: CheckResult[];
}

export interface VerifyInput {
  databaseUrl: string;
  log: CallLog;
  slot: ServerSlot;
  accounts: LoadAccount[];
  balances: Map<number, number>;
  kills: KillReport[];
  checks: Checks;
  loadSecs: number;
}

/** Reads the database once the load is over, checks both sides, then stops the server and checks how it stopped. */
export async function verifyRun(input: VerifyInput): Promise<Verification> {
  const { checks, log, slot } = input;
  const snapshot = await readSnapshot(input.databaseUrl);
  const dbLedgers = checkDatabase(snapshot, checks);
  const clientLedgers = reconcileClients(log.records, input.accounts, input.balances, snapshot, checks);
  checkKills(snapshot, input.kills, log, slot, checks);
  checks.expect('after the final sweep no session is active', snapshot.sessions.every((s) => s.status !== 'active'), () => `${snapshot.sessions.filter((s) => s.status === 'active').length} active`);

  await slot.current.stop();
  const exit = slot.current.exitStatus();
  checks.expect('the server stops cleanly on SIGTERM after the load', exit.code === 0, () => `exit ${JSON.stringify(exit)}\n${slot.current.outputTail()}`);
  const errors = slot.errorLines();
  checks.expect('the server logged no error', errors.length === 0, () => errors.slice(0, 5).map((l) => JSON.stringify(l).slice(0, 500)).join('\n'));

  return {
    stats: callStats(log.records, input.loadSecs),
    ledgers: input.accounts.map((account, i) => ({ account, db: dbLedgers.get(account.id)!, clients: clientLedgers[i]! })),
    sessionsByEnd: countBy(snapshot.sessions, (s) => (s.status === 'active' ? 'active' : `${s.status} (${s.ended_reason})`)),
    tasksByOutcome: countBy(snapshot.tasks, (t) => `${t.type} ${t.status}${t.error_code ? ` ${t.error_code}` : ''}`),
    recoveredPerStart: slot.recoveredPerStart(),
    sessionsSurvivingKills: sessionsSurvivingKills(log.records, log.faults),
    checks: checks.list(),
  };
}

/**
 * Contract §6 after kill -9: every task the dead server left `processing` is `failed` (SERVICE_UNAVAILABLE) and
 * refunded by the next start; the start-up log counts exactly those; the calls held at the kill are among them.
 */
function checkKills(snapshot: DbSnapshot, kills: KillReport[], log: CallLog, slot: ServerSlot, checks: Checks): void {
  const money = moneyByTask(snapshot.ledger);
  // Tasks a restart ended; those abandoned in a database outage and refunded by the sweeper say so in their message.
  const cut = snapshot.tasks.filter((t) => t.status === 'failed' && t.error_code === 'SERVICE_UNAVAILABLE' && !/database was unavailable/.test(t.error_message ?? ''));
  const recovered = slot.recoveredPerStart().reduce((s, n) => s + n, 0);
  checks.expect('tasks refunded at start-up (server log) = tasks failed SERVICE_UNAVAILABLE in the database', recovered === cut.length, () => `log ${recovered}, database ${cut.length}`);
  checks.expect('the first start refunds nothing', (slot.recoveredPerStart()[0] ?? 0) === 0, () => `${slot.recoveredPerStart()[0]}`);
  const lastKill = Math.max(0, ...log.faults.map((f) => f.killedAtEpochMs));
  for (const t of cut) {
    checks.expect('a task cut by a kill was started before that kill', kills.length > 0 && t.created_at <= lastKill, () => `${t.id} created ${t.created_at}, last kill ${lastKill}`);
    const m = money.get(t.id);
    checks.expect('a task cut by a kill has its refund entry', t.refunded === 1 && (m?.refunds.length ?? 0) === (t.price > 0 ? 1 : 0), () => `${t.id}: refunded=${t.refunded}, ${m?.refunds.length ?? 0} refunds`);
  }
  const byMarker = new Map(snapshot.tasks.map((t) => [t.url ? new URL(t.url).searchParams.get('lc') : null, t]));
  for (const k of kills) {
    for (const marker of k.doomedMarkers) {
      const t = byMarker.get(marker);
      checks.expect('every call held inside BBRE at a kill ends failed (SERVICE_UNAVAILABLE) and refunded', t?.status === 'failed' && t.error_code === 'SERVICE_UNAVAILABLE' && t.refunded === 1, () => `${marker}: ${t ? `${t.id} ${t.status} ${t.error_code} refunded=${t.refunded}` : 'no task'}`);
    }
    // Passive sessions survive a restart (contract §4.1): the one whose requests were cut still answers afterwards.
    const usedAfter = log.records.some((r) => r.sessionId === k.doomedSessionId && r.endpoint === '/session/request' && r.httpStatus === 200 && r.startedAt > k.healthyAt);
    checks.expect('the session whose requests were cut by a kill answers a request after the restart', usedAfter, () => `${k.doomedSessionId}`);
  }
}

function countBy<T>(items: T[], keyOf: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[keyOf(item)] = (out[keyOf(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}
