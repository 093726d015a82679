import type { Kysely } from 'kysely';
import type { BbreApp } from '../../src/app.js';

/**
 * Contract §7.3 invariants for one account, from the database itself:
 * balance = Σcredit + Σrefund + Σadjustment − Σcharge; every ledger row's balanceAfter chain is consistent;
 * Σ totalCharged = Σ charges − Σ refunds of session_request/browser_action tasks;
 * history price = charge − refund per task.
 */
export async function ledgerInvariants(app: BbreApp, accountId: string) {
  const db = (app.store as unknown as { db: Kysely<any> }).db;
  const account = await db.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirstOrThrow();
  const entries = await db.selectFrom('ledger').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
  const sessions = await db.selectFrom('sessions').select(['id', 'total_charged_micros', 'request_count']).where('account_id', '=', accountId).execute();
  const tasks = await db.selectFrom('tasks').selectAll().where('account_id', '=', accountId).execute();
  let computed = 0;
  let chainOk = true;
  const byKind: Record<string, number> = { credit: 0, charge: 0, refund: 0, adjustment: 0 };
  for (const e of entries) {
    const amount = Number(e.amount_micros);
    byKind[e.kind] = (byKind[e.kind] ?? 0) + amount;
    computed += e.kind === 'charge' ? -amount : amount;
    if (computed !== Number(e.balance_after_micros)) chainOk = false;
  }
  const chargesByTask = new Map<string, number>();
  for (const e of entries) {
    if (!e.task_id) continue;
    const signed = e.kind === 'charge' ? Number(e.amount_micros) : e.kind === 'refund' ? -Number(e.amount_micros) : 0;
    chargesByTask.set(e.task_id, (chargesByTask.get(e.task_id) ?? 0) + signed);
  }
  const sessionTaskNet = tasks
    .filter((t) => t.type === 'session_request' || t.type === 'browser_action')
    .reduce((sum, t) => sum + (chargesByTask.get(t.id) ?? 0), 0);
  const priceMismatches = tasks.filter((t) => (Number(t.refunded) === 1 ? 0 : Number(t.price_micros)) !== (chargesByTask.get(t.id) ?? 0)).map((t) => t.id);
  return {
    balanceMicros: Number(account.balance_micros),
    ledgerBalanceMicros: computed,
    chainOk,
    byKind,
    totalChargedMicros: sessions.reduce((s, r) => s + Number(r.total_charged_micros), 0),
    sessionTaskNetMicros: sessionTaskNet,
    requestCount: sessions.reduce((s, r) => s + Number(r.request_count), 0),
    priceMismatches,
    tasks,
    entries,
  };
}
