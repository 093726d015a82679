import { CHARGED, isUnknown, type CallRecord } from './model.js';

export interface LatencyRow {
  label: string;
  calls: number;
  p50: number;
  p99: number;
  max: number;
}

export interface CallStats {
  calls: number;
  answered: number;
  unknown: number;
  chargedCalls: number;
  callsPerSec: number;
  chargedPerSec: number;
  /** By endpoint, then by endpoint + scenario; answered calls only. */
  byEndpoint: LatencyRow[];
  byLabel: LatencyRow[];
  /** "200 OK", "502 TARGET_UNREACHABLE", "no answer: ECONNREFUSED", ... */
  outcomes: Array<{ outcome: string; calls: number }>;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function latencyRows(records: CallRecord[], keyOf: (r: CallRecord) => string): LatencyRow[] {
  const groups = new Map<string, number[]>();
  for (const r of records) {
    if (isUnknown(r)) continue;
    const key = keyOf(r);
    const list = groups.get(key) ?? [];
    list.push(r.endedAt - r.startedAt);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .map(([label, values]) => {
      const sorted = Float64Array.from(values).sort();
      return { label, calls: values.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
    })
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** `loadSecs` is the load phase alone (the final sweep is not throughput). */
export function callStats(records: CallRecord[], loadSecs: number): CallStats {
  const inLoad = records.filter((r) => r.client !== -2);
  const outcomes = new Map<string, number>();
  for (const r of records) {
    const key = isUnknown(r) ? `no answer: ${r.networkError}` : `${r.httpStatus} ${r.code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  const chargedCalls = inLoad.filter((r) => CHARGED.has(r.endpoint)).length;
  return {
    calls: records.length,
    answered: records.filter((r) => !isUnknown(r)).length,
    unknown: records.filter(isUnknown).length,
    chargedCalls,
    callsPerSec: inLoad.length / loadSecs,
    chargedPerSec: chargedCalls / loadSecs,
    byEndpoint: latencyRows(records, (r) => r.endpoint),
    byLabel: latencyRows(records, (r) => r.label),
    outcomes: [...outcomes.entries()].map(([outcome, calls]) => ({ outcome, calls })).sort((a, b) => b.calls - a.calls),
  };
}

/** Sessions that answered 200 before a kill and again after the restart: passive sessions survive (contract §4.1). */
export function sessionsSurvivingKills(records: CallRecord[], faults: Array<{ killedAt: number; healthyAt?: number }>): number {
  const survivors = new Set<string>();
  for (const f of faults) {
    const before = new Set<string>();
    const after = new Set<string>();
    for (const r of records) {
      if (r.endpoint !== '/session/request' || r.httpStatus !== 200 || !r.sessionId) continue;
      if (r.endedAt < f.killedAt) before.add(r.sessionId);
      else if (f.healthyAt !== undefined && r.startedAt > f.healthyAt) after.add(r.sessionId);
    }
    for (const id of before) if (after.has(id)) survivors.add(id);
  }
  return survivors.size;
}
