import { BbreError } from '../../errors/bbre-error.js';

export interface TaskRunnerOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting beyond that; more is refused at admission (contract §6: 503). */
  maxQueue: number;
}

type Job = (signal: AbortSignal) => Promise<void>;

/**
 * A bounded in-process worker pool for stateless tasks (STYLE.md practice 12). The job itself records its
 * outcome in the store; the runner only admits, orders and aborts. `close()` aborts what still runs.
 */
export class TaskRunner {
  private readonly waiting: Array<{ job: Job; done: () => void }> = [];
  private readonly running = new Set<AbortController>();
  private readonly settled = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: TaskRunnerOptions) {}

  get size(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.length };
  }

  /** Throws SERVICE_UNAVAILABLE when the queue is full or the runner is closing; call before charging. */
  assertCanAccept(): void {
    if (this.closed) throw new BbreError('SERVICE_UNAVAILABLE', { message: 'The server is shutting down.', retryAfterSecs: 5 });
    if (this.waiting.length >= this.options.maxQueue) throw new BbreError('SERVICE_UNAVAILABLE', { message: 'The task queue is full.', retryAfterSecs: 1 });
  }

  /** Queues `job`; the promise settles when the job has finished (never rejects: jobs record their own failures). */
  submit(job: Job): Promise<void> {
    this.assertCanAccept();
    return new Promise<void>((done) => {
      this.waiting.push({ job, done });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const { job, done } = this.waiting.shift()!;
      const controller = new AbortController();
      this.running.add(controller);
      const p = job(controller.signal)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(controller);
          this.settled.delete(p);
          done();
          this.pump();
        });
      this.settled.add(p);
    }
  }

  /** Refuses new jobs, aborts running and waiting ones (they refund themselves), and waits for them. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.running) c.abort(new Error('shutdown'));
    for (const w of this.waiting.splice(0)) {
      const c = new AbortController();
      c.abort(new Error('shutdown'));
      const p = w.job(c.signal).catch(() => undefined).finally(w.done);
      this.settled.add(p);
    }
    await Promise.allSettled([...this.settled]);
  }
}
