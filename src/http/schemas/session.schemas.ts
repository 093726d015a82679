import type { CreateSessionInput } from '../../domain/sessions/session.service.js';
import { asBody, optMaxCost, optMode, optNumber, optSensibility, requiredId } from './fields.js';
import { parseFingerprint } from './profile.schema.js';
import { parseProxy } from './proxy.schema.js';

export const SESSION_ID_HINT = 'Session ID is returned when you create a session';

export function parseCreateSession(raw: unknown): CreateSessionInput {
  const body = asBody(raw);
  return {
    mode: optMode(body),
    sensibility: optSensibility(body),
    timeoutSecs: optNumber(body, 'timeout', 'INVALID_TIMEOUT') ?? 300,
    fingerprint: parseFingerprint(body.fingerprint),
    proxy: parseProxy(body.proxy),
    maxCost: optMaxCost(body),
  };
}

export function parseSessionId(raw: unknown): string {
  return requiredId(asBody(raw), ['sessionId'], 'SESSION_ID_REQUIRED', 'SESSION_NOT_FOUND', SESSION_ID_HINT);
}
