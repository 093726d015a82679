import type { BrowserActionRequest } from '../../domain/requests/browser-action.service.js';
import { BbreError } from '../../errors/bbre-error.js';
import { asBody, optMaxCost, requiredId } from './fields.js';
import { SESSION_ID_HINT } from './session.schemas.js';

export const MAX_BATCH_STEPS = 50;

export type BrowserActionInput = BrowserActionRequest;

/** Contract §3.5: flat (`action: "click", selector`), nested (`action: {type, …}`) or batch (`actions: [...]`). */
export function parseBrowserAction(raw: unknown, limits: { maxTimeoutSecs: number }): BrowserActionInput {
  const body = asBody(raw);
  const sessionId = requiredId(body, ['sessionId'], 'SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND', SESSION_ID_HINT);
  const timeout = body.timeout ?? 30;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > limits.maxTimeoutSecs) {
    throw new BbreError('INVALID_TIMEOUT', { details: { field: 'timeout', max: limits.maxTimeoutSecs } });
  }
  const common = { sessionId, timeoutSecs: timeout, speed: body.speed, maxCost: optMaxCost(body) };
  if (body.actions !== undefined && body.actions !== null) {
    if (!Array.isArray(body.actions) || body.actions.length === 0) throw new BbreError('INVALID_ACTION', { message: 'actions must be a non-empty array.', details: { field: 'actions' } });
    if (body.actions.length > MAX_BATCH_STEPS) throw new BbreError('INVALID_ACTION', { message: `A batch has at most ${MAX_BATCH_STEPS} steps.`, details: { field: 'actions', max: MAX_BATCH_STEPS } });
    const steps = body.actions.map((s, i) => {
      if (!s || typeof s !== 'object' || Array.isArray(s)) throw new BbreError('INVALID_ACTION', { message: 'Each step must be an object with a type.', details: { field: `actions[${i}]` } });
      return s as Record<string, unknown>;
    });
    return { ...common, steps, batch: true };
  }
  const action = body.action;
  if (action === undefined || action === null || action === '') throw new BbreError('ACTION_REQUIRED', { details: { field: 'action' } });
  if (typeof action === 'string') {
    const { sessionId: _s, action: _a, timeout: _t, speed: _sp, maxCost: _m, ...params } = body;
    return { ...common, steps: [{ ...params, type: action }], batch: false };
  }
  if (typeof action === 'object' && !Array.isArray(action)) return { ...common, steps: [action as Record<string, unknown>], batch: false };
  throw new BbreError('INVALID_ACTION', { message: 'action must be a name or an object with a type.', details: { field: 'action' } });
}
