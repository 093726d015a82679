import type { Store } from '../../storage/ports.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { SessionReleaser } from './session-releaser.js';

export interface SweeperOptions {
  intervalMs: number;
  sessionRetentionMs: number;
  /** Expired sessions handled per pass, so one pass never holds the database for long. */
  batchSize?: number;
}

/**
 * Ends sessions nobody reads once their expiry passes (contract §4.1), releases their resources, and purges
 * ended sessions and task results past retention. Its timer is unref'd: it never keeps the process alive.
 */
export class SessionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly releaser: SessionReleaser,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SweeperOptions,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass; concurrent calls share the pass in progress. */
  sweep(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const batch = this.options.batchSize ?? 500;
    try {
      const now = this.clock.now();
      for (;;) {
        const expired = await this.store.sessions.expireDue(now, batch);
        await this.releaser.release(expired);
        if (expired.length < batch || this.stopped) break;
      }
      await this.releaser.reconcile(this.store);
      await this.store.sessions.purgeEnded(now - this.options.sessionRetentionMs);
      await this.store.tasks.purgeResults(now);
    } catch (err) {
      this.log.warn({ err }, 'session sweep failed; retrying on the next tick');
    }
  }

  /** Stops the timer and waits for a pass in progress. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
