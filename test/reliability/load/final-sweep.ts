import type { CallLog } from './call-log.js';
import type { Checks } from './checks.js';
import { REQUEST_MICROS, usdToMicros, type LoadAccount, type Sensibility } from './model.js';
import { Random } from './random.js';
import { ClientContext, EXPECTED, scenarioRequest, type Targets } from './scenarios.js';

const PROBE_CONCURRENCY = 8;

export interface SweepResult {
  /** Sessions still active after the load (left to expire, orphaned by a kill, or the doomed one). */
  active: number;
  /** Of those, how many answered a request (the rest are failures of the check). */
  usable: number;
  closed: number;
}

/**
 * After the load: every session still active must be usable (a request on it works, also after a restart) and
 * closable. Each is probed once, then closed; the final balance is read through the API.
 */
export async function finalSweep(log: CallLog, accounts: LoadAccount[], targets: Targets, checks: Checks): Promise<{ sweep: SweepResult; balances: Map<number, number> }> {
  const sweep: SweepResult = { active: 0, usable: 0, closed: 0 };
  const balances = new Map<number, number>();
  const rng = new Random(0x5eed);
  for (const a of accounts) {
    const ctx = new ClientContext(-2, a, log, rng, targets, () => false, false, `f${a.index}`);
    const active = await listActive(ctx);
    sweep.active += active.length;
    for (let i = 0; i < active.length; i += PROBE_CONCURRENCY) {
      await Promise.all(active.slice(i, i + PROBE_CONCURRENCY).map((s) => probeAndClose(ctx, s, sweep, checks)));
    }
    const balance = await log.call({ client: -2, account: a.index, key: a.key, endpoint: '/account/balance', label: 'account/balance', body: {} });
    if (ctx.judge(balance, { status: 200, code: 'OK' }, 0) === 'as-expected') balances.set(a.index, usdToMicros(balance.body.balance));
  }
  return { sweep, balances };
}

async function listActive(ctx: ClientContext): Promise<Array<{ id: string; sensibility: Sensibility }>> {
  const out: Array<{ id: string; sensibility: Sensibility }> = [];
  for (let offset = 0; ; offset += 100) {
    const res = await ctx.log.call({ client: -2, account: ctx.account.index, key: ctx.account.key, endpoint: '/account/sessions', label: 'account/sessions', body: { status: 'active', limit: 100, offset } });
    if (ctx.judge(res, { status: 200, code: 'OK' }, 0) !== 'as-expected') return out;
    for (const s of res.body.sessions) out.push({ id: s.id, sensibility: s.sensibility });
    if (!res.body.pagination.hasMore) return out;
  }
}

async function probeAndClose(ctx: ClientContext, s: { id: string; sensibility: Sensibility }, sweep: SweepResult, checks: Checks): Promise<void> {
  const marker = ctx.marker();
  const probe = await ctx.log.call({
    client: -2,
    account: ctx.account.index,
    key: ctx.account.key,
    endpoint: '/session/request',
    label: 'final probe session/request',
    body: { sessionId: s.id, url: scenarioRequest(ctx.targets, 'page', marker).url },
    marker,
    sessionId: s.id,
  });
  const usable = ctx.judge(probe, EXPECTED.page, REQUEST_MICROS[s.sensibility]) === 'as-expected';
  if (usable) sweep.usable++;
  checks.expect('every session still active after the load is usable (a request on it answers 200)', usable, () => `${s.id}: ${probe.record.httpStatus} ${probe.record.code}`);
  const close = await ctx.log.call({ client: -2, account: ctx.account.index, key: ctx.account.key, endpoint: '/session/close', label: 'final session/close', body: { sessionId: s.id }, sessionId: s.id });
  if (ctx.judge(close, { status: 200, code: 'OK' }, 0) === 'as-expected') sweep.closed++;
}
