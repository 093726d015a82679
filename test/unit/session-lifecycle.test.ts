import { describe, expect, it } from 'vitest';
import { ENDED_REASONS } from '../../src/contract/types.js';
import { StoredJson } from '../../src/contract/stored-json.js';
import {
  effectiveTimeoutSecs,
  endedSessionError,
  isExpired,
  isUsable,
  reconciled,
  toSessionView,
} from '../../src/domain/sessions/session-lifecycle.js';
import { BbreError } from '../../src/errors/bbre-error.js';
import { sessionEnvelopeJson } from '../../src/http/envelope.js';
import type { SessionRecord } from '../../src/storage/ports.js';

const CREATED = Date.UTC(2026, 0, 1, 12, 0, 0);
const EXPIRES = CREATED + 300_000;

function session(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: 'session_abcdefghijklmnopqrst',
    accountId: 'acc_0123456789abcdef',
    status: 'active',
    mode: 'passive',
    sensibility: 'medium',
    timeoutSecs: 300,
    requestCount: 0,
    totalChargedMicros: 0,
    expiresAt: EXPIRES,
    createdAt: CREATED,
    endedAt: null,
    endedReason: null,
    profile: StoredJson.of({ userAgent: 'Mozilla/5.0', platform: 'Win32' }),
    proxy: null,
    state: null,
    maxCostMicros: null,
    ...over,
  };
}

/** Runs `fn`, expects a BbreError, and returns it. */
function bbreError(fn: () => unknown): BbreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BbreError);
    return err as BbreError;
  }
  throw new Error('expected a BbreError, nothing was thrown');
}

describe('effectiveTimeoutSecs', () => {
  it.each([
    [60, 300, 60],
    [300, 300, 300],
    [600, 300, 300],
    [3600, 300, 300],
    [3600, 3600, 3600],
    [1800, 3600, 1800],
    [90.9, 300, 90],
  ])('effectiveTimeoutSecs(%d, max %d) = %d', (requested, max, expected) => {
    expect(effectiveTimeoutSecs(requested, max)).toBe(expected);
  });

  it.each([59, 3601, 0, -300, 59.99, 3600.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects %d with INVALID_TIMEOUT',
    (requested) => {
      const err = bbreError(() => effectiveTimeoutSecs(requested, 300));
      expect(err.code).toBe('INVALID_TIMEOUT');
      expect(err.status).toBe(400);
      expect(err.retryable).toBe(false);
      expect(err.details).toMatchObject({ field: 'timeout', min: 60, max: 3600 });
    },
  );

  it('checks the range before the clamp (a small operator maximum does not widen it)', () => {
    expect(bbreError(() => effectiveTimeoutSecs(59, 60)).code).toBe('INVALID_TIMEOUT');
    expect(bbreError(() => effectiveTimeoutSecs(3601, 3600)).code).toBe('INVALID_TIMEOUT');
  });
});

describe('isExpired / isUsable', () => {
  it.each([
    ['before expiry', EXPIRES - 1, false, true],
    // Contract §4.1: expired once now > expiresAt.
    ['at expiresAt exactly', EXPIRES, false, true],
    ['after expiry', EXPIRES + 1, true, false],
    ['at creation', CREATED, false, true],
  ])('an active session %s', (_when, now, expired, usable) => {
    expect(isExpired(session(), now)).toBe(expired);
    expect(isUsable(session(), now)).toBe(usable);
  });

  it.each(['closed', 'expired'] as const)('a %s session is never usable and needs no reconciliation', (status) => {
    const s = session({ status, endedAt: CREATED + 1000, endedReason: status });
    for (const now of [CREATED, EXPIRES - 1, EXPIRES, EXPIRES + 1]) {
      expect(isUsable(s, now)).toBe(false);
      expect(isExpired(s, now)).toBe(false);
    }
  });
});

describe('reconciled', () => {
  it('leaves an active session before expiry as it is', () => {
    const s = session();
    expect(reconciled(s, EXPIRES - 1)).toBe(s);
  });

  it('keeps a session active at expiresAt and ends it just after, dated at expiresAt', () => {
    const s = session({ requestCount: 3, totalChargedMicros: 6000 });
    expect(reconciled(s, EXPIRES)).toBe(s);
    const r = reconciled(s, EXPIRES + 1);
    expect(r).toEqual({ ...s, status: 'expired', endedReason: 'expired', endedAt: EXPIRES });
  });

  it('dates the end at expiresAt, not at the time of the read', () => {
    expect(reconciled(session(), EXPIRES + 3_600_000).endedAt).toBe(EXPIRES);
  });

  it('does not modify its input', () => {
    const s = session();
    const copy = structuredClone(s);
    reconciled(s, EXPIRES + 1);
    expect(s).toEqual(copy);
  });

  it('leaves a closed session closed, even past expiresAt', () => {
    const s = session({ status: 'closed', endedAt: CREATED + 1000, endedReason: 'closed' });
    expect(reconciled(s, EXPIRES + 1)).toBe(s);
  });
});

describe('endedSessionError', () => {
  it('answers SESSION_EXPIRED for an expired session', () => {
    const err = endedSessionError(session({ status: 'expired', endedAt: EXPIRES, endedReason: 'expired' }));
    expect(err).toBeInstanceOf(BbreError);
    expect(err.code).toBe('SESSION_EXPIRED');
    expect(err.status).toBe(400);
    expect(err.retryable).toBe(false);
    expect(err.details).toEqual({ status: 'expired', endedReason: 'expired' });
  });

  it('answers SESSION_EXPIRED for a session reconciled to expired', () => {
    const err = endedSessionError(reconciled(session(), EXPIRES + 1));
    expect(err.code).toBe('SESSION_EXPIRED');
    expect(err.details).toEqual({ status: 'expired', endedReason: 'expired' });
  });

  it.each(ENDED_REASONS.filter((r) => r !== 'expired'))('answers SESSION_CLOSED for a session closed as %s', (reason) => {
    const err = endedSessionError(session({ status: 'closed', endedAt: CREATED + 1000, endedReason: reason }));
    expect(err.code).toBe('SESSION_CLOSED');
    expect(err.status).toBe(400);
    expect(err.details).toEqual({ status: 'closed', endedReason: reason });
  });

  it('falls back to the status when no endedReason was stored', () => {
    const err = endedSessionError(session({ status: 'closed', endedAt: CREATED + 1000, endedReason: null }));
    expect(err.code).toBe('SESSION_CLOSED');
    expect(err.details).toEqual({ status: 'closed', endedReason: 'closed' });
  });
});

describe('toSessionView', () => {
  it('renders an active session without closedAt or endedReason', () => {
    const s = session({ requestCount: 2, totalChargedMicros: 4000 });
    const view = toSessionView(s);
    expect(view).toEqual({
      id: s.id,
      status: 'active',
      mode: 'passive',
      sensibility: 'medium',
      timeout: 300,
      requestCount: 2,
      totalCharged: 0.004,
      expiresAt: EXPIRES,
      createdAt: CREATED,
      profile: s.profile,
    });
    expect('closedAt' in view).toBe(false);
    expect('endedReason' in view).toBe(false);
  });

  it('does not leak internal fields', () => {
    const view = toSessionView(session({ proxy: { host: 'p', password: 'secret' }, state: { jar: [] }, maxCostMicros: 5 }));
    for (const key of ['accountId', 'proxy', 'state', 'maxCostMicros', 'totalChargedMicros', 'timeoutSecs', 'endedAt']) {
      expect(key in view, key).toBe(false);
    }
  });

  it('renders totalCharged in USD from micros', () => {
    expect(toSessionView(session({ totalChargedMicros: 5000 })).totalCharged).toBe(0.005);
    expect(toSessionView(session({ totalChargedMicros: 0 })).totalCharged).toBe(0);
    expect(toSessionView(session({ totalChargedMicros: 1 })).totalCharged).toBe(0.000001);
    expect(toSessionView(session({ totalChargedMicros: 300_000 })).totalCharged).toBe(0.3);
  });

  it('adds closedAt and endedReason to a closed session', () => {
    const view = toSessionView(session({ status: 'closed', endedAt: CREATED + 1234, endedReason: 'evicted' }));
    expect(view.status).toBe('closed');
    expect(view.closedAt).toBe(CREATED + 1234);
    expect(view.endedReason).toBe('evicted');
  });

  it('adds endedReason but not closedAt to an expired session', () => {
    const view = toSessionView(reconciled(session(), EXPIRES + 10));
    expect(view.status).toBe('expired');
    expect(view.endedReason).toBe('expired');
    expect('closedAt' in view).toBe(false);
  });

  it('never shows endedReason on an active session', () => {
    const view = toSessionView(session({ endedReason: 'closed' }));
    expect('endedReason' in view).toBe(false);
  });
});

describe('sessionEnvelopeJson', () => {
  it('is the ok envelope of the view, with the stored profile text spliced in unchanged', () => {
    const stored = new StoredJson<Record<string, unknown>>('{"userAgent":"Mozilla/5.0 \\"quoted\\" \\u00e9","languages":["en-US","en"],"screen":{"width":1920}}');
    const view = toSessionView(session({ status: 'closed', endedAt: CREATED + 5, endedReason: 'closed', profile: stored as SessionRecord['profile'] }));
    const text = sessionEnvelopeJson(view);
    expect(JSON.parse(text)).toEqual({ success: true, service: 'MyDisct Solver BBRE', session: JSON.parse(JSON.stringify(view)) });
    expect(text).toContain(`"profile":${stored.text}`);
    expect(JSON.parse(text).session).toMatchObject({ closedAt: CREATED + 5, endedReason: 'closed', profile: { userAgent: 'Mozilla/5.0 "quoted" é' } });
  });

  it('writes the same text as JSON.stringify of the envelope, key order included, in every state', () => {
    const views = [
      toSessionView(session()),
      toSessionView(session({ status: 'closed', endedAt: CREATED + 5, endedReason: 'crashed' })),
      toSessionView(reconciled(session(), EXPIRES + 10)),
      { ...toSessionView(session()), id: 'session_"odd"\\', totalCharged: 0.000123, requestCount: 1e21 },
    ];
    for (const view of views) {
      const { profile, ...rest } = view;
      const reference = JSON.stringify({ success: true, service: 'MyDisct Solver BBRE', session: { ...rest, profile: JSON.parse(profile.text) } });
      expect(sessionEnvelopeJson(view)).toBe(reference);
    }
  });

  it('serializes a profile that was built in memory', () => {
    const view = toSessionView(session());
    expect(JSON.parse(sessionEnvelopeJson(view)).session.profile).toEqual({ userAgent: 'Mozilla/5.0', platform: 'Win32' });
  });
});
