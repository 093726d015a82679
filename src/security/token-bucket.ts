/** A token bucket per key: `rps` tokens per second up to `burst`. Pure: time is passed in. */
export interface BucketLimits {
  rps: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSecs: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly maxBuckets = 100_000) {}

  take(id: string, limits: BucketLimits, now: number): TakeResult {
    let b = this.buckets.get(id);
    if (!b) {
      if (this.buckets.size >= this.maxBuckets) this.evictFull(now, limits);
      b = { tokens: limits.burst, updatedAt: now };
      this.buckets.set(id, b);
    } else {
      const elapsedSecs = Math.max(0, now - b.updatedAt) / 1000;
      b.tokens = Math.min(limits.burst, b.tokens + elapsedSecs * limits.rps);
      b.updatedAt = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSecs: Math.max(1, Math.ceil((1 - b.tokens) / limits.rps)) };
  }

  /** Buckets that would be full again carry no information: drop them to bound memory. */
  private evictFull(now: number, limits: BucketLimits): void {
    for (const [id, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) / 1000) * limits.rps >= limits.burst) this.buckets.delete(id);
    }
    if (this.buckets.size >= this.maxBuckets) this.buckets.clear();
  }
}
