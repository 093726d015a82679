import type { CpuShare } from './cpu-usage.js';
import type { MachineInfo } from './machine.js';
import { markdownTable } from './markdown.js';
import { PLAN, QUIET, TARGETS, type BackendResult, type MeasuredPhase } from './status-plan.js';

/** Renders the BENCHMARKS.md section of bench/status.ts from measured results only. */

/** A target is only judged on undisturbed phases: foreign load can push a ratio either way. */
type Outcome = 'pass' | 'fail' | 'inconclusive';

interface Verdict {
  ratio: number;
  ratioOutcome: Outcome;
  fixedP99Ms: number;
  p99Outcome: Outcome;
  fixedFailures: number;
}

const outcome = (pass: boolean, phases: MeasuredPhase[]): Outcome => (phases.some((p) => p.disturbed) ? 'inconclusive' : pass ? 'pass' : 'fail');

/** Requests per second over every round of one route: all its completed requests over all its measured time. */
function pooledRate(phases: MeasuredPhase[]): number {
  return phases.reduce((n, p) => n + p.totalRequests, 0) / phases.reduce((t, p) => t + p.durationSecs, 0);
}

const trivialPhases = (r: BackendResult) => r.rounds.map((x) => x.trivial);
const statusPhases = (r: BackendResult) => r.rounds.map((x) => x.status);
/** Max phases in the order they ran (AB BA …). */
const maxPhasesInOrder = (r: BackendResult) => r.rounds.flatMap((x, i) => (i % 2 === 0 ? [x.trivial, x.status] : [x.status, x.trivial]));

function evaluate(r: BackendResult): Verdict {
  const ratio = pooledRate(statusPhases(r)) / pooledRate(trivialPhases(r));
  const fixedP99Ms = r.statusFixed.latencyMs.p99;
  return {
    ratio,
    ratioOutcome: outcome(ratio >= TARGETS.minThroughputRatio, maxPhasesInOrder(r)),
    fixedP99Ms,
    p99Outcome: outcome(fixedP99Ms <= TARGETS.maxP99AtFixedRateMs, [r.statusFixed]),
    fixedFailures: r.statusFixed.errors + r.statusFixed.non2xx,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(2);
const verdictText = (o: Outcome) => (o === 'pass' ? '**PASS**' : o === 'fail' ? '**FAIL**' : '**INCONCLUSIVE** (disturbed phase, see ⚠)');
const percent = (share: CpuShare | undefined) => (share === undefined ? 'n/a' : `${Math.round(share.percentOfCore)} %`);
const loadOf = (r: MeasuredPhase) => (r.spec.overallRate === undefined ? 'max' : `${int(r.spec.overallRate)} req/s`);
const routeOf = (r: MeasuredPhase) => r.spec.title.split(',')[0]!;

/** Server CPU time per completed request: independent of who the bottleneck was. */
function serverCpuPerRequestUs(r: MeasuredPhase): number | undefined {
  return r.cpu.server === undefined || r.totalRequests === 0 ? undefined : (r.cpu.server.cpuMs * 1000) / r.totalRequests;
}

/** The same over several phases of one route. */
function pooledServerCpuPerRequestUs(phases: MeasuredPhase[]): number | undefined {
  if (phases.some((p) => p.cpu.server === undefined)) return undefined;
  const requests = phases.reduce((n, p) => n + p.totalRequests, 0);
  return requests === 0 ? undefined : (phases.reduce((t, p) => t + p.cpu.server!.cpuMs, 0) * 1000) / requests;
}

function latencyTable(phases: MeasuredPhase[]): string {
  return markdownTable(
    ['Route', 'Load', 'Conns', 'Duration', 'Requests', 'Req/s', 'p50 ms', 'p99 ms', 'max ms', 'autocannon p50 / p99 ms', 'Errors', 'Non-2xx'],
    phases.map((r) => [
      routeOf(r),
      loadOf(r),
      String(r.spec.connections),
      `${r.durationSecs.toFixed(1)} s`,
      int(r.totalRequests),
      int(r.requestsPerSec),
      ms(r.latencyMs.p50),
      ms(r.latencyMs.p99),
      ms(r.latencyMs.max),
      `${r.autocannonLatencyMs.p50} / ${r.autocannonLatencyMs.p99}`,
      String(r.errors),
      String(r.non2xx),
    ]),
  );
}

function cpuTable(phases: MeasuredPhase[], databaseLabel: string | undefined): string {
  const headers = ['Route', 'Load', 'Server CPU', 'Server CPU µs / request', 'Load generator CPU', ...(databaseLabel ? [`${databaseLabel} CPU`] : []), 'Other load', 'Attempts'];
  const rows = phases.map((r) => {
    const perRequest = serverCpuPerRequestUs(r);
    return [
      routeOf(r),
      loadOf(r),
      percent(r.cpu.server),
      perRequest === undefined ? 'n/a' : int(perRequest),
      percent(r.cpu.generator),
      ...(databaseLabel ? [percent(r.cpu.database)] : []),
      `${percent(r.cpu.other)}${r.disturbed ? ' ⚠' : ''}`,
      String(r.attempts),
    ];
  });
  return markdownTable(headers, rows);
}

function findings(r: BackendResult, v: Verdict): string {
  const trivialUs = pooledServerCpuPerRequestUs(trivialPhases(r));
  const statusUs = pooledServerCpuPerRequestUs(statusPhases(r));
  const phases = [...maxPhasesInOrder(r), r.statusFixed];
  const perRound = r.rounds.map((x) => `${((x.status.requestsPerSec / x.trivial.requestsPerSec) * 100).toFixed(1)} %`).join(', ');
  return [
    `- Throughput ratio status / trivial: **${(v.ratio * 100).toFixed(1)} %** (${int(pooledRate(statusPhases(r)))} / ${int(pooledRate(trivialPhases(r)))} req/s over ${r.rounds.length} rounds of each); target ≥ ${TARGETS.minThroughputRatio * 100} %: ${verdictText(v.ratioOutcome)}. Round by round: ${perRound}.`,
    `- p99 at ${int(PLAN.fixedRate)} req/s: **${ms(v.fixedP99Ms)} ms** (achieved ${int(r.statusFixed.requestsPerSec)} req/s, ${v.fixedFailures} errors + non-2xx); target ≤ ${TARGETS.maxP99AtFixedRateMs} ms: ${verdictText(v.p99Outcome)}.`,
    ...(trivialUs !== undefined && statusUs !== undefined
      ? [`- Server CPU per request: status ${int(statusUs)} µs vs trivial ${int(trivialUs)} µs (${(statusUs / trivialUs).toFixed(1)}×).`]
      : []),
    `- At the fixed rate, the responses of each second arrived within a median window of ${int(r.statusFixed.medianBusyMsPerSecond)} ms (see the pacing note).`,
    ...phases.filter((p) => p.non2xx > 0).map((p) => `- ${p.spec.title}: status codes ${JSON.stringify(p.statusCodes)}.`),
    ...phases.filter((p) => p.disturbed).map((p) => `- ⚠ ${p.spec.title}: other programs used at least ${percent(p.cpu.other)} of a core on all ${p.attempts} attempts (the least disturbed is shown); targets that depend on it are not judged.`),
  ].join('\n');
}

function renderBackend(r: BackendResult): string {
  const phases = [...maxPhasesInOrder(r), r.statusFixed];
  const databaseLabel = r.database.processCommand === undefined ? undefined : r.database.label;
  return [`### ${r.database.label}`, `${r.database.description}.`, latencyTable(phases), cpuTable(phases, databaseLabel), findings(r, evaluate(r))].join('\n\n');
}

function renderSummary(results: BackendResult[]): string {
  const rows = results.map((r) => {
    const v = evaluate(r);
    return [r.database.label, `${(v.ratio * 100).toFixed(1)} %`, verdictText(v.ratioOutcome), `${ms(v.fixedP99Ms)} ms`, verdictText(v.p99Outcome), String(v.fixedFailures)];
  });
  return markdownTable(
    ['Backend', 'status / trivial req/s', `≥ ${TARGETS.minThroughputRatio * 100} %`, `p99 @ ${int(PLAN.fixedRate)} req/s`, `≤ ${TARGETS.maxP99AtFixedRateMs} ms`, 'errors + non-2xx @ fixed rate'],
    rows,
  );
}

function renderNotes(machine: MachineInfo): string {
  return [
    '**Notes**',
    '',
    `- The machine has ${machine.cpuCount} CPUs. autocannon runs in the benchmark's own process and the server in another (and PostgreSQL in its own processes), so load generator, server and database compete for the same cores; the absolute req/s are a lower bound for a dedicated server.`,
    `- CPU columns are percentages of one core, from /proc: the server process (all its threads), this process (autocannon), every \`postgres\` process (other clients of that PostgreSQL included), and the rest of the machine ("Other load", steal time included). A server near 100 % is the bottleneck (Node runs the routes on one thread); a load generator near 100 % means autocannon limited the req/s. "Server CPU µs / request" does not depend on who the bottleneck was, so it is the fairest comparison of the two routes (it still rises when other programs compete for the cores and caches).`,
    `- Shared machine: each measured phase first waits up to ${QUIET.maxWaitMs / 1000} s for other programs to use less than ${QUIET.maxPercentBeforePhase} % of a core, and is run again (at most ${PLAN.maxAttempts} attempts) when they used more than ${QUIET.maxPercentDuringPhase} % during it; "Attempts" counts the runs, ⚠ marks a phase that never got a quiet machine, and a target that depends on such a phase is reported INCONCLUSIVE rather than passed or failed.`,
    '- "p50 / p99 / max ms" are exact percentiles (nearest rank) over the timing autocannon takes of every 2xx response, in fractional milliseconds. The "autocannon" column is its own histogram: whole milliseconds, and at a fixed rate it adds coordinated-omission samples assuming 1 ms between requests (`Math.ceil(1 / rate)` with a per-second rate), which inflates its percentiles; it is shown for reference, the verdicts use the exact values.',
    `- Pacing: autocannon's \`overallRate\` gives each connection a per-second budget (${int(PLAN.fixedRate)} / ${PLAN.fixedRateConnections} connections) that it spends back to back at the start of each second, then idles. The fixed-rate phase is therefore ${PLAN.fixedRateConnections}-way concurrent bursts, not evenly spaced arrivals; its latencies are pessimistic compared with evenly spaced traffic at the same rate.`,
    `- The two routes' max phases (${PLAN.maxPhaseSecs} s each) alternate over ${PLAN.rounds} rounds in the order AB BA AB BA, after a ${PLAN.warmUpSecs} s unrecorded warm-up of each route: the speed of this shared VM drifts during a run, by up to a third between minutes, and the alternation makes a steady drift weigh on both routes alike. The ratio is over all rounds: each route's completed requests over its measured time. The fixed-rate phase follows the last round. The account's rate limit is raised to 1,000,000 req/s (burst 1,000,000) through the CLI, and the session is opened with a ${int(PLAN.sessionTimeoutSecs)} s timeout so it stays active throughout. The server logs at \`warn\`.`,
  ].join('\n');
}

/** The section body (without its heading). */
export function renderStatusSection(command: string, machine: MachineInfo, results: BackendResult[]): string {
  return [
    `Command: \`${command}\``,
    [
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.cpuCount} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.os}`,
      `- Node ${machine.node}; code at ${machine.revision}`,
      `- Targets: status throughput ≥ ${TARGETS.minThroughputRatio * 100} % of the trivial route; p99 ≤ ${TARGETS.maxP99AtFixedRateMs} ms at ${int(PLAN.fixedRate)} req/s`,
    ].join('\n'),
    renderSummary(results),
    ...results.map(renderBackend),
    renderNotes(machine),
  ].join('\n\n');
}
