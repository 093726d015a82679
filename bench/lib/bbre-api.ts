/** The two API calls the benchmark needs before loading the server, with the checks that make its numbers mean something. */

const API_TIMEOUT_MS = 10_000;

async function postJson(baseUrl: string, path: string, apiKey: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  });
  return { status: res.status, json: await res.json() };
}

function sessionOf(json: unknown): { id?: unknown; status?: unknown } | undefined {
  return (json as { session?: { id?: unknown; status?: unknown } } | null)?.session;
}

export interface SessionOptions {
  mode?: 'passive' | 'adaptive';
  sensibility?: 'low' | 'medium' | 'high';
}

/** Opens a session that outlives the whole run (the server's clamp is raised to match, see status.ts). */
export async function createSession(baseUrl: string, apiKey: string, timeoutSecs: number, options: SessionOptions = {}): Promise<string> {
  const { status, json } = await postJson(baseUrl, '/session/create', apiKey, { ...options, timeout: timeoutSecs });
  const id = sessionOf(json)?.id;
  if (status !== 200 || typeof id !== 'string') throw new Error(`POST /session/create answered ${status}: ${JSON.stringify(json)}`);
  return id;
}

/** One status call before the load: a 4xx here (wrong key, rate limit) would otherwise be measured as "throughput". */
export async function assertSessionActive(baseUrl: string, apiKey: string, sessionId: string): Promise<void> {
  const { status, json } = await postJson(baseUrl, '/session/status', apiKey, { sessionId });
  const session = sessionOf(json);
  if (status !== 200 || session?.id !== sessionId || session.status !== 'active') {
    throw new Error(`POST /session/status answered ${status}: ${JSON.stringify(json)}`);
  }
}

/** One POST /session/request; returns the target's status code and body as BBRE reports them. */
export async function sessionRequest(baseUrl: string, apiKey: string, sessionId: string, url: string): Promise<{ statusCode: unknown; body: unknown }> {
  const { status, json } = await postJson(baseUrl, '/session/request', apiKey, { sessionId, url, method: 'GET' });
  const data = (json as { data?: { statusCode?: unknown; body?: unknown } } | null)?.data;
  if (status !== 200 || data === undefined) throw new Error(`POST /session/request answered ${status}: ${JSON.stringify(json).slice(0, 500)}`);
  return { statusCode: data.statusCode, body: data.body };
}
