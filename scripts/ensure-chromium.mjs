#!/usr/bin/env node
// Install step: adaptive mode needs a system Chromium. BBRE never downloads a browser; when Chromium is missing
// and this runs as root on Debian/Ubuntu, it installs the distribution's package, otherwise it says how.
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';

const candidates = [process.env.BBRE_CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
const found = candidates.find((p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

if (found) {
  console.log(`bbre: Chromium found at ${found}; adaptive mode is available.`);
  process.exit(0);
}
if (process.env.BBRE_SKIP_CHROMIUM_INSTALL === '1') process.exit(0);

const hint = 'bbre: Chromium is not installed; adaptive mode will answer 503 until it is. Install it with `apt-get install -y chromium` (Debian/Ubuntu) or set BBRE_CHROMIUM_PATH.';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.warn(hint);
  process.exit(0);
}
console.log('bbre: installing Chromium from the distribution (apt-get install -y chromium)...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env }) : update;
if (install.status !== 0) console.warn(hint);
// Never fail the install: passive mode works without a browser.
process.exit(0);
