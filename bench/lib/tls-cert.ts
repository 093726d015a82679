import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  key: Buffer;
  cert: Buffer;
  /** The certificate's details, for the report. */
  description: string;
}

/**
 * A throw-away P-256 certificate for 127.0.0.1, made with the `openssl` CLI in a temporary directory that is
 * removed at once (clients are told to ignore certificate errors; only the handshake's client side matters).
 */
export async function selfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'bbre-fp-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { timeout: 30_000 },
    );
    const { stdout } = await run('openssl', ['version'], { timeout: 10_000 });
    return { key: await readFile(key), cert: await readFile(cert), description: `self-signed ECDSA P-256 for IP 127.0.0.1, made with ${stdout.trim()}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
