/**
 * Benchmark: what an idle adaptive session's memory depends on. A browser is launched with the pool's flags
 * (medium flavor) and its standby page, as BrowserPool does; for each viewport the default profiles draw, 10
 * contexts with one blank page each are opened, the PSS of every Chromium process below this one is read, and
 * they are closed again. Per session, by process role: the renderer is the page's own, the GPU process holds a
 * surface the size of the window (Playwright sizes a headless window to the viewport), the browser process the
 * window's UI.
 *
 *   npm run bench:window-memory
 *
 * Prints a markdown section and writes it into BENCHMARKS.md ("## Adaptive session memory by window size").
 * Bounded: a watchdog ends the run; the browser is a child of this process and dies with it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { chromiumArgs, findChromium } from '../src/engines/adaptive/chromium.js';
import { buildChromeProfile, SCREEN_WEIGHTS } from '../src/engines/identity/chrome-profile.js';
import { describeMachine } from './lib/machine.js';
import { markdownTable, upsertSection } from './lib/markdown.js';
import { IDLE_MEMORY_SETTLE, settledChromiumSnapshot, type ChromiumSnapshot } from './lib/process-tree.js';
import { installSafetyNets, invocation, runBenchmark } from './lib/safety-nets.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION_HEADING = '## Adaptive session memory by window size';
const SESSIONS = 10;
/** The default profiles' screens (chrome-profile.ts), smallest first; each gets the viewport a default profile draws with it. */
const SCREENS = SCREEN_WEIGHTS.map((w) => w.screen).sort((a, b) => a.width - b.width);
const log = (message: string) => process.stderr.write(`[bench:window-memory] ${message}\n`);

const mib = (kib: number) => kib / 1024;
const roleMiB = (s: ChromiumSnapshot, role: string) => mib(s.byType[role]?.pssKiB ?? 0);

/** Chromium opens and frees renderers and windows asynchronously: PSS is read once it has held still (process-tree.ts). */
async function snapshot(): Promise<ChromiumSnapshot & { settled: boolean }> {
  const { snapshot: s, settled } = await settledChromiumSnapshot(process.pid, IDLE_MEMORY_SETTLE);
  if (!settled) log(`PSS did not hold still within ${IDLE_MEMORY_SETTLE.deadlineMs / 1000} s`);
  return { ...s, settled };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length > 0) throw new Error(`bench:window-memory takes no arguments (got ${args.join(' ')})`);
  installSafetyNets(5 * 60_000, log);
  const executablePath = findChromium(undefined);
  if (executablePath === undefined) throw new Error('no Chromium found: apt-get install -y chromium');
  const browser = await chromium.launch({ executablePath, headless: true, chromiumSandbox: false, args: chromiumArgs({ stealth: true, acceptLanguage: 'en-US,en' }), timeout: 30_000 });
  const rows: string[][] = [];
  try {
    const standby = await browser.newContext({ viewport: { width: 500, height: 100 }, serviceWorkers: 'block' });
    await standby.newPage();
    for (const screen of SCREENS) {
      const viewport = buildChromeProfile('medium', { screen }).viewport!;
      const base = await snapshot();
      const open: BrowserContext[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        const context = await browser.newContext({ viewport, screen });
        await context.newPage();
        open.push(context);
      }
      const loaded = await snapshot();
      await Promise.all(open.map((c) => c.close()));
      const per = (f: (s: ChromiumSnapshot) => number) => ((f(loaded) - f(base)) / SESSIONS).toFixed(1);
      const row = [
        `${viewport.width}×${viewport.height}${base.settled && loaded.settled ? '' : ' ⚠'}`,
        per((s) => mib(s.memoryKiB.pss)),
        per((s) => roleMiB(s, 'renderer')),
        per((s) => roleMiB(s, 'gpu-process')),
        per((s) => roleMiB(s, 'browser')),
        per((s) => mib(s.memoryKiB.pss) - roleMiB(s, 'renderer') - roleMiB(s, 'gpu-process') - roleMiB(s, 'browser')),
      ];
      log(`viewport ${row[0]}: ${row[1]} MiB per session`);
      rows.push(row);
    }
  } finally {
    await browser.close();
  }
  const machine = describeMachine(REPO_ROOT);
  const section = [
    `Command: \`${invocation('bench:window-memory', 'bench/window-memory.ts', args)}\``,
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine.cpuCount} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.os}; Node ${machine.node}; code at ${machine.revision}`,
    `- Chromium ${browser.version()} (\`${executablePath}\`), headless, the pool's flags for the medium flavor, with a standby page (500×100) open throughout, as BrowserPool keeps one.`,
    `- Per viewport: ${SESSIONS} contexts with one blank page each (the viewport and screen a default profile with that screen gets), PSS of every Chromium process below this one once it has held within ${IDLE_MEMORY_SETTLE.pssToleranceKiB / 1024} MiB for ${IDLE_MEMORY_SETTLE.holdMs! / 1000} s after the last was opened (Chromium returns memory a few seconds after a burst), minus the same sum before; then closed.`,
    '',
    markdownTable(['Viewport', 'PSS per session MiB', 'renderer', 'gpu-process', 'browser', 'other processes'], rows),
    '',
    '⚠ marks a row whose PSS did not hold still within the deadline (a busy machine).',
    '',
    'The GPU process grows with the window: Playwright sizes a headless window to its viewport, and the window keeps a surface of that size. The renderer and the browser process do not (their spread between rows is noise).',
  ].join('\n');
  process.stdout.write(`${SECTION_HEADING}\n\n${section}\n`);
  await upsertSection(join(REPO_ROOT, 'BENCHMARKS.md'), SECTION_HEADING, section);
  log('BENCHMARKS.md updated');
}

runBenchmark(main, log);
