import type { EndedReason, Mode, Sensibility } from '../contract/types.js';
import { EngineUnavailableError, type SessionEngine } from './engine.js';

export type EngineOperation = 'request' | 'browser_action';

/** Told how long each engine call took (for metrics): seconds, and whether it succeeded. */
export type EngineTimingObserver = (labels: { mode: Mode; sensibility: Sensibility; operation: EngineOperation; outcome: 'ok' | 'error' }, seconds: number) => void;

/** Picks the engine of a mode. A mode without an engine answers `EngineUnavailableError`. */
export class EngineRegistry {
  private readonly engines = new Map<Mode, SessionEngine>();
  private closing: Promise<void> | undefined;
  /** Set by the composition root. */
  onTiming: EngineTimingObserver | undefined;

  constructor(engines: SessionEngine[]) {
    for (const e of engines) this.engines.set(e.mode, e);
  }

  get(mode: Mode): SessionEngine {
    const engine = this.engines.get(mode);
    if (!engine) throw new EngineUnavailableError(`The ${mode} engine is not available on this server.`, false);
    return engine;
  }

  /** Runs one engine call and reports its duration and outcome. */
  async timed<T>(labels: { mode: Mode; sensibility: Sensibility; operation: EngineOperation }, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'error';
    try {
      const value = await call();
      outcome = 'ok';
      return value;
    } finally {
      this.onTiming?.({ ...labels, outcome }, (performance.now() - started) / 1000);
    }
  }

  has(mode: Mode): boolean {
    return this.engines.has(mode);
  }

  async release(mode: Mode, sessionId: string, reason: EndedReason): Promise<void> {
    await this.engines.get(mode)?.release(sessionId, reason);
  }

  /** Live sessions per mode, for reconciliation with the store. */
  liveSessions(): Array<{ mode: Mode; ids: string[] }> {
    return [...this.engines.values()].map((e) => ({ mode: e.mode, ids: e.liveSessionIds?.() ?? [] })).filter((e) => e.ids.length > 0);
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled([...this.engines.values()].map((e) => e.close())).then(() => undefined);
    return this.closing;
  }
}
