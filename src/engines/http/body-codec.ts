import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { Readable, Transform } from 'node:stream';

/** Reads a body up to `maxBytes`; the rest is discarded and `truncated` set (contract §1.7). */
export async function readCapped(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<{ buffer: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (size + buf.length > maxBytes) {
      chunks.push(buf.subarray(0, maxBytes - size));
      size = maxBytes;
      truncated = true;
      break;
    }
    chunks.push(buf);
    size += buf.length;
  }
  return { buffer: Buffer.concat(chunks, size), truncated };
}

/** Undoes Content-Encoding for clients that do not (the plain client): gzip, deflate, br. */
export function decodeContentEncoding(body: AsyncIterable<Uint8Array>, encoding: string | undefined): AsyncIterable<Uint8Array> {
  const codings = (encoding ?? '')
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c && c !== 'identity');
  if (codings.length === 0) return body;
  let stream: NodeJS.ReadableStream = Readable.from(body);
  for (const coding of codings.reverse()) {
    let decoder: Transform;
    if (coding === 'gzip' || coding === 'x-gzip') decoder = createGunzip();
    else if (coding === 'br') decoder = createBrotliDecompress();
    else if (coding === 'deflate') decoder = createDeflateAuto();
    else return body; // unknown coding: hand the bytes over as they came
    stream = stream.pipe(decoder);
  }
  return stream as unknown as AsyncIterable<Uint8Array>;
}

/** "deflate" in the wild is zlib-wrapped or raw; the first byte tells which. */
function createDeflateAuto(): Transform {
  let inner: Transform | undefined;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!inner) {
        inner = (chunk[0]! & 0x0f) === 8 ? createInflate() : createInflateRaw();
        inner.on('data', (d: Buffer) => out.push(d));
        inner.on('error', (err) => out.destroy(err));
      }
      inner.write(chunk, cb);
    },
    flush(cb) {
      if (!inner) return cb();
      inner.once('end', () => cb());
      inner.end();
    },
  });
  return out;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|xhtml\+xml|ld\+json|problem\+json|graphql)|.*\+(json|xml)$|image\/svg\+xml)/i;

/** Contract §1.7: text bodies decoded (charset from content-type, default UTF-8), binary bodies base64. */
export function encodeBody(buffer: Buffer, contentType: string | undefined): { body: string; bodyEncoding: 'utf8' | 'base64' } {
  const type = (contentType ?? '').split(';')[0]!.trim();
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  const looksText = type ? TEXT_TYPES.test(type) : isValidUtf8(buffer);
  if (!looksText) return { body: buffer.toString('base64'), bodyEncoding: 'base64' };
  try {
    return { body: new TextDecoder(charset ?? 'utf-8').decode(buffer), bodyEncoding: 'utf8' };
  } catch {
    return { body: new TextDecoder('utf-8').decode(buffer), bodyEncoding: 'utf8' };
  }
}

function isValidUtf8(buffer: Buffer): boolean {
  if (buffer.length === 0) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, 4096));
    return !buffer.subarray(0, 4096).includes(0);
  } catch {
    return false;
  }
}
