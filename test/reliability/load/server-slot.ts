import { findFreePort } from '../../../bench/lib/server-process.js';
import { ServerChild, type ServerChildOptions, type ServerLogLine } from './server-child.js';

/** The server of the run across restarts: the current process and every one before it (their logs count too). */
export class ServerSlot {
  readonly generations: ServerChild[] = [];

  private port: number;

  constructor(private readonly options: ServerChildOptions) {
    this.port = options.port;
  }

  get current(): ServerChild {
    const last = this.generations[this.generations.length - 1];
    if (!last) throw new Error('the server was never started');
    return last;
  }

  get baseUrl(): string {
    return `http://${this.options.host}:${this.port}`;
  }

  /** Starts the next generation, on the same port unless `newPort`. */
  async start(options: { newPort?: boolean } = {}): Promise<ServerChild> {
    if (options.newPort) this.port = await findFreePort();
    const server = await ServerChild.start({ ...this.options, port: this.port });
    this.generations.push(server);
    return server;
  }

  /** Tasks each start-up refunded (contract §6), from the server's own warn line, per generation. */
  recoveredPerStart(): number[] {
    return this.generations.map((g) => g.logs.reduce((sum, line) => sum + (typeof line.recovered === 'number' ? line.recovered : 0), 0));
  }

  /** Error-level log lines (pino level ≥ 50) of every generation: an unexpected internal error. */
  errorLines(): ServerLogLine[] {
    return this.generations.flatMap((g) => g.logs.filter((l) => l.level >= 50));
  }

  async stopAll(): Promise<void> {
    for (const g of this.generations) await g.stop();
  }
}
