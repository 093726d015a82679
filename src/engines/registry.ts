import type { EndedReason, Mode } from '../contract/types.js';
import { EngineUnavailableError, type SessionEngine } from './engine.js';

/** Picks the engine of a mode. A mode without an engine answers `EngineUnavailableError`. */
export class EngineRegistry {
  private readonly engines = new Map<Mode, SessionEngine>();
  private closing: Promise<void> | undefined;

  constructor(engines: SessionEngine[]) {
    for (const e of engines) this.engines.set(e.mode, e);
  }

  get(mode: Mode): SessionEngine {
    const engine = this.engines.get(mode);
    if (!engine) throw new EngineUnavailableError(`The ${mode} engine is not available on this server.`, false);
    return engine;
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
