import type { ProxySpec } from '../../contract/types.js';
import { invalid } from './fields.js';

export type { ProxySpec };

const PROTOCOLS = new Set(['http', 'https', 'socks5']);

export function parseProxy(value: unknown): ProxySpec | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const bad = () => invalid('proxy', 'proxy must be a URL (http://, https://, socks5://) or {protocol, host, port, username?, password?}.');
  if (typeof value === 'string') {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      throw bad();
    }
    const protocol = u.protocol.replace(/:$/, '');
    if (!PROTOCOLS.has(protocol) || !u.hostname) throw bad();
    const port = u.port ? Number(u.port) : protocol === 'https' ? 443 : protocol === 'socks5' ? 1080 : 80;
    const spec: ProxySpec = { protocol: protocol as ProxySpec['protocol'], host: u.hostname.replace(/^\[|\]$/g, ''), port };
    try {
      if (u.username) spec.username = decodeURIComponent(u.username);
      if (u.password) spec.password = decodeURIComponent(u.password);
    } catch {
      throw bad(); // a credential whose percent-escapes are not UTF-8
    }
    return spec;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw bad();
  const o = value as Record<string, unknown>;
  const protocol = typeof o.protocol === 'string' ? o.protocol.toLowerCase().replace(/:$/, '') : 'http';
  const port = typeof o.port === 'string' && /^\d+$/.test(o.port) ? Number(o.port) : o.port;
  if (!PROTOCOLS.has(protocol) || typeof o.host !== 'string' || !o.host || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad();
  if ((o.username !== undefined && typeof o.username !== 'string') || (o.password !== undefined && typeof o.password !== 'string')) throw bad();
  const spec: ProxySpec = { protocol: protocol as ProxySpec['protocol'], host: o.host, port };
  if (o.username) spec.username = o.username as string;
  if (o.password) spec.password = o.password as string;
  return spec;
}
