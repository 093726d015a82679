import type { Kysely } from 'kysely';
import { parsePriceTable } from '../../src/config/load-config.js';
import { PassiveEngine } from '../../src/engines/passive/passive.engine.js';
import { createTargetPolicy } from '../../src/security/target-policy.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../support/app.js';
import type { Backend } from '../support/backends.js';
import { ledgerInvariants } from '../support/ledger.js';
import { closedPort, startTargetSite, type TargetSite } from '../support/target-site.js';
import type { FuzzContext } from './endpoints.js';
import { StandInBrowserEngine } from './stand-in-browser.js';

/** The contract's default body limit (§10), kept so oversized bodies meet the real 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Per-account limits high enough that the run is never all 429s; 429s that do happen are still checked. */
const ROOMY = { maxSessions: 1_000_000, rateLimitRps: 1_000_000, rateLimitBurst: 1_000_000 };

export interface FuzzFixture {
  ctx: FuzzContext;
  server: TestServer;
  target: TargetSite;
  accounts: { main: string; other: string; victim: string };
  close(): Promise<void>;
}

async function ok<T = any>(res: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const out = await res;
  if (out.status !== 200) throw new Error(`fixture: ${what} answered ${out.status} ${JSON.stringify(out.body)}`);
  return out.body;
}

/**
 * The real server on a real database, a local target site, and the accounts, keys, sessions and tasks the
 * fuzz cases point at. Browser actions run on a stand-in adaptive engine (no Chromium); a browser action step
 * has a price here, so failed batches move money and the ledger check after the run means something.
 */
export async function startFuzzFixture(backend: Backend): Promise<FuzzFixture> {
  const target = await startTargetSite();
  let server: TestServer | undefined;
  try {
    const problems: string[] = [];
    const prices = parsePriceTable({ browserAction: 0.0001 }, problems);
    if (problems.length > 0) throw new Error(problems.join('; '));
    const engines = [new PassiveEngine({ policy: createTargetPolicy(true), maxResponseBytes: MAX_RESPONSE_BYTES }), new StandInBrowserEngine()];
    server = await startServer(backend, { engines, config: { maxBodyBytes: MAX_BODY_BYTES, maxResponseBytes: MAX_RESPONSE_BYTES, prices } });
    const s = server;
    const closedUrl = `http://127.0.0.1:${await closedPort()}`;

    const main = await s.account(1_000_000, ROOMY);
    const other = await s.account(1_000, ROOMY);
    const victim = await s.account(1_000, ROOMY);
    const suspended = await s.account(10);
    const inactive = await s.account(10);
    const revoked = await s.account(10);
    await ok(s.admin('PATCH', `/admin/accounts/${suspended.id}`, { status: 'suspended' }), 'suspend');
    await ok(s.admin('PATCH', `/admin/accounts/${inactive.id}`, { status: 'inactive' }), 'deactivate');
    await ok(s.admin('DELETE', `/admin/keys/${revoked.key.slice(0, 12)}`), 'revoke');
    const spareKey = (await ok(s.admin('POST', `/admin/accounts/${victim.id}/keys`), 'spare key')).key.prefix as string;

    const session = async (key: string, body: Record<string, unknown> = {}) => (await ok(s.call('/session/create', body, key), 'session')).session.id as string;
    const task = async (key: string) => (await ok(s.call('/request/execute', { url: `${target.url}/echo` }, key), 'task')).data.task.id as string;
    const ctx: FuzzContext = {
      url: s.url,
      adminToken: ADMIN_TOKEN,
      keys: { main: main.key, other: other.key, suspended: suspended.key, inactive: inactive.key, revoked: revoked.key },
      sessions: { passive: await session(main.key), adaptive: await session(main.key, { mode: 'adaptive' }), closable: await session(main.key), other: await session(other.key) },
      taskId: await task(main.key),
      otherTaskId: await task(other.key),
      victim: { accountId: victim.id, sessionId: await session(victim.key), keyPrefix: spareKey },
      target: { url: target.url, closedUrl },
    };
    return {
      ctx,
      server: s,
      target,
      accounts: { main: main.id, other: other.id, victim: victim.id },
      async close() {
        await s.close();
        await target.close();
      },
    };
  } catch (err) {
    await server?.close();
    await target.close();
    throw err;
  }
}

/** Waits until no task is left `processing` (stateless tasks finish in the background), or the deadline passes. */
async function settleTasks(server: TestServer, deadlineMs: number): Promise<number> {
  const db = (server.app.store as unknown as { db: Kysely<any> }).db;
  const until = Date.now() + deadlineMs;
  for (;;) {
    const row = await db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'processing').executeTakeFirstOrThrow();
    const processing = Number(row.n);
    if (processing === 0 || Date.now() > until) return processing;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * After the run: the server still serves (`/health`, `/ready`), a plain create → status → close works, no task is
 * stuck, and every account's ledger holds (contract §7.3). Returns the problems found; empty means healthy.
 */
export async function healthAfterRun(fixture: FuzzFixture): Promise<string[]> {
  const { server, ctx } = fixture;
  const problems: string[] = [];
  const health = await server.call('/health', undefined, undefined, { method: 'GET' });
  if (health.status !== 200 || health.body?.status !== 'ok') problems.push(`/health answered ${health.status} ${JSON.stringify(health.body)}`);
  const ready = await server.call('/ready', undefined, undefined, { method: 'GET' });
  if (ready.status !== 200 || ready.body?.status !== 'ready') problems.push(`/ready answered ${ready.status} ${JSON.stringify(ready.body)}`);

  const created = await server.call('/session/create', {}, ctx.keys.main);
  const id = created.body?.session?.id;
  if (created.status !== 200 || typeof id !== 'string') problems.push(`create answered ${created.status} ${JSON.stringify(created.body)}`);
  else {
    const status = await server.call('/session/status', { sessionId: id }, ctx.keys.main);
    if (status.status !== 200 || status.body?.session?.status !== 'active') problems.push(`status answered ${status.status} ${JSON.stringify(status.body)}`);
    const request = await server.call('/session/request', { sessionId: id, url: `${ctx.target.url}/echo` }, ctx.keys.main);
    if (request.status !== 200 || request.body?.data?.statusCode !== 200) problems.push(`session request answered ${request.status} ${JSON.stringify(request.body).slice(0, 300)}`);
    const closed = await server.call('/session/close', { sessionId: id }, ctx.keys.main);
    if (closed.status !== 200 || closed.body?.session?.status !== 'closed') problems.push(`close answered ${closed.status} ${JSON.stringify(closed.body)}`);
  }

  const stuck = await settleTasks(server, 30_000);
  if (stuck > 0) problems.push(`${stuck} task(s) still processing 30 s after the run`);
  for (const [name, accountId] of Object.entries(fixture.accounts)) {
    const inv = await ledgerInvariants(server.app, accountId);
    if (inv.balanceMicros !== inv.ledgerBalanceMicros) problems.push(`${name}: balance ${inv.balanceMicros} µ$ but the ledger sums to ${inv.ledgerBalanceMicros}`);
    if (!inv.chainOk) problems.push(`${name}: the ledger's balanceAfter chain is broken`);
    if (inv.totalChargedMicros !== inv.sessionTaskNetMicros) problems.push(`${name}: sessions' totalCharged ${inv.totalChargedMicros} µ$ ≠ net session charges ${inv.sessionTaskNetMicros}`);
    if (inv.priceMismatches.length > 0) problems.push(`${name}: history price ≠ charge − refund for ${inv.priceMismatches.slice(0, 5).join(', ')}`);
  }
  return problems;
}
