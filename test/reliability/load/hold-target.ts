import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { listenOnLoopback } from '../../support/target-site.js';

export interface HoldTarget {
  url: string;
  /** Requests that arrived (and are being held). */
  arrivals(): number;
  /** Resolves once `count` requests have arrived, or false after `timeoutMs`. */
  waitForArrivals(count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A loopback target that never answers: a request sent to it is guaranteed to be in flight inside BBRE when the
 * server is killed. `close()` drops the held sockets.
 */
export async function startHoldTarget(): Promise<HoldTarget> {
  let arrived = 0;
  const server = createServer((_req: IncomingMessage, _res: ServerResponse) => {
    arrived++;
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals: () => arrived,
    async waitForArrivals(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (arrived < count) {
        if (Date.now() > deadline) return false;
        await sleep(20);
      }
      return true;
    },
    close,
  };
}
