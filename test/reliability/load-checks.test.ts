import { describe, expect, it } from 'vitest';
import { Checks } from './load/checks.js';
import { reconcileClients } from './load/client-reconcile.js';
import { checkDatabase } from './load/db-invariants.js';
import type { DbSnapshot, LedgerRow } from './load/db-snapshot.js';
import type { CallRecord, LoadAccount } from './load/model.js';

/**
 * The load run's verdict is only worth something if its checks bite: a consistent snapshot passes, and each kind
 * of ledger damage a server bug could cause (double charge, lost refund, counter drift, a stuck task, a phantom
 * charge) fails the check that names it.
 */

const T = 'http://127.0.0.1:1';

function ledgerRow(id: number, kind: string, amount: number, balanceAfter: number, taskId: string | null): LedgerRow {
  return { id, account_id: 'acc_a', kind, amount, balance_after: balanceAfter, task_id: taskId, session_id: null, created_at: id };
}

/** One account with $1: a session (fee 2000), one completed request on it (2000), one failed stateless request (refunded). */
function consistent(): { snapshot: DbSnapshot; records: CallRecord[]; accounts: LoadAccount[]; balances: Map<number, number> } {
  const snapshot: DbSnapshot = {
    accounts: [{ id: 'acc_a', balance: 996_000 }],
    ledger: [
      ledgerRow(1, 'credit', 1_000_000, 1_000_000, null),
      ledgerRow(2, 'charge', 2000, 998_000, 'session_1'),
      ledgerRow(3, 'charge', 2000, 996_000, 'task_1'),
      ledgerRow(4, 'charge', 2000, 994_000, 'task_2'),
      ledgerRow(5, 'refund', 2000, 996_000, 'task_2'),
    ],
    sessions: [{ id: 'session_1', account_id: 'acc_a', status: 'closed', sensibility: 'medium', request_count: 1, total_charged: 2000, ended_reason: 'closed', ended_at: 9 }],
    tasks: [
      { id: 'session_1', account_id: 'acc_a', type: 'session_create', status: 'completed', url: null, session_id: 'session_1', price: 2000, refunded: 0, error_code: null, created_at: 2 },
      { id: 'task_1', account_id: 'acc_a', type: 'session_request', status: 'completed', url: `${T}/page?lc=m1`, session_id: 'session_1', price: 2000, refunded: 0, error_code: null, created_at: 3 },
      { id: 'task_2', account_id: 'acc_a', type: 'request', status: 'failed', url: `${T}/x?lc=m2`, session_id: null, price: 2000, refunded: 1, error_code: 'TARGET_UNREACHABLE', created_at: 4 },
    ],
  };
  const call = (seq: number, r: Partial<CallRecord>): CallRecord => ({ seq, client: 0, account: 0, endpoint: '/session/request', label: 'l', startedAt: seq, endedAt: seq + 1, ...r });
  const records: CallRecord[] = [
    call(1, { endpoint: '/session/create', httpStatus: 200, code: 'OK', costMicros: 2000, sessionId: 'session_1' }),
    call(2, { endpoint: '/session/request', httpStatus: 200, code: 'OK', costMicros: 2000, sessionId: 'session_1', marker: 'm1', taskId: 'task_1' }),
    call(3, { endpoint: '/request/execute', httpStatus: 502, code: 'TARGET_UNREACHABLE', costMicros: 0, marker: 'm2', taskId: 'task_2' }),
  ];
  const accounts: LoadAccount[] = [{ index: 0, id: 'acc_a', key: 'k', initialMicros: 1_000_000, poor: false, topUpsMicros: [] }];
  return { snapshot, records, accounts, balances: new Map([[0, 996_000]]) };
}

function failedChecks(mutate: (s: ReturnType<typeof consistent>) => void): string[] {
  const run = consistent();
  mutate(run);
  const checks = new Checks();
  checkDatabase(run.snapshot, checks);
  reconcileClients(run.records, run.accounts, run.balances, run.snapshot, checks);
  return checks.list().filter((c) => c.failed > 0).map((c) => c.name);
}

describe('the load run checks', () => {
  it('pass on a consistent ledger', () => {
    expect(failedChecks(() => {})).toEqual([]);
  });

  it('catch a double charge', () => {
    expect(
      failedChecks(({ snapshot, balances }) => {
        snapshot.ledger.push(ledgerRow(6, 'charge', 2000, 994_000, 'task_1'));
        snapshot.accounts[0]!.balance = 994_000;
        balances.set(0, 994_000);
      }),
    ).toEqual(
      expect.arrayContaining([
        'a charged task has exactly one charge entry',
        'history price = charge − refund (per task)',
        'Σ X-BBRE-Cost received (+ unanswered calls settled from the database) = credits − final balance (per account)',
      ]),
    );
  });

  it('catch a lost refund and a refund that moved no money', () => {
    expect(failedChecks(({ snapshot }) => void snapshot.ledger.splice(4, 1))).toEqual(
      expect.arrayContaining(['Σ ledger = balance (per account)', 'a failed or timed-out task is refunded exactly once, in full']),
    );
    expect(failedChecks(({ snapshot }) => (snapshot.ledger[4]!.balance_after = 994_000))).toEqual(['balanceAfter chain is consistent (per account)']);
  });

  it('catch counters that drift from the charges and from what the clients were told', () => {
    expect(failedChecks(({ snapshot }) => (snapshot.sessions[0]!.request_count = 2))).toEqual([
      'session requestCount = its completed session_request tasks',
      'session requestCount = the 200 answers the clients got on it (+ settled unanswered calls)',
    ]);
    expect(failedChecks(({ snapshot }) => (snapshot.sessions[0]!.total_charged = 0))).toEqual(
      expect.arrayContaining(['session totalCharged = Σ (charge − refund) of its session_request tasks', 'Σ charges − Σ refunds = Σ totalCharged + creation fees + stateless tasks (per account)']),
    );
  });

  it('catch a task left processing, a phantom task, and a cost header the ledger does not match', () => {
    expect(failedChecks(({ snapshot }) => (snapshot.tasks[2]!.status = 'processing'))).toContain('no task left processing');
    expect(
      failedChecks(({ snapshot }) => {
        snapshot.tasks.push({ id: 'task_3', account_id: 'acc_a', type: 'request', status: 'failed', url: `${T}/x?lc=nobody`, session_id: null, price: 0, refunded: 1, error_code: 'TARGET_UNREACHABLE', created_at: 5 });
      }),
    ).toEqual(['every request task was made by a recorded call (no phantom task)']);
    expect(failedChecks(({ records }) => (records[1]!.costMicros = 1000))).toEqual(
      expect.arrayContaining(['each answered call kept exactly its X-BBRE-Cost in the ledger', 'session totalCharged = Σ X-BBRE-Cost of its 200 answers (+ settled unanswered calls)']),
    );
  });

  it('settle an unanswered call from the database, and refuse an unexplained session', () => {
    expect(
      failedChecks(({ records }) => {
        records[1]!.httpStatus = undefined;
        records[1]!.networkError = 'ECONNRESET';
      }),
    ).toEqual([]);
    expect(
      failedChecks(({ snapshot }) => {
        snapshot.sessions.push({ id: 'session_2', account_id: 'acc_a', status: 'active', sensibility: 'low', request_count: 0, total_charged: 0, ended_reason: null, ended_at: null });
      }),
    ).toContain('sessions in the database = answered creates + at most the unanswered creates');
  });
});
