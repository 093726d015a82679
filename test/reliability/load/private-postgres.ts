import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../../../bench/lib/server-process.js';

const run = promisify(execFile);

/** Where Debian puts the PostgreSQL 15 server binaries; BBRE_PG_BIN overrides. */
const PG_BIN = process.env.BBRE_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const RUNUSER = '/usr/sbin/runuser';
const OS_USER = 'postgres';

/**
 * A throw-away PostgreSQL cluster of its own (data and socket dirs in a temp dir, a free port on 127.0.0.1, trust
 * auth): it can be stopped with `-m immediate` and started again without touching any other PostgreSQL server.
 */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  dir: string;
  /** `SHOW server_version` of the cluster. */
  version: string;
  /** `pg_ctl stop -m immediate`: every backend is cut, no checkpoint (crash recovery at the next start). */
  stopImmediate(): Promise<void>;
  /** Starts again on the same data dir and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the cluster (immediate) and removes its directory. Idempotent. */
  destroy(): Promise<void>;
}

function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Why no private cluster can be started here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(PG_BIN, bin))) return `PostgreSQL server binaries not found (${join(PG_BIN, bin)} is missing; set BBRE_PG_BIN)`;
  }
  if (runningAsRoot()) {
    // initdb and postgres refuse to run as root: they run as the postgres OS user.
    if (!existsSync(RUNUSER)) return `running as root and ${RUNUSER} is missing (initdb and postgres refuse to run as root)`;
    try {
      execFileSync('id', ['-u', OS_USER], { stdio: 'ignore' });
    } catch {
      return `running as root and there is no "${OS_USER}" OS user to run PostgreSQL as`;
    }
  }
  return undefined;
}

/** Runs a PostgreSQL binary, as the postgres OS user when this process is root. */
async function pgBin(bin: string, args: string[]): Promise<string> {
  const file = join(PG_BIN, bin);
  const [cmd, argv] = runningAsRoot() ? [RUNUSER, ['-u', OS_USER, '--', file, ...args]] : [file, args];
  try {
    const { stdout } = await run(cmd, argv, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

function pgBinSync(bin: string, args: string[]): void {
  const file = join(PG_BIN, bin);
  const [cmd, argv] = runningAsRoot() ? [RUNUSER, ['-u', OS_USER, '--', file, ...args]] : [file, args];
  execFileSync(cmd, argv, { stdio: 'ignore', timeout: 30_000 });
}

/** Clusters still running: stopped synchronously if the process exits without destroying them. */
const live = new Map<string, { dataDir: string; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { dataDir } of live.values()) {
      try {
        pgBinSync('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      } catch {
        // already stopped
      }
    }
  });
}

/** initdb in a fresh temp dir, then start on a free loopback port. Throws with the reason when it cannot. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const reason = privatePostgresUnavailable();
  if (reason) throw new Error(`no private PostgreSQL: ${reason}`);
  const dir = await mkdtemp(join(tmpdir(), 'bbre-pg-'));
  if (runningAsRoot()) {
    const uid = Number(execFileSync('id', ['-u', OS_USER]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', OS_USER]).toString().trim());
    await chown(dir, uid, gid);
  }
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const port = await findFreePort();
  const superuser = runningAsRoot() ? OS_USER : userInfo().username;
  let destroyed: Promise<void> | undefined;
  const cluster: PrivatePostgres = {
    url: `postgres://${superuser}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    version: 'unknown',
    stopImmediate: async () => {
      await pgBin('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
    },
    start: async () => {
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=100`;
      await pgBin('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', options]);
    },
    destroy: () =>
      (destroyed ??= (async () => {
        live.delete(dir);
        try {
          await pgBin('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
        } catch {
          // not running
        }
        await rm(dir, { recursive: true, force: true });
      })()),
  };
  try {
    await pgBin('initdb', ['-D', dataDir, '-A', 'trust', '-U', superuser, '-E', 'UTF8', '--no-sync']);
    installExitHook();
    live.set(dir, { dataDir, dir });
    await cluster.start();
    cluster.version = (await pgBin('postgres', ['--version'])).trim().replace(/^postgres \(PostgreSQL\) /, '');
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}
