import type { Mode, Profile, ProxySpec, Sensibility } from '../../contract/types.js';
import type { EngineRequest, EngineSession } from '../../engines/engine.js';
import { TargetError } from '../../engines/engine.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { BbreError } from '../../errors/bbre-error.js';
import { asServiceFailure } from '../../errors/infra.js';
import { newTaskId } from '../../security/ids.js';
import type { TargetPolicy } from '../../security/target-policy.js';
import type { AccountRecord, TaskRecord, TaskStore } from '../../storage/ports.js';
import type { BillingService, Reservation } from '../billing/billing.service.js';
import { microsToUsd } from '../billing/money.js';
import type { Clock } from '../clock.js';
import { failureOf, resultData } from '../requests/request-outcome.js';
import { availableEngine } from '../engine-access.js';
import type { TaskRunner } from './task-runner.js';

export interface StatelessRequest {
  request: EngineRequest;
  mode: Mode;
  sensibility: Sensibility;
  proxy?: ProxySpec;
  fingerprint?: Profile;
  maxCost?: number;
}

type Settled = { ok: true; data: Record<string, unknown> } | { ok: false; error: BbreError };

/**
 * Stateless requests (contract §3.6–3.8): each task starts from a clean jar and a new profile, runs in the bounded
 * runner (queue wait counts toward its timeout), and records its result or its refund in the store.
 */
export class RequestService {
  constructor(
    private readonly engines: EngineRegistry,
    private readonly billing: BillingService,
    private readonly tasks: TaskStore,
    private readonly runner: TaskRunner,
    private readonly policy: TargetPolicy,
    private readonly clock: Clock,
  ) {}

  /** /request/create: admits and charges, then returns at once. */
  async create(account: AccountRecord, input: StatelessRequest): Promise<{ taskId: string; costMicros: number }> {
    const { taskId, costMicros, run } = await this.admit(account, input);
    void run;
    return { taskId, costMicros };
  }

  /** /request/execute and /request/sync: the same, waiting for the outcome. A client leaving does not stop it. */
  async execute(account: AccountRecord, input: StatelessRequest): Promise<{ data: Record<string, unknown>; costMicros: number }> {
    const { costMicros, run } = await this.admit(account, input);
    const settled = await run;
    if (!settled.ok) throw settled.error;
    return { data: settled.data, costMicros };
  }

  private async admit(account: AccountRecord, input: StatelessRequest): Promise<{ taskId: string; costMicros: number; run: Promise<Settled> }> {
    const engine = availableEngine(this.engines, input.mode);
    const priceMicros = this.billing.price('request', input.mode, input.sensibility);
    this.billing.checkMaxCost(priceMicros, input.maxCost);
    const verdict = this.policy.checkUrl(input.request.url);
    if (!verdict.allowed) throw new BbreError('TARGET_NOT_ALLOWED', { details: { reason: verdict.reason } });
    this.runner.assertCanAccept();
    const taskId = newTaskId();
    const reservation = await this.billing.reserve(
      { taskId, accountId: account.id, type: 'request', mode: input.mode, sensibility: input.sensibility, url: input.request.url.toString(), method: input.request.method },
      priceMicros,
    );
    const profile = engine.createProfile(input.sensibility, input.fingerprint);
    const session: EngineSession = { id: taskId, accountId: account.id, mode: input.mode, sensibility: input.sensibility, profile, proxy: input.proxy ?? null, state: null };
    let settle!: (s: Settled) => void;
    const run = new Promise<Settled>((resolve) => (settle = resolve));
    this.runner
      .submit(async (signal) => {
        let outcome: Settled;
        try {
          outcome = await this.runTask(reservation, session, input.request, signal);
        } catch (err) {
          // The database failed the commit or the refund (an outage): the caller still gets an answer, and the task,
          // left processing, is refunded by the sweeper once the database is back.
          outcome = { ok: false, error: asServiceFailure(err, { taskId }) };
        }
        settle(outcome);
      })
      .catch(async (err: unknown) => {
        // Refused after charging (the runner closed in between): give the money back.
        const error = err instanceof BbreError ? err : new BbreError('SERVICE_UNAVAILABLE', { cause: err });
        await this.billing.refund(reservation, 'failed', error).catch(() => undefined);
        settle({ ok: false, error });
      });
    return { taskId, costMicros: priceMicros, run };
  }

  private async runTask(r: Reservation, session: EngineSession, request: EngineRequest, signal: AbortSignal): Promise<Settled> {
    const engine = this.engines.get(session.mode);
    // Contract §6: the wait in the queue counts toward the timeout.
    const remainingMs = request.timeoutMs - (this.clock.now() - r.startedAt);
    try {
      if (remainingMs <= 0) throw new TargetError('timeout', 'The task waited in the queue past its timeout.', 'queue');
      await engine.open(session);
      const result = await this.engines.timed({ mode: session.mode, sensibility: session.sensibility, operation: 'request' }, () =>
        engine.execute(session, { ...request, timeoutMs: remainingMs }, { signal }),
      );
      const outcome = await this.billing.complete(r, (ms) => resultData({ id: r.taskId, processingTimeMs: ms }, result, session.profile));
      if (outcome.kind !== 'completed') return { ok: false, error: new BbreError('SERVICE_ERROR', { details: { taskId: r.taskId } }) };
      return { ok: true, data: outcome.task.result as Record<string, unknown> };
    } catch (err) {
      const failure = failureOf(err, { taskId: r.taskId, method: request.method, timeoutSecs: request.timeoutMs / 1000 });
      await this.billing.refund(r, failure.status, failure.error, { task: { id: r.taskId, status: failure.status, error: { code: failure.error.code, message: failure.error.message }, refunded: true } });
      return { ok: false, error: failure.error };
    } finally {
      await engine.release(session.id, 'closed').catch(() => undefined);
    }
  }

  /** /request/result (contract §3.7). */
  async result(account: AccountRecord, taskId: string): Promise<Record<string, unknown>> {
    const task = await this.tasks.getTask(account.id, taskId);
    if (!task || task.type === 'session_create' || isPurged(task, this.clock.now())) throw new BbreError('TASK_NOT_FOUND', { details: { taskId } });
    if (task.status === 'processing') return { task: { id: task.id, status: 'processing' } };
    if (task.status === 'completed') return (task.result as Record<string, unknown>) ?? { task: { id: task.id, status: 'completed', processingTime: task.processingTimeMs } };
    return {
      task: {
        id: task.id,
        status: task.status,
        processingTime: task.processingTimeMs,
        error: { code: task.errorCode, message: task.errorMessage },
        // A failed task is always refunded; a failed batch of browser actions keeps the price of the steps that ran.
        refunded: true,
        ...(task.refunded || task.priceMicros === 0 ? {} : { charged: microsToUsd(task.priceMicros) }),
      },
    };
  }
}

function isPurged(task: TaskRecord, now: number): boolean {
  return task.status !== 'processing' && (task.resultExpiresAt === null || task.resultExpiresAt < now);
}
