import { OUTAGE_GRACE_MS, type CallLog } from './call-log.js';
import type { Checks } from './checks.js';
import type { OutageReport } from './driver.js';
import { CHARGED, isUnavailable, isUnknown, type CallRecord } from './model.js';

/** Within this long after PostgreSQL is back, a charged call must succeed again. */
export const FULL_SERVICE_WITHIN_MS = 15_000;

/** One PostgreSQL outage as the clients and /ready saw it. */
export interface OutageSummary {
  atSecs: number;
  downtimeMs: number;
  /** PostgreSQL back → /ready 200. */
  readyAfterMs?: number;
  /** PostgreSQL back → the first 200 on a charged call started after it. */
  fullServiceAfterMs?: number;
  /** PostgreSQL back → the end of the last call answered 503 (negative: all before the restart). */
  last503AfterMs?: number;
  /** Calls answered (or not) while the outage lasted (stop → /ready 200 + grace), by "status code". */
  answers: Record<string, number>;
  /** Calls that started after the stop and ended before the restart, by "status code". */
  answersWhollyInside: Record<string, number>;
  readyPollsDown: number;
  readyPollsDownUnavailable: number;
}

/** A refusal that needs no money and no work: may be answered from memory while the database is down. */
function freeRefusal(r: CallRecord): boolean {
  return (r.costMicros ?? 0) === 0 && ((r.httpStatus === 400 && r.code === 'SESSION_CLOSED') || (r.httpStatus === 402 && r.code === 'INSUFFICIENT_BALANCE'));
}

function outcome(r: CallRecord): string {
  return isUnknown(r) ? `no answer: ${r.networkError}` : `${r.httpStatus} ${r.code}`;
}

function tally(records: CallRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[outcome(r)] = (out[outcome(r)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/**
 * The outage's own checks: while PostgreSQL is down the clients get 503 SERVICE_UNAVAILABLE (Retry-After,
 * retryable; checked per answer by the call log) and nothing else that needs the database, /ready answers 503
 * with `checks.database: "unavailable"`, then 200, and charged calls succeed again soon after the restart.
 */
export function checkOutages(log: CallLog, outages: OutageReport[], checks: Checks): OutageSummary[] {
  // Calls still pending (endedAt 0) when the drain gave up are reported as such elsewhere.
  const clientCalls = log.records.filter((r) => r.client >= -1 && r.endedAt > 0);
  return outages.map((o) => {
    for (const p of o.readyPollsDown) {
      checks.expect('while PostgreSQL is down, /ready answers 503 with checks.database "unavailable"', p.status === 503 && p.database === 'unavailable', () => `poll at ${(p.startedAt / 1000).toFixed(1)} s: ${p.status} database=${p.database}`);
    }
    checks.expect('/ready was polled while PostgreSQL was down', o.readyPollsDown.length > 0, () => `outage at ${o.atSecs.toFixed(1)} s`);
    checks.expect('/ready answers 200 again after PostgreSQL is back (within 30 s)', o.readyAt !== undefined, () => `outage at ${o.atSecs.toFixed(1)} s: ${o.readyPollsAfter.map((p) => `${p.status}/${p.database}`).slice(-3).join(', ')}`);
    const windowEnd = (o.readyAt ?? o.restartedAt) + OUTAGE_GRACE_MS;
    const during = clientCalls.filter((r) => r.endedAt >= o.stoppedAt && r.startedAt <= windowEnd);
    const inside = clientCalls.filter((r) => r.startedAt >= o.downAt && r.endedAt <= o.restartingAt);
    for (const r of inside) {
      checks.expect(
        'a call made and answered while PostgreSQL was down got 503 SERVICE_UNAVAILABLE (or a free refusal)',
        isUnavailable(r) || freeRefusal(r),
        () => `${r.label} call ${r.seq} at ${(r.startedAt / 1000).toFixed(2)}–${(r.endedAt / 1000).toFixed(2)} s: ${outcome(r)}, cost ${r.costMicros}`,
      );
    }
    const firstOk = clientCalls
      .filter((r) => CHARGED.has(r.endpoint) && r.httpStatus === 200 && r.startedAt >= o.restartedAt)
      .sort((a, b) => a.endedAt - b.endedAt)[0];
    const fullServiceAfterMs = firstOk ? firstOk.endedAt - o.restartedAt : undefined;
    checks.expect(`full service after the outage: a charged call succeeds within ${FULL_SERVICE_WITHIN_MS / 1000} s of the restart`, fullServiceAfterMs !== undefined && fullServiceAfterMs <= FULL_SERVICE_WITHIN_MS, () => `outage at ${o.atSecs.toFixed(1)} s: ${fullServiceAfterMs ?? 'none'} ms`);
    const unavailable = during.filter(isUnavailable);
    const last503 = unavailable.reduce<number | undefined>((m, r) => (m === undefined || r.endedAt > m ? r.endedAt : m), undefined);
    const polls = o.readyPollsDown;
    return {
      atSecs: o.atSecs,
      downtimeMs: o.downtimeMs,
      readyAfterMs: o.readyAt === undefined ? undefined : o.readyAt - o.restartedAt,
      fullServiceAfterMs,
      last503AfterMs: last503 === undefined ? undefined : last503 - o.restartedAt,
      answers: tally(during),
      answersWhollyInside: tally(inside),
      readyPollsDown: polls.length,
      readyPollsDownUnavailable: polls.filter((p) => p.status === 503 && p.database === 'unavailable').length,
    };
  });
}
