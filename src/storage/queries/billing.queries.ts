import { sql, type Kysely, type Selectable, type Transaction, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { BillingStore, CompleteOutcome, NewTask, RefundOutcome, SessionRecord, TaskCompletion, TaskFailure, TaskRecord } from '../ports.js';
import type { Database, SessionsTable, TasksTable } from '../schema.js';
import { parseJson, toJson, toSession, toTask } from './mappers.js';
import type { SyncStatements, SyncTransactionRunner } from './sync-transaction.js';

class SessionClosedDuringWork extends Error {}

const TASK_COLUMNS_WITHOUT_RESULT = [
  'id',
  'account_id',
  'type',
  'mode',
  'sensibility',
  'status',
  'url',
  'method',
  'action',
  'session_id',
  'price_micros',
  'refunded',
  'processing_time_ms',
  'created_at',
  'completed_at',
  'error_code',
  'error_message',
  'result_expires_at',
] as const;

/** Returns `amount` of a task's charge to the balance and records the refund entry, inside the caller's transaction. */
async function creditRefund(trx: Transaction<Database>, task: { id: string; account_id: string; session_id: string | null }, price: number, now: number): Promise<void> {
  if (price <= 0) return;
  const after = await trx
    .updateTable('accounts')
    .set({ balance_micros: sql`balance_micros + ${price}` })
    .where('id', '=', task.account_id)
    .returning(['balance_micros'])
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('ledger')
    .values({
      account_id: task.account_id,
      kind: 'refund',
      amount_micros: price,
      balance_after_micros: Number(after.balance_micros),
      task_id: task.id,
      session_id: task.session_id,
      note: null,
      created_at: now,
    })
    .execute();
}

const TASK_RETURNING = TASK_COLUMNS_WITHOUT_RESULT.join(', ');

type TaskRowWithoutResult = Omit<Selectable<TasksTable>, 'node_id' | 'result_json'>;

/** The completed task as returned: its row as updated, with the result just written (never read back). */
const completedTask = (row: TaskRowWithoutResult, c: TaskCompletion): TaskRecord => ({ ...toTask({ ...row, result_json: null }), result: c.result });

/**
 * The session as the commit leaves it: its counted row with the engine's state change applied to the state that
 * row holds (under its lock). `changedState` is the text to write, or undefined when the state came out the
 * same (no cookie set, the same page again): no write, and on PostgreSQL one round trip less under the lock.
 */
function afterCommit(row: Selectable<SessionsTable>, commit: NonNullable<TaskCompletion['session']>): { session: SessionRecord; changedState?: string | null } {
  const session = toSession(row);
  if (!commit.updateState) return { session };
  const state = commit.updateState(session.state);
  const text = toJson(state);
  return { session: { ...session, state }, ...(text !== row.state_json ? { changedState: text } : {}) };
}

/** `reserve` on SQLite, inside one synchronous transaction: the same statements as the Kysely version. */
function reserveSync(s: SyncStatements, task: NewTask, amountMicros: number, nodeId: string | null): boolean {
  if (amountMicros > 0) {
    // The balance check and the deduction are one statement: no read-then-write race, never below zero.
    const after = s.get<{ balance_micros: number }>(
      'update accounts set balance_micros = balance_micros - ? where id = ? and balance_micros >= ? returning balance_micros',
      amountMicros,
      task.accountId,
      amountMicros,
    );
    if (!after) return false;
    s.run(
      'insert into ledger (account_id, kind, amount_micros, balance_after_micros, task_id, session_id, note, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
      task.accountId,
      'charge',
      amountMicros,
      Number(after.balance_micros),
      task.id,
      task.sessionId,
      task.type,
      task.createdAt,
    );
  }
  s.run(
    `insert into tasks (id, account_id, type, mode, sensibility, status, url, method, action, session_id, price_micros, refunded, created_at, node_id)
     values (?, ?, ?, ?, ?, 'processing', ?, ?, ?, ?, ?, 0, ?, ?)`,
    task.id,
    task.accountId,
    task.type,
    task.mode,
    task.sensibility,
    task.url,
    task.method,
    task.action,
    task.sessionId,
    amountMicros,
    task.createdAt,
    nodeId,
  );
  return true;
}

/** `complete` on SQLite, inside one synchronous transaction; a session closed meanwhile rolls it back. */
function completeSync(s: SyncStatements, accountId: string, c: TaskCompletion): CompleteOutcome {
  // The result was just written from memory: reading it back (a whole response body) would be waste.
  const row = s.get<TaskRowWithoutResult>(
    `update tasks set status = 'completed', completed_at = ?, processing_time_ms = ?, result_json = ?, result_expires_at = ?
     where id = ? and account_id = ? and status = 'processing' returning ${TASK_RETURNING}`,
    c.completedAt,
    c.processingTimeMs,
    toJson(c.result),
    c.resultExpiresAt,
    c.taskId,
    accountId,
  );
  if (!row) return { kind: 'already_ended' };
  const task = completedTask(row, c);
  if (!c.session) return { kind: 'completed', task };
  const counted = s.get<Selectable<SessionsTable>>(
    `update sessions set request_count = request_count + ?, total_charged_micros = total_charged_micros + ?
     where id = ? and account_id = ? and status != 'closed' returning *`,
    c.session.countRequest ? 1 : 0,
    Number(row.price_micros),
    c.session.id,
    accountId,
  );
  if (!counted) throw new SessionClosedDuringWork();
  const { session, changedState } = afterCommit(counted, c.session);
  if (changedState !== undefined) s.run('update sessions set state_json = ? where id = ? and account_id = ?', changedState, c.session.id, accountId);
  return { kind: 'completed', task, session };
}

export class BillingQueries implements BillingStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** The node this store belongs to: it owns the tasks it reserves. */
    private readonly nodeId: string | null = null,
    /**
     * SQLite: the per-request writes (reserve, complete) as synchronous transactions with group commit. Without
     * it (PostgreSQL) they are single statements or short transactions that keep round trips few.
     */
    private readonly transactSync?: SyncTransactionRunner,
  ) {}

  async reserve(task: NewTask, amountMicros: number): Promise<boolean> {
    if (this.transactSync) return this.transactSync((s) => reserveSync(s, task, amountMicros, this.nodeId));
    if (amountMicros > 0) return this.reserveInOneStatement(task, amountMicros);
    // Nothing to charge: the task row alone, one statement.
    await this.db
      .insertInto('tasks')
      .values({
        id: task.id,
        account_id: task.accountId,
        type: task.type,
        mode: task.mode,
        sensibility: task.sensibility,
        status: 'processing',
        url: task.url,
        method: task.method,
        action: task.action,
        session_id: task.sessionId,
        price_micros: 0,
        refunded: 0,
        created_at: task.createdAt,
        node_id: this.nodeId,
      })
      .execute();
    return true;
  }

  /**
   * PostgreSQL: the balance check with the deduction, the charge entry and the task row as one statement (its
   * data-modifying parts apply together or not at all): one round trip instead of BEGIN, three statements and
   * COMMIT. The entry and the task are written only when the deduction happened.
   */
  private async reserveInOneStatement(task: NewTask, amountMicros: number): Promise<boolean> {
    const result = await sql<{ reserved: number }>`
      with charged as (
        update accounts set balance_micros = balance_micros - ${amountMicros}::bigint
        where id = ${task.accountId} and balance_micros >= ${amountMicros}::bigint
        returning balance_micros
      ), entry as (
        insert into ledger (account_id, kind, amount_micros, balance_after_micros, task_id, session_id, note, created_at)
        select ${task.accountId}, 'charge', ${amountMicros}::bigint, balance_micros, ${task.id}, ${task.sessionId ?? null}::text, ${task.type}, ${task.createdAt}::bigint
        from charged
      ), reserved as (
        insert into tasks (id, account_id, type, mode, sensibility, status, url, method, action, session_id, price_micros, refunded, created_at, node_id)
        select ${task.id}, ${task.accountId}, ${task.type}, ${task.mode}, ${task.sensibility}, 'processing', ${task.url ?? null}::text, ${task.method ?? null}::text,
          ${task.action ?? null}::text, ${task.sessionId ?? null}::text, ${amountMicros}::bigint, 0, ${task.createdAt}::bigint, ${this.nodeId}::text
        from charged
        returning id
      )
      select count(*)::int as reserved from reserved`.execute(this.db);
    return result.rows[0]?.reserved === 1;
  }

  async complete(accountId: string, c: TaskCompletion): Promise<CompleteOutcome> {
    try {
      if (this.transactSync) return await this.transactSync((s) => completeSync(s, accountId, c));
      return await this.completeInFewRoundTrips(accountId, c);
    } catch (err) {
      if (err instanceof SessionClosedDuringWork) return { kind: 'session_closed' };
      throw err;
    }
  }

  /**
   * PostgreSQL: without a session, the task update alone (one statement is atomic by itself). With one, the task
   * update and the session's counters as one statement (the counter update takes the session row's lock), then
   * the state rewritten from the state that lock protects: BEGIN, two statements, COMMIT.
   */
  private async completeInFewRoundTrips(accountId: string, c: TaskCompletion): Promise<CompleteOutcome> {
    // The result was just written from memory: reading it back (a whole response body) would be waste.
    const taskUpdate = sql`update tasks set status = 'completed', completed_at = ${c.completedAt}::bigint, processing_time_ms = ${c.processingTimeMs}::integer,
        result_json = ${toJson(c.result)}::text, result_expires_at = ${c.resultExpiresAt}::bigint
      where id = ${c.taskId} and account_id = ${accountId} and status = 'processing'
      returning ${sql.raw(TASK_RETURNING)}`;
    const commit = c.session;
    if (!commit) {
      const row = (await sql<TaskRowWithoutResult>`${taskUpdate}`.execute(this.db)).rows[0];
      return row ? { kind: 'completed', task: completedTask(row, c) } : { kind: 'already_ended' };
    }
    return this.db.transaction().execute(async (trx): Promise<CompleteOutcome> => {
      const { rows } = await sql<{ task: TaskRowWithoutResult | null; session: Selectable<SessionsTable> | null }>`
        with t as (${taskUpdate}), s as (
          update sessions set request_count = request_count + ${commit.countRequest ? 1 : 0}::integer,
            total_charged_micros = total_charged_micros + (select price_micros from t)
          where id = ${commit.id} and account_id = ${accountId} and status != 'closed' and exists (select 1 from t)
          returning *
        )
        select (select row_to_json(t) from t) as task, (select row_to_json(s) from s) as session`.execute(trx);
      const { task: taskRow, session: sessionRow } = rows[0] ?? { task: null, session: null };
      if (!taskRow) return { kind: 'already_ended' };
      // A session closed meanwhile does not count the work: roll back, the caller refunds.
      if (!sessionRow) throw new SessionClosedDuringWork();
      const { session, changedState } = afterCommit(sessionRow, commit);
      if (changedState !== undefined) {
        await trx.updateTable('sessions').set({ state_json: changedState }).where('id', '=', commit.id).where('account_id', '=', accountId).execute();
      }
      return { kind: 'completed', task: completedTask(taskRow, c), session };
    });
  }

  async refund(accountId: string, f: TaskFailure): Promise<RefundOutcome | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('tasks')
        .set({
          status: f.status,
          refunded: 1,
          completed_at: f.completedAt,
          processing_time_ms: f.processingTimeMs,
          error_code: f.errorCode,
          error_message: f.errorMessage,
          result_json: toJson(f.result),
          result_expires_at: f.resultExpiresAt,
        })
        .where('id', '=', f.taskId)
        .where('account_id', '=', accountId)
        .where('status', '=', 'processing')
        .returning(TASK_COLUMNS_WITHOUT_RESULT)
        .executeTakeFirst();
      if (!row) return undefined;
      const reserved = Number(row.price_micros);
      let kept = Math.min(Math.max(0, Math.trunc(f.keepMicros ?? 0)), reserved);
      if (f.session) {
        // A session closed meanwhile keeps nothing: the whole reservation goes back.
        const counted = await trx
          .updateTable('sessions')
          .set({ total_charged_micros: sql`total_charged_micros + ${kept}` })
          .where('id', '=', f.session.id)
          .where('account_id', '=', accountId)
          .where('status', '!=', 'closed')
          .returning(['state_json'])
          .executeTakeFirst();
        if (!counted) kept = 0;
        else if (f.session.updateState) {
          const state = f.session.updateState(parseJson(counted.state_json));
          await trx.updateTable('sessions').set({ state_json: toJson(state) }).where('id', '=', f.session.id).where('account_id', '=', accountId).execute();
        }
      }
      // The task's price becomes the net amount kept; `refunded` marks a task whose charge went back whole.
      if (kept > 0) await trx.updateTable('tasks').set({ price_micros: kept, refunded: 0 }).where('id', '=', row.id).execute();
      await creditRefund(trx, row, reserved - kept, f.completedAt);
      const task = { ...toTask({ ...row, result_json: null, price_micros: kept > 0 ? kept : reserved, refunded: kept > 0 ? 0 : 1 }), result: f.result };
      return { task, refundedMicros: reserved - kept };
    });
  }

  async refundSessionCreate(accountId: string, sessionId: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('tasks')
        .set({ status: 'failed', refunded: 1, error_code: 'SERVICE_UNAVAILABLE', error_message: 'The session could not be allocated.' })
        .where('id', '=', sessionId)
        .where('account_id', '=', accountId)
        .where('type', '=', 'session_create')
        .where('refunded', '=', 0)
        .returningAll()
        .executeTakeFirst();
      if (row) await creditRefund(trx, row, Number(row.price_micros), now);
    });
  }

  async refundAllProcessing(now: number, errorCode: string, errorMessage: string, resultExpiresAt: number, nodeId?: string): Promise<number> {
    const out = await this.failProcessing(
      // Only this node's tasks (and those of a database written before nodes were recorded), or the dead node's.
      (q) => q.where((eb) => (nodeId !== undefined ? eb('node_id', '=', nodeId) : eb.or([eb('node_id', '=', this.nodeId), eb('node_id', 'is', null)]))),
      { now, errorCode, errorMessage, resultExpiresAt },
    );
    return out.tasks;
  }

  async processingTaskIds(before: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tasks')
      .select('id')
      .where('status', '=', 'processing')
      .where('created_at', '<', before)
      .where((eb) => (this.nodeId === null ? eb('node_id', 'is', null) : eb('node_id', '=', this.nodeId)))
      .execute();
    return rows.map((r) => r.id);
  }

  async refundTasks(ids: readonly string[], now: number, errorCode: string, errorMessage: string, resultExpiresAt: number): Promise<{ tasks: number; refundedMicros: number }> {
    if (ids.length === 0) return { tasks: 0, refundedMicros: 0 };
    return this.failProcessing((q) => q.where('id', 'in', [...ids]), { now, errorCode, errorMessage, resultExpiresAt });
  }

  /** Ends the selected tasks still processing failed, and returns each one's charge with its refund entry, in one transaction. */
  private failProcessing(
    select: (q: UpdateQueryBuilder<Database, 'tasks', 'tasks', UpdateResult>) => UpdateQueryBuilder<Database, 'tasks', 'tasks', UpdateResult>,
    f: { now: number; errorCode: string; errorMessage: string; resultExpiresAt: number },
  ): Promise<{ tasks: number; refundedMicros: number }> {
    return this.db.transaction().execute(async (trx) => {
      const update = trx
        .updateTable('tasks')
        .set({
          status: 'failed',
          refunded: 1,
          completed_at: f.now,
          processing_time_ms: sql`${f.now} - created_at`,
          error_code: f.errorCode,
          error_message: f.errorMessage,
          result_expires_at: f.resultExpiresAt,
        })
        .where('status', '=', 'processing');
      const rows = await select(update).returningAll().execute();
      let refundedMicros = 0;
      for (const row of rows) {
        await creditRefund(trx, row, Number(row.price_micros), f.now);
        refundedMicros += Number(row.price_micros);
      }
      return { tasks: rows.length, refundedMicros };
    });
  }

  async balanceOf(accountId: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirst();
    return r && Number(r.balance_micros);
  }
}
