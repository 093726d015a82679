import type { AccountRecord, ApiKeyRecord, LedgerEntryRecord } from '../../storage/ports.js';
import { microsToUsd } from '../billing/money.js';
import { toAccountView } from './account.service.js';

export function toKeyView(k: ApiKeyRecord) {
  return { prefix: k.prefix, accountId: k.accountId, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt, revoked: k.revokedAt !== null };
}

export function toLedgerView(e: LedgerEntryRecord) {
  return {
    id: e.id,
    accountId: e.accountId,
    kind: e.kind,
    amount: microsToUsd(e.amountMicros),
    balanceAfter: microsToUsd(e.balanceAfterMicros),
    taskId: e.taskId,
    sessionId: e.sessionId,
    note: e.note,
    createdAt: e.createdAt,
  };
}

/** The operator's view: the public account object plus limits (null = server default). */
export function toAdminAccountView(a: AccountRecord, extra: { keys?: ApiKeyRecord[]; activeSessions?: number; defaultMaxSessions?: number } = {}) {
  return {
    ...toAccountView(a),
    limits: { maxSessions: a.maxSessions, rateLimitRps: a.rateLimitRps, rateLimitBurst: a.rateLimitBurst },
    ...(extra.activeSessions !== undefined ? { activeSessions: extra.activeSessions } : {}),
    ...(extra.keys ? { keys: extra.keys.map(toKeyView) } : {}),
  };
}
