import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { Answer } from './answer-check.js';
import type { FuzzCase } from './fuzz-case.js';

/** Sends fuzz cases over real HTTP: through node:http, or byte for byte over a socket for `wire` cases. */
export class FuzzSender {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  async send(c: FuzzCase): Promise<Answer> {
    const started = performance.now();
    let answer: Answer;
    if (c.wire) answer = await this.sendWire(c.wire);
    else {
      const first = await this.sendHttp(c);
      // A keep-alive socket the server closed after its previous answer (a 413 does) is not this call's fault.
      answer = first.reusedSocketReset ? (await this.sendHttp(c)).answer : first.answer;
    }
    return { ...answer, elapsedMs: performance.now() - started };
  }

  close(): void {
    this.agent.destroy();
  }

  private sendHttp(c: FuzzCase): Promise<{ answer: Answer; reusedSocketReset?: boolean }> {
    return new Promise((resolve) => {
      // Headers go as a raw list (duplicates kept), so Node adds no Host header of its own.
      const headers = ['host', `${this.host}:${this.port}`, ...c.headers.flat()];
      if (c.body !== undefined) headers.push('content-length', String(c.body.length));
      let settled = false;
      const done = (out: { answer: Answer; reusedSocketReset?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(out);
      };
      const req = request({ host: this.host, port: this.port, method: c.method, path: c.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done({ answer: { status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: Buffer.concat(chunks) } }));
        res.on('error', (err) => done({ answer: failed(`answer cut off: ${err.message}`) }));
      });
      const timer = setTimeout(() => {
        req.destroy();
        done({ answer: failed(`no answer within ${this.timeoutMs} ms`) });
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const reset = err.code === 'ECONNRESET' || err.code === 'EPIPE';
        done({ answer: failed(`${err.code ?? 'error'}: ${err.message}`), reusedSocketReset: reset && req.reusedSocket });
      });
      // The server may answer (413) and close before the whole body is written: the answer still counts.
      req.end(c.body);
    });
  }

  private sendWire(bytes: Buffer): Promise<Answer> {
    return new Promise((resolve) => {
      const socket = connect(this.port, this.host);
      const chunks: Buffer[] = [];
      let finished = false;
      const finish = (failure?: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.destroy();
        const raw = Buffer.concat(chunks);
        resolve(raw.length > 0 ? parseRawAnswer(raw) : failed(failure ?? 'connection closed without an answer'));
      };
      const timer = setTimeout(() => finish(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => finish());
      socket.on('close', () => finish());
      socket.on('error', (err: NodeJS.ErrnoException) => finish(`${err.code ?? 'error'}: ${err.message}`));
      socket.write(bytes);
    });
  }
}

function failed(failure: string): Answer {
  return { status: 0, headers: {}, body: Buffer.alloc(0), failure };
}

function flatHeaders(headers: IncomingHttpHeaders): Answer['headers'] {
  return { ...headers };
}

/** The first HTTP/1.1 answer in `raw`: status line, headers, then a body framed by length, by chunks or by close. */
export function parseRawAnswer(raw: Buffer): Answer {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return failed(`incomplete answer: ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))}`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!status) return failed(`not an HTTP answer: ${JSON.stringify(statusLine)}`);
  const headers: Answer['headers'] = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  const length = Number(headers['content-length']);
  if (String(headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') body = dechunk(body);
  else if (Number.isInteger(length) && length >= 0) body = body.subarray(0, length);
  return { status: Number(status[1]), headers, body };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
