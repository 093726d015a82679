import type { Store } from '../../storage/ports.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { SessionReleaser } from './session-releaser.js';

export interface SweeperOptions {
  intervalMs: number;
  sessionRetentionMs: number;
  /** Another node silent this long is dead: its tasks are refunded and its adaptive sessions ended. */
  nodeDeadAfterMs: number;
  /** How long the results of the tasks recovered from a dead node stay readable. */
  taskRetentionMs: number;
  /** Ends this node's own abandoned tasks (processing in the store, no longer worked on here); returns how many. */
  recoverAbandonedTasks?: () => Promise<number>;
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
      await this.store.nodes.heartbeat(now);
      await this.recoverDeadNodes(now);
      const abandoned = (await this.options.recoverAbandonedTasks?.()) ?? 0;
      if (abandoned > 0) this.log.warn({ abandoned }, 'refunded tasks abandoned when the database failed their commit');
    } catch (err) {
      this.log.warn({ err }, 'session sweep failed; retrying on the next tick');
    }
  }

  /**
   * A node that stopped beating (killed, its host gone, restarted under another name) cannot finish its tasks or
   * serve its browser contexts: its processing tasks end failed and refunded, its adaptive sessions end `evicted`.
   * Every live node runs this; the updates only touch rows still processing or active, so two nodes doing it at
   * once refund nothing twice.
   */
  private async recoverDeadNodes(now: number): Promise<void> {
    for (const nodeId of await this.store.nodes.deadNodes(now - this.options.nodeDeadAfterMs)) {
      const refunded = await this.store.billing.refundAllProcessing(now, 'SERVICE_UNAVAILABLE', 'The server running the task stopped before it finished.', now + this.options.taskRetentionMs, nodeId);
      const evicted = await this.store.sessions.endAllOfMode('adaptive', 'evicted', now, nodeId);
      await this.store.nodes.forget(nodeId);
      this.log.warn({ nodeId, recovered: refunded, evicted }, 'recovered the work of a node that stopped');
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
