/**
 * Writes lines to a stream in large chunks, waiting when the pipe is full, and notices when the
 * reader has gone: after `replay | head` closes the pipe, a write fails with EPIPE, and the
 * command should stop quietly with exit 0 rather than die with a stack trace (docs/cli.md,
 * "Conventions").
 */
import type { Writable } from "stream";

/** Flush once this much text is buffered. */
const chunkSize = 1 << 16;

export class LineWriter {
  private buffer = "";
  private gone = false;
  private failure: Error | undefined;

  constructor(private readonly stream: Writable) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") this.gone = true;
      else this.failure = error;
    });
  }

  /** The reader closed the pipe: nothing more will be read. */
  get closed(): boolean {
    return this.gone;
  }

  /** Buffers one line (without its `\n`); call `flushIfFull` between batches. */
  push(line: string): void {
    this.buffer += line + "\n";
  }

  async flushIfFull(): Promise<void> {
    if (this.buffer.length >= chunkSize) await this.flush();
  }

  /** Writes what is buffered; throws a write error other than EPIPE. */
  async flush(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.buffer === "" || this.gone) return;
    const chunk = this.buffer;
    this.buffer = "";
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off("drain", done);
          this.stream.off("error", done);
          this.stream.off("close", done);
          resolve();
        };
        this.stream.on("drain", done).on("error", done).on("close", done);
      });
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Flushes and, for a file, closes it. */
  async end(): Promise<void> {
    await this.flush();
    if (this.stream === process.stdout || this.gone) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.once("error", reject);
      this.stream.end(() => resolve());
    });
  }
}
