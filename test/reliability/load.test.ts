import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildrenNow } from '../../bench/lib/server-process.js';
import { BACKENDS, type Backend } from '../support/backends.js';
import { expectLedgerEqualities } from './load/expect-ledger.js';
import { runLoad, type LoadReport } from './load/run-load.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The exact equalities of contract §7.3, from the database (a) and from the clients' records (b), to the micro-dollar. */
function expectExactLedger(r: LoadReport): void {
  expectLedgerEqualities(r);
  // The checks really ran over the load, not over a handful of calls.
  const evaluated = new Map(r.checks.map((c) => [c.name, c.evaluated]));
  for (const name of [
    'no task left processing',
    'history price = charge − refund (per task)',
    'session requestCount = the 200 answers the clients got on it (+ settled unanswered calls)',
    'each answered call kept exactly its X-BBRE-Cost in the ledger',
  ]) {
    expect(evaluated.get(name), name).toBeGreaterThan(50);
  }
}

function outcomes(r: LoadReport): Map<string, number> {
  return new Map(r.stats.outcomes.map((o) => [o.outcome, o.calls]));
}

describe('load with an exact ledger', () => {
  // runLoad stops its servers itself; this only matters when a test times out with a server still running.
  afterAll(() => killAllChildrenNow());

  it('20 clients × 30 s over 4 accounts on SQLite: every charge, refund and counter adds up from both sides', async () => {
    const r = await runLoad({ backend: 'sqlite', durationSecs: 30, clients: 20, accounts: 4, minSessions: 60, seed: 7, repoRoot: REPO_ROOT });
    expectExactLedger(r);
    // The mix really happened: completed and charged, refunded failures, the poor account's refusals, ended sessions.
    const seen = outcomes(r);
    for (const outcome of ['200 OK', '502 TARGET_UNREACHABLE', '504 REQUEST_TIMEOUT', '402 INSUFFICIENT_BALANCE', '400 SESSION_CLOSED']) {
      expect(seen.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
    expect(r.stats.unknown).toBe(0);
    expect(r.recoveredPerStart).toEqual([0]);
    expect(r.tasksByOutcome['session_request completed']).toBeGreaterThan(200);
    expect(r.tasksByOutcome['request timeout REQUEST_TIMEOUT']).toBeGreaterThan(0);
  }, 150_000);

  it.each(BACKENDS)('kill -9 mid-load and restart on the same database (%s): tasks cut are failed and refunded, sessions survive, the ledger is exact', async (backend: Backend) => {
    const r = await runLoad({ backend, durationSecs: 14, clients: 12, accounts: 3, killAtSecs: [5], minSessions: 60, seed: 11, repoRoot: REPO_ROOT });
    expectExactLedger(r);
    expect(r.kills).toHaveLength(1);
    // Six calls were held inside BBRE at the kill; the restart refunded at least those, and the log says exactly how many.
    expect(r.kills[0]!.doomedMarkers).toHaveLength(6);
    expect(r.recoveredPerStart[0]).toBe(0);
    expect(r.recoveredPerStart[1]).toBeGreaterThanOrEqual(6);
    expect((r.tasksByOutcome['request failed SERVICE_UNAVAILABLE'] ?? 0) + (r.tasksByOutcome['session_request failed SERVICE_UNAVAILABLE'] ?? 0)).toBe(r.recoveredPerStart[1]);
    // Passive sessions in use at the kill answered again after the restart.
    expect(r.sessionsSurvivingKills).toBeGreaterThan(0);
    expect(r.sweep.usable).toBe(r.sweep.active);
  }, 150_000);
});
