import { extensionName, greaseFields, groupName, isGrease, signatureName, type ClientHello } from './client-hello.js';
import type { FingerprintClient } from './fingerprint-clients.js';
import type { ConnectionRecord } from './fingerprint-server.js';
import { akamaiFingerprint, parseH2Opening, SETTING_NAMES, type H2Opening } from './h2-frames.js';
import { ja3, ja4, type Ja3, type Ja4 } from './ja4.js';

/** What one client showed on its first connection, decoded. */
export interface Observation {
  label: string;
  description: string;
  /** How the fetch went ("status 200, 88 bytes") or its error. */
  outcome: string;
  connections: number;
  /** Connections that carried a request (browsers also open spare ones). */
  connectionsWithRequest: number;
  hello?: ClientHello;
  ja4?: Ja4;
  /** JA4 of every connection the client opened: one value when the fingerprint is stable. */
  allJa4: string[];
  ja3?: Ja3;
  alpnNegotiated?: string | false;
  tlsVersion?: string;
  httpVersion?: string;
  h2?: H2Opening;
  akamai?: string;
  pseudoHeaders: string[];
  /** Regular headers of the first request, in wire order. */
  headers: Array<[string, string]>;
}

export function observe(client: FingerprintClient, outcome: string, records: ConnectionRecord[]): Observation {
  const first = records.find((r) => r.clientHello !== undefined) ?? records[0];
  const hello = first?.clientHello;
  const raw = first?.firstRequest?.rawHeaders ?? [];
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  const h2 = first?.alpn === 'h2' ? parseH2Opening(Buffer.concat(first.clientBytes)) : undefined;
  const pseudoHeaders = pairs.filter(([n]) => n.startsWith(':')).map(([n]) => n);
  return {
    label: client.label,
    description: client.description,
    outcome: first?.helloError ? `${outcome}; ClientHello not parsed: ${first.helloError}` : outcome,
    connections: records.length,
    connectionsWithRequest: records.filter((r) => r.firstRequest !== undefined).length,
    hello,
    ja4: hello ? ja4(hello) : undefined,
    allJa4: [...new Set(records.flatMap((r) => (r.clientHello ? [ja4(r.clientHello).ja4] : [])))],
    ja3: hello ? ja3(hello) : undefined,
    alpnNegotiated: first?.alpn,
    tlsVersion: first?.tlsVersion,
    httpVersion: first?.firstRequest?.httpVersion,
    h2,
    akamai: h2 ? akamaiFingerprint(h2, pseudoHeaders) : undefined,
    pseudoHeaders,
    headers: pairs.filter(([n]) => !n.startsWith(':')),
  };
}

export const hex = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;
const real = (list: number[]) => list.filter((v) => !isGrease(v));
const setMinus = (a: number[], b: number[]) => real(a).filter((v) => !b.includes(v));
const sameList = <T>(a: T[], b: T[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const sortedReal = (list: number[]) => [...new Set(real(list))].sort((x, y) => x - y);

export function extensionDiff(o: Observation, reference: Observation): { missing: number[]; extra: number[] } {
  const mine = o.hello?.extensions ?? [];
  const theirs = reference.hello?.extensions ?? [];
  return { missing: setMinus(theirs, mine), extra: setMinus(mine, theirs) };
}

/** The PRIORITY block of the first HEADERS frame (the flag Chromium still sets), as text. */
export function headersPriority(h2: H2Opening): string {
  const p = h2.firstHeaders?.priority;
  return p ? `exclusive ${p.exclusive ? 1 : 0}, depends on stream ${p.dependsOn}, weight ${p.weight}` : 'no PRIORITY flag';
}

export function settingsText(h2: H2Opening | undefined): string {
  if (!h2) return '—';
  return h2.settings.map(([id, v]) => `${SETTING_NAMES[id] ?? `0x${id.toString(16)}`}=${v}`).join(', ') || '(empty)';
}

/** At most `max` names, then how many more: the raw lists are in the report for the rest. */
function some(list: number[], name: (v: number) => string, max = 8): string {
  const shown = list.slice(0, max).map(name).join(', ');
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}

/** How a list differs from Chromium's; an empty list is an absent extension, reported with the extensions. */
function listDiff(what: string, mine: number[], theirs: number[], name: (v: number) => string): string[] {
  const a = real(mine);
  const b = real(theirs);
  if (a.length === 0 || sameList(a, b)) return [];
  const missing = b.filter((v) => !a.includes(v));
  const extra = a.filter((v) => !b.includes(v));
  if (missing.length === 0 && extra.length === 0) return [`${what}: same values in another order (${a.map(name).join(', ')}; Chromium: ${b.map(name).join(', ')})`];
  const parts = [missing.length ? `lacks ${some(missing, name)}` : '', extra.length ? `adds ${some(extra, name)}` : ''].filter(Boolean);
  return [`${what}: ${parts.join('; ')}`];
}

function tlsDifferences(o: Observation, ref: Observation): string[] {
  const a = o.hello!;
  const b = ref.hello!;
  const out: string[] = [];
  const { missing, extra } = extensionDiff(o, ref);
  if (missing.length) out.push(`extensions Chromium sends and it does not: ${missing.map(extensionName).join(', ')}`);
  if (extra.length) out.push(`extensions it sends and Chromium does not: ${extra.map(extensionName).join(', ')}`);
  if (!sameList(sortedReal(a.cipherSuites), sortedReal(b.cipherSuites))) out.push(...listDiff('cipher suites', a.cipherSuites, b.cipherSuites, hex));
  else if (!sameList(real(a.cipherSuites), real(b.cipherSuites))) out.push('same cipher suites in another order');
  out.push(...listDiff('supported_groups', a.supportedGroups, b.supportedGroups, groupName));
  out.push(...listDiff('key_share groups', a.keyShareGroups, b.keyShareGroups, groupName));
  out.push(...listDiff('signature_algorithms', a.signatureAlgorithms, b.signatureAlgorithms, signatureName));
  out.push(...listDiff('supported_versions', a.supportedVersions, b.supportedVersions, hex));
  out.push(...listDiff('compress_certificate algorithms', a.certCompression, b.certCompression, hex));
  if (a.alpn.join() !== b.alpn.join()) out.push(`ALPN offers ${a.alpn.join(', ') || 'nothing'} (Chromium: ${b.alpn.join(', ')})`);
  if (a.alps.length > 0 && a.alps.join() !== b.alps.join()) out.push(`ALPS (application_settings) announces protocol \`${a.alps.join(', ')}\` (Chromium: \`${b.alps.join(', ')}\`)${a.alps.some((p) => !a.alpn.includes(p)) ? ', a protocol it does not even offer in ALPN' : ''}`);
  const greaseMissing = greaseFields(b).filter((f) => !greaseFields(a).includes(f));
  if (greaseMissing.length) out.push(`no GREASE value in ${greaseMissing.join(', ')} (Chromium has one in each of ${greaseFields(b).join(', ')})`);
  if ((a.serverName === undefined) !== (b.serverName === undefined)) out.push(`SNI ${a.serverName ?? 'absent'} (Chromium: ${b.serverName ?? 'absent'})`);
  return out;
}

function h2Differences(o: Observation, ref: Observation): string[] {
  if (!ref.h2) return [];
  if (!o.h2) return [`speaks HTTP/${o.httpVersion ?? '?'}, not HTTP/2 (negotiated ALPN ${String(o.alpnNegotiated)})`];
  const out: string[] = [];
  if (settingsText(o.h2) !== settingsText(ref.h2)) out.push(`SETTINGS ${settingsText(o.h2)} (Chromium: ${settingsText(ref.h2)})`);
  if (o.h2.windowUpdate !== ref.h2.windowUpdate) out.push(`connection WINDOW_UPDATE ${o.h2.windowUpdate ?? 'none'} (Chromium: ${ref.h2.windowUpdate ?? 'none'})`);
  if (o.h2.priorityFrames.length !== ref.h2.priorityFrames.length) out.push(`${o.h2.priorityFrames.length} PRIORITY frames (Chromium: ${ref.h2.priorityFrames.length})`);
  if (headersPriority(o.h2) !== headersPriority(ref.h2)) out.push(`first HEADERS frame priority: ${headersPriority(o.h2)} (Chromium: ${headersPriority(ref.h2)})`);
  if (o.pseudoHeaders.join() !== ref.pseudoHeaders.join()) out.push(`pseudo-header order ${o.pseudoHeaders.join(' ')} (Chromium: ${ref.pseudoHeaders.join(' ')})`);
  return out;
}

/** Header names and values compared with Chromium's first request; `expected` names the headless-only differences. */
function headerDifferences(o: Observation, ref: Observation): string[] {
  const mine = o.headers.map(([n]) => n);
  const theirs = ref.headers.map(([n]) => n);
  const out: string[] = [];
  const missing = theirs.filter((n) => !mine.includes(n));
  const extra = mine.filter((n) => !theirs.includes(n));
  if (missing.length) out.push(`headers Chromium sends and it does not: ${missing.join(', ')}`);
  if (extra.length) out.push(`headers it sends and Chromium does not: ${extra.join(', ')}`);
  const common = mine.filter((n) => theirs.includes(n));
  const theirCommon = theirs.filter((n) => mine.includes(n));
  if (!sameList(common, theirCommon)) out.push(`header order differs: ${common.join(', ')} (Chromium: ${theirCommon.join(', ')})`);
  else if (common.length > 0) out.push(`the ${common.length} headers both send are in Chromium's order`);
  const value = (list: Array<[string, string]>, n: string) => list.find(([k]) => k === n)?.[1];
  for (const n of common) {
    const a = value(o.headers, n);
    const b = value(ref.headers, n);
    if (a === b) continue;
    // Headless Chromium names itself in the User-Agent; the headed browser (and every BBRE profile) does not.
    const headlessOnly = b?.replace('HeadlessChrome/', 'Chrome/') === a;
    out.push(`\`${n}\`: \`${a}\` (Chromium: \`${b}\`${headlessOnly ? ' - only the headless marker differs, as expected' : ''})`);
  }
  return out;
}

/** Every way `o` differs from the reference (Chromium), TLS, HTTP/2 and headers, as short sentences. */
export function differences(o: Observation, ref: Observation): { tls: string[]; h2: string[]; headers: string[] } {
  if (!o.hello || !ref.hello) return { tls: ['no ClientHello recorded'], h2: [], headers: [] };
  return { tls: tlsDifferences(o, ref), h2: h2Differences(o, ref), headers: headerDifferences(o, ref) };
}
