import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import type { TargetPolicy } from '../../security/target-policy.js';

export class TargetNotAllowedError extends Error {
  readonly code = 'ERR_BBRE_TARGET_NOT_ALLOWED';
  constructor(readonly reason: string) {
    super(`target not allowed: ${reason}`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for sockets that refuses addresses the policy does not allow: the check happens on the
 * address the socket will really connect to, so DNS rebinding between a check and the connect cannot slip by.
 */
export function guardedLookup(policy: TargetPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const verdict = policy.checkAddress(a.address);
        if (!verdict.allowed) return callback(Object.assign(new TargetNotAllowedError(verdict.reason), { errno: 0, syscall: 'lookup' }) as unknown as NodeJS.ErrnoException, '');
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/** For transports that resolve names themselves: resolve now and refuse if any address is not allowed. */
export async function assertResolvedAllowed(hostname: string, policy: TargetPolicy): Promise<void> {
  if (policy.allowPrivate) return;
  const addresses = await dns.lookup(hostname.replace(/^\[|\]$/g, ''), { all: true }).catch((err: NodeJS.ErrnoException) => {
    throw err;
  });
  for (const a of addresses) {
    const verdict = policy.checkAddress(a.address);
    if (!verdict.allowed) throw new TargetNotAllowedError(verdict.reason);
  }
}
