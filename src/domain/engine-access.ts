import { EngineUnavailableError, type SessionEngine } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/registry.js';
import { BbreError } from '../errors/bbre-error.js';
import type { Mode } from '../contract/types.js';

/** Turns an engine that cannot take work into the contract's 503. */
export function unavailable(err: EngineUnavailableError): BbreError {
  return new BbreError('SERVICE_UNAVAILABLE', { message: err.message, retryable: err.retryable, retryAfterSecs: err.retryAfterSecs, cause: err });
}

/** The engine of `mode`, checked able to take work before anything is charged; otherwise 503. */
export function availableEngine(engines: EngineRegistry, mode: Mode): SessionEngine {
  try {
    const engine = engines.get(mode);
    engine.assertAvailable?.();
    return engine;
  } catch (err) {
    if (err instanceof EngineUnavailableError) throw unavailable(err);
    throw err;
  }
}
