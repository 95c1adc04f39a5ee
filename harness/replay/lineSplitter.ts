/**
 * JSON Lines framing: the one rule for every reader of recorded records (docs/semantics.md, "Replay
 * input"). A line ends at `\n` only, and a `\r` right before it is dropped; a lone `\r` stays in the
 * line, where JSON reads it as whitespace. A UTF-8 byte-order mark at the start of a line (so at the
 * start of a file) is dropped, as the engines' UTF-8 decoder drops it at the start of a record.
 *
 * It splits bytes, not text: `\n` never occurs inside a UTF-8 sequence, so a chunk may end anywhere,
 * and each line is decoded once, by `Buffer.toString`. No regular expression and no `readline`
 * (which also ends a line at a lone `\r`).
 */

/** Receives each line: its text, its 1-based number and its length in bytes (no terminator). */
export type LineHandler = (text: string, line: number, bytes: number) => void;

const newline = 0x0a;
const carriageReturn = 0x0d;
const bom = [0xef, 0xbb, 0xbf] as const;

/** Splits a byte stream into lines; `write` each chunk in order, then `end`. */
export class LineSplitter {
  /** Bytes of the line still open at the end of the last chunk. */
  private pending: Buffer[] = [];
  private line = 0;

  constructor(private readonly onLine: LineHandler) {}

  write(chunk: Buffer): void {
    let start = 0;
    if (this.pending.length > 0) {
      const end = chunk.indexOf(newline);
      if (end < 0) {
        this.pending.push(chunk);
        return;
      }
      this.pending.push(chunk.subarray(0, end));
      const joined = Buffer.concat(this.pending);
      this.pending = [];
      this.emit(joined, 0, joined.length);
      start = end + 1;
    }
    for (let end = chunk.indexOf(newline, start); end >= 0; end = chunk.indexOf(newline, start)) {
      this.emit(chunk, start, end);
      start = end + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  /** Emits the last line when the input does not end with `\n`. */
  end(): void {
    if (this.pending.length === 0) return;
    const joined = Buffer.concat(this.pending);
    this.pending = [];
    this.emit(joined, 0, joined.length);
  }

  private emit(buffer: Buffer, start: number, end: number): void {
    this.line++;
    if (end > start && buffer[end - 1] === carriageReturn) end--;
    if (
      end - start >= 3 &&
      buffer[start] === bom[0] &&
      buffer[start + 1] === bom[1] &&
      buffer[start + 2] === bom[2]
    ) {
      start += 3;
    }
    this.onLine(buffer.toString("utf8", start, end), this.line, end - start);
  }
}
