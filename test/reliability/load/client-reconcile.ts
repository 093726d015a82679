import type { Checks } from './checks.js';
import type { DbSnapshot, TaskRow } from './db-snapshot.js';
import { moneyByTask, netOf, type TaskMoney } from './db-invariants.js';
import { isUnavailable, isUnknown, type CallRecord, type LoadAccount } from './model.js';

/** One account's money as the clients saw it, next to what the database says. */
export interface ClientLedger {
  account: number;
  /** Σ X-BBRE-Cost the clients kept (a /request/create counts only if its task completed). */
  answeredMicros: number;
  /** Calls without an answer, settled from the database (their task's net, or nothing if no task exists). */
  unknownMicros: number;
  /** Sessions whose create got no answer but exist in the database: their creation fees. */
  orphanSessionFeesMicros: number;
  /** Credits known to the driver − the balance /account/balance reports at the end. */
  spentMicros: number;
  unknownCalls: number;
  orphanSessions: number;
}

function markerOf(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('lc') ?? undefined;
  } catch {
    return undefined;
  }
}

/** What a call with an answer kept: its X-BBRE-Cost, except a /request/create whose task did not complete. */
function answeredNet(r: CallRecord): number {
  const cost = r.costMicros ?? 0;
  if (r.endpoint === '/request/create') return r.httpStatus === 200 && r.polled?.status === 'completed' ? cost : 0;
  return cost;
}

/**
 * Side (b): the clients' own records against the database. Every marked call maps to its task (or to no task
 * when the answer says none was made); calls without an answer take the database's verdict; then per account
 * Σ X-BBRE-Cost + settled unknowns = credits − final balance, and per session requestCount = the 200 answers
 * (plus unanswered calls whose task completed).
 */
export function reconcileClients(records: CallRecord[], accounts: LoadAccount[], finalBalances: Map<number, number>, snapshot: DbSnapshot, checks: Checks): ClientLedger[] {
  const money = moneyByTask(snapshot.ledger);
  const tasksByMarker = new Map<string, TaskRow>();
  for (const t of snapshot.tasks) {
    const marker = markerOf(t.url);
    if (t.type !== 'request' && t.type !== 'session_request') continue;
    checks.expect('every request task carries its own call marker', marker !== undefined && !tasksByMarker.has(marker), () => `task ${t.id} url ${t.url}`);
    if (marker) tasksByMarker.set(marker, t);
  }
  const recordedMarkers = new Set<string>();
  for (const r of records) {
    if (!r.marker) continue;
    recordedMarkers.add(r.marker);
    checkMarkedCall(r, tasksByMarker.get(r.marker), money, checks);
  }
  for (const [marker, t] of tasksByMarker) {
    checks.expect('every request task was made by a recorded call (no phantom task)', recordedMarkers.has(marker), () => `task ${t.id} with marker ${marker} matches no call`);
  }
  checkSessionsAgainstCalls(records, snapshot, tasksByMarker, checks);
  return accounts.map((a) => accountLedger(a, records, finalBalances, snapshot, tasksByMarker, money, checks));
}

function checkMarkedCall(r: CallRecord, task: TaskRow | undefined, money: Map<string, TaskMoney>, checks: Checks): void {
  if (isUnknown(r)) return;
  const where = `${r.label} call ${r.seq} (${r.httpStatus} ${r.code})`;
  if (isUnavailable(r)) {
    // A 503 during a database outage: whatever the server managed to write before it failed, nothing may be kept.
    const net = task ? netOf(money.get(task.id)) : 0;
    checks.expect(
      'a call answered 503 SERVICE_UNAVAILABLE kept no charge (its task, if any, failed and refunded)',
      net === 0 && (!task || (task.status !== 'completed' && task.status !== 'processing')) && (r.taskId === undefined || r.taskId === task?.id),
      () => `${where}: answer task ${r.taskId}, database task ${task ? `${task.id} ${task.status} ${task.error_code} refunded=${task.refunded}` : 'none'}, ledger net ${net}`,
    );
    return;
  }
  checks.expect('an answer names a task exactly when the database holds one for the call', (r.taskId !== undefined) === (task !== undefined) && (!task || task.id === r.taskId), () => `${where}: answer task ${r.taskId}, database task ${task?.id}`);
  if (!task) return;
  const net = netOf(money.get(task.id));
  checks.expect('each answered call kept exactly its X-BBRE-Cost in the ledger', net === answeredNet(r), () => `${where}: ledger net ${net}, client ${answeredNet(r)}`);
  const expectedStatus = r.endpoint === '/request/create' ? r.polled?.status : r.httpStatus === 200 ? 'completed' : r.httpStatus === 504 ? 'timeout' : 'failed';
  checks.expect('each answered call\'s task ended as the client was told', task.status === expectedStatus, () => `${where}: task ${task.id} is ${task.status}, client saw ${expectedStatus}`);
}

function checkSessionsAgainstCalls(records: CallRecord[], snapshot: DbSnapshot, tasksByMarker: Map<string, TaskRow>, checks: Checks): void {
  const bySession = new Map<string, { ok: number; okMicros: number; settled: number; settledMicros: number }>();
  for (const r of records) {
    if (r.endpoint !== '/session/request' || !r.sessionId) continue;
    const agg = bySession.get(r.sessionId) ?? { ok: 0, okMicros: 0, settled: 0, settledMicros: 0 };
    if (r.httpStatus === 200) {
      agg.ok++;
      agg.okMicros += r.costMicros ?? 0;
    } else if (isUnknown(r) && r.marker) {
      const task = tasksByMarker.get(r.marker);
      if (task?.status === 'completed') {
        agg.settled++;
        agg.settledMicros += task.price;
      }
    }
    bySession.set(r.sessionId, agg);
  }
  for (const s of snapshot.sessions) {
    const agg = bySession.get(s.id) ?? { ok: 0, okMicros: 0, settled: 0, settledMicros: 0 };
    checks.expect('session requestCount = the 200 answers the clients got on it (+ settled unanswered calls)', s.request_count === agg.ok + agg.settled, () => `${s.id}: requestCount ${s.request_count}, 200 answers ${agg.ok}, settled ${agg.settled}`);
    checks.expect('session totalCharged = Σ X-BBRE-Cost of its 200 answers (+ settled unanswered calls)', s.total_charged === agg.okMicros + agg.settledMicros, () => `${s.id}: totalCharged ${s.total_charged}, clients ${agg.okMicros} + ${agg.settledMicros}`);
  }
}

function accountLedger(
  a: LoadAccount,
  records: CallRecord[],
  finalBalances: Map<number, number>,
  snapshot: DbSnapshot,
  tasksByMarker: Map<string, TaskRow>,
  money: Map<string, TaskMoney>,
  checks: Checks,
): ClientLedger {
  const mine = records.filter((r) => r.account === a.index);
  const answered = mine.filter((r) => !isUnknown(r));
  const unknown = mine.filter(isUnknown);
  const answeredMicros = answered.reduce((s, r) => s + answeredNet(r), 0);
  const unknownMicros = unknown.reduce((s, r) => {
    const task = r.marker ? tasksByMarker.get(r.marker) : undefined;
    return s + (task ? netOf(money.get(task.id)) : 0);
  }, 0);
  // Sessions: every 200 create is in the database; any other session of the account comes from an unanswered create.
  const known = new Set(answered.filter((r) => r.endpoint === '/session/create' && r.httpStatus === 200).map((r) => r.sessionId!));
  const dbSessions = snapshot.sessions.filter((s) => s.account_id === a.id);
  const dbIds = new Set(dbSessions.map((s) => s.id));
  for (const id of known) checks.expect('every session the clients created exists in the database', dbIds.has(id), () => `${id} missing`);
  const orphans = dbSessions.filter((s) => !known.has(s.id));
  const unansweredCreates = unknown.filter((r) => r.endpoint === '/session/create').length;
  checks.expect('sessions in the database = answered creates + at most the unanswered creates', orphans.length <= unansweredCreates, () => `account ${a.index}: ${orphans.length} sessions nobody was told about, ${unansweredCreates} unanswered creates`);
  const orphanSessionFeesMicros = orphans.reduce((s, o) => s + netOf(money.get(o.id)), 0);
  const credits = a.initialMicros + a.topUpsMicros.reduce((s, m) => s + m, 0);
  const finalBalance = finalBalances.get(a.index);
  const dbBalance = snapshot.accounts.find((x) => x.id === a.id)?.balance;
  checks.expect('/account/balance at the end = the database balance', finalBalance === dbBalance, () => `account ${a.index}: API ${finalBalance}, database ${dbBalance}`);
  const dbCredits = snapshot.ledger.filter((e) => e.account_id === a.id && e.kind === 'credit').reduce((s, e) => s + e.amount, 0);
  checks.expect('credits in the ledger = initial balance + top-ups the driver made', dbCredits === credits, () => `account ${a.index}: ledger ${dbCredits}, driver ${credits}`);
  const spentMicros = credits - (finalBalance ?? Number.NaN);
  checks.expect(
    'Σ X-BBRE-Cost received (+ unanswered calls settled from the database) = credits − final balance (per account)',
    answeredMicros + unknownMicros + orphanSessionFeesMicros === spentMicros,
    () => `account ${a.index}: answered ${answeredMicros} + unknown ${unknownMicros} + orphan fees ${orphanSessionFeesMicros} ≠ spent ${spentMicros}`,
  );
  return { account: a.index, answeredMicros, unknownMicros, orphanSessionFeesMicros, spentMicros, unknownCalls: unknown.length, orphanSessions: orphans.length };
}
