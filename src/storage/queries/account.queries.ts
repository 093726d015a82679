import { sql, type Kysely } from 'kysely';
import type { AccountStatus } from '../../contract/types.js';
import { MAX_BALANCE_MICROS, type AccountListRow, type AccountRecord, type AccountStore, type ApiKeyRecord, type LedgerEntryRecord, type Page } from '../ports.js';
import type { Database } from '../schema.js';
import { HotQuery, type RowReader } from './hot-query.js';
import { toAccount, toApiKey, toLedgerEntry } from './mappers.js';

function keyByHashQuery(db: Kysely<Database>, read: RowReader) {
  return new HotQuery(
    read,
    (hash: string) =>
      db
        .selectFrom('api_keys')
        .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
        .select([
          'api_keys.prefix',
          'api_keys.account_id',
          'api_keys.key_hash',
          'api_keys.created_at as key_created_at',
          'api_keys.last_used_at',
          'api_keys.revoked_at',
          'accounts.id',
          'accounts.username',
          'accounts.email',
          'accounts.status',
          'accounts.balance_micros',
          'accounts.max_sessions',
          'accounts.rate_limit_rps',
          'accounts.rate_limit_burst',
          'accounts.created_at',
          'accounts.updated_at',
        ])
        .where('api_keys.key_hash', '=', hash),
    ['hash'],
  );
}

export class AccountQueries implements AccountStore {
  private readonly keyByHash: ReturnType<typeof keyByHashQuery>;

  constructor(
    private readonly db: Kysely<Database>,
    read: RowReader,
  ) {
    this.keyByHash = keyByHashQuery(db, read);
  }

  async createAccount(account: AccountRecord, key: { prefix: string; hash: string }, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({
          id: account.id,
          username: account.username,
          email: account.email,
          status: account.status,
          balance_micros: account.balanceMicros,
          max_sessions: account.maxSessions,
          rate_limit_rps: account.rateLimitRps,
          rate_limit_burst: account.rateLimitBurst,
          created_at: account.createdAt,
          updated_at: now,
        })
        .execute();
      if (account.balanceMicros > 0) {
        await trx
          .insertInto('ledger')
          .values({
            account_id: account.id,
            kind: 'credit',
            amount_micros: account.balanceMicros,
            balance_after_micros: account.balanceMicros,
            task_id: null,
            session_id: null,
            note: 'initial balance',
            created_at: now,
          })
          .execute();
      }
      await trx.insertInto('api_keys').values({ prefix: key.prefix, account_id: account.id, key_hash: key.hash, created_at: now, last_used_at: null, revoked_at: null }).execute();
    });
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAccount(row);
  }

  async listAccounts(limit: number, offset: number, now: number): Promise<Page<AccountListRow>> {
    const rows = await this.db
      .selectFrom('accounts')
      .selectAll('accounts')
      .select((eb) =>
        eb
          .selectFrom('sessions')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('sessions.account_id', '=', 'accounts.id')
          .where('sessions.status', '=', 'active')
          .where('sessions.expires_at', '>', now)
          .as('active_sessions'),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    const total = await this.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map((r) => ({ ...toAccount(r), activeSessions: Number(r.active_sessions ?? 0) })), total: Number(total.n) };
  }

  async setStatus(id: string, status: AccountStatus, now: number): Promise<AccountRecord | undefined> {
    const row = await this.db.updateTable('accounts').set({ status, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toAccount(row);
  }

  async setLimits(
    id: string,
    limits: { maxSessions?: number | null; rateLimitRps?: number | null; rateLimitBurst?: number | null },
    now: number,
  ): Promise<AccountRecord | undefined> {
    const set: Record<string, number | null> = { updated_at: now };
    if (limits.maxSessions !== undefined) set.max_sessions = limits.maxSessions;
    if (limits.rateLimitRps !== undefined) set.rate_limit_rps = limits.rateLimitRps;
    if (limits.rateLimitBurst !== undefined) set.rate_limit_burst = limits.rateLimitBurst;
    const row = await this.db.updateTable('accounts').set(set).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toAccount(row);
  }

  async credit(id: string, amountMicros: number, note: string | null, now: number) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('accounts')
        .set({ balance_micros: sql`balance_micros + ${amountMicros}`, updated_at: now })
        .where('id', '=', id)
        .where(sql<boolean>`balance_micros + ${amountMicros} >= 0`)
        .where(sql<boolean>`balance_micros + ${amountMicros} <= ${MAX_BALANCE_MICROS}`)
        .returningAll()
        .executeTakeFirst();
      if (!row) {
        const current = await trx.selectFrom('accounts').select('balance_micros').where('id', '=', id).executeTakeFirst();
        if (!current) return 'not_found' as const;
        return Number(current.balance_micros) + amountMicros < 0 ? ('below_zero' as const) : ('above_max' as const);
      }
      const account = toAccount(row);
      const entry = await trx
        .insertInto('ledger')
        .values({
          account_id: id,
          kind: amountMicros >= 0 ? 'credit' : 'adjustment',
          amount_micros: amountMicros,
          balance_after_micros: account.balanceMicros,
          task_id: null,
          session_id: null,
          note,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { account, entry: toLedgerEntry(entry) };
    });
  }


  async findKeyByHash(hash: string): Promise<{ key: ApiKeyRecord; account: AccountRecord; storedHash: string } | undefined> {
    const row = await this.keyByHash.first(hash);
    if (!row) return undefined;
    return {
      key: toApiKey({ ...row, created_at: row.key_created_at }),
      account: toAccount(row),
      storedHash: row.key_hash,
    };
  }

  async createKey(accountId: string, key: { prefix: string; hash: string }, now: number): Promise<ApiKeyRecord> {
    const row = await this.db
      .insertInto('api_keys')
      .values({ prefix: key.prefix, account_id: accountId, key_hash: key.hash, created_at: now, last_used_at: null, revoked_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApiKey(row);
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
    return rows.map(toApiKey);
  }

  async revokeKey(prefix: string, now: number): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: sql`coalesce(revoked_at, ${now})` })
      .where('prefix', '=', prefix)
      .returningAll()
      .executeTakeFirst();
    return row && toApiKey(row);
  }

  async touchKey(prefix: string, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('prefix', '=', prefix).execute();
  }

  async ledger(accountId: string, limit: number, offset: number): Promise<Page<LedgerEntryRecord>> {
    const rows = await this.db.selectFrom('ledger').selectAll().where('account_id', '=', accountId).orderBy('id', 'desc').limit(limit).offset(offset).execute();
    const total = await this.db.selectFrom('ledger').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
    return { items: rows.map(toLedgerEntry), total: Number(total.n) };
  }
}
