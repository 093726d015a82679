/**
 * A TLS ClientHello parser for fingerprinting: the fields JA3 and JA4 are made of, in wire order, GREASE included
 * (callers decide what to ignore). RFC 8446 §4.1.2 and the extension registry; nothing is validated beyond bounds.
 */

export interface ClientHello {
  /** legacy_version of the handshake (0x0303 for TLS 1.2 and 1.3). */
  handshakeVersion: number;
  cipherSuites: number[];
  /** Extension types in the order sent. */
  extensions: number[];
  serverName?: string;
  supportedGroups: number[];
  ecPointFormats: number[];
  signatureAlgorithms: number[];
  alpn: string[];
  supportedVersions: number[];
  /** Groups of the key_share entries, in order. */
  keyShareGroups: number[];
  pskKeyExchangeModes: number[];
  /** compress_certificate algorithms (RFC 8879). */
  certCompression: number[];
  /** ALPS (application_settings) protocols, either codepoint. */
  alps: string[];
  /** Bytes of the whole handshake message. */
  length: number;
}

/** RFC 8701: 0x0a0a, 0x1a1a, … 0xfafa. */
export const isGrease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

/** Handshake bytes from the start of a connection once the ClientHello is complete (it may span TLS records). */
export function clientHelloBytes(stream: Buffer): Buffer | undefined {
  let handshake = Buffer.alloc(0);
  let offset = 0;
  while (offset + 5 <= stream.length) {
    if (stream[offset] !== 22) throw new Error(`not a TLS handshake record (content type ${stream[offset]})`);
    const recordLength = stream.readUInt16BE(offset + 3);
    if (offset + 5 + recordLength > stream.length) return undefined;
    handshake = Buffer.concat([handshake, stream.subarray(offset + 5, offset + 5 + recordLength)]);
    offset += 5 + recordLength;
    if (handshake.length >= 4) {
      if (handshake[0] !== 1) throw new Error(`first handshake message is type ${handshake[0]}, not ClientHello`);
      const messageLength = handshake.readUIntBE(1, 3);
      if (handshake.length >= 4 + messageLength) return handshake.subarray(0, 4 + messageLength);
    }
  }
  return undefined;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public offset = 0,
    private readonly end = buf.length,
  ) {}
  get remaining() {
    return this.end - this.offset;
  }
  u8() {
    this.need(1);
    return this.buf[this.offset++]!;
  }
  u16() {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  bytes(n: number) {
    this.need(n);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  /** A length-prefixed vector as its own reader. */
  vector(lengthBytes: 1 | 2) {
    const n = lengthBytes === 1 ? this.u8() : this.u16();
    return new Reader(this.bytes(n));
  }
  u16List() {
    const out: number[] = [];
    while (this.remaining >= 2) out.push(this.u16());
    return out;
  }
  u8List() {
    const out: number[] = [];
    while (this.remaining >= 1) out.push(this.u8());
    return out;
  }
  private need(n: number) {
    if (this.offset + n > this.end) throw new Error('truncated ClientHello');
  }
}

function protocolList(r: Reader): string[] {
  const list = r.vector(2);
  const out: string[] = [];
  while (list.remaining > 0) {
    const protocol = list.vector(1);
    out.push(protocol.bytes(protocol.remaining).toString('latin1'));
  }
  return out;
}

function serverName(r: Reader): string | undefined {
  const list = r.vector(2);
  while (list.remaining > 0) {
    const type = list.u8();
    const name = list.vector(2);
    if (type === 0) return name.bytes(name.remaining).toString('latin1');
  }
  return undefined;
}

/** Parses a complete ClientHello handshake message (from clientHelloBytes). */
export function parseClientHello(message: Buffer): ClientHello {
  const r = new Reader(message, 4);
  const hello: ClientHello = {
    handshakeVersion: r.u16(),
    cipherSuites: [],
    extensions: [],
    supportedGroups: [],
    ecPointFormats: [],
    signatureAlgorithms: [],
    alpn: [],
    supportedVersions: [],
    keyShareGroups: [],
    pskKeyExchangeModes: [],
    certCompression: [],
    alps: [],
    length: message.length,
  };
  r.bytes(32); // random
  r.vector(1); // legacy_session_id
  hello.cipherSuites = r.vector(2).u16List();
  r.vector(1); // legacy_compression_methods
  if (r.remaining === 0) return hello;
  const extensions = r.vector(2);
  while (extensions.remaining >= 4) {
    const type = extensions.u16();
    const data = extensions.vector(2);
    hello.extensions.push(type);
    switch (type) {
      case 0x0000:
        hello.serverName = serverName(data);
        break;
      case 0x000a:
        hello.supportedGroups = data.vector(2).u16List();
        break;
      case 0x000b:
        hello.ecPointFormats = data.vector(1).u8List();
        break;
      case 0x000d:
        hello.signatureAlgorithms = data.vector(2).u16List();
        break;
      case 0x0010:
        hello.alpn = protocolList(data);
        break;
      case 0x001b:
        hello.certCompression = data.vector(1).u16List();
        break;
      case 0x002b:
        hello.supportedVersions = data.vector(1).u16List();
        break;
      case 0x002d:
        hello.pskKeyExchangeModes = data.vector(1).u8List();
        break;
      case 0x0033: {
        const shares = data.vector(2);
        while (shares.remaining >= 4) {
          hello.keyShareGroups.push(shares.u16());
          shares.vector(2);
        }
        break;
      }
      case 0x4469:
      case 0x44cd:
        hello.alps = protocolList(data);
        break;
    }
  }
  return hello;
}

/** IANA names of the extensions browsers and impersonating clients send, for readable reports. */
const EXTENSION_NAMES: Record<number, string> = {
  0x0000: 'server_name',
  0x0005: 'status_request',
  0x000a: 'supported_groups',
  0x000b: 'ec_point_formats',
  0x000d: 'signature_algorithms',
  0x0010: 'application_layer_protocol_negotiation',
  0x0012: 'signed_certificate_timestamp',
  0x0015: 'padding',
  0x0016: 'encrypt_then_mac',
  0x0017: 'extended_master_secret',
  0x001b: 'compress_certificate',
  0x001c: 'record_size_limit',
  0x0022: 'delegated_credentials',
  0x0023: 'session_ticket',
  0x0029: 'pre_shared_key',
  0x002a: 'early_data',
  0x002b: 'supported_versions',
  0x002d: 'psk_key_exchange_modes',
  0x0031: 'post_handshake_auth',
  0x0032: 'signature_algorithms_cert',
  0x0033: 'key_share',
  0x4469: 'application_settings (old codepoint)',
  0x44cd: 'application_settings',
  0xca34: 'trust_anchors',
  0xfe0d: 'encrypted_client_hello',
  0xff01: 'renegotiation_info',
};

const GROUP_NAMES: Record<number, string> = { 0x0017: 'secp256r1', 0x0018: 'secp384r1', 0x0019: 'secp521r1', 0x001d: 'x25519', 0x001e: 'x448', 0x0100: 'ffdhe2048', 0x0101: 'ffdhe3072', 0x11ec: 'X25519MLKEM768', 0x6399: 'X25519Kyber768Draft00' };

/** TLS SignatureScheme names (RFC 8446 §4.2.3; ML-DSA from draft-ietf-tls-mldsa). */
const SIGNATURE_NAMES: Record<number, string> = {
  0x0201: 'rsa_pkcs1_sha1',
  0x0203: 'ecdsa_sha1',
  0x0301: 'rsa_pkcs1_sha224',
  0x0302: 'dsa_sha224',
  0x0303: 'ecdsa_sha224',
  0x0402: 'dsa_sha256',
  0x0502: 'dsa_sha384',
  0x0602: 'dsa_sha512',
  0x0401: 'rsa_pkcs1_sha256',
  0x0403: 'ecdsa_secp256r1_sha256',
  0x0501: 'rsa_pkcs1_sha384',
  0x0503: 'ecdsa_secp384r1_sha384',
  0x0601: 'rsa_pkcs1_sha512',
  0x0603: 'ecdsa_secp521r1_sha512',
  0x0804: 'rsa_pss_rsae_sha256',
  0x0805: 'rsa_pss_rsae_sha384',
  0x0806: 'rsa_pss_rsae_sha512',
  0x0807: 'ed25519',
  0x0808: 'ed448',
  0x0809: 'rsa_pss_pss_sha256',
  0x080a: 'rsa_pss_pss_sha384',
  0x080b: 'rsa_pss_pss_sha512',
  0x0904: 'mldsa44',
  0x0905: 'mldsa65',
  0x0906: 'mldsa87',
};

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;
export const signatureName = (v: number) => (isGrease(v) ? 'GREASE' : `${SIGNATURE_NAMES[v] ?? 'unknown'} (${hex4(v)})`);
export const extensionName = (v: number) => (isGrease(v) ? 'GREASE' : `${EXTENSION_NAMES[v] ?? 'unknown'} (${hex4(v)})`);
export const groupName = (v: number) => (isGrease(v) ? 'GREASE' : `${GROUP_NAMES[v] ?? hex4(v)}`);

/** The ClientHello fields that carry a GREASE value (Chromium puts one in each list it sends). */
export function greaseFields(hello: ClientHello): string[] {
  const fields: Array<[string, number[]]> = [
    ['cipher_suites', hello.cipherSuites],
    ['extensions', hello.extensions],
    ['supported_groups', hello.supportedGroups],
    ['key_share', hello.keyShareGroups],
    ['supported_versions', hello.supportedVersions],
    ['signature_algorithms', hello.signatureAlgorithms],
  ];
  return fields.filter(([, list]) => list.some(isGrease)).map(([name]) => name);
}
