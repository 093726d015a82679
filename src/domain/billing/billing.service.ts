import type { Mode, Sensibility, TaskType } from '../../contract/types.js';
import { BbreError } from '../../errors/bbre-error.js';
import type { BillingStore, CompleteOutcome, SessionCommit, TaskRecord } from '../../storage/ports.js';
import type { Clock } from '../clock.js';
import { microsToUsd, usdToMicros } from './money.js';
import { PriceList, type PricedOperation } from './pricing.js';

/** A charge taken before work starts; it ends exactly once, in `complete` or `refund`. */
export interface Reservation {
  taskId: string;
  accountId: string;
  type: TaskType;
  priceMicros: number;
  startedAt: number;
}

export interface ChargeObserver {
  charged(micros: number): void;
  refunded(micros: number): void;
  taskEnded(type: TaskType, status: 'completed' | 'failed' | 'timeout'): void;
}

export interface ReserveInput {
  taskId: string;
  accountId: string;
  type: TaskType;
  mode: Mode;
  sensibility: Sensibility;
  url?: string | null;
  method?: string | null;
  action?: string | null;
  sessionId?: string | null;
}

/** Contract §7.2: price → maxCost → atomic reserve → run → commit or refund. */
export class BillingService {
  /** Tasks this process has reserved and not yet settled: anything else of this node still processing is abandoned. */
  private readonly open = new Set<string>();

  constructor(
    private readonly store: BillingStore,
    private readonly prices: PriceList,
    private readonly clock: Clock,
    private readonly resultRetentionMs: number,
    private readonly observer?: ChargeObserver,
  ) {}

  price(op: PricedOperation, mode: Mode, sensibility: Sensibility): number {
    return this.prices.priceMicros(op, mode, sensibility);
  }

  /** Throws PRICE_ABOVE_MAX_COST when the client's ceiling is below the price; nothing is charged. */
  checkMaxCost(priceMicros: number, maxCostUsd: number | undefined): void {
    if (maxCostUsd !== undefined && priceMicros > usdToMicros(maxCostUsd)) {
      throw new BbreError('PRICE_ABOVE_MAX_COST', { details: { price: microsToUsd(priceMicros), maxCost: maxCostUsd } });
    }
  }

  /** Reports charges and refunds another store transaction made (the session-creation fee). */
  recordStoreCharge(micros: number): void {
    if (micros > 0) this.observer?.charged(micros);
  }

  recordStoreRefund(micros: number): void {
    if (micros > 0) this.observer?.refunded(micros);
  }

  /**
   * This node's tasks still processing but no longer worked on here (a commit or refund the database failed during an
   * outage): they end failed and refunded. Returns how many.
   */
  async recoverAbandoned(minAgeMs: number, resultRetentionMs: number): Promise<number> {
    const now = this.clock.now();
    const abandoned = (await this.store.processingTaskIds(now - minAgeMs)).filter((id) => !this.open.has(id));
    if (abandoned.length === 0) return 0;
    const out = await this.store.refundTasks(abandoned, now, 'SERVICE_UNAVAILABLE', 'The task could not be finished: the database was unavailable.', now + resultRetentionMs);
    if (out.refundedMicros > 0) this.observer?.refunded(out.refundedMicros);
    return out.tasks;
  }

  /** Is the task reserved here and still being worked on? */
  isOpen(taskId: string): boolean {
    return this.open.has(taskId);
  }

  async reserve(input: ReserveInput, priceMicros: number): Promise<Reservation> {
    const now = this.clock.now();
    // Marked open before it exists, so no sweep can take a task that is being reserved for abandoned.
    this.open.add(input.taskId);
    let ok: boolean;
    try {
      ok = await this.store.reserve(
        {
          id: input.taskId,
          accountId: input.accountId,
          type: input.type,
          mode: input.mode,
          sensibility: input.sensibility,
          url: input.url ?? null,
          method: input.method ?? null,
          action: input.action ?? null,
          sessionId: input.sessionId ?? null,
          createdAt: now,
        },
        priceMicros,
      );
    } catch (err) {
      this.open.delete(input.taskId);
      throw err;
    }
    if (!ok) {
      this.open.delete(input.taskId);
      throw new BbreError('INSUFFICIENT_BALANCE', { details: { price: microsToUsd(priceMicros) } });
    }
    if (priceMicros > 0) this.observer?.charged(priceMicros);
    return { taskId: input.taskId, accountId: input.accountId, type: input.type, priceMicros, startedAt: now };
  }

  /**
   * Marks the task completed; with `session`, moves its counters (and state) in the same transaction.
   * `result` is built with the processing time that is stored, so the two always agree.
   */
  async complete(r: Reservation, buildResult: (processingTimeMs: number) => unknown, session?: SessionCommit): Promise<CompleteOutcome> {
    try {
      return await this.completeTask(r, buildResult, session);
    } finally {
      // Settled, or given up on (the database failed the commit): a sweep recovers it if it is still processing.
      this.open.delete(r.taskId);
    }
  }

  private async completeTask(r: Reservation, buildResult: (processingTimeMs: number) => unknown, session?: SessionCommit): Promise<CompleteOutcome> {
    const now = this.clock.now();
    const processingTimeMs = Math.max(0, now - r.startedAt);
    const outcome = await this.store.complete(r.accountId, {
      taskId: r.taskId,
      completedAt: now,
      processingTimeMs,
      result: buildResult(processingTimeMs),
      resultExpiresAt: now + this.resultRetentionMs,
      session,
    });
    if (outcome.kind === 'completed') this.observer?.taskEnded(r.type, 'completed');
    return outcome;
  }

  /**
   * Ends the task failed/timeout and returns its charge. A task that already ended is left alone. `keep` keeps part
   * of the reservation (the executed steps of a failed batch), counted in the session's `totalCharged`.
   */
  async refund(
    r: Reservation,
    status: 'failed' | 'timeout',
    error: BbreError,
    result?: unknown,
    keep?: { micros: number; session: Omit<SessionCommit, 'countRequest'> },
  ): Promise<TaskRecord | undefined> {
    const now = this.clock.now();
    let outcome;
    try {
      outcome = await this.store.refund(r.accountId, {
        taskId: r.taskId,
        status,
        completedAt: now,
        processingTimeMs: Math.max(0, now - r.startedAt),
        errorCode: error.code,
        errorMessage: error.message,
        result: result ?? null,
        resultExpiresAt: now + this.resultRetentionMs,
        keepMicros: keep?.micros,
        session: keep?.session,
      });
    } finally {
      // Settled, or given up on (the database failed the write): a sweep recovers it if it is still processing.
      this.open.delete(r.taskId);
    }
    if (!outcome) return undefined;
    this.observer?.taskEnded(r.type, status);
    if (outcome.refundedMicros > 0) this.observer?.refunded(outcome.refundedMicros);
    return outcome.task;
  }
}
