import type { HistoryRecord } from '../../contract/types.js';
import type { AccountRecord, HistoryFilter, TaskRecord, TaskStore } from '../../storage/ports.js';
import { microsToUsd } from '../billing/money.js';

/** Contract §3.12: `price` is the net amount kept (0 once refunded). */
export function toHistoryRecord(t: TaskRecord): HistoryRecord {
  const rec: HistoryRecord = {
    id: t.id,
    type: t.type,
    mode: t.mode,
    sensibility: t.sensibility,
    status: t.status,
    url: t.url,
    method: t.method,
    price: t.refunded ? 0 : microsToUsd(t.priceMicros),
    processingTime: t.processingTimeMs,
    createdAt: t.createdAt,
    completedAt: t.completedAt,
  };
  if (t.sessionId) rec.sessionId = t.sessionId;
  if (t.type === 'browser_action') rec.action = t.action ?? undefined;
  if (t.errorCode) (rec as HistoryRecord & { error?: unknown }).error = { code: t.errorCode, message: t.errorMessage };
  return rec;
}

export class HistoryService {
  constructor(private readonly tasks: TaskStore) {}

  async list(account: AccountRecord, filter: HistoryFilter, limit: number, offset: number): Promise<{ history: HistoryRecord[]; total: number }> {
    const page = await this.tasks.history(account.id, filter, limit, offset);
    return { history: page.items.map(toHistoryRecord), total: page.total };
  }
}
