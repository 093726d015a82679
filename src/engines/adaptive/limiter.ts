import { EngineUnavailableError } from '../engine.js';

/**
 * Admission for live browser contexts (STYLE.md practice 12): at most `max` at once; beyond that a caller waits
 * up to `maxWaitMs` in arrival order, then gets a retryable 503 with Retry-After.
 */
export class ContextLimiter {
  private inUse = 0;
  private readonly waiters: Array<{ grant: () => void; timer: NodeJS.Timeout }> = [];

  constructor(
    readonly max: number,
    private readonly maxWaitMs: number,
  ) {}

  get busy(): number {
    return this.inUse;
  }

  get available(): number {
    return Math.max(0, this.max - this.inUse);
  }

  async acquire(): Promise<() => void> {
    if (this.inUse < this.max) {
      this.inUse++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(entry);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new EngineUnavailableError('No browser capacity is free; retry shortly.', true, 5));
        }, this.maxWaitMs),
      };
      entry.timer.unref();
      this.waiters.push(entry);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.inUse--;
    };
  }
}
