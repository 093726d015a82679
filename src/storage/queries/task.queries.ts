import { type Kysely } from 'kysely';
import type { AccountStatsRow, HistoryFilter, Page, TaskRecord, TaskStore } from '../ports.js';
import type { Database } from '../schema.js';
import { toTask } from './mappers.js';

const REQUEST_TYPES = ['request', 'session_request'];

export class TaskQueries implements TaskStore {
  constructor(private readonly db: Kysely<Database>) {}

  async getTask(accountId: string, id: string): Promise<TaskRecord | undefined> {
    const row = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return row && toTask(row);
  }

  async history(accountId: string, f: HistoryFilter, limit: number, offset: number): Promise<Page<TaskRecord>> {
    let q = this.db.selectFrom('tasks').where('account_id', '=', accountId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.startDate !== undefined) q = q.where('created_at', '>=', f.startDate);
    if (f.endDate !== undefined) q = q.where('created_at', '<=', f.endDate);
    const rows = await q
      .select(['id', 'account_id', 'type', 'mode', 'sensibility', 'status', 'url', 'method', 'action', 'session_id', 'price_micros', 'refunded', 'processing_time_ms', 'created_at', 'completed_at', 'error_code', 'error_message', 'result_expires_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map((r) => toTask({ ...r, result_json: null })), total: Number(total.n) };
  }

  async statistics(accountId: string, todayStart: number): Promise<AccountStatsRow> {
    const r = await this.db
      .selectFrom('tasks')
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.sum<number>(eb.case().when('created_at', '>=', todayStart).then(1).else(0).end()).as('today'),
        eb.fn.sum<number>(eb.case().when('status', '=', 'completed').then(1).else(0).end()).as('completed'),
        eb.fn.sum<number>(eb.case().when('status', 'in', ['failed', 'timeout']).then(1).else(0).end()).as('failed'),
      ])
      .where('account_id', '=', accountId)
      .where('type', 'in', REQUEST_TYPES)
      .executeTakeFirstOrThrow();
    return {
      totalRequests: Number(r.total ?? 0),
      todayRequests: Number(r.today ?? 0),
      completedRequests: Number(r.completed ?? 0),
      failedRequests: Number(r.failed ?? 0),
    };
  }

  async purgeResults(now: number): Promise<number> {
    const r = await this.db.updateTable('tasks').set({ result_json: null }).where('result_expires_at', '<', now).where('result_json', 'is not', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
