import { describe, expect, it } from 'vitest';
import { createTargetPolicy, isLocalHostname, isPrivateAddress, literalIp } from '../../src/security/target-policy.js';

/** Contract §1.5 "Target restrictions": private, loopback, link-local and unspecified, IPv4 and IPv6. */
const NOT_PUBLIC = [
  // IPv4
  '0.0.0.0',
  '0.1.2.3',
  '127.0.0.1',
  '127.255.255.254',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.0.1',
  '169.254.169.254',
  '100.64.0.1',
  '192.0.0.8',
  '198.18.0.1',
  '224.0.0.1',
  '255.255.255.255',
  // IPv6
  '::',
  '::1',
  '0:0:0:0:0:0:0:1',
  '[::1]',
  'fc00::1',
  'fd12:3456:789a::1',
  'fe80::1',
  'FE80::1',
  'fe80::1%eth0',
  'fec0::1',
  'ff02::1',
  '100::1',
  // IPv4 inside IPv6: mapped, compatible, SIIT, NAT64, 6to4
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::FFFF:7F00:1',
  '0:0:0:0:0:ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::ffff:a9fe:a9fe',
  '::ffff:0:127.0.0.1',
  '::127.0.0.1',
  '64:ff9b::a00:1',
  '64:ff9b::7f00:1',
  '64:ff9b::169.254.169.254',
  '2002:7f00:1::1',
  '2002:a00:1::',
  // not an address at all: refused rather than guessed
  'localhost',
  '',
];

const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '172.15.255.255', '192.169.0.1', '100.128.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808'];

describe('isPrivateAddress', () => {
  it.each(NOT_PUBLIC)('%s is not public', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(PUBLIC)('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('isLocalHostname and literalIp', () => {
  it('names that always mean this machine', () => {
    for (const h of ['localhost', 'LOCALHOST', 'localhost.', 'app.localhost', 'localhost.localdomain']) expect(isLocalHostname(h)).toBe(true);
    for (const h of ['example.com', 'localhost.example.com', 'mylocalhost']) expect(isLocalHostname(h)).toBe(false);
  });

  it('reads the literal address of a URL after WHATWG normalisation (decimal, hex, octal, short forms)', () => {
    expect(literalIp(new URL('http://2130706433/'))).toBe('127.0.0.1');
    expect(literalIp(new URL('http://0x7f000001/'))).toBe('127.0.0.1');
    expect(literalIp(new URL('http://0177.0.0.1/'))).toBe('127.0.0.1');
    expect(literalIp(new URL('http://127.1/'))).toBe('127.0.0.1');
    expect(literalIp(new URL('http://[0:0:0:0:0:ffff:7f00:1]/'))).toBe('::ffff:7f00:1');
    expect(literalIp(new URL('http://example.com/'))).toBeUndefined();
  });
});

describe('createTargetPolicy(false)', () => {
  const policy = createTargetPolicy(false);

  it.each([
    'http://127.0.0.1/',
    'http://127.0.0.1:8080/x',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://app.localhost:3000/',
    'http://[::1]/',
    'http://[::]/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0/',
    'http://0.0.0.0/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'https://192.168.1.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[64:ff9b::a00:1]/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
  ])('checkUrl refuses %s without any DNS', (raw) => {
    const verdict = policy.checkUrl(new URL(raw));
    expect(verdict.allowed).toBe(false);
  });

  it('checkUrl lets public literals and host names through (names are checked once resolved)', () => {
    for (const raw of ['http://93.184.215.14/', 'https://[2606:4700:4700::1111]/', 'http://example.com/', 'http://localhost.example.com/']) {
      expect(policy.checkUrl(new URL(raw))).toEqual({ allowed: true });
    }
  });

  it('checkAddress judges resolved addresses', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '169.254.169.254', 'fe80::1', '0.0.0.0']) expect(policy.checkAddress(a).allowed).toBe(false);
    for (const a of ['8.8.8.8', '2606:4700:4700::1111']) expect(policy.checkAddress(a)).toEqual({ allowed: true });
  });
});

describe('createTargetPolicy(true)', () => {
  it('allows everything when the operator allows private targets', () => {
    const policy = createTargetPolicy(true);
    expect(policy.allowPrivate).toBe(true);
    for (const raw of ['http://127.0.0.1/', 'http://localhost/', 'http://[::1]/', 'http://169.254.169.254/']) expect(policy.checkUrl(new URL(raw))).toEqual({ allowed: true });
    for (const a of ['127.0.0.1', '::1', '10.0.0.1']) expect(policy.checkAddress(a)).toEqual({ allowed: true });
  });
});
