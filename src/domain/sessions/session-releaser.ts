import type { EngineRegistry } from '../../engines/registry.js';
import type { EndedSessionRef, Store } from '../../storage/ports.js';
import type { Logger } from '../logger.js';
import type { InFlightWork } from '../requests/in-flight.js';

/**
 * Releases engine resources of sessions that ended in the store; one failure never strands the rest.
 * Work still running on a closed or evicted session is aborted first (contract §3.4); on an expired one it
 * runs to its end and counts (contract §3.2).
 */
export class SessionReleaser {
  constructor(
    private readonly engines: EngineRegistry,
    private readonly inFlight: InFlightWork,
    private readonly log: Logger,
  ) {}

  /**
   * Live handles whose session ended elsewhere (the operator CLI suspended the account, another node closed it)
   * are released here, so no context outlives its session by more than one sweep.
   */
  async reconcile(store: Store): Promise<void> {
    for (const { mode, ids } of this.engines.liveSessions()) {
      const ended = await store.sessions.endedAmong(ids);
      await this.release(ended.map((e) => ({ id: e.id, accountId: e.accountId, mode, reason: e.reason })));
    }
  }

  async release(refs: readonly EndedSessionRef[]): Promise<void> {
    await Promise.all(
      refs.map(async (ref) => {
        if (ref.reason !== 'expired') this.inFlight.abort(ref.id, ref.reason);
        try {
          await this.engines.release(ref.mode, ref.id, ref.reason);
        } catch (err) {
          this.log.warn({ err, sessionId: ref.id }, 'releasing session resources failed');
        }
      }),
    );
  }
}
