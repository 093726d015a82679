import { describe, expect, it } from 'vitest';
import { TokenBuckets, type TakeResult } from '../../src/security/token-bucket.js';

const T0 = 1_700_000_000_000;

/** Takes `n` tokens at `now`, returns how many were granted. */
function takeMany(buckets: TokenBuckets, id: string, limits: { rps: number; burst: number }, now: number, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (buckets.take(id, limits, now).ok) ok++;
  return ok;
}

function refused(result: TakeResult): number {
  if (result.ok) throw new Error('expected a refusal, the token was granted');
  return result.retryAfterSecs;
}

describe('TokenBuckets', () => {
  const limits = { rps: 5, burst: 10 };

  it('grants a full burst at once, then refuses', () => {
    const b = new TokenBuckets();
    expect(takeMany(b, 'k', limits, T0, 10)).toBe(10);
    const retryAfter = refused(b.take('k', limits, T0));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
  });

  it('keeps refusing while no time passes', () => {
    const b = new TokenBuckets();
    takeMany(b, 'k', limits, T0, 10);
    expect(takeMany(b, 'k', limits, T0, 5)).toBe(0);
  });

  it('asks for at least one second even when a token is due sooner', () => {
    const b = new TokenBuckets();
    const fast = { rps: 1000, burst: 1 };
    expect(b.take('k', fast, T0).ok).toBe(true);
    expect(refused(b.take('k', fast, T0))).toBe(1);
  });

  it('asks for the time the next token needs when the rate is below 1/s', () => {
    const b = new TokenBuckets();
    const slow = { rps: 0.25, burst: 1 };
    expect(b.take('k', slow, T0).ok).toBe(true);
    expect(refused(b.take('k', slow, T0))).toBe(4);
    expect(refused(b.take('k', slow, T0 + 1000))).toBe(3);
  });

  it('refills at rps tokens per second', () => {
    const b = new TokenBuckets();
    takeMany(b, 'k', limits, T0, 10);
    expect(b.take('k', limits, T0 + 100).ok).toBe(false); // 0.5 token
    expect(b.take('k', limits, T0 + 200).ok).toBe(true); // 1 token
    expect(b.take('k', limits, T0 + 200).ok).toBe(false);
    expect(takeMany(b, 'k', limits, T0 + 1200, 10)).toBe(5); // one more second: 5 tokens
  });

  it('honours the retry-after it announced', () => {
    const b = new TokenBuckets();
    const l = { rps: 1, burst: 2 };
    takeMany(b, 'k', l, T0, 2);
    const retryAfter = refused(b.take('k', l, T0));
    expect(b.take('k', l, T0 + retryAfter * 1000).ok).toBe(true);
  });

  it('never refills beyond the burst', () => {
    const b = new TokenBuckets();
    takeMany(b, 'k', limits, T0, 10);
    expect(takeMany(b, 'k', limits, T0 + 3_600_000, 20)).toBe(10);
  });

  it('does not grant tokens when the clock goes backwards', () => {
    const b = new TokenBuckets();
    takeMany(b, 'k', limits, T0, 10);
    expect(b.take('k', limits, T0 - 60_000).ok).toBe(false);
  });

  it('keeps each id in its own bucket', () => {
    const b = new TokenBuckets();
    expect(takeMany(b, 'a', limits, T0, 11)).toBe(10);
    expect(takeMany(b, 'b', limits, T0, 11)).toBe(10);
    expect(b.take('a', limits, T0).ok).toBe(false);
  });

  it('applies the limits given per call (per-account overrides)', () => {
    const b = new TokenBuckets();
    expect(takeMany(b, 'small', { rps: 1, burst: 2 }, T0, 5)).toBe(2);
    expect(takeMany(b, 'large', { rps: 1, burst: 4 }, T0, 5)).toBe(4);
  });

  it('when full of buckets, drops refilled ones and keeps the state of a drained one', () => {
    const b = new TokenBuckets(2);
    const l = { rps: 1, burst: 2 };
    takeMany(b, 'drained', l, T0, 2); // 0 tokens
    takeMany(b, 'idle', l, T0, 1); // 1 token
    // One second later: "idle" would be full again (2), "drained" has 1 token.
    expect(b.take('newcomer', l, T0 + 1000).ok).toBe(true);
    expect(takeMany(b, 'drained', l, T0 + 1000, 2)).toBe(1);
  });
});
