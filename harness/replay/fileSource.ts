/**
 * Recorded records from a file or stdin, in any of the formats AWS hands out (docs/cli.md, "Replay
 * inputs"): JSON lines, `aws kinesis get-records` output, and Firehose S3 objects (concatenated or
 * newline-delimited records). Gzip is recognised by its magic bytes, whatever the file is called,
 * and `auto` tells the formats apart by the first bytes of the (decompressed) input. Everything is
 * streamed: a file of any size replays in bounded memory.
 */
import * as fs from "fs";
import { pipeline, Readable } from "stream";
import { StringDecoder } from "string_decoder";
import { createGunzip } from "zlib";
import { JsonValueSplitter } from "./jsonValueSplitter";
import { getRecordsResponseRecords } from "./kinesisRecords";
import { LineSplitter } from "./lineSplitter";
import type { SourceRecord } from "./sourceRecord";

/** What `--input-format` takes. */
export const inputFormats = ["auto", "jsonl", "kinesis", "firehose"] as const;
export type InputFormat = (typeof inputFormats)[number];
export type FileFormat = Exclude<InputFormat, "auto">;

/** Records in batches (one per chunk read), and what they are, for the summary line. */
export interface RecordSource {
  /** `jsonl`, `firehose, gzip`, `stream clicks`. */
  readonly description: string;
  records(): AsyncIterable<SourceRecord[]>;
}

/** The input could not be read: a missing file, a broken gzip stream. */
export class InputReadError extends Error {
  override readonly name = "InputReadError";
}

/** How much of the input `auto` looks at. */
const detectionBytes = 256 * 1024;

/**
 * Opens `path` (`-` for `stdin`) as a record source. Reads only the first bytes before it returns
 * (to see gzip and, for `auto`, the format); a file that cannot be opened throws
 * `InputReadError` here, a read error later is thrown by the iteration. Once `signal` is aborted,
 * the records end, even while a pipe is waiting for its writer.
 */
export async function openFileSource(
  path: string,
  format: InputFormat,
  stdin: Readable = process.stdin,
  signal?: AbortSignal,
): Promise<RecordSource> {
  const label = path === "-" ? "stdin" : `--input ${path}`;
  const input = path === "-" ? stdin : fs.createReadStream(path);
  let chunks = new ChunkReader(input, label, signal);
  const head = await chunks.peek(2);
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (gzip) {
    // The bytes looked at are read again: gunzip gets them first, then the rest of the input.
    const gunzip = createGunzip();
    pipeline(Readable.from(chunks), gunzip, () => {});
    chunks = new ChunkReader(gunzip, label, signal);
  }
  const resolved = format === "auto" ? detectFormat(await chunks.peek(detectionBytes)) : format;
  const description = gzip ? `${resolved}, gzip` : resolved;
  return { description, records: () => formatRecords(resolved, chunks) };
}

/**
 * The format of an input from its first bytes: get-records output starts with `{"Records":` (or is
 * the array of records), an input whose first object spans several lines or is followed by another
 * on the same line is a Firehose object, anything else is JSON lines.
 */
export function detectFormat(head: Buffer): FileFormat {
  const text = head.toString("utf8").replace(/^[\uFEFF\s]+/, "");
  if (
    /^\{\s*"Records"\s*:/.test(text) ||
    /^\[\s*(?:\]|\{\s*"(?:SequenceNumber|ApproximateArrivalTimestamp|Data|PartitionKey)")/.test(
      text,
    )
  ) {
    return "kinesis";
  }
  if (!text.startsWith("{")) return "jsonl";
  let first: string | undefined;
  new JsonValueSplitter((value) => (first ??= value)).write(text);
  if (first === undefined) return "jsonl";
  if (first.includes("\n")) return "firehose";
  return /^[ \t\r]*(\n|$)/.test(text.slice(first.length)) ? "jsonl" : "firehose";
}

async function* formatRecords(
  format: FileFormat,
  chunks: ChunkReader,
): AsyncGenerator<SourceRecord[]> {
  let batch: SourceRecord[] = [];
  const take = (): SourceRecord[] => {
    const taken = batch;
    batch = [];
    return taken;
  };
  if (format === "jsonl") {
    const lines = new LineSplitter((text, line, bytes) => {
      batch.push({ kind: "line", text, line, bytes });
    });
    for await (const chunk of chunks) {
      lines.write(chunk);
      if (batch.length > 0) yield take();
    }
    lines.end();
    if (batch.length > 0) yield take();
    return;
  }
  const values = new JsonValueSplitter((text, line) => {
    if (format === "kinesis") batch.push(...getRecordsResponseRecords(text, line));
    else batch.push({ kind: "event", data: text, line, bytes: Buffer.byteLength(text) });
  });
  const decoder = new StringDecoder("utf8");
  for await (const chunk of chunks) {
    values.write(decoder.write(chunk));
    if (batch.length > 0) yield take();
  }
  values.write(decoder.end());
  values.end();
  if (batch.length > 0) yield take();
}

/** A readable's chunks, with a look at the first bytes that leaves them to be read again. */
class ChunkReader implements AsyncIterable<Buffer> {
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly head: Buffer[] = [];
  private done = false;

  constructor(
    input: Readable,
    private readonly label: string,
    private readonly signal?: AbortSignal,
  ) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /** At least `bytes` bytes from the start (fewer at the end of the input), still to be read. */
  async peek(bytes: number): Promise<Buffer> {
    let length = this.head.reduce((n, chunk) => n + chunk.length, 0);
    while (length < bytes && !this.done) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      this.head.push(chunk);
      length += chunk.length;
    }
    return Buffer.concat(this.head);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    while (this.head.length > 0) yield this.head.shift() as Buffer;
    for (let chunk = await this.next(); chunk !== undefined; chunk = await this.next()) yield chunk;
  }

  private async next(): Promise<Buffer | undefined> {
    if (this.done) return undefined;
    try {
      const result = await untilAborted(this.iterator.next(), this.signal);
      if (result.done) this.done = true;
      return result.done ? undefined : (result.value as Buffer);
    } catch (error) {
      this.done = true;
      if (error instanceof InputReadError) throw error;
      throw new InputReadError(`Cannot read ${this.label}: ${(error as Error).message}`);
    }
  }
}

/** `next`'s result, or the end of the input as soon as `signal` is aborted. */
function untilAborted<T>(
  next: Promise<IteratorResult<T>>,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<T>> {
  if (signal === undefined) return next;
  if (signal.aborted) return Promise.resolve({ done: true, value: undefined });
  return new Promise((resolve, reject) => {
    const end = (): void => resolve({ done: true, value: undefined });
    signal.addEventListener("abort", end, { once: true });
    next.then(resolve, reject).finally(() => signal.removeEventListener("abort", end));
  });
}
