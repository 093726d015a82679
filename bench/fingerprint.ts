/**
 * Benchmark: how close the passive engine's TLS ClientHello (JA4, JA3) and HTTP/2 opening (SETTINGS, WINDOW_UPDATE,
 * priorities, pseudo-header and header order) are to the Chromium the adaptive engine runs, on this machine and
 * with no network: Debian's Chromium, impit chrome151, BBRE's medium transport, undici and BBRE's low transport
 * each fetch one page from a recording HTTPS server on 127.0.0.1.
 *
 *   npm run bench:fingerprint
 *
 * Prints a markdown section and writes it into BENCHMARKS.md ("## Passive TLS and HTTP/2 fingerprint vs Chromium").
 * Bounded: each client has a timeout, a watchdog ends the run, and the browser's process group is always killed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { observe, type Observation } from './lib/fingerprint-analysis.js';
import { FINGERPRINT_CLIENTS } from './lib/fingerprint-clients.js';
import { renderFingerprintSection } from './lib/fingerprint-report.js';
import { startFingerprintServer } from './lib/fingerprint-server.js';
import { describeMachine } from './lib/machine.js';
import { upsertSection } from './lib/markdown.js';
import { installSafetyNets, invocation, runBenchmark } from './lib/safety-nets.js';
import { selfSignedCert } from './lib/tls-cert.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION_HEADING = '## Passive TLS and HTTP/2 fingerprint vs Chromium';
const WATCHDOG_MS = 3 * 60_000;
/** After a client finished: time for connections it opened late (a browser's second socket) to be recorded. */
const SETTLE_MS = 500;

const log = (message: string) => process.stderr.write(`[bench:fingerprint] ${message}\n`);

async function chromiumVersion(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('/usr/bin/chromium', ['--version'], { timeout: 20_000 });
    return stdout.trim();
  } catch (err) {
    throw new Error(`/usr/bin/chromium --version failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length > 0) throw new Error(`bench:fingerprint takes no arguments (got ${args.join(' ')})`);
  installSafetyNets(WATCHDOG_MS, log);
  const version = await chromiumVersion();
  const cert = await selfSignedCert();
  const server = await startFingerprintServer(cert);
  const url = `https://127.0.0.1:${server.port}/`;
  const observations: Observation[] = [];
  try {
    for (const client of FINGERPRINT_CLIENTS) {
      server.expect(client.label);
      let outcome: string;
      try {
        outcome = await client.fetchOnce(url);
      } catch (err) {
        outcome = `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      }
      await sleep(SETTLE_MS);
      const observation = observe(client, outcome, server.records(client.label));
      log(`${client.label}: ${outcome}; JA4 ${observation.ja4?.ja4 ?? 'none'}; HTTP/${observation.httpVersion ?? '?'}${observation.akamai ? `; ${observation.akamai}` : ''}`);
      observations.push(observation);
    }
  } finally {
    server.expect('after the run');
    await server.close();
  }
  if (!observations[0]?.hello) throw new Error('no ClientHello recorded from Chromium: nothing to compare with');
  const section = renderFingerprintSection(invocation('bench:fingerprint', 'bench/fingerprint.ts', args), describeMachine(REPO_ROOT), cert.description, version, observations);
  process.stdout.write(`${SECTION_HEADING}\n\n${section}\n`);
  await upsertSection(join(REPO_ROOT, 'BENCHMARKS.md'), SECTION_HEADING, section);
  log('BENCHMARKS.md updated');
}

runBenchmark(main, log);
