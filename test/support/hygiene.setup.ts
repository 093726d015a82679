/**
 * Resource hygiene, checked after every test file in its own worker: once the file's servers, sites and
 * browsers are closed, no Chromium process descended from the worker and no listening server or child process
 * may remain. A file that leaks fails here, naming what it left behind.
 */
import { afterAll } from 'vitest';
import { chromiumDescendants } from './processes.js';

/** Resources a file may not leave: servers still listening, child processes still running. */
const LEAKS = new Set(['TCPServerWrap', 'ProcessWrap']);

async function settle(check: () => string[], ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  let left = check();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = check();
  }
  return left;
}

afterAll(async () => {
  const chromium = await settle(() => chromiumDescendants().map((p) => `${p.pid} ${p.args.slice(0, 80)}`), 10_000);
  const handles = await settle(() => process.getActiveResourcesInfo().filter((r) => LEAKS.has(r)), 5_000);
  const problems = [
    ...(chromium.length > 0 ? [`Chromium processes still running: ${chromium.join('; ')}`] : []),
    ...(handles.length > 0 ? [`open handles left: ${handles.join(', ')}`] : []),
  ];
  if (problems.length > 0) throw new Error(`resource hygiene: ${problems.join(' | ')}`);
}, 30_000);
