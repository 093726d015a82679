import { execFileSync } from 'node:child_process';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** `ps` state: `Z` is a zombie (exited, not yet reaped: no memory, nothing running). */
  state: string;
  args: string;
}

/** Every process descended from `rootPid` (this test worker by default), from one `ps` snapshot. */
export function descendants(rootPid: number = process.pid): ProcessInfo[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  const all: ProcessInfo[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m) all.push({ pid: Number(m[1]), ppid: Number(m[2]), state: m[3]!, args: m[4]! });
  }
  const found: ProcessInfo[] = [];
  const frontier = [rootPid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return found;
}

/**
 * Chromium processes (browsers, zygotes, renderers, …) descended from this test worker and still running. A
 * killed browser whose launcher thread is gone stays a zombie until this process exits: it runs nothing and
 * holds no memory, so it does not count.
 */
export function chromiumDescendants(): ProcessInfo[] {
  return descendants().filter((p) => /chromium/i.test(p.args) && !p.state.startsWith('Z'));
}

/** The main browser processes among them: Chromium's helpers all carry a `--type=` flag. */
export function chromiumBrowsers(): ProcessInfo[] {
  return chromiumDescendants().filter((p) => !/\s--type=/.test(p.args));
}

/**
 * Polls `probe` until it returns a value other than `undefined`, against a deadline (STYLE.md §5: observable
 * state, no guessed sleeps).
 */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, deadlineMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
