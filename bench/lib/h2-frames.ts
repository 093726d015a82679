/**
 * What a client says first on an HTTP/2 connection, from the decrypted bytes it sent: the SETTINGS it announces (in
 * order), the connection WINDOW_UPDATE, PRIORITY frames and the priority of its first HEADERS frame - the
 * "Akamai" HTTP/2 fingerprint (Shuster & Shulman, Black Hat EU 2017) minus the pseudo-header order, which the
 * server's rawHeaders give.
 */

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface H2Opening {
  /** [identifier, value] of the first non-ACK SETTINGS frame, in the order sent. */
  settings: Array<[number, number]>;
  /** Increment of the first WINDOW_UPDATE on stream 0, if sent before the first HEADERS. */
  windowUpdate?: number;
  /** PRIORITY frames before the first HEADERS. */
  priorityFrames: Array<{ streamId: number; exclusive: boolean; dependsOn: number; weight: number }>;
  /** The first HEADERS frame's stream, flags and priority block (weight 1-256). */
  firstHeaders?: { streamId: number; flags: number; priority?: { exclusive: boolean; dependsOn: number; weight: number } };
  /** Frame types in the order sent, up to and including the first HEADERS. */
  frameOrder: string[];
}

const FRAME_NAMES: Record<number, string> = { 0: 'DATA', 1: 'HEADERS', 2: 'PRIORITY', 3: 'RST_STREAM', 4: 'SETTINGS', 5: 'PUSH_PROMISE', 6: 'PING', 7: 'GOAWAY', 8: 'WINDOW_UPDATE', 9: 'CONTINUATION' };

export const SETTING_NAMES: Record<number, string> = {
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL',
  9: 'NO_RFC7540_PRIORITIES',
};

const FLAG_PADDED = 0x08;
const FLAG_PRIORITY = 0x20;

function priorityBlock(payload: Buffer, at: number) {
  const word = payload.readUInt32BE(at);
  return { exclusive: (word & 0x80000000) !== 0, dependsOn: word & 0x7fffffff, weight: payload[at + 4]! + 1 };
}

/** Parses up to the first HEADERS frame; undefined when the bytes do not start with the HTTP/2 preface. */
export function parseH2Opening(bytes: Buffer): H2Opening | undefined {
  if (bytes.length < H2_PREFACE.length || !bytes.subarray(0, H2_PREFACE.length).equals(H2_PREFACE)) return undefined;
  const out: H2Opening = { settings: [], priorityFrames: [], frameOrder: [] };
  let settingsSeen = false;
  let offset = H2_PREFACE.length;
  while (offset + 9 <= bytes.length) {
    const length = bytes.readUIntBE(offset, 3);
    const type = bytes[offset + 3]!;
    const flags = bytes[offset + 4]!;
    const streamId = bytes.readUInt32BE(offset + 5) & 0x7fffffff;
    if (offset + 9 + length > bytes.length) break;
    const payload = bytes.subarray(offset + 9, offset + 9 + length);
    offset += 9 + length;
    out.frameOrder.push(FRAME_NAMES[type] ?? `type ${type}`);
    if (type === 4 && (flags & 0x01) === 0 && !settingsSeen) {
      settingsSeen = true;
      for (let i = 0; i + 6 <= payload.length; i += 6) out.settings.push([payload.readUInt16BE(i), payload.readUInt32BE(i + 2)]);
    } else if (type === 8 && streamId === 0 && out.windowUpdate === undefined && payload.length >= 4) {
      out.windowUpdate = payload.readUInt32BE(0) & 0x7fffffff;
    } else if (type === 2 && payload.length >= 5) {
      out.priorityFrames.push({ streamId, ...priorityBlock(payload, 0) });
    } else if (type === 1) {
      const padding = flags & FLAG_PADDED ? 1 : 0;
      out.firstHeaders = { streamId, flags, priority: flags & FLAG_PRIORITY && payload.length >= padding + 5 ? priorityBlock(payload, padding) : undefined };
      break;
    }
  }
  return out;
}

/** The Akamai fingerprint: `1:65536;2:0;…|15663105|0|m,a,s,p` (PRIORITY frames as stream:exclusive:dep:weight). */
export function akamaiFingerprint(h2: H2Opening, pseudoHeaders: string[]): string {
  const settings = h2.settings.map(([id, v]) => `${id}:${v}`).join(';');
  const priorities = h2.priorityFrames.length === 0 ? '0' : h2.priorityFrames.map((p) => `${p.streamId}:${p.exclusive ? 1 : 0}:${p.dependsOn}:${p.weight}`).join(',');
  const pseudo = pseudoHeaders.map((h) => h.slice(1, 2)).join(',');
  return `${settings}|${h2.windowUpdate ?? '00'}|${priorities}|${pseudo}`;
}
