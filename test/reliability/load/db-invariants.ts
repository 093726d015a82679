import type { Checks } from './checks.js';
import type { DbSnapshot, LedgerRow, SessionRow, TaskRow } from './db-snapshot.js';

/** One account's money, from the database alone. */
export interface AccountLedger {
  accountId: string;
  balanceMicros: number;
  creditMicros: number;
  chargeMicros: number;
  refundMicros: number;
  adjustmentMicros: number;
  /** Σ totalCharged of the account's sessions. */
  totalChargedMicros: number;
  /** Net creation fees kept (session_create tasks). */
  creationFeesMicros: number;
  /** Net kept by stateless tasks (/request/create, /request/execute). */
  statelessMicros: number;
  sessions: number;
  tasks: number;
  ledgerEntries: number;
}

/** charge − refund per task id, and the entries themselves. */
export interface TaskMoney {
  charges: LedgerRow[];
  refunds: LedgerRow[];
}

export function moneyByTask(ledger: LedgerRow[]): Map<string, TaskMoney> {
  const out = new Map<string, TaskMoney>();
  for (const e of ledger) {
    if (!e.task_id) continue;
    const m = out.get(e.task_id) ?? { charges: [], refunds: [] };
    if (e.kind === 'charge') m.charges.push(e);
    if (e.kind === 'refund') m.refunds.push(e);
    out.set(e.task_id, m);
  }
  return out;
}

export function netOf(m: TaskMoney | undefined): number {
  if (!m) return 0;
  return m.charges.reduce((s, e) => s + e.amount, 0) - m.refunds.reduce((s, e) => s + e.amount, 0);
}

/** The price a task keeps as the history reports it: 0 once refunded (contract §3.12). */
export function keptPrice(t: TaskRow): number {
  return t.refunded ? 0 : t.price;
}

/**
 * Side (a): contract §7.3 checked on the raw rows. Per account: Σ ledger = balance, the balanceAfter chain, and
 * Σ charges − Σ refunds = Σ totalCharged + creation fees + stateless tasks. Per task: exactly one charge, a
 * refund exactly when it failed, history price = charge − refund, nothing left `processing`. Per session:
 * requestCount and totalCharged = its completed session_request tasks; an ended session says why.
 */
export function checkDatabase(snapshot: DbSnapshot, checks: Checks): Map<string, AccountLedger> {
  const money = moneyByTask(snapshot.ledger);
  const tasksById = new Map(snapshot.tasks.map((t) => [t.id, t]));
  const accounts = new Map<string, AccountLedger>();
  for (const a of snapshot.accounts) accounts.set(a.id, checkAccountLedger(a.id, a.balance, snapshot.ledger.filter((e) => e.account_id === a.id), checks));

  for (const e of snapshot.ledger) {
    if (e.kind === 'charge' || e.kind === 'refund') {
      const task = e.task_id ? tasksById.get(e.task_id) : undefined;
      checks.expect('every charge and refund belongs to a task of its account', task !== undefined && task.account_id === e.account_id, () => `ledger entry ${e.id} (${e.kind} ${e.amount}) → task ${e.task_id}`);
    }
  }
  for (const t of snapshot.tasks) checkTask(t, money.get(t.id), checks);

  const sessionTasks = new Map<string, TaskRow[]>();
  for (const t of snapshot.tasks) {
    if (t.type !== 'session_request' || !t.session_id) continue;
    sessionTasks.set(t.session_id, [...(sessionTasks.get(t.session_id) ?? []), t]);
  }
  for (const s of snapshot.sessions) checkSession(s, sessionTasks.get(s.id) ?? [], money, checks);

  for (const t of snapshot.tasks) {
    const acc = accounts.get(t.account_id);
    if (!acc) continue;
    acc.tasks++;
    const net = netOf(money.get(t.id));
    if (t.type === 'session_create') acc.creationFeesMicros += net;
    if (t.type === 'request') acc.statelessMicros += net;
  }
  for (const s of snapshot.sessions) {
    const acc = accounts.get(s.account_id);
    if (!acc) continue;
    acc.sessions++;
    acc.totalChargedMicros += s.total_charged;
  }
  for (const acc of accounts.values()) {
    checks.expect(
      'Σ charges − Σ refunds = Σ totalCharged + creation fees + stateless tasks (per account)',
      acc.chargeMicros - acc.refundMicros === acc.totalChargedMicros + acc.creationFeesMicros + acc.statelessMicros,
      () => `${acc.accountId}: ${acc.chargeMicros} − ${acc.refundMicros} ≠ ${acc.totalChargedMicros} + ${acc.creationFeesMicros} + ${acc.statelessMicros}`,
    );
  }
  return accounts;
}

function checkAccountLedger(accountId: string, balance: number, entries: LedgerRow[], checks: Checks): AccountLedger {
  const acc: AccountLedger = { accountId, balanceMicros: balance, creditMicros: 0, chargeMicros: 0, refundMicros: 0, adjustmentMicros: 0, totalChargedMicros: 0, creationFeesMicros: 0, statelessMicros: 0, sessions: 0, tasks: 0, ledgerEntries: entries.length };
  let running = 0;
  let chainBreak: string | undefined;
  for (const e of entries) {
    if (e.kind === 'credit') acc.creditMicros += e.amount;
    else if (e.kind === 'charge') acc.chargeMicros += e.amount;
    else if (e.kind === 'refund') acc.refundMicros += e.amount;
    else if (e.kind === 'adjustment') acc.adjustmentMicros += e.amount;
    running += e.kind === 'charge' ? -e.amount : e.amount;
    if (chainBreak === undefined && running !== e.balance_after) chainBreak = `entry ${e.id}: running sum ${running}, balanceAfter ${e.balance_after}`;
    checks.expect('ledger amounts are positive (no adjustments in a load run)', e.amount > 0 && e.kind !== 'adjustment', () => `entry ${e.id}: ${e.kind} ${e.amount}`);
  }
  checks.expect('Σ ledger = balance (per account)', running === balance, () => `${accountId}: Σ ledger ${running}, balance ${balance}`);
  checks.expect('balanceAfter chain is consistent (per account)', chainBreak === undefined, () => `${accountId}: ${chainBreak}`);
  checks.expect('balance never negative', balance >= 0 && entries.every((e) => e.balance_after >= 0), () => `${accountId}: balance ${balance}`);
  return acc;
}

function checkTask(t: TaskRow, m: TaskMoney | undefined, checks: Checks): void {
  checks.expect('no task left processing', t.status !== 'processing', () => `${t.id} (${t.type}, ${t.url})`);
  const charges = m?.charges ?? [];
  const refunds = m?.refunds ?? [];
  const reserved = charges.reduce((s, e) => s + e.amount, 0);
  checks.expect('a charged task has exactly one charge entry', t.price === 0 ? charges.length === 0 : charges.length === 1, () => `${t.id}: ${charges.length} charges for price ${t.price}`);
  checks.expect('history price = charge − refund (per task)', keptPrice(t) === netOf(m), () => `${t.id} (${t.type} ${t.status}): price ${keptPrice(t)}, ledger net ${netOf(m)}`);
  if (t.status === 'completed') {
    checks.expect('a completed task keeps its charge (no refund entry)', refunds.length === 0 && t.refunded === 0, () => `${t.id}: ${refunds.length} refunds, refunded=${t.refunded}`);
  } else if (t.status === 'failed' || t.status === 'timeout') {
    checks.expect('a failed or timed-out task is refunded exactly once, in full', t.refunded === 1 && refunds.length === (reserved > 0 ? 1 : 0) && netOf(m) === 0, () => `${t.id} (${t.status} ${t.error_code}): refunded=${t.refunded}, ${refunds.length} refund entries, net ${netOf(m)}`);
  }
}

function checkSession(s: SessionRow, tasks: TaskRow[], money: Map<string, TaskMoney>, checks: Checks): void {
  const completed = tasks.filter((t) => t.status === 'completed');
  const net = tasks.reduce((sum, t) => sum + netOf(money.get(t.id)), 0);
  checks.expect('session requestCount = its completed session_request tasks', s.request_count === completed.length, () => `${s.id}: requestCount ${s.request_count}, completed tasks ${completed.length}`);
  checks.expect('session totalCharged = Σ (charge − refund) of its session_request tasks', s.total_charged === net, () => `${s.id}: totalCharged ${s.total_charged}, tasks net ${net}`);
  const ended = s.status !== 'active';
  checks.expect(
    'an active session has no endedReason; an ended one has endedReason and an end time',
    ended ? s.ended_reason !== null && s.ended_at !== null && (s.status === 'closed' || s.status === 'expired') : s.ended_reason === null && s.ended_at === null,
    () => `${s.id}: status ${s.status}, endedReason ${s.ended_reason}, endedAt ${s.ended_at}`,
  );
}
