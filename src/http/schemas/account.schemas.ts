import { SESSION_STATUSES, TASK_STATUSES, TASK_TYPES, type SessionStatus } from '../../contract/types.js';
import type { HistoryFilter } from '../../storage/ports.js';
import { asBody, invalid, paging, type Body } from './fields.js';

export function parseSessionList(raw: unknown): { status: SessionStatus | undefined; limit: number; offset: number } {
  const body = asBody(raw);
  const status = body.status;
  if (status !== undefined && status !== null && (typeof status !== 'string' || !(SESSION_STATUSES as readonly string[]).includes(status))) {
    throw invalid('status', 'status must be active, expired or closed.');
  }
  return { status: (status ?? undefined) as SessionStatus | undefined, ...paging(body) };
}

function parseDate(body: Body, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw invalid(field, `${field} must be a millisecond timestamp or an ISO 8601 date.`);
}

export function parseHistory(raw: unknown): { filter: HistoryFilter; limit: number; offset: number } {
  const body = asBody(raw);
  const filter: HistoryFilter = {};
  if (body.status !== undefined && body.status !== null) {
    if (typeof body.status !== 'string' || !(TASK_STATUSES as readonly string[]).includes(body.status)) throw invalid('status', 'status must be a task status.');
    filter.status = body.status as HistoryFilter['status'];
  }
  if (body.type !== undefined && body.type !== null) {
    if (typeof body.type !== 'string' || !(TASK_TYPES as readonly string[]).includes(body.type)) throw invalid('type', 'type must be a task type.');
    filter.type = body.type as HistoryFilter['type'];
  }
  filter.startDate = parseDate(body, 'startDate');
  filter.endDate = parseDate(body, 'endDate');
  return { filter, ...paging(body) };
}
