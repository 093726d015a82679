import type { CpuShare } from './cpu-usage.js';
import type { MachineInfo } from './machine.js';
import { markdownTable } from './markdown.js';
import { PLAN, QUIET, TARGETS, type Comparison, type MeasuredPhase } from './passive-plan.js';

/** Renders the BENCHMARKS.md section of bench/passive.ts from measured results only. */

/** A target is only judged on undisturbed phases with no failed request: either can push a ratio either way. */
type Outcome = 'pass' | 'fail' | 'inconclusive';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(2);
const signedMs = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(2)}`;
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
const percent = (share: CpuShare | undefined) => (share === undefined ? 'n/a' : `${Math.round(share.percentOfCore)} %`);
const verdictText = (o: Outcome) => (o === 'pass' ? '**PASS**' : o === 'fail' ? '**FAIL**' : '**INCONCLUSIVE** (⚠)');
const failures = (p: MeasuredPhase) => p.errors + p.non2xx;

function outcome(pass: boolean, c: Comparison): Outcome {
  const phases = [c.raw, c.bbre];
  return phases.some((p) => p.disturbed || failures(p) > 0) ? 'inconclusive' : pass ? 'pass' : 'fail';
}

interface Verdict {
  ratio: number;
  addedP50Ms: number;
  ratioOutcome: Outcome;
  p50Outcome: Outcome;
}

function evaluate(c: Comparison): Verdict {
  const ratio = c.bbre.requestsPerSec / c.raw.requestsPerSec;
  const addedP50Ms = c.bbre.latencyMs.p50 - c.raw.latencyMs.p50;
  return { ratio, addedP50Ms, ratioOutcome: outcome(ratio >= TARGETS.minThroughputRatio, c), p50Outcome: outcome(addedP50Ms <= TARGETS.maxAddedP50Ms, c) };
}

/** CPU time of a process per completed request: independent of who the bottleneck was. */
function cpuPerRequestUs(share: CpuShare | undefined, p: MeasuredPhase): number | undefined {
  return share === undefined || p.totalRequests === 0 ? undefined : (share.cpuMs * 1000) / p.totalRequests;
}

const judged = (cs: Comparison[]) => cs.filter((c) => c.concurrency === PLAN.concurrency);
const label = (c: Comparison) => `${c.sensibility}: BBRE vs raw ${c.rawClient}`;

function summaryTable(cs: Comparison[]): string {
  return markdownTable(
    ['Comparison', 'In flight', 'Raw req/s', 'BBRE req/s', 'BBRE / raw', `≥ ${TARGETS.minThroughputRatio * 100} %`, 'Raw p50 ms', 'BBRE p50 ms', 'Added p50 ms', `≤ ${TARGETS.maxAddedP50Ms} ms`],
    cs.map((c) => {
      const v = evaluate(c);
      const isJudged = c.concurrency === PLAN.concurrency;
      return [
        label(c),
        String(c.concurrency),
        int(c.raw.requestsPerSec),
        int(c.bbre.requestsPerSec),
        pct(v.ratio),
        isJudged ? verdictText(v.ratioOutcome) : '(not judged)',
        ms(c.raw.latencyMs.p50),
        ms(c.bbre.latencyMs.p50),
        signedMs(v.addedP50Ms),
        isJudged ? verdictText(v.p50Outcome) : '(not judged)',
      ];
    }),
  );
}

function phaseTable(cs: Comparison[]): string {
  const phases = cs.flatMap((c) => [c.raw, c.bbre]);
  return markdownTable(
    ['Phase', 'Duration', 'Requests', 'Req/s', 'p50 ms', 'p99 ms', 'max ms', 'Errors', 'Non-2xx'],
    phases.map((p) => [p.title, `${p.durationSecs.toFixed(1)} s`, int(p.totalRequests), int(p.requestsPerSec), ms(p.latencyMs.p50), ms(p.latencyMs.p99), ms(p.latencyMs.max), String(p.errors), String(p.non2xx)]),
  );
}

function cpuTable(cs: Comparison[]): string {
  const phases = cs.flatMap((c) => [c.raw, c.bbre]);
  const perRequest = (share: CpuShare | undefined, p: MeasuredPhase) => {
    const us = cpuPerRequestUs(share, p);
    return us === undefined ? 'n/a' : int(us);
  };
  return markdownTable(
    ['Phase', 'BBRE server CPU', 'µs / req', 'Target CPU', 'µs / req', 'Generator CPU', 'µs / req', 'Other load', 'Attempts'],
    phases.map((p) => [
      p.title,
      percent(p.cpu.server),
      perRequest(p.cpu.server, p),
      percent(p.cpu.target),
      perRequest(p.cpu.target, p),
      percent(p.cpu.generator),
      perRequest(p.cpu.generator, p),
      `${percent(p.cpu.other)}${p.disturbed ? ' ⚠' : ''}`,
      String(p.attempts),
    ]),
  );
}

function findings(cs: Comparison[]): string {
  const lines: string[] = [];
  for (const c of judged(cs)) {
    const v = evaluate(c);
    lines.push(
      `- ${label(c)}, ${c.concurrency} in flight: throughput **${pct(v.ratio)}** of raw (${int(c.bbre.requestsPerSec)} / ${int(c.raw.requestsPerSec)} req/s), target ≥ ${TARGETS.minThroughputRatio * 100} %: ${verdictText(v.ratioOutcome)}; added p50 **${signedMs(v.addedP50Ms)} ms** (${ms(c.bbre.latencyMs.p50)} vs ${ms(c.raw.latencyMs.p50)} ms), target ≤ ${TARGETS.maxAddedP50Ms} ms: ${verdictText(v.p50Outcome)}.`,
    );
  }
  for (const c of cs.filter((x) => x.concurrency !== PLAN.concurrency)) {
    const v = evaluate(c);
    lines.push(`- ${label(c)}, one request at a time (no queueing): BBRE adds **${signedMs(v.addedP50Ms)} ms** at p50 and ${signedMs(c.bbre.latencyMs.p99 - c.raw.latencyMs.p99)} ms at p99 to each request.`);
  }
  for (const c of judged(cs)) {
    const serverUs = cpuPerRequestUs(c.bbre.cpu.server, c.bbre);
    if (serverUs !== undefined) lines.push(`- ${c.sensibility}: the BBRE server spends ${int(serverUs)} µs of CPU per proxied request (API request, auth, reserve, outbound request, commit, response), at ${percent(c.bbre.cpu.server)} of a core.`);
  }
  for (const p of cs.flatMap((c) => [c.raw, c.bbre])) {
    if (failures(p) > 0) lines.push(`- ${p.title}: ${p.errors} errors, ${p.non2xx} non-2xx${p.firstError ? ` (${p.firstError})` : ''}; its comparison is not judged.`);
    if (p.disturbed) lines.push(`- ⚠ ${p.title}: other programs used at least ${percent(p.cpu.other)} of a core on all ${p.attempts} attempts (the least disturbed is shown); its comparison is not judged.`);
  }
  return lines.join('\n');
}

function notes(machine: MachineInfo, bodyBytes: number): string {
  return [
    '**Notes**',
    '',
    `- Target: a \`node:http\` server in its own process on 127.0.0.1 answering every GET with the same ${int(bodyBytes)}-byte HTML page (HTTP/1.1 keep-alive, no compression). Raw clients and BBRE fetch the same URL.`,
    `- The machine has ${machine.cpuCount} CPUs and they are shared: in a raw phase the client (this process) and the target compete for them; in a BBRE phase autocannon (this process), the BBRE server (one Node process; its outbound undici or impit client runs inside it) and the target do. A BBRE request costs an API request on top of the target request, so on a machine this small the ratio is bounded by how the CPUs are split, not only by BBRE's own overhead; "µs / req" of the BBRE server is the figure that does not depend on that split.`,
    `- Raw phases: a closed loop of N workers in this process, each sending its next request when the previous one ended (as autocannon does with N connections); latency is request start to last body byte (\`performance.now()\`). Raw undici uses an \`Agent\` like BBRE's (keep-alive 10 s) and a \`low\` session's four headers; raw impit uses \`new Impit({ browser: 'chrome151', followRedirects: false })\` with impit's own Chrome headers. BBRE phases: autocannon with N connections on POST /session/request for one session; latency is autocannon's per-response time. p50 / p99 / max are exact nearest-rank percentiles over every 2xx response.`,
    `- "Added p50" at ${PLAN.concurrency} in flight includes queueing: in a closed loop latency ≈ in-flight / throughput, so it mostly restates the throughput gap. The one-at-a-time rows show the per-request overhead without queueing; they are reported, not judged.`,
    `- Each measured phase (${PLAN.phaseSecs} s) follows a ${PLAN.warmUpSecs} s unrecorded warm-up of the same phase. Each raw phase uses a fresh client; BBRE keeps its pools (and each session its impit client) across phases. Shared machine: each measured phase first waits up to ${QUIET.maxWaitMs / 1000} s for other programs to use less than ${QUIET.maxPercentBeforePhase} % of a core, and is run again (at most ${PLAN.maxAttempts} attempts) when they used more than ${QUIET.maxPercentDuringPhase} % during it; ⚠ marks a phase that never got a quiet machine, and its comparison is INCONCLUSIVE.`,
    `- BBRE: fresh SQLite database, \`BBRE_ALLOW_PRIVATE_TARGETS=true\` (the target is on 127.0.0.1), \`BBRE_MAX_SESSION_TIMEOUT=${PLAN.sessionTimeoutSecs}\` and sessions opened with a ${int(PLAN.sessionTimeoutSecs)} s timeout, log level \`warn\`; the account is created through the CLI with a $${int(PLAN.balanceUsd)} balance and its rate limit raised to 1,000,000 req/s (burst 1,000,000), so neither charging nor the token bucket shapes the numbers. Every request is charged, recorded as a task and commits the session's cookie state, as in production.`,
  ].join('\n');
}

/** The section body (without its heading). */
export function renderPassiveSection(command: string, machine: MachineInfo, bodyBytes: number, cs: Comparison[]): string {
  return [
    `Command: \`${command}\``,
    [
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.cpuCount} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.os}`,
      `- Node ${machine.node}; code at ${machine.revision}`,
      `- Targets at ${PLAN.concurrency} requests in flight: BBRE throughput ≥ ${TARGETS.minThroughputRatio * 100} % of the raw client's; BBRE p50 − raw p50 ≤ ${TARGETS.maxAddedP50Ms} ms`,
    ].join('\n'),
    summaryTable(cs),
    findings(cs),
    phaseTable(cs),
    cpuTable(cs),
    notes(machine, bodyBytes),
  ].join('\n\n');
}
