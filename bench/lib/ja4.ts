import { createHash } from 'node:crypto';
import { isGrease, type ClientHello } from './client-hello.js';

/**
 * JA4 (FoxIO, https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md) and JA3 of a parsed ClientHello.
 * JA4 sorts ciphers and extensions, so it is stable under Chromium's extension-order randomisation; JA3 is not.
 */

export interface Ja4 {
  /** t13d1516h2_8daaf6152771_02713d6af862 */
  ja4: string;
  /** Protocol, version, SNI, cipher count, extension count, ALPN: `t13d1516h2`. */
  a: string;
  /** Truncated SHA-256 of the sorted cipher suites. */
  b: string;
  /** Truncated SHA-256 of the sorted extensions (without SNI and ALPN) and the signature algorithms in order. */
  c: string;
  /** The unhashed form (JA4_r): what b and c are hashes of. */
  raw: string;
}

export interface Ja3 {
  /** SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats (decimal, GREASE removed). */
  text: string;
  md5: string;
  /** JA3 with the extensions sorted ("JA3N"): comparable across Chromium's randomised extension order. */
  sortedMd5: string;
}

const hex4 = (v: number) => v.toString(16).padStart(4, '0');
const hash12 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);
const noGrease = (list: number[]) => list.filter((v) => !isGrease(v));
const twoDigits = (n: number) => String(Math.min(n, 99)).padStart(2, '0');

const VERSIONS: Record<number, string> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3' };

function versionOf(hello: ClientHello): string {
  const offered = noGrease(hello.supportedVersions);
  const highest = offered.length > 0 ? Math.max(...offered) : hello.handshakeVersion;
  return VERSIONS[highest] ?? '00';
}

/** First and last character of the first ALPN value; non-alphanumeric ends use the hex nibbles (spec, "ALPN"). */
function alpnOf(hello: ClientHello): string {
  const first = hello.alpn[0];
  if (first === undefined || first.length === 0) return '00';
  const alnum = (c: string) => /^[0-9A-Za-z]$/.test(c);
  const head = first[0]!;
  const tail = first[first.length - 1]!;
  if (alnum(head) && alnum(tail)) return `${head}${tail}`;
  const bytes = Buffer.from(first, 'latin1');
  return `${bytes[0]!.toString(16).padStart(2, '0')[0]}${bytes[bytes.length - 1]!.toString(16).padStart(2, '0')[1]}`;
}

export function ja4(hello: ClientHello): Ja4 {
  const ciphers = noGrease(hello.cipherSuites);
  const extensions = noGrease(hello.extensions);
  const a = `t${versionOf(hello)}${hello.serverName !== undefined ? 'd' : 'i'}${twoDigits(ciphers.length)}${twoDigits(extensions.length)}${alpnOf(hello)}`;
  const sortedCiphers = [...ciphers].sort((x, y) => x - y).map(hex4).join(',');
  const sortedExtensions = extensions
    .filter((e) => e !== 0x0000 && e !== 0x0010)
    .sort((x, y) => x - y)
    .map(hex4)
    .join(',');
  const sigalgs = noGrease(hello.signatureAlgorithms).map(hex4).join(',');
  const cInput = sigalgs === '' ? sortedExtensions : `${sortedExtensions}_${sigalgs}`;
  const b = ciphers.length === 0 ? '000000000000' : hash12(sortedCiphers);
  const c = extensions.length === 0 ? '000000000000' : hash12(cInput);
  return { ja4: `${a}_${b}_${c}`, a, b, c, raw: `${a}_${sortedCiphers}_${cInput}` };
}

export function ja3(hello: ClientHello): Ja3 {
  const dec = (list: number[]) => noGrease(list).join('-');
  const fields = (extensions: number[]) => [hello.handshakeVersion, dec(hello.cipherSuites), dec(extensions), dec(hello.supportedGroups), hello.ecPointFormats.join('-')].join(',');
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const text = fields(hello.extensions);
  return { text, md5: md5(text), sortedMd5: md5(fields([...hello.extensions].sort((x, y) => x - y))) };
}
