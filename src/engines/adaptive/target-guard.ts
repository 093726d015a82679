import { promises as dns } from 'node:dns';
import type { BrowserContext } from 'playwright-core';
import { literalIp, type TargetPolicy } from '../../security/target-policy.js';

/**
 * Contract §1.5 for a context behind the session's own proxy, where connect-guard.ts cannot stand (the proxy
 * resolves and connects, not us): every request the context makes is checked by interception (literal and local
 * hosts, then the resolved addresses) and refused with a blocked-by-client error when not allowed. Installed only
 * when private targets are refused. Two costs of interception: the browser's HTTP cache is off (every request
 * carries `pragma: no-cache`), and redirect hops are followed by the network stack without asking the route.
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
