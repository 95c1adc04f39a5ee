/**
 * Splits concatenated JSON texts into one text per top-level value, without parsing them: what a
 * Firehose S3 object holds (`{"a":1}{"a":2}`, one record per line, or records printed over several
 * lines) and what `aws kinesis get-records ... >> file` leaves (one pretty-printed response after
 * another). It tracks only strings, escapes and bracket depth, so each value is parsed once, by its
 * consumer. Text between values that neither is whitespace nor opens an object or array (stray
 * characters, a truncated record) comes out as a value of its own, up to the next `{`, `[` or line
 * end, so the consumer rejects it as a record instead of losing the rest of the file.
 */

/** Receives each value's text and the 1-based line its first character is on. */
export type ValueHandler = (text: string, line: number) => void;

/** The character codes it looks at. */
const tab = 9;
const newline = 10;
const carriageReturn = 13;
const space = 32;
const quote = 34;
const backslash = 92;
const openBracket = 91;
const closeBracket = 93;
const openBrace = 123;
const closeBrace = 125;
const byteOrderMark = 0xfeff;

/** Where the splitter is: between values, inside `{...}`/`[...]`, or inside stray text. */
const between = 0;
const bracketed = 1;
const stray = 2;

/** Feed text in order with `write`, then `end`. */
export class JsonValueSplitter {
  private state: number = between;
  /** Text of the open value from earlier chunks. */
  private parts: string[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private valueLine = 1;

  constructor(private readonly onValue: ValueHandler) {}

  write(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.state === between) {
        if (c === newline) this.line++;
        if (isSpace(c) || c === byteOrderMark) continue;
        start = i;
        this.valueLine = this.line;
        if (c === openBrace || c === openBracket) {
          this.state = bracketed;
          this.depth = 1;
          this.inString = false;
          this.escaped = false;
        } else {
          this.state = stray;
        }
        continue;
      }
      if (this.state === stray) {
        if (c !== newline && c !== openBrace && c !== openBracket) continue;
        this.emit(text.slice(start, i).trimEnd());
        i--; // the character that ended it is read again, between values
        continue;
      }
      if (c === newline) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === backslash) this.escaped = true;
        else if (c === quote) this.inString = false;
      } else if (c === quote) {
        this.inString = true;
      } else if (c === openBrace || c === openBracket) {
        this.depth++;
      } else if ((c === closeBrace || c === closeBracket) && --this.depth === 0) {
        this.emit(text.slice(start, i + 1));
      }
    }
    if (this.state !== between) this.parts.push(text.slice(start));
  }

  /** Emits what is left open (an unterminated value) as a value, for the consumer to reject. */
  end(): void {
    if (this.state === between) return;
    this.emit("");
  }

  private emit(last: string): void {
    const text = this.parts.length === 0 ? last : this.parts.join("") + last;
    this.parts = [];
    this.state = between;
    const trimmed = text.trimEnd();
    if (trimmed !== "") this.onValue(trimmed, this.valueLine);
  }
}

function isSpace(c: number): boolean {
  return c === space || c === newline || c === carriageReturn || c === tab;
}
