/**
 * The long fuzz run: at least 10,000 generated bad inputs across every endpoint of the real server (started here,
 * with its own database and local target site), each answer checked against the contract, then a health check.
 *
 *   npm run fuzz                                  # 10,000 inputs on SQLite
 *   npx tsx scripts/fuzz.ts --runs 50000 --seed 42
 *   npx tsx scripts/fuzz.ts --pg                  # on PostgreSQL (BBRE_TEST_PG_URL, default 127.0.0.1:5432/test)
 *
 * Prints a markdown summary (per endpoint: inputs, statuses seen, failures) and exits 1 on any broken rule.
 * Bounded: a fixed number of inputs, a timeout on every call, and a watchdog on the whole run.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from '../test/fuzz/fuzz-driver.js';
import { healthAfterRun, MAX_BODY_BYTES, startFuzzFixture } from '../test/fuzz/fuzz-fixture.js';
import { renderFuzzReport } from '../test/fuzz/fuzz-report.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' }, pg: { type: 'boolean', default: false } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npx tsx scripts/fuzz.ts [--runs N] [--seed S] [--pg]\n');
  process.exit(2);
}
const backend = values.pg ? 'postgres' : 'sqlite';
const log = (message: string) => process.stderr.write(`[fuzz] ${message}\n`);

// A generous bound (most runs take well under 10 ms per input): past it the run is stuck, not slow.
const watchdog = setTimeout(() => {
  log('watchdog: the run did not finish in time');
  process.exit(3);
}, 5 * 60_000 + runs * 100);
watchdog.unref();

log(`starting the server on ${backend}`);
const fixture = await startFuzzFixture(backend);
let exitCode = 1;
try {
  log(`${runs} inputs, seed ${seed}`);
  const run = await runFuzz(fixture.ctx, {
    numRuns: runs,
    seed,
    stopOnFailure: false,
    maxBodyBytes: MAX_BODY_BYTES,
    onProgress: (f) => log(`${f.inputs}/${runs} inputs, ${f.failureCount} broken rules`),
  });
  const health = await healthAfterRun(fixture);
  if (run.details.failed) health.push(`the property itself failed: ${String(run.details.errorInstance)}`);
  const args = process.argv.slice(2).join(' ');
  process.stdout.write(`${renderFuzzReport(run.figures, { command: `npx tsx scripts/fuzz.ts${args ? ` ${args}` : ''}`, backend, seed, durationMs: run.durationMs, health })}\n`);
  exitCode = run.figures.failureCount === 0 && health.length === 0 ? 0 : 1;
} finally {
  await fixture.close();
}
process.exit(exitCode);
