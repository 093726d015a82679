import type { SessionView } from '../../contract/types.js';
import type { EngineRequest, EngineSession } from '../../engines/engine.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { BbreError } from '../../errors/bbre-error.js';
import { newTaskId } from '../../security/ids.js';
import type { TargetPolicy } from '../../security/target-policy.js';
import type { AccountRecord, SessionRecord } from '../../storage/ports.js';
import type { BillingService } from '../billing/billing.service.js';
import { microsToUsd } from '../billing/money.js';
import { endedSessionError, toSessionView } from '../sessions/session-lifecycle.js';
import type { SessionService } from '../sessions/session.service.js';
import { availableEngine } from '../engine-access.js';
import { SessionEndedAbort, type InFlightWork } from './in-flight.js';
import { failureOf, resultData } from './request-outcome.js';
import type { SessionQueues } from './session-queues.js';

export interface SessionRequestInput {
  sessionId: string;
  request: EngineRequest;
  maxCost?: number;
}

export interface SessionRequestOutcome {
  data: Record<string, unknown>;
  session: Pick<SessionView, 'id' | 'status' | 'requestCount' | 'totalCharged' | 'expiresAt'>;
  costMicros: number;
}

export function engineSessionOf(s: SessionRecord): EngineSession {
  return { id: s.id, accountId: s.accountId, mode: s.mode, sensibility: s.sensibility, profile: s.profile.value, proxy: s.proxy, state: s.state };
}

/**
 * POST /session/request (contract §3.2): reconcile → policy → reserve → run (passive concurrently, adaptive in
 * arrival order) → commit counters, cookies and charge in one transaction, or refund.
 */
export class SessionRequestService {
  constructor(
    private readonly sessions: SessionService,
    private readonly engines: EngineRegistry,
    private readonly billing: BillingService,
    private readonly policy: TargetPolicy,
    private readonly inFlight: InFlightWork,
    /** Shared with browser actions: an adaptive session's requests and actions run in one arrival order. */
    private readonly queues: SessionQueues,
  ) {}

  async request(account: AccountRecord, input: SessionRequestInput, clientSignal?: AbortSignal): Promise<SessionRequestOutcome> {
    const session = await this.sessions.load(account, input.sessionId);
    if (session.status !== 'active') throw endedSessionError(session);
    const engine = availableEngine(this.engines, session.mode);
    const priceMicros = this.billing.price('request', session.mode, session.sensibility);
    this.billing.checkMaxCost(priceMicros, input.maxCost ?? (session.maxCostMicros === null ? undefined : microsToUsd(session.maxCostMicros)));
    const verdict = this.policy.checkUrl(input.request.url);
    if (!verdict.allowed) throw new BbreError('TARGET_NOT_ALLOWED', { details: { reason: verdict.reason } });

    const taskId = newTaskId();
    const reservation = await this.billing.reserve(
      { taskId, accountId: account.id, type: 'session_request', mode: session.mode, sensibility: session.sensibility, url: input.request.url.toString(), method: input.request.method, sessionId: session.id },
      priceMicros,
    );
    const controller = new AbortController();
    const untrack = this.inFlight.track(session.id, controller);
    // The client going away aborts the same controller (one signal per request, not AbortSignal.any's several).
    const clientGone = () => controller.abort(clientSignal?.reason);
    if (clientSignal?.aborted) clientGone();
    else clientSignal?.addEventListener('abort', clientGone, { once: true });
    const { signal } = controller;
    const closedError = () => {
      const reason = controller.signal.reason;
      if (reason instanceof SessionEndedAbort) return endedSessionError({ ...session, status: reason.endedReason === 'expired' ? 'expired' : 'closed', endedReason: reason.endedReason as SessionRecord['endedReason'] });
      return undefined;
    };
    let result;
    try {
      // An adaptive session has one page: its requests and actions run in arrival order (contract §3.2).
      const run = () =>
        this.engines.timed({ mode: session.mode, sensibility: session.sensibility, operation: 'request' }, () => engine.execute(engineSessionOf(session), input.request, { signal }));
      result = await (session.mode === 'adaptive' ? this.queues.run(session.id, run) : run());
    } catch (err) {
      const failure = failureOf(err, { taskId, method: input.request.method, timeoutSecs: input.request.timeoutMs / 1000, sessionClosed: closedError });
      await this.billing.refund(reservation, failure.status, failure.error, { task: { id: taskId, status: failure.status, error: { code: failure.error.code, message: failure.error.message }, refunded: true } });
      throw failure.error;
    } finally {
      untrack();
      clientSignal?.removeEventListener('abort', clientGone);
    }
    const outcome = await this.billing.complete(reservation, (ms) => resultData({ id: taskId, processingTimeMs: ms }, result, session.profile.value), {
      id: session.id,
      countRequest: true,
      updateState: result.updateState,
    });
    if (outcome.kind !== 'completed' || !outcome.session) {
      // Closed while the target answered: the work does not count (contract §3.4).
      const error = await this.sessions.endedWhileWorking(account, session.id, taskId);
      await this.billing.refund(reservation, 'failed', error);
      throw error;
    }
    const view = toSessionView(outcome.session);
    return {
      data: outcome.task.result as Record<string, unknown>,
      session: { id: view.id, status: view.status, requestCount: view.requestCount, totalCharged: view.totalCharged, expiresAt: view.expiresAt },
      costMicros: priceMicros,
    };
  }
}
