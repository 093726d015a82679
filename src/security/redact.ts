/** Log paths whose values are secrets: API keys, admin tokens, cookies, proxy credentials. */
export const REDACTED_LOG_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.apikey',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-api-key"]',
  'headers.apikey',
  'headers.authorization',
  'headers.cookie',
  'apiKey',
  'key',
  'token',
  'cookies',
  'proxy',
];

/** Removes credentials from a URL before it is logged or echoed. */
export function redactUrlCredentials(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    return u.toString();
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}
