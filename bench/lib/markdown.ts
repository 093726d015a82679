import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

export function markdownTable(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const BENCHMARKS_PREAMBLE = `# BBRE benchmarks

Every number in this file is produced by a script under \`bench/\`; each section names the exact command that
produced it, when, and on which machine. Re-run the command to refresh a section; nothing here is edited by hand.
`;

/**
 * Replaces the level-2 section `heading` (up to the next level-2 heading) in `file`, or appends it; creates the
 * file with its preamble when missing. Other sections are left byte for byte as they were.
 */
export async function upsertSection(file: string, heading: string, body: string): Promise<void> {
  const section = `${heading}\n\n${body.trim()}\n`;
  const current = existsSync(file) ? await readFile(file, 'utf8') : BENCHMARKS_PREAMBLE;
  const lines = current.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === heading);
  let next: string;
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section}`;
  } else {
    const relativeEnd = lines.slice(start + 1).findIndex((l) => l.startsWith('## '));
    const end = relativeEnd === -1 ? lines.length : start + 1 + relativeEnd;
    const after = lines.slice(end).join('\n');
    next = [lines.slice(0, start).join('\n').trimEnd(), section.trimEnd(), after.trim()].filter((part) => part !== '').join('\n\n') + '\n';
  }
  await writeFile(file, next);
}
