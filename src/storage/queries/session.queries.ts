import { sql, type Kysely, type Transaction } from 'kysely';
import type { EndedReason, SessionStatus } from '../../contract/types.js';
import type { CreateSessionOutcome, EndedSessionRef, NewSession, Page, SessionRecord, SessionStore } from '../ports.js';
import type { Database } from '../schema.js';
import { HotQuery, type RowReader } from './hot-query.js';
import { toEndedRef, toJson, toSession } from './mappers.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Persists `expired` for every active session of `accountId` whose expiry has passed (the read path's reconciliation). */
async function expireDueFor(db: Db, accountId: string, now: number): Promise<EndedSessionRef[]> {
  const rows = await db
    .updateTable('sessions')
    .set({ status: 'expired', ended_reason: 'expired', ended_at: sql`expires_at`, state_json: null })
    .where('account_id', '=', accountId)
    .where('status', '=', 'active')
    .where('expires_at', '<', now)
    .returning(['id', 'account_id', 'mode', 'ended_reason'])
    .execute();
  return rows.map(toEndedRef);
}

function sessionByIdQuery(db: Kysely<Database>, read: RowReader) {
  return new HotQuery(
    read,
    (id: string, accountId: string) => db.selectFrom('sessions').selectAll().where('id', '=', id).where('account_id', '=', accountId),
    ['id', 'account'],
  );
}

/** Every column but the engine state (a cookie jar can be large): what status reads and lists need. */
const SUMMARY_COLUMNS = [
  'id',
  'account_id',
  'status',
  'mode',
  'sensibility',
  'timeout_secs',
  'request_count',
  'total_charged_micros',
  'expires_at',
  'created_at',
  'ended_at',
  'ended_reason',
  'profile_json',
  'proxy_json',
  'max_cost_micros',
] as const;

function sessionSummaryByIdQuery(db: Kysely<Database>, read: RowReader) {
  return new HotQuery(
    read,
    (id: string, accountId: string) => db.selectFrom('sessions').select(SUMMARY_COLUMNS).where('id', '=', id).where('account_id', '=', accountId),
    ['id', 'account'],
  );
}

export class SessionQueries implements SessionStore {
  private readonly sessionById: ReturnType<typeof sessionByIdQuery>;
  private readonly sessionSummaryById: ReturnType<typeof sessionSummaryByIdQuery>;

  constructor(
    private readonly db: Kysely<Database>,
    read: RowReader,
    /** The node this store belongs to: it owns the sessions and tasks it creates. */
    private readonly nodeId: string | null = null,
  ) {
    this.sessionById = sessionByIdQuery(db, read);
    this.sessionSummaryById = sessionSummaryByIdQuery(db, read);
  }

  async createSession(s: NewSession, feeMicros: number, limit: number, now: number): Promise<CreateSessionOutcome> {
    return this.db.transaction().execute(async (trx) => {
      // Touching the account row first takes its row lock (PostgreSQL) for the whole transaction, so concurrent
      // creates of one account serialize here and the count below cannot be raced. SQLite serializes all writers.
      const locked = await trx
        .updateTable('accounts')
        .set({ updated_at: now })
        .where('id', '=', s.accountId)
        .returning(['balance_micros'])
        .executeTakeFirst();
      if (!locked) return { kind: 'account_missing' as const };
      const expired = await expireDueFor(trx, s.accountId, now);
      const active = await trx
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', s.accountId)
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      if (Number(active.n) >= limit) return { kind: 'limit' as const, active: Number(active.n), limit, expired };
      const balance = Number(locked.balance_micros);
      if (balance < feeMicros) return { kind: 'balance' as const, balanceMicros: balance, expired };
      if (feeMicros > 0) {
        const after = await trx
          .updateTable('accounts')
          .set({ balance_micros: sql`balance_micros - ${feeMicros}` })
          .where('id', '=', s.accountId)
          .returning(['balance_micros'])
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('ledger')
          .values({
            account_id: s.accountId,
            kind: 'charge',
            amount_micros: feeMicros,
            balance_after_micros: Number(after.balance_micros),
            task_id: s.id,
            session_id: s.id,
            note: 'session_create',
            created_at: now,
          })
          .execute();
      }
      const row = await trx
        .insertInto('sessions')
        .values({
          id: s.id,
          account_id: s.accountId,
          status: 'active',
          mode: s.mode,
          sensibility: s.sensibility,
          timeout_secs: s.timeoutSecs,
          request_count: 0,
          total_charged_micros: 0,
          expires_at: s.expiresAt,
          created_at: s.createdAt,
          ended_at: null,
          ended_reason: null,
          profile_json: JSON.stringify(s.profile),
          proxy_json: toJson(s.proxy),
          state_json: null,
          max_cost_micros: s.maxCostMicros,
          node_id: this.nodeId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // The creation is a history record of its own (contract §3.12: id = the session id).
      await trx
        .insertInto('tasks')
        .values({
          id: s.id,
          account_id: s.accountId,
          type: 'session_create',
          mode: s.mode,
          sensibility: s.sensibility,
          status: 'completed',
          url: null,
          method: null,
          action: null,
          session_id: s.id,
          price_micros: feeMicros,
          refunded: 0,
          processing_time_ms: 0,
          created_at: now,
          completed_at: now,
          error_code: null,
          error_message: null,
          result_json: null,
          result_expires_at: null,
          node_id: this.nodeId,
        })
        .execute();
      return { kind: 'created' as const, session: toSession(row), expired };
    });
  }


  async getSession(accountId: string, id: string, options: { withState?: boolean } = {}): Promise<SessionRecord | undefined> {
    const row = options.withState === false ? await this.sessionSummaryById.first(id, accountId) : await this.sessionById.first(id, accountId);
    return row && toSession({ state_json: null, ...row });
  }

  async endSession(accountId: string, id: string, reason: EndedReason, endedAt: number): Promise<SessionRecord | undefined> {
    const row = await this.db
      .updateTable('sessions')
      .set({ status: reason === 'expired' ? 'expired' : 'closed', ended_reason: reason, ended_at: endedAt, state_json: null })
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
    return row && toSession(row);
  }

  async listSessions(accountId: string, status: SessionStatus | undefined, limit: number, offset: number): Promise<Page<SessionRecord>> {
    let q = this.db.selectFrom('sessions').where('account_id', '=', accountId);
    if (status) q = q.where('status', '=', status);
    const rows = await q.select(SUMMARY_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map((r) => toSession({ ...r, state_json: null })), total: Number(total.n) };
  }

  expireDueForAccount(accountId: string, now: number): Promise<EndedSessionRef[]> {
    return expireDueFor(this.db, accountId, now);
  }

  async expireDue(now: number, max: number): Promise<EndedSessionRef[]> {
    const due = this.db.selectFrom('sessions').select('id').where('status', '=', 'active').where('expires_at', '<', now).limit(max);
    const rows = await this.db
      .updateTable('sessions')
      .set({ status: 'expired', ended_reason: 'expired', ended_at: sql`expires_at`, state_json: null })
      .where('id', 'in', due)
      .where('status', '=', 'active')
      .returning(['id', 'account_id', 'mode', 'ended_reason'])
      .execute();
    return rows.map(toEndedRef);
  }

  async endAllForAccount(accountId: string, reason: EndedReason, now: number): Promise<EndedSessionRef[]> {
    const rows = await this.db
      .updateTable('sessions')
      .set({ status: 'closed', ended_reason: reason, ended_at: now, state_json: null })
      .where('account_id', '=', accountId)
      .where('status', '=', 'active')
      .returning(['id', 'account_id', 'mode', 'ended_reason'])
      .execute();
    return rows.map(toEndedRef);
  }

  async endSessionsById(ids: readonly string[], reason: EndedReason, now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db.updateTable('sessions').set({ status: 'closed', ended_reason: reason, ended_at: now, state_json: null }).where('id', 'in', ids).where('status', '=', 'active').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async endAllOfMode(mode: 'passive' | 'adaptive', reason: EndedReason, now: number, nodeId?: string): Promise<number> {
    const r = await this.db
      .updateTable('sessions')
      .set({ status: 'closed', ended_reason: reason, ended_at: now, state_json: null })
      .where('mode', '=', mode)
      .where('status', '=', 'active')
      // Only this node's sessions (and those of a database written before nodes were recorded), or the dead node's.
      .where((eb) => (nodeId !== undefined ? eb('node_id', '=', nodeId) : eb.or([eb('node_id', '=', this.nodeId), eb('node_id', 'is', null)])))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async countActive(accountId: string): Promise<number> {
    const r = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async countActiveByMode(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('sessions')
      .select(['mode', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'active')
      .groupBy('mode')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.mode, Number(r.n)]));
  }

  async purgeEnded(before: number): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('status', '!=', 'active').where('ended_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async saveState(accountId: string, id: string, state: unknown): Promise<void> {
    await this.db.updateTable('sessions').set({ state_json: toJson(state) }).where('id', '=', id).where('account_id', '=', accountId).execute();
  }

  async endedAmong(ids: readonly string[]): Promise<Array<{ id: string; accountId: string; reason: EndedReason }>> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('sessions').select(['id', 'account_id', 'status', 'ended_reason']).where('id', 'in', ids).execute();
    const known = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const r = known.get(id);
      if (!r) return [{ id, accountId: '', reason: 'evicted' as EndedReason }];
      return r.status === 'active' ? [] : [{ id, accountId: r.account_id, reason: (r.ended_reason ?? 'closed') as EndedReason }];
    });
  }

  async findOwner(id: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('sessions').select('account_id').where('id', '=', id).executeTakeFirst();
    return r?.account_id;
  }
}
