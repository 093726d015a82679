import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI_TIMEOUT_MS = 60_000;

export interface BenchAccount {
  accountId: string;
  apiKey: string;
}

/** Runs one `bbre` operator command with `--json` and returns the parsed output. */
async function bbreJson(repoRoot: string, env: Record<string, string>, args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['bin/bbre.js', ...args, '--json'], { cwd: repoRoot, env, timeout: CLI_TIMEOUT_MS });
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`bbre ${args.join(' ')} printed no JSON: ${stdout.slice(0, 500)}`);
  }
}

/**
 * Creates an account through the operator CLI (the path operators use, against the same database as the server)
 * and lifts its rate limit far above anything a single load generator can send, so the token bucket never
 * shapes the measurement. Routes that charge per request need a `balanceUsd` that outlasts the run.
 */
export async function createUnthrottledAccount(repoRoot: string, env: Record<string, string>, name: string, balanceUsd = 10): Promise<BenchAccount> {
  const created = (await bbreJson(repoRoot, env, ['account', 'create', '--name', name, '--balance', String(balanceUsd)])) as { account?: { id?: unknown }; apiKey?: unknown };
  const accountId = created.account?.id;
  const apiKey = created.apiKey;
  if (typeof accountId !== 'string' || typeof apiKey !== 'string') throw new Error(`unexpected output of account create: ${JSON.stringify(created)}`);
  const unlimited = '1000000';
  await bbreJson(repoRoot, env, ['account', 'limits', accountId, '--rps', unlimited, '--burst', unlimited]);
  return { accountId, apiKey };
}
