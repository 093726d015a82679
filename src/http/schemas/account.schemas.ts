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

/** The range of a JavaScript date, in ms: anything beyond is no date (and would overflow the database's integer). */
const MAX_DATE_MS = 8.64e15;

/** A bound on `createdAt` (whole milliseconds): a fractional start rounds up, a fractional end down (both inclusive). */
function parseDate(body: Body, field: string, round: (n: number) => number): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  let t = NaN;
  if (typeof v === 'number') t = v;
  else if (typeof v === 'string' && v.trim() !== '') t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isFinite(t) && Math.abs(t) <= MAX_DATE_MS) return round(t);
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
  filter.startDate = parseDate(body, 'startDate', Math.ceil);
  filter.endDate = parseDate(body, 'endDate', Math.floor);
  return { filter, ...paging(body) };
}
