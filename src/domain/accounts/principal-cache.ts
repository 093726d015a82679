import type { Principal } from './account.service.js';

interface Entry {
  principal: Principal;
  expiresAtMs: number;
}

/**
 * Authenticated keys remembered for a short time, so the hot path does not read the key and its account on
 * every call. Changes made through this process (status, limits, revocation) evict at once; changes made by
 * another process (the operator CLI, another API node) apply within `ttlMs`. Time is the monotonic clock:
 * the TTL bounds real staleness, whatever the app clock says.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(keyHash: string): Principal | undefined {
    if (this.ttlMs <= 0) return undefined;
    const e = this.entries.get(keyHash);
    if (!e) return undefined;
    if (performance.now() >= e.expiresAtMs) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return e.principal;
  }

  set(principal: Principal): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(principal.keyHash, { principal, expiresAtMs: performance.now() + this.ttlMs });
  }

  evictAccount(accountId: string): void {
    for (const [hash, e] of this.entries) if (e.principal.account.id === accountId) this.entries.delete(hash);
  }

  evictKey(prefix: string): void {
    for (const [hash, e] of this.entries) if (e.principal.keyPrefix === prefix) this.entries.delete(hash);
  }
}
