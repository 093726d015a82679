import { StoredJson } from '../../contract/stored-json.js';
import type { Selectable } from 'kysely';
import type { AccountStatus, EndedReason, Mode, Sensibility, SessionStatus, TaskStatus, TaskType } from '../../contract/types.js';
import type { AccountRecord, ApiKeyRecord, EndedSessionRef, LedgerEntryRecord, LedgerKind, SessionRecord, TaskRecord } from '../ports.js';
import type { AccountsTable, ApiKeysTable, LedgerTable, SessionsTable, TasksTable } from '../schema.js';

export const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
export const toJson = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

export function toAccount(r: Selectable<AccountsTable>): AccountRecord {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    status: r.status as AccountStatus,
    balanceMicros: Number(r.balance_micros),
    maxSessions: r.max_sessions,
    rateLimitRps: r.rate_limit_rps,
    rateLimitBurst: r.rate_limit_burst,
    createdAt: Number(r.created_at),
  };
}

export function toApiKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    prefix: r.prefix,
    accountId: r.account_id,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export function toSession(r: Omit<Selectable<SessionsTable>, 'node_id'>): SessionRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    status: r.status as SessionStatus,
    mode: r.mode as Mode,
    sensibility: r.sensibility as Sensibility,
    timeoutSecs: r.timeout_secs,
    requestCount: r.request_count,
    totalChargedMicros: Number(r.total_charged_micros),
    expiresAt: Number(r.expires_at),
    createdAt: Number(r.created_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    endedReason: r.ended_reason as EndedReason | null,
    profile: new StoredJson(r.profile_json),
    proxy: parseJson(r.proxy_json),
    state: parseJson(r.state_json),
    maxCostMicros: r.max_cost_micros === null ? null : Number(r.max_cost_micros),
  };
}

export function toEndedRef(r: { id: string; account_id: string; mode: string; ended_reason: string | null }): EndedSessionRef {
  return { id: r.id, accountId: r.account_id, mode: r.mode as Mode, reason: (r.ended_reason ?? 'expired') as EndedReason };
}

export function toTask(r: Omit<Selectable<TasksTable>, 'node_id'>): TaskRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    type: r.type as TaskType,
    mode: r.mode as Mode,
    sensibility: r.sensibility as Sensibility,
    status: r.status as TaskStatus,
    url: r.url,
    method: r.method,
    action: r.action,
    sessionId: r.session_id,
    priceMicros: Number(r.price_micros),
    refunded: Number(r.refunded) === 1,
    processingTimeMs: r.processing_time_ms,
    createdAt: Number(r.created_at),
    completedAt: r.completed_at === null ? null : Number(r.completed_at),
    errorCode: r.error_code,
    errorMessage: r.error_message,
    result: parseJson(r.result_json),
    resultExpiresAt: r.result_expires_at === null ? null : Number(r.result_expires_at),
  };
}

export function toLedgerEntry(r: Selectable<LedgerTable>): LedgerEntryRecord {
  return {
    id: Number(r.id),
    accountId: r.account_id,
    kind: r.kind as LedgerKind,
    amountMicros: Number(r.amount_micros),
    balanceAfterMicros: Number(r.balance_after_micros),
    taskId: r.task_id,
    sessionId: r.session_id,
    note: r.note,
    createdAt: Number(r.created_at),
  };
}
