import { promises as dns } from 'node:dns';
import type { BrowserContext } from 'playwright-core';
import { literalIp, type TargetPolicy } from '../../security/target-policy.js';

/**
 * Contract §1.5: the target policy applies to browser navigations and subresources too. Every request of the
 * context is checked (literal and local hosts, then the resolved addresses) and refused with a blocked-by-client
 * error when not allowed. Installed only when private targets are refused.
 */
export async function guardContext(context: BrowserContext, policy: TargetPolicy): Promise<void> {
  if (policy.allowPrivate) return;
  const verdicts = new Map<string, Promise<boolean>>();
  const hostAllowed = (url: URL): Promise<boolean> => {
    let v = verdicts.get(url.hostname);
    if (!v) {
      v = (async () => {
        if (!policy.checkUrl(url).allowed) return false;
        if (literalIp(url)) return true;
        const addresses = await dns.lookup(url.hostname, { all: true }).catch(() => []);
        return addresses.every((a) => policy.checkAddress(a.address).allowed);
      })();
      verdicts.set(url.hostname, v);
    }
    return v;
  };
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:') && !(await hostAllowed(url))) {
      return route.abort('blockedbyclient');
    }
    return route.fallback();
  });
}
