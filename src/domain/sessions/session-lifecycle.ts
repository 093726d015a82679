import type { SessionView } from '../../contract/types.js';
import { BbreError } from '../../errors/bbre-error.js';
import type { SessionRecord } from '../../storage/ports.js';
import { microsToUsd } from '../billing/money.js';

/** Contract §3.1 and §11: accepted 60–3600 s, then clamped to the operator maximum. */
export const MIN_SESSION_TIMEOUT_SECS = 60;
export const MAX_SESSION_TIMEOUT_SECS = 3600;

export function effectiveTimeoutSecs(requested: number, maxSecs: number): number {
  if (!Number.isFinite(requested) || requested < MIN_SESSION_TIMEOUT_SECS || requested > MAX_SESSION_TIMEOUT_SECS) {
    throw new BbreError('INVALID_TIMEOUT', {
      message: `Session timeout must be between ${MIN_SESSION_TIMEOUT_SECS} and ${MAX_SESSION_TIMEOUT_SECS} seconds.`,
      details: { field: 'timeout', min: MIN_SESSION_TIMEOUT_SECS, max: MAX_SESSION_TIMEOUT_SECS },
    });
  }
  return Math.min(Math.floor(requested), maxSecs);
}

/** Contract §4.1: a session expires once now > expiresAt; at expiresAt itself it has lived exactly its timeout. */
export function isExpired(session: Pick<SessionRecord, 'status' | 'expiresAt'>, now: number): boolean {
  return session.status === 'active' && now > session.expiresAt;
}

export function isUsable(session: Pick<SessionRecord, 'status' | 'expiresAt'>, now: number): boolean {
  return session.status === 'active' && now <= session.expiresAt;
}

/** The session as the store would hold it after reconciliation, without touching the store. */
export function reconciled(session: SessionRecord, now: number): SessionRecord {
  if (!isExpired(session, now)) return session;
  return { ...session, status: 'expired', endedReason: 'expired', endedAt: session.expiresAt };
}

/** The contract error for using an ended session. */
export function endedSessionError(session: SessionRecord): BbreError {
  const details = { status: session.status, endedReason: session.endedReason ?? session.status };
  return session.status === 'expired' ? new BbreError('SESSION_EXPIRED', { details }) : new BbreError('SESSION_CLOSED', { details });
}

/** Contract §4.2. */
export function toSessionView(s: SessionRecord): SessionView {
  const view: SessionView = {
    id: s.id,
    status: s.status,
    mode: s.mode,
    sensibility: s.sensibility,
    timeout: s.timeoutSecs,
    requestCount: s.requestCount,
    totalCharged: microsToUsd(s.totalChargedMicros),
    expiresAt: s.expiresAt,
    createdAt: s.createdAt,
    profile: s.profile,
  };
  if (s.status === 'closed' && s.endedAt !== null) view.closedAt = s.endedAt;
  if (s.status !== 'active' && s.endedReason) view.endedReason = s.endedReason;
  return view;
}
