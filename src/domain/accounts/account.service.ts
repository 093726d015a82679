import type { AccountStatistics, AccountStatus, AccountView } from '../../contract/types.js';
import { BbreError } from '../../errors/bbre-error.js';
import { generateApiKey, hashApiKey, hashesEqual } from '../../security/api-key.js';
import { newAccountId } from '../../security/ids.js';
import type { AccountListRow, AccountRecord, ApiKeyRecord, LedgerEntryRecord, Page, Store } from '../../storage/ports.js';
import { microsToUsd, usdToMicros } from '../billing/money.js';
import type { Clock } from '../clock.js';
import type { SessionReleaser } from '../sessions/session-releaser.js';
import { PrincipalCache } from './principal-cache.js';

/** The authenticated caller of one API request. */
export interface Principal {
  account: AccountRecord;
  keyPrefix: string;
  /** SHA-256 of the key: the rate limiter's bucket id (the key itself is never kept). */
  keyHash: string;
}

export interface AccountLimits {
  maxSessions?: number | null;
  rateLimitRps?: number | null;
  rateLimitBurst?: number | null;
}

const KEY_TOUCH_INTERVAL_MS = 60_000;

export function toAccountView(a: AccountRecord): AccountView {
  return { id: a.id, username: a.username, email: a.email, status: a.status, balance: microsToUsd(a.balanceMicros), createdAt: a.createdAt };
}

export class AccountService {
  /** When each key's last_used_at was last written by this process (a write per request would be waste). */
  private readonly keyTouchedAt = new Map<string, number>();

  private readonly principals: PrincipalCache;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly releaser: SessionReleaser,
    private readonly defaultMaxSessions: number,
    authCacheMs = 0,
  ) {
    this.principals = new PrincipalCache(authCacheMs);
  }

  /** Contract §1.2: no key → 401; unknown/revoked → 403 INVALID_API_KEY; then the account's status. */
  async authenticate(rawKey: string | undefined): Promise<Principal> {
    const keyHash = this.keyHashOf(rawKey);
    return this.principals.get(keyHash) ?? this.lookUp(keyHash);
  }

  /**
   * The hot path of `authenticate`: the caller's principal when the key was authenticated moments ago, without
   * a promise; undefined when `authenticate` must look the key up. Throws API_KEY_REQUIRED like it.
   */
  recentlyAuthenticated(rawKey: string | undefined): Principal | undefined {
    return this.principals.get(this.keyHashOf(rawKey));
  }

  private keyHashOf(rawKey: string | undefined): string {
    if (rawKey === undefined || rawKey.trim() === '') throw new BbreError('API_KEY_REQUIRED', { details: { hint: 'Send your key in the x-api-key or apikey header' } });
    return hashApiKey(rawKey.trim());
  }

  private async lookUp(keyHash: string): Promise<Principal> {
    const found = await this.store.accounts.findKeyByHash(keyHash);
    // The lookup is by an indexed hash; the constant-time check of the stored digest guards against any
    // collation or index surprise, so only an exact digest match authenticates.
    if (!found || !hashesEqual(found.storedHash, keyHash) || found.key.revokedAt !== null) throw new BbreError('INVALID_API_KEY');
    const { account, key } = found;
    if (account.status === 'suspended') throw new BbreError('ACCOUNT_SUSPENDED');
    if (account.status === 'inactive') throw new BbreError('ACCOUNT_INACTIVE');
    this.touchKey(key);
    const principal = { account, keyPrefix: key.prefix, keyHash };
    this.principals.set(principal);
    return principal;
  }

  private touchKey(key: ApiKeyRecord): void {
    const now = this.clock.now();
    const last = this.keyTouchedAt.get(key.prefix) ?? key.lastUsedAt ?? 0;
    if (now - last < KEY_TOUCH_INTERVAL_MS) return;
    this.keyTouchedAt.set(key.prefix, now);
    this.store.accounts.touchKey(key.prefix, now).catch(() => this.keyTouchedAt.delete(key.prefix));
  }

  maxSessionsOf(account: AccountRecord): number {
    return account.maxSessions ?? this.defaultMaxSessions;
  }

  async info(account: AccountRecord): Promise<{ account: AccountView; statistics: AccountStatistics }> {
    const now = this.clock.now();
    await this.releaser.release(await this.store.sessions.expireDueForAccount(account.id, now));
    const todayStart = now - (now % 86_400_000);
    const [fresh, stats, activeSessions] = await Promise.all([
      this.store.accounts.getAccount(account.id),
      this.store.tasks.statistics(account.id, todayStart),
      this.store.sessions.countActive(account.id),
    ]);
    const finished = stats.completedRequests + stats.failedRequests;
    return {
      account: toAccountView(fresh ?? account),
      statistics: {
        ...stats,
        successRate: finished === 0 ? 0 : Number(((stats.completedRequests / finished) * 100).toFixed(2)),
        activeSessions,
      },
    };
  }

  async balance(account: AccountRecord): Promise<number> {
    return microsToUsd((await this.store.billing.balanceOf(account.id)) ?? account.balanceMicros);
  }

  // ---- operator surface (CLI and /admin) ----

  async createAccount(input: { username: string; email: string | null; balanceUsd: number }): Promise<{ account: AccountRecord; apiKey: string }> {
    const now = this.clock.now();
    const key = generateApiKey();
    const account: AccountRecord = {
      id: newAccountId(),
      username: input.username,
      email: input.email,
      status: 'active',
      balanceMicros: usdToMicros(input.balanceUsd),
      maxSessions: null,
      rateLimitRps: null,
      rateLimitBurst: null,
      createdAt: now,
    };
    await this.store.accounts.createAccount(account, key, now);
    return { account, apiKey: key.key };
  }

  async requireAccount(id: string): Promise<AccountRecord> {
    const account = await this.store.accounts.getAccount(id);
    if (!account) throw new BbreError('ACCOUNT_NOT_FOUND', { details: { accountId: id } });
    return account;
  }

  listAccounts(limit: number, offset: number): Promise<Page<AccountListRow>> {
    return this.store.accounts.listAccounts(limit, offset, this.clock.now());
  }

  async credit(id: string, amountUsd: number, note: string | null): Promise<{ account: AccountRecord; entry: LedgerEntryRecord }> {
    const out = await this.store.accounts.credit(id, usdToMicros(amountUsd), note, this.clock.now());
    this.principals.evictAccount(id);
    if (out === 'not_found') throw new BbreError('ACCOUNT_NOT_FOUND', { details: { accountId: id } });
    if (out === 'below_zero') throw new BbreError('INVALID_REQUEST', { message: 'The adjustment would take the balance below 0.', details: { field: 'amount' } });
    if (out === 'above_max') throw new BbreError('INVALID_REQUEST', { message: 'The credit would take the balance above $1,000,000,000.', details: { field: 'amount' } });
    return out;
  }

  /** Suspending or deactivating ends the account's sessions (`evicted`) and releases their resources. */
  async setStatus(id: string, status: AccountStatus): Promise<AccountRecord> {
    const now = this.clock.now();
    const account = await this.store.accounts.setStatus(id, status, now);
    this.principals.evictAccount(id);
    if (!account) throw new BbreError('ACCOUNT_NOT_FOUND', { details: { accountId: id } });
    if (status !== 'active') await this.releaser.release(await this.store.sessions.endAllForAccount(id, 'evicted', now));
    return account;
  }

  async setLimits(id: string, limits: AccountLimits): Promise<AccountRecord> {
    const account = await this.store.accounts.setLimits(id, limits, this.clock.now());
    this.principals.evictAccount(id);
    if (!account) throw new BbreError('ACCOUNT_NOT_FOUND', { details: { accountId: id } });
    return account;
  }

  async createKey(accountId: string): Promise<{ key: ApiKeyRecord; apiKey: string }> {
    await this.requireAccount(accountId);
    const key = generateApiKey();
    const record = await this.store.accounts.createKey(accountId, key, this.clock.now());
    return { key: record, apiKey: key.key };
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    await this.requireAccount(accountId);
    return this.store.accounts.listKeys(accountId);
  }

  async revokeKey(prefix: string): Promise<ApiKeyRecord> {
    const key = await this.store.accounts.revokeKey(prefix, this.clock.now());
    this.principals.evictKey(prefix);
    if (!key) throw new BbreError('KEY_NOT_FOUND', { details: { prefix } });
    return key;
  }

  async ledger(accountId: string, limit: number, offset: number): Promise<Page<LedgerEntryRecord>> {
    await this.requireAccount(accountId);
    return this.store.accounts.ledger(accountId, limit, offset);
  }
}
