import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildrenNow } from '../../bench/lib/server-process.js';
import { privatePostgresUnavailable } from './load/private-postgres.js';
import { expectLedgerEqualities } from './load/expect-ledger.js';
import { runLoad } from './load/run-load.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const unavailable = privatePostgresUnavailable();
const title = 'PostgreSQL stopped (immediate) for 4 s under load and started again: 503 with Retry-After meanwhile, full service after, the ledger exact';

describe('PostgreSQL stopped and restarted under load (private cluster)', () => {
  afterAll(() => killAllChildrenNow());

  // The cluster is the test's own (initdb in a temp dir, a free port): the machine's PostgreSQL is never touched.
  (unavailable ? it.skip : it)(unavailable ? `${title} — skipped: ${unavailable}` : title, async () => {
    const r = await runLoad({ backend: 'postgres', privatePostgres: true, pgOutageAtSecs: [5], pgOutageMs: 4_000, durationSecs: 15, clients: 10, accounts: 3, seed: 13, repoRoot: REPO_ROOT });
    // Live checks (every 503 has Retry-After and retryable: true, no 500, no other unexpected code) and every
    // invariant of the exact ledger, including: a call answered 503 kept no charge, no task left processing.
    expectLedgerEqualities(r);
    expect(r.stats.unknown).toBe(0);

    expect(r.outages).toHaveLength(1);
    const o = r.outages[0]!;
    expect(o.downtimeMs).toBeGreaterThanOrEqual(4_000);
    // The clients really met the outage, and only as 503 SERVICE_UNAVAILABLE (or a free refusal) while it lasted.
    expect(o.answers['503 SERVICE_UNAVAILABLE'] ?? 0).toBeGreaterThan(10);
    for (const outcome of Object.keys(o.answersWhollyInside)) expect(['503 SERVICE_UNAVAILABLE', '400 SESSION_CLOSED', '402 INSUFFICIENT_BALANCE']).toContain(outcome);
    for (const outcome of Object.keys(o.answers)) expect(outcome).not.toMatch(/^500 |^no answer/);
    // /ready said so while it lasted, then 200; charged calls succeeded again soon after the restart.
    expect(o.readyPollsDown).toBeGreaterThan(5);
    expect(o.readyPollsDownUnavailable).toBe(o.readyPollsDown);
    expect(o.readyAfterMs).toBeLessThan(10_000);
    expect(o.fullServiceAfterMs).toBeLessThan(10_000);
    const evaluated = new Map(r.checks.map((c) => [c.name, c.evaluated]));
    expect(evaluated.get('a call answered 503 SERVICE_UNAVAILABLE kept no charge (its task, if any, failed and refunded)')).toBeGreaterThan(0);
    expect(evaluated.get('no task left processing')).toBeGreaterThan(50);
  }, 240_000);
});
