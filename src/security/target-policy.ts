import { BlockList, isIP } from 'node:net';

/**
 * Contract §1.5 "Target restrictions": private, loopback, link-local, unspecified (and other non-public)
 * addresses are refused unless the operator allows them. Checked on the resolved address of every hop.
 */
const blocked = new BlockList();
// IPv4
blocked.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network", unspecified
blocked.addSubnet('10.0.0.0', 8, 'ipv4');
blocked.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
blocked.addSubnet('127.0.0.0', 8, 'ipv4');
blocked.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, cloud metadata
blocked.addSubnet('172.16.0.0', 12, 'ipv4');
blocked.addSubnet('192.0.0.0', 24, 'ipv4');
blocked.addSubnet('192.168.0.0', 16, 'ipv4');
blocked.addSubnet('198.18.0.0', 15, 'ipv4'); // benchmarking
blocked.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
blocked.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved, broadcast
// IPv6
blocked.addAddress('::', 'ipv6');
blocked.addAddress('::1', 'ipv6');
blocked.addSubnet('fc00::', 7, 'ipv6'); // unique local
blocked.addSubnet('fe80::', 10, 'ipv6'); // link-local
blocked.addSubnet('fec0::', 10, 'ipv6'); // site-local (deprecated)
blocked.addSubnet('ff00::', 8, 'ipv6'); // multicast
blocked.addSubnet('100::', 64, 'ipv6'); // discard

/** The IPv4 address embedded in an IPv4-mapped, -compatible, NAT64 or 6to4 IPv6 address, if any. */
function embeddedIpv4(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::|::ffff:0:)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::|::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(lower);
  if (sixToFour) {
    const hi = parseInt(sixToFour[1]!, 16);
    const lo = parseInt(sixToFour[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/** True for any address a public target never has. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4 && isIP(v4) === 4 && blocked.check(v4, 'ipv4')) return true;
    return blocked.check(ip, 'ipv6');
  }
  return true; // not an IP at all: refuse rather than guess
}

/** Host names that always mean this machine, whatever DNS says. */
export function isLocalHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'localhost.localdomain';
}

/** Literal IP host of a URL (WHATWG parsing already normalised decimal/hex/octal IPv4 forms), or undefined. */
export function literalIp(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : undefined;
}

export interface TargetPolicy {
  readonly allowPrivate: boolean;
  /** Checks what can be checked without DNS: literal addresses and local names. */
  checkUrl(url: URL): TargetVerdict;
  /** Checks one resolved address (at connect time, every hop). */
  checkAddress(address: string): TargetVerdict;
}

export type TargetVerdict = { allowed: true } | { allowed: false; reason: string };

export function createTargetPolicy(allowPrivate: boolean): TargetPolicy {
  const ok: TargetVerdict = { allowed: true };
  return {
    allowPrivate,
    checkUrl(url) {
      if (allowPrivate) return ok;
      if (isLocalHostname(url.hostname)) return { allowed: false, reason: `host ${url.hostname} is local` };
      const ip = literalIp(url);
      if (ip && isPrivateAddress(ip)) return { allowed: false, reason: `address ${ip} is not public` };
      return ok;
    },
    checkAddress(address) {
      if (allowPrivate || !isPrivateAddress(address)) return ok;
      return { allowed: false, reason: `address ${address} is not public` };
    },
  };
}
