import type { Profile } from '../../contract/types.js';
import { EngineUnavailableError, TargetError, type EngineResult } from '../../engines/engine.js';
import { BbreError } from '../../errors/bbre-error.js';

/** Contract §5: REQUEST_TIMEOUT and TARGET_UNREACHABLE may be retried unchanged only for idempotent methods. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export interface FailedOutcome {
  status: 'failed' | 'timeout';
  error: BbreError;
}

/** Translates an engine failure into the contract code, the task status and the refund details. */
export function failureOf(err: unknown, ctx: { taskId: string; method: string; timeoutSecs: number; sessionClosed?: () => BbreError | undefined }): FailedOutcome {
  const details = { taskId: ctx.taskId, refunded: true };
  if (err instanceof TargetError) {
    const retryable = IDEMPOTENT.has(ctx.method);
    switch (err.kind) {
      case 'timeout':
        return {
          status: 'timeout',
          error: new BbreError('REQUEST_TIMEOUT', { message: `The target did not answer within ${ctx.timeoutSecs} second${ctx.timeoutSecs === 1 ? '' : 's'}.`, retryable, details, cause: err }),
        };
      case 'not_allowed':
        return { status: 'failed', error: new BbreError('TARGET_NOT_ALLOWED', { details: { ...details, reason: err.reason }, cause: err }) };
      case 'unreachable':
        return { status: 'failed', error: new BbreError('TARGET_UNREACHABLE', { message: err.message, retryable, details: { ...details, reason: err.reason }, cause: err }) };
      case 'aborted': {
        const closed = ctx.sessionClosed?.();
        if (closed) return { status: 'failed', error: new BbreError(closed.code, { message: closed.message, details: { ...closed.details, ...details }, cause: err }) };
        return { status: 'failed', error: new BbreError('SERVICE_UNAVAILABLE', { message: 'The request was interrupted.', details, cause: err }) };
      }
    }
  }
  if (err instanceof EngineUnavailableError) {
    return { status: 'failed', error: new BbreError('SERVICE_UNAVAILABLE', { message: err.message, retryable: err.retryable, retryAfterSecs: err.retryAfterSecs, details, cause: err }) };
  }
  if (err instanceof BbreError) return { status: 'failed', error: new BbreError(err.code, { message: err.message, retryable: err.retryable, details: { ...err.details, ...details }, cause: err.cause }) };
  return { status: 'failed', error: new BbreError('SERVICE_ERROR', { details, cause: err }) };
}

/** The result object of contract §1.7. */
export function resultData(task: { id: string; processingTimeMs: number }, r: EngineResult, profile: Profile): Record<string, unknown> {
  return {
    task: { id: task.id, status: 'completed', processingTime: task.processingTimeMs },
    statusCode: r.statusCode,
    headers: r.headers,
    body: r.body,
    bodyEncoding: r.bodyEncoding,
    truncated: r.truncated,
    cookies: r.cookies,
    url: r.url,
    redirects: r.redirects,
    profile,
  };
}
