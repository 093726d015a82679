import { formatUsd } from './model.js';
import type { LoadReport } from './run-load.js';
import type { LatencyRow } from './stats.js';

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');

function table(header: string[], rows: Array<Array<string | number>>): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function latencyTable(rows: LatencyRow[]): string[] {
  return table(['Calls', 'n', 'p50 ms', 'p99 ms', 'max ms'], rows.map((r) => [`\`${r.label}\``, r.calls, ms(r.p50), ms(r.p99), ms(r.max)]));
}

/** The run's figures as Markdown: what RELIABILITY.md quotes. */
export function formatReport(r: LoadReport, command: string, context: string[] = []): string {
  const o = r.options;
  const s = r.stats;
  const total = (pick: (l: LoadReport['ledgers'][number]) => number) => formatUsd(r.ledgers.reduce((sum, l) => sum + pick(l), 0));
  const lines: string[] = [
    `Command: \`${command}\``,
    '',
    ...context.map((c) => `- ${c}`),
    ...(context.length > 0 ? [''] : []),
    `${r.database}; ${o.clients} clients over ${o.accounts} accounts; seed ${o.seed ?? 1}; load ${r.loadSecs.toFixed(1)} s (duration ${o.durationSecs} s plus the drain)${o.killAtSecs?.length ? `; kill -9 at ${o.killAtSecs.join(', ')} s` : ''}${o.pgOutageAtSecs?.length ? `; PostgreSQL stopped (immediate) at ${o.pgOutageAtSecs.join(', ')} s for ${((o.pgOutageMs ?? 4_000) / 1000).toFixed(0)} s` : ''}.`,
    '',
    `**${s.calls} API calls** (${s.answered} answered, ${s.unknown} without an answer), **${s.callsPerSec.toFixed(1)} calls/s**, of which ${s.chargedCalls} charged (${s.chargedPerSec.toFixed(1)}/s). Verdict: **${r.ok ? 'all invariants hold' : `${r.violations.length} violation(s)`}**.`,
    '',
    '**Latency by endpoint** (answered calls, client side, nearest rank):',
    '',
    ...latencyTable(s.byEndpoint),
    '',
    '**Latency by endpoint and scenario:**',
    '',
    ...latencyTable(s.byLabel),
    '',
    '**Answers by status and code:**',
    '',
    ...table(['Outcome', 'Calls'], s.outcomes.map((x) => [x.outcome, x.calls])),
    '',
    '**Ledger per account** (database side (a); the clients\' side (b) in the last three columns):',
    '',
    ...table(
      ['Account', 'Credits', 'Charges', 'Refunds', 'Balance', 'Σ totalCharged', 'Creation fees', 'Stateless', 'Σ X-BBRE-Cost', 'Unanswered, settled', 'Spent (credits − balance)'],
      r.ledgers.map(({ account, db, clients }) => [
        `${account.index}${account.poor ? ' (poor)' : ''}`,
        formatUsd(db.creditMicros),
        formatUsd(db.chargeMicros),
        formatUsd(db.refundMicros),
        formatUsd(db.balanceMicros),
        formatUsd(db.totalChargedMicros),
        formatUsd(db.creationFeesMicros),
        formatUsd(db.statelessMicros),
        formatUsd(clients.answeredMicros),
        `${formatUsd(clients.unknownMicros + clients.orphanSessionFeesMicros)} (${clients.unknownCalls} calls, ${clients.orphanSessions} orphan sessions)`,
        formatUsd(clients.spentMicros),
      ]).concat([
        [
          '**all**',
          total((l) => l.db.creditMicros),
          total((l) => l.db.chargeMicros),
          total((l) => l.db.refundMicros),
          total((l) => l.db.balanceMicros),
          total((l) => l.db.totalChargedMicros),
          total((l) => l.db.creationFeesMicros),
          total((l) => l.db.statelessMicros),
          total((l) => l.clients.answeredMicros),
          total((l) => l.clients.unknownMicros + l.clients.orphanSessionFeesMicros),
          total((l) => l.clients.spentMicros),
        ],
      ]),
    ),
    '',
    `**Sessions** at the end: ${Object.entries(r.sessionsByEnd).map(([k, v]) => `${k} ${v}`).join(', ')}; still active after the load and probed: ${r.sweep.active} (usable ${r.sweep.usable}).`,
    '',
    `**Tasks**: ${Object.entries(r.tasksByOutcome).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
  ];
  if (r.kills.length > 0) {
    lines.push('', `**Kills**: tasks refunded per start ${JSON.stringify(r.recoveredPerStart)}; sessions answering before a kill and again after it: ${r.sessionsSurvivingKills}.`, '');
    lines.push(...table(['Kill at', 'Down for', 'Calls held inside BBRE', 'Held at target'], r.kills.map((k) => [`${k.atSecs.toFixed(1)} s`, `${(k.downtimeMs / 1000).toFixed(1)} s`, k.doomedMarkers.length, k.heldAtKill])));
  }
  if (r.outages.length > 0) {
    lines.push('', '**PostgreSQL outages** (answers: calls that ended after the stop and started before /ready 200 + 3 s; "wholly inside": made and answered while PostgreSQL was down):', '');
    const fmt = (t: Record<string, number>) => Object.entries(t).map(([k, v]) => `${k}: ${v}`).join(', ') || '-';
    const secs = (v: number | undefined) => (v === undefined ? '-' : `${(v / 1000).toFixed(1)} s`);
    lines.push(
      ...table(
        ['Stopped at', 'Down for', '/ready 503 "unavailable" while down', '/ready 200 after restart', 'First charged 200 after restart', 'Last 503 after restart', 'Answers', 'Wholly inside'],
        r.outages.map((x) => [`${x.atSecs.toFixed(1)} s`, secs(x.downtimeMs), `${x.readyPollsDownUnavailable}/${x.readyPollsDown}`, secs(x.readyAfterMs), secs(x.fullServiceAfterMs), secs(x.last503AfterMs), fmt(x.answers), fmt(x.answersWhollyInside)]),
      ),
    );
  }
  lines.push('', '**Invariants** (each evaluated over every account, session, task or call it names):', '');
  lines.push(...table(['Check', 'Evaluated', 'Failed'], r.checks.map((c) => [c.name, c.evaluated, c.failed])));
  if (r.violations.length > 0) lines.push('', '**Violations:**', '', ...r.violations.slice(0, 50).map((v) => `- ${v.replace(/\n/g, ' ')}`));
  return lines.join('\n');
}
