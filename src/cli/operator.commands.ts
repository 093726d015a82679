import type { Command } from 'commander';
import { buildOperator, toAdminAccountView, toKeyView, toLedgerView, type OperatorApp } from '../app.js';
import { loadConfig } from '../config/load-config.js';
import type { AccountStatus } from '../contract/types.js';

type Out = (value: unknown, text: () => string) => void;

async function withOperator<T>(fn: (op: OperatorApp) => Promise<T>): Promise<T> {
  const op = await buildOperator(loadConfig());
  try {
    return await fn(op);
  } finally {
    await op.close();
  }
}

function number(value: string, what: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`${what} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

function positiveInt(value: string, what: string): number {
  const n = number(value, what);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer`);
  return n;
}

const table = (rows: Record<string, unknown>[]): string => {
  if (rows.length === 0) return '(none)';
  const cols = Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(cols), ...cells.map(line)].join('\n');
};

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '');

/** Contract §9.1: account and key administration against BBRE_DATABASE_URL. */
export function registerOperatorCommands(program: Command, print: (json: boolean) => Out): void {
  const account = program.command('account').description('manage accounts (operator)');

  account
    .command('create')
    .description('create an active account and its first API key (shown once)')
    .requiredOption('--name <name>', 'account name (becomes username)')
    .option('--email <email>', 'contact email')
    .option('--balance <usd>', 'initial balance in USD', '10')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; email?: string; balance: string; json?: boolean }) => {
      const balanceUsd = number(o.balance, '--balance');
      const created = await withOperator((op) => op.accounts.createAccount({ username: o.name, email: o.email ?? null, balanceUsd }));
      const view = { account: toAdminAccountView(created.account), apiKey: created.apiKey };
      const { limits: _limits, ...publicAccount } = view.account;
      print(!!o.json)({ account: publicAccount, apiKey: created.apiKey }, () =>
        `account ${created.account.id} (${created.account.username}) created, balance $${view.account.balance}\nAPI key (shown once): ${created.apiKey}`,
      );
    });

  account
    .command('list')
    .description('all accounts with status, balance and active sessions')
    .option('--limit <n>', 'page size', '100')
    .option('--offset <n>', 'offset', '0')
    .option('--json', 'print JSON')
    .action(async (o: { limit: string; offset: string; json?: boolean }) => {
      const page = await withOperator((op) => op.accounts.listAccounts(Math.min(positiveInt(o.limit, '--limit'), 1000), Math.max(0, number(o.offset, '--offset'))));
      const accounts = page.items.map((a) => toAdminAccountView(a, { activeSessions: a.activeSessions }));
      print(!!o.json)({ accounts, total: page.total }, () =>
        table(accounts.map((a) => ({ id: a.id, username: a.username, status: a.status, balance: a.balance, activeSessions: a.activeSessions, created: iso(a.createdAt) }))),
      );
    });

  account
    .command('show <id>')
    .description('account, limits and key prefixes')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const view = await withOperator(async (op) => toAdminAccountView(await op.accounts.requireAccount(id), { keys: await op.accounts.listKeys(id) }));
      print(!!o.json)({ account: view }, () => JSON.stringify(view, null, 2));
    });

  account
    .command('credit <id> <amount>')
    .description('credit the balance (a negative amount is an adjustment; the balance may not go below 0)')
    .option('--note <text>', 'ledger note')
    .option('--json', 'print JSON')
    .action(async (id: string, amount: string, o: { note?: string; json?: boolean }) => {
      const out = await withOperator((op) => op.accounts.credit(id, number(amount, 'amount'), o.note ?? null));
      print(!!o.json)({ account: toAdminAccountView(out.account), entry: toLedgerView(out.entry) }, () => `balance of ${id} is now $${toLedgerView(out.entry).balanceAfter}`);
    });

  const setStatus = (name: string, status: AccountStatus, description: string) =>
    account
      .command(`${name} <id>`)
      .description(description)
      .option('--json', 'print JSON')
      .action(async (id: string, o: { json?: boolean }) => {
        const a = await withOperator((op) => op.accounts.setStatus(id, status));
        print(!!o.json)({ account: toAdminAccountView(a) }, () => `account ${id} is now ${status}`);
      });
  setStatus('suspend', 'suspended', 'suspend an account (its sessions end, evicted)');
  setStatus('deactivate', 'inactive', 'deactivate an account (its sessions end, evicted)');
  setStatus('activate', 'active', 'activate an account');

  account
    .command('limits <id>')
    .description('per-account overrides')
    .option('--max-sessions <n>', 'active session limit')
    .option('--rps <n>', 'rate limit, requests per second')
    .option('--burst <n>', 'rate limit burst')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { maxSessions?: string; rps?: string; burst?: string; json?: boolean }) => {
      const limits = {
        ...(o.maxSessions !== undefined ? { maxSessions: positiveInt(o.maxSessions, '--max-sessions') } : {}),
        ...(o.rps !== undefined ? { rateLimitRps: positiveInt(o.rps, '--rps') } : {}),
        ...(o.burst !== undefined ? { rateLimitBurst: positiveInt(o.burst, '--burst') } : {}),
      };
      const a = await withOperator((op) => op.accounts.setLimits(id, limits));
      const view = toAdminAccountView(a);
      print(!!o.json)({ account: view }, () => `limits of ${id}: ${JSON.stringify(view.limits)}`);
    });

  account
    .command('ledger <id>')
    .description('ledger entries, newest first')
    .option('--limit <n>', 'entries', '50')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { limit: string; json?: boolean }) => {
      const page = await withOperator((op) => op.accounts.ledger(id, positiveInt(o.limit, '--limit'), 0));
      const entries = page.items.map(toLedgerView);
      print(!!o.json)({ entries, total: page.total }, () =>
        table(entries.map((e) => ({ id: e.id, kind: e.kind, amount: e.amount, balanceAfter: e.balanceAfter, task: e.taskId ?? '', note: e.note ?? '', at: iso(e.createdAt) }))),
      );
    });

  const key = program.command('key').description('manage API keys (operator)');
  key
    .command('create <accountId>')
    .description('issue a new key, printed once')
    .option('--json', 'print JSON')
    .action(async (accountId: string, o: { json?: boolean }) => {
      const out = await withOperator((op) => op.accounts.createKey(accountId));
      print(!!o.json)({ key: toKeyView(out.key), apiKey: out.apiKey }, () => `API key (shown once): ${out.apiKey}`);
    });
  key
    .command('list <accountId>')
    .description('key prefixes with creation and last-use times')
    .option('--json', 'print JSON')
    .action(async (accountId: string, o: { json?: boolean }) => {
      const keys = (await withOperator((op) => op.accounts.listKeys(accountId))).map(toKeyView);
      print(!!o.json)({ keys }, () => table(keys.map((k) => ({ prefix: k.prefix, created: iso(k.createdAt), lastUsed: iso(k.lastUsedAt), revoked: iso(k.revokedAt) }))));
    });
  key
    .command('revoke <prefix>')
    .description('revoke the key with this prefix')
    .option('--json', 'print JSON')
    .action(async (prefix: string, o: { json?: boolean }) => {
      const k = toKeyView(await withOperator((op) => op.accounts.revokeKey(prefix)));
      print(!!o.json)({ key: k }, () => `key ${k.prefix} revoked`);
    });
}
