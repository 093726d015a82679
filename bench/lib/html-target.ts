/**
 * The passive benchmark's target site, run as its own process (`node --import tsx bench/lib/html-target.ts`) so it
 * never shares an event loop with the load generator: GET anything → 200 with a fixed ~1 KB HTML page.
 * Listens on 127.0.0.1 only, prints `{"port":N}` once listening, and exits when its parent closes stdin.
 */
import { createServer } from 'node:http';

const PARAGRAPH = '<p>BBRE passive benchmark target. This page is static and about one kilobyte long, like a small document.</p>\n';
const HTML = Buffer.from(`<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>BBRE bench target</title></head>\n<body>\n<h1>Target</h1>\n${PARAGRAPH.repeat(8)}</body>\n</html>\n`);

const server = createServer((req, res) => {
  // Drain any request body so the keep-alive connection stays usable.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': HTML.length, 'cache-control': 'no-store' });
  res.end(HTML);
});
// Pools on the other side keep their connections for 10 s or more: the target must not close them first.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') process.exit(1);
  process.stdout.write(`${JSON.stringify({ port: address.port, bodyBytes: HTML.length })}\n`);
});

// The parent holds our stdin open; when it goes away (even killed), so do we.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
