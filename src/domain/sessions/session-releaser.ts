import type { EngineRegistry } from '../../engines/registry.js';
import type { EndedSessionRef } from '../../storage/ports.js';
import type { Logger } from '../logger.js';

/** Releases engine resources of sessions that ended in the store; one failure never strands the rest. */
export class SessionReleaser {
  constructor(
    private readonly engines: EngineRegistry,
    private readonly log: Logger,
  ) {}

  async release(refs: readonly EndedSessionRef[]): Promise<void> {
    await Promise.all(
      refs.map(async (ref) => {
        try {
          await this.engines.release(ref.mode, ref.id, ref.reason);
        } catch (err) {
          this.log.warn({ err, sessionId: ref.id }, 'releasing session resources failed');
        }
      }),
    );
  }
}
