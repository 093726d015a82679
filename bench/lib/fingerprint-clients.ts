import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Impit } from 'impit';
import { Agent, request } from 'undici';
import { ImpitTransport } from '../../src/engines/http/impit.transport.js';
import type { Transport } from '../../src/engines/http/transport.js';
import { UndiciDispatchers, UndiciTransport } from '../../src/engines/http/undici.transport.js';
import { buildChromeProfile } from '../../src/engines/identity/chrome-profile.js';
import { identityHeaders } from '../../src/engines/identity/header-sets.js';
import { createTargetPolicy } from '../../src/security/target-policy.js';
import { trackChild } from './server-process.js';

/** The clients whose first connection is fingerprinted; each fetches `url` once and says how it went. */
export interface FingerprintClient {
  label: string;
  description: string;
  fetchOnce(url: string): Promise<string>;
}

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_TIMEOUT_MS = 45_000;
const CLIENT_TIMEOUT_MS = 15_000;

/** Process groups of browsers still running: killed on exit whatever happens. */
const browserGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of browserGroups) killGroup(pgid);
});

function killGroup(pgid: number): void {
  try {
    // Our own detached child's group: the browser and the helpers it forked, nothing else.
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Debian's Chromium, headless, in a fresh profile, loading the page once (`--dump-dom`); its own process group,
 * killed as a whole when it printed the page or after a timeout.
 */
async function chromiumDumpDom(url: string): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'bbre-fp-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--ignore-certificate-errors', `--user-data-dir=${profile}`, '--dump-dom', url];
  const child = spawn(CHROMIUM, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    if (child.pid === undefined) throw new Error(`could not start ${CHROMIUM}`);
    trackChild(child);
    browserGroups.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-2_000)));
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const code = await Promise.race([exited, sleep(CHROMIUM_TIMEOUT_MS, 'timeout' as const, { ref: false })]);
    if (code === 'timeout') throw new Error(`chromium did not finish within ${CHROMIUM_TIMEOUT_MS / 1000} s: ${stderr}`);
    if (!stdout.includes('<p>ok</p>')) throw new Error(`chromium exited ${code} without the page: ${stderr}`);
    return `page loaded (exit code ${code})`;
  } finally {
    if (child.pid !== undefined) {
      killGroup(child.pid);
      browserGroups.delete(child.pid);
    }
    await rm(profile, { recursive: true, force: true });
  }
}

async function viaTransport(transport: Transport, url: string, headers: Array<[string, string]>): Promise<string> {
  const res = await transport.send({ url: new URL(url), method: 'GET', headers, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS), timeoutMs: CLIENT_TIMEOUT_MS });
  let bytes = 0;
  for await (const chunk of res.body) bytes += chunk.length;
  return `status ${res.status}, ${bytes} bytes`;
}

/** The identity headers a BBRE session of this sensibility sends on its first request (no referrer, no cookie). */
function bbreHeaders(sensibility: 'low' | 'medium', url: string): Array<[string, string]> {
  return identityHeaders(buildChromeProfile(sensibility), sensibility, { target: new URL(url), method: 'GET', hasBody: false });
}

export const FINGERPRINT_CLIENTS: FingerprintClient[] = [
  {
    label: 'Chromium',
    description: `\`${CHROMIUM} --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --ignore-certificate-errors --user-data-dir=<fresh temp dir> --dump-dom <url>\``,
    fetchOnce: chromiumDumpDom,
  },
  {
    label: 'impit chrome151',
    description: "`new Impit({ browser: 'chrome151', ignoreTlsErrors: true }).fetch(url)`, impit's own headers",
    async fetchOnce(url) {
      const res = await new Impit({ browser: 'chrome151', ignoreTlsErrors: true }).fetch(url, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
      return `status ${res.status}, ${(await res.arrayBuffer()).byteLength} bytes`;
    },
  },
  {
    label: 'BBRE medium',
    description: "BBRE's own `ImpitTransport` (verifySSL false) with a `medium` session's first-request identity headers (`identityHeaders` of a generated profile): what a passive medium/high session sends",
    fetchOnce: (url) => viaTransport(new ImpitTransport({ verifySSL: false }), url, bbreHeaders('medium', url)),
  },
  {
    label: 'undici',
    description: '`undici.request(url, { dispatcher: new Agent({ connect: { rejectUnauthorized: false } }) })`',
    async fetchOnce(url) {
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        const res = await request(url, { dispatcher, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
        return `status ${res.statusCode}, ${(await res.body.arrayBuffer()).byteLength} bytes`;
      } finally {
        await dispatcher.close();
      }
    },
  },
  {
    label: 'BBRE low',
    description: "BBRE's own `UndiciTransport` on its `UndiciDispatchers` agent (verifySSL false) with a `low` session's identity headers",
    async fetchOnce(url) {
      const dispatchers = new UndiciDispatchers(createTargetPolicy(true));
      try {
        return await viaTransport(new UndiciTransport(dispatchers.get(undefined, false)), url, bbreHeaders('low', url));
      } finally {
        await dispatchers.close();
      }
    },
  },
];
