import { summarise, type LatencySummary } from './load-phase.js';
import type { MachineInfo } from './machine.js';
import { markdownTable } from './markdown.js';
import { samePids } from './process-tree.js';
import { PLAN, QUIET, TARGETS, type CallOutcome, type ConcurrencyResult, type CreateSeries, type MemoryPoint, type MemorySeries, type RunResults, type SingleSessionRound } from './adaptive-plan.js';

/** Renders the BENCHMARKS.md section of bench/adaptive.ts from measured results only. */

export type Outcome = 'pass' | 'fail' | 'inconclusive';

const ms = (n: number) => n.toFixed(1);
const mib = (kib: number) => (kib / 1024).toFixed(1);
const ratio = (n: number) => `${n.toFixed(2)}×`;
const verdictText = (o: Outcome) => (o === 'pass' ? '**PASS**' : o === 'fail' ? '**FAIL**' : '**INCONCLUSIVE** (⚠)');
const judge = (pass: boolean, disturbed: boolean): Outcome => (disturbed ? 'inconclusive' : pass ? 'pass' : 'fail');
const otherLoad = (p: { cpu: { other?: { percentOfCore: number } } }) => (p.cpu.other === undefined ? 'n/a' : `${Math.round(p.cpu.other.percentOfCore)} %`);
const attempts = (p: { attempts: number; disturbed: boolean }) => `${p.attempts}${p.disturbed ? ' ⚠' : ''}`;
const policyText = (s: CreateSeries) => (s.policy === 'default' ? 'default (private targets refused: connect guard on)' : 'private targets allowed (no connect guard)');

interface CreateVerdict {
  p50Ratio: number;
  p99Ratio: number;
  p50: Outcome;
  p99: Outcome;
}

function evaluateCreate(s: CreateSeries): CreateVerdict {
  const p50Ratio = s.bbre.p50 / s.raw.p50;
  const p99Ratio = s.bbre.p99 / s.raw.p99;
  return { p50Ratio, p99Ratio, p50: judge(p50Ratio <= TARGETS.maxCreateRatio, s.disturbed), p99: judge(p99Ratio <= TARGETS.maxCreateRatio, s.disturbed) };
}

/** PSS the sessions added over the baseline, per session: total, and the anonymous (heap) part. */
function perSession(series: { baseline: MemoryPoint }, p: MemoryPoint): { pss: number; pssAnon: number } {
  return { pss: (p.memoryKiB.pss - series.baseline.memoryKiB.pss) / p.sessions, pssAnon: (p.memoryKiB.pssAnon - series.baseline.memoryKiB.pssAnon) / p.sessions };
}

/**
 * Other programs' Chromium that came or went between the baseline and the point changes how much of the shared
 * binary counts as ours, by far more than a session's own memory, and so does one of the server's own browsers
 * launched or closed in between: such a point is not judged.
 */
const browsersRunning = (p: MemoryPoint) => p.byType.browser?.processes ?? 0;
const memoryDisturbed = (series: { baseline: MemoryPoint }, p: MemoryPoint) =>
  !samePids(series.baseline.foreignPids, p.foreignPids) || !series.baseline.settled || !p.settled || browsersRunning(series.baseline) !== browsersRunning(p);
const foreignText = (p: MemoryPoint) => String(p.foreignPids.filter((pid) => pid > 0).length);

/**
 * A single-session round: what the open session added over the same server without it, taken as the mean of the
 * snapshots just before it opened and just after it closed. Chromium keeps returning memory of earlier sessions
 * for minutes, a little at a time; the mean cancels that drift where either side alone would carry it.
 */
const withoutKiB = (r: SingleSessionRound) => (r.before.memoryKiB.pss + r.closed.memoryKiB.pss) / 2;
const roundKiB = (r: SingleSessionRound) => r.open.memoryKiB.pss - withoutKiB(r);
const roundDisturbed = (r: SingleSessionRound) => memoryDisturbed({ baseline: r.before }, r.open) || memoryDisturbed({ baseline: r.closed }, r.open);

/** The median (the upper one of an even count). */
const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** The median round's figure, over every round. */
function singleSession(m: MemorySeries): { medianKiB: number } {
  return { medianKiB: medianOf(m.singles.map(roundKiB)) };
}

/**
 * The verdict on the median of `rounds` against `limit` (pass when at most the limit). A disturbed round's figure is
 * not trusted either way, so the verdict is the one that holds whatever those rounds measured: PASS when the median
 * passes even with every disturbed round far above the limit, FAIL when it fails even with all of them far below;
 * INCONCLUSIVE when they decide it.
 */
export function medianVerdict(rounds: ReadonlyArray<{ value: number; disturbed: boolean }>, limit: number): Outcome {
  const bound = (disturbedAs: number) => medianOf(rounds.map((r) => (r.disturbed ? disturbedAs : r.value)));
  if (bound(Infinity) <= limit) return 'pass';
  if (bound(-Infinity) > limit) return 'fail';
  return 'inconclusive';
}

function singleOutcome(m: MemorySeries): Outcome {
  return medianVerdict(m.singles.map((r) => ({ value: roundKiB(r) / 1024, disturbed: roundDisturbed(r) })), TARGETS.maxIdleSessionMiB);
}

function memoryOutcome(series: MemorySeries, p: MemoryPoint): Outcome {
  return judge(perSession(series, p).pss / 1024 <= TARGETS.maxIdleSessionMiB, memoryDisturbed(series, p));
}

const failed = (calls: CallOutcome[]) => calls.filter((c) => !c.ok);
const concurrencyErrors = (c: ConcurrencyResult) => failed(c.creates).length + failed(c.requests).length;

function concurrencyOutcome(c: ConcurrencyResult): Outcome {
  const errors = concurrencyErrors(c);
  // Zero errors on a disturbed machine is still zero errors; errors on one may be the neighbour's doing.
  return errors <= TARGETS.maxConcurrencyErrors ? 'pass' : c.disturbed ? 'inconclusive' : 'fail';
}

/** Over the successful calls only. */
const summariseLatency = (calls: CallOutcome[]) => summarise(calls.filter((c) => c.ok).map((c) => c.ms));
const lat = (l: LatencySummary) => `p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms, max ${ms(l.max)} ms`;

function errorBreakdown(calls: CallOutcome[]): string {
  const counts = new Map<string, number>();
  for (const c of failed(calls)) counts.set(c.error ?? 'unknown', (counts.get(c.error ?? 'unknown') ?? 0) + 1);
  return counts.size === 0 ? 'none' : [...counts].map(([e, n]) => `${n} × ${e}`).join('; ');
}

function summaryTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const s of r.create) {
    const v = evaluateCreate(s);
    const label = `create ${s.sensibility}, ${s.policy === 'default' ? 'default policy' : 'private targets allowed'}`;
    rows.push([`${label}, p50`, `${ratio(v.p50Ratio)} (BBRE ${ms(s.bbre.p50)} ms / raw ${ms(s.raw.p50)} ms)`, `≤ ${TARGETS.maxCreateRatio}×`, verdictText(v.p50)]);
    rows.push([`${label}, p99`, `${ratio(v.p99Ratio)} (BBRE ${ms(s.bbre.p99)} ms / raw ${ms(s.raw.p99)} ms)`, `≤ ${TARGETS.maxCreateRatio}×`, verdictText(v.p99)]);
  }
  for (const m of r.memory) {
    rows.push([`PSS per idle ${m.sensibility} session, 1 open (median of ${m.singles.length} rounds)`, `${mib(singleSession(m).medianKiB)} MiB`, `≤ ${TARGETS.maxIdleSessionMiB} MiB`, verdictText(singleOutcome(m))]);
    for (const p of m.points) rows.push([`PSS per idle ${m.sensibility} session, ${p.sessions} open`, `${mib(perSession(m, p).pss)} MiB`, `≤ ${TARGETS.maxIdleSessionMiB} MiB`, verdictText(memoryOutcome(m, p))]);
  }
  const c = r.concurrency;
  rows.push([
    `${c.sessions} concurrent ${c.sensibility} sessions, create + request errors`,
    `${concurrencyErrors(c)} (all done in ${(c.totalMs / 1000).toFixed(1)} s; requests ${lat(summariseLatency(c.requests))})`,
    `${TARGETS.maxConcurrencyErrors}`,
    verdictText(concurrencyOutcome(c)),
  ]);
  return markdownTable(['Measurement', 'Measured', 'Target', 'Verdict'], rows);
}

function createTable(r: RunResults): string {
  return markdownTable(
    ['Sensibility', 'Target policy', 'Raw p50 ms', 'Raw p99 ms', 'BBRE p50 ms', 'BBRE p99 ms', 'p50 ratio', 'p99 ratio', 'Raw close p50 ms', 'BBRE close p50 ms', 'Other load', 'Attempts'],
    r.create.map((s) => {
      const v = evaluateCreate(s);
      return [s.sensibility, policyText(s), ms(s.raw.p50), ms(s.raw.p99), ms(s.bbre.p50), ms(s.bbre.p99), ratio(v.p50Ratio), ratio(v.p99Ratio), ms(s.rawCloseMs.p50), ms(s.bbreCloseMs.p50), otherLoad(s), attempts(s)];
    }),
  );
}

/** The open sessions' viewports, widest first: `1912×943 ×3, 1358×631 ×1`. */
function viewportText(p: MemoryPoint): string {
  if (!p.viewports) return '-';
  const width = (v: string) => Number(v.split('×')[0]) || 0;
  return Object.entries(p.viewports)
    .sort(([a], [b]) => width(b) - width(a))
    .map(([v, n]) => `${v} ×${n}`)
    .join(', ');
}

function memoryTable(m: MemorySeries): string {
  const row = (label: string, p: MemoryPoint, judged: boolean) => {
    const per = p.sessions > 0 && judged ? perSession(m, p) : undefined;
    const delta = p.memoryKiB.pss - m.baseline.memoryKiB.pss;
    return [
      label,
      String(p.processes),
      mib(p.memoryKiB.pss),
      mib(p.memoryKiB.pssAnon),
      `${delta >= 0 ? '+' : '−'}${mib(Math.abs(delta))}`,
      per ? mib(per.pss) : '-',
      per ? mib(per.pssAnon) : '-',
      `${foreignText(p)}${p.settled ? '' : ' (not settled)'}`,
      viewportText(p),
      per ? verdictText(memoryOutcome(m, p)) : '-',
    ];
  };
  return markdownTable(
    ['Open sessions', 'Chromium processes', 'PSS MiB', 'of which anonymous MiB', 'PSS Δ vs baseline MiB', 'PSS per session MiB', 'anonymous per session MiB', 'Foreign Chromium processes', 'Viewports of the open sessions', `≤ ${TARGETS.maxIdleSessionMiB} MiB`],
    [row('0 (baseline)', m.baseline, false), ...m.points.map((p) => row(String(p.sessions), p, true)), row('0 (all closed again)', m.afterClose, false)],
  );
}

function singlesTable(m: MemorySeries): string {
  const rows = m.singles.map((r, i) => [
    String(i + 1),
    viewportText(r.open),
    mib(r.before.memoryKiB.pss),
    mib(r.open.memoryKiB.pss),
    mib(r.closed.memoryKiB.pss),
    mib(roundKiB(r)),
    `${foreignText(r.before)} / ${foreignText(r.open)} / ${foreignText(r.closed)}${r.before.settled && r.open.settled && r.closed.settled ? '' : ' (not settled)'}`,
  ]);
  const { medianKiB } = singleSession(m);
  return [
    markdownTable(['Round', 'Viewport', 'PSS before MiB', 'PSS open MiB', 'PSS closed again MiB', 'PSS of the session MiB', 'Foreign Chromium processes (before / open / closed)'], rows),
    '',
    `One session: median **${mib(medianKiB)} MiB** over ${m.singles.length} rounds; target ≤ ${TARGETS.maxIdleSessionMiB} MiB: ${verdictText(singleOutcome(m))}.`,
  ].join('\n');
}

/** Where the PSS that `point`'s sessions added over `baseline` went, per session and per Chromium role. */
function breakdown(baseline: MemoryPoint, point: MemoryPoint): string {
  const none = { processes: 0, pssKiB: 0 };
  const parts = [...new Set([...Object.keys(baseline.byType), ...Object.keys(point.byType)])]
    .map((type) => {
      const before = baseline.byType[type] ?? none;
      const after = point.byType[type] ?? none;
      return { type, processes: after.processes - before.processes, perSessionKiB: (after.pssKiB - before.pssKiB) / point.sessions };
    })
    .sort((a, b) => b.perSessionKiB - a.perSessionKiB);
  const text = parts.map((p) => `${p.type} ${p.perSessionKiB >= 0 ? '' : '−'}${mib(Math.abs(p.perSessionKiB))}${p.processes === 0 ? '' : ` (${p.processes > 0 ? '+' : '−'}${Math.abs(p.processes)} processes)`}`);
  return `per session, in MiB, by Chromium process role: ${text.join(', ')}; browser processes running: ${baseline.byType.browser?.processes ?? 0}`;
}

function concurrencySection(c: ConcurrencyResult): string {
  const loadedPer = (c.loaded.memoryKiB.pss - c.baseline.memoryKiB.pss) / Math.max(1, c.loaded.sessions);
  return [
    `- ${c.sessions} \`${c.sensibility}\` sessions created at once, each followed by one POST /session/request to the local target as soon as it exists; then all closed at once.`,
    `- Total, first create sent → last request answered: **${(c.totalMs / 1000).toFixed(2)} s**.`,
    `- Creates: ${c.creates.length - failed(c.creates).length} / ${c.creates.length} succeeded; ${lat(summariseLatency(c.creates))}. Failures: ${errorBreakdown(c.creates)}.`,
    `- Requests: ${c.requests.length - failed(c.requests).length} / ${c.requests.length} succeeded; **${lat(summariseLatency(c.requests))}**. Failures: ${errorBreakdown(c.requests)}.`,
    `- Errors (failed creates + failed requests): **${concurrencyErrors(c)}**; target ${TARGETS.maxConcurrencyErrors}: ${verdictText(concurrencyOutcome(c))}.`,
    `- Close all: ${(c.closeAllMs / 1000).toFixed(2)} s, ${failed(c.closes).length} failed (${errorBreakdown(c.closes)}).`,
    `- Chromium: ${c.baseline.processes} processes, PSS ${mib(c.baseline.memoryKiB.pss)} MiB before; ${c.loaded.processes} processes, PSS ${mib(c.loaded.memoryKiB.pss)} MiB with ${c.loaded.sessions} sessions open on the loaded page (${mib(loadedPer)} MiB per session); ${c.afterClose.processes} processes, PSS ${mib(c.afterClose.memoryKiB.pss)} MiB after closing them all. Foreign Chromium processes at the three snapshots: ${foreignText(c.baseline)}, ${foreignText(c.loaded)}, ${foreignText(c.afterClose)}.`,
    `- Where the PSS of the open sessions went (${breakdown(c.baseline, c.loaded)}).`,
    `- CPU during the burst: ours (server, its Chromium, this process, the target) ${Math.round(c.cpu.ours.percentOfCore)} % of a core; other programs ${otherLoad(c)}; attempts ${attempts(c)}.`,
  ].join('\n');
}

export function renderAdaptiveSection(command: string, machine: MachineInfo, r: RunResults): string {
  const memory = r.memory
    .map((m) => {
      const last = m.points[m.points.length - 1]!;
      return `#### \`${m.sensibility}\`\n\n${singlesTable(m)}\n\n${memoryTable(m)}\n\nAt ${last.sessions} open sessions, ${breakdown(m.baseline, last)}.`;
    })
    .join('\n\n');
  return `Command: \`${command}\`

- Date: ${new Date().toISOString()}
- Machine: ${machine.cpuCount} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.os}
- Node ${machine.node}; code at ${machine.revision}
- Chromium ${r.chromiumVersion} (\`${r.chromiumPath}\`), headless; the raw side launches the same binary with the same \`chromiumArgs()\` and launch options as the pool
- Targets: session create ≤ ${TARGETS.maxCreateRatio}× raw \`browser.newContext()\` + \`newPage()\` (p50 and p99); ≤ ${TARGETS.maxIdleSessionMiB} MiB PSS per idle session with 1 (median of ${PLAN.singleSessionRounds} rounds), ${PLAN.memorySteps.join(', ')} open sessions; ${PLAN.concurrentSessions} concurrent sessions with ${TARGETS.maxConcurrencyErrors} errors

${summaryTable(r)}

### a. Session create latency

${PLAN.createSamples} sequential creates per row, each followed by a close, after ${PLAN.createWarmUp} unrecorded ones of each kind. BBRE: POST /session/create \`{mode: 'adaptive', sensibility}\` timed from this process (request sent → answer read), then POST /session/close. Raw: \`browser.newContext()\` + \`context.newPage()\` on a browser this script launched, then \`context.close()\`. The two alternate (raw first on even samples, BBRE first on odd ones). Beyond the raw pair, a BBRE create authenticates the key, writes the session row and charges the fee (SQLite), opens the context with the session profile's options (its viewport, screen, timezone, service workers allowed), under the default policy opens the context's connect guard first (a SOCKS5 listener on 127.0.0.1 that the context uses as its proxy), and for \`medium\` sets the client-hints identity over a CDP session on the new page; the raw context gets Playwright's defaults (1280×720 viewport).

${createTable(r)}

### b. Memory per idle session

Sum of PSS (\`/proc/<pid>/smaps_rollup\`) of every Chromium process descended from the server process, minus the baseline (the flavor's browser running with its standby page, the one blank 500×100 page every pooled browser keeps in a context of its own; one session created and closed; nothing open), divided by the open sessions. Idle: created, page on \`about:blank\` at the profile's viewport (a window as wide as the screen), never navigated. Default profiles draw their screen from 1920×1080 (6 in 13), 1536×864 (3), 1366×768 (3) and 2560×1440 (1), and a session's window (GPU surface and browser-side bitmaps) grows with it: about 19 MiB per session on a 1366×768 screen, 21 MiB on 1920×1080 and 28 MiB on 2560×1440 (see the section "Adaptive session memory by window size"), so a step's figure depends on the screens drawn (the table lists the viewports open at each step). First, per sensibility, one session is opened, measured, closed and measured again ${PLAN.singleSessionRounds} times; each round's figure is the open snapshot minus the mean of the snapshots just before it opened and just after it closed (Chromium returns memory of earlier sessions for minutes, a little at a time: the mean cancels that drift), and the median round is judged: a single session's figure is the difference of two sums of several hundred MiB, and a heap that grew a step or a cache that was not yet trimmed lands on it whole. A round whose snapshots did not settle (or saw a browser or a foreign Chromium process come or go) is marked "not settled" and decides nothing: the verdict is the one the median gives whatever such rounds measured, and INCONCLUSIVE when they could tip it. Then sessions are opened one after another and left open between the steps ${PLAN.memorySteps.join(' and ')}.

${memory}

### c. ${PLAN.concurrentSessions} concurrent sessions

${concurrencySection(r.concurrency)}

**Notes**

- Server: \`node bin/bbre.js serve\` as a child process on 127.0.0.1 with a fresh SQLite file, \`BBRE_MAX_BROWSER_CONTEXTS=${PLAN.maxBrowserContexts}\`, \`BBRE_MAX_SESSIONS_PER_ACCOUNT=${PLAN.maxSessionsPerAccount}\`, \`BBRE_MAX_SESSION_TIMEOUT=${PLAN.sessionTimeoutSecs}\`, \`BBRE_BROWSER_RETIRE_AFTER=${PLAN.browserRetireAfter}\` (the default of 100 would replace a browser in the middle of a series: one create then pays a browser launch, and a memory baseline would belong to a browser that is gone), \`BBRE_BROWSER_IDLE_CLOSE=${PLAN.browserIdleCloseSecs}\` (with the default of 60 s the low flavor's idle browser closed in the middle of the medium memory series, taking its processes out of a sum whose baseline had them), prewarm on (default), log level \`warn\`. The account's rate limit is lifted through the CLI. Phase a runs twice, on a server with the default target policy (private targets refused, so every context goes out through a connect guard of its own) and on one with \`BBRE_ALLOW_PRIVATE_TARGETS=true\`; phases b and c need the local target and run on the latter. The target is \`bench/lib/html-target.ts\` (a ~1 KB HTML page) in its own process.
- Sensibility \`low\` uses Playwright without the stealth flags; \`medium\` uses Playwright with them and sets the client-hints identity per page over CDP. Each is its own browser (flavor), launched with \`chromiumArgs()\` of \`src/engines/adaptive/chromium.ts\`.
- p50 / p99 are exact nearest-rank percentiles; with ${PLAN.createSamples} samples, p99 is sample ${Math.ceil(0.99 * PLAN.createSamples)} of ${PLAN.createSamples} from the fastest${Math.ceil(0.99 * PLAN.createSamples) === PLAN.createSamples ? ' (the slowest)' : ''}.
- PSS counts a page shared by n processes as 1/n. Other programs' Chromium processes map the same binary and so lower our PSS; each memory snapshot first waits (up to ${QUIET.foreignChromiumWaitMs / 1000} s, from a run-wide budget) for them to go away, and a per-session figure whose baseline and snapshot did not see the very same foreign processes (compared by pid; "Foreign Chromium processes" counts them) is INCONCLUSIVE. With the same ones at both, a small bias remains: each new renderer raises our share of the pages shared with them, so the per-session figure errs high. The anonymous part (\`Pss_Anon\` + \`Pss_Shmem\`: heaps and IPC buffers) does not depend on them. The benchmark's own raw browsers are closed before phase b. A snapshot is taken once reads every 0.5 s have stayed within 1 MiB of each other for 5 s (at most 30 s): Chromium returns memory a few seconds after a burst of work (ten contexts just opened hold about 2 MiB each more until 4 to 6 s after the last one opened), so a shorter wait reads the burst, not the idle state. A point is also INCONCLUSIVE when the server runs a different number of browsers than at its baseline (one launched or closed in between).
- Shared machine: each latency series and the burst first wait up to ${QUIET.maxWaitMs / 1000} s for other programs to use less than ${QUIET.maxPercentBeforePhase} % of a core, and are run again (series up to ${PLAN.maxAttempts} times, the burst up to 2) when other programs used more than ${QUIET.maxPercentDuringPhase} % during them; CPU is read from /proc, where everything descended from this process (server, its Chromium including renderers that already exited, target, raw browsers) is ours and the rest of the machine is "other load". ⚠ marks a run that never got a quiet machine; a target judged on it is INCONCLUSIVE, except zero errors, which counts as a pass whatever the load.
- After the run the server is stopped with SIGTERM; Chromium processes of it still alive afterwards: ${r.leftAfterServerStop}.`;
}
