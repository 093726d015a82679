import { expect } from 'vitest';
import type { LoadReport } from './run-load.js';

/**
 * The exact equalities of contract §7.3 after a load run, from the database (a) and from the clients' records (b),
 * to the micro-dollar, plus every live check and invariant of the run.
 */
export function expectLedgerEqualities(r: LoadReport): void {
  expect(r.violations).toEqual([]);
  for (const { account, db, clients } of r.ledgers) {
    // (a) Σ ledger = balance; Σ charges − Σ refunds = Σ totalCharged + creation fees + stateless tasks.
    expect(db.creditMicros + db.refundMicros - db.chargeMicros).toBe(db.balanceMicros);
    expect(db.chargeMicros - db.refundMicros).toBe(db.totalChargedMicros + db.creationFeesMicros + db.statelessMicros);
    // (b) what the clients were charged (X-BBRE-Cost), plus unanswered calls settled from the database = the balance delta.
    expect(db.creditMicros).toBe(account.initialMicros + account.topUpsMicros.reduce((s, m) => s + m, 0));
    expect(clients.spentMicros).toBe(db.creditMicros - db.balanceMicros);
    expect(clients.answeredMicros + clients.unknownMicros + clients.orphanSessionFeesMicros).toBe(clients.spentMicros);
  }
  for (const c of r.checks) expect(c.failed, c.name).toBe(0);
}
