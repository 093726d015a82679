import { ActionError, ActionInputError, EngineUnavailableError, isBrowserEngine, TargetError, type ActionStep, type BrowserEngine } from '../../engines/engine.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { BbreError } from '../../errors/bbre-error.js';
import { newTaskId } from '../../security/ids.js';
import type { AccountRecord, SessionRecord } from '../../storage/ports.js';
import type { BillingService } from '../billing/billing.service.js';
import { microsToUsd } from '../billing/money.js';
import { endedSessionError } from '../sessions/session-lifecycle.js';
import type { SessionService } from '../sessions/session.service.js';
import { availableEngine, unavailable } from '../engine-access.js';
import { SessionEndedAbort, type InFlightWork } from './in-flight.js';
import { failureOf } from './request-outcome.js';
import type { SessionQueues } from './session-queues.js';
import { engineSessionOf } from './session-request.service.js';

export interface BrowserActionRequest {
  sessionId: string;
  /** Raw steps, validated by the engine that runs them. */
  steps: Array<Record<string, unknown>>;
  batch: boolean;
  timeoutSecs: number;
  speed: unknown;
  maxCost?: number;
}

/** Maps a failed step to its contract code (contract §3.5 errors). */
function stepError(err: Error, ctx: { taskId: string; sessionClosed: () => BbreError | undefined }): BbreError {
  // Whatever the step reported, a session closed under it answers SESSION_CLOSED (contract §3.4).
  const closed = ctx.sessionClosed();
  if (closed) return new BbreError(closed.code, { message: closed.message, details: { ...closed.details, taskId: ctx.taskId, refunded: true }, cause: err });
  if (err instanceof ActionError) {
    const code = err.kind === 'element_not_found' ? 'ELEMENT_NOT_FOUND' : err.kind === 'timeout' ? 'BROWSER_TIMEOUT' : 'BROWSER_ACTION_FAILED';
    return new BbreError(code, { message: err.message, details: { taskId: ctx.taskId, refunded: true }, cause: err });
  }
  if (err instanceof TargetError && err.kind === 'timeout') return new BbreError('BROWSER_TIMEOUT', { details: { taskId: ctx.taskId, refunded: true }, cause: err });
  return failureOf(err, { taskId: ctx.taskId, method: 'GET', timeoutSecs: 0, sessionClosed: ctx.sessionClosed }).error;
}

/**
 * POST /browser/action (contract §3.5): validate every step first, reserve the price of the steps, run them in
 * order on the session's page (after earlier requests and actions of the session), stop at the first failure.
 */
export class BrowserActionService {
  constructor(
    private readonly sessions: SessionService,
    private readonly engines: EngineRegistry,
    private readonly billing: BillingService,
    private readonly inFlight: InFlightWork,
    private readonly queues: SessionQueues,
  ) {}

  private browserEngine(): BrowserEngine {
    const engine = availableEngine(this.engines, 'adaptive');
    if (!isBrowserEngine(engine)) throw unavailable(new EngineUnavailableError('The adaptive engine cannot run browser actions.', false));
    return engine;
  }

  async run(account: AccountRecord, input: BrowserActionRequest): Promise<{ data: Record<string, unknown>; costMicros: number }> {
    const session = await this.sessions.load(account, input.sessionId);
    if (session.status !== 'active') throw endedSessionError(session);
    if (session.mode !== 'adaptive') throw new BbreError('ADAPTIVE_MODE_REQUIRED', { details: { mode: session.mode } });
    const engine = this.browserEngine();
    let steps: ActionStep[];
    let speed: string | undefined;
    try {
      steps = engine.parseSteps(input.steps, input.batch);
      speed = engine.parseSpeed(input.speed);
    } catch (err) {
      if (err instanceof ActionInputError) throw new BbreError('INVALID_ACTION', { message: err.message, details: { field: err.field } });
      throw err;
    }
    const stepPriceMicros = this.billing.price('browserAction', session.mode, session.sensibility);
    const priceMicros = stepPriceMicros * steps.length;
    // A call's own maxCost wins; otherwise the ceiling set when the session was created applies (contract §7.2).
    this.billing.checkMaxCost(priceMicros, input.maxCost ?? (session.maxCostMicros === null ? undefined : microsToUsd(session.maxCostMicros)));
    const taskId = newTaskId();
    const actionName = input.batch ? 'batch' : steps[0]!.name;
    const reservation = await this.billing.reserve(
      // Contract §3.12: a browser_action record's url is the page URL when the call started.
      { taskId, accountId: account.id, type: 'browser_action', mode: session.mode, sensibility: session.sensibility, url: engine.pageUrl(session.id) ?? null, method: null, action: actionName, sessionId: session.id },
      priceMicros,
    );
    const controller = new AbortController();
    const untrack = this.inFlight.track(session.id, controller);
    const sessionClosed = () => closedErrorOf(controller, session);
    const started = performance.now();
    let run;
    try {
      run = await this.queues.run(session.id, () =>
        this.engines.timed({ mode: session.mode, sensibility: session.sensibility, operation: 'browser_action' }, () =>
          engine.runActions(engineSessionOf(session), steps, { timeoutMs: input.timeoutSecs * 1000, speed, signal: controller.signal }),
        ),
      );
    } catch (err) {
      const error = stepError(err as Error, { taskId, sessionClosed });
      await this.billing.refund(reservation, 'failed', error);
      throw error;
    } finally {
      untrack();
    }
    const duration = Math.round(performance.now() - started);
    if (run.failure) {
      const error = stepError(run.failure.error, { taskId, sessionClosed });
      const results = run.results.map((r) => (r.success ? r : { ...r, error: { code: error.code, message: error.message } }));
      // Contract §3.5: the steps that ran before the failing one are charged; the failing step and the rest are refunded.
      const keepMicros = stepPriceMicros * run.failure.index;
      const task = await this.billing.refund(
        reservation,
        'failed',
        error,
        { task: { id: taskId, status: 'failed', error: { code: error.code, message: error.message }, refunded: true, charged: microsToUsd(keepMicros) }, results },
        { micros: keepMicros, session: { id: session.id, updateState: run.updateState } },
      );
      const charged = task ? (task.refunded ? 0 : task.priceMicros) : 0;
      throw new BbreError(error.code, {
        message: error.message,
        retryable: error.retryable,
        cause: error.cause,
        details: { ...error.details, charged: microsToUsd(charged), failedStep: run.failure.index, results },
      });
    }
    const data: Record<string, unknown> = input.batch
      ? { results: run.results, url: run.url, title: run.title, duration }
      : { action: steps[0]!.name, result: run.results[0]!.result, url: run.url, title: run.title, duration };
    const outcome = await this.billing.complete(reservation, () => ({ ...data, task: { id: taskId, status: 'completed' } }), { id: session.id, countRequest: false, updateState: run.updateState });
    if (outcome.kind !== 'completed') {
      const error = await this.sessions.endedWhileWorking(account, session.id, taskId);
      await this.billing.refund(reservation, 'failed', error);
      throw error;
    }
    return { data, costMicros: priceMicros };
  }
}

function closedErrorOf(controller: AbortController, session: SessionRecord): BbreError | undefined {
  const reason = controller.signal.reason;
  if (!(reason instanceof SessionEndedAbort)) return undefined;
  return endedSessionError({ ...session, status: reason.endedReason === 'expired' ? 'expired' : 'closed', endedReason: reason.endedReason as SessionRecord['endedReason'] });
}
