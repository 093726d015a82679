import type { FuzzFigures } from './fuzz-driver.js';

export interface FuzzReportMeta {
  command: string;
  backend: string;
  seed: number;
  durationMs: number;
  health: string[];
}

const byStatus = (a: string, b: string) => (Number(a) || 999) - (Number(b) || 999);

function statusList(statuses: Map<string, number>): string {
  return [...statuses]
    .sort(([a], [b]) => byStatus(a, b))
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
}

/** The run as markdown: summary, per-endpoint table, status distribution, input kinds, slowest calls, failures. */
export function renderFuzzReport(figures: FuzzFigures, meta: FuzzReportMeta): string {
  const ok = figures.failureCount === 0 && meta.health.length === 0;
  const seconds = (meta.durationMs / 1000).toFixed(1);
  const lines = [
    `Command: \`${meta.command}\` (backend ${meta.backend}, seed ${meta.seed})`,
    '',
    `Result: **${ok ? 'pass' : 'FAIL'}**: ${figures.inputs} inputs in ${seconds} s (${Math.round(figures.inputs / (meta.durationMs / 1000))}/s), ` +
      `${figures.failureCount} broken rule${figures.failureCount === 1 ? '' : 's'}, health after the run: ${meta.health.length === 0 ? 'ok' : meta.health.join('; ')}`,
    '',
    '| Endpoint | Inputs | Statuses seen | Failures |',
    '|---|---:|---|---:|',
    ...[...figures.endpoints].sort(([a], [b]) => a.localeCompare(b)).map(([name, e]) => `| ${name} | ${e.inputs} | ${statusList(e.statuses)} | ${e.failures} |`),
    `| **all** | **${figures.inputs}** | ${statusList(figures.statuses)} | **${figures.failureCount}** |`,
    '',
    '| Status | Answers | Share |',
    '|---|---:|---:|',
    ...[...figures.statuses].sort(([a], [b]) => byStatus(a, b)).map(([s, n]) => `| ${s} | ${n} | ${((100 * n) / figures.inputs).toFixed(1)} % |`),
    '',
    `Input kinds: ${[...figures.categories].sort(([, a], [, b]) => b - a).map(([c, n]) => `${c} ${n}`).join(', ')}.`,
    '',
    `Slowest answers: ${figures.slowest.map((s) => `${Math.round(s.ms)} ms (${s.status}, ${s.call.slice(0, 90)}…)`).join('; ')}.`,
  ];
  if (figures.failures.size > 0) {
    lines.push('', `Failures, by kind (${figures.failures.size}${figures.failures.size >= 60 ? '+' : ''} kinds; one example each):`, '');
    for (const f of figures.failures.values()) lines.push(`- ${f.count}× ${f.call.slice(0, 300)}`, ...f.problems.map((p) => `  - ${p.slice(0, 300)}`));
  }
  return lines.join('\n');
}
