/**
 * A progress bar on stderr, drawn in place when stderr is a terminal and as a few plain lines
 * otherwise (CI logs, pipes), so stdout stays clean for data and `--json`.
 */

export interface Progress {
  /** Sets the units done, and the total when it has grown. */
  update(done: number, total?: number): void;
  /** Draws the final state once; later calls do nothing. */
  finish(): void;
}

const barWidth = 30;

/** A progress bar for `total` units labelled `label`, on `stream` (stderr by default). */
export function progressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let done = 0;
  let lastTenth = -1;
  let finished = false;
  const render = (): string => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(fraction * barWidth);
    const percent = String(Math.floor(fraction * 100)).padStart(3);
    return `${label} [${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${percent}% ${done}/${total}`;
  };
  return {
    update(value: number, newTotal?: number): void {
      done = value;
      total = newTotal ?? total;
      if (stream.isTTY) {
        stream.write(`\r${render()}`);
        return;
      }
      const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (tenth > lastTenth && tenth < 10) {
        lastTenth = tenth;
        stream.write(`${render()}\n`);
      }
    },
    finish(): void {
      if (finished) return;
      finished = true;
      done = Math.max(done, total);
      stream.write(stream.isTTY ? `\r${render()}\n` : `${render()}\n`);
    },
  };
}
