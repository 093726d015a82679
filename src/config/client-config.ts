/** Settings of the `bbre` client commands (request, session, browser, batch): read once, like the server's. */
export interface ClientConfig {
  /** BBRE_API_KEY: the account's API key. */
  apiKey: string | undefined;
  /** BBRE_API_BASE: the server root; the SDK's default when unset. */
  apiBase: string | undefined;
}

export function loadClientConfig(env: Record<string, string | undefined> = process.env): Readonly<ClientConfig> {
  const clean = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  return Object.freeze({ apiKey: clean(env.BBRE_API_KEY), apiBase: clean(env.BBRE_API_BASE) });
}
