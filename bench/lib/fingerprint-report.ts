import { extensionName, greaseFields, groupName, isGrease, signatureName } from './client-hello.js';
import { differences, extensionDiff, headersPriority, hex, settingsText, type Observation } from './fingerprint-analysis.js';
import type { MachineInfo } from './machine.js';
import { markdownTable } from './markdown.js';

/** Renders the BENCHMARKS.md section of bench/fingerprint.ts; the first observation is the reference (Chromium). */

const cell = (s: string | undefined) => (s === undefined || s === '' ? '—' : s.replace(/\|/g, '\\|'));
const code = (s: string | undefined) => (s === undefined ? '—' : `\`${s}\``);
const mark = (same: boolean) => (same ? '✅ same' : '❌ differs');
const names = (list: number[], name: (v: number) => string) => list.filter((v) => !isGrease(v)).map(name).join(', ');

function matrix(observations: Observation[], rows: Array<[string, (o: Observation, ref: Observation) => string | undefined]>): string {
  const ref = observations[0]!;
  return markdownTable(
    ['', ...observations.map((o) => o.label)],
    rows.map(([title, value]) => [title, ...observations.map((o) => cell(value(o, ref)))]),
  );
}

function tlsTable(observations: Observation[]): string {
  return matrix(observations, [
    ['Fetch', (o) => o.outcome],
    ['TLS connections (with a request)', (o) => `${o.connections} (${o.connectionsWithRequest})`],
    ['JA4', (o) => code(o.ja4?.ja4)],
    ['Same JA4 on every connection', (o) => (o.allJa4.length === 0 ? undefined : o.allJa4.length === 1 ? 'yes' : `no: ${o.allJa4.map(code).join(', ')}`)],
    ['JA4_a vs Chromium', (o, r) => (o === r ? 'reference' : o.ja4 && r.ja4 ? `${mark(o.ja4.a === r.ja4.a)}` : undefined)],
    ['JA4_b (ciphers) vs Chromium', (o, r) => (o === r ? 'reference' : o.ja4 && r.ja4 ? mark(o.ja4.b === r.ja4.b) : undefined)],
    ['JA4_c (extensions + sigalgs) vs Chromium', (o, r) => (o === r ? 'reference' : o.ja4 && r.ja4 ? mark(o.ja4.c === r.ja4.c) : undefined)],
    ['JA3 / JA3 with sorted extensions (md5)', (o) => (o.ja3 ? `${code(o.ja3.md5)} / ${code(o.ja3.sortedMd5)}` : undefined)],
    ['Negotiated', (o) => (o.tlsVersion ? `${o.tlsVersion}, ALPN ${o.alpnNegotiated === false ? 'none' : o.alpnNegotiated}` : undefined)],
    ['supported_versions', (o) => (o.hello ? names(o.hello.supportedVersions, hex) : undefined)],
    ['Cipher suites (without GREASE)', (o) => (o.hello ? String(o.hello.cipherSuites.filter((v) => !isGrease(v)).length) : undefined)],
    ['Extensions (without GREASE)', (o) => (o.hello ? String(o.hello.extensions.filter((v) => !isGrease(v)).length) : undefined)],
    ['GREASE in', (o) => (o.hello ? greaseFields(o.hello).join(', ') || 'nothing' : undefined)],
    ['Extensions missing vs Chromium', (o, r) => (o === r ? 'reference' : o.hello ? names(extensionDiff(o, r).missing, extensionName) || 'none' : undefined)],
    ['Extensions extra vs Chromium', (o, r) => (o === r ? 'reference' : o.hello ? names(extensionDiff(o, r).extra, extensionName) || 'none' : undefined)],
    ['supported_groups', (o) => (o.hello ? names(o.hello.supportedGroups, groupName) : undefined)],
    ['key_share', (o) => (o.hello ? names(o.hello.keyShareGroups, groupName) : undefined)],
    ['signature_algorithms (in order)', (o) => (o.hello ? names(o.hello.signatureAlgorithms, (v) => signatureName(v).replace(/ \(0x[0-9a-f]+\)$/, '')) : undefined)],
    ['ALPN offered', (o) => o.hello?.alpn.join(', ')],
    ['ALPS', (o) => o.hello?.alps.join(', ') || (o.hello ? 'absent' : undefined)],
    ['compress_certificate', (o) => (o.hello ? names(o.hello.certCompression, hex) || 'absent' : undefined)],
    ['SNI', (o) => (o.hello ? (o.hello.serverName ?? 'none (IP literal)') : undefined)],
    ['ClientHello bytes', (o) => (o.hello ? String(o.hello.length) : undefined)],
  ]);
}

function h2Table(observations: Observation[]): string {
  return matrix(observations, [
    ['HTTP version', (o) => o.httpVersion],
    ['SETTINGS (in order)', (o) => (o.h2 ? settingsText(o.h2) : undefined)],
    ['SETTINGS vs Chromium', (o, r) => (o === r ? 'reference' : o.h2 && r.h2 ? mark(settingsText(o.h2) === settingsText(r.h2)) : undefined)],
    ['Connection WINDOW_UPDATE', (o) => (o.h2 ? String(o.h2.windowUpdate ?? 'none') : undefined)],
    ['PRIORITY frames', (o) => (o.h2 ? String(o.h2.priorityFrames.length) : undefined)],
    ['First HEADERS priority', (o) => (o.h2 ? headersPriority(o.h2) : undefined)],
    ['Frames before the first HEADERS', (o) => o.h2?.frameOrder.join(', ')],
    ['Akamai HTTP/2 fingerprint', (o) => code(o.akamai)],
    ['Akamai vs Chromium', (o, r) => (o === r ? 'reference' : o.akamai && r.akamai ? mark(o.akamai === r.akamai) : undefined)],
    ['Pseudo-header order', (o) => o.pseudoHeaders.join(' ') || undefined],
    ['Header order', (o) => o.headers.map(([n]) => n).join(', ')],
  ]);
}

/** Header values side by side, in Chromium's order first, then the others' extra headers. */
function headerValues(observations: Observation[]): string {
  const order: string[] = [];
  for (const o of observations) for (const [n] of o.headers) if (!order.includes(n)) order.push(n);
  const valueOf = (o: Observation, n: string) => {
    const v = o.headers.find(([k]) => k === n)?.[1];
    return v === undefined ? '—' : code(v.length > 90 ? `${v.slice(0, 87)}…` : v);
  };
  return markdownTable(['Header', ...observations.map((o) => o.label)], order.map((n) => [n, ...observations.map((o) => cell(valueOf(o, n)))]));
}

function rawLists(observations: Observation[]): string {
  const lines = observations.flatMap((o) => (o.hello && o.ja4 ? [`${o.label}:`, `  JA4_r  ${o.ja4.raw}`, `  JA3    ${o.ja3!.text}`, `  order  ${o.hello.extensions.map((e) => (isGrease(e) ? 'GREASE' : hex(e))).join(',')}`] : []));
  return ['```text', ...lines, '```'].join('\n');
}

function findings(observations: Observation[]): string {
  const ref = observations[0]!;
  const out: string[] = [];
  for (const o of observations.slice(1)) {
    const d = differences(o, ref);
    const ja4 = o.ja4 && ref.ja4 ? (o.ja4.ja4 === ref.ja4.ja4 ? 'JA4 identical to Chromium' : `JA4 ${o.ja4.a === ref.ja4.a ? 'a' : '**a**'}/${o.ja4.b === ref.ja4.b ? 'b' : '**b**'}/${o.ja4.c === ref.ja4.c ? 'c' : '**c**'} (bold = differs)`) : 'no JA4';
    out.push(`- **${o.label}** vs Chromium: ${ja4}.`);
    const group = (title: string, items: string[], none: string) => out.push(`  - ${title}: ${items.length ? items.join('; ') : none}.`);
    group('TLS', d.tls, 'no difference beyond extension order');
    group('HTTP/2', d.h2, ref.h2 ? 'SETTINGS, WINDOW_UPDATE, priorities and pseudo-header order identical' : 'n/a');
    group('Headers', d.headers, 'identical names, order and values');
  }
  return out.join('\n');
}

export function renderFingerprintSection(command: string, machine: MachineInfo, certificate: string, chromiumVersion: string, observations: Observation[]): string {
  return [
    `Command: \`${command}\``,
    [
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.cpuCount} CPUs, ${machine.os}; Node ${machine.node}; code at ${machine.revision}`,
      `- Reference: ${chromiumVersion}; server certificate: ${certificate}`,
      '- No network: every client connects to a recording HTTPS server on 127.0.0.1 (see the notes).',
    ].join('\n'),
    '**Clients**',
    observations.map((o) => `- ${o.label}: ${o.description}`).join('\n'),
    '**Findings**',
    findings(observations),
    '**TLS ClientHello**',
    tlsTable(observations),
    'Raw lists (JA4_r: sorted ciphers _ sorted extensions without SNI/ALPN _ signature algorithms in order; JA3 in wire order; the extension order as sent, which Chromium randomises per connection):',
    rawLists(observations),
    '**HTTP/2 and request headers**',
    h2Table(observations),
    headerValues(observations),
    [
      '**Notes**',
      '',
      '- The recording server reads each connection\'s raw ClientHello from the TCP socket (the whole handshake message, across TLS records), puts the bytes back and terminates TLS with ALPN `h2, http/1.1`; it records every decrypted byte the client sends and pipes the plaintext to a local h2c or HTTP/1.1 server, whose `rawHeaders` give the request\'s header order (pseudo-headers included). SETTINGS (in wire order), the connection WINDOW_UPDATE, PRIORITY frames and the first HEADERS frame\'s priority are parsed from the decrypted bytes, not from Node\'s `remoteSettings` (which fills in defaults and loses the order).',
      '- JA4 follows FoxIO\'s definition: `t` + highest supported_versions + `d`/`i` (SNI present or not) + cipher and extension counts (GREASE excluded, SNI and ALPN included) + first/last character of the first ALPN value; `_` truncated SHA-256 of the sorted cipher suites; `_` truncated SHA-256 of the sorted extensions without SNI and ALPN, `_`, and the signature algorithms in wire order. Chromium shuffles its extension order on every connection, which is why JA4 sorts and why the JA3 MD5 differs between runs; "JA3 with sorted extensions" is comparable.',
      '- The target is an IP literal, so no client sends SNI (`i` in JA4_a); against a host name every client would send it and the JA4_a counts grow by one for all of them alike.',
      '- Chromium runs headless (`--headless`): its User-Agent and sec-ch-ua say `HeadlessChrome`, which the headed browser and BBRE\'s profiles do not; those value differences are expected. The TLS and HTTP/2 layers are the same network stack as headed Chromium.',
      '- The first connection with a ClientHello of each client is the one reported (headers: the first request seen); "TLS connections" counts all connections the client opened (a browser may open a spare connection that carries no request).',
    ].join('\n'),
  ].join('\n\n');
}
