/**
 * Load with an exact ledger: a BBRE server child on a fresh database, a local target site, N concurrent clients
 * over several accounts for a bounded time, optional kill -9 / restart of the server, then the ledger verified
 * from the database and from the clients' own records. Loopback only; stops by itself; exit code 1 on any
 * violation.
 *
 *   npx tsx scripts/load.ts [--duration 300] [--clients 50] [--accounts 5] [--pg] [--kill-at 30,90] [--seed 1]
 *                           [--markdown FILE] [--json FILE] [--keep-db] [--nice 10] [--restart-new-port]
 *                           [--pg-private] [--pg-outage-at 20,40] [--pg-outage-secs 4]
 *
 * --pg-private runs PostgreSQL as a private cluster of the run (initdb in a temp dir, a free loopback port; needs
 * the PostgreSQL server binaries, and runuser when run as root); --pg-outage-at (implies --pg --pg-private) stops
 * it with `pg_ctl stop -m immediate` at each S for --pg-outage-secs, then starts it again, while the clients run.
 */
import { writeFileSync } from 'node:fs';
import { loadavg, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from '../bench/lib/machine.js';
import { killAllChildrenNow } from '../bench/lib/server-process.js';
import { formatReport } from '../test/reliability/load/report-format.js';
import { runLoad } from '../test/reliability/load/run-load.js';

const WATCHDOG_SLACK_MS = 10 * 60_000;

function log(line: string): void {
  process.stderr.write(`[load] ${line}\n`);
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '300' },
      clients: { type: 'string', default: '50' },
      accounts: { type: 'string', default: '5' },
      pg: { type: 'boolean', default: false },
      'kill-at': { type: 'string' },
      seed: { type: 'string', default: '1' },
      markdown: { type: 'string' },
      json: { type: 'string' },
      'keep-db': { type: 'boolean', default: false },
      nice: { type: 'string', default: '10' },
      'restart-new-port': { type: 'boolean', default: false },
      'pg-private': { type: 'boolean', default: false },
      'pg-outage-at': { type: 'string' },
      'pg-outage-secs': { type: 'string', default: '4' },
    },
    strict: true,
  });
  const int = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}–${max}, got ${v}`);
    return n;
  };
  const durationSecs = int('duration', values.duration, 1, 3600);
  const killAtSecs = (values['kill-at'] ?? '').split(',').filter(Boolean).map((v) => int('kill-at', v, 1, durationSecs - 1));
  const pgOutageAtSecs = (values['pg-outage-at'] ?? '').split(',').filter(Boolean).map((v) => int('pg-outage-at', v, 1, durationSecs - 1));
  const privatePostgres = values['pg-private'] || pgOutageAtSecs.length > 0;
  return {
    durationSecs,
    clients: int('clients', values.clients, 1, 500),
    accounts: int('accounts', values.accounts, 1, 100),
    backend: values.pg || privatePostgres ? ('postgres' as const) : ('sqlite' as const),
    killAtSecs,
    privatePostgres,
    pgOutageAtSecs,
    pgOutageMs: int('pg-outage-secs', values['pg-outage-secs'], 1, 300) * 1000,
    seed: int('seed', values.seed, 0, 2 ** 31),
    markdown: values.markdown,
    json: values.json,
    keepDatabase: values['keep-db'],
    niceness: int('nice', values.nice, 0, 19),
    restartOnNewPort: values['restart-new-port'],
  };
}

async function main(): Promise<number> {
  const opts = parseOptions();
  const command = `npx tsx scripts/load.ts ${process.argv.slice(2).join(' ')}`.trim();
  // A first Ctrl-C ends the load early and still verifies; a second one kills the children and leaves.
  const interrupt = new AbortController();
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) {
      killAllChildrenNow();
      process.exit(130);
    }
    log('SIGINT: stopping the clients, then verifying (Ctrl-C again to abort)');
    interrupt.abort();
  });
  process.on('exit', killAllChildrenNow);
  setTimeout(() => {
    log('watchdog: the run did not finish, killing the server');
    killAllChildrenNow();
    process.exit(1);
  }, opts.durationSecs * 1000 + WATCHDOG_SLACK_MS).unref();
  if (opts.niceness > 0) setPriority(opts.niceness);

  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  const machine = describeMachine(repoRoot);
  const startedAt = new Date();
  const loadBefore = loadavg()[0]!;
  const report = await runLoad({ ...opts, repoRoot, progress: log, signal: interrupt.signal });
  const markdown = formatReport(report, command, [
    `Date: ${startedAt.toISOString().slice(0, 16)}Z`,
    `Machine: ${machine.cpuCount} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM; ${machine.os}; Node ${machine.node}; code at ${machine.revision}`,
    `Shared machine: 1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end; the server child and the load generator ran at nice ${opts.niceness}`,
  ]);
  process.stdout.write(`${markdown}\n`);
  if (opts.markdown) writeFileSync(opts.markdown, `${markdown}\n`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2));
  log(report.ok ? 'all invariants hold' : `${report.violations.length} violation(s)`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
