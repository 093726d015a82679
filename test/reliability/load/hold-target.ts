import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

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
  const sockets = new Set<Socket>();
  const server = createServer((_req: IncomingMessage, _res: ServerResponse) => {
    arrived++;
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
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
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
