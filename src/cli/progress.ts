/** A progress bar on a stream: redrawn in place on a terminal, one line per tenth of the work otherwise. */
export interface Progress {
  update(state: { done: number; ok: number; failed: number }): void;
  finish(): void;
}

interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

const WIDTH = 30;

export function progressBar(stream: ProgressStream, total: number, label = 'batch'): Progress {
  let lastTenth = -1;
  let lastLine = '';
  const line = ({ done, ok, failed }: { done: number; ok: number; failed: number }) => {
    const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}  ok ${ok}  failed ${failed}`;
  };
  return {
    update(state) {
      if (stream.isTTY) {
        lastLine = line(state);
        stream.write(`\r${lastLine}`);
        return;
      }
      const tenth = total === 0 ? 10 : Math.floor((state.done / total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        stream.write(`${line(state)}\n`);
      }
    },
    finish() {
      if (stream.isTTY && lastLine) stream.write('\n');
    },
  };
}
